"""The cash forecast as an XLSX workbook: the weeks per entity and currency, then accuracy."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

MONEY_FORMAT = "#,##0.00"


def _header(sheet: Any, titles: list[str]) -> None:
    sheet.append(titles)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def forecast_xlsx(context: dict[str, Any]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Cash forecast")[:31]
    sheet.append([_("Cash-in forecast as of %(date)s") % {"date": context["as_of"].isoformat()}])
    model = context.get("model")
    if model is not None:
        sheet.append([_("Payment dates from"), model.get_source_display(), str(model.trained_on)])
    sheet.append([])
    _header(sheet, [
        _("Legal entity"), _("Currency"), _("Week starting"), _("Expected"), _("of which open orders"),
        _("Low (p10)"), _("High (p90)"), _("Cumulative expected"),
    ])  # fmt: skip
    for entry in context["series"]:
        series = entry["series"]
        for week in series.weeks:
            sheet.append([
                entry["entity_name"], series.currency, week.week_start, week.expected, week.expected_from_orders,
                week.low, week.high, week.cumulative_expected,
            ])  # fmt: skip
        sheet.append([entry["entity_name"], series.currency, _("Beyond 13 weeks"), series.beyond_horizon])
    for row in sheet.iter_rows(min_row=4):
        for cell in row[3:]:
            cell.number_format = MONEY_FORMAT
        row[2].number_format = "yyyy-mm-dd"
    sheet.column_dimensions["A"].width = 32
    accuracy = book.create_sheet(_("Accuracy")[:31])
    _header(accuracy, [_("Legal entity"), _("Currency"), _("Week starting"), _("Forecast"), _("Actual"), _("Error")])
    for entry in context["accuracy"]:
        row = entry["row"]
        for week in row.accuracy.weeks:
            accuracy.append(
                [entry["entity_name"], row.currency, week.week_start, week.forecast, week.actual, week.error]
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
