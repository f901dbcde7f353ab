"""Aged balance as of any date, cut by any dimension, computed in one grouped SQL query."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Case, DateField, F, Min, Q, QuerySet, Value, When
from django.db.models.functions import Least

from encours import contracts
from encours.core.aging import (
    DEFAULT_EDGES,
    DEFAULT_HORIZONS,
    AgedBalance,
    AgingBucket,
    aging_buckets,
    validate_horizons,
)
from encours.core.errors import ValidationFailed
from encours.core.money import ZERO, quantize, quantum
from encours.ledger.models import Customer, Item
from encours.ledger.queries import aging_columns, overdue_on_q
from encours.ledger.sql import MONEY, DaysBetween, fetch, functional, items_open_on, money_sum
from encours.reports.dimensions import Dimension, dimension


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
    """Open debits by days past due, unapplied credits and disputed amounts, per ``by`` and currency.

    One row per group comes out of the database, each column a filtered sum: an item's open
    amount (on a past date, its allocation subqueries) is computed once, in its one column.
    """
    buckets = aging_buckets(edges=edges)
    validate_horizons(horizons)
    dim = dimension(by)
    items = items_open_on(customers=customers, as_of=as_of, current_state=current_state)
    filters = aging_columns(as_of=as_of, edges=edges, horizons=horizons)
    columns = {name: money_sum(_amount(dim, F("open_on")), filter=q) for name, q in filters.items()}
    grouped = (
        items.values(**dim.fields, row_currency=F(dim.currency_field))
        .annotate(**dim.label_aggregates(), **columns)
        .order_by()
    )
    amounts = contracts.disputed_amounts(as_of=as_of)
    disputes_known = amounts is not None
    disputed = _disputed(items, dim, amounts) if amounts else {}
    bucket_names = [f"b{i}" for i in range(len(buckets))]
    horizon_names = [f"h{i}" for i in range(len(horizons))]
    steps: dict[str, Decimal] = {}
    rows: list[AgedRow] = []
    for row in fetch(grouped):
        currency = row["row_currency"]
        step = steps.get(currency) or steps.setdefault(currency, quantum(currency))
        balance = AgedBalance(
            currency=currency,
            buckets=tuple(row[name].quantize(step, ROUND_HALF_UP) for name in bucket_names),
            unapplied=row["unapplied"].quantize(step, ROUND_HALF_UP),
            disputed=disputed.get(_group_key(dim, row), ZERO).quantize(step, ROUND_HALF_UP) if disputed else ZERO,
            due_within=tuple(row[name].quantize(step, ROUND_HALF_UP) for name in horizon_names),
            edges=edges,
            horizons=horizons,
        )
        if balance.total or balance.open_debits:
            rows.append(AgedRow(dim.ident(row), dim.key(row) or "", dim.title(row), balance))
    rows.sort(key=lambda line: (line.key, line.name, line.currency))
    return AgedReport(as_of, dim, buckets, tuple(rows), _totals(rows, edges, horizons), disputes_known)


def _totals(rows: list[AgedRow], edges: tuple[int, ...], horizons: tuple[int, ...]) -> dict[str, AgedBalance]:
    """Σ rows per currency (``consolidate_by_currency``'s result, in one pass over many rows)."""
    sums: dict[str, list[Decimal]] = {}
    width = len(edges) + 2
    for row in rows:
        b = row.balance
        values = [*b.buckets, b.unapplied, b.disputed, *b.due_within]
        current = sums.get(b.currency)
        sums[b.currency] = values if current is None else [x + y for x, y in zip(current, values, strict=True)]
    return {
        currency: AgedBalance(
            currency=currency,
            buckets=tuple(v[:width]),
            unapplied=v[width],
            disputed=v[width + 1],
            due_within=tuple(v[width + 2 :]),
            edges=edges,
            horizons=horizons,
        )
        for currency, v in sorted(sums.items())
    }


def _contested(items: QuerySet[Item], amounts: Mapping[int, Decimal]) -> QuerySet[Item]:
    """The open debits among ``amounts``' items (the disputes provider's answer), annotated
    ``disputed``: their disputed amount capped at their open amount."""
    if not amounts:
        return items.none()
    by_amount: dict[Decimal, list[int]] = defaultdict(list)
    for item_id, amount in amounts.items():
        by_amount[amount].append(item_id)
    disputed = Case(
        *(When(pk__in=ids, then=Value(amount, output_field=MONEY)) for amount, ids in by_amount.items()),
        default=Value(ZERO, output_field=MONEY),
        output_field=MONEY,
    )
    return items.filter(amount__gt=0, pk__in_array=list(amounts)).annotate(
        disputed=Least(disputed, F("open_on"), output_field=MONEY)
    )


def _disputed(items: QuerySet[Item], dim: Dimension, amounts: Mapping[int, Decimal]) -> dict[tuple[Any, ...], Decimal]:
    """Disputed part of the open debits per group: each item's disputed amount capped at its
    open amount (in the functional currency along a functional dimension)."""
    rows = (
        items.filter(amount__gt=0, pk__in_array=list(amounts))
        .values("pk", "open_on", "fx_rate", **dim.fields, row_currency=F(dim.currency_field))
        .order_by()
    )
    found: dict[tuple[Any, ...], Decimal] = {}
    for row in rows:
        part = min(amounts[row["pk"]], row["open_on"])
        if dim.functional:
            part *= row["fx_rate"]
        key = _group_key(dim, row)
        found[key] = found.get(key, ZERO) + part
    return found


def column_filter(*, column: str, as_of: date, edges: tuple[int, ...], horizons: tuple[int, ...]) -> Q | None:
    """The condition behind one aged-balance column (``d31_60``, ``overdue``…); None = all.
    ``disputed`` is not a condition on the item alone: ``aged_items`` asks the disputes provider."""
    keys = [bucket.key for bucket in aging_buckets(edges=edges)]
    filters = aging_columns(as_of=as_of, edges=edges, horizons=horizons)
    if column in {"", "total"}:
        return None
    if column == "unapplied":
        return filters["unapplied"]
    if column == "overdue":
        return overdue_on_q(as_of)
    if column in keys:
        return filters[f"b{keys.index(column)}"]
    days = column.removeprefix("due_within_")
    if days.isdigit() and int(days) in horizons:
        return filters[f"h{horizons.index(int(days))}"]
    raise ValidationFailed(f"unknown aged-balance column {column!r}")


def aged_items(
    *,
    customers: QuerySet[Customer],
    as_of: date,
    by: str | None = None,
    ident: str = "",
    column: str = "",
    currency: str = "",
    edges: tuple[int, ...] = DEFAULT_EDGES,
    horizons: tuple[int, ...] = DEFAULT_HORIZONS,
) -> QuerySet[Item]:
    """The items behind one cell of the aged balance, oldest due date first, with their open
    amount on the date (``open_on``, and ``open_functional``) and ``days_late``.

    ``currency`` is the row's (a group, a region or the TOTAL line spans entities of several
    currencies, one row each): the entity's currency, or the item's along the currency axis.
    The ``disputed`` column lists the debits in dispute, annotated with their ``disputed`` part.
    """
    dim = dimension(by)
    disputed = column == "disputed"
    condition = None if disputed else column_filter(column=column, as_of=as_of, edges=edges, horizons=horizons)
    items = items_open_on(customers=customers, as_of=as_of).exclude(open_on=0)
    if by:
        items = items.filter(dim.filter(ident))
    if currency:
        items = items.filter(**{dim.currency_field: currency})
    if condition is not None:
        items = items.filter(condition)
    if disputed:  # without dispute data the page shows no link to this column: nothing to list
        items = _contested(items, contracts.disputed_amounts(as_of=as_of) or {})
    items = items.annotate(days_late=DaysBetween(_date(as_of), F("due_date")), open_functional=functional(F("open_on")))
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
    overdue = items_open_on(customers=customers, as_of=as_of, current_state=current_state).filter(overdue_on_q(as_of))
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
