"""The KPIs month by month: at each month end of the last months and on the as-of date.

AR at a month end follows from today's AR and the net movements of the items dated after it
(one grouped scan); the full series ages the ledger again at every point for what needs the
current AR (BPDSO, ADD, CEI, overdue rate) and reads litigation at every point in one query
(unpaid rate). The formulas are ``encours.core.kpi``'s, as in ``selectors.kpis``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import F, Q, QuerySet

from encours import contracts
from encours.core.aging import AgedBalance
from encours.core.kpi import (
    CountbackDSO,
    collection_effectiveness_index,
    countback_dso,
    overdue_rate,
    period_dso,
    receivables_share_of_assets,
    simple_dso,
    unpaid_rate,
)
from encours.core.money import ZERO
from encours.core.periods import Month, calendar_months_period, month_ends_between
from encours.ledger.models import Customer, Item
from encours.ledger.queries import open_on
from encours.ledger.sql import functional, money_sum
from encours.reports.dimensions import dimension
from encours.reports.selectors.aging import AgedReport, aged_balance
from encours.reports.selectors.kpis import PERIOD_MONTHS, UNPAID_MONTHS
from encours.reports.selectors.movements import GroupMovements, MovementWindow, movement_window

SERIES_HISTORY_MONTHS = 6


@dataclass(frozen=True, slots=True)
class KpiPoint:
    """The KPIs at one month end (or the as-of date, the last point) of a series."""

    on: date
    receivables: Decimal
    countback: CountbackDSO
    simple_dso: Decimal | None
    balance: AgedBalance | None = None
    best_possible_dso: Decimal | None = None
    average_days_delinquent: Decimal | None = None
    cei: Decimal | None = None
    overdue_rate: Decimal | None = None
    unpaid_rate: Decimal | None = None
    share_of_assets: Decimal | None = None


@dataclass(frozen=True, slots=True)
class KpiSeries:
    currency: str
    points: tuple[KpiPoint, ...]
    movements: GroupMovements | None
    litigation_known: bool = False
    total_assets: Decimal | None = None  # of the latest known balance sheet, the same for every point


@dataclass(frozen=True, slots=True)
class _Context:
    """What every point of one currency's series reads."""

    moved: GroupMovements | None
    history: Month
    period_months: int
    litigation: Mapping[date, Decimal] | None
    total_assets: Decimal | None


def kpi_series(
    *,
    customers: QuerySet[Customer],
    as_of: date,
    months: int = 12,
    period_months: int = PERIOD_MONTHS,
    full: bool = False,
    aged_now: AgedReport | None = None,
    window: MovementWindow | None = None,
    total_assets: Mapping[str, Decimal | None] | None = None,
) -> dict[str, KpiSeries]:
    """Monthly KPIs per currency at each month end of the last ``months`` months, and ``as_of``.

    AR at a month end = AR on ``as_of`` − net movements of the items dated after it. ``full``
    ages the ledger again at every point for the current AR (BPDSO, ADD, CEI, overdue rate) and
    adds the unpaid rate (twelve months to each point) and, for the currencies whose
    ``total_assets`` are given (the scope's latest known balance sheet), AR / total assets.
    ``window`` (whole scope, ≥ ``series_window_months(months)``) may be passed when already read.
    """
    first_point = Month.of(as_of).shifted(-(months - 1))
    points = month_ends_between(start=first_point.first_day, end=as_of, include_end=True)
    aged_now = aged_now or aged_balance(customers=customers, as_of=as_of)
    needed = series_window_months(months, period_months, full=full)
    if window is None or window.months < needed:
        window = movement_window(customers=customers, dim=dimension(None), as_of=as_of, months=needed)
    by_currency = {currency: moved for (_, currency), moved in window.groups.items()}
    aged_at = _aged_points(customers, points, aged_now) if full else {}
    litigation = litigation_at(customers=customers, days=points) if full else None
    series = {}
    for currency, now in aged_now.totals.items():
        context = _Context(
            by_currency.get(currency),
            window.history_start,
            period_months,
            None if litigation is None else {day: amounts.get(currency, ZERO) for day, amounts in litigation.items()},
            (total_assets or {}).get(currency) if full else None,
        )
        line = tuple(_point(day, now.total, context, aged_at.get(day, {}).get(currency)) for day in points)
        series[currency] = KpiSeries(currency, line, context.moved, litigation is not None, context.total_assets)
    return series


