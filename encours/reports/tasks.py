"""Scheduled work of the reports: the weekly report, sent by Celery beat (CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.conf import settings
from django.utils import timezone

log = logging.getLogger(__name__)


@shared_task(name="reports.send_weekly_report")
def send_weekly_report(entity_siren: str | None = None) -> dict[str, Any]:
    """Send today's weekly report to ``REPORTS_WEEKLY_RECIPIENTS``; nothing when the list is empty."""
    from encours.reports.services import weekly_report_send

    recipients = settings.REPORTS_WEEKLY_RECIPIENTS
    if not recipients:
        log.warning("weekly report not sent: REPORTS_WEEKLY_RECIPIENTS is empty")
        return {"sent": False, "reason": "no recipients"}
    sent = weekly_report_send(
        as_of=timezone.localdate(), recipients=recipients, entity_siren=entity_siren, actor="celery-beat"
    )
    return {"sent": True, "as_of": sent.as_of.isoformat(), "recipients": list(sent.recipients)}
