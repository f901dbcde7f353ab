"""Scheduled work of the risk app: the daily run and digest, sent by Celery beat."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone


@shared_task(name="risk.daily_run")
def daily_run() -> dict[str, Any]:
    from encours.risk.daily import risk_daily_run, send_digest
    from encours.sales.notifications import send_rep_digest

    as_of = timezone.localdate()
    report = risk_daily_run(as_of=as_of)
    return {"as_of": as_of.isoformat(), "customers": report.customers, "alerts": report.alerts,
            "blocks_lifted": report.blocks_lifted, "digests": send_digest(as_of=as_of),
            "rep_digests": send_rep_digest(as_of=as_of)}  # fmt: skip
