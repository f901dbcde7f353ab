"""Aged balance as of any date, cut by any dimension, computed in one grouped SQL query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import DateField, F, Min, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Least

from encours.core.aging import (
    DEFAULT_EDGES,
    DEFAULT_HORIZONS,
    AgedBalance,
    AgingBucket,
    aging_buckets,
    consolidate_by_currency,
    validate_horizons,
)
from encours.core.errors import ValidationFailed
from encours.core.money import ZERO, quantize
from encours.ledger.models import Customer, Item
from encours.reports.dimensions import Dimension, dimension
from encours.reports.registry import providers
from encours.reports.sql import MONEY, DaysBetween, bucket_case, functional, items_open_on, money_sum

UNAPPLIED = -1
NOT_DUE = 100


@dataclass(frozen=True, slots=True)
class AgedRow:
    """One line of the aged balance: a customer, a group, a region… in one currency."""

    ident: str
    key: str
    name: str
    balance: AgedBalance

    @property
    def currency(self) -> str:
        return self.balance.currency


@dataclass(frozen=True, slots=True)
class AgedReport:
    as_of: date
    dimension: Dimension
    buckets: tuple[AgingBucket, ...]
    rows: tuple[AgedRow, ...]
    totals: dict[str, AgedBalance]
    disputes_known: bool

    @property
    def edges(self) -> tuple[int, ...]:
        return tuple(bucket.last_day for bucket in self.buckets[1:-1] if bucket.last_day is not None)

    @property
    def horizons(self) -> tuple[int, ...]:
        first = next(iter(self.totals.values()), None)
        return first.horizons if first else DEFAULT_HORIZONS


@dataclass(slots=True)
class _Accumulator:
    buckets: list[Decimal]
    due_within: list[Decimal]
    unapplied: Decimal = ZERO
    disputed: Decimal = ZERO


def _amount(dim: Dimension, expression: Any) -> Any:
    return functional(expression) if dim.functional else expression


def _group_key(dim: Dimension, row: dict[str, Any]) -> tuple[Any, ...]:
    return (*(row[alias] for alias in dim.fields), row["row_currency"])


def aged_balance(
    *,
    customers: QuerySet[Customer],
    as_of: date,
    by: str | None = None,
    edges: tuple[int, ...] = DEFAULT_EDGES,
    horizons: tuple[int, ...] = DEFAULT_HORIZONS,
    current_state: bool | None = None,
) -> AgedReport:
    """Open debits by days past due, unapplied credits and disputed amounts, per ``by`` and currency."""
    buckets = aging_buckets(edges=edges)
    validate_horizons(horizons)
    dim = dimension(by)
    items = items_open_on(customers=customers, as_of=as_of, current_state=current_state)
    grouped = (
        items.values(
            **dim.fields,
            row_currency=F(dim.currency_field),
            bucket=bucket_case(as_of=as_of, edges=edges, horizons=horizons),
        )
        .annotate(amount=money_sum(_amount(dim, F("open_on"))))
        .order_by()
    )
    accumulators: dict[tuple[Any, ...], _Accumulator] = {}
    rows_seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in grouped:
        group = _group_key(dim, row)
        rows_seen.setdefault(group, row)
        acc = accumulators.setdefault(group, _Accumulator([ZERO] * len(buckets), [ZERO] * len(horizons)))
        _add(acc, row["bucket"], row["amount"], len(horizons))
    disputes_known = providers.disputed_amounts is not None
    if disputes_known:
        for group, amount in _disputed(items, dim, as_of).items():
            if group in accumulators:
                accumulators[group].disputed += amount
    rows = []
    for group, acc in accumulators.items():
        balance = _balance(acc, group[-1], edges, horizons)
        if balance.total or balance.open_debits:
            row = rows_seen[group]
            rows.append(AgedRow(dim.ident(row), dim.key(row) or "", dim.title(row), balance))
    rows.sort(key=lambda line: (line.key, line.name, line.currency))
    totals = consolidate_by_currency(balances=(row.balance for row in rows))
    return AgedReport(as_of, dim, buckets, tuple(rows), totals, disputes_known)


def _add(acc: _Accumulator, code: int, amount: Decimal, horizon_count: int) -> None:
    if code == UNAPPLIED:
        acc.unapplied += amount
    elif code >= NOT_DUE:
        acc.buckets[0] += amount
        for position in range(code - NOT_DUE, horizon_count):
            acc.due_within[position] += amount
    else:
        acc.buckets[code] += amount


def _balance(acc: _Accumulator, currency: str, edges: tuple[int, ...], horizons: tuple[int, ...]) -> AgedBalance:
    return AgedBalance(
        currency=currency,
        buckets=tuple(quantize(amount, currency) for amount in acc.buckets),
        unapplied=quantize(acc.unapplied, currency),
        disputed=quantize(acc.disputed, currency),
        due_within=tuple(quantize(amount, currency) for amount in acc.due_within),
        edges=edges,
        horizons=horizons,
    )


def _disputed(items: QuerySet[Item], dim: Dimension, as_of: date) -> dict[tuple[Any, ...], Decimal]:
    """Disputed part of the open debits per group: each dispute capped at its item's open amount."""
    assert providers.disputed_amounts is not None
    disputes = providers.disputed_amounts(as_of=as_of)
    per_item = (
        disputes.filter(item_id=OuterRef("pk"))
        .order_by()
        .values("item_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    contested = items.filter(amount__gt=0, pk__in=disputes.values("item_id")).annotate(
        disputed=Least(Subquery(per_item, output_field=MONEY), F("open_on"), output_field=MONEY)
    )
    grouped = contested.values(**dim.fields, row_currency=F(dim.currency_field)).annotate(
        amount=money_sum(_amount(dim, F("disputed")))
    )
    return {_group_key(dim, row): row["amount"] for row in grouped.order_by()}


def bucket_codes(*, column: str, edges: tuple[int, ...], horizons: tuple[int, ...]) -> tuple[int, ...] | None:
    """The SQL bucket codes behind an aged-balance column; None = every open item."""
    keys = [bucket.key for bucket in aging_buckets(edges=edges)]
    overdue = tuple(range(1, len(keys)))
    not_due = tuple(range(NOT_DUE, NOT_DUE + len(horizons) + 1))
    if column in {"", "total"}:
        return None
    if column == "unapplied":
        return (UNAPPLIED,)
    if column == "overdue":
        return overdue
    if column in {"not_due", keys[0]}:
        return not_due
    if column.startswith("due_within_"):
        days = column.removeprefix("due_within_")
        if days.isdigit() and int(days) in horizons:
            return tuple(range(NOT_DUE, NOT_DUE + horizons.index(int(days)) + 1))
    if column in keys:
        return (keys.index(column),)
    raise ValidationFailed(f"unknown aged-balance column {column!r}")


def aged_items(
    *,
    customers: QuerySet[Customer],
    as_of: date,
    by: str | None = None,
    ident: str = "",
    column: str = "",
    edges: tuple[int, ...] = DEFAULT_EDGES,
    horizons: tuple[int, ...] = DEFAULT_HORIZONS,
) -> QuerySet[Item]:
    """The items behind one cell of the aged balance, oldest due date first, with their open
    amount on the date (``open_on``, and ``open_functional``), ``bucket`` and ``days_late``."""
    dim = dimension(by)
    items = items_open_on(customers=customers, as_of=as_of).exclude(open_on=0)
    if by:
        items = items.filter(dim.filter(ident))
    items = items.annotate(
        bucket=bucket_case(as_of=as_of, edges=edges, horizons=horizons),
        days_late=DaysBetween(_date(as_of), F("due_date")),
        open_functional=functional(F("open_on")),
    )
    codes = bucket_codes(column=column, edges=edges, horizons=horizons)
    if codes is not None:
        items = items.filter(bucket__in=codes)
    return items.select_related("customer", "entity").order_by("due_date", "number", "pk")


def _date(day: date) -> Value:
    return Value(day, output_field=DateField())


@dataclass(frozen=True, slots=True)
class OverdueCustomer:
    customer_id: int
    account: str
    name: str
    currency: str
    overdue: Decimal
    oldest_due: date
    weighted_days_late: Decimal | None

    def days_late(self, as_of: date) -> int:
        return (as_of - self.oldest_due).days


def top_overdue_customers(
    *, customers: QuerySet[Customer], as_of: date, limit: int = 10, current_state: bool | None = None
) -> list[OverdueCustomer]:
    """The customers with the most overdue on ``as_of`` (open debits past their due date)."""
    overdue = items_open_on(customers=customers, as_of=as_of, current_state=current_state).filter(
        amount__gt=0, due_date__lt=as_of
    )
    rows = (
        overdue.values("customer_id", "customer__account_number", "customer__name", "entity__currency")
        .annotate(
            overdue=money_sum(functional(F("open_on"))),
            late_weight=money_sum(functional(F("open_on")) * DaysBetween(_date(as_of), F("due_date"))),
            oldest=Min("due_date"),
        )
        .filter(overdue__gt=0)
        .order_by("-overdue", "customer__name")[:limit]
    )
    result = []
    for row in rows:
        currency = row["entity__currency"]
        amount = quantize(row["overdue"], currency)
        weighted = (row["late_weight"] / row["overdue"]).quantize(Decimal("0.1")) if row["overdue"] else None
        result.append(
            OverdueCustomer(
                row["customer_id"],
                row["customer__account_number"],
                row["customer__name"],
                currency,
                amount,
                row["oldest"],
                weighted,
            )
        )
    return result
