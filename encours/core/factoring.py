"""Factoring: assignment batches (bordereaux), fees and interest, availability, returns.

A batch splits each assigned invoice into an eligible part (approved debtor, within its
approval, not overdue, terms within the contract) and an ineligible part with its reasons.
The factor advances ``advance_rate`` of the eligible amount within the global limit, holds
``reserve_rate`` as guarantee fund, charges a service commission on the whole assigned
turnover incl. VAT (plus VAT) and a financing commission (3-month Euribor floored + margin,
ACT/360) on the sums advanced.

>>> from datetime import date
>>> from decimal import Decimal
>>> contract = FactoringContract(factor="BNP Factor", number="F-1", service_commission_rate=Decimal("0.01"),
...                              financing_margin=Decimal("0.015"), global_limit=Decimal(500000))
>>> batch = assignment_batch(
...     contract=contract,
...     receivables=[
...         ReceivableToAssign(reference="F1", debtor_id="D1", amount=Decimal(12000),
...                            invoice_date=date(2026, 6, 1), due_date=date(2026, 7, 31)),
...         ReceivableToAssign(reference="F2", debtor_id="D2", amount=Decimal(3000),
...                            invoice_date=date(2026, 6, 2), due_date=date(2026, 8, 1)),
...     ],
...     approvals=[DebtorApproval(debtor_id="D1", approved_amount=Decimal(10000))],
...     assigned_on=date(2026, 6, 15), index_rate=Decimal("0.02"),
... )
>>> batch.assigned_total, batch.eligible_total, batch.financed, batch.reserve
(Decimal('15000.00'), Decimal('10000.00'), Decimal('9000.00'), Decimal('1000.00'))
>>> [(line.reference, line.reasons) for line in batch.lines]
[('F1', ('over debtor approval: 10000 left',)), ('F2', ('unapproved debtor',))]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from encours.core.errors import ValidationFailed
from encours.core.money import ZERO, quantize


@dataclass(frozen=True, slots=True, kw_only=True)
class FactoringContract:
    factor: str
    number: str
    service_commission_rate: Decimal  # of assigned turnover incl. VAT, typically 0.7–2.5 %
    financing_margin: Decimal  # yearly, over the index
    global_limit: Decimal  # ceiling of the sums the factor will advance
    currency: str = "EUR"
    advance_rate: Decimal = Decimal("0.90")  # share of eligible receivables advanced
    reserve_rate: Decimal = Decimal("0.10")  # guarantee fund held on eligible receivables
    index_floor: Decimal | None = ZERO  # a negative Euribor is read as this floor
    day_count: int = 360  # money-market convention of Euribor-indexed commissions
    commission_vat_rate: Decimal = Decimal("0.20")  # the service commission bears VAT, interest does not
    minimum_commission_per_invoice: Decimal = ZERO
    max_payment_days: int = 120  # invoices on longer terms are not financed
    return_after_days_overdue: int = 90  # unpaid that long after the due date: returned to the client
    interest_in_advance: bool = False  # precompted interest is deducted from the batch payment

    def __post_init__(self) -> None:
        rates = (self.advance_rate, self.reserve_rate, self.service_commission_rate, self.commission_vat_rate)
        if any(not ZERO <= rate <= 1 for rate in rates):
            raise ValidationFailed("factoring rates must be shares between 0 and 1")
        if self.advance_rate + self.reserve_rate > 1:
            raise ValidationFailed("advance rate and guarantee fund cannot exceed 100 % together")
        if self.global_limit < 0 or self.day_count not in (360, 365):
            raise ValidationFailed("global limit cannot be negative; day count is 360 or 365")

    def financing_rate(self, index_rate: Decimal) -> Decimal:
        index = index_rate if self.index_floor is None else max(index_rate, self.index_floor)
        return index + self.financing_margin


def financing_commission(
    *, advanced: Decimal, start: date, end: date, index_rate: Decimal, contract: FactoringContract
) -> Decimal:
    """Interest on a sum advanced from ``start`` to ``end``: amount × (index + margin) × days / 360."""
    days = max(0, (end - start).days)
    return quantize(advanced * contract.financing_rate(index_rate) * days / contract.day_count, contract.currency)


@dataclass(frozen=True, slots=True, kw_only=True)
class DebtorApproval:
    """The factor's approval (agrément) of a debtor: how much of its invoices it will finance."""

    debtor_id: str
    approved_amount: Decimal
    expires_on: date | None = None

    def in_force(self, on: date) -> bool:
        return self.approved_amount > 0 and (self.expires_on is None or on <= self.expires_on)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceivableToAssign:
    reference: str
    debtor_id: str
    amount: Decimal  # incl. VAT; negative for a credit note
    invoice_date: date
    due_date: date


