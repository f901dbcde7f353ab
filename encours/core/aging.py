"""Aged balance (balance âgée): open debits by days past due, unapplied credits apart.

Buckets are set by their upper edges in days past due. The default edges (30, 60, 90, 120)
give ``not_due, d1_30, d31_60, d61_90, d91_120, over_120``. Not due means the due date is on
or after ``as_of``. Not-yet-due amounts are also split by horizon (due within 7 / 30 days,
cumulative). Balances are per currency and add up (rows → totals); adding two currencies is
refused.

>>> from datetime import date
>>> from decimal import Decimal
>>> from encours.core.open_items import ItemKind, LedgerItem
>>> def invoice(key, due, amount):
...     return LedgerItem(key=key, kind=ItemKind.INVOICE, customer="C1", document_date=date(2026, 6, 1),
...                       due_date=due, amount=Decimal(amount))
>>> items = [invoice("FA1", date(2026, 11, 5), "100.00"), invoice("FA2", date(2026, 10, 1), "250.00"),
...          invoice("FA3", date(2026, 6, 15), "80.00")]
>>> balance = age_items(items=items, allocations=[], as_of=date(2026, 10, 31))["EUR"]
>>> {key: str(amount) for key, amount in balance.by_key().items() if amount}
{'not_due': '100.00', 'd1_30': '250.00', 'over_120': '80.00'}
>>> balance.total, balance.overdue, balance.due_within
(Decimal('430.00'), Decimal('330.00'), (Decimal('100.00'), Decimal('100.00')))
>>> [bucket.label for bucket in aging_buckets(edges=(15, 45))]
['not due', '1–15', '16–45', '> 45']
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import TypeVar

from encours.core.errors import InvalidAmount, ValidationFailed
from encours.core.money import ZERO
from encours.core.open_items import Allocation, AllocationIndex, ItemKey, LedgerItem

DEFAULT_EDGES: tuple[int, ...] = (30, 60, 90, 120)
DEFAULT_HORIZONS: tuple[int, ...] = (7, 30)

K = TypeVar("K", bound=Hashable)


class CurrencyMismatch(InvalidAmount):
    """Two amounts in different currencies were about to be added."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AgingBucket:
    """One column of the aged balance; ``first_day``/``last_day`` in days past due (None = open)."""

    key: str
    label: str
    first_day: int | None
    last_day: int | None

    def due_dates(self, *, as_of: date) -> tuple[date | None, date | None]:
        """The due dates this bucket holds on ``as_of``, both ends included (None = open-ended):
        the same cut as ``bucket_for``, as dates for a database query (``ledger.queries``).

        >>> not_due, first, *_, last = aging_buckets(edges=(30, 60))
        >>> not_due.due_dates(as_of=date(2026, 10, 31))
        (datetime.date(2026, 10, 31), None)
        >>> first.due_dates(as_of=date(2026, 10, 31))
        (datetime.date(2026, 10, 1), datetime.date(2026, 10, 30))
        >>> last.due_dates(as_of=date(2026, 10, 31))
        (None, datetime.date(2026, 8, 31))
        """
        if self.first_day is None:  # not due: days past due ≤ 0
            return as_of, None
        earliest = None if self.last_day is None else as_of - timedelta(days=self.last_day)
        return earliest, as_of - timedelta(days=self.first_day)


# Tuples already found valid, by identity (a tuple never changes; the entry keeps it alive so
# its id is not reused): a report builds thousands of balances on the same edges, and checking
# them each time was most of its Python time.
_VALIDATED: dict[tuple[str, int, int], tuple[int, ...]] = {}
_VALIDATED_MAX = 256


