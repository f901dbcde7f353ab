from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from encours.accounts.permissions import can
from encours.core.aging import CurrencyMismatch, aging_buckets
from encours.core.errors import EncoursError
from encours.core.payment_behaviour import sector_of
from encours.ledger.caching import kept
from encours.ledger.models import Customer
from encours.ledger.selectors import customers_for
from encours.reports import charts
from encours.reports.dimensions import customers_in, dimension
from encours.reports.documents import weekly_context, weekly_pdf, weekly_xlsx
from encours.reports.exports import aged_balance_csv, aged_balance_xlsx
from encours.reports.forms import ReportForm, ReportParams
from encours.reports.selectors import behaviour as behaviour_selectors
from encours.reports.selectors.aging import aged_balance as aged_balance_of
from encours.reports.selectors.aging import aged_items as aged_items_of
from encours.reports.selectors.dashboard import dashboard as dashboard_of
from encours.reports.selectors.kpis import KpiReport, KpiRow
from encours.reports.selectors.kpis import kpis as kpis_of
from encours.reports.selectors.movements import movement_window
from encours.reports.selectors.scope import require_one_currency, sector_customers
from encours.reports.selectors.series import KpiSeries, kpi_series, series_window_months
from encours.reports.selectors.weekly import weekly_report
from encours.reports.sorting import sort_aged_rows, sort_kpi_rows
from encours.web.params import as_of_param
from encours.web.refusals import refusal_text

PAGE_SIZE = 100


def _require_reports(request: HttpRequest) -> None:
    if not can(request.user, "reports.view"):  # type: ignore[arg-type]
        raise PermissionDenied


def _scope(request: HttpRequest, params: ReportParams) -> QuerySet[Customer]:
    customers = customers_for(request.user)
    return customers.filter(entity=params.entity) if params.entity else customers


def _download(content: str | bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    as_of = as_of_param(request)
    customers = customers_for(request.user)
    data = kept(
        "dashboard",
        customers=customers,
        parts=(as_of, request.user.pk),
        compute=lambda: dashboard_of(customers=customers, user=request.user, as_of=as_of),
        fresh=bool(request.GET.get("refresh")),
    )
    context: dict[str, Any] = {
        "data": data,
        "as_of": as_of,
        "main": data.main,
        "can_reports": can(request.user, "reports.view"),  # type: ignore[arg-type]
    }
    if data.main is not None:
        balance = data.main.figures.balance
        context["chart_data"] = {
            "aging": charts.aging_data(balance, aging_buckets(edges=balance.edges)),
            "dso": charts.dso_data(data.main.series) if data.main.series else None,
        }
    return render(request, "reports/dashboard.html", context)


@login_required
def aged_balance(request: HttpRequest) -> HttpResponse:
    _require_reports(request)
    form = ReportForm(request.GET or None, user=request.user)
    params = form.params()
    report = aged_balance_of(customers=_scope(request, params), as_of=params.as_of, by=params.by, edges=params.edges)
    sort = request.GET.get("sort", "key")
    rows = sort_aged_rows(report.rows, sort)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "params": params, "report": report, "page": page, "sort": sort}
    return render(request, "reports/aged_balance.html", context)


