"""Background job of the cash application: a statement upload is imported and matched off the request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from encours.cash.models import BankAccount
from encours.cash.services.imports import UnknownBankAccount, bank_file_import
from encours.core.errors import ValidationFailed
from encours.jobs.figures import job_figures
from encours.jobs.models import Job
from encours.jobs.services import Progress, register_job
from encours.ledger.models import LegalEntity

job_figures(
    "cash.import_bank",
    (
        ("file_name", _("File")),
        ("already", _("Statements imported before (skipped)")),
        ("statement_count", _("Statements imported")),
        ("lines", _("Bank lines")),
        ("applied", _("Applied to invoices automatically")),
        ("review", _("Left to review")),
        ("other", _("Other lines (fees, transfers…)")),
        ("created_accounts", _("Bank accounts created")),
    ),
)


@register_job("cash.import_bank", capability="ledger.import")
def run_bank_import(job: Job, progress: Progress) -> dict[str, Any]:
    params = job.params
    entity = LegalEntity.objects.filter(siren=params.get("entity") or "").first()
    account = BankAccount.objects.filter(pk=params.get("account") or 0).first()
    progress(0, None, "reading the statement")
    try:
        result = bank_file_import(
            raw=Path(params["path"]).read_bytes(),
            user=job.created_by,
            file_name=params["file_name"],
            entity=entity,
            account=account,
            progress=lambda done, total: progress(done, total, "matching"),
        )
    except UnknownBankAccount as exc:
        raise ValidationFailed(
            gettext(
                "The bank account %(account)s is not known yet: choose the legal entity it belongs to in the "
                "upload form (or create the account under Bank accounts), then import the file again."
            )
            % {"account": exc.key}
        ) from None
    message = result.summary
    if result.already:
        message = f"already imported, nothing added: {message}"
    return {
        "message": message,
        **result.counts,
        "file_name": params["file_name"],
        "already": result.already,
        "statement_count": len(result.statements),
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
