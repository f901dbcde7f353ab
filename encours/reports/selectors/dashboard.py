"""The home page's figures: totals and KPIs, this week against the last, trends, alerts.

A bounded number of queries whatever the size of the book: two agings (today and a week
ago), one monthly scan for the KPIs and the DSO trend, one for the week's movements, the top
overdue customers, and what the alert providers read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from encours import contracts
from encours.core.aging import AgedBalance
from encours.core.kpi import CountbackDSO, countback_dso
from encours.core.money import ZERO
from encours.core.periods import Month
from encours.ledger.models import Customer
from encours.ledger.queries import allocations_after
from encours.reports.dimensions import dimension
from encours.reports.selectors.aging import OverdueCustomer, aged_balance, top_overdue_customers
from encours.reports.selectors.kpis import KpiFigures, figures_from_movements, kpis
from encours.reports.selectors.movements import GroupMovements, MonthMovement, movement_window, movements_between
from encours.reports.selectors.series import KpiSeries, kpi_series, series_window_months

TREND_MONTHS = 12
TOP_OVERDUE = 10


@dataclass(frozen=True, slots=True)
class WeekComparison:
    """One currency's receivables now and a week earlier, and what moved in between."""

    currency: str
    now: AgedBalance
    before: AgedBalance
    moved: MonthMovement
    countback_now: CountbackDSO
    countback_before: CountbackDSO | None
    figures_now: KpiFigures | None = None
    figures_before: KpiFigures | None = None  # the same KPIs as of a week earlier

    @property
    def ar_change(self) -> Decimal:
        return self.now.total - self.before.total

    @property
    def overdue_change(self) -> Decimal:
        return self.now.overdue - self.before.overdue

    @property
    def not_due_change(self) -> Decimal:
        return self.now.not_due - self.before.not_due

    @property
    def unapplied_change(self) -> Decimal:
        return self.now.unapplied - self.before.unapplied

    def _change(self, name: str, scale: int = 1) -> Decimal | None:
        if self.figures_now is None or self.figures_before is None:
            return None
        now, before = getattr(self.figures_now, name), getattr(self.figures_before, name)
        return None if now is None or before is None else (now - before) * scale

    @property
    def overdue_rate_change(self) -> Decimal | None:
        """Percentage points the overdue rate moved in the week."""
        return self._change("overdue_rate", 100)

    @property
    def bpdso_change(self) -> Decimal | None:
        return self._change("bpdso")

    @property
    def add_change(self) -> Decimal | None:
        return self._change("add")

    @property
    def cei_change(self) -> Decimal | None:
        """Points the CEI (a percent) moved in the week."""
        return self._change("cei")

    @property
    def countback_change(self) -> Decimal | None:
        """Days the countback DSO moved in the week (None when last week's is unknown)."""
        if self.countback_before is None or self.countback_before.history_exhausted:
            return None
        return self.countback_now.days - self.countback_before.days


@dataclass(frozen=True, slots=True)
class CurrencyDashboard:
    currency: str
    figures: KpiFigures
    week: WeekComparison
    series: KpiSeries | None


@dataclass(frozen=True, slots=True)
class Dashboard:
    as_of: date
    week_ago: date
    currencies: tuple[CurrencyDashboard, ...]  # largest receivables first
    top_overdue: tuple[OverdueCustomer, ...]
    disputes_known: bool
    litigation_known: bool
    alerts: tuple[contracts.Alert, ...] = ()
    computed_at: datetime | None = None

    @property
    def main(self) -> CurrencyDashboard | None:
        return self.currencies[0] if self.currencies else None


def countback_before(
    *, moved: GroupMovements | None, since: GroupMovements | None, receivables: Decimal, day: date, history: Month
) -> CountbackDSO:
    """The countback DSO on an earlier ``day`` from a window read up to a later date: the
    month of ``day`` loses the sales dated after it (``since``)."""
    month = Month.of(day)
    sales = moved.sales_by_month(up_to=month) if moved else {}
    if since is not None and month in since.months:
        sales[month] = sales.get(month, ZERO) - since.months[month].sales
    return countback_dso(receivables=receivables, monthly_sales=sales, as_of=day, history_start=history)


def dashboard(*, customers: QuerySet[Customer], user: Any, as_of: date) -> Dashboard:
    overview = week_overview(customers=customers, as_of=as_of, top=TOP_OVERDUE)
    alerts = tuple(contracts.alerts(customers=customers, user=user, as_of=as_of))
    return replace(overview, alerts=alerts, computed_at=timezone.now())


def week_overview(*, customers: QuerySet[Customer], as_of: date, top: int) -> Dashboard:
    """The scope's receivables and KPIs on ``as_of`` against a week earlier, the DSO trend and
    the ``top`` overdue customers."""
    week_ago = as_of - timedelta(days=7)
    current = not allocations_after(as_of)
    aged = aged_balance(customers=customers, as_of=as_of, current_state=current)
    before = aged_balance(customers=customers, as_of=week_ago).totals
    window = movement_window(
        customers=customers, dim=dimension(None), as_of=as_of, months=series_window_months(TREND_MONTHS)
    )
    figures = kpis(customers=customers, as_of=as_of, movements=window, aged=aged)
    series = kpi_series(customers=customers, as_of=as_of, months=TREND_MONTHS, aged_now=aged, window=window)
    week = movements_between(customers=customers, start=week_ago + timedelta(days=1), end=as_of)
    currencies = []
    for row in figures.rows:
        f = row.figures
        moved = window.groups.get(("all", f.currency))
        since = week.get(f.currency)
        previous = before.get(f.currency, AgedBalance.empty(f.currency))
        previous_countback = countback_before(
            moved=moved, since=since, receivables=previous.total, day=week_ago, history=window.history_start
        )
        comparison = WeekComparison(
            currency=f.currency,
            now=f.balance,
            before=previous,
            moved=since.summed() if since else MonthMovement(),
            countback_now=f.countback,
            countback_before=previous_countback,
            figures_now=f,
            figures_before=figures_from_movements(
                as_of=week_ago,
                balance=previous,
                moved=moved.without(since) if moved else None,
                countback=previous_countback,
            ),
        )
        currencies.append(CurrencyDashboard(f.currency, f, comparison, series.get(f.currency)))
    currencies.sort(key=lambda c: -abs(c.figures.open_ar))
    return Dashboard(
        as_of=as_of,
        week_ago=week_ago,
        currencies=tuple(currencies),
        top_overdue=tuple(top_overdue_customers(customers=customers, as_of=as_of, limit=top, current_state=current)),
        disputes_known=aged.disputes_known,
        litigation_known=figures.litigation_known,
    )
