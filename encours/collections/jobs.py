"""The dunning run as a background job with visible progress."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from encours.collections.execution import run_execute
from encours.collections.models import DunningRun
from encours.jobs.models import Job
from encours.jobs.services import Progress, register_job
from encours.ledger.selectors import customers_for


@register_job("collections.dunning_run", capability="collections.run")
def dunning_run_job(job: Job, progress: Progress) -> dict[str, Any]:
    run = DunningRun.objects.get(pk=job.params["run_id"])
    user = get_user_model().objects.filter(pk=job.created_by_id).first() if job.created_by_id else None
    # a run started from the page covers the customers its author may see
    base = customers_for(user) if user is not None else None
    outcome = run_execute(run=run, user=user, progress=progress, base=base)
    return {
        "message": f"{outcome.sent} sent, {outcome.skipped} undeliverable, {outcome.failed} failed, "
        f"{outcome.already_done} already done",
        "run_id": run.pk,
        "sent": outcome.sent,
        "failed": outcome.failed,
    }
