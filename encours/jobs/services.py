"""Start a job and let it report progress; handlers register by kind.

A handler is ``handler(job: Job, progress: Progress) -> dict`` and raises an
``EncoursError`` to fail with a message (its ``errors`` attribute, when present, is kept
as the row-by-row report).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from encours.core.errors import EncoursError
from encours.jobs.models import Job

log = logging.getLogger(__name__)

Handler = Callable[[Job, "Progress"], dict[str, Any]]
_HANDLERS: dict[str, Handler] = {}


def register_job(kind: str) -> Callable[[Handler], Handler]:
    def decorator(handler: Handler) -> Handler:
        _HANDLERS[kind] = handler
        return handler

    return decorator


class Progress:
    """Writes progress to the job row, at most a few times a second."""

    def __init__(self, job: Job, min_interval: float = 0.3) -> None:
        self.job = job
        self.min_interval = min_interval
        self._last = 0.0

    def __call__(self, done: int, total: int | None = None, message: str = "") -> None:
        now = time.monotonic()
        if now - self._last < self.min_interval and (total is None or done < total):
            return
        self._last = now
        fields: dict[str, Any] = {"progress_done": done}
        if total is not None:
            fields["progress_total"] = total
        if message:
            fields["message"] = message[:300]
        Job.objects.filter(pk=self.job.pk).update(**fields)


def job_start(*, kind: str, params: dict[str, Any], user: Any = None, label: str = "") -> Job:
    if kind not in _HANDLERS:
        raise EncoursError(f"unknown job kind {kind}")
    job = Job.objects.create(kind=kind, params=params, created_by=user, label=label or kind)
    mode = settings.JOBS_MODE
    if mode == "sync":
        job_execute(job.pk)
        job.refresh_from_db()
    elif mode == "celery":
        from encours.jobs.tasks import run_job

        run_job.delay(job.pk)
    else:
        threading.Thread(target=_run_in_thread, args=(job.pk,), daemon=True).start()
    return job


def _run_in_thread(job_id: int) -> None:
    try:
        close_old_connections()
        job_execute(job_id)
    finally:
        connection.close()


def job_execute(job_id: int) -> Job:
    """Run a job where we are. Threads and workers drop stale connections before calling this;
    here it must not, as a synchronous job runs inside the caller's transaction."""
    job = Job.objects.get(pk=job_id)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, started_at=timezone.now())
    try:
        result = _HANDLERS[job.kind](job, Progress(job))
    except EncoursError as exc:
        errors = [e.as_dict() for e in getattr(exc, "errors", ())]
        _finish(job, Job.Status.FAILED, message=str(exc), errors=errors)
    except Exception as exc:  # a bug must not leave the job "running" forever
        log.exception("job %s failed", job.pk)
        _finish(job, Job.Status.FAILED, message=f"{type(exc).__name__}: {exc}")
    else:
        _finish(job, Job.Status.DONE, message=str(result.get("message", "")), result=result)
    job.refresh_from_db()
    return job


def _finish(job: Job, status: str, *, message: str, result: Any = None, errors: list[Any] | None = None) -> None:
    Job.objects.filter(pk=job.pk).update(
        status=status, message=message[:300], result=result, errors=errors or [], finished_at=timezone.now()
    )
