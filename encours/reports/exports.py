"""Files out of the reports: CSV for scripts (the column contracts of issue 4), XLSX for people.

XLSX sheets hold plain numbers with number formats (no formulas), a bold header row frozen
with the key columns, and the report's parameters on a second sheet. Both go through the shared
writers of ``encours.core.formats.spreadsheet``: no text cell can open as a formula.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from encours.core.formats.spreadsheet import Cell, XlsxBook, csv_text
from encours.core.kpi import round_kpi
from encours.core.money import CENT
from encours.reports.selectors.aging import AgedReport
from encours.reports.selectors.kpis import KpiFigures

AMOUNT_FORMAT = "#,##0.00;-#,##0.00"
DAYS_FORMAT = "0.00"
PERCENT_FORMAT = "0.00%"
DATE_FORMAT = "yyyy-mm-dd"


def aged_balance_columns(report: AgedReport) -> list[str]:
    return ["key", "name", *(bucket.key for bucket in report.buckets), "unapplied", "total", "disputed"]


def aged_balance_csv(report: AgedReport, *, total_rows: bool = True) -> str:
    """``key,name,not_due,d1_30,…,over_120,unapplied,total,disputed``, amounts like 1234.50.

    A ``TOTAL`` line per currency closes the file (one line when the book has one currency).
    """
    lines: list[list[object]] = [aged_balance_columns(report)]
    lines.extend([row.key, row.name, *_aged_amounts(row.balance)] for row in report.rows)
    if total_rows:
        several = len(report.totals) > 1
        for currency, balance in report.totals.items():
            lines.append(["TOTAL", f"Total {currency}" if several else "Total", *_aged_amounts(balance)])
    return csv_text(lines)


def _aged_amounts(balance: Any) -> list[Decimal]:
    amounts = [*balance.buckets, balance.unapplied, balance.total, balance.disputed]
    return [amount.quantize(CENT) for amount in amounts]


def parameters_sheet(book: XlsxBook, parameters: Iterable[tuple[str, Any]]) -> None:
    sheet = book.sheet(_("Parameters"))
    sheet.widths((28, 50))
    for label, value in parameters:
        number_format = DATE_FORMAT if isinstance(value, date) else ""
        sheet.row([Cell(value=str(label), bold=True), Cell(value=value, number_format=number_format)])
    sheet.row([Cell(value=_("Generated at"), bold=True), timezone.localtime().strftime("%Y-%m-%d %H:%M")])


def aged_balance_xlsx(report: AgedReport, *, parameters: Iterable[tuple[str, Any]] = ()) -> bytes:
    book = XlsxBook()
    sheet = book.sheet(_("Aged balance"))
    sheet.freeze("C2")
    labels = [_("not due") if b.key == "not_due" else b.label for b in report.buckets]
    titles = [_("Key"), _("Name"), _("Currency"), *labels, _("Unapplied"), _("Total"), _("of which disputed")]
    sheet.widths((14, 42, 9, *([15] * (len(titles) - 3))))
    sheet.header(titles)
    for row in report.rows:
        sheet.row([row.key, row.name, row.currency, *_xlsx_amounts(row.balance)])
    for currency, balance in report.totals.items():
        sheet.row(["TOTAL", _("Total"), currency, *_xlsx_amounts(balance)], bold=True)
    parameters_sheet(book, [(_("As of"), report.as_of), (_("By"), str(report.dimension.label)), *parameters])
    return book.to_bytes()


def _xlsx_amounts(balance: Any) -> list[Cell]:
    amounts = [*balance.buckets, balance.unapplied, balance.total, balance.disputed]
    return [Cell(value=amount, number_format=AMOUNT_FORMAT) for amount in amounts]


KPI_ROWS = (
    "open_ar",
    "current_ar",
    "overdue",
    "unapplied",
    "disputed",
    "dso_countback",
    "dso_simple",
    "bpdso",
    "add",
    "cei",
    "overdue_rate",
    "unpaid_rate",
    "written_off",
    "litigation",
    "sales_period",
    "ar_share_of_assets",
)


def kpi_values(figures: KpiFigures) -> dict[str, Decimal | None]:
    """The KPI file's rows: amounts in the currency, DSO figures in days, rates in percent."""

    def percent(value: Decimal | None) -> Decimal | None:
        return None if value is None else round_kpi(value * 100)

    def days(value: Decimal | None) -> Decimal | None:
        return None if value is None else round_kpi(value)

    return {
        "open_ar": figures.open_ar,
        "current_ar": figures.current_ar,
        "overdue": figures.overdue,
        "unapplied": figures.balance.unapplied,
        "disputed": figures.balance.disputed,
        "dso_countback": days(figures.countback.days),
        "dso_simple": days(figures.dso_simple),
        "bpdso": days(figures.bpdso),
        "add": days(figures.add),
        "cei": days(figures.cei),
        "overdue_rate": percent(figures.overdue_rate),
        "unpaid_rate": percent(figures.unpaid_rate),
        "written_off": figures.written_off,
        "litigation": figures.litigation,
        "sales_period": figures.period_sales,
        "ar_share_of_assets": percent(figures.share_of_assets),
    }


def kpis_csv(figures: KpiFigures) -> str:
    """``kpi,value``; an incomputable KPI (no sales, no balance sheet…) has an empty value."""
    values = kpi_values(figures).items()
    return csv_text(
        [("kpi", "value"), *((name, None if value is None else value.quantize(CENT)) for name, value in values)]
    )
