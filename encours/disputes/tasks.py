"""Scheduled work of disputes (CELERY_BEAT_SCHEDULE): SLA escalation, daily digest, credit notes."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone


@shared_task(name="disputes.escalate")
def escalate() -> dict[str, Any]:
    from encours.disputes.mailing import disputes_escalate

    sent = disputes_escalate(as_of=timezone.localdate(), actor="celery-beat")
    return {"emails": len(sent)}


@shared_task(name="disputes.digest")
def digest() -> dict[str, Any]:
    from encours.disputes.mailing import disputes_digest

    sent = disputes_digest(as_of=timezone.localdate(), actor="celery-beat")
    return {"emails": len(sent)}


@shared_task(name="disputes.link_credit_notes")
def link_credit_notes() -> dict[str, Any]:
    from encours.disputes.services import credit_notes_link

    return {"linked": credit_notes_link(actor="celery-beat")}
