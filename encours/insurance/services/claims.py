"""Overdue declarations (menace de sinistre), claims with their expected indemnity, the
insurer's payments and the recoveries made after the claim."""

from __future__ import annotations

from collections.abc import Sequence
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
from encours.insurance.models import Claim, CoverDecision, Declaration, InsurancePolicy, InsurerPayment, Recovery
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
    audit_record(
        actor=user,
        action="insurance.declaration_create",
        obj=declaration,
        customer_id=customer.pk,
        entity_id=customer.entity_id,
        after={"amount": declaration.amount, "deadline": declaration.deadline, "items": [i.number for i in overdue]},
        note="declared late: the insurer may refuse the claim" if declared_on > declaration.deadline else "",
    )
    return declaration


def _estimate(declaration: Declaration, loss: Decimal, recoveries: Decimal, insolvency_on: date | None) -> Any:
    decision = decision_on(customer=declaration.customer, on=declaration.declared_on)
    cover = cover_of(decision, declaration.declared_on)
    return core.expected_indemnity(
        loss=loss,
        cover=cover,
        policy=core_policy(declaration.policy),
        recoveries=recoveries,
        insolvency_on=insolvency_on,
        waiting_starts_on=declaration.declared_on,
    )


@transaction.atomic
def claim_open(
    *,
    declaration: Declaration,
    opened_on: date,
    user: Any,
    insolvency_on: date | None = None,
    loss: Decimal | None = None,
) -> Claim:
    """File the claim: expected indemnity = min(loss, cover on the declaration date) × indemnity %."""
    require(user, "insurance.manage")
    if hasattr(declaration, "claim"):
        raise InvalidTransition(f"declaration {declaration.pk} already has a claim")
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
