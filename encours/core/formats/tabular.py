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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from encours.core.errors import InvalidAmount, InvalidFile, RowError
from encours.core.formats.text import decode_text
from encours.core.money import D

MAX_ERRORS = 200
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


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    line: int
    values: Mapping[str, Any]


def read_table(raw: bytes, *, file_name: str, delimiter: str = "", sheet: str = "") -> Table:
    if file_name.lower().endswith((".xlsx", ".xlsm")) or raw[:4] == b"PK\x03\x04":
        return _read_xlsx(raw, sheet)
    return _read_csv(raw, delimiter)


def _read_csv(raw: bytes, delimiter: str) -> Table:
    text = decode_text(raw).text
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise InvalidFile("line 1: empty file or missing header")
    if not delimiter:
        first = lines[0]
        delimiter = max((";", ",", "\t", "|"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = tuple(cell.strip().lstrip("\ufeff") for cell in next(reader))
        rows = tuple((reader.line_num, tuple(cell.strip() for cell in row)) for row in reader if any(row))
    except csv.Error as exc:
        raise InvalidFile(f"line {reader.line_num}: unreadable CSV ({exc})") from None
    return _checked(Table(header=header, rows=rows))


def _read_xlsx(raw: bytes, sheet: str) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt archive
        raise InvalidFile(f"line 1: not a readable XLSX workbook ({type(exc).__name__})") from None
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    rows_iter = worksheet.iter_rows(values_only=True)
    header = tuple(_cell_text(c) for c in next(rows_iter, ()))
    rows = []
    for number, row in enumerate(rows_iter, start=2):
        cells = tuple(_cell_text(c) for c in row)
        if any(cells):
            rows.append((number, cells))
    workbook.close()
    return _checked(Table(header=header, rows=tuple(rows)))


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value) if value != int(value) else str(int(value))
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
        for name, (kind, required) in FIELDS[spec.kind].items():
            text = _cell(cells, positions.get(name), spec.defaults.get(name, ""))
            text = spec.values.get(name, {}).get(text, text)
            column = spec.columns.get(name, name)
            if not text:
                if required:
                    problems.append(RowError(line=line, column=column, value="", reason="required value missing"))
                continue
            try:
                values[name] = _CONVERTERS[kind](text, spec)
            except (ValueError, InvalidAmount) as exc:
                problems.append(RowError(line=line, column=column, value=text, reason=str(exc)))
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
    text = text.strip()
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


def _amount(text: str, spec: MappingSpec) -> Decimal:
    value = D(text)
    if abs(value) >= Decimal("1e12"):
        raise ValueError("absurd amount (10^12 or more)")
    return value


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
