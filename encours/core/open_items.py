"""Ledger items and allocations (lettrage) as plain values, and their open amounts as of a date.

Amounts are signed: debits (invoices, debit adjustments) positive, credits (payments, credit
notes, credit adjustments) negative. An allocation moves a positive amount from a credit to a
debit on its own date. "As of D" means as the books stood on D: items dated after D do not
exist yet and allocations dated after D do not count yet.

>>> from datetime import date
>>> from decimal import Decimal
>>> invoice = LedgerItem(key="FA1", kind=ItemKind.INVOICE, customer="C1",
...     document_date=date(2026, 9, 1), due_date=date(2026, 10, 1), amount=Decimal("1200.00"))
>>> payment = LedgerItem(key="VIR1", kind=ItemKind.PAYMENT, customer="C1",
...     document_date=date(2026, 10, 20), due_date=date(2026, 10, 20), amount=Decimal("-500.00"))
>>> paid = Allocation(debit_key="FA1", credit_key="VIR1", amount=Decimal("500.00"),
...     allocated_on=date(2026, 10, 20))
>>> open_amount_as_of(item=invoice, allocations=[paid], as_of=date(2026, 10, 19))
Decimal('1200.00')
>>> open_amount_as_of(item=invoice, allocations=[paid], as_of=date(2026, 10, 31))
Decimal('700.00')
>>> open_amount_as_of(item=payment, allocations=[paid], as_of=date(2026, 10, 31))
Decimal('0.00')
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TypeAlias

from encours.core.errors import InvalidAmount, ValidationFailed
from encours.core.money import ZERO

ItemKey: TypeAlias = int | str
"""Whatever identifies an item uniquely in the set passed in: a primary key or a number."""


class ItemKind(StrEnum):
    """The same values as ``ledger.ItemType``."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    PAYMENT = "payment"
    ADJUSTMENT = "adjustment"


_NEVER_NEGATIVE = frozenset({ItemKind.INVOICE})
_NEVER_POSITIVE = frozenset({ItemKind.CREDIT_NOTE, ItemKind.PAYMENT})


def _require_decimal(value: object, what: str) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidAmount(f"{what} must be a finite Decimal, got {value!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerItem:
    """One open-item ledger line; ``amount`` is signed (debit > 0, credit < 0)."""

    key: ItemKey
    kind: ItemKind
    customer: str
    document_date: date
    due_date: date
    amount: Decimal
    currency: str = "EUR"

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "kind", ItemKind(self.kind))
        except ValueError:
            raise ValidationFailed(f"unknown item kind {self.kind!r} for {self.key}") from None
        _require_decimal(self.amount, f"amount of {self.key}")
        if self.kind in _NEVER_NEGATIVE and self.amount < 0:
            raise InvalidAmount(f"{self.kind} {self.key} has a negative amount {self.amount}")
        if self.kind in _NEVER_POSITIVE and self.amount > 0:
            raise InvalidAmount(f"{self.kind} {self.key} has a positive amount {self.amount}")

    @property
    def is_credit(self) -> bool:
        return self.amount < 0

    @property
    def is_debit(self) -> bool:
        return not self.is_credit

    def exists_on(self, as_of: date) -> bool:
        return self.document_date <= as_of


@dataclass(frozen=True, slots=True, kw_only=True)
class Allocation:
    """Lettrage: the credit ``credit_key`` settles ``amount`` (> 0) of the debit ``debit_key``."""

    debit_key: ItemKey
    credit_key: ItemKey
    amount: Decimal
    allocated_on: date

    def __post_init__(self) -> None:
        _require_decimal(self.amount, f"allocation {self.credit_key} → {self.debit_key}")
        if self.amount <= 0:
            raise InvalidAmount(f"allocation {self.credit_key} → {self.debit_key} must be positive, got {self.amount}")


@dataclass(frozen=True, slots=True, kw_only=True)
class AllocationIndex:
    """Allocations summed per item key up to a date, built once for a whole item set."""

    allocated_to_debit: Mapping[ItemKey, Decimal]
    allocated_from_credit: Mapping[ItemKey, Decimal]

    @classmethod
    def build(cls, *, allocations: Iterable[Allocation], as_of: date) -> AllocationIndex:
        to_debit: defaultdict[ItemKey, Decimal] = defaultdict(lambda: ZERO)
        from_credit: defaultdict[ItemKey, Decimal] = defaultdict(lambda: ZERO)
        for allocation in allocations:
            if allocation.allocated_on <= as_of:
                to_debit[allocation.debit_key] += allocation.amount
                from_credit[allocation.credit_key] += allocation.amount
        return cls(allocated_to_debit=dict(to_debit), allocated_from_credit=dict(from_credit))

    def open_amount(self, item: LedgerItem) -> Decimal:
        # An item can sit on either side (an adjustment may be allocated both ways): apply both.
        return (
            item.amount - self.allocated_to_debit.get(item.key, ZERO) + self.allocated_from_credit.get(item.key, ZERO)
        )


def open_amount_as_of(*, item: LedgerItem, allocations: Iterable[Allocation], as_of: date) -> Decimal:
    """Amount still open on ``as_of``: amount − allocations received + allocations given, each
    counted only when dated on or before ``as_of``; zero for an item that does not exist yet."""
    if not item.exists_on(as_of):
        return ZERO
    relevant = (a for a in allocations if item.key in (a.debit_key, a.credit_key))
    return AllocationIndex.build(allocations=relevant, as_of=as_of).open_amount(item)


def open_amounts_as_of(
    *, items: Iterable[LedgerItem], allocations: Iterable[Allocation], as_of: date
) -> dict[ItemKey, Decimal]:
    """Open amount of every item existing on ``as_of`` (zero for settled ones), in one pass."""
    index = AllocationIndex.build(allocations=allocations, as_of=as_of)
    return {item.key: index.open_amount(item) for item in items if item.exists_on(as_of)}
