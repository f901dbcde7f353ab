"""Bank statement values shared by the camt, MT940, CFONB 120 and CSV readers, and format detection.

Every reader turns a file into ``BankStatement`` values holding one ``BankLine`` per
transaction (a camt batch entry with several ``TxDtls`` gives several lines). Amounts are
signed from the account holder's side: a credit (money received) is positive.

>>> from decimal import Decimal
>>> detect_bank_format(b":20:STMT1\\n:25:FR7630004000031234567890143\\n:28C:1/1\\n:60F:C260101EUR0,\\n")
'mt940'
>>> line = BankLine(index=0, entry_ref="NTRY1", amount=Decimal("12.50"), currency="EUR")
>>> line.is_credit, line.key
(True, 'NTRY1')
"""

from __future__ import annotations

import codecs
import csv
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from encours.core.errors import InvalidFile, RowError
from encours.core.money import ZERO

BankFormat = Literal["camt.053", "camt.054", "mt940", "cfonb120", "csv"]
BANK_FORMATS: tuple[BankFormat, ...] = ("camt.053", "camt.054", "mt940", "cfonb120", "csv")

# Banks write "NOTPROVIDED" / "NONREF" where a reference is optional but the field is not.
_PLACEHOLDER_REFS = frozenset({"", "NOTPROVIDED", "NONREF", "NONE", "NOREF", "NOT PROVIDED", "N/A"})


def clean_reference(value: str | None) -> str:
    """A bank reference with the placeholders banks use for "none" mapped to ''."""
    text = (value or "").strip()
    return "" if text.upper() in _PLACEHOLDER_REFS else text


@dataclass(frozen=True, slots=True, kw_only=True)
class BankLine:
    """One transaction on a statement.

    ``entry_ref`` is the reference exported back to accounting: camt ``NtryRef``, else the
    entry's ``AcctSvcrRef``; for MT940 the ``:61:`` bank reference (after ``//``), else the
    reference for the account owner. ``tx_index`` numbers the transactions of a camt batch
    entry. The counterparty is the debtor of a credit and the creditor of a debit.
    """

    index: int
    amount: Decimal
    currency: str
    entry_ref: str = ""
    entry_index: int = 0
    tx_index: int = 0
    transaction_ref: str = ""
    end_to_end_id: str = ""
    booking_date: date | None = None
    value_date: date | None = None
    counterparty_name: str = ""
    counterparty_iban: str = ""
    counterparty_bic: str = ""
    ultimate_party_name: str = ""
    remittance_text: str = ""
    creditor_reference: str = ""
    creditor_reference_type: str = ""
    referenced_documents: tuple[str, ...] = ()
    bank_transaction_code: str = ""
    is_reversal: bool = False
    status: str = "BOOK"
    additional_info: str = ""
    source_line: int = 0
    key: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", _default_key(self))

    @property
    def is_credit(self) -> bool:
        return self.amount > ZERO

    @property
    def payer_name(self) -> str:
        """Who paid us: the debtor of a credit, '' for a debit."""
        return self.counterparty_name if self.is_credit else ""

    @property
    def payer_iban(self) -> str:
        return self.counterparty_iban if self.is_credit else ""

    @property
    def texts(self) -> tuple[str, ...]:
        """Every free or structured text a reference may hide in, most reliable first."""
        parts = (
            self.creditor_reference,
            *self.referenced_documents,
            self.remittance_text,
            self.end_to_end_id,
            self.additional_info,
        )
        return tuple(p for p in parts if p)


def _default_key(line: BankLine) -> str:
    if line.entry_ref:
        return line.entry_ref if line.tx_index == 0 else f"{line.entry_ref}/{line.tx_index + 1}"
    booked = line.booking_date.isoformat() if line.booking_date else "-"
    return f"#{line.index + 1}:{booked}:{line.amount}"


def with_unique_keys(lines: list[BankLine]) -> tuple[BankLine, ...]:
    """Keys are the idempotency key of a line inside its account: a reference used twice
    (some banks repeat one per batch) falls back to the line's position and content."""
    counts = Counter(line.key for line in lines)
    result = []
    for line in lines:
        if counts[line.key] > 1:
            booked = line.booking_date.isoformat() if line.booking_date else "-"
            line = replace(line, key=f"{line.key}#{line.index + 1}:{booked}:{line.amount}")
        result.append(line)
    return tuple(result)


