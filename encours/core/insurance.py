"""Credit insurance: buyer cover on a date, uncovered exposure, overdue declarations, claims
and automatic cover-increase requests.

Cover on a date is the granted amount of the latest decision effective on or before it,
unless that decision has expired by then or is a refusal or a cancellation (then 0).

>>> from datetime import date
>>> from decimal import Decimal
>>> decisions = (
...     CoverDecision(buyer_id="B1", status=CoverStatus.APPROVED, requested_amount=Decimal(100000),
...                   granted_amount=Decimal(80000), decided_on=date(2026, 1, 10), effective_on=date(2026, 1, 15)),
...     CoverDecision(buyer_id="B1", status=CoverStatus.REDUCED, requested_amount=Decimal(80000),
...                   granted_amount=Decimal(30000), decided_on=date(2026, 5, 2), effective_on=date(2026, 6, 1)),
... )
>>> cover_on(decisions=decisions, on=date(2026, 5, 31)).amount
Decimal('80000')
>>> cover_on(decisions=decisions, on=date(2026, 6, 1)).amount
Decimal('30000')
>>> uncovered_exposure(exposure=Decimal(45000), cover=Decimal(30000))
Decimal('15000')
>>> policy = InsurancePolicy(insurer="Allianz Trade", number="P-1", declaration_deadline_days=60)
>>> declaration_deadline(original_due_date=date(2024, 1, 31), policy=policy)  # leap year
datetime.date(2024, 3, 31)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum

from encours.core.errors import ValidationFailed
from encours.core.money import ZERO, format_amount, quantize


class CoverStatus(StrEnum):
    APPROVED = "approved"
    PARTIAL = "partial"
    REFUSED = "refused"
    REDUCED = "reduced"
    CANCELLED = "cancelled"


NO_COVER_STATUSES = frozenset({CoverStatus.REFUSED, CoverStatus.CANCELLED})


@dataclass(frozen=True, slots=True, kw_only=True)
class InsurancePolicy:
    """Terms of a credit-insurance policy; defaults are the usual French market terms."""

    insurer: str
    number: str
    currency: str = "EUR"
    indemnity_rate: Decimal = Decimal("0.90")
    discretionary_limit: Decimal = ZERO  # cover the insured may grant alone, without a named decision
    max_extension_days: int = 60  # longest due-date extension after the original due date
    declaration_deadline_days: int = 60  # overdue declaration, days after the original due date
    non_qualifying_threshold: Decimal = ZERO  # smaller losses are not indemnified
    waiting_period_days: int = 150  # protracted default: indemnity after this period

    def __post_init__(self) -> None:
        if not ZERO < self.indemnity_rate <= 1:
            raise ValidationFailed("indemnity rate must be a share between 0 and 1")
        if min(self.max_extension_days, self.declaration_deadline_days, self.waiting_period_days) < 0:
            raise ValidationFailed("policy periods cannot be negative")
        if min(self.discretionary_limit, self.non_qualifying_threshold) < 0:
            raise ValidationFailed("policy amounts cannot be negative")


@dataclass(frozen=True, slots=True, kw_only=True)
class CoverDecision:
    buyer_id: str
    status: CoverStatus
    requested_amount: Decimal
    granted_amount: Decimal
    decided_on: date
    effective_on: date
    expires_on: date | None = None  # last day of cover; None: until the insurer revises it
    reference: str = ""

    def __post_init__(self) -> None:
        if self.granted_amount < 0 or self.requested_amount < 0:
            raise ValidationFailed(f"cover decision {self.reference}: amounts cannot be negative")


@dataclass(frozen=True, slots=True, kw_only=True)
class CoverPosition:
    on: date
    amount: Decimal
    decision: CoverDecision | None  # the decision read, even when it gives no cover
    source: str  # "decision", "discretionary" or "none"
    reason: str


def cover_on(*, decisions: Iterable[CoverDecision], on: date) -> CoverPosition:
    """Cover in force on ``on``, from the latest decision effective on or before it."""
    effective = [(d.effective_on, d.decided_on, i, d) for i, d in enumerate(decisions) if d.effective_on <= on]
    if not effective:
        return CoverPosition(
            on=on, amount=ZERO, decision=None, source="none", reason="no cover decision effective on this date"
        )
    decision = max(effective, key=lambda item: item[:3])[3]
    if decision.status in NO_COVER_STATUSES:
        reason = f"{decision.status.value} with effect from {decision.effective_on.isoformat()}"
        return CoverPosition(on=on, amount=ZERO, decision=decision, source="decision", reason=reason)
    if decision.expires_on is not None and decision.expires_on < on:
        return CoverPosition(
            on=on,
            amount=ZERO,
            decision=decision,
            source="decision",
            reason=f"expired on {decision.expires_on.isoformat()}",
        )
    reason = f"{decision.status.value} since {decision.effective_on.isoformat()}"
    return CoverPosition(on=on, amount=decision.granted_amount, decision=decision, source="decision", reason=reason)


def cover_with_discretionary(
    *, decisions: Iterable[CoverDecision], on: date, policy: InsurancePolicy, eligible: bool = True
) -> CoverPosition:
    """Cover, falling back on the policy's discretionary limit for a buyer the insurer never ruled on.

    ``eligible`` is the caller's check of the policy's conditions (buyer information held, no
    overdue beyond the extension period): a refused or cancelled buyer never gets it.
    """
    position = cover_on(decisions=decisions, on=on)
    if position.decision is not None or not eligible or policy.discretionary_limit <= 0:
        return position
    return CoverPosition(
        on=on,
        amount=policy.discretionary_limit,
        decision=None,
        source="discretionary",
        reason="policy discretionary limit",
    )


def uncovered_exposure(*, exposure: Decimal, cover: Decimal) -> Decimal:
    """max(0, exposure − cover): the part we carry at our own risk."""
    return max(ZERO, exposure - cover)


@dataclass(frozen=True, slots=True, kw_only=True)
class BuyerCover:
    buyer_id: str
    on: date
    exposure: Decimal
    cover: CoverPosition
    uncovered: Decimal
    usage: Decimal | None  # exposure / cover; None without cover


def buyer_cover(
    *,
    buyer_id: str,
    exposure: Decimal,
    decisions: Iterable[CoverDecision],
    on: date,
    policy: InsurancePolicy | None = None,
    discretionary_eligible: bool = True,
) -> BuyerCover:
    """Exposure against cover for one buyer (with the discretionary limit when a policy is given)."""
    if policy is None:
        position = cover_on(decisions=decisions, on=on)
    else:
        position = cover_with_discretionary(decisions=decisions, on=on, policy=policy, eligible=discretionary_eligible)
    usage = exposure / position.amount if position.amount > 0 else None
    uncovered = uncovered_exposure(exposure=exposure, cover=position.amount)
    return BuyerCover(buyer_id=buyer_id, on=on, exposure=exposure, cover=position, uncovered=uncovered, usage=usage)


@dataclass(frozen=True, slots=True, kw_only=True)
class InsuredInvoice:
    reference: str
    original_due_date: date  # extensions never move the declaration deadline
    open_amount: Decimal


class DeclarationStatus(StrEnum):
    PENDING = "pending"
    DUE_SOON = "due_soon"
    LATE = "late"  # past the deadline: the insurer may refuse the claim


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclarationDue:
    reference: str
    original_due_date: date
    open_amount: Decimal
    deadline: date
    days_left: int
    status: DeclarationStatus


def declaration_deadline(*, original_due_date: date, policy: InsurancePolicy) -> date:
    """Last day to declare an overdue: original due date + the policy's deadline in days."""
    return original_due_date + timedelta(days=policy.declaration_deadline_days)


