"""Receivables KPIs: the DSO family, CEI and ratios, from already-aggregated numbers.

Every function takes amounts the Django side sums in SQL (AR, current AR, monthly sales) and
returns the KPI as an unrounded ``Decimal`` (days, percent or fraction as named); round for
display with ``round_kpi``. A KPI that cannot be computed (no sales, zero denominator) is
``None``, never an exception. ``sales_by_month`` and ``sales_in_period`` are the reference
aggregations over ledger items, for tests and small sets.

Sales are invoiced amounts including VAT net of credit notes, since receivables include VAT.

>>> from datetime import date
>>> from decimal import Decimal
>>> sales = {Month(year=2026, month=8): Decimal("30000"), Month(year=2026, month=9): Decimal("30000"),
...          Month(year=2026, month=10): Decimal("31000")}
>>> result = countback_dso(receivables=Decimal("46000"), monthly_sales=sales, as_of=date(2026, 10, 31))
>>> round_kpi(result.days), result.history_exhausted
(Decimal('46.00'), False)
>>> from encours.core.periods import calendar_months_period
>>> figures = period_dso(receivables=Decimal("46000"), current_receivables=Decimal("23000"),
...     period_sales=Decimal("92000"), period=calendar_months_period(as_of=date(2026, 10, 31), months=3))
>>> [round_kpi(x) for x in (figures.dso, figures.best_possible_dso, figures.average_days_delinquent)]
[Decimal('46.00'), Decimal('23.00'), Decimal('23.00')]
>>> collection_effectiveness_index(opening_receivables=Decimal("40000"), period_sales=Decimal("90000"),
...     months=3, closing_receivables=Decimal("46000"), closing_current_receivables=Decimal("22000"))
Decimal('50.0')
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from encours.core.aging import CurrencyMismatch
from encours.core.errors import ValidationFailed
from encours.core.money import ZERO
from encours.core.open_items import ItemKind, LedgerItem
from encours.core.periods import Month, Period

SALES_KINDS = frozenset({ItemKind.INVOICE, ItemKind.CREDIT_NOTE})


def round_kpi(value: Decimal, places: int = 2) -> Decimal:
    """Half-up rounding for display: 41.328 → 41.33."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    # A non-positive base (no sales, no assets, a credit balance) makes the ratio meaningless.
    return None if denominator <= 0 else numerator / denominator


def _require_days(days: int) -> None:
    if days < 1:
        raise ValidationFailed(f"a period needs at least one day, got {days}")


@dataclass(frozen=True, slots=True, kw_only=True)
class CountbackDSO:
    """Countback DSO in days (Decimal). When ``history_exhausted``, the sales history ran out
    before the AR did: ``days`` counts the whole history and is a floor, not the DSO."""

    days: Decimal
    months_counted: int
    history_exhausted: bool


def countback_dso(
    *,
    receivables: Decimal,
    monthly_sales: Mapping[Month, Decimal],
    as_of: date,
    history_start: Month | None = None,
) -> CountbackDSO:
    """Days of most recent sales that the open AR represents (exhaustion method).

    Walks back calendar months from the month of ``as_of``, which counts ``as_of.day`` days
    and must carry its sales up to ``as_of`` only. A month whose sales the AR covers adds all
    its days; the first it does not cover adds remaining / sales × days. A month with no (or
    net negative) sales adds its days and consumes nothing. Months before ``history_start``
    (default: the earliest month in ``monthly_sales``) are unknown, not zero; with no sales at
    all the history is exhausted at once. AR ≤ 0 → 0 days.
    """
    # Credit Research Foundation, countback (exhaustion) DSO.
    current = Month.of(as_of)
    first = history_start or min(monthly_sales, default=current.shifted(1))  # no sales: nothing known
    remaining, days, month, counted = receivables, ZERO, current, 0
    while remaining > 0:
        if month < first:
            return CountbackDSO(days=days, months_counted=counted, history_exhausted=True)
        month_days = as_of.day if month == current else month.days
        sales = monthly_sales.get(month, ZERO)
        counted += 1
        if sales > 0 and remaining < sales:
            # multiplying first keeps whole-day results exact in Decimal
            return CountbackDSO(
                days=days + remaining * month_days / sales, months_counted=counted, history_exhausted=False
            )
        days += month_days
        remaining -= max(sales, ZERO)
        month = month.previous()
    return CountbackDSO(days=days, months_counted=counted, history_exhausted=False)


def simple_dso(*, receivables: Decimal, period_sales: Decimal, period_days: int) -> Decimal | None:
    """AR / sales of the period × days of the period; None without positive sales."""
    # Standard DSO (AR / credit sales × days), e.g. CRF "DSO = (AR / sales) × days".
    _require_days(period_days)
    return _ratio(receivables * period_days, period_sales)


def best_possible_dso(*, current_receivables: Decimal, period_sales: Decimal, period_days: int) -> Decimal | None:
    """The DSO if every customer paid on its terms: not-due AR / sales × days."""
    # Credit Research Foundation, Best Possible DSO = current AR / credit sales × days.
    return simple_dso(receivables=current_receivables, period_sales=period_sales, period_days=period_days)


def average_days_delinquent(*, dso: Decimal, best_possible_dso: Decimal) -> Decimal:
    """Days the AR lags behind terms on average: DSO − BPDSO (= overdue AR / sales × days)."""
    # Credit Research Foundation, ADD = DSO − BPDSO.
    return dso - best_possible_dso


