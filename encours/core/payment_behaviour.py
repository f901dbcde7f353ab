"""How late customers pay: amount-weighted days late, its trend, and the sector's figure.

Days late of a payment = payment date − due date (negative when paid early). Over a window,
the weighted average is Σ amount × days late / Σ amount, so a large invoice paid late weighs
more than a small one paid early. The trend compares the last ``months`` months with the
``months`` before (positive change = paying later than before); a difference of two windows
reads directly to a credit manager ("6 days later than last quarter") and, unlike a fitted
slope, stays meaningful for customers who pay a handful of invoices a quarter.

>>> from datetime import date
>>> from decimal import Decimal
>>> payments = [
...     PaymentRecord(customer="C1", amount=Decimal("1000"), due_date=date(2026, 9, 30),
...                   paid_on=date(2026, 10, 10)),
...     PaymentRecord(customer="C1", amount=Decimal("3000"), due_date=date(2026, 10, 15),
...                   paid_on=date(2026, 10, 13)),
... ]
>>> window = trailing_window(as_of=date(2026, 10, 31), months=12)
>>> summary = weighted_days_late(payments=payments, period=window)
>>> summary.weighted_days_late, summary.paid_amount, summary.payment_count
(Decimal('1'), Decimal('4000'), 2)
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from encours.core.errors import InvalidAmount
from encours.core.identifiers import naf_division, normalize_naf
from encours.core.money import ZERO
from encours.core.open_items import Allocation, ItemKind, LedgerItem
from encours.core.periods import Period, trailing_window

UNKNOWN_SECTOR = ""
"""The sector key of customers without a (valid) NAF code."""

_DIVISION = re.compile(r"^\d{2}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentRecord:
    """``amount`` (> 0) of an invoice due on ``due_date`` was paid on ``paid_on``.

    One per invoice (amount paid, settlement date) or one per payment allocation; pass
    amounts in one currency (the functional one) so that the weights compare.
    """

    customer: str
    amount: Decimal
    due_date: date
    paid_on: date

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite() or self.amount <= 0:
            raise InvalidAmount(f"paid amount for {self.customer} must be a positive Decimal")

    @property
    def days_late(self) -> int:
        return (self.paid_on - self.due_date).days


def payment_records_from_ledger(
    *, items: Iterable[LedgerItem], allocations: Iterable[Allocation]
) -> tuple[PaymentRecord, ...]:
    """One record per allocation of a payment to an invoice (reference implementation).

    The payment's own document date is the payment date: the allocation may be dated later
    (lettering done days after the cash arrived), which would overstate lateness. Credit
    notes are not payments: an invoice cancelled by a credit note says nothing about how the
    customer pays.
    """
    by_key = {item.key: item for item in items}
    records = []
    for allocation in allocations:
        invoice, payment = by_key.get(allocation.debit_key), by_key.get(allocation.credit_key)
        if invoice is None or payment is None:
            continue
        if invoice.kind == ItemKind.INVOICE and payment.kind == ItemKind.PAYMENT:
            records.append(
                PaymentRecord(
                    customer=invoice.customer,
                    amount=allocation.amount,
                    due_date=invoice.due_date,
                    paid_on=payment.document_date,
                )
            )
    return tuple(records)


@dataclass(frozen=True, slots=True, kw_only=True)
class DaysLate:
    """Amount-weighted average days late (Decimal, may be negative) over some payments."""

    weighted_days_late: Decimal
    paid_amount: Decimal
    payment_count: int


def weighted_days_late(*, payments: Iterable[PaymentRecord], period: Period) -> DaysLate | None:
    """Σ amount × days late / Σ amount over the payments made within ``period``; None if none."""
    weighted, paid, count = ZERO, ZERO, 0
    for payment in payments:
        if payment.paid_on in period:
            weighted += payment.amount * payment.days_late
            paid += payment.amount
            count += 1
    if count == 0:
        return None
    return DaysLate(weighted_days_late=weighted / paid, paid_amount=paid, payment_count=count)


def _by_customer(payments: Iterable[PaymentRecord]) -> dict[str, list[PaymentRecord]]:
    groups: defaultdict[str, list[PaymentRecord]] = defaultdict(list)
    for payment in payments:
        groups[payment.customer].append(payment)
    return dict(sorted(groups.items()))


def days_late_by_customer(*, payments: Iterable[PaymentRecord], as_of: date, months: int = 12) -> dict[str, DaysLate]:
    """Weighted days late per customer over the trailing ``months`` months ending on ``as_of``.

    Customers with no payment in the window are absent.
    """
    window = trailing_window(as_of=as_of, months=months)
    result = {}
    for customer, own in _by_customer(payments).items():
        summary = weighted_days_late(payments=own, period=window)
        if summary is not None:
            result[customer] = summary
    return result


@dataclass(frozen=True, slots=True, kw_only=True)
class DaysLateTrend:
    """Weighted days late over the last window and the one before it."""

    recent: DaysLate | None
    previous: DaysLate | None

    @property
    def change(self) -> Decimal | None:
        """Recent − previous, in days: positive means paying later (deteriorating)."""
        if self.recent is None or self.previous is None:
            return None
        return self.recent.weighted_days_late - self.previous.weighted_days_late


def days_late_trend(*, payments: Iterable[PaymentRecord], as_of: date, months: int = 3) -> DaysLateTrend:
    """The last ``months`` months against the ``months`` before (Aug–Oct against May–Jul)."""
    recent = trailing_window(as_of=as_of, months=months)
    previous = trailing_window(as_of=recent.start - timedelta(days=1), months=months)
    listed = tuple(payments)
    return DaysLateTrend(
        recent=weighted_days_late(payments=listed, period=recent),
        previous=weighted_days_late(payments=listed, period=previous),
    )


def days_late_trend_by_customer(
    *, payments: Iterable[PaymentRecord], as_of: date, months: int = 3
) -> dict[str, DaysLateTrend]:
    return {
        customer: days_late_trend(payments=own, as_of=as_of, months=months)
        for customer, own in _by_customer(payments).items()
    }


def sector_of(naf_code: str | None) -> str:
    """The NAF division ('47') of a code in any spelling ('4711D', '47.11d', '47'), or
    UNKNOWN_SECTOR when missing or invalid."""
    text = (naf_code or "").strip()
    if _DIVISION.match(text):
        return text
    try:
        return naf_division(normalize_naf(text))
    except ValueError:
        return UNKNOWN_SECTOR


@dataclass(frozen=True, slots=True, kw_only=True)
class SectorDaysLate:
    """A sector's weighted days late, pooled over all its customers' payments."""

    division: str
    days_late: DaysLate
    customer_count: int


def days_late_by_sector(
    *,
    payments: Iterable[PaymentRecord],
    naf_codes: Mapping[str, str],
    as_of: date,
    months: int = 12,
) -> dict[str, SectorDaysLate]:
    """Weighted days late per NAF division over the trailing window, across the portfolio.

    Pooling payments (rather than averaging customer averages) weighs each customer by what
    it paid, as the customer figure weighs each invoice; ``naf_codes`` maps customer → NAF.
    """
    window = trailing_window(as_of=as_of, months=months)
    groups: defaultdict[str, list[PaymentRecord]] = defaultdict(list)
    for payment in payments:
        if payment.paid_on in window:
            groups[sector_of(naf_codes.get(payment.customer))].append(payment)
    result = {}
    for division, pooled in sorted(groups.items()):
        summary = weighted_days_late(payments=pooled, period=window)
        if summary is not None:
            result[division] = SectorDaysLate(
                division=division, days_late=summary, customer_count=len({p.customer for p in pooled})
            )
    return result
