"""SWIFT MT940 statements, read through the ``mt-940`` library.

Before the library sees it, a file is decoded (UTF-8, else CP1252/Latin-1), freed of
SWIFT block headers (``{1:...}{2:...}{4:`` ... ``-}``) and of any bank preamble, and cut
into one chunk per statement (``:20:``), so that a file holding several statements gives
several ``BankStatement`` values with their own balances. The library's ``:61:`` and
``:28C:`` readers are replaced by more tolerant ones for the dialects banks write (a
counterparty IBAN longer than the 16 characters of the reference, the payee's name on a
line of its own, no transaction type before ``//``, a wrapped statement number), and every
``:61:`` opens its own transaction: a line is read, or the file is refused with its line
number, never dropped. ``:86:`` is read here: German
structured subfields (``?20``-``?29``/``?60``-``?63`` purpose with EREF/KREF/SVWZ/ABWA,
``?30`` BIC, ``?31`` IBAN, ``?32``/``?33`` name), SWIFT slash codes (``/EREF/``,
``/REMI/``, ``/ORDP//NAME/``...), and French or free text.

>>> raw = '''{1:F01BNPAFRPPAXXX0000000000}{2:O9401200261102BNPAFRPPAXXX00000000002611021200N}{4:
... :20:STMT0211
... :25:FR7630004000031234567890143
... :28C:211/1
... :60F:C261101EUR1000,00
... :61:2611021102C918,08NTRFNONREF//BQ-778812
... :86:VIR SEPA RECU DE: ELECTRICITE MERCIER MOTIF: REF FA202601229
... :62F:C261102EUR1918,08
... -}'''.encode()
>>> (statement,) = parse_mt940(raw)
>>> statement.statement_id, statement.sequence_number, statement.closing_balance
('STMT0211', '211/1', Decimal('1918.08'))
>>> line = statement.lines[0]
>>> line.entry_ref, line.amount, line.counterparty_name, line.remittance_text
('BQ-778812', Decimal('918.08'), 'ELECTRICITE MERCIER', 'REF FA202601229')
"""

from __future__ import annotations

import logging
import re
import typing
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

import mt940
from stdnum import iban as stdnum_iban

from encours.core.errors import InvalidFile
from encours.core.formats.bank import (
    BankLine,
    BankStatement,
    balance_warning,
    clean_reference,
    decode_text,
    row_error,
    with_unique_keys,
)
from encours.core.formats.mt940_details import TransactionDetails, parse_details
from encours.core.identifiers import normalize_iban
from encours.core.money import ZERO

_TAG_LINE = re.compile(r"^:(\d{2}[A-Z]?|NS):")
_HEADER_BLOCKS = re.compile(r"^(?:\{[1-3]:(?:[^{}]|\{[^{}]*\})*\})*\{4:\s*")
_PERSON_OR_COMPANY = re.compile(r"[^\W\d_]{2}")  # two letters: a name, not an account number
_IBAN_IN_ACCOUNT = re.compile(r"\b([A-Z]{2}\d{2}[A-Z0-9]{10,30})\b")
_REQUIRED = (("20",), ("25",), ("28C", "28"), ("60F", "60M"), ("62F", "62M"))
_OPTIONS = mt940.Options(reversal_sign=True, case_insensitive_marks=True, unbounded_details=True)
_REASONS = {
    ":61:": "unreadable :61: statement line (expected value date YYMMDD, optional entry date MMDD, "
    "C, D, RC or RD, an amount like 1234,56, then the transaction type and references)",
    ":60F:": "unreadable opening balance (expected C or D, date YYMMDD, currency, amount)",
    ":62F:": "unreadable closing balance (expected C or D, date YYMMDD, currency, amount)",
}

# The library logs every tag it cannot match at ERROR level; the file's refusal already says
# which line and why, so its log would only repeat it on the operator's terminal.
logging.getLogger("mt940").setLevel(logging.CRITICAL)


