"""The DSO family, CEI, overdue and unpaid rates per dimension (their monthly series: ``series``).

SQL aggregates the ledger (aged balance, monthly movements, litigation, balance sheets); the
formulas are ``encours.core.kpi``'s. Conventions (issue 4): sales are invoices net of credit
notes incl. VAT; the countback walks back calendar months from the month of the date, which
counts its days up to the date; simple DSO, BPDSO, ADD and CEI use the three calendar months
ending with the month of the date (cut at the date); the unpaid rate uses twelve.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet

from encours import contracts
from encours.core.aging import AgedBalance
from encours.core.errors import ValidationFailed
from encours.core.kpi import (
    CountbackDSO,
    PeriodDSO,
    collection_effectiveness_index,
    countback_dso,
    overdue_rate,
    period_dso,
    receivables_share_of_assets,
    unpaid_rate,
)
from encours.core.money import ZERO, quantize
from encours.core.periods import Month, Period, calendar_months_period
from encours.ledger.models import Customer, LegalEntity
from encours.ledger.queries import allocations_after
from encours.ledger.sql import functional, items_open_on, money_sum
from encours.reports.dimensions import Dimension, dimension
from encours.reports.selectors.aging import AgedReport, aged_balance
from encours.reports.selectors.movements import (
    GroupKey,
    GroupMovements,
    GroupSales,
    MovementWindow,
    SalesWindow,
    history_starts_before,
    monthly_sales,
    sales_window,
)

PERIOD_MONTHS = 3
UNPAID_MONTHS = 12
COUNTBACK_WINDOWS = (4, 12, 24)  # months read, older ones only for the groups that need them
_FILTER_LIMIT = 500  # above this many groups to widen, re-read them all rather than list them
_IDS_LIMIT = 30_000  # customer ids listed in one IN (below SQLite's 32 766 parameters)


@dataclass(frozen=True, slots=True)
class KpiFigures:
    """Every KPI of one group (or the whole scope) in one currency, as of a date."""

    as_of: date
    currency: str
    balance: AgedBalance
    countback: CountbackDSO
    period: Period
    period_sales: Decimal
    period_dso: PeriodDSO | None
    opening_receivables: Decimal
    cei: Decimal | None
    unpaid_period: Period
    unpaid_sales: Decimal
    written_off: Decimal
    litigation: Decimal | None
    total_assets: Decimal | None = None

    @property
    def open_ar(self) -> Decimal:
        return self.balance.total

    @property
    def current_ar(self) -> Decimal:
        return self.balance.not_due

    @property
    def overdue(self) -> Decimal:
        return self.balance.overdue

    @property
    def overdue_rate(self) -> Decimal | None:
        return overdue_rate(overdue_receivables=self.balance.overdue, total_receivables=self.balance.total)

    @property
    def unpaid_rate(self) -> Decimal | None:
        return unpaid_rate(written_off=self.written_off, in_litigation=self.litigation or ZERO, sales=self.unpaid_sales)

    @property
    def share_of_assets(self) -> Decimal | None:
        if self.total_assets is None:
            return None
        return receivables_share_of_assets(receivables=self.balance.total, total_assets=self.total_assets)

    @property
    def dso_simple(self) -> Decimal | None:
        return self.period_dso.dso if self.period_dso else None

    @property
    def bpdso(self) -> Decimal | None:
        return self.period_dso.best_possible_dso if self.period_dso else None

    @property
    def add(self) -> Decimal | None:
        return self.period_dso.average_days_delinquent if self.period_dso else None


@dataclass(frozen=True, slots=True)
class KpiRow:
    ident: str
    key: str
    name: str
    figures: KpiFigures


@dataclass(frozen=True, slots=True)
class KpiReport:
    as_of: date
    dimension: Dimension
    rows: tuple[KpiRow, ...]
    litigation_known: bool


def kpis(
    *,
    customers: QuerySet[Customer],
    as_of: date,
    by: str | None = None,
    months: int = PERIOD_MONTHS,
    unpaid_months: int = UNPAID_MONTHS,
    movements: MovementWindow | None = None,
    aged: AgedReport | None = None,
) -> KpiReport:
    """Every KPI per ``by`` (None: the whole scope, one row per currency), as of ``as_of``.

    ``aged`` (same ``by``) and, for the whole scope, ``movements`` (≥ ``unpaid_months``) may be
    passed when the caller already read them.
    """
    dim = dimension(by)
    current = not allocations_after(as_of)
    period = calendar_months_period(as_of=as_of, months=months)
    unpaid_period = calendar_months_period(as_of=as_of, months=unpaid_months)
    sums = {"net_period": ("net", period), "written_off": ("written_off", unpaid_period)}
    window_months = max(months, unpaid_months)
    aged = aged or aged_balance(customers=customers, as_of=as_of, by=by, current_state=current)
    if movements is not None and dim.name == "total" and movements.months >= window_months:
        window = SalesWindow.of_movements(movements, sums)
    else:
        window = sales_window(customers=customers, dim=dim, as_of=as_of, months=window_months, sums=sums)
    entries = {(row.ident, row.currency): (row.key, row.name, row.balance) for row in aged.rows}
    for group, sold in window.groups.items():
        if group not in entries:  # nothing open, but sales in the window: DSO 0, CEI and rates still mean something
            entries[group] = (dim.key(sold.row) or "", dim.title(sold.row), AgedBalance.empty(sold.currency))
    receivables = {group: balance.total for group, (_, _, balance) in entries.items()}
    countbacks = countbacks_by(customers=customers, dim=dim, receivables=receivables, window=window)
    litigation = _litigation(customers, dim, as_of, current)
    assets = _total_assets(customers, dim)
    rows = []
    for group, (key, name, balance) in sorted(entries.items(), key=lambda entry: (entry[1][0], entry[1][1], entry[0])):
        figures = _figures(
            as_of=as_of,
            balance=balance,
            sold=window.groups.get(group),
            countback=countbacks[group],
            period=period,
            months=months,
            unpaid_period=unpaid_period,
            litigation=None if litigation is None else litigation.get(group, ZERO),
            total_assets=assets.get(group),
        )
        rows.append(KpiRow(group[0], key, name, figures))
    return KpiReport(as_of, dim, tuple(rows), litigation is not None)


def _figures(
    *,
    as_of: date,
    balance: AgedBalance,
    sold: GroupSales | None,
    countback: CountbackDSO,
    period: Period,
    months: int,
    unpaid_period: Period,
    litigation: Decimal | None,
    total_assets: Decimal | None,
) -> KpiFigures:
    sales = sold.sales_in(period) if sold else ZERO
    opening = balance.total - (sold.sums["net_period"] if sold else ZERO)
    cei = collection_effectiveness_index(
        opening_receivables=opening,
        period_sales=sales,
        months=months,
        closing_receivables=balance.total,
        closing_current_receivables=balance.not_due,
    )
    return KpiFigures(
        as_of=as_of,
        currency=balance.currency,
        balance=balance,
        countback=countback,
        period=period,
        period_sales=sales,
        period_dso=period_dso(
            receivables=balance.total, current_receivables=balance.not_due, period_sales=sales, period=period
        ),
        opening_receivables=opening,
        cei=cei,
        unpaid_period=unpaid_period,
        unpaid_sales=sold.sales_in(unpaid_period) if sold else ZERO,
        written_off=sold.sums["written_off"] if sold else ZERO,
        litigation=None if litigation is None else quantize(litigation, balance.currency),
        total_assets=total_assets,
    )


def figures_from_movements(
    *,
    as_of: date,
    balance: AgedBalance,
    moved: GroupMovements | None,
    countback: CountbackDSO,
    months: int = PERIOD_MONTHS,
    unpaid_months: int = UNPAID_MONTHS,
) -> KpiFigures:
    """One currency's KPIs as of ``as_of`` from its aged balance on that date and its monthly
    movements up to it (no item dated later), without a query; litigation and assets unknown."""
    period = calendar_months_period(as_of=as_of, months=months)
    unpaid_period = calendar_months_period(as_of=as_of, months=unpaid_months)
    sold = None
    if moved is not None:
        sums = {"net_period": moved.total(period, "net"), "written_off": moved.total(unpaid_period, "written_off")}
        sold = GroupSales(moved.row, moved.currency, moved.sales_by_month(up_to=Month.of(as_of)), sums)
    return _figures(
        as_of=as_of,
        balance=balance,
        sold=sold,
        countback=countback,
        period=period,
        months=months,
        unpaid_period=unpaid_period,
        litigation=None,
        total_assets=None,
    )


def countbacks_by(
    *,
    customers: QuerySet[Customer],
    dim: Dimension,
    receivables: dict[GroupKey, Decimal],
    window: SalesWindow,
) -> dict[GroupKey, CountbackDSO]:
    """Countback DSO per group; the months before the window are read only for the groups
    whose receivables outlast it, and only those months."""
    as_of = window.as_of
    sales = {group: dict(sold.sales) for group, sold in window.groups.items()}
    fetched, older, history = window.months, window.older_history, window.history_start
    wider = [months for months in COUNTBACK_WINDOWS if months > fetched]
    results: dict[GroupKey, CountbackDSO] = {}
    pending = dict(receivables)
    while True:
        for group, ar in pending.items():
            results[group] = countback_dso(
                receivables=ar, monthly_sales=sales.get(group, {}), as_of=as_of, history_start=history
            )
        pending = {group: ar for group, ar in pending.items() if results[group].history_exhausted}
        if not (older and wider and pending):
            return results
        months = wider.pop(0)
        first = Month.of(as_of).shifted(-(months - 1))
        extra = monthly_sales(
            customers=customers,
            dim=dim,
            start=first.first_day,
            end=Month.of(as_of).shifted(-(fetched - 1)).first_day - timedelta(days=1),
            only=_only(dim, pending),
        )
        for group, by_month in extra.items():
            sales.setdefault(group, {}).update(by_month)
        fetched, older = months, history_starts_before(customers=customers, day=first.first_day)
        history = first if older else min((m for by_month in sales.values() for m in by_month), default=first)


def _only(dim: Dimension, groups: Iterable[GroupKey]) -> Q | None:
    """A filter on the pending groups, or None (read them all) when they are too many to list."""
    idents = {group[0] for group in groups}
    if dim.name == "customer" and len(idents) <= _IDS_LIMIT:
        return Q(customer_id__in=sorted(int(ident) for ident in idents))
    if len(idents) > _FILTER_LIMIT:
        return None
    condition = Q(pk__in=[])
    for ident in idents:
        condition |= dim.filter(ident)
    return condition


def _litigation(
    customers: QuerySet[Customer], dim: Dimension, as_of: date, current: bool
) -> dict[GroupKey, Decimal] | None:
    """Open amount on ``as_of`` of the items in litigation per group; None without a provider."""
    in_litigation = contracts.litigation_items(as_of=as_of)
    if in_litigation is None:
        return None
    if not in_litigation:
        return {}
    items = items_open_on(customers=customers, as_of=as_of, current_state=current).filter(
        pk__in_array=sorted(in_litigation)
    )
    amount = functional(F("open_on")) if dim.functional else F("open_on")
    rows = items.values(**dim.fields, row_currency=F(dim.currency_field)).annotate(amount=money_sum(amount))
    return {(dim.ident(row), row["row_currency"]): row["amount"] for row in rows.order_by()}


def _total_assets(customers: QuerySet[Customer], dim: Dimension) -> dict[GroupKey, Decimal]:
    """Total assets of the last balance sheet: per entity, or summed over the entities in scope."""
    if dim.name not in {"entity", "total"}:
        return {}
    entities = list(
        LegalEntity.objects.filter(pk__in=customers.values("entity_id")).values("pk", "currency", "total_assets")
    )
    if dim.name == "entity":
        return {(str(e["pk"]), e["currency"]): e["total_assets"] for e in entities if e["total_assets"] is not None}
    currencies = {e["currency"] for e in entities}
    if not entities or len(currencies) != 1 or any(e["total_assets"] is None for e in entities):
        return {}
    return {("all", currencies.pop()): sum((e["total_assets"] for e in entities), ZERO)}


def scope_figures(*, customers: QuerySet[Customer], as_of: date, **options: Any) -> KpiFigures:
    """The KPIs of a whole single-currency scope (a KPI file); zeros when the book is empty."""
    report = kpis(customers=customers, as_of=as_of, **options)
    if len(report.rows) > 1:
        currencies = ", ".join(row.figures.currency for row in report.rows)
        raise ValidationFailed(f"the scope mixes currencies ({currencies}): choose one legal entity")
    if report.rows:
        return report.rows[0].figures
    currency = LegalEntity.objects.filter(pk__in=customers.values("entity_id")).values_list("currency", flat=True)
    empty = AgedBalance.empty(next(iter(currency), "EUR"))
    period = calendar_months_period(as_of=as_of, months=options.get("months", PERIOD_MONTHS))
    unpaid_period = calendar_months_period(as_of=as_of, months=options.get("unpaid_months", UNPAID_MONTHS))
    return _figures(
        as_of=as_of,
        balance=empty,
        sold=None,
        countback=countback_dso(receivables=ZERO, monthly_sales={}, as_of=as_of),
        period=period,
        months=options.get("months", PERIOD_MONTHS),
        unpaid_period=unpaid_period,
        litigation=None if not report.litigation_known else ZERO,
        total_assets=None,
    )