@dataclass(frozen=True, slots=True, kw_only=True)
class BankStatement:
    """One statement (camt ``Stmt``, camt.054 ``Ntfctn``, one MT940 ``:20:`` block, one CSV).

    ``natural_key`` identifies it for idempotent imports; ``warnings`` lists what a credit
    manager should see without rejecting the file (balances that do not reconcile...).
    """

    format: BankFormat
    statement_id: str
    account: str
    currency: str
    lines: tuple[BankLine, ...]
    sequence_number: str = ""
    message_id: str = ""
    format_version: str = ""
    created_at: datetime | None = None
    from_date: date | None = None
    to_date: date | None = None
    opening_balance: Decimal | None = None
    opening_date: date | None = None
    closing_balance: Decimal | None = None
    closing_date: date | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def natural_key(self) -> str:
        first = self.from_date or self.opening_date
        day = first.isoformat() if first else ""
        family = "camt" if self.format.startswith("camt") else self.format
        return f"{family}:{self.format}:{self.account}:{self.statement_id}:{self.sequence_number}:{day}"

    @property
    def total_credits(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.amount > ZERO), ZERO)

    @property
    def total_debits(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.amount < ZERO), ZERO)


def balance_warning(*, opening: Decimal | None, closing: Decimal | None, movements: Decimal, where: str) -> str | None:
    """Opening + movements must equal closing; a gap usually means missing entries."""
    if opening is None or closing is None:
        return None
    gap = opening + movements - closing
    if gap == ZERO:
        return None
    return f"{where}: opening {opening} + movements {movements} != closing {closing} (gap {gap})"


# --- decoding and detection ---------------------------------------------------------

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def decode_text(raw: bytes) -> str:
    """Bytes of a text bank file (MT940, CSV) to str: UTF-16 with BOM, UTF-8 (with or
    without BOM), then CP1252 (the Windows export default), then Latin-1 which never fails."""
    if raw.startswith(_UTF16_BOMS):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InvalidFile(f"file starts with a UTF-16 mark but is not UTF-16: {exc.reason}") from None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


_CAMT_ROOTS: dict[str, BankFormat] = {
    "BkToCstmrStmt": "camt.053",
    "BkToCstmrDbtCdtNtfctn": "camt.054",
}
_XML_ELEMENT = re.compile(r"<(?:[A-Za-z_][\w.\-]*:)?(BkToCstmr\w+)[\s>/]")
_CAMT_NAMESPACE = re.compile(r"camt\.(\d{3})\.001\.(\d{2})")
_MT940_BLOCK = re.compile(r"\{[1-5]:")
_MT940_TAG = re.compile(r"^:(20|25|28C?|60[FM]|61|62[FM]):", re.MULTILINE)
_CFONB_RECORD = re.compile(r"^0[1457]\d{5}")
_BINARY_MAGIC = {
    b"PK\x03\x04": "a ZIP or Excel (XLSX) file",
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": "an old Excel (XLS) or Word file",
}


def detect_bank_format(raw: bytes) -> BankFormat:
    """Tell a bank file's format from its content, never from its name.

    camt is recognised by its message element (any namespace version), MT940 by its tags
    (with or without SWIFT ``{1:}{2:}{4:`` blocks or a bank preamble), CFONB 120 by its
    records (01 first, then 04, 05, 07, each at most 120 characters), CSV by a delimiter
    that splits the first lines consistently. Raises ``InvalidFile`` saying what the file
    looks like otherwise.
    """
    if not raw.strip():
        raise InvalidFile("the file is empty")
    for magic, what in _BINARY_MAGIC.items():
        if raw.startswith(magic):
            raise InvalidFile(f"this is {what}, not a bank statement (camt XML, MT940, CFONB 120 or CSV)")
    text = decode_text(raw)
    head = text[:65536]
    if head.lstrip().startswith("<"):
        return _detect_xml(head)
    if len(_MT940_TAG.findall(head)) >= 3 or (_MT940_BLOCK.search(head) and ":20:" in head):
        return "mt940"
    if _looks_like_cfonb(head):
        return "cfonb120"
    if b"\x00" in raw[:4096] and not raw.startswith(_UTF16_BOMS):
        raise InvalidFile("this is a binary file, not a bank statement (camt XML, MT940, CFONB 120 or CSV)")
    if sniff_delimiter(head) is not None:
        return "csv"
    raise InvalidFile(
        "unknown bank file format: expected camt.053/camt.054 XML, MT940 (:20:/:25:/:61: tags), "
        "CFONB 120 (records 01/04/05/07) or a delimited CSV with a header line"
    )


