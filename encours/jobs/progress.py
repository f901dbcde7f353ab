"""Live progress of running jobs, kept in the cache rather than in the job's row.

An import writes in one database transaction: progress written to the job row from inside it
stays invisible to the page that polls the job until the import commits, and the bar jumps from
0 to 100 %. The cache is outside any transaction: Redis in production (shared by the web
processes and the Celery workers, REDIS_URL), the process's memory otherwise, which the web
process shares with the thread jobs it runs (JOBS_MODE=thread). A Celery worker without
REDIS_URL cannot share it: the page then shows what the row holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache

KEEP_SECONDS = 24 * 3600  # a job killed mid-way must not leave its key forever

ProgressCallback = Callable[[int, "int | None", str], None]  # (done, total or None = unchanged, message)


@dataclass(frozen=True, slots=True)
class ProgressSnapshot:
    done: int
    total: int
    message: str

    @property
    def percent(self) -> int:
        if not self.total:
            return 0
        return max(0, min(100, int(100 * self.done / self.total)))


def _key(job_id: int) -> str:
    return f"jobs:progress:{job_id}"


def progress_save(*, job_id: int, done: int, total: int, message: str) -> None:
    cache.set(_key(job_id), (done, total, message), KEEP_SECONDS)


def progress_get(*, job_id: int) -> ProgressSnapshot | None:
    value = cache.get(_key(job_id))
    return ProgressSnapshot(*value) if value else None


def progress_forget(*, job_id: int) -> None:
    cache.delete(_key(job_id))


def progress_span(progress: ProgressCallback, *, start: int, end: int, total: int) -> ProgressCallback:
    """A callback for one part of a job: its own done/total fill ``start..end`` of the job's bar
    of ``total``, so that a job of several steps moves one bar forward and never back."""

    last_total = 0

    def report(done: int, part_total: int | None = None, message: str = "") -> None:
        nonlocal last_total
        last_total = last_total if part_total is None else part_total
        share = min(done / last_total, 1.0) if last_total else 0.0
        progress(start + int((end - start) * share), total, message)

    return report
