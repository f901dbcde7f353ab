"""Overdue declarations (menace de sinistre), claims with their expected indemnity, the
insurer's payments and the recoveries made after the claim.

Each declared invoice is covered by the decision in force on its delivery (document) date, as
French credit-insurance terms cover deliveries made while the cover was in force: a later
cancellation or reduction does not take the cover of earlier deliveries away."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum

from encours.accounts.permissions import require
from encours.audit.services import audit_record
from encours.core import insurance as core
from encours.core.errors import InvalidTransition, ValidationFailed
from encours.core.money import ZERO, quantize
from encours.insurance.models import (
    Claim,
    CoverDecision,
    Declaration,
    DeclaredInvoice,
    InsurancePolicy,
    InsurerPayment,
    Recovery,
)
from encours.insurance.selectors.exposure import cover_of, policies_in_force
from encours.ledger.models import Customer, Item, ItemType


def core_policy(policy: InsurancePolicy) -> core.InsurancePolicy:
    return core.InsurancePolicy(
        insurer=policy.insurer,
        number=policy.number,
        currency=policy.currency,
        indemnity_rate=policy.indemnity_rate,
        discretionary_limit=policy.discretionary_limit,
        max_extension_days=policy.max_extension_days,
        declaration_deadline_days=policy.declaration_deadline_days,
        non_qualifying_threshold=policy.non_qualifying_threshold,
        waiting_period_days=policy.waiting_period_days,
    )


def decision_on(*, customer: Customer, on: date) -> CoverDecision | None:
    return (
        CoverDecision.objects.filter(customer=customer, effective_on__lte=on)
        .select_related("policy")
        .order_by("-effective_on", "-decided_on", "-pk")
        .first()
    )


def policy_of(*, customer: Customer, on: date) -> InsurancePolicy | None:
    decision = decision_on(customer=customer, on=on)
    if decision is not None:
        return decision.policy
    return policies_in_force(entity_ids=[customer.entity_id], as_of=on).get(customer.entity_id)


@transaction.atomic
def declaration_create(
    *, customer: Customer, items: Sequence[Item], declared_on: date, user: Any, reference: str = ""
) -> Declaration:
    """Declare the overdue invoices of one buyer; the deadline is that of the oldest one."""
    require(user, "insurance.manage", customer=customer)
    policy = policy_of(customer=customer, on=declared_on)
    if policy is None:
        raise ValidationFailed(f"{customer} is not insured: no policy in force on {declared_on.isoformat()}")
    overdue = [i for i in items if i.customer_id == customer.pk and i.type == ItemType.INVOICE and i.open_amount > 0]
    overdue = [i for i in overdue if i.due_date < declared_on]
    if not overdue:
        raise ValidationFailed("select at least one overdue open invoice of this customer")
    oldest = min(i.due_date for i in overdue)
    declaration = Declaration.objects.create(
        policy=policy,
        customer=customer,
        declared_on=declared_on,
        deadline=oldest + timedelta(days=policy.declaration_deadline_days),
        amount=sum((i.open_amount for i in overdue), ZERO),
        reference=reference,
        created_by=user,
    )
    declaration.items.set(overdue)
    lines = declared_invoices_refresh(declaration=declaration)
    audit_record(
        actor=user,
        action="insurance.declaration_create",
        obj=declaration,
        customer_id=customer.pk,
        entity_id=customer.entity_id,
        after={
            "amount": declaration.amount,
            "deadline": declaration.deadline,
            "items": [i.number for i in overdue],
            "cover_at_delivery": {line.number: line.cover for line in lines},
        },
        note="declared late: the insurer may refuse the claim" if declared_on > declaration.deadline else "",
    )
    return declaration


def _in_force(decisions: Sequence[CoverDecision], on: date) -> CoverDecision | None:
    """The latest decision effective on or before ``on`` (``decisions`` newest first)."""
    return next((d for d in decisions if d.effective_on <= on), None)


def _cover_reason(decision: CoverDecision | None, cover: Decimal, on: date, outside: str) -> str:
    if outside:
        return outside
    if decision is None:
        return f"no cover decision effective on {on.isoformat()}"
    if cover <= 0 and decision.gives_cover:
        return f"{decision.decision} expired on {decision.expires_on.isoformat() if decision.expires_on else '?'}"
    if cover <= 0:
        return f"{decision.decision} with effect from {decision.effective_on.isoformat()}"
    return f"{decision.decision} since {decision.effective_on.isoformat()}"


def declared_invoices_refresh(*, declaration: Declaration) -> list[DeclaredInvoice]:
    """Record, per declared invoice, the decision in force on its delivery date and its cover."""
    customer = declaration.customer
    decisions = list(
        CoverDecision.objects.filter(customer=customer)
        .select_related("policy")
        .order_by("-effective_on", "-decided_on", "-pk")
    )
    existing = {line.item_id: line for line in declaration.lines.all()}
    lines = []
    for item in declaration.items.all().order_by("document_date", "number"):
        decision = _in_force(decisions, item.document_date)
        outside = (decision.policy if decision else declaration.policy).outside_reason(customer)
        cover = cover_of(decision, item.document_date, outside_policy=outside)
        line = existing.get(item.pk) or DeclaredInvoice(declaration=declaration, item=item)
        line.number, line.delivered_on = item.number, item.document_date
        line.amount = line.amount if line.pk else item.open_amount
        line.decision, line.cover = decision, cover
        line.reason = _cover_reason(decision, cover, item.document_date, outside)[:200]
        line.save()
        lines.append(line)
    return lines


def _estimate(declaration: Declaration, loss: Decimal, recoveries: Decimal, insolvency_on: date | None) -> Any:
    """The indemnity on the cover in force at each invoice's delivery; ``.cover`` is that cover."""
    lines = list(declaration.lines.all()) or declared_invoices_refresh(declaration=declaration)
    policy = declaration.policy
    at_delivery = core.cover_at_delivery(
        invoices=[
            core.DeliveredInvoice(
                reference=line.number,
                delivered_on=line.delivered_on,
                amount=line.amount,
                cover=line.cover,
                decision_key=str(line.decision_id or ""),
            )
            for line in lines
        ],
        net_loss=max(ZERO, loss - recoveries),
        currency=policy.currency,
    )
    estimate = core.expected_indemnity(
        loss=loss,
        cover=at_delivery.covered_loss,
        policy=core_policy(policy),
        recoveries=recoveries,
        insolvency_on=insolvency_on,
        waiting_starts_on=declaration.declared_on,
    )
    return replace(estimate, cover=at_delivery.cover, reasons=at_delivery.reasons + estimate.reasons)


