"""ISO 20022 camt.053 statements and camt.054 debit/credit notifications, any version.

Elements are found by ``local-name()``, so versions .001.02 to .001.13 (and the odd bank
namespace) read the same. One ``BankLine`` per ``TxDtls``; an entry without details is one
line; a batch entry whose details carry no amount gives its amount to its single detail.
The parser never resolves entities nor reaches the network, rejects any DTD, and turns
every defect into ``InvalidFile`` naming the line and the element.

>>> xml = b'''<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
... <GrpHdr><MsgId>M1</MsgId></GrpHdr><Stmt><Id>S1</Id><ElctrncSeqNb>7</ElctrncSeqNb>
... <Acct><Id><IBAN>FR7630004000031234567890143</IBAN></Id><Ccy>EUR</Ccy></Acct>
... <Ntry><NtryRef>E1</NtryRef><Amt Ccy="EUR">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
... <Sts>BOOK</Sts><BookgDt><Dt>2026-11-02</Dt></BookgDt>
... <NtryDtls><TxDtls><RmtInf><Ustrd>FACTURE FA2026-01229</Ustrd></RmtInf></TxDtls></NtryDtls>
... </Ntry></Stmt></BkToCstmrStmt></Document>'''
>>> (statement,) = parse_camt(xml)
>>> statement.format, statement.format_version, statement.sequence_number
('camt.053', '053.001.02', '7')
>>> line = statement.lines[0]
>>> line.entry_ref, line.amount, line.remittance_text, line.booking_date
('E1', Decimal('100.00'), 'FACTURE FA2026-01229', datetime.date(2026, 11, 2))
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from lxml import etree

from encours.core.errors import InvalidFile
from encours.core.formats.bank import (
    BankFormat,
    BankLine,
    BankStatement,
    balance_warning,
    camt_version,
    clean_reference,
    row_error,
    with_unique_keys,
)
from encours.core.identifiers import normalize_iban
from encours.core.money import ZERO

_MESSAGES: dict[str, tuple[BankFormat, str]] = {
    "BkToCstmrStmt": ("camt.053", "Stmt"),
    "BkToCstmrDbtCdtNtfctn": ("camt.054", "Ntfctn"),
}
_XML_DECIMAL = re.compile(r"^\+?(\d{1,18}(\.\d{0,5})?|\.\d{1,5})$")
_OPENING_CODES = ("OPBD", "PRCD", "OPAV")
_CLOSING_CODES = ("CLBD", "CLAV")


@cache
def _xpath(path: str) -> etree.XPath:
    """'A/B' -> './*[local-name()="A"]/*[local-name()="B"]'; '//' searches descendants."""
    steps = []
    for part in path.split("/"):
        steps.append("/*" if part == "" else f"/*[local-name()='{part}']")
    expression = "." + "".join(steps).replace("/*/*[", "//*[")
    return etree.XPath(expression)


def _all(element: etree._Element, path: str) -> list[etree._Element]:
    found = _xpath(path)(element)
    assert isinstance(found, list)
    return [e for e in found if isinstance(e, etree._Element)]


def _first(element: etree._Element | None, path: str) -> etree._Element | None:
    if element is None:
        return None
    found = _all(element, path)
    return found[0] if found else None


def _text(element: etree._Element | None, path: str) -> str:
    node = _first(element, path)
    if node is None or node.text is None:
        return ""
    return " ".join(node.text.split())


def _fail(element: etree._Element | None, column: str, value: str, reason: str) -> InvalidFile:
    line = element.sourceline if element is not None and element.sourceline else 0
    error = row_error(line, column, value, reason)
    return InvalidFile(f"invalid camt file: {error}", errors=(error,))


def parse_camt(raw: bytes) -> tuple[BankStatement, ...]:
    """Every statement (camt.053) or notification (camt.054) of the file, in file order."""
    root = _parse_xml(raw)
    message = next((e for e in root.iter() if _local(e) in _MESSAGES), None)
    if message is None:
        raise InvalidFile("XML file without a camt.053 (BkToCstmrStmt) or camt.054 message")
    file_format, statement_tag = _MESSAGES[_local(message)]
    version = camt_version(_namespace(message)) or camt_version(raw[:4096].decode("ascii", "replace"))
    message_id = _text(message, "GrpHdr/MsgId")
    blocks = _all(message, statement_tag)
    if not blocks:
        raise _fail(message, statement_tag, "", f"the message holds no {statement_tag} element")
    context = _Context(file_format=file_format, version=version, message_id=message_id)
    return tuple(_statement(block, context) for block in blocks)


def _parse_xml(raw: bytes) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
    )
    try:
        tree = etree.fromstring(raw, parser=parser).getroottree()
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or 0
        error = row_error(line, "", "", f"malformed XML: {exc.msg}")
        raise InvalidFile(f"invalid camt file: {error}", errors=(error,)) from None
    except (ValueError, TypeError) as exc:
        raise InvalidFile(f"invalid camt file: {exc}") from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise InvalidFile("camt files carry no DTD: a DOCTYPE is refused for safety")
    return tree.getroot()


def _local(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _namespace(element: etree._Element) -> str:
    tag = element.tag
    return (etree.QName(tag).namespace or "") if isinstance(tag, str) else ""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Context:
    file_format: BankFormat
    version: str
    message_id: str


def _statement(block: etree._Element, context: _Context) -> BankStatement:
    statement_id = _text(block, "Id")
    if not statement_id:
        raise _fail(block, "Id", "", "statement without an Id")
    account = _account_id(_first(block, "Acct"))
    currency = _text(block, "Acct/Ccy")
    opening = _balance(block, _OPENING_CODES)
    closing = _balance(block, _CLOSING_CODES)
    lines, movements, warnings = _entries(block, currency)
    gap = balance_warning(
        opening=opening[0] if opening else None,
        closing=closing[0] if closing else None,
        movements=movements,
        where=f"statement {statement_id}",
    )
    return BankStatement(
        format=context.file_format,
        statement_id=statement_id,
        account=account,
        currency=currency or (lines[0].currency if lines else ""),
        lines=with_unique_keys(lines),
        sequence_number=_text(block, "ElctrncSeqNb") or _text(block, "LglSeqNb"),
        message_id=context.message_id,
        format_version=context.version,
        created_at=_datetime(block, "CreDtTm"),
        from_date=_date_of(_first(block, "FrToDt/FrDtTm"), "FrToDt/FrDtTm"),
        to_date=_date_of(_first(block, "FrToDt/ToDtTm"), "FrToDt/ToDtTm"),
        opening_balance=opening[0] if opening else None,
        opening_date=opening[1] if opening else None,
        closing_balance=closing[0] if closing else None,
        closing_date=closing[1] if closing else None,
        warnings=(*warnings, gap) if gap else warnings,
    )


def _entries(block: etree._Element, currency: str) -> tuple[list[BankLine], Decimal, tuple[str, ...]]:
    """Every entry's lines, the entries' signed total, and the entries' warnings."""
    lines: list[BankLine] = []
    warnings: list[str] = []
    movements = ZERO
    for entry_index, entry in enumerate(_all(block, "Ntry")):
        entry_lines, amount, warning = _entry_lines(entry, entry_index, len(lines), currency)
        lines.extend(entry_lines)
        movements += amount
        if warning:
            warnings.append(warning)
    return lines, movements, tuple(warnings)


