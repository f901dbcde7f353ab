"""The dunning run, and the retry of its failed messages, as background jobs with visible progress."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from encours.collections.execution import run_execute
from encours.collections.models import DunningRun
from encours.collections.retry import run_retry_failed
from encours.jobs.models import Job
from encours.jobs.services import Progress, register_job
from encours.ledger.selectors import customers_for


def _author_and_scope(job: Job) -> tuple[Any, Any]:
    user = get_user_model().objects.filter(pk=job.created_by_id).first() if job.created_by_id else None
    # a run started from the page covers the customers its author may see
    return user, (customers_for(user) if user is not None else None)


@register_job("collections.dunning_run", capability="collections.run")
def dunning_run_job(job: Job, progress: Progress) -> dict[str, Any]:
    run = DunningRun.objects.get(pk=job.params["run_id"])
    user, base = _author_and_scope(job)
    outcome = run_execute(run=run, user=user, progress=progress, base=base)
    return outcome.as_job_result(run)


@register_job("collections.dunning_retry", capability="collections.run")
def dunning_retry_job(job: Job, progress: Progress) -> dict[str, Any]:
    run = DunningRun.objects.get(pk=job.params["run_id"])
    user, base = _author_and_scope(job)
    outcome = run_retry_failed(run=run, user=user, progress=progress, base=base)
    return outcome.as_job_result(run)
