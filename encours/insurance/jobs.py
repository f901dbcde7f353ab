"""Background job of the insurance app: the insurer decision file import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from encours.insurance.services.covers import decisions_import
from encours.jobs.models import Job
from encours.jobs.services import Progress, register_job


@register_job("insurance.import_decisions", capability="insurance.manage")
def run_decisions_import(job: Job, progress: Progress) -> dict[str, Any]:
    path = Path(job.params["path"])
    report = decisions_import(
        raw=path.read_bytes(),
        file_name=job.params["file_name"],
        entity_siren=job.params["entity"],
        policy_number=job.params["policy"],
        insurer=job.params.get("insurer", ""),
        mapping_name=job.params.get("mapping", ""),
        user=job.created_by,
        progress=progress,
    )
    result = {k: v for k, v in report.as_dict().items() if k != "decision_ids"}
    return {**result, "message": report.message}
