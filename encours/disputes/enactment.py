"""What a signed-off unpaid committee decided, done: a credit block, a new credit limit, a hand-over to
litigation or a collection agency, provisions per invoice — each through its own service, each audited.

Enacted when the pack is signed off (decisions may change until then), once per case. A formal notice
is sent by the dunning steps; continuing amicably needs nothing; a write-off is booked in the ERP.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from encours.audit.services import audit_record
from encours.core.errors import PermissionDenied
from encours.core.provisions import provision_line, vat_rate_for
from encours.disputes.models import Committee, CommitteeCase, Decision, ProvisionEntry
from encours.ledger.models import BlockReason, ItemType


def committee_enact(*, committee: Committee, user: Any, on: date) -> int:
    """Enact every decided case of a signed-off committee not enacted yet; the number enacted."""
    cases = (
        committee.cases.filter(enacted_at__isnull=True, decision__in=list(ENACTORS))
        .select_related("customer", "customer__entity")
        .order_by("pk")
    )
    done = 0
    for case in cases:
        what = ENACTORS[case.decision](case, committee, user, on)
        case.enacted_at, case.enactment = timezone.now(), what[:300]
        case.save(update_fields=["enacted_at", "enactment"])
        audit_record(
            actor=user,
            action="committee.enact",
            obj=case,
            customer_id=case.customer_id,
            entity_id=case.customer.entity_id,
            after={"committee": committee.pk, "decision": case.decision, "done": case.enactment},
        )
        done += 1
    return done


def _label(committee: Committee) -> str:
    return f"unpaid committee {committee.scope_label} {committee.month:%m/%Y}"


def _block(case: CommitteeCase, committee: Committee, user: Any, on: date) -> str:
    from encours.ledger.services.blocks import customer_block

    block = customer_block(
        customer=case.customer,
        by=user,
        reason=f"{_label(committee)}: credit block",
        kind=BlockReason.COMMITTEE,
        capability="committee.sign",
        source=f"committee {committee.pk}",
        on=on,
    )
    return f"customer blocked (block {block.pk})"


def _limit(case: CommitteeCase, committee: Committee, user: Any, on: date) -> str:
    from encours.risk.services import limit_decide, limit_request

    comment = f"{_label(committee)}: limit change"
    limit = limit_request(user=user, customer=case.customer, amount=case.new_limit, valid_from=on, comment=comment)
    try:
        with transaction.atomic():
            limit_decide(limit=limit, user=user, approve=True, comment=comment)
    except PermissionDenied as exc:  # above the signer's approval ceiling: a higher approver decides
        return f"credit limit of {limit.amount} requested (limit {limit.pk}), awaiting approval: {exc}"
    return f"credit limit set to {limit.amount} (limit {limit.pk})"


def _hand_over(case: CommitteeCase, committee: Committee, user: Any, on: date) -> str:
    from encours.collections.handover import customer_hand_over
    from encours.collections.models import LitigationCase

    kind = LitigationCase.Kind.LITIGATION if case.decision == Decision.LITIGATION else LitigationCase.Kind.AGENCY
    cases = customer_hand_over(
        customer=case.customer, kind=kind, by=user, on=on, capability="committee.sign", note=_label(committee)
    )
    return f"{len(cases)} invoice(s) handed over to {kind.label}"


def _provision(case: CommitteeCase, committee: Committee, user: Any, on: date) -> str:
    """One entry per overdue open invoice, on its open amount on the day of the sign-off."""
    customer = case.customer
    vat_rate = vat_rate_for(customer.country)
    invoices = customer.items.filter(type=ItemType.INVOICE).overdue(on).order_by("due_date", "number")
    entries = []
    for item in invoices:
        line = provision_line(
            item_id=item.pk,
            number=item.number,
            open_amount=item.open_amount,
            vat_rate=vat_rate,
            rate=case.provision_percent,
            currency=item.currency,
        )
        entries.append(
            ProvisionEntry(
                case=case, customer=customer, item=item, recorded_on=on, open_amount=line.open_amount,
                vat_rate=vat_rate, amount_ht=line.amount_ht, vat=line.vat, rate=line.rate,
                provision=line.provision, currency=item.currency,
            )
        )  # fmt: skip
    ProvisionEntry.objects.bulk_create(entries)
    total = sum((e.provision for e in entries), start=0)
    return f"provision {case.provision_percent.normalize():f} % on {len(entries)} invoice(s): {total:.2f} excl. VAT"


ENACTORS: dict[str, Callable[[CommitteeCase, Committee, Any, date], str]] = {
    Decision.CREDIT_BLOCK: _block,
    Decision.LIMIT_CHANGE: _limit,
    Decision.LITIGATION: _hand_over,
    Decision.AGENCY: _hand_over,
    Decision.PROVISION: _provision,
}
