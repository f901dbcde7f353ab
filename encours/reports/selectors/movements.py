"""What moved the receivables each month: sales, collections, write-offs, net change, in SQL.

Net AR on a date is the sum of the amounts of every item dated up to it (allocations only
move amounts between items), so the AR at each month end follows from today's AR and the
net change of the months after: the DSO series needs one grouped scan, not one aging per point.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet
from django.db.models.functions import TruncMonth

from encours.core.money import ZERO, quantize
from encours.core.periods import Month, Period
from encours.ledger.models import Customer, Item, ItemType
from encours.reports.dimensions import Dimension, dimension
from encours.reports.sql import SALES_TYPES, money_sum

GroupKey = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class MonthMovement:
    """One month of one group, in the group's currency. ``sales`` = invoices net of credit
    notes (incl. VAT), ``collected`` and ``written_off`` are positive, ``net`` is the AR change."""

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
            sales=money_sum(amount, filter=Q(type__in=SALES_TYPES)),
            invoiced=money_sum(amount, filter=Q(type=ItemType.INVOICE)),
            collected=money_sum(-amount, filter=Q(type=ItemType.PAYMENT)),
            written_off=money_sum(-amount, filter=Q(type=ItemType.ADJUSTMENT, amount__lt=0)),
            net=money_sum(amount),
        )
        .order_by()
    )
    groups: dict[GroupKey, GroupMovements] = {}
    months: defaultdict[GroupKey, dict[Month, MonthMovement]] = defaultdict(dict)
    for row in rows:
        key = (*(row[alias] for alias in dim.fields), row["row_currency"])
        if key not in groups:
            groups[key] = GroupMovements(row, row["row_currency"], months[key])
        currency = row["row_currency"]
        months[key][Month.of(row["month"])] = MonthMovement(
            *(quantize(row[field], currency) for field in ("sales", "invoiced", "collected", "written_off", "net"))
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