def _check_increasing(values: tuple[int, ...], *, what: str, minimum: int) -> None:
    key = (what, minimum, id(values))
    if isinstance(values, tuple) and _VALIDATED.get(key) is values:
        return
    if any(not isinstance(v, int) or isinstance(v, bool) for v in values):
        raise ValidationFailed(f"{what} must be whole days, got {values!r}")
    if any(v < minimum for v in values) or any(a >= b for a, b in pairwise(values)):
        raise ValidationFailed(f"{what} must be strictly increasing days ≥ {minimum}, got {values!r}")
    if isinstance(values, tuple):
        if len(_VALIDATED) >= _VALIDATED_MAX:  # fresh tuples on every request must not pile up
            _VALIDATED.clear()
        _VALIDATED[key] = values


def validate_edges(edges: tuple[int, ...]) -> None:
    """Edges are the last day of each overdue bucket but the open-ended one: (30, 60, 90, 120)."""
    if not edges:
        raise ValidationFailed("aging needs at least one bucket edge")
    _check_increasing(edges, what="aging edges", minimum=1)


def validate_horizons(horizons: tuple[int, ...]) -> None:
    _check_increasing(horizons, what="not-due horizons", minimum=0)


def aging_buckets(*, edges: tuple[int, ...] = DEFAULT_EDGES) -> tuple[AgingBucket, ...]:
    """The buckets for ``edges``: not due, one per edge, and the open-ended last one."""
    validate_edges(edges)
    buckets = [AgingBucket(key="not_due", label="not due", first_day=None, last_day=0)]
    first = 1
    for last in edges:
        buckets.append(AgingBucket(key=f"d{first}_{last}", label=f"{first}–{last}", first_day=first, last_day=last))
        first = last + 1
    buckets.append(AgingBucket(key=f"over_{edges[-1]}", label=f"> {edges[-1]}", first_day=first, last_day=None))
    return tuple(buckets)


def bucket_keys(*, edges: tuple[int, ...] = DEFAULT_EDGES) -> tuple[str, ...]:
    return tuple(bucket.key for bucket in aging_buckets(edges=edges))


def days_past_due(*, due_date: date, as_of: date) -> int:
    """Days since the due date; zero or negative means not due (−3 = due in three days)."""
    return (as_of - due_date).days


def bucket_for(*, days_past_due: int, edges: tuple[int, ...] = DEFAULT_EDGES) -> int:
    """Index of the bucket holding an item ``days_past_due`` late (0 = not due)."""
    if days_past_due <= 0:
        return 0
    for index, last_day in enumerate(edges, start=1):
        if days_past_due <= last_day:
            return index
    return len(edges) + 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Dispute:
    """``amount`` of a debit item contested from ``opened_on`` until ``resolved_on`` (excluded)."""

    item_key: ItemKey
    amount: Decimal
    opened_on: date
    resolved_on: date | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite() or self.amount <= 0:
            raise InvalidAmount(f"disputed amount on {self.item_key} must be a positive Decimal")

    def active_on(self, as_of: date) -> bool:
        return self.opened_on <= as_of and (self.resolved_on is None or self.resolved_on > as_of)


