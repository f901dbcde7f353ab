"""Start a job and let it report progress; handlers register by kind.

A handler is ``handler(job: Job, progress: Progress) -> dict`` and raises an
``EncoursError`` to fail with a message (its ``errors`` attribute, when present, is kept
as the row-by-row report). A handler that went through but failed part of its work says so
in its result: ``failures``, a list of ``{"subject": ..., "reason": ...}``, and ``failed``,
their number when the list is cut short; the job then ends "completed with failures" and its
page lists them.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from encours.accounts.models import User
from encours.accounts.permissions import require
from encours.core.errors import EncoursError
from encours.jobs.models import Job
from encours.jobs.progress import progress_forget, progress_save

log = logging.getLogger(__name__)

Handler = Callable[[Job, "Progress"], dict[str, Any]]
_HANDLERS: dict[str, Handler] = {}
_CAPABILITIES: dict[str, str] = {}


def register_job(kind: str, *, capability: str) -> Callable[[Handler], Handler]:
    """``capability``: the action of encours.accounts.permissions a user needs to start such a job."""

    def decorator(handler: Handler) -> Handler:
        _HANDLERS[kind] = handler
        _CAPABILITIES[kind] = capability
        return handler

    return decorator


class Progress:
    """Reports a job's progress where its page reads it.

    The cache first (see ``encours.jobs.progress``): it is seen at once, even while the job's own
    transaction is open. The job row too, but only outside a transaction: inside one the row would
    show nothing before the commit. Repeated counts of one step are reported at most every
    ``min_interval`` seconds; a new step (its message without the figures changes) and the last
    count at once.
    """

    min_interval = 0.5
    clock = staticmethod(time.monotonic)

    def __init__(self, job: Job, min_interval: float | None = None) -> None:
        self.job = job
        if min_interval is not None:
            self.min_interval = min_interval
        self.done, self.total, self.message = job.progress_done, job.progress_total, job.message
        self._last = float("-inf")
        self._step = ""

    def __call__(self, done: int, total: int | None = None, message: str = "") -> None:
        self.done = done
        if total is not None:
            self.total = total
        if message:
            self.message = message[:300]
        step = _FIGURES.sub(" ", self.message)
        now = self.clock()
        if now - self._last < self.min_interval and step == self._step and done < self.total:
            return
        self._last, self._step = now, step
        progress_save(job_id=self.job.pk, done=done, total=self.total, message=self.message)
        if not connection.in_atomic_block:
            Job.objects.filter(pk=self.job.pk).update(
                progress_done=done, progress_total=self.total, message=self.message
            )


_FIGURES = re.compile(r"[\d\s/.,]+")


def job_start(
    *, kind: str, params: dict[str, Any], user: User | None = None, label: str = "", entity: Any = None
) -> Job:
    """``entity``: the legal entity whose data the job touches, if one; its users may see the job."""
    if kind not in _HANDLERS:
        raise EncoursError(f"unknown job kind {kind}")
    require(user, _CAPABILITIES[kind], entity=entity)
    job = Job.objects.create(kind=kind, params=params, created_by=user, label=label or kind, entity=entity)
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
    progress = Progress(job)
    try:
        result = _HANDLERS[job.kind](job, progress)
    except EncoursError as exc:
        errors = [e.as_dict() for e in getattr(exc, "errors", ())]
        _finish(job, progress, Job.Status.FAILED, message=str(exc), errors=errors)
    except Exception as exc:  # a bug must not leave the job "running" forever
        log.exception("job %s failed", job.pk)
        _finish(job, progress, Job.Status.FAILED, message=f"{type(exc).__name__}: {exc}")
    else:
        status = Job.Status.PARTIAL if result.get("failed") or result.get("failures") else Job.Status.DONE
        _finish(job, progress, status, message=str(result.get("message", "")), result=result)
    job.refresh_from_db()
    return job


def _finish(
    job: Job,
    progress: Progress,
    status: str,
    *,
    message: str,
    result: Any = None,
    errors: list[Any] | None = None,
) -> None:
    Job.objects.filter(pk=job.pk).update(
        status=status,
        message=message[:300],
        result=result,
        errors=errors or [],
        progress_done=progress.done,
        progress_total=progress.total,
        finished_at=timezone.now(),
    )
    progress_forget(job_id=job.pk)
