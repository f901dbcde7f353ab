"""The collectors' productivity over a period: what each did on his portfolio and what came of it.

A customer belongs to the collector named on it (``Customer.collector``); per collector and period
[start, end]: customers handled (a call done, a message sent or a promise recorded), invoices handled
(covered by an executed dunning step or a promise), calls done, messages sent, promises obtained and
how many were kept, cash collected on his customers (payments dated in the period, functional
currency), and, as of ``end``, the overdue amount and countback DSO of his portfolio (the reports'
aged balance and KPIs cut by the collector dimension). A handful of grouped queries, one per figure.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, F, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from encours.collections.models import CallTask, DunningMessage, ExecutedStep, Promise
from encours.contracts import WeeklySection
from encours.core.money import ZERO, format_amount, quantize
from encours.ledger.models import Customer, Item, ItemType
from encours.ledger.sql import functional, money_sum
from encours.reports.selectors.kpis import kpis

NONE = "none"  # the customers without a collector


@dataclass(frozen=True, slots=True)
class CollectorRow:
    ident: str
    name: str
    customers: int
    handled_customers: int
    handled_invoices: int
    calls: int
    messages: int
    promises: int
    promises_kept: int
    collected: Decimal
    overdue: Decimal
    dso: Decimal | None
    currency: str

    @property
    def kept_rate(self) -> Decimal | None:
        return (Decimal(self.promises_kept) / self.promises).quantize(Decimal("0.001")) if self.promises else None


@dataclass(frozen=True, slots=True)
class ProductivityReport:
    start: date
    end: date
    rows: tuple[CollectorRow, ...]


def _key(value: Any) -> str:
    return str(value) if value is not None else NONE


def _count(rows: QuerySet[Any], field: str = "pk") -> dict[str, int]:
    grouped = rows.values(collector=F("customer__collector_id")).annotate(n=Count(field, distinct=True)).order_by()
    return {_key(row["collector"]): row["n"] for row in grouped}


def collector_productivity(*, customers: QuerySet[Customer], start: date, end: date) -> ProductivityReport:
    """One row per collector of ``customers`` (and one for the customers without any)."""
    calls = CallTask.objects.filter(customer__in=customers, done_on__gte=start, done_on__lte=end)
    messages = DunningMessage.objects.filter(
        customer__in=customers, executed_on__gte=start, executed_on__lte=end, status=DunningMessage.Status.SENT
    )
    promises = Promise.objects.filter(customer__in=customers, created_on__gte=start, created_on__lte=end)
    steps = ExecutedStep.objects.filter(
        item__customer__in=customers, executed_on__gte=start, executed_on__lte=end, skipped=False
    )
    handled: dict[str, set[int]] = defaultdict(set)
    for source in (calls, messages, promises):
        for collector, customer_id in source.values_list("customer__collector_id", "customer_id").distinct():
            handled[_key(collector)].add(customer_id)
    invoices: dict[str, set[int]] = defaultdict(set)
    for collector, item_id in steps.values_list("item__customer__collector_id", "item_id").distinct():
        invoices[_key(collector)].add(item_id)
    for collector, item_id in promises.values_list("customer__collector_id", "items").distinct():
        if item_id is not None:
            invoices[_key(collector)].add(item_id)
    payments = (
        Item.objects.filter(customer__in=customers, type=ItemType.PAYMENT, document_date__gte=start,
                            document_date__lte=end)
        .values(collector=F("customer__collector_id"))
        .annotate(total=money_sum(functional(-F("amount"))))
        .order_by()
    )  # fmt: skip
    collected = {_key(row["collector"]): row["total"] for row in payments}
    portfolio = {
        _key(row["collector"]): row["n"] for row in customers.values("collector").annotate(n=Count("pk")).order_by()
    }
    figures = _portfolio_figures(customers, end)
    counts = {"calls": _count(calls), "messages": _count(messages), "promises": _count(promises),
              "kept": _count(promises.filter(status=Promise.Status.KEPT))}  # fmt: skip
    names = _names([ident for ident in portfolio if ident != NONE])
    rows = []
    for ident in sorted(portfolio, key=lambda i: (i == NONE, names.get(i, ""))):
        overdue, dso, currency = figures.get(ident, (ZERO, None, ""))
        rows.append(CollectorRow(
            ident=ident, name=names.get(ident, ""), customers=portfolio[ident],
            handled_customers=len(handled.get(ident, ())), handled_invoices=len(invoices.get(ident, ())),
            calls=counts["calls"].get(ident, 0), messages=counts["messages"].get(ident, 0),
            promises=counts["promises"].get(ident, 0), promises_kept=counts["kept"].get(ident, 0),
            collected=quantize(collected.get(ident) or ZERO), overdue=overdue, dso=dso, currency=currency,
        ))  # fmt: skip
    return ProductivityReport(start, end, tuple(rows))


def _names(idents: list[str]) -> dict[str, str]:
    users = get_user_model().objects.filter(pk__in=[int(i) for i in idents])
    return {str(u.pk): (u.get_full_name() or u.get_username()) for u in users}


def _portfolio_figures(customers: QuerySet[Customer], end: date) -> dict[str, tuple[Decimal, Decimal | None, str]]:
    """Overdue and countback DSO as of ``end`` per collector (the currency with the most open AR)."""
    found: dict[str, tuple[Decimal, Decimal | None, str]] = {}
    best: dict[str, Decimal] = {}
    for row in kpis(customers=customers, as_of=end, by="collector").rows:
        figures = row.figures
        if row.ident in best and best[row.ident] >= figures.open_ar:
            continue
        best[row.ident] = figures.open_ar
        found[row.ident] = (figures.balance.overdue, figures.countback.days, figures.currency)
    return found


def productivity_section(*, customers: QuerySet[Customer], as_of: date, since: date) -> WeeklySection | None:
    """The week's work per collector: one line each."""
    report = collector_productivity(customers=customers, start=since, end=as_of)
    language = translation.get_language() or "fr"
    lines = []
    for row in report.rows:
        if row.ident == NONE and not (row.calls or row.messages or row.promises):
            continue
        collected = format_amount(row.collected, row.currency or "EUR", lang=language)
        overdue = format_amount(row.overdue, row.currency or "EUR", lang=language)
        dso = f"{row.dso:.0f}" if row.dso is not None else "—"
        value = _(
            "%(customers)d customers handled, %(calls)d calls, %(messages)d messages, %(promises)d promises "
            "(%(kept)d kept), %(collected)s collected; overdue %(overdue)s, DSO %(dso)s days"
        ) % {"customers": row.handled_customers, "calls": row.calls, "messages": row.messages,
             "promises": row.promises, "kept": row.promises_kept, "collected": collected, "overdue": overdue,
             "dso": dso}  # fmt: skip
        lines.append((row.name or _("(no collector)"), value))
    if not lines:
        return None
    return WeeklySection(key="productivity", title=_("Collectors' productivity"), lines=tuple(lines))
