"""Scheduled work of collections: the daily dunning run (CELERY_BEAT_SCHEDULE "collections-daily-dunning")."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.utils import timezone


@shared_task(name="collections.daily_dunning_run")
def daily_dunning_run() -> dict[str, Any]:
    """Judge the promises, then execute today's dunning run (nothing when COLLECTIONS_DAILY_RUN is off)."""
    from encours.collections.execution import run_create, run_execute

    if not settings.COLLECTIONS_DAILY_RUN:
        return {"executed": False, "reason": "COLLECTIONS_DAILY_RUN is off"}
    run = run_create(as_of=timezone.localdate(), user="celery-beat")
    outcome = run_execute(run=run, user="celery-beat")
    return {"executed": True, "run": run.pk, "sent": outcome.sent, "failed": outcome.failed,
            "undeliverable": outcome.skipped}  # fmt: skip
