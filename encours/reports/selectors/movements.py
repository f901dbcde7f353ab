"""What moved the receivables each month: sales, collections, write-offs, net change, in SQL.

Net AR on a date is the sum of the amounts of every item dated up to it (allocations only
move amounts between items), so the AR at each month end follows from today's AR and the
net change of the months after: the DSO series needs one grouped scan, not one aging per point.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet
from django.db.models.functions import TruncMonth

from encours.core.kpi import BAD_DEBT_LABEL
from encours.core.money import ZERO
from encours.core.periods import Month, Period
from encours.ledger.models import Customer, Item, ItemType
from encours.ledger.sql import SALES_TYPES, Rounder, fetch, money_sum
from encours.reports.dimensions import Dimension, dimension

GroupKey = tuple[Any, ...]
# what the unpaid rate counts as written off: ``encours.core.kpi.is_bad_debt_write_off`` in SQL
WRITE_OFF = Q(type=ItemType.ADJUSTMENT, amount__lt=0, label__iregex=BAD_DEBT_LABEL)


@dataclass(frozen=True, slots=True)
class MonthMovement:
    """One month of one group, in the group's currency. ``sales`` = invoices net of credit
    notes (incl. VAT), ``collected`` and ``written_off`` (bad debts only) are positive, ``net``
    is the AR change."""

    sales: Decimal = ZERO
    invoiced: Decimal = ZERO
    collected: Decimal = ZERO
    written_off: Decimal = ZERO
    net: Decimal = ZERO

    def __sub__(self, other: MonthMovement) -> MonthMovement:
        return MonthMovement(
            self.sales - other.sales,
            self.invoiced - other.invoiced,
            self.collected - other.collected,
            self.written_off - other.written_off,
            self.net - other.net,
        )


@dataclass(frozen=True, slots=True)
class GroupMovements:
    """The months of one group (customer, region…) with what identifies it."""

    row: dict[str, Any]
    currency: str
    months: dict[Month, MonthMovement]

    def sales_by_month(self, *, up_to: Month | None = None) -> dict[Month, Decimal]:
        return {m: v.sales for m, v in self.months.items() if up_to is None or m <= up_to}

    def total(self, period: Period, field: str) -> Decimal:
        return sum((getattr(v, field) for m, v in self.months.items() if _within(m, period)), ZERO)

    def net_after(self, month: Month) -> Decimal:
        return sum((v.net for m, v in self.months.items() if m > month), ZERO)

    def without(self, later: GroupMovements | None) -> GroupMovements:
        """These months less ``later``'s (the items dated after an earlier day): the movements
        as the books stood on that day, from a window read up to a later date."""
        if later is None:
            return self
        months = dict(self.months)
        for month, moved in later.months.items():
            if month in months:
                months[month] = months[month] - moved
        return GroupMovements(self.row, self.currency, months)

    def summed(self) -> MonthMovement:
        """Every month of the group added up."""
        return MonthMovement(
            *(
                sum((getattr(v, field) for v in self.months.values()), ZERO)
                for field in ("sales", "invoiced", "collected", "written_off", "net")
            )
        )


def _within(month: Month, period: Period) -> bool:
    return Month.of(period.start) <= month <= Month.of(period.end)


def monthly_movements(
    *, customers: QuerySet[Customer], dim: Dimension, start: date, end: date, only: Q | None = None
) -> dict[GroupKey, GroupMovements]:
    """Per group and calendar month, the movements of items dated in [start, end]."""
    amount = F("amount_functional") if dim.functional else F("amount")
    items = Item.objects.filter(customer__in=customers, document_date__gte=start, document_date__lte=end)
    if only is not None:
        items = items.filter(only)
    rows = (
        items.values(**dim.fields, row_currency=F(dim.currency_field), month=TruncMonth("document_date"))
        .annotate(
            **dim.label_aggregates(),
            sales=money_sum(amount, filter=Q(type__in=SALES_TYPES)),
            invoiced=money_sum(amount, filter=Q(type=ItemType.INVOICE)),
            collected=money_sum(-amount, filter=Q(type=ItemType.PAYMENT)),
            written_off=money_sum(-amount, filter=WRITE_OFF),
            net=money_sum(amount),
        )
        .order_by()
    )
    rounded = Rounder()
    groups: dict[GroupKey, GroupMovements] = {}
    months: defaultdict[GroupKey, dict[Month, MonthMovement]] = defaultdict(dict)
    for row in rows:
        key = (*(row[alias] for alias in dim.fields), row["row_currency"])
        if key not in groups:
            groups[key] = GroupMovements(row, row["row_currency"], months[key])
        currency = row["row_currency"]
        months[key][Month.of(row["month"])] = MonthMovement(
            *(rounded(row[field], currency) for field in ("sales", "invoiced", "collected", "written_off", "net"))
        )
    return groups


def history_starts_before(*, customers: QuerySet[Customer], day: date) -> bool:
    """Whether the ledger of ``customers`` holds items dated before ``day``."""
    return Item.objects.filter(customer__in=customers, document_date__lt=day).exists()


@dataclass(frozen=True, slots=True)
class MovementWindow:
    """The monthly movements of ``months`` calendar months ending with the month of ``as_of``,
    per group keyed by (dimension identifier, currency)."""

    as_of: date
    months: int
    groups: dict[GroupKey, GroupMovements]
    older_history: bool

    @property
    def start(self) -> Month:
        return Month.of(self.as_of).shifted(-(self.months - 1))

    @property
    def history_start(self) -> Month:
        """The first month the countback may count: months before the book's first item are
        unknown, not months without sales."""
        if self.older_history:
            return self.start
        return min((month for moved in self.groups.values() for month in moved.months), default=self.start)


def movement_window(
    *, customers: QuerySet[Customer], dim: Dimension, as_of: date, months: int, only: Q | None = None
) -> MovementWindow:
    start = Month.of(as_of).shifted(-(months - 1)).first_day
    groups = monthly_movements(customers=customers, dim=dim, start=start, end=as_of, only=only)
    keyed = {(dim.ident(moved.row), moved.currency): moved for moved in groups.values()}
    return MovementWindow(as_of, months, keyed, history_starts_before(customers=customers, day=start))


def movements_between(*, customers: QuerySet[Customer], start: date, end: date) -> dict[str, GroupMovements]:
    """The whole scope's movements of the items dated in [start, end], per currency."""
    total = dimension(None)
    return {
        moved.currency: moved
        for moved in monthly_movements(customers=customers, dim=total, start=start, end=end).values()
    }


