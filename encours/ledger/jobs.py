"""Background job handlers of the ledger: file imports run off the request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from encours.jobs.models import Job
from encours.jobs.services import Progress, register_job
from encours.ledger.services.import_fec import fec_import
from encours.ledger.services.import_tabular import tabular_import


@register_job("ledger.import_fec")
def run_fec_import(job: Job, progress: Progress) -> dict[str, Any]:
    path = Path(job.params["path"])
    report = fec_import(
        raw=path.read_bytes(),
        file_name=job.params["file_name"],
        entity_siren=job.params.get("entity") or None,
        user=job.created_by,
        progress=progress,
    )
    return {**report.as_dict(), "message": _fec_message(report)}


@register_job("ledger.import_items")
def run_tabular_import(job: Job, progress: Progress) -> dict[str, Any]:
    path = Path(job.params["path"])
    report = tabular_import(
        raw=path.read_bytes(),
        file_name=job.params["file_name"],
        entity_siren=job.params["entity"],
        mapping_name=job.params["mapping"],
        user=job.created_by,
        progress=progress,
    )
    message = f"{report.rows} rows: {report.created} created, {report.updated} updated, {report.unchanged} unchanged"
    return {**report.as_dict(), "message": message}


def _fec_message(report: Any) -> str:
    return (
        f"{report.lines} lines, {report.customer_lines} customer lines: {report.items_created} items created, "
        f"{report.items_updated} updated, {report.allocations_created} allocations created"
    )
