"""Generic CSV/XLSX files read through a saved column mapping.

A mapping says, for each field the product knows, which column of the file holds it, plus
options (delimiter, date format, decimal comma, value translations). ``read_table`` turns
the file into rows of text with their line numbers; ``map_rows`` turns those into typed
records of one kind (customers, items, payments, allocations, open orders) and an error
per bad cell naming the line, the column and the reason.

>>> table = read_table(b"account;name;amount\\nC1;Durand;1 234,50\\n", file_name="x.csv")
>>> spec = MappingSpec(kind="open_orders", columns={"number": "account", "customer": "name",
...                    "amount": "amount"})
>>> records, errors = map_rows(table, spec)
>>> records[0].values["amount"], errors
(Decimal('1234.50'), ())
"""

from __future__ import annotations

import csv
import io
import math
import time
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from encours.core.bounds import amount_problem, sign_problem
from encours.core.errors import InvalidAmount, InvalidFile, RowError
from encours.core.formats.text import decode_text
from encours.core.money import D

MAX_ERRORS = 200
MIN_YEAR, MAX_YEAR = 1900, 2199
# Caps on what an import reads (XLSX: uncompressed; Excel itself stops at 1 048 576 rows and
# 16 384 columns): a file beyond them is refused with a message, never read for minutes.
MAX_BYTES = 200_000_000
MAX_ROWS = 500_000
MAX_COLUMNS = 500
MAX_SECONDS = 300
PROGRESS_EVERY = 5000  # rows between two progress reports
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "oui", "o", "vrai", "x"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "non", "faux", ""})

# field -> (type, required) for each kind of file
FIELDS: dict[str, dict[str, tuple[str, bool]]] = {
    "customers": {
        "account_number": ("text", True),
        "name": ("text", True),
        "siren": ("text", False),
        "siret": ("text", False),
        "vat_number": ("text", False),
        "naf_code": ("text", False),
        "category": ("text", False),
        "group_code": ("text", False),
        "group_name": ("text", False),
        "sales_rep": ("text", False),
        "collector": ("text", False),
        "region": ("text", False),
        "country": ("text", False),
        "terms_days": ("int", False),
        "terms_end_of_month": ("bool", False),
        "language": ("text", False),
        "currency": ("text", False),
        "is_strategic": ("bool", False),
        "is_blocked": ("bool", False),
        "iban": ("text", False),
        "contact_name": ("text", False),
        "contact_email": ("text", False),
        "contact_phone": ("text", False),
        "address": ("text", False),
        "postal_code": ("text", False),
        "city": ("text", False),
    },
    "items": {
        "type": ("text", False),
        "number": ("text", True),
        "customer": ("text", True),
        "document_date": ("date", True),
        "due_date": ("date", False),
        "amount": ("amount", True),
        "currency": ("text", False),
        "amount_functional": ("amount", False),
        "reference": ("text", False),
        "label": ("text", False),
    },
    "payments": {
        "number": ("text", True),
        "customer": ("text", True),
        "document_date": ("date", True),
        "amount": ("amount", True),
        "currency": ("text", False),
        "amount_functional": ("amount", False),
        "reference": ("text", False),
        "label": ("text", False),
    },
    "allocations": {
        "debit_number": ("text", True),
        "credit_number": ("text", True),
        "credit_type": ("text", False),
        "debit_type": ("text", False),
        "amount": ("amount", True),
        "date": ("date", True),
        "letter": ("text", False),
    },
    "open_orders": {
        "number": ("text", True),
        "customer": ("text", True),
        "order_date": ("date", False),
        "expected_ship_date": ("date", False),
        "amount": ("amount", True),
        "currency": ("text", False),
        "status": ("text", False),
    },
}
KINDS = tuple(FIELDS)


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]  # (line number in the file, cells)


@dataclass(frozen=True, slots=True, kw_only=True)
class MappingSpec:
    kind: str
    columns: Mapping[str, str]
    date_format: str = ""  # strftime format; empty: ISO, DD/MM/YYYY or YYYYMMDD guessed per cell
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # field -> {file value: ours}
    defaults: Mapping[str, str] = field(default_factory=dict)
    negate_credits: bool = True  # credit notes/payments written positive in the file
    currency: str = "EUR"  # the entity's: rows without a currency are in it, functional amounts always


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    line: int
    values: Mapping[str, Any]