def extension_within_policy(*, original_due_date: date, new_due_date: date, policy: InsurancePolicy) -> bool:
    """Whether a granted extension stays within the policy's maximum extension period."""
    return (new_due_date - original_due_date).days <= policy.max_extension_days


def overdue_declarations(
    *, invoices: Iterable[InsuredInvoice], policy: InsurancePolicy, as_of: date, due_soon_days: int = 15
) -> tuple[DeclarationDue, ...]:
    """Each overdue insured invoice with its declaration deadline, the most urgent first."""
    due = []
    for invoice in invoices:
        if invoice.open_amount <= 0 or invoice.original_due_date >= as_of:
            continue
        deadline = declaration_deadline(original_due_date=invoice.original_due_date, policy=policy)
        days_left = (deadline - as_of).days
        status = DeclarationStatus.PENDING
        if days_left < 0:
            status = DeclarationStatus.LATE
        elif days_left <= due_soon_days:
            status = DeclarationStatus.DUE_SOON
        due.append(
            DeclarationDue(
                reference=invoice.reference,
                original_due_date=invoice.original_due_date,
                open_amount=invoice.open_amount,
                deadline=deadline,
                days_left=days_left,
                status=status,
            )
        )
    return tuple(sorted(due, key=lambda d: (d.deadline, d.reference)))


