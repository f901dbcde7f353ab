"""SQL building blocks of the reports: the ledger as it stood on a date, portable SQLite/PostgreSQL.

As of D, an item exists when ``document_date <= D`` and an allocation counts when its
``date <= D``. Only the items not settled by D (``settled_on`` empty or after D, an indexed
column) can be open on D; for those alone the allocations dated up to D are subtracted, each
in a correlated subquery on the allocation's item index. When no allocation is dated after D
(the usual "today" report) the stored ``open_amount`` already is the open amount on D.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from encours.ledger.models import Allocation, Customer, Item, ItemType

MONEY = DecimalField(max_digits=24, decimal_places=6)
ZERO = Value(Decimal(0), output_field=MONEY)
SALES_TYPES = (ItemType.INVOICE, ItemType.CREDIT_NOTE)


class DaysBetween(Func):
    """Whole days from ``earlier`` to ``later`` (dates): ``later - earlier``."""

    output_field = IntegerField()
    arity = 2

    def __init__(self, later: Any, earlier: Any) -> None:
        super().__init__(later, earlier)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


def _allocated(side: str, as_of: date) -> Coalesce:
    counted = Allocation.objects.filter(**{side: OuterRef("pk")}, date__lte=as_of).order_by()
    total = counted.values(side).annotate(total=Sum("amount")).values("total")
    return Coalesce(Subquery(total, output_field=MONEY), ZERO)


def allocations_after(as_of: date) -> bool:
    """Whether some allocation is dated after ``as_of`` (then stored open amounts are too recent)."""
    return Allocation.objects.filter(date__gt=as_of).exists()


def items_open_on(*, customers: QuerySet[Customer], as_of: date, current_state: bool | None = None) -> QuerySet[Item]:
    """Items of ``customers`` that may be open on ``as_of``, annotated ``open_on`` (item currency).

    ``current_state`` (computed when None) says that no allocation is dated after ``as_of``.
    """
    items = Item.objects.filter(customer__in=customers, document_date__lte=as_of)
    if current_state is None:
        current_state = not allocations_after(as_of)
    if current_state:
        return items.filter(settled_on__isnull=True).annotate(open_on=F("open_amount"))
    items = items.filter(Q(settled_on__isnull=True) | Q(settled_on__gt=as_of))
    return items.annotate(
        open_on=ExpressionWrapper(
            F("amount") - _allocated("debit", as_of) + _allocated("credit", as_of), output_field=MONEY
        )
    )


def functional(expression: Any) -> ExpressionWrapper:
    """An amount of the item's currency in its entity's functional currency (× the item's rate)."""
    return ExpressionWrapper(expression * F("fx_rate"), output_field=MONEY)


def money_sum(expression: Any, **kwargs: Any) -> Coalesce:
    return Coalesce(Sum(expression, output_field=MONEY, **kwargs), ZERO)


def bucket_case(*, as_of: date, edges: tuple[int, ...], horizons: tuple[int, ...]) -> Case:
    """The aging column of an open item as an integer, from boundary dates computed here.

    -1 = unapplied credit; 1..len(edges)+1 = overdue buckets (days past due ≤ edge ⇔ due date
    ≥ as_of − edge); 100 + k = not due and falling due within ``horizons[k]`` days (100 +
    len(horizons) = later). Matches ``encours.core.aging.bucket_for`` and its horizons.
    """
    whens = [When(amount__lt=0, then=Value(-1))]
    whens += [
        When(due_date__gte=as_of, due_date__lte=as_of + timedelta(days=horizon), then=Value(100 + k))
        for k, horizon in enumerate(horizons)
    ]
    whens.append(When(due_date__gte=as_of, then=Value(100 + len(horizons))))
    whens += [
        When(due_date__gte=as_of - timedelta(days=edge), then=Value(index)) for index, edge in enumerate(edges, start=1)
    ]
    return Case(*whens, default=Value(len(edges) + 1), output_field=IntegerField())
