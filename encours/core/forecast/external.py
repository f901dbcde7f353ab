"""Load an external CSV of paid invoices (public data sets) for the same evaluation.

A column mapping names, for each field, the file's column: ``customer``, ``invoice_date``,
``due_date``, ``amount`` and ``settled_date`` are required; ``disputed``, ``channel``,
``country`` and ``invoice`` (the invoice number) are optional. Dates follow one strptime
format; amounts may use a decimal comma. Bad rows come back as ``RowError`` values naming
the line and the file's column; a file that cannot be read at all raises ``InvalidFile``.

>>> text = '''customerID;InvoiceDate;DueDate;InvoiceAmount;SettledDate;Disputed
... 0379-NEVHP;2/1/2013;3/3/2013;"1 200,50";2/27/2013;No
... 8976-AMJEO;2/2/2013;3/4/2013;12;3/9/2013;Yes
... 8976-AMJEO;2/30/2013;3/4/2013;12;3/9/2013;No
... '''
>>> columns = parse_column_mapping("customer=customerID,invoice_date=InvoiceDate,due_date=DueDate,"
...                                "amount=InvoiceAmount,settled_date=SettledDate,disputed=Disputed")
>>> rows, errors = load_paid_invoices_csv(content=text, columns=columns, date_format="%m/%d/%Y")
>>> [(r.customer_id, r.amount, r.days_late, r.disputed) for r in rows]
[('0379-NEVHP', Decimal('1200.50'), -4, False), ('8976-AMJEO', Decimal('12'), 5, True)]
>>> print(errors[0])
line 4, column InvoiceDate: '2/30/2013' not a date in format %m/%d/%Y
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from encours.core.bounds import bounded_amount
from encours.core.errors import (
    ImportRejected,
    InvalidAmount,
    InvalidFile,
    RowError,
    ValidationFailed,
)
from encours.core.forecast.estimators import DEFAULT_SETTINGS, TrainingSettings
from encours.core.forecast.evaluation import EvaluationReport, evaluate_payment_model
from encours.core.forecast.records import InvoiceRecord

REQUIRED_FIELDS = ("customer", "invoice_date", "due_date", "amount", "settled_date")
OPTIONAL_FIELDS = ("disputed", "channel", "country", "invoice")
DELIMITERS = (",", ";", "\t", "|")
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "oui", "o", "vrai", "x"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "n", "non", "faux"})


def parse_column_mapping(text: str) -> dict[str, str]:
    """'customer=customerID,amount=InvoiceAmount,...' -> {'customer': 'customerID', ...}."""
    mapping: dict[str, str] = {}
    for pair in filter(None, (part.strip() for part in text.split(","))):
        name, equals, column = pair.partition("=")
        name, column = name.strip(), column.strip()
        if not equals or not name or not column:
            raise ValidationFailed(f"column mapping {pair!r}: expected NAME=COLUMN")
        if name not in REQUIRED_FIELDS + OPTIONAL_FIELDS:
            raise ValidationFailed(
                f"column mapping: unknown name {name!r} (known: {', '.join(REQUIRED_FIELDS + OPTIONAL_FIELDS)})"
            )
        if name in mapping:
            raise ValidationFailed(f"column mapping: {name!r} is mapped twice")
        mapping[name] = column
    missing = [name for name in REQUIRED_FIELDS if name not in mapping]
    if missing:
        raise ValidationFailed(f"column mapping: missing {', '.join(missing)}")
    return mapping


def _decode(content: str | bytes) -> str:
    if isinstance(content, str):
        return content
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")  # Windows exports; never fails


def _sniff_delimiter(header: str) -> str:
    return max(DELIMITERS, key=header.count)


def _amount(text: str, decimal_separator: str | None) -> Decimal:
    if decimal_separator == ".":
        text = text.replace(",", "")
    elif decimal_separator == ",":
        text = text.replace(".", "").replace(",", ".")
    return bounded_amount(text, None)  # finite, below 10^13; the data set's currency is unknown


def _flag(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("not a yes/no value")


class _Row:
    """One CSV record being converted; collects its errors instead of raising."""

    def __init__(self, line: int, record: Mapping[str, str | None], columns: Mapping[str, str]) -> None:
        self.line, self.record, self.columns = line, record, columns
        self.errors: list[RowError] = []

    def text(self, field: str) -> str:
        column = self.columns.get(field)
        return (self.record.get(column) or "").strip() if column else ""

    def fail(self, field: str, reason: str) -> None:
        self.errors.append(
            RowError(line=self.line, column=self.columns.get(field, field), value=self.text(field), reason=reason)
        )

    def day(self, field: str, date_format: str) -> date | None:
        try:
            parsed = time.strptime(self.text(field), date_format)
            return date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
        except ValueError:
            reason = "missing date" if not self.text(field) else f"not a date in format {date_format}"
            self.fail(field, reason)
            return None


def _convert(row: _Row, date_format: str, decimal_separator: str | None) -> InvoiceRecord | None:
    if not row.text("customer"):
        row.fail("customer", "missing customer")
    issued, due, settled = (row.day(f, date_format) for f in ("invoice_date", "due_date", "settled_date"))
    amount = None
    try:
        amount = _amount(row.text("amount"), decimal_separator)
        if amount <= 0:
            row.fail("amount", "not a positive amount")
    except InvalidAmount as exc:
        row.fail("amount", str(exc))
    disputed = False
    try:
        disputed = _flag(row.text("disputed"))
    except ValueError as exc:
        row.fail("disputed", str(exc))
    if issued and due and due < issued:
        row.fail("due_date", "due before the invoice date")
    if issued and settled and settled < issued:
        row.fail("settled_date", "settled before the invoice date")
    if row.errors or issued is None or due is None or settled is None or amount is None:
        return None
    return InvoiceRecord(
        invoice_id=row.text("invoice") or f"line-{row.line}", customer_id=row.text("customer"),
        invoice_date=issued, due_date=due, amount=amount, settled_date=settled,
        terms_days=(due - issued).days, disputed=disputed,
        channel=row.text("channel") or None, country=row.text("country") or None,
    )  # fmt: skip


def load_paid_invoices_csv(
    *,
    content: str | bytes,
    columns: Mapping[str, str],
    date_format: str = "%Y-%m-%d",
    decimal_separator: str | None = None,
    delimiter: str | None = None,
) -> tuple[tuple[InvoiceRecord, ...], tuple[RowError, ...]]:
    """Parse paid invoices; ``decimal_separator`` None lets ``D`` read '1 234,56' and
    '1234.56' alike, '.' or ',' settles ambiguous '1,234'. Lines count from 1 (the header)."""
    text = _decode(content)
    header_line = text.split("\n", 1)[0]
    if not header_line.strip():
        raise InvalidFile("empty file: expected a header line")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter or _sniff_delimiter(header_line))
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    absent = tuple(
        RowError(line=1, column=column, value="", reason=f"column for {field} not in the header")
        for field, column in columns.items()
        if column not in header
    )
    if absent:
        raise InvalidFile(f"{len(absent)} mapped column(s) missing from the header", errors=absent)
    rows: list[InvoiceRecord] = []
    errors: list[RowError] = []
    try:
        for record in reader:
            row = _Row(reader.line_num, record, columns)
            converted = _convert(row, date_format, decimal_separator)
            errors.extend(row.errors)
            if converted is not None:
                rows.append(converted)
    except csv.Error as exc:
        raise InvalidFile(f"line {reader.line_num}: unreadable CSV ({exc})") from None
    return tuple(rows), tuple(errors)


def evaluate_external_csv(
    *,
    content: str | bytes,
    columns: Mapping[str, str],
    date_format: str = "%Y-%m-%d",
    decimal_separator: str | None = None,
    split_date: date | None = None,
    skip_invalid_rows: bool = False,
    settings: TrainingSettings = DEFAULT_SETTINGS,
) -> EvaluationReport:
    """What ``payment_model_eval --csv`` runs: load, refuse row errors unless told to skip
    them, then evaluate exactly as on the ledger's own paid invoices."""
    rows, errors = load_paid_invoices_csv(
        content=content, columns=columns, date_format=date_format, decimal_separator=decimal_separator
    )
    if errors and not skip_invalid_rows:
        raise ImportRejected(errors)
    return evaluate_payment_model(invoices=rows, split_date=split_date, settings=settings)