@dataclass(frozen=True, slots=True)
class GroupSales:
    """One group's sales per calendar month, and sums of other movements over named periods."""

    row: dict[str, Any]
    currency: str
    sales: dict[Month, Decimal]
    sums: dict[str, Decimal]

    def sales_in(self, period: Period) -> Decimal:
        return sum((amount for month, amount in self.sales.items() if _within(month, period)), ZERO)


@dataclass(frozen=True, slots=True)
class SalesWindow:
    """Sales of ``months`` calendar months ending with the month of ``as_of`` (that month cut
    at ``as_of``), per group keyed by (dimension identifier, currency)."""

    as_of: date
    months: int
    groups: dict[GroupKey, GroupSales]
    older_history: bool

    @property
    def start(self) -> Month:
        return Month.of(self.as_of).shifted(-(self.months - 1))

    @property
    def history_start(self) -> Month:
        """The first month the countback may count: months before the book's first item are
        unknown, not months without sales."""
        if self.older_history:
            return self.start
        return min((month for group in self.groups.values() for month in group.sales), default=self.start)

    @classmethod
    def of_movements(cls, window: MovementWindow, sums: Mapping[str, tuple[str, Period]]) -> SalesWindow:
        """The same figures from a month-by-month window already read (whole-scope dashboards)."""
        groups = {
            key: GroupSales(
                moved.row,
                moved.currency,
                moved.sales_by_month(),
                {name: moved.total(period, measure) for name, (measure, period) in sums.items()},
            )
            for key, moved in window.groups.items()
        }
        return cls(window.as_of, window.months, groups, window.older_history)


_MEASURES = {
    "sales": Q(type__in=SALES_TYPES),
    "invoiced": Q(type=ItemType.INVOICE),
    "collected": Q(type=ItemType.PAYMENT),
    "written_off": WRITE_OFF,
    "net": Q(),
}
_NEGATED = {"collected", "written_off"}  # credits reported as positive amounts


