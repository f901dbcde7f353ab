"""The weekly receivables report: this week against the last, where the overdue sits, who pays
late, disputes, and the DSO trend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import QuerySet

from encours import contracts
from encours.core.aging import AgedBalance
from encours.core.payment_behaviour import DaysLate, DaysLateTrend
from encours.ledger.models import Customer
from encours.reports.selectors.aging import OverdueCustomer, aged_balance
from encours.reports.selectors.behaviour import days_late_by_customer
from encours.reports.selectors.dashboard import Dashboard, week_overview

TOP_LATE = 20
SEVERE_DAYS = 60


@dataclass(frozen=True, slots=True)
class OverdueLine:
    """Overdue of one entity or region now and a week earlier."""

    key: str
    name: str
    now: AgedBalance
    before: AgedBalance

    @property
    def currency(self) -> str:
        return self.now.currency

    @property
    def change(self) -> Decimal:
        return self.now.overdue - self.before.overdue

    @property
    def severe(self) -> Decimal:
        """Overdue by more than 60 days (when 60 is a bucket edge, as by default)."""
        return self.now.overdue_beyond(SEVERE_DAYS) if SEVERE_DAYS in self.now.edges else self.now.overdue


@dataclass(frozen=True, slots=True)
class LateCustomer:
    overdue: OverdueCustomer
    overdue_before: Decimal
    year: DaysLate | None
    trend: DaysLateTrend
    last_action: contracts.LastAction | None

    @property
    def change(self) -> Decimal:
        return self.overdue.overdue - self.overdue_before


@dataclass(frozen=True, slots=True)
class WeeklyReport:
    as_of: date
    week_ago: date
    overview: Dashboard
    by_entity: tuple[OverdueLine, ...]
    by_region: tuple[OverdueLine, ...]
    late_customers: tuple[LateCustomer, ...]
    last_actions_known: bool
    disputes: contracts.DisputesSummary | None
    title: str = ""
    sections: tuple[contracts.WeeklySection, ...] = ()

    @property
    def week_start(self) -> date:
        return self.week_ago + timedelta(days=1)


def _overdue_lines(customers: QuerySet[Customer], as_of: date, week_ago: date, by: str) -> tuple[OverdueLine, ...]:
    now = aged_balance(customers=customers, as_of=as_of, by=by)
    before = {
        (row.ident, row.currency): row.balance for row in aged_balance(customers=customers, as_of=week_ago, by=by).rows
    }
    lines = [
        OverdueLine(
            row.key, row.name, row.balance, before.get((row.ident, row.currency), AgedBalance.empty(row.currency))
        )
        for row in now.rows
    ]
    return tuple(sorted(lines, key=lambda line: (-line.now.overdue, line.name)))


def _late_customers(
    customers: QuerySet[Customer], overview: Dashboard, week_ago: date
) -> tuple[tuple[LateCustomer, ...], bool]:
    ids = [line.customer_id for line in overview.top_overdue]
    top = customers.filter(pk__in=ids)
    before = {
        int(row.ident): row.balance.overdue for row in aged_balance(customers=top, as_of=week_ago, by="customer").rows
    }
    behaviour = days_late_by_customer(customers=ids, as_of=overview.as_of)
    actions = contracts.last_actions(customer_ids=ids, as_of=overview.as_of)
    lines = []
    for line in overview.top_overdue:
        year, trend = behaviour.get(line.customer_id, (None, DaysLateTrend(recent=None, previous=None)))
        lines.append(
            LateCustomer(
                overdue=line,
                overdue_before=before.get(line.customer_id, Decimal(0)),
                year=year,
                trend=trend,
                last_action=actions.get(line.customer_id) if actions is not None else None,
            )
        )
    return tuple(lines), actions is not None


def weekly_report(*, customers: QuerySet[Customer], as_of: date, title: str = "") -> WeeklyReport:
    """Everything the weekly report shows for ``customers`` as of ``as_of`` (a week = the 7 days
    ending on it, compared with the books 7 days earlier)."""
    overview = week_overview(customers=customers, as_of=as_of, top=TOP_LATE)
    late, actions_known = _late_customers(customers, overview, overview.week_ago)
    disputes = contracts.disputes_report(customers=customers, as_of=as_of, since=overview.week_ago + timedelta(days=1))
    return WeeklyReport(
        as_of=as_of,
        week_ago=overview.week_ago,
        overview=overview,
        by_entity=_overdue_lines(customers, as_of, overview.week_ago, "entity"),
        by_region=_overdue_lines(customers, as_of, overview.week_ago, "region"),
        late_customers=late,
        last_actions_known=actions_known,
        disputes=disputes,
        title=title,
        sections=contracts.weekly_sections(
            customers=customers, as_of=as_of, since=overview.week_ago + timedelta(days=1)
        ),
    )