def read_table(raw: bytes, *, file_name: str, delimiter: str = "", sheet: str = "") -> Table:
    """The file's header and non-empty rows. A file beyond the caps (MAX_BYTES uncompressed,
    MAX_ROWS rows, MAX_COLUMNS columns) is refused before it is read whole, and reading stops
    after MAX_SECONDS: an import never holds the server for an unbounded time."""
    if not raw:
        raise InvalidFile("line 1: the file is empty")
    if file_name.lower().endswith((".xlsx", ".xlsm")) or raw[:4] == b"PK\x03\x04":
        return _read_xlsx(raw, sheet)
    return _read_csv(raw, delimiter)


def _too_big(size: int) -> InvalidFile:
    return InvalidFile(
        f"line 1: the file holds {size / 1e6:.0f} MB of data, more than the {MAX_BYTES / 1e6:.0f} MB an import "
        "reads: split it"
    )


def _too_many_rows(line: int) -> InvalidFile:
    return InvalidFile(f"line {line}: more than {MAX_ROWS} rows, the most an import reads: split the file")


def _too_many_columns(line: int, count: int) -> InvalidFile:
    return InvalidFile(f"line {line}: {count} columns, more than the {MAX_COLUMNS} an import reads")


class _Clock:
    """Raises once reading has taken more than MAX_SECONDS (checked every few thousand rows)."""

    def __init__(self) -> None:
        self.deadline = time.monotonic() + MAX_SECONDS

    def check(self, line: int) -> None:
        if not line % 1000 and time.monotonic() > self.deadline:
            raise InvalidFile(f"line {line}: reading the file took more than {MAX_SECONDS} s: split it")