def _looks_like_cfonb(head: str) -> bool:
    lines = [line for line in head.replace("\r", "\n").split("\n") if line.strip()][:20]
    if len(lines) == 1 and len(lines[0]) % 120 == 0:  # records written without line breaks
        lines = [lines[0][i : i + 120] for i in range(0, min(len(lines[0]), 2400), 120)]
    if not lines or not lines[0].startswith("01"):
        return False
    return all(_CFONB_RECORD.match(line) and len(line.rstrip()) <= 120 for line in lines)


def _detect_xml(head: str) -> BankFormat:
    match = _XML_ELEMENT.search(head)
    if match is None:
        raise InvalidFile(
            "XML file without a camt message element (BkToCstmrStmt for camt.053, BkToCstmrDbtCdtNtfctn for camt.054)"
        )
    element = match.group(1)
    if element in _CAMT_ROOTS:
        return _CAMT_ROOTS[element]
    if element == "BkToCstmrAcctRpt":
        raise InvalidFile("camt.052 intraday account reports are not statements: import the camt.053")
    raise InvalidFile(f"unsupported camt message {element}")


def sniff_delimiter(text: str) -> str | None:
    """The delimiter (; tab , |) splitting most of the first non-empty lines into the same
    number (>= 2) of fields, a bank preamble of a few lines aside; the one giving the most
    fields wins. None when no delimiter does."""
    lines = [line for line in text.splitlines()[:30] if line.strip()][:12]
    if not lines:
        return None
    best: tuple[int, str] | None = None
    for delimiter in (";", "\t", ",", "|"):
        try:
            widths = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        width, count = Counter(widths).most_common(1)[0]
        if width >= 2 and count * 10 >= len(widths) * 6 and (best is None or width > best[0]):
            best = (width, delimiter)
    return best[1] if best else None


def camt_version(head: str) -> str:
    """'053.001.08' from a camt namespace, '' when the file carries none."""
    match = _CAMT_NAMESPACE.search(head)
    return f"{match.group(1)}.001.{match.group(2)}" if match else ""


def row_error(line: int, column: str, value: object, reason: str) -> RowError:
    text = "" if value is None else str(value)
    return RowError(line=line, column=column, value=text[:80], reason=reason)


def read_bank_file(raw: bytes, *, csv_mapping: object | None = None) -> tuple[BankStatement, ...]:
    """Detect the format and parse: what ``import_bank FILE`` runs. A CSV needs the bank
    account's saved ``BankCsvMapping``."""
    # Imported here: the readers import this module's values.
    from encours.core.formats.bank_csv import BankCsvMapping, parse_bank_csv
    from encours.core.formats.camt import parse_camt
    from encours.core.formats.cfonb import parse_cfonb
    from encours.core.formats.mt940 import parse_mt940

    file_format = detect_bank_format(raw)
    if file_format in ("camt.053", "camt.054"):
        statements = parse_camt(raw)
        if statements and statements[0].format != file_format:
            raise InvalidFile(f"file announces {file_format} but holds {statements[0].format}")
        return statements
    if file_format == "mt940":
        return parse_mt940(raw)
    if file_format == "cfonb120":
        return parse_cfonb(raw)
    if not isinstance(csv_mapping, BankCsvMapping):
        raise InvalidFile("this is a CSV file: choose the bank account's column mapping to import it")
    return parse_bank_csv(raw, mapping=csv_mapping)
