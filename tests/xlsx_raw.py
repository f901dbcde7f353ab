"""XLSX files written by hand, byte for byte: cells openpyxl would never write (``1E+400``,
``NaN``), and declared sizes that lie (a small archive that expands to millions of rows)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def row_xml(number: int, cells: Sequence[object]) -> str:
    """A row; a ``str`` is an inline string, ``("n", "1E+400")`` a number cell written as given."""
    parts = []
    for index, value in enumerate(cells):
        ref = f"{_column(index)}{number}"
        if isinstance(value, tuple):
            parts.append(f'<c r="{ref}" t="n"><v>{value[1]}</v></c>')
        else:
            parts.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
    return f'<row r="{number}">{"".join(parts)}</row>'


def xlsx_bytes(rows: Iterable[Sequence[object]] = (), *, sheet_xml: bytes | None = None) -> bytes:
    """A workbook with one sheet holding ``rows`` (or the given sheet XML)."""
    if sheet_xml is None:
        body = "".join(row_xml(number, cells) for number, cells in enumerate(rows, start=1))
        sheet_xml = (_SHEET_HEAD + body + _SHEET_TAIL).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return out.getvalue()


def bomb_bytes(rows: int, header: Sequence[str] = ("number", "customer", "date", "amount")) -> bytes:
    """A small archive whose sheet expands to ``rows`` identical rows (a zip bomb, mildly)."""
    sheet = io.BytesIO()
    sheet.write((_SHEET_HEAD + row_xml(1, list(header))).encode())
    cells = '<c r="A{0}" t="inlineStr"><is><t>FA</t></is></c><c r="D{0}" t="n"><v>1</v></c>'
    template = f'<row r="{{0}}">{cells}</row>'
    for number in range(2, rows + 2):
        sheet.write(template.format(number).encode())
    sheet.write(_SHEET_TAIL.encode())
    return xlsx_bytes(sheet_xml=sheet.getvalue())