def customer_declaration_deadline(
    *, invoices: Iterable[InsuredInvoice], policy: InsurancePolicy, as_of: date
) -> DeclarationDue | None:
    """The customer's deadline is that of its oldest overdue invoice."""
    due = overdue_declarations(invoices=invoices, policy=policy, as_of=as_of)
    return due[0] if due else None


@dataclass(frozen=True, slots=True, kw_only=True)
class IndemnityEstimate:
    loss: Decimal
    recoveries: Decimal
    cover: Decimal
    covered_loss: Decimal  # min(loss − recoveries, cover)
    indemnity_rate: Decimal
    indemnity: Decimal
    payable_from: date | None
    reasons: tuple[str, ...]


def expected_indemnity(
    *,
    loss: Decimal,
    cover: Decimal,
    policy: InsurancePolicy,
    recoveries: Decimal = ZERO,
    insolvency_on: date | None = None,
    waiting_starts_on: date | None = None,
) -> IndemnityEstimate:
    """Covered loss × indemnity rate; nothing under the non-qualifying threshold.

    Payable on the insolvency judgment when there is one, else after the waiting period of
    protracted default counted from ``waiting_starts_on`` (usually the declaration date).
    """
    net_loss = max(ZERO, loss - recoveries)
    covered = min(net_loss, cover)
    currency = policy.currency
    reasons = [f"loss {_money(net_loss, currency)} after recoveries, cover {_money(cover, currency)}"]
    if net_loss < policy.non_qualifying_threshold:
        threshold = _money(policy.non_qualifying_threshold, currency)
        reasons.append(f"under the non-qualifying threshold {threshold}: not covered")
        covered = ZERO
    indemnity = quantize(covered * policy.indemnity_rate, currency)
    reasons.append(f"{_money(covered, currency)} covered × {policy.indemnity_rate:%} = {_money(indemnity, currency)}")
    payable_from = insolvency_on
    if payable_from is None and waiting_starts_on is not None:
        payable_from = waiting_starts_on + timedelta(days=policy.waiting_period_days)
    return IndemnityEstimate(
        loss=loss,
        recoveries=recoveries,
        cover=cover,
        covered_loss=covered,
        indemnity_rate=policy.indemnity_rate,
        indemnity=indemnity,
        payable_from=payable_from,
        reasons=tuple(reasons),
    )


def _money(amount: Decimal, currency: str) -> str:
    return format_amount(amount, currency, lang="en")


@dataclass(frozen=True, slots=True, kw_only=True)
class CoverIncreaseRule:
    trigger_share: Decimal = Decimal("0.90")  # ask when exposure reaches this share of cover
    headroom_share: Decimal = Decimal("0.25")  # ask for exposure plus this margin
    rounding_step: Decimal = Decimal(5000)

    def __post_init__(self) -> None:
        if self.trigger_share <= 0 or self.headroom_share < 0 or self.rounding_step <= 0:
            raise ValidationFailed("cover increase rule: trigger and step must be positive, headroom not negative")


@dataclass(frozen=True, slots=True, kw_only=True)
class CoverIncreaseProposal:
    buyer_id: str
    triggered: bool
    exposure: Decimal
    projected_exposure: Decimal | None
    cover: Decimal
    usage: Decimal | None
    trigger_share: Decimal
    proposed_amount: Decimal | None
    reason: str


def propose_cover_increase(
    *,
    buyer_id: str,
    exposure: Decimal,
    cover: CoverPosition,
    rule: CoverIncreaseRule | None = None,
    projected_exposure: Decimal | None = None,
    currency: str = "EUR",
) -> CoverIncreaseProposal:
    """Whether to ask the insurer for more cover, and how much (rounded up to the step)."""
    rule = rule or CoverIncreaseRule()
    basis = max(exposure, projected_exposure or ZERO)
    usage = basis / cover.amount if cover.amount > 0 else None
    proposed, reason = _cover_request(basis, usage, cover, rule, currency)
    return CoverIncreaseProposal(
        buyer_id=buyer_id,
        triggered=proposed is not None,
        exposure=exposure,
        projected_exposure=projected_exposure,
        cover=cover.amount,
        usage=usage,
        trigger_share=rule.trigger_share,
        proposed_amount=proposed,
        reason=reason,
    )


