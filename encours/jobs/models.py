from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from encours.jobs.figures import has_figures, readable_figures
from encours.jobs.progress import ProgressSnapshot, progress_get

_SHOWN_APART = frozenset({"message", "failures", "warnings"})


class Job(models.Model):
    """A long operation (import, run, training) executed in the background, with progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        PARTIAL = "partial", _("Completed with failures")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=64, db_index=True)
    label = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    params = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    result = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    errors = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # the legal entity whose data the job touches: its users may see the job (see selectors.jobs_for)
    entity = models.ForeignKey("ledger.LegalEntity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status in {self.Status.DONE, self.Status.PARTIAL}:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(100 * self.progress_done / self.progress_total))

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.PARTIAL, self.Status.FAILED}

    @property
    def failures(self) -> list[dict[str, Any]]:
        """What failed in a job that went through (see ``encours.jobs.services``), with the reasons."""
        return list(self.result.get("failures") or []) if isinstance(self.result, dict) else []

    @property
    def failed_count(self) -> int:
        if not isinstance(self.result, dict):
            return 0
        return int(self.result.get("failed") or 0) or len(self.failures)

    @property
    def warnings(self) -> list[Any]:
        return list(self.result.get("warnings") or []) if isinstance(self.result, dict) else []

    @property
    def figures(self) -> list[tuple[str, Any]]:
        """The result's counts and values, without what the page shows in its own sections:
        labelled and formatted when the job's app declared them (``encours.jobs.figures``)."""
        if not isinstance(self.result, dict):
            return []
        if has_figures(self.kind):
            return readable_figures(self.kind, self.result)
        return [(k, v) for k, v in self.result.items() if k not in _SHOWN_APART]

    @property
    def message_for_people(self) -> bool:
        """Whether the stored message is worth showing: why a job failed always is; a job whose
        figures are declared says the rest better through them (its message is the log's line)."""
        return self.status == self.Status.FAILED or not has_figures(self.kind)

    @cached_property
    def live(self) -> ProgressSnapshot:
        """Progress as the job page shows it: while running, what the job last reported to the
        cache (its row may sit behind the job's open transaction); once finished, the row."""
        if not self.finished:
            reported = progress_get(job_id=self.pk)
            if reported:
                return reported
        return ProgressSnapshot(self.progress_done, self.progress_total, self.message)
