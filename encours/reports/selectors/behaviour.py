"""How late customers pay: amount-weighted days late per customer, its trend, the sector's.

A payment record is an allocation of a payment to an invoice; its date is the payment's own
document date (``encours.core.payment_behaviour``). SQL sums amount × days late and amount
per customer and window (functional currency); the core's values carry the result.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from encours.core.money import ZERO
from encours.core.payment_behaviour import (
    UNKNOWN_SECTOR,
    DaysLate,
    DaysLateTrend,
    SectorDaysLate,
    sector_of,
)
from encours.core.periods import Period, trailing_window
from encours.ledger.caching import kept
from encours.ledger.models import Allocation, Customer, ItemType
from encours.ledger.sql import DaysBetween, money_sum

YEAR_MONTHS = 12
TREND_MONTHS = 3


@dataclass(frozen=True, slots=True)
class CustomerBehaviour:
    """A customer's weighted days late over the year, its trend and its sector's figure."""

    customer_id: int
    year: DaysLate | None
    trend: DaysLateTrend
    sector: str
    sector_figure: SectorDaysLate | None

    @property
    def versus_sector(self) -> Decimal | None:
        """Days later (+) or earlier (−) than the sector pays."""
        if self.year is None or self.sector_figure is None:
            return None
        return self.year.weighted_days_late - self.sector_figure.days_late.weighted_days_late


def _payments() -> QuerySet[Allocation]:
    return Allocation.objects.filter(debit__type=ItemType.INVOICE, credit__type=ItemType.PAYMENT)


def _weighted(period: Period) -> dict[str, Any]:
    """Σ amount × days late, Σ amount and the count of the payments made within ``period``."""
    within = Q(credit__document_date__gte=period.start, credit__document_date__lte=period.end)
    amount = F("amount") * F("debit__fx_rate")
    days = DaysBetween(F("credit__document_date"), F("debit__due_date"))
    tag = period.start.isoformat()
    return {
        f"weighted_{tag}": money_sum(amount * days, filter=within),
        f"paid_{tag}": money_sum(amount, filter=within),
        f"count_{tag}": Count("pk", filter=within),
    }


def _days_late(row: dict[str, Any], period: Period) -> DaysLate | None:
    tag = period.start.isoformat()
    count, paid = row[f"count_{tag}"], row[f"paid_{tag}"]
    if not count or paid <= 0:
        return None
    return DaysLate(weighted_days_late=row[f"weighted_{tag}"] / paid, paid_amount=paid, payment_count=count)


def _windows(as_of: date) -> tuple[Period, Period, Period]:
    year = trailing_window(as_of=as_of, months=YEAR_MONTHS)
    recent = trailing_window(as_of=as_of, months=TREND_MONTHS)
    previous = trailing_window(as_of=recent.start - timedelta(days=1), months=TREND_MONTHS)
    return year, recent, previous


def days_late_by_customer(
    *, customers: QuerySet[Customer] | Iterable[int], as_of: date
) -> dict[int, tuple[DaysLate | None, DaysLateTrend]]:
    """Per customer: weighted days late over 12 months, and the last 3 months against the 3 before."""
    year, recent, previous = _windows(as_of)
    earliest = min(year.start, previous.start)
    rows = (
        _payments()
        .filter(debit__customer__in=customers, credit__document_date__gte=earliest, credit__document_date__lte=as_of)
        .values("debit__customer_id")
        .annotate(**_weighted(year), **_weighted(recent), **_weighted(previous))
        .order_by()
    )
    return {
        row["debit__customer_id"]: (
            _days_late(row, year),
            DaysLateTrend(recent=_days_late(row, recent), previous=_days_late(row, previous)),
        )
        for row in rows
    }


def days_late_by_sector(*, customers: QuerySet[Customer], as_of: date) -> dict[str, SectorDaysLate]:
    """Weighted days late per NAF division over 12 months, pooling the payments of ``customers``."""
    year = trailing_window(as_of=as_of, months=YEAR_MONTHS)
    rows = (
        _payments()
        .filter(debit__customer__in=customers, credit__document_date__gte=year.start, credit__document_date__lte=as_of)
        .values("debit__customer__naf_code")
        .annotate(**_weighted(year), customers=Count("debit__customer_id", distinct=True))
        .order_by()
    )
    tag = year.start.isoformat()
    pools: defaultdict[str, _Pool] = defaultdict(_Pool)
    for row in rows:
        pool = pools[sector_of(row["debit__customer__naf_code"])]
        pool.weighted += row[f"weighted_{tag}"]
        pool.paid += row[f"paid_{tag}"]
        pool.count += row[f"count_{tag}"]
        pool.customers += row["customers"]
    return {
        division: SectorDaysLate(
            division=division,
            days_late=DaysLate(
                weighted_days_late=pool.weighted / pool.paid, paid_amount=pool.paid, payment_count=pool.count
            ),
            customer_count=pool.customers,
        )
        for division, pool in sorted(pools.items())
        if pool.paid > 0
    }


@dataclass(slots=True)
class _Pool:
    weighted: Decimal = ZERO
    paid: Decimal = ZERO
    count: int = 0
    customers: int = 0


def sector_figures(*, customers: QuerySet[Customer], as_of: date) -> dict[str, SectorDaysLate]:
    """``days_late_by_sector``, kept while the ledger does not change: a year of payments of the
    whole book is read once, not on every customer page."""
    return kept(
        "sector-days-late",
        customers=customers,
        parts=(as_of,),
        compute=lambda: days_late_by_sector(customers=customers, as_of=as_of),
    )


def sector_figure(*, naf_code: str | None, sectors: dict[str, SectorDaysLate]) -> SectorDaysLate | None:
    """The sector figure a customer is compared with; None without a NAF code (the customers of
    unknown sector are no sector: their pooled figure compares with nothing)."""
    division = sector_of(naf_code)
    return sectors.get(division) if division != UNKNOWN_SECTOR else None


def customer_behaviour(*, customer: Customer, as_of: date, sectors: dict[str, SectorDaysLate]) -> CustomerBehaviour:
    year, trend = days_late_by_customer(customers=[customer.pk], as_of=as_of).get(
        customer.pk, (None, DaysLateTrend(recent=None, previous=None))
    )
    figure = sector_figure(naf_code=customer.naf_code, sectors=sectors)
    return CustomerBehaviour(customer.pk, year, trend, sector_of(customer.naf_code), figure)