@dataclass(frozen=True, slots=True, kw_only=True)
class AgedBalance:
    """Open amounts of one currency by bucket, as of a date.

    ``buckets`` hold open debits (one per ``aging_buckets(edges)``), ``unapplied`` the open
    credits not yet allocated (≤ 0), ``disputed`` the part of the buckets under dispute and
    ``due_within`` the not-due part falling due within each of ``horizons`` days (cumulative).
    Amounts are exact sums of already quantised amounts; nothing is rounded here.
    """

    currency: str
    buckets: tuple[Decimal, ...]
    unapplied: Decimal = ZERO
    disputed: Decimal = ZERO
    due_within: tuple[Decimal, ...] = (ZERO, ZERO)
    edges: tuple[int, ...] = DEFAULT_EDGES
    horizons: tuple[int, ...] = DEFAULT_HORIZONS

    def __post_init__(self) -> None:
        validate_edges(self.edges)
        validate_horizons(self.horizons)
        if len(self.buckets) != len(self.edges) + 2:
            raise ValidationFailed(f"{len(self.edges) + 2} buckets expected, got {len(self.buckets)}")
        if len(self.due_within) != len(self.horizons):
            raise ValidationFailed(f"{len(self.horizons)} horizon amounts expected, got {len(self.due_within)}")

    @classmethod
    def empty(
        cls,
        currency: str,
        *,
        edges: tuple[int, ...] = DEFAULT_EDGES,
        horizons: tuple[int, ...] = DEFAULT_HORIZONS,
    ) -> AgedBalance:
        return cls(
            currency=currency,
            buckets=(ZERO,) * (len(edges) + 2),
            unapplied=ZERO,
            disputed=ZERO,
            due_within=(ZERO,) * len(horizons),
            edges=edges,
            horizons=horizons,
        )

    @property
    def open_debits(self) -> Decimal:
        return sum(self.buckets, ZERO)

    @property
    def total(self) -> Decimal:
        """Net open AR: Σ buckets + unapplied credits."""
        return self.open_debits + self.unapplied

    @property
    def not_due(self) -> Decimal:
        return self.buckets[0]

    @property
    def overdue(self) -> Decimal:
        return sum(self.buckets[1:], ZERO)

    def overdue_beyond(self, days: int) -> Decimal:
        """Open debits more than ``days`` past due; ``days`` must be 0 or one of the edges."""
        if days == 0:
            return self.overdue
        if days not in self.edges:
            raise ValidationFailed(f"{days} is not a bucket edge of {self.edges}")
        return sum(self.buckets[self.edges.index(days) + 2 :], ZERO)

    def by_key(self) -> dict[str, Decimal]:
        return dict(zip(bucket_keys(edges=self.edges), self.buckets, strict=True))

    def __add__(self, other: AgedBalance) -> AgedBalance:
        if not isinstance(other, AgedBalance):
            return NotImplemented
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot add aged balances in {self.currency} and {other.currency}")
        if (other.edges, other.horizons) != (self.edges, self.horizons):
            raise ValidationFailed("cannot add aged balances with different buckets or horizons")
        return AgedBalance(
            currency=self.currency,
            buckets=tuple(a + b for a, b in zip(self.buckets, other.buckets, strict=True)),
            unapplied=self.unapplied + other.unapplied,
            disputed=self.disputed + other.disputed,
            due_within=tuple(a + b for a, b in zip(self.due_within, other.due_within, strict=True)),
            edges=self.edges,
            horizons=self.horizons,
        )

    def __radd__(self, other: object) -> AgedBalance:
        # lets sum(rows) start from its default 0
        if other == 0:
            return self
        return NotImplemented


@dataclass(frozen=True, slots=True, kw_only=True)
class AgedItem:
    """One item open on ``as_of`` with its age: the detail line behind an aged balance."""

    item: LedgerItem
    open_amount: Decimal
    days_past_due: int
    bucket: int
    disputed: Decimal


def _disputed_by_item(disputes: Iterable[Dispute], as_of: date) -> dict[ItemKey, Decimal]:
    totals: defaultdict[ItemKey, Decimal] = defaultdict(lambda: ZERO)
    for dispute in disputes:
        if dispute.active_on(as_of):
            totals[dispute.item_key] += dispute.amount
    return dict(totals)


def aged_open_items(
    *,
    items: Iterable[LedgerItem],
    allocations: Iterable[Allocation],
    as_of: date,
    edges: tuple[int, ...] = DEFAULT_EDGES,
    disputes: Iterable[Dispute] = (),
) -> tuple[AgedItem, ...]:
    """Every item with a non-zero open amount on ``as_of``, aged, oldest due date first.

    The disputed part of a debit is capped at its open amount; credits are never disputed.
    """
    validate_edges(edges)
    index = AllocationIndex.build(allocations=allocations, as_of=as_of)
    disputed = _disputed_by_item(disputes, as_of)
    aged = []
    for item in items:
        if not item.exists_on(as_of):
            continue
        open_amount = index.open_amount(item)
        if open_amount == 0:
            continue
        late = days_past_due(due_date=item.due_date, as_of=as_of)
        contested = min(disputed.get(item.key, ZERO), open_amount) if open_amount > 0 else ZERO
        aged.append(
            AgedItem(
                item=item,
                open_amount=open_amount,
                days_past_due=late,
                bucket=bucket_for(days_past_due=late, edges=edges),
                disputed=contested,
            )
        )
    return tuple(sorted(aged, key=lambda a: (a.item.due_date, str(a.item.key))))


