"""Background job handlers of the ledger: file uploads are imported off the request.

These are web uploads, scoped to the uploader's entities (the command line is not). The uploaded
copy under MEDIA_ROOT/imports is deleted once the import has succeeded; a refused or failed file
is kept for diagnosis, its path in the job's parameters (delete it by hand, or with the job).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from encours.jobs.figures import job_figures
from encours.jobs.models import Job
from encours.jobs.services import Progress, register_job
from encours.ledger.models import LegalEntity
from encours.ledger.services.import_fec import fec_import
from encours.ledger.services.import_tabular import tabular_import

WARNINGS_SHOWN = 20
FILE_FIGURES = (("file_name", _("File")), ("entity_name", _("Legal entity")), ("entity_siren", _("SIREN")))
job_figures(
    "ledger.import_fec",
    (
        *FILE_FIGURES,
        ("entity_created", _("Legal entity created by the import")),
        ("lines", _("Lines read")),
        ("customer_lines", _("Lines on customer accounts (411)")),
        ("ignored_lines", _("Lines on other accounts (ignored)")),
        ("customers_created", _("Customers created")),
        ("items_created", _("Items created")),
        ("items_updated", _("Items updated")),
        ("items_unchanged", _("Items unchanged")),
        ("allocations_created", _("Allocations (lettrage) created")),
        ("allocations_updated", _("Allocations updated")),
        ("allocations_removed", _("Allocations removed")),
        ("openings_linked", _("Opening lines matched to items already imported")),
        ("openings_merged", _("Opening lines replaced by this year's items")),
        ("seconds", _("Duration (seconds)")),
    ),
)
job_figures(
    "ledger.import_items",
    (
        *FILE_FIGURES,
        ("mapping", _("Column mapping")),
        ("rows", _("Rows read")),
        ("created", _("Created")),
        ("updated", _("Updated")),
        ("unchanged", _("Unchanged")),
        ("ibans_added", _("IBANs added")),
        ("contacts_added", _("Contacts added")),
        ("seconds", _("Duration (seconds)")),
    ),
)


@register_job("ledger.import_fec", capability="ledger.import")
def run_fec_import(job: Job, progress: Progress) -> dict[str, Any]:
    path = Path(job.params["path"])
    report = fec_import(
        raw=path.read_bytes(),
        file_name=job.params["file_name"],
        entity_siren=job.params.get("entity") or None,
        user=job.created_by,
        progress=progress,
        scoped=True,
    )
    _imported(job, path, report.entity_siren)
    result = {**report.as_dict(), "message": _fec_message(report)}
    result["warnings"] = report.warnings[:WARNINGS_SHOWN]  # the page shows the first ones, with the count
    return result


@register_job("ledger.import_items", capability="ledger.import")
def run_tabular_import(job: Job, progress: Progress) -> dict[str, Any]:
    path = Path(job.params["path"])
    report = tabular_import(
        raw=path.read_bytes(),
        file_name=job.params["file_name"],
        entity_siren=job.params["entity"],
        mapping_name=job.params["mapping"],
        user=job.created_by,
        progress=progress,
        scoped=True,
    )
    _imported(job, path, report.entity_siren)
    message = f"{report.rows} rows: {report.created} created, {report.updated} updated, {report.unchanged} unchanged"
    if report.warnings:
        message += f", {len(report.warnings)} warning(s)"
    result = {**report.as_dict(), **report.details, "message": message}
    result["warnings"] = report.warnings[:WARNINGS_SHOWN]  # the page shows the first ones, with the count
    return result


def _imported(job: Job, path: Path, siren: str) -> None:
    """An entity created by the import now owns its job; the uploaded copy is no longer needed."""
    if job.entity_id is None:
        Job.objects.filter(pk=job.pk).update(entity=LegalEntity.objects.filter(siren=siren).first())
    path.unlink(missing_ok=True)


def _fec_message(report: Any) -> str:
    return (
        f"{report.lines} lines, {report.customer_lines} customer lines: {report.items_created} items created, "
        f"{report.items_updated} updated, {report.allocations_created} allocations created"
    ) + (f", {len(report.warnings)} warning(s)" if report.warnings else "")