class _Statement(mt940.tags.Statement):  # named so: the library keys its processors by class name
    """``:61:`` as banks write it: ``6!n[4!n]2a[1!a]15d1!a3!c16x[//16x]`` then any lines.

    Looser than the standard where banks are (the reference runs to the end of the line or
    to ``//``: ASN and SNS write an 18-character IBAN there; the transaction type may be
    missing before ``//``; the next lines, often the counterparty's name, are supplementary
    details), strict on the amount: digits with one decimal mark, followed by the type, ``//``
    or the end of the line, so that ``1.234,56`` or ``1,2,3`` is refused, not misread.
    """

    pattern: typing.ClassVar[str] = r"""^
    (?P<year>\d{2})(?P<month>\d{2})(?P<day>\d{2})
    (?P<entry_month>\d{2}|\s{2})?
    (?P<entry_day>\d{2}|\s{2})?
    (?P<status>R?[DC])
    (?P<funds_code>[A-Z])?
    [\n\ ]?
    (?P<amount>\d{1,15}(?:[,.]\d{0,15})?)
    \ ?
    (?:(?P<id>[A-Z][A-Z0-9\ ]{3})|(?=//)|(?=\n)|$)
    (?P<customer_reference>(?:(?!//)[^\n])*)
    (?://(?P<bank_reference>[^\n]*))?
    (?:\n(?P<extra_details>[\s\S]*))?
    $"""


class _StatementNumber(mt940.tags.StatementNumber):
    """``:28C:`` number[/sequence], wrapped over lines by some banks (ING: ``0000`` then
    ``0``) or with an empty number (Zenith: `` /1``)."""

    pattern: typing.ClassVar[str] = r"(?P<statement_number>[^/]{0,16})(?:/(?P<sequence_number>[^/]{0,16}))?$"

    def parse(self, transactions: mt940.models.Transactions, value: str) -> dict[str, str | None]:
        return super().parse(transactions, "".join(value.split()))


class _Transactions(mt940.models.Transactions):
    """Each ``:61:`` opens a transaction. The library instead merges a ``:61:`` into the
    previous one when that one has no transaction type (``C220000,00//ref``), and the
    earlier line silently disappears."""

    def _process_statement_tag(self, result: dict[str, Any]) -> None:
        self.transactions.append(mt940.models.Transaction(self, result))


_TAGS: dict[int | str, mt940.tags.Tag] = {61: _Statement(), 28: _StatementNumber()}


@dataclass(frozen=True, slots=True, kw_only=True)
class _Chunk:
    """One statement's lines with their line numbers in the file (1-based)."""

    numbers: tuple[int, ...]
    texts: tuple[str, ...]

    def tag_starts(self) -> list[int]:
        return [i for i, text in enumerate(self.texts) if _TAG_LINE.match(text)]


def parse_mt940(raw: bytes) -> tuple[BankStatement, ...]:
    """Every statement of an MT940 file; ``InvalidFile`` with the line on any defect."""
    text = decode_text(raw).replace("\r\n", "\n").replace("\r", "\n")
    chunks = _statement_chunks(text)
    if not chunks:
        raise InvalidFile("no MT940 statement found (no :20: tag)")
    return tuple(_statement(chunk) for chunk in chunks)


def _statement_chunks(text: str) -> list[_Chunk]:
    """Cut the file at each ``:20:``, dropping SWIFT blocks, preambles and trailers."""
    lines = [_HEADER_BLOCKS.sub("", line).rstrip() for line in text.split("\n")]
    chunks: list[_Chunk] = []
    numbers: list[int] = []
    texts: list[str] = []
    inside = False
    for index, line in enumerate(lines):
        if line.startswith(":20:"):
            if texts:
                chunks.append(_Chunk(numbers=tuple(numbers), texts=tuple(texts)))
            numbers, texts, inside = [index + 1], [line], True
            continue
        if _ends_message(lines, index, closed=any(t.startswith(":62") for t in texts)):
            if texts:
                chunks.append(_Chunk(numbers=tuple(numbers), texts=tuple(texts)))
            numbers, texts, inside = [], [], False
            continue
        if inside and line:
            numbers.append(index + 1)
            texts.append(line)
    if texts:
        chunks.append(_Chunk(numbers=tuple(numbers), texts=tuple(texts)))
    return chunks


def _ends_message(lines: list[str], index: int, *, closed: bool) -> bool:
    """``-}``, ``{5:`` or a lone ``-`` end a statement, except a ``-`` inside a wrapped
    ``:86:`` text (ING writes mandate ids such as ``MND-EV01`` cut after the dash): a lone
    ``-`` ends it once the closing balance is read, or when no text follows it."""
    line = lines[index]
    if line.startswith(("{5:", "-}")):
        return True
    if not line.startswith("-") or line.strip("-}").strip():
        return False
    following = next((text for text in lines[index + 1 :] if text.strip()), "")
    return closed or not following or following.startswith((":", "{"))