def _balance_of(
    aged: Iterable[AgedItem], *, currency: str, edges: tuple[int, ...], horizons: tuple[int, ...]
) -> AgedBalance:
    buckets = [ZERO] * (len(edges) + 2)
    due_within = [ZERO] * len(horizons)
    unapplied = disputed = ZERO
    for line in aged:
        if line.item.is_credit:
            unapplied += line.open_amount
            continue
        buckets[line.bucket] += line.open_amount
        disputed += line.disputed
        for position, horizon in enumerate(horizons):
            if line.bucket == 0 and -line.days_past_due <= horizon:
                due_within[position] += line.open_amount
    return AgedBalance(
        currency=currency,
        buckets=tuple(buckets),
        unapplied=unapplied,
        disputed=disputed,
        due_within=tuple(due_within),
        edges=edges,
        horizons=horizons,
    )


def age_items_by(
    *,
    items: Iterable[LedgerItem],
    allocations: Iterable[Allocation],
    as_of: date,
    key: Callable[[LedgerItem], K],
    edges: tuple[int, ...] = DEFAULT_EDGES,
    horizons: tuple[int, ...] = DEFAULT_HORIZONS,
    disputes: Iterable[Dispute] = (),
) -> dict[tuple[K, str], AgedBalance]:
    """Aged balances per (``key(item)``, currency): per customer, per region, per rep…

    The reference implementation of what the Django side aggregates in SQL.
    """
    validate_horizons(horizons)
    groups: defaultdict[tuple[K, str], list[AgedItem]] = defaultdict(list)
    for line in aged_open_items(items=items, allocations=allocations, as_of=as_of, edges=edges, disputes=disputes):
        groups[(key(line.item), line.item.currency)].append(line)
    return {
        group: _balance_of(lines, currency=group[1], edges=edges, horizons=horizons)
        for group, lines in sorted(groups.items(), key=lambda entry: str(entry[0]))
    }


def age_items(
    *,
    items: Iterable[LedgerItem],
    allocations: Iterable[Allocation],
    as_of: date,
    edges: tuple[int, ...] = DEFAULT_EDGES,
    horizons: tuple[int, ...] = DEFAULT_HORIZONS,
    disputes: Iterable[Dispute] = (),
) -> dict[str, AgedBalance]:
    """The aged balance of all ``items`` as of ``as_of``, one per currency present."""
    per_currency = age_items_by(
        items=items,
        allocations=allocations,
        as_of=as_of,
        key=lambda item: item.currency,
        edges=edges,
        horizons=horizons,
        disputes=disputes,
    )
    return {currency: balance for (currency, _), balance in per_currency.items()}


def age_items_by_customer(
    *,
    items: Iterable[LedgerItem],
    allocations: Iterable[Allocation],
    as_of: date,
    edges: tuple[int, ...] = DEFAULT_EDGES,
    horizons: tuple[int, ...] = DEFAULT_HORIZONS,
    disputes: Iterable[Dispute] = (),
) -> dict[tuple[str, str], AgedBalance]:
    """The aged balance report's rows: one per (customer, currency) with something open."""
    return age_items_by(
        items=items,
        allocations=allocations,
        as_of=as_of,
        key=lambda item: item.customer,
        edges=edges,
        horizons=horizons,
        disputes=disputes,
    )


def consolidate_by_currency(*, balances: Iterable[AgedBalance]) -> dict[str, AgedBalance]:
    """Totals of report rows, one per currency: never a sum across currencies."""
    totals: dict[str, AgedBalance] = {}
    for balance in balances:
        current = totals.get(balance.currency)
        totals[balance.currency] = balance if current is None else current + balance
    return totals
