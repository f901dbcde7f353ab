"""SQL building blocks of the ledger reads (reports, dunning, risk, insurance, forecast): the ledger
as it stood on a date, portable SQLite/PostgreSQL.

As of D, an item exists when ``document_date <= D`` and an allocation counts when its
``date <= D``. Only the items not settled by D (``settled_on`` empty or after D, an indexed
column) can be open on D; for those alone the allocations dated up to D are subtracted, each
in a correlated subquery on the allocation's item index. When no allocation is dated after D
(the usual "today" report) the stored ``open_amount`` already is the open amount on D.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce

from encours.core.money import quantum
from encours.ledger.models import Customer, Item, ItemType
from encours.ledger.queries import MONEY, ZERO

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


def items_open_on(*, customers: QuerySet[Customer], as_of: date, current_state: bool | None = None) -> QuerySet[Item]:
    """Items of ``customers`` that may be open on ``as_of``, annotated ``open_on`` (item currency)."""
    return Item.objects.filter(customer__in=customers).open_on(as_of, current_state=current_state)


def functional(expression: Any) -> ExpressionWrapper:
    """An amount of the item's currency in its entity's functional currency (× the item's rate)."""
    return ExpressionWrapper(expression * F("fx_rate"), output_field=MONEY)


def money_sum(expression: Any, **kwargs: Any) -> Coalesce:
    return Coalesce(Sum(expression, output_field=MONEY, **kwargs), ZERO)


class Rounder:
    """Quantises to each currency's minor unit, half up, the quantum looked up once per currency
    (``encours.core.money.quantize`` for many thousands of report amounts)."""

    def __init__(self) -> None:
        self._quanta: dict[str, Decimal] = {}

    def __call__(self, amount: Decimal, currency: str) -> Decimal:
        step = self._quanta.get(currency)
        if step is None:
            step = self._quanta[currency] = quantum(currency)
        return amount.quantize(step, rounding=ROUND_HALF_UP)


def fetch(queryset: QuerySet[Any]) -> list[dict[str, Any]]:
    """The rows of a ``values()`` queryset as dicts.

    On PostgreSQL the driver already returns Decimals and dates, so the rows are read straight
    from the cursor: Django's per-value converters were a third of the Python time of a
    20 000-customer report. SQLite returns floats for sums; Django converts those.
    """
    if connection.vendor != "postgresql":
        return list(queryset)
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # an empty scope (``none()``, ``pk__in=[]``) selects nothing
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
