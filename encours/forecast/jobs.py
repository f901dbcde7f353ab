"""Background job of the forecast app: training runs off the request, with progress."""

from __future__ import annotations

from datetime import date
from typing import Any

from encours.forecast.services import payment_model_train
from encours.jobs.models import Job
from encours.jobs.services import Progress, register_job


@register_job("forecast.train", capability="forecast.train")
def run_training(job: Job, progress: Progress) -> dict[str, Any]:
    record = payment_model_train(as_of=date.fromisoformat(job.params["as_of"]), user=job.created_by, progress=progress)
    return {"model": record.pk, "source": record.source, "message": record.reason}