def _cover_request(
    basis: Decimal, usage: Decimal | None, cover: CoverPosition, rule: CoverIncreaseRule, currency: str
) -> tuple[Decimal | None, str]:
    decision = cover.decision
    if decision is not None and decision.status in NO_COVER_STATUSES:
        return None, f"insurer {decision.status.value} this buyer: a new request needs new information"
    if basis <= 0:
        return None, "no exposure"
    if usage is not None and usage < rule.trigger_share:
        return None, f"exposure uses {usage:.0%} of cover, below the {rule.trigger_share:.0%} trigger"
    target = basis * (1 + rule.headroom_share)
    proposed = (target / rule.rounding_step).to_integral_value(rounding=ROUND_CEILING) * rule.rounding_step
    if proposed <= cover.amount:
        proposed = cover.amount + rule.rounding_step
    used = "no cover" if usage is None else f"{usage:.0%} of cover {_money(cover.amount, currency)}"
    reason = (
        f"exposure {_money(basis, currency)} ({used}) + {rule.headroom_share:.0%} headroom = "
        f"{_money(target, currency)}, rounded up to {_money(proposed, currency)}"
    )
    return quantize(proposed, currency), reason


def code_list(text: str) -> frozenset[str]:
    """The codes of a policy's list field ("FR, BE; LU" → {"FR", "BE", "LU"}), upper-cased."""
    return frozenset(code.upper() for code in text.replace(";", ",").replace(",", " ").split())


def buyer_outside_policy(*, country: str, category: str, covered_countries: str, covered_categories: str) -> str:
    """Why the policy does not cover this buyer ("" when it does); an empty list covers all.

    >>> buyer_outside_policy(country="BE", category="sme", covered_countries="FR", covered_categories="")
    'country BE outside the policy (FR)'
    """
    countries, categories = code_list(covered_countries), code_list(covered_categories)
    if countries and country.upper() not in countries:
        return f"country {country.upper()} outside the policy ({', '.join(sorted(countries))})"
    if categories and category.upper() not in categories:
        return f"category {category} outside the policy ({', '.join(sorted(c.lower() for c in categories))})"
    return ""


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveredInvoice:
    """A declared invoice with the cover in force on its delivery (document) date."""

    reference: str
    delivered_on: date
    amount: Decimal  # declared open amount
    cover: Decimal  # granted amount of the decision in force at delivery, 0 when none gave cover
    decision_key: str  # the same decision gives the same key; "" when no decision gave cover


@dataclass(frozen=True, slots=True, kw_only=True)
class CoverAtDelivery:
    covered_loss: Decimal
    cover: Decimal  # the largest cover in force at the delivery of a declared invoice
    reasons: tuple[str, ...]


def cover_at_delivery(
    *, invoices: Iterable[DeliveredInvoice], net_loss: Decimal, currency: str = "EUR"
) -> CoverAtDelivery:
    """Covered loss when each invoice is covered by the decision in force on its delivery date.

    French credit-insurance terms cover deliveries made while the cover was in force, so a later
    cancellation or reduction does not take the cover of earlier deliveries away. The net loss
    is spread over the invoices pro rata to their declared amounts; the loss on the invoices of one
    decision is covered up to that decision's amount, and the claim never exceeds the largest cover.

    >>> d = date(2026, 3, 1)
    >>> lines = (DeliveredInvoice(reference="F1", delivered_on=d, amount=Decimal(60000), cover=Decimal(100000),
    ...                           decision_key="D1"),
    ...          DeliveredInvoice(reference="F2", delivered_on=d, amount=Decimal(40000), cover=ZERO, decision_key=""))
    >>> cover_at_delivery(invoices=lines, net_loss=Decimal(50000)).covered_loss
    Decimal('30000.00')
    """
    invoices = tuple(invoices)
    declared = sum((i.amount for i in invoices), ZERO)
    if declared <= 0 or net_loss <= 0:
        return CoverAtDelivery(
            covered_loss=ZERO, cover=max((i.cover for i in invoices), default=ZERO), reasons=("no loss to cover",)
        )
    loss_by_decision: dict[str, Decimal] = {}
    cover_by_decision: dict[str, Decimal] = {}
    uncovered: list[str] = []
    for invoice in invoices:
        if not invoice.decision_key or invoice.cover <= 0:
            uncovered.append(invoice.reference)
            continue
        share = net_loss * invoice.amount / declared
        loss_by_decision[invoice.decision_key] = loss_by_decision.get(invoice.decision_key, ZERO) + share
        cover_by_decision[invoice.decision_key] = invoice.cover
    cover = max(cover_by_decision.values(), default=ZERO)
    covered = min(sum((min(loss, cover_by_decision[k]) for k, loss in loss_by_decision.items()), ZERO), cover)
    reasons = [f"{len(invoices) - len(uncovered)} of {len(invoices)} invoices delivered under cover"]
    if uncovered:
        reasons.append("not covered at delivery: " + ", ".join(uncovered[:10]))
    return CoverAtDelivery(covered_loss=quantize(covered, currency), cover=cover, reasons=tuple(reasons))
