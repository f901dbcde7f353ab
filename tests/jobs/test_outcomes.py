"""A job that went through but failed part of its work ends "completed with failures" and its
page (and the lists of jobs) say what failed and why."""

from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse

from encours.jobs.models import Job
from encours.jobs.services import job_execute, register_job

pytestmark = pytest.mark.django_db


@register_job("ledger.import_test_partial", capability="ledger.import")
def _partly_failing(job, progress):
    return {
        "message": "3 rows, 1 failed",
        "imported": 2,
        "failed": 1,
        "failures": [{"subject": "line 3", "reason": "customer 411ZZZ unknown"}],
    }


@register_job("ledger.import_test_clean", capability="ledger.import")
def _clean(job, progress):
    return {"message": "3 rows", "imported": 3, "warnings": ["line 2: IBAN checksum wrong; kept but flagged"]}


def test_partial_failure_is_its_own_status_with_the_reasons(credit_manager, entity, client):
    job = Job.objects.create(kind="ledger.import_test_partial", created_by=credit_manager, entity=entity)
    job = job_execute(job.pk)
    assert job.status == Job.Status.PARTIAL and job.finished and job.percent == 100
    assert job.failed_count == 1 and job.failures[0]["reason"] == "customer 411ZZZ unknown"
    client.force_login(credit_manager)
    html = unescape(client.get(reverse("ledger:import_job", args=[job.pk])).content.decode())
    assert "Terminé avec erreurs" in html
    assert "customer 411ZZZ unknown" in html and "line 3" in html
    assert "1 échec — le reste est passé" in html
    listing = unescape(client.get(reverse("ledger:imports")).content.decode())
    assert 'data-status="partial"' in listing and "1 échec" in listing


def test_a_job_with_warnings_only_is_done_and_lists_them(credit_manager, entity, client):
    job = Job.objects.create(kind="ledger.import_test_clean", created_by=credit_manager, entity=entity)
    job = job_execute(job.pk)
    assert job.status == Job.Status.DONE and job.failures == []
    client.force_login(credit_manager)
    html = unescape(client.get(reverse("ledger:import_job", args=[job.pk])).content.decode())
    assert "1 avertissement" in html and "IBAN checksum wrong" in html
    assert "<th>warnings</th>" not in html  # shown as a list, not as a raw figure
