"""Run the matching engine over stored bank lines and record its answers: auto-applied
lines are applied in bulk, the others get ranked proposals for the review queue."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction

from encours.accounts.permissions import require
from encours.cash import selectors
from encours.cash.models import BankLine, LineStatus, Proposal
from encours.cash.services.apply import applications_bulk
from encours.cash.services.plans import Part, Plan, plan
from encours.core.matching.engine import MatchingIndex, match_lines
from encours.core.matching.values import LineMatch
from encours.core.matching.values import Proposal as CoreProposal
from encours.ledger.models import LegalEntity

_CLASS_STATUS = {
    "not_customer_receipt": LineStatus.NOT_CUSTOMER,
    "outgoing": LineStatus.OUTGOING,
    "reversal": LineStatus.REVERSAL,
}


def _parts(proposal: CoreProposal) -> tuple[Part, ...]:
    return tuple(Part(int(a.item_id), a.amount, a.write_off) for a in proposal.allocations)


def _confidence(value: float) -> Decimal:
    return Decimal(str(round(value, 3)))


@transaction.atomic
def lines_match(
    *,
    entity: LegalEntity,
    lines: Sequence[BankLine],
    user: Any,
    index: MatchingIndex | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Match lines of one entity (new lines or lines back in review); returns counts."""
    require(user, "cash.apply", entity=entity)
    lines = [line for line in lines if line.status in (LineStatus.NEW, LineStatus.REVIEW)]
    if not lines:
        return {"applied": 0, "review": 0, "other": 0}
    index = index or selectors.matching_index(entity.pk)
    config = selectors.matching_config(entity)
    results: tuple[LineMatch, ...] = match_lines(
        [selectors.core_line(line) for line in lines], index=index, config=config
    )
    if progress:
        progress(len(lines) // 2, len(lines))
    Proposal.objects.filter(line__in=[line.pk for line in lines]).delete()
    plans: list[Plan] = []
    proposals: list[Proposal] = []
    by_pk = {line.pk: line for line in lines}
    for line, result in zip(lines, results, strict=True):
        best = result.best
        line.reason = result.reason[:300]
        line.confidence = _confidence(best.confidence) if best else None
        if result.classification in _CLASS_STATUS:
            line.status = _CLASS_STATUS[result.classification]
            continue
        if result.auto_apply and best is not None:
            plans.append(
                plan(
                    line_id=line.pk,
                    line_amount=line.amount,
                    customer_id=int(best.customer_id),
                    parts=_parts(best),
                    kind="auto",
                    reason=best.reason,
                    write_off_reason=best.write_off_reason,
                )
            )
            line.customer_id = int(best.customer_id)
            continue
        line.status = LineStatus.REVIEW
        line.customer_id = int(best.customer_id) if best else None
        proposals.extend(
            Proposal(
                line=line,
                rank=rank,
                customer_id=int(p.customer_id),
                confidence=_confidence(p.confidence),
                rule=p.rule,
                reason=p.reason[:500],
                allocations=[
                    {"item": a.item_id, "number": a.item_number, "amount": str(a.amount), "write_off": str(a.write_off)}
                    for a in p.allocations
                ],
                unapplied=p.unapplied,
                write_off_reason=p.write_off_reason,
            )
            for rank, p in enumerate(result.proposals, start=1)
        )
    if plans:
        applications_bulk(plans=plans, lines=by_pk, user=user)
        for p in plans:
            by_pk[p.line_id].status = LineStatus.APPLIED if p.parts else LineStatus.ON_ACCOUNT
    Proposal.objects.bulk_create(proposals, batch_size=2000)
    BankLine.objects.bulk_update(lines, ["status", "reason", "confidence", "customer"], batch_size=2000)
    if progress:
        progress(len(lines), len(lines))
    applied = sum(1 for line in lines if line.status in (LineStatus.APPLIED, LineStatus.ON_ACCOUNT))
    review = sum(1 for line in lines if line.status == LineStatus.REVIEW)
    return {"applied": applied, "review": review, "other": len(lines) - applied - review}