@dataclass(frozen=True, slots=True, kw_only=True)
class PeriodDSO:
    """Simple DSO, Best Possible DSO and Average Days Delinquent over one period, in days."""

    period: Period
    dso: Decimal
    best_possible_dso: Decimal
    average_days_delinquent: Decimal


def period_dso(
    *, receivables: Decimal, current_receivables: Decimal, period_sales: Decimal, period: Period
) -> PeriodDSO | None:
    """The three period DSO figures at once; None when the period has no positive sales.

    ``period`` is usually ``calendar_months_period(as_of=..., months=3)``; the AR figures are
    as of its end.
    """
    dso = simple_dso(receivables=receivables, period_sales=period_sales, period_days=period.days)
    best = best_possible_dso(
        current_receivables=current_receivables, period_sales=period_sales, period_days=period.days
    )
    if dso is None or best is None:
        return None
    return PeriodDSO(
        period=period,
        dso=dso,
        best_possible_dso=best,
        average_days_delinquent=average_days_delinquent(dso=dso, best_possible_dso=best),
    )


def collection_effectiveness_index(
    *,
    opening_receivables: Decimal,
    period_sales: Decimal,
    months: int,
    closing_receivables: Decimal,
    closing_current_receivables: Decimal,
) -> Decimal | None:
    """CEI in percent: the share of what was collectable over ``months`` that was collected.

    ``opening_receivables`` is the AR the day before the period starts, ``period_sales`` the
    sales of the whole period (divided by ``months`` here), the closing figures as of its end.
    None when the collectable amount (the denominator) is zero or negative.
    """
    # Credit Research Foundation CEI (also Oracle Collections):
    # (opening AR + sales/N − closing total AR) / (opening AR + sales/N − closing current AR) × 100.
    if months < 1:
        raise ValidationFailed(f"CEI needs at least one month, got {months}")
    available = opening_receivables + period_sales / months
    ratio = _ratio(available - closing_receivables, available - closing_current_receivables)
    return None if ratio is None else ratio * 100


def overdue_rate(*, overdue_receivables: Decimal, total_receivables: Decimal) -> Decimal | None:
    """Overdue AR / total AR, as a fraction (0.35 = 35 %); None when total AR ≤ 0."""
    return _ratio(overdue_receivables, total_receivables)


def unpaid_rate(*, written_off: Decimal, in_litigation: Decimal, sales: Decimal) -> Decimal | None:
    """(Written-off + litigation) / sales of the same period, as a fraction; None without sales.

    ``written_off`` counts bad-debt write-offs only (``is_bad_debt_write_off``).
    """
    return _ratio(written_off + in_litigation, sales)


# A bad-debt write-off is booked to 654 "pertes sur créances irrécouvrables" (or 6714 for an
# earlier year's sale), but an item keeps no general-ledger account: the FEC import keeps only
# the class of an entry's other accounts, so 654 looks like 658 (settlement differences) or 665
# (discounts), and the payment matcher books bank fees and discounts as credit adjustments too.
# Only the label tells: the accountant's EcritureLib ("Créance irrécouvrable X", "Perte sur
# créance", "Passage en perte") or an English "bad debt". A pattern both Python's re and
# PostgreSQL's regular expressions read the same way, matched case-insensitively.
BAD_DEBT_LABEL = r"irr[eéÉ]couvrable|pertes? sur cr[eéÉ]ances?|passages? en pertes?|bad[ -]?debts?|uncollectible"
_BAD_DEBT = re.compile(BAD_DEBT_LABEL, re.IGNORECASE)


def is_bad_debt_write_off(*, kind: str, amount: Decimal, label: str) -> bool:
    """Whether an item is written off as a bad debt: a credit adjustment whose label says so.

    >>> is_bad_debt_write_off(kind="adjustment", amount=Decimal("-1200"), label="Créance irrécouvrable C1042")
    True
    >>> is_bad_debt_write_off(kind="adjustment", amount=Decimal("-3.50"), label="bank_fee")
    False
    """
    return kind == ItemKind.ADJUSTMENT and amount < 0 and _BAD_DEBT.search(label) is not None


def receivables_share_of_assets(*, receivables: Decimal, total_assets: Decimal) -> Decimal | None:
    """AR / total assets of the balance sheet, as a fraction; None when assets ≤ 0."""
    return _ratio(receivables, total_assets)


def _single_currency(items: Iterable[LedgerItem]) -> Iterable[LedgerItem]:
    currency: str | None = None
    for item in items:
        if currency is not None and item.currency != currency:
            raise CurrencyMismatch(f"sales mix {currency} and {item.currency}: aggregate one currency")
        currency = item.currency
        yield item


def sales_by_month(*, items: Iterable[LedgerItem], as_of: date) -> dict[Month, Decimal]:
    """Invoices net of credit notes per document month, up to ``as_of`` (reference aggregate).

    The month of ``as_of`` therefore holds its sales to date, as ``countback_dso`` expects.
    Payments and adjustments are not sales. Raises CurrencyMismatch on mixed currencies.
    """
    totals: defaultdict[Month, Decimal] = defaultdict(lambda: ZERO)
    for item in _single_currency(items):
        if item.kind in SALES_KINDS and item.document_date <= as_of:
            totals[Month.of(item.document_date)] += item.amount
    return dict(sorted(totals.items()))


def sales_in_period(*, items: Iterable[LedgerItem], period: Period) -> Decimal:
    """Invoices net of credit notes dated within ``period`` (reference aggregate)."""
    return sum(
        (item.amount for item in _single_currency(items) if item.kind in SALES_KINDS and item.document_date in period),
        ZERO,
    )
