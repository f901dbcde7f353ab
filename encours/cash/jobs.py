"""Background job of the cash application: a statement upload is imported and matched off the request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from encours.cash.models import BankAccount
from encours.cash.services.imports import bank_file_import
from encours.jobs.models import Job
from encours.jobs.services import Progress, register_job
from encours.ledger.models import LegalEntity


@register_job("cash.import_bank", capability="ledger.import")
def run_bank_import(job: Job, progress: Progress) -> dict[str, Any]:
    params = job.params
    entity = LegalEntity.objects.filter(siren=params.get("entity") or "").first()
    account = BankAccount.objects.filter(pk=params.get("account") or 0).first()
    progress(0, None, "reading the statement")
    result = bank_file_import(
        raw=Path(params["path"]).read_bytes(),
        user=job.created_by,
        file_name=params["file_name"],
        entity=entity,
        account=account,
        progress=lambda done, total: progress(done, total, "matching"),
    )
    message = result.summary
    if result.already:
        message = f"already imported, nothing added: {message}"
    return {
        "message": message,
        **result.counts,
        "statements": [s.pk for s in result.statements],
        "created_accounts": [a.account_id for a in result.created_accounts],
        "warnings": result.warnings[:20],
    }


@register_job("cash.rematch", capability="cash.apply")
def run_rematch(job: Job, progress: Progress) -> dict[str, Any]:
    """Match the lines waiting in review again (new invoices imported, settings changed…)."""
    from encours.cash.models import BankLine, LineStatus
    from encours.cash.services.matching import lines_match

    totals = {"applied": 0, "review": 0, "other": 0}
    entities = list(LegalEntity.objects.filter(pk__in=job.params.get("entities", [])))
    for done, entity in enumerate(entities):
        progress(done, len(entities), f"matching {entity.name}")
        lines = list(BankLine.objects.filter(entity=entity, status=LineStatus.REVIEW))
        for key, value in lines_match(entity=entity, lines=lines, user=job.created_by).items():
            totals[key] += value
    return {"message": f"applied={totals['applied']} review={totals['review']} other={totals['other']}", **totals}
