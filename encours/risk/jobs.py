"""Background jobs of the risk app: the daily run started from the risk map, with its progress."""

from __future__ import annotations

from datetime import date
from typing import Any

from encours.jobs.models import Job
from encours.jobs.services import Progress, register_job
from encours.risk.daily import risk_daily_run


@register_job("risk.daily_run", capability="risk.edit")
def run_daily(job: Job, progress: Progress) -> dict[str, Any]:
    report = risk_daily_run(as_of=date.fromisoformat(job.params["as_of"]), progress=progress)
    message = f"{report.customers} customers, {report.graded} graded, {report.alerts} new alerts"
    if report.blocks_lifted:
        message += f", {report.blocks_lifted} dunning block(s) lifted"
    return {"customers": report.customers, "graded": report.graded, "alerts": report.alerts,
            "blocks_lifted": report.blocks_lifted, "message": message}  # fmt: skip
