"""French FEC (Fichier des Écritures Comptables, art. A47 A-1 LPF) → customer items.

The FEC is the general ledger. Customer lines are those on 411* accounts; the auxiliary
account (CompAuxNum/CompAuxLib) names the customer. A debit is an invoice (or a debit
adjustment when the entry moves cash: a refund, a bounced payment); a credit is a payment
when the entry touches a cash account (5*), a credit note when it touches revenue or VAT, an
adjustment otherwise. EcritureLet groups lines of one customer that cancel out (lettrage):
they become allocations dated DateLet. An unlettered credit note whose label names an
unlettered invoice of the same customer ("Avoir AV1 sur FA1") is allocated to it.

Identity. An invoice or a credit note is its number (PieceRef). A payment or an adjustment is
its écriture: fiscal year (the file's first entry date), journal, EcritureNum, and the rank of
the line among the entry's 411 lines when it holds several, because a bank receipt's PieceRef
is often the statement or remittance reference shared by many customers and entries. A line
with no PieceRef is identified by its écriture too.

Integrity. Every écriture must balance (debits = credits), or the file is refused naming the
entry and its lines. An écriture present twice, line for line, is read once, with a warning.

Opening entries (à-nouveaux): the lines of journals named à-nouveaux (AN, RAN, ANO, OUV…), or
of entries on the file's first day against 890/11x, carry last year's balances. They are
items flagged ``opening``: the import links them to last year's items when those are known.

>>> raw = (
...     "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|"
...     "PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise\\n"
...     "VT|Ventes|1|20260105|411000|Clients|C1|Durand SA|FA1|20260105|Facture FA1|120,00|0,00|A|20260201|20260105||\\n"
...     "VT|Ventes|1|20260105|706000|Ventes|||FA1|20260105|Facture FA1|0,00|100,00|||20260105||\\n"
...     "VT|Ventes|1|20260105|445710|TVA|||FA1|20260105|Facture FA1|0,00|20,00|||20260105||\\n"
...     "BQ|Banque|2|20260201|411000|Clients|C1|Durand SA|VIR9|20260201|Reglement|0,00|120,00|A|20260201|20260201||\\n"
...     "BQ|Banque|2|20260201|512000|Banque|||VIR9|20260201|Reglement FA1|120,00|0,00|||20260201||\\n"
... ).encode()
>>> result = parse_fec(raw, file_name="595401761FEC20261031.txt")
>>> [(i.type, i.number, i.amount, i.entry) for i in result.items]
[('invoice', 'FA1', Decimal('120.00'), ''), ('payment', 'VIR9', Decimal('-120.00'), '20260105|BQ|2')]
>>> [(a.debit_key, a.credit_key, a.amount, a.date.isoformat()) for a in result.allocations]
[(('invoice', 'FA1'), ('entry', '20260105|BQ|2'), Decimal('120.00'), '2026-02-01')]
>>> result.siren, result.stats.ignored_lines
('595401761', 3)
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from encours.core.errors import InvalidAmount, InvalidFile, RowError
from encours.core.formats.text import decode_text
from encours.core.money import D, quantize

REQUIRED_COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "EcritureLet",
    "DateLet",
    "ValidDate",
)
DUE_DATE_COLUMNS = ("DateEcheance", "EcheanceDate", "DateEch", "DueDate")
FILE_NAME = re.compile(r"(?P<siren>\d{9})FEC(?P<closing>\d{8})", re.IGNORECASE)
CREDIT_NOTE_TARGET = re.compile(r"\bsur\s+(?:facture\s+)?(?:n[°o]\s*)?(?P<number>[A-Z0-9][\w/.-]*)", re.IGNORECASE)
MAX_AMOUNT = Decimal("1e12")
_ZEROS = frozenset({"0", "0,00", "0.00", "0,0", "0.0", "0,000"})
_ZERO = Decimal(0)
MAX_ERRORS = 200
PROGRESS_EVERY = 5000  # lines between two progress reports

LinesProgress = Callable[[int, int], None]  # (lines read, lines in the file)

INVOICE, CREDIT_NOTE, PAYMENT, ADJUSTMENT = "invoice", "credit_note", "payment", "adjustment"
ENTRY = "entry"  # first element of the key of an item identified by its écriture
ItemKey = tuple[str, str]  # (type, number), or (ENTRY, entry identity)
OPENING_JOURNALS = ("AN", "RAN", "ANO", "ANX", "OUV", "OUVERTURE", "NOUV", "REPORT", "RN")
OPENING_ACCOUNTS = ("890", "11")  # bilan d'ouverture, report à nouveau
MAX_ENTRY_ID = 80


@dataclass(frozen=True, slots=True, kw_only=True)
class FecCustomer:
    account: str
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FecItem:
    type: str
    number: str
    customer_account: str
    document_date: date
    due_date: date | None
    amount: Decimal  # signed, in the item's currency: debits positive
    currency: str
    amount_functional: Decimal  # signed, in the entity's currency
    label: str
    reference: str
    line: int
    entry: str = ""  # the écriture identity when the item is identified by its entry, else ""
    opening: bool = False  # carried forward by an opening entry (à-nouveaux)

    @property
    def key(self) -> ItemKey:
        return (ENTRY, self.entry) if self.entry else (self.type, self.number)


@dataclass(frozen=True, slots=True, kw_only=True)
class FecAllocation:
    debit_key: ItemKey
    credit_key: ItemKey
    amount: Decimal
    date: date
    letter: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FecStats:
    lines: int
    customer_lines: int
    ignored_lines: int
    entries: int
    encoding: str
    delimiter: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FecResult:
    siren: str | None
    closing_date: date | None
    customers: tuple[FecCustomer, ...]
    items: tuple[FecItem, ...]
    allocations: tuple[FecAllocation, ...]
    stats: FecStats
    errors: tuple[RowError, ...]
    warnings: tuple[str, ...] = ()
    first_date: date | None = None  # the file's first entry date: its fiscal year in identities
    last_date: date | None = None


@dataclass(slots=True, kw_only=True)
class _Entry:
    """What is needed of one écriture to check it: balance, lines, an exact repeat."""

    first_line: int
    first_hash: int  # of the first line's text
    date: date | None
    last_line: int = 0
    count: int = 0
    debit: Decimal = _ZERO
    credit: Decimal = _ZERO
    classes: int = 0  # CASH | SALES bits of the accounts it touches
    opening_accounts: bool = False
    repeat_at: int = 0  # line where the first line appears again
    before_repeat: int = 0  # lines before it
    balanced_before_repeat: bool = False
    lines_hash: int = 0  # of the lines before the repeat, in order
    repeat_hash: int = 0  # of the lines from the repeat on


CASH, SALES = 1, 2  # an entry touching 5* moves cash; 7* or 445* is a sale


@dataclass(slots=True, kw_only=True)
class _Line:
    """One 411 line, before it is classified and merged into an item."""

    line: int
    journal: str
    entry: str
    account: str
    name: str
    number: str
    document_date: date
    due_date: date | None
    debit: Decimal
    credit: Decimal
    currency_amount: Decimal | None
    currency: str
    letter: str
    letter_date: date | None
    label: str
    piece: str = ""
    item_type: str = ""
    key: ItemKey = ("", "")
    entry_id: str = ""
    opening: bool = False


@dataclass(slots=True, kw_only=True)
class _Reader:
    functional_currency: str
    customer_prefixes: tuple[str, ...]
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dates: dict[str, date | None] = field(default_factory=dict)
    lines: list[_Line] = field(default_factory=list)
    entries: dict[tuple[str, str], _Entry] = field(default_factory=dict)
    strings: dict[str, str] = field(default_factory=dict)  # one copy of each account, name and piece
    first_date: date | None = None
    last_date: date | None = None
    ignored: int = 0
    total: int = 0

    def error(self, line: int, column: str, value: str, reason: str) -> None:
        self.errors.append(RowError(line=line, column=column, value=value, reason=reason))
        if len(self.errors) >= MAX_ERRORS:
            raise _TooManyErrors

    def parse_date(self, text: str, line: int, column: str, *, required: bool) -> date | None:
        text = text.strip()
        if not text:
            if required:
                self.error(line, column, text, "missing date")
            return None
        if text not in self.dates:
            self.dates[text] = _date_or_none(text)
        parsed = self.dates[text]
        if parsed is None:
            self.error(line, column, text, "not a date (expected YYYYMMDD)")
        return parsed

    def parse_amount(self, text: str, line: int, column: str) -> Decimal:
        """The amount, or zero after reporting why it is not one."""
        text = text.strip()
        if not text or text in _ZEROS:
            return _ZERO
        try:
            value = Decimal(text.replace(",", ".")) if "," not in text or "." not in text else D(text)
        except (InvalidOperation, InvalidAmount):
            value = None
        if value is None or not value.is_finite():
            self.error(line, column, text, "not an amount")
            return Decimal(0)
        if value < 0 or value >= MAX_AMOUNT:
            self.error(line, column, text, "amount must be positive and below 10^12")
            return Decimal(0)
        return value


class _TooManyErrors(Exception):
    pass


def _date_or_none(text: str) -> date | None:
    digits = text.replace("-", "").replace("/", "") if len(text) == 10 else text
    if len(digits) != 8 or not digits.isdigit():
        return None
    if len(text) == 10 and text[2] in "/-":  # DD/MM/YYYY
        digits = text[6:10] + text[3:5] + text[0:2]
    try:
        return date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def file_name_identity(file_name: str) -> tuple[str | None, date | None]:
    """The SIREN and closing date of the legal file name ``<SIREN>FEC<YYYYMMDD>.txt``."""
    match = FILE_NAME.search(file_name.rsplit("/", 1)[-1])
    if not match:
        return None, None
    return match["siren"], _date_or_none(match["closing"])


def parse_fec(
    raw: bytes,
    *,
    file_name: str = "",
    functional_currency: str = "EUR",
    customer_prefixes: tuple[str, ...] = ("411",),
    opening_journals: tuple[str, ...] = OPENING_JOURNALS,
    on_lines: LinesProgress | None = None,
) -> FecResult:
    """Parse a whole FEC. Structural problems raise InvalidFile; row problems come back as
    errors (and then no items are returned, so nothing half-imported can follow).
    ``on_lines(read, total)`` hears every PROGRESS_EVERY lines and at the end."""
    encoding, decode_errors, text_lines = _text_lines(raw)
    delimiter, header, lines, count = _split(text_lines, raw)
    columns = _column_positions(header)
    reader = _Reader(
        functional_currency=functional_currency, customer_prefixes=customer_prefixes, errors=list(decode_errors)
    )
    with suppress(_TooManyErrors):
        _read_lines(reader, lines, delimiter, columns, len(header), on_lines or _no_progress, count)
        if not reader.errors:
            _check_entries(reader)
    siren, closing = file_name_identity(file_name)
    stats = FecStats(
        lines=reader.total,
        customer_lines=len(reader.lines),
        ignored_lines=reader.ignored,
        entries=len(reader.entries),
        encoding=encoding,
        delimiter="tab" if delimiter == "\t" else delimiter,
    )
    if reader.errors:
        return FecResult(
            siren=siren,
            closing_date=closing,
            customers=(),
            items=(),
            allocations=(),
            stats=stats,
            errors=tuple(sorted(reader.errors, key=lambda e: e.line)),
            first_date=None,
        )
    _classify(reader, frozenset(code.upper() for code in opening_journals))
    _identify(reader)
    reader.entries.clear()  # the largest structure: not needed any more
    items, errors = _merge_items(reader.lines, functional_currency)
    allocations = _allocations_from_letters(reader.lines, items) + _allocations_by_reference(reader.lines, items)
    customers = _customers(reader.lines)
    return FecResult(
        siren=siren,
        closing_date=closing,
        customers=customers,
        items=tuple(items.values()),
        allocations=allocations,
        stats=stats,
        errors=tuple(errors),
        warnings=tuple(reader.warnings),
        first_date=reader.first_date,
        last_date=reader.last_date,
    )


def _no_progress(read: int, total: int) -> None:
    return None


def _text_lines(raw: bytes) -> tuple[str, tuple[RowError, ...], Iterator[str]]:
    """The encoding, decoding errors and lines of the file. A UTF-8 file (most of them, and the
    large ones) is decoded line by line as it is read: neither its whole text nor a list of its
    lines is ever held, only the bytes."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4096]:
        return decode_text(raw).encoding, (), iter(())  # raises the decoder's message
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(raw)
    try:
        for offset in range(0, len(raw), _CHUNK):
            decoder.decode(view[offset : offset + _CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        decoded = decode_text(raw, report_mixed=True)  # a line in another encoding is one error among the others
        return decoded.encoding, decoded.errors, _lines_of(decoded.text)
    finally:
        view.release()
    stream = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8-sig", newline=None)
    return "utf-8", (), (line.rstrip("\n") for line in stream)


_CHUNK = 1 << 20


def _lines_of(text: str) -> Iterator[str]:
    start = 0
    for line in _LINE_END.finditer(text):
        yield text[start : line.start()]
        start = line.end()
    if start < len(text):
        yield text[start:]


_LINE_END = re.compile(r"\r\n|\r|\n")


def _split(lines: Iterator[str], raw: bytes) -> tuple[str, list[str], Iterator[str], int]:
    first = next(lines, "")
    if not first.strip():
        raise InvalidFile("line 1: empty file or missing header")
    delimiter = "\t" if first.count("\t") > first.count("|") else "|"
    header = [h.strip().lstrip("\ufeff") for h in first.split(delimiter)]
    if len(header) < len(REQUIRED_COLUMNS):
        raise InvalidFile(f"line 1: header has {len(header)} columns; a FEC has at least 18, separated by | or tab")
    # FEC fields are never quoted (the format forbids the separator inside a field): a plain split
    # is exact and several times faster than the csv module
    count = raw.count(b"\n") + (0 if raw.endswith((b"\n", b"\r")) else 1) + raw.count(b"\r") - raw.count(b"\r\n")
    return delimiter, header, lines, count - 1


def _column_positions(header: list[str]) -> dict[str, int]:
    by_lower = {name.lower(): index for index, name in enumerate(header)}
    missing = [name for name in REQUIRED_COLUMNS if name.lower() not in by_lower]
    has_debit_credit = "debit" in by_lower and "credit" in by_lower
    has_amount_sense = "montant" in by_lower and "sens" in by_lower
    if not (has_debit_credit or has_amount_sense):
        missing.append("Debit/Credit (or Montant/Sens)")
    if missing:
        raise InvalidFile(f"line 1: missing FEC column(s): {', '.join(missing)}")
    positions = {name: by_lower[name.lower()] for name in REQUIRED_COLUMNS}
    optional = ("Montant", "Sens") if not has_debit_credit else ("Debit", "Credit")
    for name in (*optional, "Montantdevise", "Idevise", *DUE_DATE_COLUMNS):
        if name.lower() in by_lower:
            positions[name] = by_lower[name.lower()]
    return positions


def _read_lines(
    reader: _Reader,
    lines: Iterator[str],
    delimiter: str,
    columns: dict[str, int],
    width: int,
    on_lines: LinesProgress,
    count: int,
) -> None:
    account_col, aux_col, date_col = columns["CompteNum"], columns["CompAuxNum"], columns["EcritureDate"]
    journal_col, entry_col = columns["JournalCode"], columns["EcritureNum"]
    entries = reader.entries
    customer_prefixes = reader.customer_prefixes
    strings = reader.strings
    debit_col, credit_col = columns.get("Debit", -1), columns.get("Credit", -1)
    on_lines(0, count)
    for line_no, text in enumerate(lines, start=2):
        if not line_no % PROGRESS_EVERY:
            on_lines(line_no - 1, count)
        if not text or not text.strip():
            continue
        row = text.split(delimiter)
        reader.total += 1
        if len(row) != width:
            reader.error(line_no, "", "", f"expected {width} fields, found {len(row)} (truncated or shifted line)")
            continue
        account = row[account_col].strip()
        entry_date = reader.parse_date(row[date_col], line_no, "EcritureDate", required=True)
        if not account:
            reader.error(line_no, "CompteNum", "", "missing account number")
            continue
        entry_key = (row[journal_col].strip(), row[entry_col].strip())
        entry = entries.get(entry_key)
        text_hash = hash(text)
        if entry is None:
            entry = entries[entry_key] = _Entry(
                first_line=line_no, first_hash=text_hash, date=entry_date, lines_hash=text_hash
            )
        elif entry.repeat_at:
            entry.repeat_hash = hash((entry.repeat_hash, text_hash))
        elif text_hash == entry.first_hash:
            entry.repeat_at, entry.before_repeat, entry.repeat_hash = line_no, entry.count, text_hash
            entry.balanced_before_repeat = entry.debit == entry.credit
        else:
            entry.lines_hash = hash((entry.lines_hash, text_hash))
        entry.count += 1
        entry.last_line = line_no
        if entry_date is not None:
            if reader.first_date is None or entry_date < reader.first_date:
                reader.first_date = entry_date
            if reader.last_date is None or entry_date > reader.last_date:
                reader.last_date = entry_date
        if account[0] == "5":
            entry.classes |= CASH
        elif account[0] == "7" or account.startswith("445"):
            entry.classes |= SALES
        errors_before = len(reader.errors)
        if debit_col >= 0:  # inline: the one thing done to every line of a million-line file
            text = row[debit_col]
            debit = _ZERO if text in _ZEROS else reader.parse_amount(text, line_no, "Debit")
            text = row[credit_col]
            credit = _ZERO if text in _ZEROS else reader.parse_amount(text, line_no, "Credit")
        else:
            debit, credit = _debit_credit(reader, row, columns, line_no)
        entry.debit += debit
        entry.credit += credit
        if not account.startswith(customer_prefixes):
            reader.ignored += 1
            if account.startswith(OPENING_ACCOUNTS):
                entry.opening_accounts = True
            continue
        if entry_date is None:
            continue
        amounts_read = len(reader.errors) == errors_before  # else the amount already has its error
        line = _customer_line(reader, row, columns, line_no, entry_key, entry_date, debit, credit, amounts_read)
        line.account = strings.setdefault(line.account, line.account)
        line.name = strings.setdefault(line.name, line.name)
        if line.piece:
            line.piece = line.number = strings.setdefault(line.piece, line.piece)
        reader.lines.append(line)
        if row[aux_col].strip() == "" and not account[len("411") :].strip("0"):
            reader.error(line_no, "CompAuxNum", "", "customer line without auxiliary account (CompAuxNum)")
    on_lines(count, count)


def _check_entries(reader: _Reader) -> None:
    """Refuse every écriture that does not balance; read an exact repeat of one only once."""
    dropped: dict[tuple[str, str], int] = {}
    for (journal, number), entry in reader.entries.items():
        if entry.repeat_at and _is_exact_repeat(entry):
            dropped[(journal, number)] = entry.repeat_at
            reader.warnings.append(
                f"line {entry.repeat_at}: entry {journal} {number} repeats lines {entry.first_line}-"
                f"{entry.repeat_at - 1} exactly: read once"
            )
            continue
        if entry.debit != entry.credit:
            span = (
                f"line {entry.first_line}"
                if entry.last_line == entry.first_line
                else f"lines {entry.first_line}-{entry.last_line}"
            )
            reader.error(
                entry.first_line,
                "EcritureNum",
                number,
                f"entry {journal} {number} ({span}) does not balance: debit {entry.debit} ≠ credit {entry.credit}",
            )
    if dropped:
        reader.lines = [
            line for line in reader.lines if line.line < dropped.get((line.journal, line.entry), line.line + 1)
        ]
        for key in dropped:
            entry = reader.entries[key]
            entry.debit = entry.credit = _ZERO


def _is_exact_repeat(entry: _Entry) -> bool:
    """The écriture's lines from the repeat on are those before it, in the same order."""
    return (
        entry.count == 2 * entry.before_repeat
        and entry.balanced_before_repeat
        and entry.lines_hash == entry.repeat_hash
    )


def _debit_credit(reader: _Reader, row: list[str], columns: dict[str, int], line_no: int) -> tuple[Decimal, Decimal]:
    if "Debit" in columns:
        debit = reader.parse_amount(row[columns["Debit"]], line_no, "Debit")
        credit = reader.parse_amount(row[columns["Credit"]], line_no, "Credit")
        return debit, credit
    amount = reader.parse_amount(row[columns["Montant"]], line_no, "Montant")
    sense = row[columns["Sens"]].strip().upper()[:1]
    if sense not in {"D", "C"}:
        reader.error(line_no, "Sens", row[columns["Sens"]], "expected D or C")
    return (amount, _ZERO) if sense == "D" else (_ZERO, amount)


def _customer_line(
    reader: _Reader,
    row: list[str],
    columns: dict[str, int],
    line_no: int,
    entry_key: tuple[str, str],
    entry_date: date,
    debit: Decimal,
    credit: Decimal,
    amounts_read: bool,
) -> _Line:
    aux = row[columns["CompAuxNum"]].strip()
    account = aux or row[columns["CompteNum"]].strip()
    name = (row[columns["CompAuxLib"]] if aux else row[columns["CompteLib"]]).strip()
    piece_date = reader.parse_date(row[columns["PieceDate"]], line_no, "PieceDate", required=False)
    due = None
    for column in DUE_DATE_COLUMNS:
        if column in columns:
            due = reader.parse_date(row[columns[column]], line_no, column, required=False)
    currency_amount, currency = None, reader.functional_currency
    if "Idevise" in columns and row[columns["Idevise"]].strip():
        currency = row[columns["Idevise"]].strip().upper()
        if currency != reader.functional_currency:
            currency_amount = reader.parse_amount(row[columns["Montantdevise"]], line_no, "Montantdevise")
    letter = row[columns["EcritureLet"]].strip()
    letter_date = reader.parse_date(row[columns["DateLet"]], line_no, "DateLet", required=False) if letter else None
    if debit and credit:
        reader.error(line_no, "Debit", f"{debit}/{credit}", "a customer line has both a debit and a credit")
    if not debit and not credit and amounts_read:
        reader.error(line_no, "Debit", "0", "a customer line with a zero amount")
    return _Line(
        line=line_no,
        journal=entry_key[0],
        entry=entry_key[1],
        account=account,
        name=name,
        number=row[columns["PieceRef"]].strip() or f"{entry_key[0]}-{entry_key[1]}",
        piece=row[columns["PieceRef"]].strip(),
        document_date=piece_date or entry_date,
        due_date=due,
        debit=debit,
        credit=credit,
        currency_amount=currency_amount,
        currency=currency if currency_amount is not None else reader.functional_currency,
        letter=letter,
        letter_date=letter_date,
        label=row[columns["EcritureLib"]].strip(),
    )


def _classify(reader: _Reader, opening_journals: frozenset[str]) -> None:
    for line in reader.lines:
        entry = reader.entries[(line.journal, line.entry)]
        moves_cash = bool(entry.classes & CASH)
        touches_sales = bool(entry.classes & SALES)
        line.opening = line.journal.upper() in opening_journals or (
            entry.opening_accounts and entry.date == reader.first_date
        )
        if line.opening:
            line.item_type = INVOICE if line.debit else ADJUSTMENT
        elif line.debit:
            line.item_type = INVOICE if touches_sales or not moves_cash else ADJUSTMENT
        elif moves_cash:
            line.item_type = PAYMENT
        else:
            line.item_type = CREDIT_NOTE if touches_sales else ADJUSTMENT


def _identify(reader: _Reader) -> None:
    """Each line's item key: its number for invoices and credit notes, else its écriture."""
    per_entry: dict[tuple[str, str], int] = defaultdict(int)
    for line in reader.lines:
        per_entry[(line.journal, line.entry)] += 1
    rank: dict[tuple[str, str], int] = defaultdict(int)
    year = reader.first_date.strftime("%Y%m%d") if reader.first_date else ""
    for line in reader.lines:
        entry_key = (line.journal, line.entry)
        rank[entry_key] += 1
        if line.piece and line.item_type in (INVOICE, CREDIT_NOTE) and not line.opening:
            line.key = (line.item_type, line.number)
            continue
        identity = f"{year}|{line.journal}|{line.entry}"
        if per_entry[entry_key] > 1:
            identity += f"|{rank[entry_key]}"
        if len(identity) > MAX_ENTRY_ID:
            identity = identity[: MAX_ENTRY_ID - 17] + "#" + hashlib.sha1(identity.encode()).hexdigest()[:16]
        line.entry_id = identity
        line.key = (ENTRY, identity)


def _merge_items(lines: list[_Line], functional_currency: str) -> tuple[dict[ItemKey, FecItem], list[RowError]]:
    """One item per key; several lines of one customer's invoice (instalments) add up."""
    items: dict[ItemKey, FecItem] = {}
    errors: list[RowError] = []
    for line in lines:
        key = line.key
        functional = quantize(line.debit - line.credit, functional_currency)
        sign = 1 if line.debit else -1
        amount = (
            quantize(sign * line.currency_amount, line.currency) if line.currency_amount is not None else functional
        )
        previous = items.get(key)
        if previous is None:
            items[key] = FecItem(
                type=line.item_type,
                number=line.number,
                customer_account=line.account,
                document_date=line.document_date,
                due_date=line.due_date,
                amount=amount,
                currency=line.currency,
                amount_functional=functional,
                label=line.label[:200],
                reference=line.piece,
                line=line.line,
                entry=line.entry_id,
                opening=line.opening,
            )
        elif previous.customer_account != line.account:
            errors.append(
                RowError(
                    line=line.line,
                    column="PieceRef",
                    value=line.number,
                    reason=f"number already used for customer {previous.customer_account} (line {previous.line})",
                )
            )
        else:
            items[key] = _add_line(previous, amount, functional, line)
    return items, errors


def _add_line(item: FecItem, amount: Decimal, functional: Decimal, line: _Line) -> FecItem:
    return FecItem(
        type=item.type,
        number=item.number,
        customer_account=item.customer_account,
        document_date=min(item.document_date, line.document_date),
        due_date=max(filter(None, (item.due_date, line.due_date)), default=None),
        amount=item.amount + amount,
        currency=item.currency,
        amount_functional=item.amount_functional + functional,
        label=item.label,
        reference=item.reference,
        line=item.line,
        entry=item.entry,
        opening=item.opening,
    )


def _allocations_from_letters(lines: list[_Line], items: dict[ItemKey, FecItem]) -> tuple[FecAllocation, ...]:
    """Pair the debits and credits of each lettering group, oldest first.

    A pair counts from the later DateLet of its two lines (else the later document date), not
    from the group's last one: exports that reuse a letter code over the years would otherwise
    date a 2025 settlement in 2026.
    """
    groups: dict[tuple[str, str], list[_Line]] = defaultdict(list)
    for line in lines:
        if line.letter:
            groups[(line.account, line.letter)].append(line)
    pairs: dict[tuple[ItemKey, ItemKey], FecAllocation] = {}
    for (_, letter), members in groups.items():
        for group in _by_letter_date(members):
            debits = sorted((m for m in group if m.debit), key=lambda m: (m.document_date, m.line))
            credits = sorted((m for m in group if m.credit), key=lambda m: (m.document_date, m.line))
            for debit, credit, amount in _greedy_pairs(debits, credits):
                lettered = [d for d in (debit.letter_date, credit.letter_date) if d]
                on = max(lettered) if lettered else max(debit.document_date, credit.document_date)
                key = (debit.key, credit.key)
                if key in pairs:
                    amount += pairs[key].amount
                pairs[key] = FecAllocation(debit_key=key[0], credit_key=key[1], amount=amount, date=on, letter=letter)
    return tuple(pairs.values())


def _by_letter_date(members: list[_Line]) -> list[list[_Line]]:
    """A letter code reused on several dates is several groups when each date's lines balance."""
    by_date: dict[date | None, list[_Line]] = defaultdict(list)
    for member in members:
        by_date[member.letter_date].append(member)
    if len(by_date) > 1 and all(sum(m.debit - m.credit for m in group) == 0 for group in by_date.values()):
        return list(by_date.values())
    return [members]


def _greedy_pairs(debits: list[_Line], credits: list[_Line]) -> Iterator[tuple[_Line, _Line, Decimal]]:
    debit_left = [d.debit for d in debits]
    credit_left = [c.credit for c in credits]
    i = j = 0
    while i < len(debits) and j < len(credits):
        amount = min(debit_left[i], credit_left[j])
        if amount > 0:
            yield debits[i], credits[j], amount
        debit_left[i] -= amount
        credit_left[j] -= amount
        if debit_left[i] == 0:
            i += 1
        if credit_left[j] == 0:
            j += 1


def _allocations_by_reference(lines: list[_Line], items: dict[ItemKey, FecItem]) -> tuple[FecAllocation, ...]:
    """An unlettered credit note 'Avoir AV1 sur FA1' settles the unlettered invoice FA1."""
    unlettered = {line.key for line in lines if not line.letter}
    remaining = {key: item.amount for key, item in items.items() if key[0] == INVOICE and key in unlettered}
    allocations = []
    for key, credit_note in items.items():
        if key[0] != CREDIT_NOTE or key not in unlettered:
            continue
        match = CREDIT_NOTE_TARGET.search(credit_note.label)
        invoice = items.get((INVOICE, match["number"])) if match else None
        if invoice is None or invoice.key not in remaining or invoice.customer_account != credit_note.customer_account:
            continue
        amount = min(remaining[invoice.key], -credit_note.amount)
        if amount > 0 and invoice.currency == credit_note.currency:
            remaining[invoice.key] -= amount
            on = max(invoice.document_date, credit_note.document_date)
            allocations.append(FecAllocation(debit_key=invoice.key, credit_key=key, amount=amount, date=on, letter=""))
    return tuple(allocations)


def _customers(lines: list[_Line]) -> tuple[FecCustomer, ...]:
    names: dict[str, str] = {}
    for line in lines:
        names.setdefault(line.account, line.name or line.account)
    return tuple(FecCustomer(account=account, name=name) for account, name in names.items())
