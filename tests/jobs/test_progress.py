"""Job progress: reported to the cache even inside the job's transaction, throttled, scoped pages."""

from __future__ import annotations

import pytest
from django.db import transaction

from encours.jobs.models import Job
from encours.jobs.progress import progress_get, progress_save, progress_span
from encours.jobs.selectors import jobs_for
from encours.jobs.services import Progress
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def job(credit_manager, entity) -> Job:
    return Job.objects.create(kind="ledger.import_fec", created_by=credit_manager, entity=entity)


def test_a_span_fills_its_part_of_the_bar_and_keeps_its_total():
    heard = []
    part = progress_span(
        lambda done, total, message: heard.append((done, total, message)), start=100, end=200, total=200
    )
    part(0, 10, "a")
    part(5, None, "b")
    part(10, None, "c")
    part(12, None, "d")  # beyond its own total: stays at the end of its part
    assert heard == [(100, 200, "a"), (150, 200, "b"), (200, 200, "c"), (200, 200, "d")]


def test_progress_inside_a_transaction_goes_to_the_cache_not_to_the_row(job):
    with transaction.atomic():
        Progress(job)(40, 100, "parsing: 40 / 100 lines")
        assert Job.objects.values_list("progress_done", flat=True).get(pk=job.pk) == 0
    reported = progress_get(job_id=job.pk)
    assert (reported.done, reported.total, reported.percent) == (40, 100, 40)
    job.refresh_from_db()
    assert job.live.message == "parsing: 40 / 100 lines"


@pytest.mark.django_db(transaction=True)  # no test transaction around it
def test_progress_outside_a_transaction_also_updates_the_row(job):
    Progress(job)(3, 4, "step 3")
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total, job.message) == (3, 4, "step 3")


def test_repeated_counts_are_throttled_but_a_new_step_and_the_last_count_are_not(job):
    progress = Progress(job, min_interval=0.5)
    progress.clock = clock = FakeClock()
    progress(0, 100, "parsing: 0 / 100 lines")
    clock.now = 0.1
    progress(10, None, "parsing: 10 / 100 lines")  # same step, too soon
    assert progress_get(job_id=job.pk).done == 0
    progress(20, None, "writing items: 0 / 50")  # a new step
    assert progress_get(job_id=job.pk).message == "writing items: 0 / 50"
    clock.now = 0.2
    progress(100, None, "writing items: 50 / 50")  # the last count
    assert progress_get(job_id=job.pk).done == 100


def test_a_finished_job_shows_its_row_not_a_stale_report(job):
    progress_save(job_id=job.pk, done=1, total=2, message="half")
    Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE, message="all done")
    job.refresh_from_db()
    assert job.live.message == "all done"


def test_jobs_are_seen_by_their_entitys_users_and_admins_only(job, credit_manager, outsider, collector):
    own_without_entity = Job.objects.create(kind="ledger.import_fec", created_by=outsider)
    admin = UserFactory(username="root", role="admin")
    assert set(jobs_for(credit_manager, kind_prefix="ledger.import")) == {job}
    assert set(jobs_for(collector, kind_prefix="ledger.import")) == {job}  # same entity; pages check the role
    assert set(jobs_for(outsider, kind_prefix="ledger.import")) == {own_without_entity}
    assert set(jobs_for(admin, kind_prefix="ledger.import")) == {job, own_without_entity}
    assert not jobs_for(admin, kind_prefix="cash.").exists()