@dataclass(frozen=True, slots=True, kw_only=True)
class AssignedLine:
    reference: str
    debtor_id: str
    amount: Decimal
    eligible: Decimal
    ineligible: Decimal
    reasons: tuple[str, ...]
    estimated_interest: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class Bordereau:
    contract_number: str
    assigned_on: date
    lines: tuple[AssignedLine, ...]
    assigned_total: Decimal
    eligible_total: Decimal
    ineligible_total: Decimal
    advance_capacity: Decimal  # eligible × advance rate
    financed: Decimal  # advance capacity within the global limit
    capped_by_global_limit: Decimal
    reserve: Decimal  # guarantee fund on the eligible amount
    service_commission: Decimal
    commission_vat: Decimal
    financing_rate: Decimal
    estimated_interest: Decimal  # to each invoice's expected payment date
    net_payable: Decimal  # financed − commission − VAT (− interest when charged in advance)


def _eligibility(
    receivable: ReceivableToAssign,
    approval: DebtorApproval | None,
    remaining: Decimal,
    assigned_on: date,
    contract: FactoringContract,
) -> tuple[Decimal, tuple[str, ...]]:
    """The eligible part of one receivable and why the rest is not."""
    if approval is None or not approval.in_force(assigned_on):
        return ZERO, ("unapproved debtor",)
    if receivable.amount < 0:
        return receivable.amount, ()  # a credit note reduces what the debtor owes the factor
    if receivable.due_date < assigned_on:
        return ZERO, (f"overdue on assignment (due {receivable.due_date.isoformat()})",)
    if (receivable.due_date - receivable.invoice_date).days > contract.max_payment_days:
        return ZERO, (f"payment terms over {contract.max_payment_days} days",)
    eligible = min(receivable.amount, max(ZERO, remaining))
    if eligible < receivable.amount:
        return eligible, (f"over debtor approval: {max(ZERO, remaining)} left",)
    return eligible, ()


def assignment_batch(
    *,
    contract: FactoringContract,
    receivables: Iterable[ReceivableToAssign],
    approvals: Iterable[DebtorApproval],
    assigned_on: date,
    index_rate: Decimal,
    debtor_outstanding: Mapping[str, Decimal] | None = None,
    already_drawn: Decimal = ZERO,
    expected_days_late: int = 0,
) -> Bordereau:
    """The figures of one assignment batch; ``debtor_outstanding`` already uses the approvals."""
    by_debtor = {a.debtor_id: a for a in approvals}
    outstanding = dict(debtor_outstanding or {})
    # Credit notes first: they free approval for the invoices of the same batch.
    ordered = sorted(receivables, key=lambda r: r.amount >= 0)
    split: list[tuple[ReceivableToAssign, Decimal, tuple[str, ...]]] = []
    for receivable in ordered:
        approval = by_debtor.get(receivable.debtor_id)
        used = outstanding.get(receivable.debtor_id, ZERO)
        remaining = approval.approved_amount - used if approval else ZERO
        eligible, reasons = _eligibility(receivable, approval, remaining, assigned_on, contract)
        outstanding[receivable.debtor_id] = used + eligible
        split.append((receivable, eligible, reasons))
    return _bordereau(contract, split, assigned_on, index_rate, already_drawn, expected_days_late)


def _bordereau(
    contract: FactoringContract,
    split: list[tuple[ReceivableToAssign, Decimal, tuple[str, ...]]],
    assigned_on: date,
    index_rate: Decimal,
    already_drawn: Decimal,
    expected_days_late: int,
) -> Bordereau:
    q = contract.currency
    eligible_total = quantize(sum((e for _, e, _ in split), ZERO), q)
    assigned_total = quantize(sum((r.amount for r, _, _ in split), ZERO), q)
    capacity = quantize(max(ZERO, eligible_total) * contract.advance_rate, q)
    financed = min(capacity, max(ZERO, contract.global_limit - already_drawn))
    share_financed = financed / capacity if capacity > 0 else ZERO
    lines = _lines_with_interest(contract, split, assigned_on, index_rate, share_financed, expected_days_late)
    commission = _service_commission(contract, [r.amount for r, _, _ in split])
    vat = quantize(commission * contract.commission_vat_rate, q)
    interest = sum((line.estimated_interest for line in lines), ZERO)
    net = financed - commission - vat - (interest if contract.interest_in_advance else ZERO)
    return Bordereau(
        contract_number=contract.number,
        assigned_on=assigned_on,
        lines=lines,
        assigned_total=assigned_total,
        eligible_total=eligible_total,
        ineligible_total=assigned_total - eligible_total,
        advance_capacity=capacity,
        financed=financed,
        capped_by_global_limit=capacity - financed,
        reserve=quantize(max(ZERO, eligible_total) * contract.reserve_rate, q),
        service_commission=commission,
        commission_vat=vat,
        financing_rate=contract.financing_rate(index_rate),
        estimated_interest=interest,
        net_payable=net,
    )