def _account_id(account: etree._Element | None) -> str:
    iban = _text(account, "Id/IBAN")
    if iban:
        return normalize_iban(iban)
    return _text(account, "Id/Othr/Id")


def _balance(block: etree._Element, codes: tuple[str, ...]) -> tuple[Decimal, date | None] | None:
    by_code: dict[str, etree._Element] = {}
    for balance in _all(block, "Bal"):
        code = _text(balance, "Tp/CdOrPrtry/Cd") or _text(balance, "Tp/CdOrPrtry/Prtry")
        by_code.setdefault(code, balance)
    for code in codes:
        if code in by_code:
            balance = by_code[code]
            amount = _signed_amount(balance, _first(balance, "Amt"), "Bal/Amt")
            when = _date_of(_first(balance, "Dt/Dt"), "Bal/Dt/Dt") or _date_of(
                _first(balance, "Dt/DtTm"), "Bal/Dt/DtTm"
            )
            return amount, when
    return None


def _amount(node: etree._Element | None, column: str) -> Decimal:
    text = (node.text or "").strip() if node is not None else ""
    if not _XML_DECIMAL.match(text):
        raise _fail(node, column, text, "not an amount (digits with an optional '.' decimal point)")
    return Decimal(text)


def _signed_amount(owner: etree._Element, node: etree._Element | None, column: str) -> Decimal:
    if node is None:
        raise _fail(owner, column, "", "missing amount")
    value = _amount(node, column)
    indicator = _text(owner, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise _fail(owner, "CdtDbtInd", indicator, "expected CRDT or DBIT")
    return value if indicator == "CRDT" else -value


def _date_of(node: etree._Element | None, column: str) -> date | None:
    if node is None or not (node.text or "").strip():
        return None
    text = node.text.strip() if node.text else ""
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise _fail(node, column, text, "not an ISO date (YYYY-MM-DD)") from None


def _datetime(block: etree._Element, path: str) -> datetime | None:
    node = _first(block, path)
    if node is None or not (node.text or "").strip():
        return None
    text = (node.text or "").strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _fail(node, path, text, "not an ISO date-time") from None


def _entry_date(entry: etree._Element, tag: str) -> date | None:
    return _date_of(_first(entry, f"{tag}/Dt"), f"Ntry/{tag}/Dt") or _date_of(
        _first(entry, f"{tag}/DtTm"), f"Ntry/{tag}/DtTm"
    )


def _bank_code(node: etree._Element | None) -> str:
    domain = _text(node, "BkTxCd/Domn/Cd")
    if domain:
        parts = (domain, _text(node, "BkTxCd/Domn/Fmly/Cd"), _text(node, "BkTxCd/Domn/Fmly/SubFmlyCd"))
        return "/".join(p for p in parts if p)
    return _text(node, "BkTxCd/Prtry/Cd")


def _entry_lines(
    entry: etree._Element, entry_index: int, first_index: int, account_currency: str
) -> tuple[list[BankLine], Decimal, str | None]:
    """The lines of one ``Ntry``, its signed amount, and a warning when its details do not
    add up to it."""
    amount_node = _first(entry, "Amt")
    signed = _signed_amount(entry, amount_node, "Ntry/Amt")
    currency = (amount_node.get("Ccy") if amount_node is not None else None) or account_currency
    status = _text(entry, "Sts/Cd") or _text(entry, "Sts")
    base = BankLine(
        index=first_index,
        amount=signed,
        currency=currency,
        entry_ref=clean_reference(_text(entry, "NtryRef")) or clean_reference(_text(entry, "AcctSvcrRef")),
        entry_index=entry_index,
        booking_date=_entry_date(entry, "BookgDt"),
        value_date=_entry_date(entry, "ValDt"),
        bank_transaction_code=_bank_code(entry),
        is_reversal=_text(entry, "RvslInd").lower() in ("true", "1"),
        status=status,
        additional_info=_text(entry, "AddtlNtryInf"),
        source_line=entry.sourceline or 0,
    )
    details = _all(entry, "NtryDtls/TxDtls")
    if not details:
        return [_without_details(base)], signed, None
    if len(details) > 1 and any(
        _first(tx, "AmtDtls/TxAmt/Amt") is None and _first(tx, "Amt") is None for tx in details
    ):
        return (
            [_batch_without_amounts(base, details)],
            signed,
            (
                f"entry {base.entry_ref or entry_index + 1} (line {base.source_line}): its {len(details)} transactions "
                f"carry no amount each: kept as one line of {signed}"
            ),
        )
    lines = [_detail_line(base, tx, i, len(details)) for i, tx in enumerate(details)]
    total = sum((line.amount for line in lines), ZERO)
    warning = None
    if total != signed and all(line.currency == currency for line in lines):
        warning = (
            f"entry {base.entry_ref or entry_index + 1} (line {base.source_line}): "
            f"transaction details sum to {total}, entry amount {signed}"
        )
    return lines, signed, warning


def _batch_without_amounts(base: BankLine, details: list[etree._Element]) -> BankLine:
    """A batch entry whose transactions say whom and why but not how much each: one line of
    the entry's amount, with every transaction's texts, so that matching can still pay the
    invoices they name together."""
    lines = [_detail_line(base, tx, 0, 1) for tx in details]
    names = {line.counterparty_name for line in lines}
    return replace(
        lines[0],
        counterparty_name=names.pop() if len(names) == 1 else "",
        remittance_text=" ".join(line.remittance_text for line in lines if line.remittance_text),
        referenced_documents=tuple(doc for line in lines for doc in line.referenced_documents),
        end_to_end_id="",
        source_line=base.source_line,
    )


def _without_details(base: BankLine) -> BankLine:
    # without details, the entry's additional information is all the remittance there is
    return replace(base, remittance_text=base.additional_info, additional_info="")


def _detail_amount(base: BankLine, tx: etree._Element, count: int) -> tuple[Decimal, str]:
    """The transaction's signed amount in the account currency (AmtDtls/TxAmt), else its
    amount, else the entry's when it is the entry's only transaction — also when that one
    transaction states its amount in another currency than the entry's."""
    amount_node = _first(tx, "AmtDtls/TxAmt/Amt")
    if amount_node is None:
        amount_node = _first(tx, "Amt")
    foreign = amount_node is not None and (amount_node.get("Ccy") or base.currency) != base.currency
    if count == 1 and (amount_node is None or foreign):
        return base.amount, base.currency
    if amount_node is None:
        raise _fail(tx, "TxDtls/Amt", "", "a batch entry's transaction has no amount")
    magnitude = _amount(amount_node, "TxDtls/Amt")
    indicator = _text(tx, "CdtDbtInd")
    credit = indicator == "CRDT" if indicator else base.amount >= ZERO
    return (magnitude if credit else -magnitude), amount_node.get("Ccy") or base.currency


def _detail_line(base: BankLine, tx: etree._Element, tx_index: int, count: int) -> BankLine:
    amount, currency = _detail_amount(base, tx, count)
    credit_line = amount > ZERO or (amount == ZERO and base.amount >= ZERO)
    party, account, agent = ("Dbtr", "DbtrAcct", "DbtrAgt") if credit_line else ("Cdtr", "CdtrAcct", "CdtrAgt")
    ultimate = "UltmtDbtr" if credit_line else "UltmtCdtr"
    reference, reference_type = _creditor_reference(tx)
    refs = _first(tx, "Refs")
    return replace(
        base,
        key="",
        index=base.index + tx_index,
        tx_index=tx_index,
        amount=amount,
        currency=currency,
        transaction_ref=clean_reference(_text(refs, "AcctSvcrRef") or _text(refs, "TxId")),
        end_to_end_id=clean_reference(_text(refs, "EndToEndId")),
        counterparty_name=_party_name(tx, party),
        counterparty_iban=_party_iban(tx, account),
        counterparty_bic=_text(tx, f"RltdAgts/{agent}/FinInstnId/BICFI")
        or _text(tx, f"RltdAgts/{agent}/FinInstnId/BIC"),
        ultimate_party_name=_party_name(tx, ultimate),
        remittance_text=_remittance_text(tx),
        creditor_reference=reference,
        creditor_reference_type=reference_type,
        referenced_documents=tuple(_strip(n.text) for n in _all(tx, "RmtInf/Strd/RfrdDocInf/Nb") if n.text),
        bank_transaction_code=_bank_code(tx) or base.bank_transaction_code,
        additional_info=" ".join(p for p in (base.additional_info, _text(tx, "AddtlTxInf")) if p),
        source_line=tx.sourceline or base.source_line,
    )


def _strip(text: str | None) -> str:
    return " ".join((text or "").split())


def _party_name(tx: etree._Element, party: str) -> str:
    # .001.02-.07 put the name under the party, .001.08+ under Pty; some banks mix them.
    return _text(tx, f"RltdPties/{party}/Nm") or _text(tx, f"RltdPties/{party}/Pty/Nm")


def _party_iban(tx: etree._Element, account: str) -> str:
    iban = _text(tx, f"RltdPties/{account}/Id/IBAN")
    return normalize_iban(iban) if iban else _text(tx, f"RltdPties/{account}/Id/Othr/Id")


def _remittance_text(tx: etree._Element) -> str:
    parts = [_strip(n.text) for n in _all(tx, "RmtInf/Ustrd") if n.text]
    parts += [_strip(n.text) for n in _all(tx, "RmtInf/Strd/AddtlRmtInf") if n.text]
    return " ".join(p for p in parts if p)


def _creditor_reference(tx: etree._Element) -> tuple[str, str]:
    for info in _all(tx, "RmtInf/Strd/CdtrRefInf"):
        reference = _text(info, "Ref")
        if not reference:
            continue
        code = _text(info, "Tp/CdOrPrtry/Cd") or _text(info, "Tp/CdOrPrtry/Prtry")
        compact = "".join(reference.split()).upper()
        kind = "RF" if compact.startswith("RF") and compact[2:4].isdigit() else (code or "other")
        return reference, kind
    return "", ""
