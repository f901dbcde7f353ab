"""The collectors' productivity page and its CSV / XLSX files (the shared safe writers)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from encours.accounts.permissions import can
from encours.collections.productivity import ProductivityReport, collector_productivity
from encours.core.errors import ValidationFailed
from encours.core.formats.spreadsheet import Cell, XlsxBook, csv_text
from encours.ledger.selectors import customers_for
from encours.web.params import as_of_param, parse_date

CSV_COLUMNS = ("collector_id", "collector", "customers", "customers_handled", "invoices_handled", "calls",
               "messages", "promises", "promises_kept", "collected", "overdue", "dso", "currency")  # fmt: skip
AMOUNT_FORMAT = "#,##0.00;-#,##0.00"


def _report(request: HttpRequest) -> ProductivityReport:
    if not can(request.user, "reports.view"):
        raise PermissionDenied
    end = as_of_param(request, "end")
    start = parse_date(request.GET.get("start"), name="start") or end.replace(day=1)
    if start > end:
        raise ValidationFailed("start: the period starts after it ends")
    return collector_productivity(customers=customers_for(request.user), start=start, end=end)


@login_required
def productivity(request: HttpRequest) -> HttpResponse:
    try:
        report = _report(request)
    except ValidationFailed as exc:
        return render(request, "collections/productivity.html", {"error": str(exc)}, status=400)
    return render(request, "collections/productivity.html", {"report": report, "nav": "productivity"})


def _values(report: ProductivityReport) -> list[list[object]]:
    return [
        [row.ident, row.name, row.customers, row.handled_customers, row.handled_invoices, row.calls, row.messages,
         row.promises, row.promises_kept, row.collected, row.overdue, "" if row.dso is None else row.dso, row.currency]
        for row in report.rows
    ]  # fmt: skip


@login_required
def productivity_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404("unknown format")
    report = _report(request)
    name = f"productivity-{report.start:%Y%m%d}-{report.end:%Y%m%d}"
    if fmt == "csv":
        response = HttpResponse(csv_text([list(CSV_COLUMNS), *_values(report)]), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            _xlsx(report), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _xlsx(report: ProductivityReport) -> bytes:
    book = XlsxBook()
    sheet = book.sheet(_("Productivity"))
    titles = [_("Collector"), _("Customers"), _("Customers handled"), _("Invoices handled"), _("Calls"),
              _("Messages"), _("Promises"), _("Promises kept"), _("Collected"), _("Overdue"), _("DSO"),
              _("Currency")]  # fmt: skip
    sheet.header(titles)
    for values in _values(report):
        cells: list[object] = [values[1] or _("(no collector)"), *values[2:9]]
        cells += [Cell(value=v, number_format=AMOUNT_FORMAT) if isinstance(v, Decimal) else v for v in values[9:12]]
        cells.append(values[12])
        sheet.row(cells)
    params = book.sheet(_("Parameters"))
    for label, day in ((_("From"), report.start), (_("To"), report.end)):
        params.row([Cell(value=str(label), bold=True), Cell(value=day, number_format="yyyy-mm-dd")])
    return book.to_bytes()