def _read_csv(raw: bytes, delimiter: str) -> Table:
    if len(raw) > MAX_BYTES:
        raise _too_big(len(raw))
    # an upper bound on rows (a quoted cell may span lines; old Macs end lines with CR alone)
    lines_count = max(raw.count(b"\n"), raw.count(b"\r")) + (not raw.endswith((b"\n", b"\r")))
    if lines_count > MAX_ROWS + 1:
        raise _too_many_rows(MAX_ROWS + 2)
    text = decode_text(raw).text
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise InvalidFile("line 1: empty file or missing header")
    if not delimiter:
        first = lines[0]
        delimiter = max((";", ",", "\t", "|"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    clock = _Clock()
    rows = []
    try:
        header = tuple(cell.strip().lstrip("\ufeff") for cell in next(reader))
        if len(header) > MAX_COLUMNS:
            raise _too_many_columns(1, len(header))
        for row in reader:
            clock.check(reader.line_num)
            if len(row) > MAX_COLUMNS:
                raise _too_many_columns(reader.line_num, len(row))
            if any(row):
                rows.append((reader.line_num, tuple(cell.strip() for cell in row)))
    except csv.Error as exc:
        raise InvalidFile(f"line {reader.line_num}: unreadable CSV ({exc})") from None
    return _checked(Table(header=header, rows=tuple(rows)))


def _read_xlsx(raw: bytes, sheet: str) -> Table:
    from openpyxl import load_workbook

    _check_archive(raw)
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt archive
        raise InvalidFile(f"line 1: not a readable XLSX workbook ({type(exc).__name__})") from None
    try:
        if not workbook.worksheets:
            raise InvalidFile("line 1: the workbook has no worksheet")
        if sheet and sheet not in workbook.sheetnames:
            raise InvalidFile(f"line 1: no sheet named {sheet!r} (sheets: {', '.join(workbook.sheetnames)})")
        worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
        return _checked(_xlsx_rows(worksheet))
    finally:
        workbook.close()


def _check_archive(raw: bytes) -> None:
    """Refuse a workbook whose parts expand beyond MAX_BYTES, or with a sheet of more than MAX_ROWS
    rows, by streaming each compressed sheet once (counting ``<row`` tags) before openpyxl opens
    it (opening a sheet without a ``<dimension>`` already reads it whole). A part's declared size
    bounds what can be read from it: zipfile stops there."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except Exception as exc:  # BadZipFile, NotImplementedError (an unknown zip version), struct.error…
        raise InvalidFile(f"line 1: not a readable XLSX workbook ({type(exc).__name__})") from None
    with archive:
        size = sum(info.file_size for info in archive.infolist())
        if size > MAX_BYTES:
            raise _too_big(size)
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                _count_rows(archive, name)


def _count_rows(archive: zipfile.ZipFile, name: str) -> None:
    rows, tail = 0, b""
    try:
        with archive.open(name) as part:
            while chunk := part.read(1 << 20):
                rows += (tail + chunk).count(b"<row") - tail.count(b"<row")
                tail = chunk[-8:]
                if rows > MAX_ROWS + 1:
                    raise _too_many_rows(MAX_ROWS + 2)
    except InvalidFile:
        raise
    except Exception as exc:  # BadZipFile, zlib.error, NotImplementedError (an unknown compression), EOFError…
        raise InvalidFile(f"line 1: not a readable XLSX workbook ({type(exc).__name__})") from None


def _xlsx_rows(worksheet: Any) -> Table:
    rows_iter = worksheet.iter_rows(values_only=True)
    clock = _Clock()
    number = 1
    rows = []
    try:
        header = tuple(_cell_text(c) for c in next(rows_iter, ()))
        if len(header) > MAX_COLUMNS:
            raise _too_many_columns(1, len(header))
        for number, row in enumerate(rows_iter, start=2):
            clock.check(number)
            if number > MAX_ROWS + 1:
                raise _too_many_rows(number)
            if len(row) > MAX_COLUMNS:
                raise _too_many_columns(number, len(row))
            cells = tuple(_cell_text(c) for c in row)
            if any(cells):
                rows.append((number, cells))
    except InvalidFile:
        raise
    except Exception as exc:  # openpyxl: int('NaN') for a number cell, a bad shared string, a corrupt part
        raise InvalidFile(f"line {number + 1}: unreadable cell ({type(exc).__name__}: {exc})") from None
    return Table(header=header, rows=tuple(rows))


def _cell_text(value: object) -> str:
    """A cell as the text a person sees. A number cell is a float: an integral one is written
    without ``.0``; another with Excel's 15 significant digits (a sum that gave
    ``0.30000000000000004`` is ``0.3``); ``1E+400`` (infinite) or ``NaN`` stays as that text, for
    the field that reads it to refuse with its line."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if not math.isfinite(value):
            return repr(value)
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return format(value, ".15g")
    return str(value).strip()


def _checked(table: Table) -> Table:
    if not any(table.header):
        raise InvalidFile("line 1: missing header")
    seen: set[str] = set()
    for name in table.header:
        if name and name in seen:
            raise InvalidFile(f"line 1: column {name!r} appears twice")
        seen.add(name)
    return table


def map_rows(
    table: Table, spec: MappingSpec, on_rows: Callable[[int, int], None] | None = None
) -> tuple[tuple[Record, ...], tuple[RowError, ...]]:
    """Typed records and the errors of their cells; ``on_rows(read, total)`` hears every
    PROGRESS_EVERY rows and at the end."""
    if spec.kind not in FIELDS:
        raise InvalidFile(f"unknown mapping kind {spec.kind!r}; expected one of {', '.join(KINDS)}")
    positions, errors = _positions(table, spec)
    if errors:
        return (), errors
    records: list[Record] = []
    problems: list[RowError] = []
    for index, (line, cells) in enumerate(table.rows):
        if on_rows and not index % PROGRESS_EVERY:
            on_rows(index, len(table.rows))
        values: dict[str, Any] = {}
        texts: dict[str, str] = {}
        for name, (kind, required) in FIELDS[spec.kind].items():
            text = _cell(cells, positions.get(name), spec.defaults.get(name, ""))
            text = spec.values.get(name, {}).get(text, text)
            texts[name] = text
            column = spec.columns.get(name, name)
            if not text:
                if required:
                    problems.append(RowError(line=line, column=column, value="", reason="required value missing"))
                continue
            try:
                values[name] = _CONVERTERS[kind](text, spec)
            except (ValueError, InvalidAmount) as exc:
                problems.append(RowError(line=line, column=column, value=text, reason=str(exc)))
        problems.extend(_bounds(line, values, texts, spec))
        records.append(Record(line=line, values=values))
        if len(problems) >= MAX_ERRORS:
            break
    if on_rows:
        on_rows(len(table.rows), len(table.rows))
    return tuple(records), tuple(problems)


def _positions(table: Table, spec: MappingSpec) -> tuple[dict[str, int], tuple[RowError, ...]]:
    index = {name.lower(): i for i, name in enumerate(table.header)}
    positions: dict[str, int] = {}
    errors = []
    for name, (_, required) in FIELDS[spec.kind].items():
        column = spec.columns.get(name)
        if column is None and name.lower() in index:
            column = name  # a file already using our field names needs no mapping
        if column is not None and column.lower() in index:
            positions[name] = index[column.lower()]
        elif required and name not in spec.defaults:
            errors.append(
                RowError(line=1, column=column or name, value="", reason=f"column for {name!r} not found in the header")
            )
    return positions, tuple(errors)


def _cell(cells: tuple[str, ...], position: int | None, default: str) -> str:
    if position is None or position >= len(cells):
        return default
    return cells[position] or default


def parse_date(text: str, date_format: str = "") -> date:
    """A calendar date between 1900 and 2199 (a year 0001 or 9999 is a typing error, and days
    added to it for a due date would overflow)."""
    return _sane(_parse_date(text.strip(), date_format))


def _parse_date(text: str, date_format: str) -> date:
    if date_format:
        try:
            return datetime.strptime(text, date_format).date()  # noqa: DTZ007 (a calendar date)
        except ValueError:
            raise ValueError(f"not a date in format {date_format}") from None
    for candidate in ("%Y-%m-%d", "%d/%m/%Y", "%Y%m%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y"):
        try:
            return datetime.strptime(text[:10], candidate).date()  # noqa: DTZ007
        except ValueError:
            continue
    raise ValueError("not a date (expected YYYY-MM-DD or DD/MM/YYYY)")


def _sane(day: date) -> date:
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValueError(f"date out of range: expected a year between {MIN_YEAR} and {MAX_YEAR}")
    return day


def _amount(text: str, spec: MappingSpec) -> Decimal:
    return D(text)  # bounds (which depend on the row's currency) are checked by _bounds


def _bounds(line: int, values: dict[str, Any], texts: dict[str, str], spec: MappingSpec) -> list[RowError]:
    """Each amount within the bounds of its currency; for items and payments, the sign of its type.

    A credit note or payment written positive is negated on import unless the mapping says the
    file is signed; an invoice is always positive, and nothing is zero.
    """
    problems = []
    currency = str(values.get("currency") or spec.currency).upper()
    for name, amount_currency in (("amount", currency), ("amount_functional", spec.currency)):
        if name not in values:
            continue
        problem = amount_problem(values[name], amount_currency)
        if problem:
            del values[name]
            problems.append(RowError(line=line, column=spec.columns.get(name, name), value=texts[name], reason=problem))
    if spec.kind in ("items", "payments") and "amount" in values:
        item_type = str(values.get("type") or ("payment" if spec.kind == "payments" else "invoice"))
        amount = values["amount"]
        if item_type != "invoice" and spec.negate_credits:
            amount = -abs(amount)
        problem = sign_problem(item_type, amount)
        if problem:
            problems.append(
                RowError(line=line, column=spec.columns.get("amount", "amount"), value=texts["amount"], reason=problem)
            )
    return problems


def _integer(text: str, spec: MappingSpec) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError("not a whole number") from None


def _boolean(text: str, spec: MappingSpec) -> bool:
    lowered = text.strip().lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise ValueError("expected yes/no")


_CONVERTERS: dict[str, Callable[[str, MappingSpec], Any]] = {
    "text": lambda text, spec: text,
    "date": lambda text, spec: parse_date(text, spec.date_format),
    "amount": _amount,
    "int": _integer,
    "bool": _boolean,
}
