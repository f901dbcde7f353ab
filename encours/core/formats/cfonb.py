"""CFONB 120 bank statements ("relevé de compte 120 caractères"), the French banks' own format.

Layout from the CFONB brochure *Relevé de compte sur support informatique* and its 2010 SEPA
evolution (*Évolution du relevé de compte 120 caractères, opérations de virement et de
prélèvement SEPA*, V2.0, March 2010). Each record is 120 characters; positions below are
1-based, as the brochure numbers them:

- every record: 1-2 record code, 3-7 bank code, 12-16 branch (guichet) code, 17-19 currency,
  20 number of decimals of its amounts, 22-32 account number;
- ``01`` opening balance and ``07`` closing balance: 35-40 date (DDMMYY), 91-104 balance;
- ``04`` movement: 8-11 the bank's internal operation code, 33-34 interbank operation code,
  35-40 booking date, 41-42 rejection reason, 43-48 value date, 49-79 label, 82-88 entry
  number, 91-104 amount, 105-120 reference;
- ``05`` complement of the movement before it: 46-48 a qualifier, 49-118 its text. ``LIB``
  free label, ``LCC``/``LC2`` the remittance text (SEPA unstructured), ``LCS`` a structured
  creditor reference, ``NPY``/``NBE`` the debtor's / creditor's name, ``NPO``/``NBU`` the
  ultimate debtor / creditor, ``IPY``/``IBE`` their identifiers, ``RCN`` the end-to-end
  reference (35 characters) then the purpose, ``REF`` the operation's reference, ``MMO``
  the original amount; an unknown qualifier is kept in the line's additional information.

An amount is 13 digits and a last character carrying the sign and the last digit (the
"quartet" coding): ``{`` and ``A``-``I`` are +0 and +1..+9, ``}`` and ``J``-``R`` are -0 and
-1..-9; the record's decimals count places the comma. The account is turned into its French
IBAN (RIB key, then IBAN check digits), so that a CFONB statement and a camt one of the same
account meet on one bank account.

>>> head = "0130006    00001EUR2 12345678901  011126" + " " * 50
>>> move = "0430006    00001EUR2 1234567890105021126  021126VIR SEPA DUPONT SARL"
>>> more = "0530006    00001EUR2 1234567890105021126     LCCFACTURE FA2026-01229"
>>> tail = "0730006    00001EUR2 12345678901  021126" + " " * 50
>>> raw = "\\n".join([
...     head + "0000000010000{",
...     move.ljust(90) + "0000000009180H" + "REF-778812",
...     more,
...     tail + "0000000019180H",
... ]).encode()
>>> (statement,) = parse_cfonb(raw)
>>> statement.account, statement.opening_balance, statement.closing_balance, statement.warnings
('FR7630006000011234567890189', Decimal('1000.00'), Decimal('1918.08'), ())
>>> line = statement.lines[0]
>>> line.amount, line.entry_ref, line.remittance_text, line.additional_info
(Decimal('918.08'), 'REF-778812', 'FACTURE FA2026-01229', 'VIR SEPA DUPONT SARL')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from encours.core.errors import InvalidFile
from encours.core.formats.bank import BankLine, BankStatement, balance_warning, decode_text, row_error, with_unique_keys
from encours.core.money import ZERO

RECORD_LENGTH = 120
_RECORD_CODES = ("01", "04", "05", "07")
_MAX_AMOUNT = Decimal(10) ** 13
# the quartet coding of an amount's last character: (sign, last digit)
_QUARTET = {
    **{char: (1, digit) for digit, char in enumerate("{ABCDEFGHI")},
    **{char: (-1, digit) for digit, char in enumerate("}JKLMNOPQR")},
}
_AMOUNT = re.compile(r"^\d{13}[{}A-R]$")
_RECORD_START = re.compile(r"^0[1457]")
# RIB key: letters of an account number count as digits (A, J = 1; B, K, S = 2; ... Z = 9)
_RIB_DIGITS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "12345678912345678923456789")
_NAME_QUALIFIERS = {"NPY": "debtor", "NBE": "creditor", "NPO": "ultimate_debtor", "NBU": "ultimate_creditor"}
_TEXT_QUALIFIERS = ("LCC", "LC2", "LIB")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Record:
    number: int
    text: str

    def field(self, start: int, end: int) -> str:
        """Positions ``start``-``end`` as the brochure numbers them (1-based, inclusive)."""
        return self.text[start - 1 : end]

    @property
    def code(self) -> str:
        return self.text[:2]

    @property
    def account_fields(self) -> tuple[str, str, str]:
        return self.field(3, 7), self.field(12, 16), self.field(22, 32)


@dataclass(slots=True, kw_only=True)
class _Movement:
    record: _Record
    amount: Decimal
    complements: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class _Open:
    """A statement being read: its ``01`` and the movements since."""

    head: _Record
    balance: Decimal
    movements: list[_Movement] = field(default_factory=list)


def parse_cfonb(raw: bytes) -> tuple[BankStatement, ...]:
    """Every statement (``01`` ... ``07``) of a CFONB 120 file, in file order; ``InvalidFile``
    naming the line and the field on the first defect."""
    statements: list[BankStatement] = []
    current: _Open | None = None
    for record in _records(raw):
        if record.code == "01":
            if current is not None:
                raise _fail(record, "01", "a new opening balance before the closing balance (07) of the previous one")
            current = _Open(head=record, balance=_amount(record))
        elif current is None:
            raise _fail(record, record.code, f"record {record.code} outside a statement (no opening balance 01 before)")
        elif record.code == "04":
            _same_account(current.head, record)
            current.movements.append(_Movement(record=record, amount=_amount(record)))
        elif record.code == "05":
            _same_account(current.head, record)
            if not current.movements:
                raise _fail(record, "05", "complement record (05) without a movement (04) before it")
            current.movements[-1].complements.append((record.field(46, 48), record.field(49, 118).rstrip()))
        else:
            _same_account(current.head, record)
            statements.append(_statement(current, record, _amount(record)))
            current = None
    if current is not None:
        raise _fail(current.head, "07", "statement without its closing balance (07)")
    if not statements:
        raise InvalidFile("no CFONB 120 statement found (no 01 ... 07 records)")
    return tuple(statements)


def _fail(record: _Record, column: str, reason: str) -> InvalidFile:
    error = row_error(record.number, column, record.text.rstrip(), reason)
    return InvalidFile(f"invalid CFONB 120 file: {error}", errors=(error,))


def _records(raw: bytes) -> list[_Record]:
    """The file's 120-character records, blank lines skipped, short lines padded (banks strip
    trailing blanks). A file written without line breaks is cut every 120 characters."""
    text = decode_text(raw).replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if len(lines) <= 2 and len(lines[0]) > RECORD_LENGTH and len(lines[0]) % RECORD_LENGTH == 0:
        lines = [lines[0][i : i + RECORD_LENGTH] for i in range(0, len(lines[0]), RECORD_LENGTH)]
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        record = _Record(number=number, text=line.ljust(RECORD_LENGTH))
        if len(line.rstrip()) > RECORD_LENGTH:
            raise _fail(record, "", f"a record has {RECORD_LENGTH} characters, this line {len(line.rstrip())}")
        if record.code not in _RECORD_CODES:
            raise _fail(record, "record code", "expected a record code 01, 04, 05 or 07")
        records.append(record)
    return records


def _same_account(head: _Record, record: _Record) -> None:
    # some banks write another bank code on the movements: the branch and account decide
    if record.account_fields[1:] != head.account_fields[1:]:
        raise _fail(record, "account", "branch or account differs from its statement's opening balance (01)")


def _decimals(record: _Record) -> int:
    digit = record.field(20, 20)
    if digit == " ":
        return 2  # older files leave it blank: euro cents
    if not digit.isdigit() or int(digit) > 3:
        raise _fail(record, "decimals", "number of decimals (position 20): expected 0 to 3")
    return int(digit)


def _amount(record: _Record) -> Decimal:
    text = record.field(91, 104)
    if not _AMOUNT.match(text):
        raise _fail(
            record, "amount", "amount (positions 91-104): expected 13 digits and a sign character ({, A-I, }, J-R)"
        )
    sign, last = _QUARTET[text[-1]]
    value = Decimal(f"{text[:-1]}{last}").scaleb(-_decimals(record)) * sign
    if value.copy_abs() >= _MAX_AMOUNT:
        raise _fail(record, "amount", "out of bounds: an amount must be below 10^13 in absolute value")
    return value


def _date(record: _Record, start: int, column: str, *, required: bool) -> date | None:
    text = record.field(start, start + 5)
    if not text.strip() or (text == "000000" and not required):
        if required:
            raise _fail(record, column, f"{column} (positions {start}-{start + 5}): expected a date DDMMYY")
        return None
    try:
        day, month, year = int(text[:2]), int(text[2:4]), int(text[4:])
        return date(2000 + year if year < 80 else 1900 + year, month, day)
    except ValueError:
        raise _fail(record, column, f"{column} (positions {start}-{start + 5}): expected a date DDMMYY") from None


def french_iban(bank: str, branch: str, account: str) -> str:
    """The IBAN of a French RIB, its key computed: key = 97 - (89 x bank + 15 x branch +
    3 x account) mod 97, letters of the account counted as digits; '' when not a RIB.

    >>> french_iban("30006", "00001", "12345678901")
    'FR7630006000011234567890189'
    >>> french_iban("20041", "01005", "0500013M026")
    'FR1420041010050500013M02606'
    """
    if not (bank.isdigit() and branch.isdigit() and re.fullmatch(r"[0-9A-Z]{11}", account)):
        return ""
    key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account.translate(_RIB_DIGITS))) % 97
    bban = f"{bank}{branch}{account}{key:02d}"
    numeric = "".join(str(int(c, 36)) for c in f"{bban}FR00")
    return f"FR{98 - int(numeric) % 97:02d}{bban}"


def _statement(current: _Open, tail: _Record, closing: Decimal) -> BankStatement:
    head = current.head
    bank, branch, account = (part.strip() for part in head.account_fields)
    currency = head.field(17, 19).strip()
    opening_date = _date(head, 35, "date", required=True)
    closing_date = _date(tail, 35, "date", required=True)
    assert opening_date is not None and closing_date is not None  # required dates
    lines = [_line(movement, index, currency) for index, movement in enumerate(current.movements)]
    movements = sum((line.amount for line in lines), ZERO)
    gap = balance_warning(
        opening=current.balance,
        closing=closing,
        movements=movements,
        where=f"statement {closing_date.isoformat()} (lines {head.number}-{tail.number})",
    )
    return BankStatement(
        format="cfonb120",
        statement_id=closing_date.isoformat(),
        account=french_iban(bank, branch, account) or f"{bank}{branch}{account}",
        currency=currency,
        lines=with_unique_keys(lines),
        opening_balance=current.balance,
        opening_date=opening_date,
        closing_balance=closing,
        closing_date=closing_date,
        from_date=opening_date,
        to_date=closing_date,
        warnings=(gap,) if gap else (),
    )


def _line(movement: _Movement, index: int, currency: str) -> BankLine:
    record = movement.record
    label = " ".join(record.field(49, 79).split())
    entry_number = record.field(82, 88).strip()
    reference = record.field(105, 120).strip()
    texts: list[str] = []
    names: dict[str, str] = {}
    other: list[str] = []
    end_to_end = transaction_ref = creditor_reference = ""
    for qualifier, raw_text in movement.complements:
        text = " ".join(raw_text.split())
        if qualifier in _TEXT_QUALIFIERS:
            texts.append(text)
        elif qualifier in _NAME_QUALIFIERS:
            names.setdefault(_NAME_QUALIFIERS[qualifier], text)
        elif qualifier == "RCN":
            end_to_end = end_to_end or " ".join(raw_text[:35].split())
            texts.append(" ".join(raw_text[35:].split()))
        elif qualifier == "REF":
            transaction_ref = transaction_ref or text
        elif qualifier == "LCS":
            creditor_reference = creditor_reference or text
        elif text:
            other.append(f"{qualifier.strip()} {text}".strip())
    credit = movement.amount >= ZERO
    remittance = " ".join(t for t in texts if t)
    entry_ref = reference or (entry_number if entry_number.strip("0") else "")
    booked = _date(record, 35, "booking date", required=True)
    assert booked is not None  # required
    return BankLine(
        index=index,
        amount=movement.amount,
        currency=record.field(17, 19).strip() or currency,
        entry_ref=entry_ref,
        entry_index=index,
        transaction_ref=transaction_ref,
        end_to_end_id=end_to_end,
        booking_date=booked,
        value_date=_date(record, 43, "value date", required=False),
        counterparty_name=names.get("debtor" if credit else "creditor", ""),
        ultimate_party_name=names.get("ultimate_debtor" if credit else "ultimate_creditor", ""),
        remittance_text=remittance or label,
        creditor_reference=creditor_reference,
        creditor_reference_type="RF" if creditor_reference.upper().startswith("RF") else "",
        bank_transaction_code=record.field(33, 34).strip(),
        is_reversal=bool(record.field(41, 42).strip()),
        additional_info=" ".join([label, *other] if remittance else other),
        source_line=record.number,
        # neither the reference nor the entry number is unique beyond the day: with the day
        # and the amount they tell a new line from one of an overlapping statement
        key=f"{entry_ref}#{booked.isoformat()}:{movement.amount}" if entry_ref else "",
    )