@login_required
def aged_balance_export(request: HttpRequest, fmt: str) -> HttpResponse:
    _require_reports(request)
    params = ReportForm(request.GET or None, user=request.user).params()
    customers = _scope(request, params)
    if fmt == "csv" and params.by != "currency":  # the currency view's keys are currencies: no mix
        try:
            require_one_currency(customers=customers)
        except CurrencyMismatch:
            messages.error(
                request,
                _(
                    "The legal entities in this scope keep their books in different currencies and the CSV file "
                    "has no currency column: choose one legal entity, or download the XLSX file."
                ),
            )
            return redirect(f"{reverse('reports:aged_balance')}?{params.encoded()}")
    report = aged_balance_of(customers=customers, as_of=params.as_of, by=params.by, edges=params.edges)
    name = f"aged-balance-{params.by}-{params.as_of.isoformat()}"
    if fmt == "csv":
        return _download(aged_balance_csv(report), f"{name}.csv", "text/csv; charset=utf-8")
    entity = params.entity.name if params.entity else _("All entities")
    content = aged_balance_xlsx(report, parameters=[(_("Legal entity"), entity)])
    return _download(content, f"{name}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@login_required
def aged_items(request: HttpRequest) -> HttpResponse:
    _require_reports(request)
    params = ReportForm(request.GET or None, user=request.user).params()
    by = request.GET.get("by") or ""
    column = request.GET.get("column", "")
    currency = request.GET.get("currency", "").strip().upper()[:3]
    try:
        items = aged_items_of(
            customers=_scope(request, params),
            as_of=params.as_of,
            by=by or None,
            ident=request.GET.get("key", ""),
            column=column,
            currency=currency,
            edges=params.edges,
        )
    except EncoursError as exc:
        messages.error(request, refusal_text(exc))
        items = None
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page")) if items is not None else None
    labels = dict(
        zip(
            [b.key for b in aging_buckets(edges=params.edges)],
            charts.bucket_labels(aging_buckets(edges=params.edges)),
            strict=True,
        )
    )
    labels.update(
        {
            "unapplied": _("Unapplied"),
            "overdue": _("Overdue"),
            "disputed": _("Disputed"),
            "total": _("Total"),
            "": _("Total"),
        }
    )
    context = {
        "params": params,
        "page": page,
        "column": column,
        "currency": currency,
        "column_label": labels.get(column, column),
        "name": request.GET.get("name", ""),
        "back": params.encoded(by=by) if by else params.encoded(),
    }
    return render(request, "reports/aged_items.html", context)


@login_required
def kpis(request: HttpRequest) -> HttpResponse:
    _require_reports(request)
    form = ReportForm(request.GET or None, user=request.user, default_by="entity")
    params = form.params()
    customers = _scope(request, params)
    key = request.GET.get("key", "")
    page_data = kept(
        "kpis",
        customers=customers,
        parts=(params.as_of, params.by, key),
        compute=lambda: _kpi_page(customers, params.as_of, params.by, key),
        fresh=bool(request.GET.get("refresh")),
    )
    report = KpiReport(page_data.as_of, dimension(params.by), page_data.rows, page_data.litigation_known)
    sort = request.GET.get("sort", "key")
    page = Paginator(sort_kpi_rows(report.rows, sort), PAGE_SIZE).get_page(request.GET.get("page"))
    main = page_data.series
    context = {
        "form": form,
        "params": params,
        "report": report,
        "totals": page_data.totals,
        "page": page,
        "sort": sort,
        "focus": page_data.focus,
        "series": main,
        "chart_data": {"dso": charts.dso_data(main)} if main else None,
    }
    return render(request, "reports/kpis.html", context)


@dataclass(frozen=True, slots=True)
class KpiPage:
    """What the KPI page computes, kept in the report cache (rows without their dimension, whose
    functions do not pickle)."""

    as_of: date
    rows: tuple[KpiRow, ...]
    litigation_known: bool
    totals: tuple[KpiRow, ...]
    focus: KpiRow | None
    series: KpiSeries | None


def _kpi_page(customers: QuerySet[Customer], as_of: date, by: str | None, key: str) -> KpiPage:
    """The rows by ``by``, the totals and the monthly series of the scope (or of the row
    ``key``); the scope's aged balance and movements are read once for the totals and the series."""
    report = kpis_of(customers=customers, as_of=as_of, by=by)
    aged_now = aged_balance_of(customers=customers, as_of=as_of)
    window = movement_window(
        customers=customers, dim=dimension(None), as_of=as_of, months=series_window_months(12, full=True)
    )
    totals = kpis_of(customers=customers, as_of=as_of, aged=aged_now, movements=window)
    focus = _focus(report, key)
    if focus is None:
        series = kpi_series(
            customers=customers,
            as_of=as_of,
            full=True,
            aged_now=aged_now,
            window=window,
            total_assets=_series_assets(report, focus, totals),
        )
    else:
        series = kpi_series(
            customers=customers_in(report.dimension, focus.ident, customers),
            as_of=as_of,
            full=True,
            total_assets=_series_assets(report, focus, totals),
        )
    main = max(series.values(), key=lambda s: abs(s.points[-1].receivables), default=None) if series else None
    return KpiPage(report.as_of, report.rows, report.litigation_known, totals.rows, focus, main)


def _series_assets(report: Any, focus: Any, totals: Any) -> dict[str, Decimal | None]:
    """Total assets of the series' scope, as the table has them: the whole scope's, or the
    focused entity's; none for a region, a rep… (a share of which balance sheet?)."""
    if focus is None:
        return {row.figures.currency: row.figures.total_assets for row in totals.rows}
    if report.dimension.name == "entity":
        return {focus.figures.currency: focus.figures.total_assets}
    return {}


def _focus(report: Any, ident: str) -> Any:
    """The row whose monthly series is shown (``?key=``), None for the whole scope."""
    return next((row for row in report.rows if ident and row.ident == ident), None)


@login_required
def payment_behaviour(request: HttpRequest) -> HttpResponse:
    _require_reports(request)
    form = ReportForm(request.GET or None, user=request.user)
    params = form.params()
    customers = _scope(request, params)
    by_customer = behaviour_selectors.days_late_by_customer(customers=customers, as_of=params.as_of)
    sectors = behaviour_selectors.sector_figures(customers=sector_customers(user=request.user), as_of=params.as_of)
    ranked = sorted(
        by_customer.items(),
        key=lambda entry: -(entry[1][0].weighted_days_late if entry[1][0] else Decimal(-(10**6))),
    )
    page = Paginator(ranked, PAGE_SIZE).get_page(request.GET.get("page"))
    names = customers.filter(pk__in=[pk for pk, _ in page]).select_related("entity").in_bulk()
    lines = []
    for pk, (year, trend) in page:
        customer = names[pk]
        lines.append(
            {
                "customer": customer,
                "year": year,
                "trend": trend,
                "sector": behaviour_selectors.sector_figure(naf_code=customer.naf_code, sectors=sectors),
                "division": sector_of(customer.naf_code),
            }
        )
    context = {"form": form, "params": params, "page": page, "lines": lines, "sectors": sectors.values()}
    return render(request, "reports/behaviour.html", context)


@login_required
def weekly(request: HttpRequest) -> HttpResponse:
    _require_reports(request)
    form = ReportForm(request.GET or None, user=request.user)
    params = form.params()
    title = params.entity.name if params.entity else _("All legal entities in your scope")
    report = weekly_report(customers=_scope(request, params), as_of=params.as_of, title=title)
    fmt = request.GET.get("format", "")
    name = f"weekly-report-{params.as_of.isoformat()}"
    if fmt == "pdf":
        return _download(weekly_pdf(report), f"{name}.pdf", "application/pdf")
    if fmt == "xlsx":
        return _download(
            weekly_xlsx(report), f"{name}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    context = {**weekly_context(report, charts=False), "form": form, "params": params}
    main = report.overview.main
    if main is not None:
        balance = main.figures.balance
        context["chart_data"] = {
            "aging": charts.aging_data(balance, aging_buckets(edges=balance.edges)),
            "dso": charts.dso_data(main.series) if main.series else None,
        }
    return render(request, "reports/weekly.html", context)