def _fail(line: int, column: str, value: str, reason: str) -> InvalidFile:
    error = row_error(line, column, value, reason)
    return InvalidFile(f"invalid MT940 file: {error}", errors=(error,))


def _check_required(chunk: _Chunk) -> None:
    present = {_TAG_LINE.match(chunk.texts[i]).group(1) for i in chunk.tag_starts()}  # type: ignore[union-attr]
    if not present.intersection(("60F", "60M")) and present.intersection(("34F", "13D", "13")):
        raise _fail(
            chunk.numbers[0], ":34F:", chunk.texts[0], "an MT942 interim report is not a statement: import the MT940"
        )
    for alternatives in _REQUIRED:
        if not present.intersection(alternatives):
            tag = "/".join(f":{a}:" for a in alternatives)
            raise _fail(chunk.numbers[0], tag, chunk.texts[0], f"statement without its mandatory {tag} tag")


def _run_library(chunk: _Chunk, upto: int | None = None) -> mt940.models.Transactions:
    starts = chunk.tag_starts()
    end = len(chunk.texts) if upto is None or upto >= len(starts) else starts[upto]
    transactions = _Transactions(processors={"post_transaction_details": []}, tags=_TAGS, options=_OPTIONS)
    transactions.parse("\n".join(chunk.texts[:end]))
    return transactions


def _parse_chunk(chunk: _Chunk) -> mt940.models.Transactions:
    _check_required(chunk)
    try:
        return _run_library(chunk)
    except Exception as exc:  # the library raises RuntimeError, ValueError, InvalidOperation...
        line, value = _locate_failure(chunk)
        tag = _tag_of(value)
        reason = _REASONS.get(tag.replace(":60M:", ":60F:").replace(":62M:", ":62F:"))
        raise _fail(line, tag, value, reason or f"unreadable MT940 tag ({type(exc).__name__})") from None


def _locate_failure(chunk: _Chunk) -> tuple[int, str]:
    """The first tag whose addition makes the library fail, by bisection on tag prefixes."""
    starts = chunk.tag_starts()
    low, high = 0, len(starts)  # prefix of `low` tags parses, prefix of `high` tags fails
    while high - low > 1:
        middle = (low + high) // 2
        try:
            _run_library(chunk, middle)
        except Exception:
            high = middle
        else:
            low = middle
    index = starts[high - 1] if starts else 0
    return chunk.numbers[index], chunk.texts[index]


def _tag_of(text: str) -> str:
    match = _TAG_LINE.match(text)
    return f":{match.group(1)}:" if match else ""


def _statement(chunk: _Chunk) -> BankStatement:
    parsed = _parse_chunk(chunk)
    data: dict[str, Any] = parsed.data
    opening = data.get("final_opening_balance") or data.get("intermediate_opening_balance")
    closing = data.get("final_closing_balance") or data.get("intermediate_closing_balance")
    currency = str(parsed.currency or "")
    details_lines = _details_line_numbers(chunk)
    if len(parsed.transactions) != len(details_lines):  # never a line lost without a word
        raise _fail(chunk.numbers[0], ":61:", chunk.texts[0], "statement lines could not be told apart")
    lines = [
        _line(transaction.data, index, currency, details_lines, chunk)
        for index, transaction in enumerate(parsed.transactions)
    ]
    statement_id = str(data.get("transaction_reference") or "").strip()
    sequence = _sequence(data)
    opening_amount = _balance_amount(opening)
    closing_amount = _balance_amount(closing)
    gap = balance_warning(
        opening=opening_amount,
        closing=closing_amount,
        movements=sum((line.amount for line in lines), ZERO),
        where=f"statement {statement_id} {sequence} (line {chunk.numbers[0]})",
    )
    return BankStatement(
        format="mt940",
        statement_id=statement_id,
        account=_account(_raw_tag(chunk, "25") or str(data.get("account_identification") or "")),
        currency=currency,
        lines=with_unique_keys(lines),
        sequence_number=sequence,
        opening_balance=opening_amount,
        opening_date=_balance_date(opening),
        closing_balance=closing_amount,
        closing_date=_balance_date(closing),
        from_date=_balance_date(opening),
        to_date=_balance_date(closing),
        warnings=(gap,) if gap else (),
    )


def _raw_tag(chunk: _Chunk, tag: str) -> str:
    """A one-line tag as written: the library cuts :25: at the 35 characters of the
    standard, and some banks write 'BIC/IBAN' longer than that."""
    prefix = f":{tag}:"
    return next((text[len(prefix) :].strip() for text in chunk.texts if text.startswith(prefix)), "")