def series_window_months(months: int, period_months: int = PERIOD_MONTHS, *, full: bool = False) -> int:
    """Months of movements a series needs: its own, plus half a year before its first point for
    the countback and the period of the first point (a longer countback there is a floor); the
    full series also the eleven months before its first point for its unpaid rate."""
    needed = months + max(period_months, SERIES_HISTORY_MONTHS)
    return max(needed, months - 1 + UNPAID_MONTHS) if full else needed


def _aged_points(
    customers: QuerySet[Customer], points: tuple[date, ...], aged_now: AgedReport
) -> dict[date, dict[str, AgedBalance]]:
    aged: dict[date, dict[str, AgedBalance]] = {aged_now.as_of: aged_now.totals}
    for day in points:
        if day not in aged:
            # a past month end: allocations dated after it exist, read the ledger as of the day
            aged[day] = aged_balance(customers=customers, as_of=day, current_state=False).totals
    return aged


def litigation_at(*, customers: QuerySet[Customer], days: tuple[date, ...]) -> dict[date, dict[str, Decimal]] | None:
    """Open amount (functional currency) of the items in litigation on each of ``days``, per
    currency, in one query; None without a litigation provider."""
    in_litigation_on = contracts.litigation_items_on(days=days)
    if in_litigation_on is None:
        return None
    columns, anywhere = {}, Q(pk__in=[])
    for index, day in enumerate(days):
        ids = in_litigation_on[day]
        in_litigation = Q(pk__in=sorted(ids)) if ids else Q(pk__isnull=True)  # no item: a condition never true
        candidate, amount = open_on(as_of=day, current_state=False)
        columns[f"p{index}"] = money_sum(
            functional(amount), filter=in_litigation & candidate & Q(document_date__lte=day)
        )
        anywhere |= in_litigation
    items = Item.objects.filter(customer__in=customers).filter(anywhere)
    rows = items.values(row_currency=F("entity__currency")).annotate(**columns).order_by()
    found: dict[date, dict[str, Decimal]] = {day: {} for day in days}
    for row in rows:
        for index, day in enumerate(days):
            found[day][row["row_currency"]] = row[f"p{index}"]
    return found


def _point(day: date, receivables_now: Decimal, context: _Context, balance: AgedBalance | None) -> KpiPoint:
    month, moved = Month.of(day), context.moved
    if balance is not None:
        receivables = balance.total
    else:
        receivables = receivables_now - (moved.net_after(month) if moved else ZERO)
    sales = moved.sales_by_month(up_to=month) if moved else {}
    countback = countback_dso(receivables=receivables, monthly_sales=sales, as_of=day, history_start=context.history)
    period = calendar_months_period(as_of=day, months=context.period_months)
    period_sales = moved.total(period, "sales") if moved else ZERO
    if balance is None:
        simple = simple_dso(receivables=receivables, period_sales=period_sales, period_days=period.days)
        return KpiPoint(day, receivables, countback, simple)
    figures = period_dso(
        receivables=receivables, current_receivables=balance.not_due, period_sales=period_sales, period=period
    )
    opening = receivables - (moved.total(period, "net") if moved else ZERO)
    return KpiPoint(
        on=day,
        receivables=receivables,
        countback=countback,
        simple_dso=figures.dso if figures else None,
        balance=balance,
        best_possible_dso=figures.best_possible_dso if figures else None,
        average_days_delinquent=figures.average_days_delinquent if figures else None,
        cei=collection_effectiveness_index(
            opening_receivables=opening,
            period_sales=period_sales,
            months=context.period_months,
            closing_receivables=receivables,
            closing_current_receivables=balance.not_due,
        ),
        overdue_rate=overdue_rate(overdue_receivables=balance.overdue, total_receivables=balance.total),
        unpaid_rate=_unpaid_rate(day, context),
        share_of_assets=(
            None
            if context.total_assets is None
            else receivables_share_of_assets(receivables=receivables, total_assets=context.total_assets)
        ),
    )


def _unpaid_rate(day: date, context: _Context) -> Decimal | None:
    """(Written off over the twelve months to ``day`` + in litigation on it) / their sales."""
    if context.moved is None:
        return None
    months = calendar_months_period(as_of=day, months=UNPAID_MONTHS)
    litigation = context.litigation.get(day, ZERO) if context.litigation is not None else ZERO
    return unpaid_rate(
        written_off=context.moved.total(months, "written_off"),
        in_litigation=litigation,
        sales=context.moved.total(months, "sales"),
    )