def _lines_with_interest(
    contract: FactoringContract,
    split: list[tuple[ReceivableToAssign, Decimal, tuple[str, ...]]],
    assigned_on: date,
    index_rate: Decimal,
    share_financed: Decimal,
    expected_days_late: int,
) -> tuple[AssignedLine, ...]:
    """Each line with the interest on what is advanced against it, to its expected payment date."""
    lines = []
    for receivable, eligible, reasons in split:
        advanced = max(ZERO, eligible) * contract.advance_rate * share_financed
        interest = financing_commission(
            advanced=advanced,
            start=assigned_on,
            end=receivable.due_date + timedelta(days=expected_days_late),
            index_rate=index_rate,
            contract=contract,
        )
        lines.append(
            AssignedLine(
                reference=receivable.reference,
                debtor_id=receivable.debtor_id,
                amount=receivable.amount,
                eligible=eligible,
                ineligible=receivable.amount - eligible,
                reasons=reasons,
                estimated_interest=interest,
            )
        )
    return tuple(lines)


def _service_commission(contract: FactoringContract, amounts: list[Decimal]) -> Decimal:
    """Rate × each invoice (with the per-invoice minimum), less the rate on credit notes."""
    rate, minimum = contract.service_commission_rate, contract.minimum_commission_per_invoice
    total = sum((max(rate * a, minimum) if a > 0 else rate * a for a in amounts), ZERO)
    return quantize(max(ZERO, total), contract.currency)


@dataclass(frozen=True, slots=True, kw_only=True)
class FactoringAccount:
    """The factoring current account on a date."""

    approved_outstanding: Decimal  # assigned approved receivables not yet collected
    drawn: Decimal  # sums advanced and not yet repaid by collections
    unpaid_fees: Decimal = ZERO  # commissions and interest debited, not yet settled


@dataclass(frozen=True, slots=True, kw_only=True)
class Availability:
    financeable: Decimal  # approved outstanding × advance rate
    reserve: Decimal  # guarantee fund held
    ceiling: Decimal  # financeable within the global limit
    used: Decimal  # drawn + unpaid fees
    available: Decimal  # what can still be drawn today, never negative
    overdrawn: Decimal  # what the client owes back when used exceeds the ceiling


def factoring_availability(*, account: FactoringAccount, contract: FactoringContract) -> Availability:
    """Availability like an overdraft line: the ceiling the receivables allow, less what is used."""
    q = contract.currency
    financeable = quantize(max(ZERO, account.approved_outstanding) * contract.advance_rate, q)
    ceiling = min(financeable, contract.global_limit)
    used = account.drawn + account.unpaid_fees
    return Availability(
        financeable=financeable,
        reserve=quantize(max(ZERO, account.approved_outstanding) * contract.reserve_rate, q),
        ceiling=ceiling,
        used=used,
        available=max(ZERO, ceiling - used),
        overdrawn=max(ZERO, used - ceiling),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class AssignedReceivable:
    reference: str
    debtor_id: str
    open_amount: Decimal
    due_date: date


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnedReceivable:
    reference: str
    debtor_id: str
    amount: Decimal
    reason: str


def factoring_returns(
    *,
    receivables: Iterable[AssignedReceivable],
    approvals: Iterable[DebtorApproval],
    as_of: date,
    contract: FactoringContract,
) -> tuple[ReturnedReceivable, ...]:
    """Receivables the factor hands back (définancement): debtor no longer approved, or long overdue.

    When an approval was reduced below the debtor's outstanding, the excess is returned on
    the latest-due invoices first, the ones the reduced approval no longer covers.
    """
    by_debtor = {a.debtor_id: a for a in approvals}
    returned: list[ReturnedReceivable] = []
    kept: dict[str, list[AssignedReceivable]] = {}
    for item in receivables:
        approval = by_debtor.get(item.debtor_id)
        days_overdue = (as_of - item.due_date).days
        if approval is None or not approval.in_force(as_of):
            returned.append(
                ReturnedReceivable(
                    reference=item.reference,
                    debtor_id=item.debtor_id,
                    amount=item.open_amount,
                    reason="debtor not approved",
                )
            )
        elif days_overdue > contract.return_after_days_overdue:
            reason = f"overdue {days_overdue} days (returned after {contract.return_after_days_overdue})"
            returned.append(
                ReturnedReceivable(
                    reference=item.reference, debtor_id=item.debtor_id, amount=item.open_amount, reason=reason
                )
            )
        else:
            kept.setdefault(item.debtor_id, []).append(item)
    for debtor_id, items in kept.items():
        returned += _over_approval_returns(items, by_debtor[debtor_id])
    return tuple(returned)


def _over_approval_returns(items: list[AssignedReceivable], approval: DebtorApproval) -> list[ReturnedReceivable]:
    excess = sum((i.open_amount for i in items), ZERO) - approval.approved_amount
    returned = []
    for item in sorted(items, key=lambda i: (i.due_date, i.reference), reverse=True):
        if excess <= 0:
            break
        amount = min(item.open_amount, excess)
        reason = f"over debtor approval of {approval.approved_amount}"
        returned.append(
            ReturnedReceivable(reference=item.reference, debtor_id=item.debtor_id, amount=amount, reason=reason)
        )
        excess -= amount
    return returned
