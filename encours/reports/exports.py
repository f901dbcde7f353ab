"""Files out of the reports: CSV for scripts (the column contracts of issue 4), XLSX for people.

XLSX sheets hold plain numbers with number formats (no formulas), a bold header row frozen
with the key columns, and the report's parameters on a second sheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from encours.core.kpi import round_kpi
from encours.core.money import CENT
from encours.reports.selectors.aging import AgedReport
from encours.reports.selectors.kpis import KpiFigures

AMOUNT_FORMAT = "#,##0.00;-#,##0.00"
DAYS_FORMAT = "0.00"
PERCENT_FORMAT = "0.00%"
DATE_FORMAT = "yyyy-mm-dd"
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
BOLD = Font(bold=True)


def _two_places(amount: Decimal) -> str:
    return f"{amount.quantize(CENT):.2f}"


def aged_balance_columns(report: AgedReport) -> list[str]:
    return ["key", "name", *(bucket.key for bucket in report.buckets), "unapplied", "total", "disputed"]


def aged_balance_csv(report: AgedReport, *, total_rows: bool = True) -> str:
    """``key,name,not_due,d1_30,…,over_120,unapplied,total,disputed``, amounts like 1234.50.

    A ``TOTAL`` line per currency closes the file (one line when the book has one currency).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(aged_balance_columns(report))
    for row in report.rows:
        writer.writerow([row.key, row.name, *_aged_amounts(row.balance)])
    if total_rows:
        several = len(report.totals) > 1
        for currency, balance in report.totals.items():
            writer.writerow(["TOTAL", f"Total {currency}" if several else "Total", *_aged_amounts(balance)])
    return out.getvalue()


def _aged_amounts(balance: Any) -> list[str]:
    amounts = [*balance.buckets, balance.unapplied, balance.total, balance.disputed]
    return [_two_places(amount) for amount in amounts]


def cell(sheet: WriteOnlyWorksheet, value: Any, number_format: str = "", font: Font | None = None) -> WriteOnlyCell:
    written = WriteOnlyCell(sheet, value=value)
    if number_format:
        written.number_format = number_format
    if font is not None:
        written.font = font
    return written


def header_row(sheet: WriteOnlyWorksheet, titles: Sequence[str]) -> list[WriteOnlyCell]:
    cells = []
    for title in titles:
        written = cell(sheet, title, font=HEADER_FONT)
        written.fill = HEADER_FILL
        written.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cells.append(written)
    return cells


def set_widths(sheet: WriteOnlyWorksheet, widths: Sequence[float]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def parameters_sheet(workbook: Workbook, parameters: Iterable[tuple[str, Any]]) -> None:
    sheet = workbook.create_sheet(_("Parameters"))
    set_widths(sheet, (28, 50))
    for label, value in parameters:
        number_format = DATE_FORMAT if isinstance(value, date) else ""
        sheet.append([cell(sheet, str(label), font=BOLD), cell(sheet, value, number_format)])
    sheet.append([cell(sheet, _("Generated at"), font=BOLD), timezone.localtime().strftime("%Y-%m-%d %H:%M")])


def workbook_bytes(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def aged_balance_xlsx(report: AgedReport, *, parameters: Iterable[tuple[str, Any]] = ()) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Aged balance"))
    sheet.freeze_panes = "C2"
    labels = [_("not due") if b.key == "not_due" else b.label for b in report.buckets]
    titles = [_("Key"), _("Name"), _("Currency"), *labels, _("Unapplied"), _("Total"), _("of which disputed")]
    set_widths(sheet, (14, 42, 9, *([15] * (len(titles) - 3))))
    sheet.append(header_row(sheet, titles))
    for row in report.rows:
        sheet.append([row.key, row.name, row.currency, *_xlsx_amounts(sheet, row.balance)])
    for currency, balance in report.totals.items():
        sheet.append(
            [
                cell(sheet, "TOTAL", font=BOLD),
                cell(sheet, _("Total"), font=BOLD),
                cell(sheet, currency, font=BOLD),
                *_xlsx_amounts(sheet, balance, BOLD),
            ]
        )
    parameters_sheet(workbook, [(_("As of"), report.as_of), (_("By"), str(report.dimension.label)), *parameters])
    return workbook_bytes(workbook)


def _xlsx_amounts(sheet: WriteOnlyWorksheet, balance: Any, font: Font | None = None) -> list[WriteOnlyCell]:
    amounts = [*balance.buckets, balance.unapplied, balance.total, balance.disputed]
    return [cell(sheet, amount, AMOUNT_FORMAT, font) for amount in amounts]


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
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["kpi", "value"])
    for name, value in kpi_values(figures).items():
        writer.writerow([name, "" if value is None else f"{value.quantize(CENT):.2f}"])
    return out.getvalue()