@transaction.atomic
def claim_open(
    *,
    declaration: Declaration,
    opened_on: date,
    user: Any,
    insolvency_on: date | None = None,
    loss: Decimal | None = None,
) -> Claim:
    """File the claim: expected indemnity = the loss covered at delivery × indemnity %."""
    require(user, "insurance.manage")
    if hasattr(declaration, "claim"):
        raise InvalidTransition(f"declaration {declaration.pk} already has a claim")
    declared_invoices_refresh(declaration=declaration)
    loss = declaration.amount if loss is None else loss
    estimate = _estimate(declaration, loss, ZERO, insolvency_on)
    claim = Claim.objects.create(
        declaration=declaration,
        opened_on=opened_on,
        loss=loss,
        cover=estimate.cover,
        expected_indemnity=estimate.indemnity,
        payable_from=estimate.payable_from,
        insolvency_on=insolvency_on,
        explanation="; ".join(estimate.reasons)[:400],
    )
    declaration.status = Declaration.Status.CLAIM
    declaration.save(update_fields=["status"])
    audit_record(
        actor=user,
        action="insurance.claim_open",
        obj=claim,
        customer_id=declaration.customer_id,
        after={"loss": loss, "cover": estimate.cover, "expected_indemnity": estimate.indemnity},
    )
    return claim


@transaction.atomic
def insurer_payment_record(*, claim: Claim, amount: Decimal, paid_on: date, user: Any, reference: str = "") -> None:
    require(user, "insurance.manage")
    if amount <= 0:
        raise ValidationFailed("an insurer payment is a positive amount")
    InsurerPayment.objects.create(claim=claim, amount=amount, paid_on=paid_on, reference=reference)
    paid = claim.payments.aggregate(total=Sum("amount"))["total"] or ZERO
    if paid >= claim.expected_indemnity:
        claim.status = Claim.Status.INDEMNIFIED
        claim.save(update_fields=["status"])
    audit_record(
        actor=user,
        action="insurance.insurer_payment",
        obj=claim,
        customer_id=claim.declaration.customer_id,
        after={"amount": amount, "paid_on": paid_on, "paid_total": paid},
    )


@transaction.atomic
def recovery_record(*, claim: Claim, amount: Decimal, received_on: date, user: Any, note: str = "") -> Recovery:
    """A recovery before indemnity lowers the expected indemnity; after it, the insurer takes its
    share (the indemnity rate) of what is recovered."""
    require(user, "insurance.manage")
    if amount <= 0:
        raise ValidationFailed("a recovery is a positive amount")
    indemnified = claim.payments.exists()
    share = quantize(amount * claim.declaration.policy.indemnity_rate, claim.declaration.policy.currency)
    recovery = Recovery.objects.create(
        claim=claim, amount=amount, received_on=received_on, insurer_share=share if indemnified else ZERO, note=note
    )
    if not indemnified:
        recovered = claim.recoveries.aggregate(total=Sum("amount"))["total"] or ZERO
        estimate = _estimate(claim.declaration, claim.loss, recovered, claim.insolvency_on)
        claim.expected_indemnity = estimate.indemnity
        claim.explanation = "; ".join(estimate.reasons)[:400]
        claim.save(update_fields=["expected_indemnity", "explanation"])
    audit_record(
        actor=user,
        action="insurance.recovery",
        obj=claim,
        customer_id=claim.declaration.customer_id,
        after={"amount": amount, "insurer_share": recovery.insurer_share},
    )
    return recovery
