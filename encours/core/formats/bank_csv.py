"""Bank statements exported as CSV, read through a saved column mapping.

The mapping names the columns (booking date, amount or debit/credit, payer, IBAN, texts,
reference) and the dialect (delimiter, decimal comma, date format, encoding, preamble
lines). It is a plain value the Django side stores per bank account (``as_dict`` /
``from_dict``). A file reads wholly or not at all: every bad row is reported with its line
and column in one ``ImportRejected``.

>>> mapping = BankCsvMapping(date_column="Date", amount_column="Montant", payer_name_column="Tiers",
...                          text_columns=("Libellé",), account="FR7630004000031234567890143")
>>> raw = "Date;Libellé;Tiers;Montant\\n02/11/2026;VIR FA2026-01229;ACME SA;1 918,08\\n".encode("cp1252")
>>> (statement,) = parse_bank_csv(raw, mapping=mapping)
>>> line = statement.lines[0]
>>> line.amount, line.counterparty_name, line.remittance_text, line.booking_date
(Decimal('1918.08'), 'ACME SA', 'VIR FA2026-01229', datetime.date(2026, 11, 2))
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from encours.core.errors import ImportRejected, InvalidFile, RowError
from encours.core.formats.bank import (
    BankLine,
    BankStatement,
    clean_reference,
    decode_text,
    row_error,
    sniff_delimiter,
    with_unique_keys,
)
from encours.core.identifiers import normalize_iban
from encours.core.money import ZERO


@dataclass(frozen=True, slots=True, kw_only=True)
class BankCsvMapping:
    """How one bank's CSV export reads. Column names match case- and accent-insensitively.

    Give either ``amount_column`` (signed, credit positive) or ``debit_column`` and
    ``credit_column`` (both written as positive numbers). ``delimiter`` and ``encoding``
    left empty are detected. ``skip_rows`` lines of bank preamble precede the header.
    """

    date_column: str
    amount_column: str = ""
    debit_column: str = ""
    credit_column: str = ""
    value_date_column: str = ""
    payer_name_column: str = ""
    payer_iban_column: str = ""
    text_columns: tuple[str, ...] = ()
    reference_column: str = ""
    currency_column: str = ""
    delimiter: str = ""
    decimal_comma: bool = True
    date_format: str = "%d/%m/%Y"
    encoding: str = ""
    skip_rows: int = 0
    currency: str = "EUR"
    account: str = ""

    def __post_init__(self) -> None:
        if not self.date_column:
            raise InvalidFile("CSV mapping: the booking date column is required")
        if bool(self.amount_column) == bool(self.debit_column or self.credit_column):
            raise InvalidFile("CSV mapping: give either an amount column or debit and credit columns")
        if not self.amount_column and not (self.debit_column and self.credit_column):
            raise InvalidFile("CSV mapping: debit and credit columns go together")
        if len(self.delimiter) > 1:
            raise InvalidFile(f"CSV mapping: a delimiter is one character, not {self.delimiter!r}")
        if self.skip_rows < 0:
            raise InvalidFile("CSV mapping: skip_rows cannot be negative")
        object.__setattr__(self, "text_columns", tuple(self.text_columns))

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["text_columns"] = list(self.text_columns)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> BankCsvMapping:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidFile(f"CSV mapping: unknown setting(s) {', '.join(unknown)}")
        values = dict(data)
        if "text_columns" in values:
            texts = values["text_columns"]
            values["text_columns"] = tuple(texts) if isinstance(texts, list | tuple) else (str(texts),)
        return cls(**values)  # type: ignore[arg-type]

    def columns(self) -> tuple[tuple[str, str], ...]:
        """(setting, column name) for every column the mapping uses."""
        named = [
            ("date_column", self.date_column),
            ("amount_column", self.amount_column),
            ("debit_column", self.debit_column),
            ("credit_column", self.credit_column),
            ("value_date_column", self.value_date_column),
            ("payer_name_column", self.payer_name_column),
            ("payer_iban_column", self.payer_iban_column),
            ("reference_column", self.reference_column),
            ("currency_column", self.currency_column),
        ]
        named += [("text_columns", c) for c in self.text_columns]
        return tuple((setting, column) for setting, column in named if column)


_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def _fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_bank_csv(raw: bytes, *, mapping: BankCsvMapping) -> tuple[BankStatement, ...]:
    """One statement holding a line per data row; ``ImportRejected`` lists every bad row."""
    text = _decode(raw, mapping.encoding)
    all_lines = text.splitlines()
    if len(all_lines) <= mapping.skip_rows:
        raise InvalidFile(f"CSV file has {len(all_lines)} line(s), fewer than the preamble to skip")
    body = "\n".join(all_lines[mapping.skip_rows :])
    delimiter = mapping.delimiter or sniff_delimiter(body) or ";"
    try:
        rows = list(csv.reader(io.StringIO(body), delimiter=delimiter))
    except csv.Error as exc:
        raise InvalidFile(f"CSV file unreadable: {exc}") from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InvalidFile(f"CSV file: no header line at line {mapping.skip_rows + 1}")
    positions = _column_positions(rows[0], mapping, header_line=mapping.skip_rows + 1)
    lines, errors = _read_rows(rows[1:], positions, mapping)
    if errors:
        raise ImportRejected(errors)
    if not lines:
        raise InvalidFile("CSV file has a header but no transaction line")
    digest = hashlib.sha256(raw).hexdigest()[:16]
    booked = [line.booking_date for line in lines if line.booking_date]
    return (
        BankStatement(
            format="csv",
            statement_id=f"csv-{digest}",
            account=normalize_iban(mapping.account) if mapping.account else "",
            currency=lines[0].currency,
            lines=with_unique_keys(lines),
            from_date=min(booked) if booked else None,
            to_date=max(booked) if booked else None,
        ),
    )


def _read_rows(
    rows: list[list[str]], positions: dict[str, int], mapping: BankCsvMapping
) -> tuple[list[BankLine], list[RowError]]:
    lines: list[BankLine] = []
    errors: list[RowError] = []
    for offset, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        line, row_errors = _row(row, mapping.skip_rows + offset, len(lines), positions, mapping)
        errors.extend(row_errors)
        if line is not None:
            lines.append(line)
    return lines, errors


def _decode(raw: bytes, encoding: str) -> str:
    if not encoding:
        return decode_text(raw)
    try:
        return raw.decode(encoding)
    except LookupError:
        raise InvalidFile(f"CSV mapping: unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        error = row_error(line, "", repr(raw[exc.start : exc.start + 4]), f"not valid {encoding}")
        raise InvalidFile(f"CSV file is not {encoding}: {error}", errors=(error,)) from None


def _column_positions(header: list[str], mapping: BankCsvMapping, *, header_line: int) -> dict[str, int]:
    folded: dict[str, int] = {}
    for position, name in enumerate(header):
        folded.setdefault(_fold(name), position)
    positions: dict[str, int] = {}
    missing = []
    for _setting, column in mapping.columns():
        key = _fold(column)
        if key in folded:
            positions[column] = folded[key]
        else:
            missing.append(column)
    if missing:
        found = ", ".join(repr(h.strip()) for h in header)
        errors = tuple(row_error(header_line, c, "", "column not found in the header") for c in missing)
        raise InvalidFile(f"CSV file: column(s) {', '.join(map(repr, missing))} not in header ({found})", errors=errors)
    return positions


def _row(
    row: list[str], number: int, index: int, positions: dict[str, int], mapping: BankCsvMapping
) -> tuple[BankLine | None, list[RowError]]:
    errors: list[RowError] = []

    def cell(column: str) -> str:
        if not column:
            return ""
        position = positions[column]
        return row[position].strip() if position < len(row) else ""

    booking = _date(cell(mapping.date_column), number, mapping.date_column, mapping, errors, required=True)
    value_date = _date(cell(mapping.value_date_column), number, mapping.value_date_column, mapping, errors)
    amount = _signed_amount(cell, number, mapping, errors)
    currency = cell(mapping.currency_column).upper() or mapping.currency
    if mapping.currency_column and (len(currency) != 3 or not currency.isalpha()):
        errors.append(row_error(number, mapping.currency_column, currency, "not an ISO 4217 currency code"))
    if errors or amount is None:
        return None, errors
    texts = [cell(c) for c in mapping.text_columns]
    iban = cell(mapping.payer_iban_column)
    return (
        BankLine(
            index=index,
            amount=amount,
            currency=currency,
            entry_ref=clean_reference(cell(mapping.reference_column)),
            booking_date=booking,
            value_date=value_date or booking,
            counterparty_name=" ".join(cell(mapping.payer_name_column).split()),
            counterparty_iban=normalize_iban(iban) if iban else "",
            remittance_text=" ".join(" ".join(texts).split()),
            source_line=number,
        ),
        errors,
    )


def _date(
    text: str,
    number: int,
    column: str,
    mapping: BankCsvMapping,
    errors: list[RowError],
    *,
    required: bool = False,
) -> date | None:
    if not text:
        if required:
            errors.append(row_error(number, column, text, "missing date"))
        return None
    try:
        return datetime.strptime(text, mapping.date_format).date()  # noqa: DTZ007 (a date, no time)
    except ValueError:
        errors.append(row_error(number, column, text, f"not a date in the format {mapping.date_format}"))
        return None


def parse_csv_amount(text: str, *, decimal_comma: bool) -> Decimal:
    """'1 234,56' / '1.234,56' with a decimal comma, '1,234.56' without; '(12,50)' and
    '12,50-' are negative. Raises ``InvalidOperation`` when it is not a number."""
    cleaned = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("'", "")
    for symbol in ("€", "EUR", "$", "£"):
        cleaned = cleaned.replace(symbol, "")
    negative = False
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative, cleaned = True, cleaned[1:-1]
    if cleaned.endswith("-"):
        negative, cleaned = True, cleaned[:-1]
    # with a decimal comma, dots group thousands ('1.234,56'); without, commas do
    cleaned = cleaned.replace(".", "").replace(",", ".") if decimal_comma else cleaned.replace(",", "")
    if not _PLAIN_NUMBER.match(cleaned):
        raise InvalidOperation(text)
    value = Decimal(cleaned)
    return -value if negative else value


def _signed_amount(
    read: Callable[[str], str], number: int, mapping: BankCsvMapping, errors: list[RowError]
) -> Decimal | None:
    if mapping.amount_column:
        return _amount(read(mapping.amount_column), number, mapping.amount_column, mapping, errors, required=True)
    debit = _amount(read(mapping.debit_column), number, mapping.debit_column, mapping, errors)
    credit = _amount(read(mapping.credit_column), number, mapping.credit_column, mapping, errors)
    if errors:
        return None
    if debit is None and credit is None:
        errors.append(row_error(number, mapping.debit_column, "", "neither a debit nor a credit amount"))
        return None
    if debit not in (None, ZERO) and credit not in (None, ZERO):
        errors.append(row_error(number, mapping.credit_column, read(mapping.credit_column), "both debit and credit"))
        return None
    return (credit or ZERO) - abs(debit or ZERO)


def _amount(
    text: str,
    number: int,
    column: str,
    mapping: BankCsvMapping,
    errors: list[RowError],
    *,
    required: bool = False,
) -> Decimal | None:
    if not text:
        if required:
            errors.append(row_error(number, column, text, "missing amount"))
        return None
    try:
        return parse_csv_amount(text, decimal_comma=mapping.decimal_comma)
    except InvalidOperation:
        errors.append(row_error(number, column, text, "not an amount"))
        return None
