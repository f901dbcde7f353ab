"""Background job handlers of the ledger: file uploads are imported off the request.

These are web uploads, scoped to the uploader's entities (the command line is not). The uploaded
copy under MEDIA_ROOT/imports is deleted once the import has succeeded; a refused or failed file
is kept for diagnosis, its path in the job's parameters (delete it by hand, or with the job).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from encours.jobs.models import Job
from encours.jobs.services import Progress, register_job
from encours.ledger.models import LegalEntity
from encours.ledger.services.import_fec import fec_import
from encours.ledger.services.import_tabular import tabular_import

WARNINGS_SHOWN = 20


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
    result = {**report.as_dict(), "message": message}
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
