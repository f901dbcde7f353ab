"""The cash forecast as an XLSX workbook: the weeks per entity and currency, then accuracy."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from encours.core.formats.spreadsheet import Cell, XlsxBook

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"


def _money(*amounts: Any) -> list[Cell]:
    return [Cell(value=amount, number_format=MONEY_FORMAT) for amount in amounts]


def forecast_xlsx(context: dict[str, Any]) -> bytes:
    book = XlsxBook()
    sheet = book.sheet(_("Cash forecast"))
    sheet.widths((32,))
    sheet.row([_("Cash-in forecast as of %(date)s") % {"date": context["as_of"].isoformat()}])
    model = context.get("model")
    if model is not None:
        sheet.row([_("Payment dates from"), model.get_source_display(), str(model.trained_on)])
    sheet.row([])
    sheet.row([
        _("Legal entity"), _("Currency"), _("Week starting"), _("Expected"), _("of which open orders"),
        _("Low (p10)"), _("High (p90)"), _("Cumulative expected"),
    ], bold=True)  # fmt: skip
    for entry in context["series"]:
        series = entry["series"]
        for week in series.weeks:
            sheet.row(
                [
                    entry["entity_name"],
                    series.currency,
                    Cell(value=week.week_start, number_format=DATE_FORMAT),
                    *_money(week.expected, week.expected_from_orders, week.low, week.high, week.cumulative_expected),
                ]
            )
        sheet.row([entry["entity_name"], series.currency, _("Beyond 13 weeks"), *_money(series.beyond_horizon)])
    accuracy = book.sheet(_("Accuracy"))
    accuracy.row(
        [_("Legal entity"), _("Currency"), _("Week starting"), _("Forecast"), _("Actual"), _("Error")], bold=True
    )
    for entry in context["accuracy"]:
        row = entry["row"]
        for week in row.accuracy.weeks:
            accuracy.row([entry["entity_name"], row.currency, week.week_start, week.forecast, week.actual, week.error])
    return book.to_bytes()
