"""Reads of background jobs, scoped by the user who asks."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from encours.jobs.models import Job


def jobs_for(user: Any, *, kind_prefix: str) -> QuerySet[Job]:
    """An admin sees every job; a user those of their legal entities, and their own without one."""
    if not user.is_authenticated or not user.is_active:
        return Job.objects.none()
    jobs = Job.objects.filter(kind__startswith=kind_prefix)
    if user.sees_all_entities:
        return jobs
    return jobs.filter(Q(entity__in=user.entities.all()) | Q(entity__isnull=True, created_by=user))


def job_get(*, user: Any, pk: int, kind_prefix: str) -> Job:
    job = jobs_for(user, kind_prefix=kind_prefix).filter(pk=pk).select_related("created_by").first()
    if job is None:
        raise Http404("job not found")
    return job
