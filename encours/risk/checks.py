"""The order credit check the ERP calls: approve, hold or reject an order with its reasons.

Reads (about eight small indexed queries): the customer in the caller's scope, its open AR
and orders grouped in SQL, guarantees, the limit in force, overdue invoices, legal events,
the credit-insurance cover and, for a member of a group with a group limit, the group's
consolidated exposure. A hold writes the order to the queue of held orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import F, OuterRef, Q, Subquery
from django.http import Http404
from django.utils import timezone

from encours import contracts
from encours.accounts.permissions import require
from encours.core import credit as core_credit
from encours.core.errors import ValidationFailed
from encours.core.grading import PROCEEDING_KINDS, LegalEventKind, open_insolvency
from encours.core.grading import LegalEvent as CoreLegalEvent
from encours.core.money import ZERO, quantize
from encours.core.payer import OpenItem
from encours.ledger.models import Item, ItemType
from encours.ledger.queries import FUNCTIONAL_OPEN
from encours.ledger.selectors import customers_for
from encours.risk import selectors
from encours.risk.models import CreditLimit, Guarantee, HeldOrder, LegalEvent, LimitStatus
from encours.risk.services import held_order_create


@dataclass(frozen=True, slots=True)
class CheckResult:
    decision: core_credit.CreditDecision
    exposure: Decimal
    limit: Decimal | None
    available: Decimal | None
    currency: str
    held_order: HeldOrder | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision.outcome.value,
            "reasons": [
                {"code": r.code.value, "decision": r.decision.value, "message": r.message}
                for r in self.decision.reasons
            ],
            "exposure": str(self.exposure),
            "limit": None if self.limit is None else str(self.limit),
            "available": None if self.available is None else str(self.available),
            "currency": self.currency,
            "held_order": self.held_order.pk if self.held_order else None,
        }


def credit_check_order(
    *,
    user: Any,
    account_number: str,
    entity_siren: str,
    amount: Decimal,
    currency: str = "EUR",
    reference: str = "",
    as_of: date | None = None,
) -> CheckResult:
    require(user, "risk.credit_check")
    as_of = as_of or timezone.localdate()
    settings = selectors.current_settings()
    customer = (
        customers_for(user)
        .select_related("entity")
        .filter(account_number=account_number, entity__siren=entity_siren)
        .annotate(**selectors.exposure_annotations(), **_check_annotations(as_of, settings.hold_overdue_days))
        .first()
    )
    if customer is None:
        raise Http404("customer not found")
    if currency.upper() != customer.entity.currency:
        raise ValidationFailed(f"the order must be in {customer.entity.currency}, the entity's currency")
    guarantees = []
    if customer.guarantees_in_force:
        guarantees.append(
            core_credit.Guarantee(kind=core_credit.GuaranteeKind.DEPOSIT, amount=Decimal(customer.guarantees_in_force))
        )
    exposure = core_credit.compute_exposure(
        open_ar=quantize(customer.exposure_open_ar),
        open_orders=quantize(customer.exposure_open_orders),
        uninvoiced_deliveries=quantize(customer.exposure_deliveries),
        guarantees=guarantees,
        as_of=as_of,
    )
    limit = None
    if customer.limit_amount is not None:
        limit = core_credit.CreditLimit(
            amount=Decimal(customer.limit_amount),
            approved_on=customer.limit_valid_from,
            approved_by="",
            expires_on=customer.limit_expires_on,
        )
    overdue: tuple[OpenItem, ...] = ()
    if customer.late_oldest is not None and customer.late_amount:
        overdue = (
            OpenItem(reference="overdue", open_amount=Decimal(customer.late_amount), due_date=customer.late_oldest),
        )
    events = []
    if customer.proceeding_kind:
        events.append(
            CoreLegalEvent(kind=LegalEventKind(customer.proceeding_kind), published_on=customer.proceeding_on)
        )
    cover = contracts.covers(customer_ids=[customer.pk], as_of=as_of).get(customer.pk)
    profile = core_credit.CreditProfile(
        customer_id=customer.account_number,
        exposure=exposure.net,
        limit=limit,
        blocked=customer.is_blocked,
        block_reason=customer.blocked_reason,
        overdue_items=overdue,
        insolvency=open_insolvency(events=events, as_of=as_of),  # the latest proceeding event decides
        insured_cover=cover.granted if cover else None,
        currency=customer.entity.currency,
    )
    policy = selectors.check_policy(settings)
    decision = core_credit.credit_check(profile=profile, order_amount=amount, as_of=as_of, policy=policy)
    decision = _with_group(decision, customer=customer, amount=amount, as_of=as_of, policy=policy)
    limit_amount = limit.amount if limit else None
    available = None if limit_amount is None else max(ZERO, limit_amount - exposure.net)
    held = None
    if decision.outcome is core_credit.Decision.HOLD:
        held = held_order_create(
            customer=customer, user=user, amount=quantize(amount, currency), currency=currency.upper(),
            reference=reference, reasons=[{"code": r.code.value, "message": r.message} for r in decision.reasons],
            exposure=exposure.net, limit=limit_amount,
        )  # fmt: skip
    return CheckResult(decision, exposure.net, limit_amount, available, customer.entity.currency, held)


def _check_annotations(as_of: date, hold_days: int) -> dict[str, Any]:
    """Everything else the check reads, as subqueries of the one customer query: guarantees in
    force, the limit in force, invoices overdue beyond the hold threshold, the latest proceeding."""
    pk = OuterRef("pk")
    in_force = Guarantee.objects.filter(customer=pk).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=as_of), Q(expires_on__isnull=True) | Q(expires_on__gte=as_of)
    )
    limits = CreditLimit.objects.filter(customer=pk, status=LimitStatus.APPROVED, valid_from__lte=as_of).order_by(
        "-valid_from", "-decided_at", "-pk"
    )
    late = Item.objects.filter(customer=pk, type=ItemType.INVOICE).overdue(as_of, more_than_days=hold_days)
    proceedings = LegalEvent.objects.filter(
        company__siren=OuterRef("siren"), kind__in=[k.value for k in PROCEEDING_KINDS], published_on__lte=as_of
    ).order_by("-published_on", "-pk")
    return {
        "guarantees_in_force": selectors.sum_for_customer(in_force, F("amount")),
        "limit_amount": Subquery(limits.values("amount")[:1]),
        "limit_valid_from": Subquery(limits.values("valid_from")[:1]),
        "limit_expires_on": Subquery(limits.values("expires_on")[:1]),
        "late_amount": selectors.sum_for_customer(late, FUNCTIONAL_OPEN),
        "late_oldest": Subquery(late.order_by("due_date").values("due_date")[:1]),
        "proceeding_kind": Subquery(proceedings.values("kind")[:1]),
        "proceeding_on": Subquery(proceedings.values("published_on")[:1]),
    }


def _with_group(
    decision: core_credit.CreditDecision,
    *,
    customer: Any,
    amount: Decimal,
    as_of: date,
    policy: core_credit.CreditCheckPolicy,
) -> core_credit.CreditDecision:
    """A member of a group with a group limit must also fit within the group's consolidated limit."""
    if not customer.group_id:
        return decision
    group_limit = selectors.current_group_limit(group_id=customer.group_id, as_of=as_of)
    if group_limit is None:
        return decision
    group_exposure = selectors.group_exposure(group_id=customer.group_id, as_of=as_of)
    profile = core_credit.CreditProfile(
        customer_id=f"group {customer.group_id}", exposure=group_exposure.net, limit=selectors.core_limit(group_limit)
    )
    group_decision = core_credit.credit_check(profile=profile, order_amount=amount, as_of=as_of, policy=policy)
    extra = [
        core_credit.CheckReason(code=r.code, decision=r.decision, message=f"group: {r.message}")
        for r in group_decision.reasons
        if r.code not in (core_credit.CheckCode.WITHIN_LIMIT, core_credit.CheckCode.WITHIN_TOLERANCE)
    ]
    if not extra:
        return decision
    severity = {core_credit.Decision.APPROVE: 0, core_credit.Decision.HOLD: 1, core_credit.Decision.REJECT: 2}
    reasons = sorted([*decision.reasons, *extra], key=lambda r: severity[r.decision], reverse=True)
    return core_credit.CreditDecision(
        customer_id=decision.customer_id,
        outcome=reasons[0].decision,
        reasons=tuple(reasons),
        order_amount=decision.order_amount,
        exposure_before=decision.exposure_before,
        exposure_after=decision.exposure_after,
        limit=decision.limit,
        headroom_after=decision.headroom_after,
    )
