"""Promises to pay: what a customer promised, and whether the cash came.

A promise covers some invoices for an amount by a date. Dunning pauses for those invoices
while the promise is pending, i.e. up to the promised date + grace days included. It is
judged on the cash allocated to its invoices from the day it was made to the deadline:
kept when the cash reaches the amount (less a tolerance for bank fees), partially kept
when some came but not enough, broken when none came. A partially kept promise is a
failed promise too: dunning resumes and the collector is alerted.

>>> from datetime import date
>>> from encours.core.money import D
>>> promise = PromiseToPay(promise_id=7, customer_id=1, amount=D("1500"),
...     promised_date=date(2026, 3, 10), item_ids=(11, 12), created_on=date(2026, 3, 2))
>>> promise_status(promise=promise, payments=(), as_of=date(2026, 3, 13)).status
<PromiseStatus.PENDING: 'pending'>
>>> paid = (PromisePayment(item_id=11, received_on=date(2026, 3, 9), amount=D("1000")),)
>>> late = promise_status(promise=promise, payments=paid, as_of=date(2026, 3, 14))
>>> late.status, late.shortfall, late.broken_on
(<PromiseStatus.PARTIALLY_KEPT: 'partially_kept'>, Decimal('500.00'), datetime.date(2026, 3, 14))
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from encours.core.errors import ValidationFailed
from encours.core.money import ZERO, quantize

__all__ = [
    "DEFAULT_GRACE_DAYS",
    "PromiseAssessment",
    "PromisePayment",
    "PromiseStatus",
    "PromiseToPay",
    "assess_promises",
    "failed_promise_by_item",
    "promise_status",
    "protected_item_ids",
    "status_changes",
]

DEFAULT_GRACE_DAYS = 3


class PromiseStatus(StrEnum):
    PENDING = "pending"
    KEPT = "kept"
    PARTIALLY_KEPT = "partially_kept"
    BROKEN = "broken"

    @property
    def failed(self) -> bool:
        return self in (PromiseStatus.BROKEN, PromiseStatus.PARTIALLY_KEPT)


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseToPay:
    """``amount`` (in the invoices' currency) promised for ``promised_date`` on ``item_ids``."""

    promise_id: int | str
    customer_id: int | str
    amount: Decimal
    promised_date: date
    item_ids: tuple[int | str, ...]
    created_on: date
    grace_days: int = DEFAULT_GRACE_DAYS
    currency: str = "EUR"

    def __post_init__(self) -> None:
        if self.amount <= 0:
            raise ValidationFailed(f"promise {self.promise_id}: amount must be positive, not {self.amount}")
        if not self.item_ids:
            raise ValidationFailed(f"promise {self.promise_id}: no invoice")
        if self.grace_days < 0:
            raise ValidationFailed(f"promise {self.promise_id}: negative grace days")
        if self.promised_date < self.created_on:
            raise ValidationFailed(f"promise {self.promise_id}: promised date before the promise was made")

    @property
    def deadline(self) -> date:
        """Last day the cash may arrive (promised date + grace days)."""
        return self.promised_date + timedelta(days=self.grace_days)

    @property
    def broken_on(self) -> date:
        """First day the promise can be found broken."""
        return self.deadline + timedelta(days=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class PromisePayment:
    """Cash (or credit) allocated to one of the promised invoices on ``received_on``."""

    item_id: int | str
    received_on: date
    amount: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseAssessment:
    """A promise seen on ``as_of``.

    ``received`` counts the cash since the promise was made up to ``as_of``;
    ``received_by_deadline`` the cash that decides the status; ``shortfall`` what is
    missing from the promised amount by the deadline; ``protected_item_ids`` the invoices
    dunning must leave alone today.
    """

    promise: PromiseToPay
    as_of: date
    status: PromiseStatus
    received: Decimal
    received_by_deadline: Decimal
    shortfall: Decimal
    kept_on: date | None
    broken_on: date | None
    protected_item_ids: tuple[int | str, ...]
    due_today: bool
    reason: str


def promise_status(
    *,
    promise: PromiseToPay,
    payments: Iterable[PromisePayment],
    as_of: date,
    tolerance: Decimal = ZERO,
) -> PromiseAssessment:
    """Judge one promise on ``as_of``; ``payments`` may include other invoices' (ignored)."""
    covered = set(promise.item_ids)
    relevant = sorted(
        (p for p in payments if p.item_id in covered and promise.created_on <= p.received_on <= as_of),
        key=lambda p: p.received_on,
    )
    target = promise.amount - tolerance
    received = by_deadline = ZERO
    kept_on: date | None = None
    for payment in relevant:
        received += payment.amount
        if payment.received_on <= promise.deadline:
            by_deadline += payment.amount
            if kept_on is None and by_deadline >= target:
                kept_on = payment.received_on
    status = _status(promise, as_of, kept_on, by_deadline)
    shortfall = max(promise.amount - by_deadline, ZERO)
    return PromiseAssessment(
        promise=promise,
        as_of=as_of,
        status=status,
        received=quantize(received, promise.currency),
        received_by_deadline=quantize(by_deadline, promise.currency),
        shortfall=quantize(shortfall, promise.currency) if status is not PromiseStatus.KEPT else ZERO,
        kept_on=kept_on,
        broken_on=promise.broken_on if status.failed else None,
        protected_item_ids=promise.item_ids if status is PromiseStatus.PENDING else (),
        due_today=status is PromiseStatus.PENDING and promise.promised_date == as_of,
        reason=_reason(promise, status, by_deadline, kept_on),
    )


def _status(promise: PromiseToPay, as_of: date, kept_on: date | None, by_deadline: Decimal) -> PromiseStatus:
    if kept_on is not None:
        return PromiseStatus.KEPT
    if as_of <= promise.deadline:
        return PromiseStatus.PENDING
    return PromiseStatus.PARTIALLY_KEPT if by_deadline > 0 else PromiseStatus.BROKEN


def _reason(promise: PromiseToPay, status: PromiseStatus, by_deadline: Decimal, kept_on: date | None) -> str:
    currency = promise.currency
    promised = f"{quantize(promise.amount, currency)} {currency} promised for {promise.promised_date:%d/%m/%Y}"
    got = f"{quantize(by_deadline, currency)} {currency} received"
    name = f"promise {promise.promise_id}"
    if status is PromiseStatus.KEPT:
        return f"{name} kept: {promised}, {got} by {kept_on:%d/%m/%Y}"
    if status is PromiseStatus.PENDING:
        return f"{name} pending until {promise.deadline:%d/%m/%Y}: {promised}, {got} so far"
    word = "partially kept" if status is PromiseStatus.PARTIALLY_KEPT else "broken"
    return f"{name} {word}: {promised}, only {got} by {promise.deadline:%d/%m/%Y}"


def assess_promises(
    *,
    promises: Iterable[PromiseToPay],
    payments: Iterable[PromisePayment],
    as_of: date,
    tolerance: Decimal = ZERO,
) -> tuple[PromiseAssessment, ...]:
    """Judge many promises at once (payments indexed by invoice, so this scales)."""
    by_item: dict[int | str, list[PromisePayment]] = defaultdict(list)
    for payment in payments:
        by_item[payment.item_id].append(payment)
    return tuple(
        promise_status(
            promise=promise,
            payments=[p for item_id in promise.item_ids for p in by_item.get(item_id, ())],
            as_of=as_of,
            tolerance=tolerance,
        )
        for promise in promises
    )


def protected_item_ids(assessments: Iterable[PromiseAssessment]) -> frozenset[int | str]:
    """Invoices under a pending promise: dunning leaves them out."""
    return frozenset(item_id for a in assessments for item_id in a.protected_item_ids)


def failed_promise_by_item(assessments: Iterable[PromiseAssessment]) -> dict[int | str, PromiseAssessment]:
    """For each invoice, its most recently failed promise (dunning resumes after it)."""
    latest: dict[int | str, PromiseAssessment] = {}
    for assessment in assessments:
        if assessment.broken_on is None:
            continue
        for item_id in assessment.promise.item_ids:
            known = latest.get(item_id)
            if known is None or (known.broken_on is not None and known.broken_on < assessment.broken_on):
                latest[item_id] = assessment
    return latest


def status_changes(
    *,
    assessments: Sequence[PromiseAssessment],
    recorded: Mapping[int | str, PromiseStatus],
) -> tuple[PromiseAssessment, ...]:
    """Promises whose status differs from the one stored: save them; alert the collector
    on those that ``status.failed``. A promise missing from ``recorded`` counts as pending."""
    return tuple(a for a in assessments if a.status is not recorded.get(a.promise.promise_id, PromiseStatus.PENDING))