def _sequence(data: dict[str, Any]) -> str:
    number = str(data.get("statement_number") or "")
    sequence = str(data.get("sequence_number") or "")
    return f"{number}/{sequence}" if sequence else number


def _account(value: str) -> str:
    compact = value.replace(" ", "").upper()
    match = _IBAN_IN_ACCOUNT.search(compact)
    return normalize_iban(match.group(1)) if match else value.strip()


def _balance_amount(balance: Any) -> Decimal | None:
    if balance is None:
        return None
    return Decimal(balance.amount.amount)


def _balance_date(balance: Any) -> date | None:
    when = getattr(balance, "date", None)
    return date(when.year, when.month, when.day) if when else None


def _details_line_numbers(chunk: _Chunk) -> list[int]:
    """File line of each ``:61:``, in order, for traceability of every bank line."""
    return [chunk.numbers[i] for i in chunk.tag_starts() if chunk.texts[i].startswith(":61:")]


def _line(data: dict[str, Any], index: int, currency: str, starts: list[int], chunk: _Chunk) -> BankLine:
    source_line = starts[index] if index < len(starts) else chunk.numbers[0]
    amount = Decimal(data["amount"].amount)
    status = str(data.get("status") or "").upper()
    customer_ref = clean_reference(data.get("customer_reference"))
    bank_ref = clean_reference(data.get("bank_reference"))
    details = _with_statement_line_party(
        parse_details(str(data.get("transaction_details") or "")), customer_ref, str(data.get("extra_details") or "")
    )
    code = "/".join(p for p in (str(data.get("id") or "").strip(), details.business_code) if p)
    booked = _as_date(data.get("entry_date")) or _as_date(data.get("date"))
    return BankLine(
        index=index,
        amount=amount,
        currency=str(data.get("currency") or currency),
        entry_ref=bank_ref or customer_ref,
        entry_index=index,
        transaction_ref=customer_ref,
        end_to_end_id=details.end_to_end_id,
        booking_date=booked,
        value_date=_as_date(data.get("date")),
        counterparty_name=details.name,
        counterparty_iban=details.iban,
        counterparty_bic=details.bic,
        ultimate_party_name=details.ultimate_name,
        remittance_text=details.remittance,
        creditor_reference=details.creditor_reference,
        creditor_reference_type="RF" if details.creditor_reference.upper().startswith("RF") else "",
        bank_transaction_code=code,
        is_reversal=status.startswith("R"),
        additional_info=" ".join(p for p in (details.posting_text, str(data.get("extra_details") or "")) if p),
        source_line=source_line,
        key=_key(bank_ref, customer_ref, index, booked, amount),
    )


def _key(bank_ref: str, customer_ref: str, index: int, booked: date | None, amount: Decimal) -> str:
    """The bank's reference (after ``//``) is unique; a reference for the account owner is
    not (ASN and SNS write the payer's IBAN there, Rabobank 'EREF'): with it, the line's
    place, day and amount make the key, or lines of later statements would pass for ones
    already imported."""
    if bank_ref or not customer_ref:
        return ""  # the default: the bank reference, else the place, day and amount
    return f"{customer_ref}#{index + 1}:{booked.isoformat() if booked else '-'}:{amount}"


def _with_statement_line_party(details: TransactionDetails, reference: str, extra: str) -> TransactionDetails:
    """Dutch banks put the counterparty on the ``:61:`` line: its IBAN as the reference (ASN,
    SNS) or on the next line (Rabobank), its name on the next line (ASN, SNS), which their
    ``:86:`` then repeats before the purpose ("NL47INGB... j blom" + purpose)."""
    first_extra = extra.split("\n", 1)[0].strip()
    iban = details.iban or next((c for c in (reference, first_extra) if stdnum_iban.is_valid(c)), "")
    name = details.name
    if not name and _PERSON_OR_COMPANY.search(first_extra) and not first_extra.startswith("/"):
        name = " ".join(first_extra.split())
    remittance = details.remittance
    for prefix in (f"{reference} {name}", reference) if reference and name else ():
        if remittance.upper().startswith(prefix.upper() + " "):
            remittance = remittance[len(prefix) :].strip()
            break
    return replace(details, iban=normalize_iban(iban) if iban else "", name=name, remittance=remittance)


def _as_date(value: object) -> date | None:
    if isinstance(value, date):
        return date(value.year, value.month, value.day)
    return None