@dataclass(frozen=True, slots=True)
class _Columns:
    start: date
    columns: dict[str, Q]


def sales_columns(
    *, as_of: date, months: int, sums: Mapping[str, tuple[str, Period]] | None = None
) -> tuple[_Columns, dict[str, Month]]:
    """The columns of a sales window: ``m0``… the sales of each month (the month of ``as_of``
    cut at it), ``sum_<name>`` each named (measure, period) sum; and which month each ``m`` is."""
    first = Month.of(as_of).shifted(-(months - 1))
    columns: dict[str, Q] = {}
    month_columns: dict[str, Month] = {}
    for offset in range(months):
        month = first.shifted(offset)
        month_columns[f"m{offset}"] = month
        within = Q(document_date__gte=month.first_day, document_date__lte=min(month.last_day, as_of))
        columns[f"m{offset}"] = _MEASURES["sales"] & within
    start = first.first_day
    for name, (measure, period) in (sums or {}).items():
        columns[f"sum_{name}"] = Q(document_date__gte=period.start, document_date__lte=period.end) & _MEASURES[measure]
        start = min(start, period.start)
    return _Columns(start, columns), month_columns


def _group_sales(
    row: dict[str, Any],
    values: Mapping[str, Decimal],
    month_columns: Mapping[str, Month],
    sums: Mapping[str, tuple[str, Period]],
) -> GroupSales:
    totals = {
        name: -values[f"sum_{name}"] if measure in _NEGATED else values[f"sum_{name}"]
        for name, (measure, _period) in sums.items()
    }
    sales = {month: values[name] for name, month in month_columns.items() if values[name]}
    return GroupSales(row, row["row_currency"], sales, totals)


def sales_window(
    *,
    customers: QuerySet[Customer],
    dim: Dimension,
    as_of: date,
    months: int,
    sums: Mapping[str, tuple[str, Period]] | None = None,
    only: Q | None = None,
    labels: bool = True,
) -> SalesWindow:
    """One row per group: its sales of each month as columns, and the ``sums`` asked for
    (name → (measure, period)); fewer rows than month by month, for thousands of groups.
    Without ``labels`` the rows carry only the group's identity (countback passes)."""
    extra, month_columns = sales_columns(as_of=as_of, months=months, sums=sums)
    amount = F("amount_functional") if dim.functional else F("amount")
    columns = {name: money_sum(amount, filter=condition) for name, condition in extra.columns.items()}
    items = Item.objects.filter(customer__in=customers, document_date__gte=extra.start, document_date__lte=as_of)
    if only is not None:
        items = items.filter(only)
    named = dim.label_aggregates() if labels else {}
    rows = items.values(**dim.fields, row_currency=F(dim.currency_field)).annotate(**named, **columns)
    groups = {
        (dim.ident(row), row["row_currency"]): _group_sales(row, row, month_columns, sums or {})
        for row in fetch(rows.order_by())
    }
    first = Month.of(as_of).shifted(-(months - 1))
    return SalesWindow(as_of, months, groups, history_starts_before(customers=customers, day=first.first_day))


def monthly_sales(
    *, customers: QuerySet[Customer], dim: Dimension, start: date, end: date, only: Q | None = None
) -> dict[GroupKey, dict[Month, Decimal]]:
    """Sales per group of each calendar month from the month of ``start`` to that of ``end``
    (items dated in [start, end]), one row per group: the older months a countback reads for
    the groups whose receivables need them."""
    amount = F("amount_functional") if dim.functional else F("amount")
    months: dict[str, Month] = {}
    month = Month.of(start)
    while month <= Month.of(end):
        months[f"m{len(months)}"] = month
        month = month.shifted(1)
    columns = {
        name: money_sum(
            amount,
            filter=Q(document_date__gte=max(month.first_day, start), document_date__lte=min(month.last_day, end)),
        )
        for name, month in months.items()
    }
    items = Item.objects.filter(
        customer__in=customers, type__in=SALES_TYPES, document_date__gte=start, document_date__lte=end
    )
    if only is not None:
        items = items.filter(only)
    rows = items.values(**dim.fields, row_currency=F(dim.currency_field)).annotate(**columns).order_by()
    return {
        (dim.ident(row), row["row_currency"]): {month: row[name] for name, month in months.items() if row[name]}
        for row in fetch(rows)
    }
