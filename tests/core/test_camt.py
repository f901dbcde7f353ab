"""camt.053 / camt.054 reading: every namespace version, batches, errors, fuzzing."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from encours.core.errors import EncoursError, InvalidFile
from encours.core.formats.camt import parse_camt

FIXTURES = Path(__file__).parent / "fixtures" / "bank"
SAMPLE = Path("/work/shared/data/sample-portfolio/camt053_nov.xml")
VERSIONS = [f"{v:02d}" for v in range(2, 14)]


def camt053(version: str, entries: str, *, balances: str = "") -> bytes:
    """A minimal camt.053 of a given version, shaped as that version's schema has it."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}">
<BkToCstmrStmt><GrpHdr><MsgId>MSG-{version}</MsgId><CreDtTm>2026-11-30T20:00:00</CreDtTm></GrpHdr>
<Stmt><Id>STMT-{version}</Id><ElctrncSeqNb>5</ElctrncSeqNb>
<Acct><Id><IBAN>FR7630004000031234567890143</IBAN></Id><Ccy>EUR</Ccy></Acct>
{balances}
{entries}
</Stmt></BkToCstmrStmt></Document>""".encode()


def entry(version: str, *, amount: str = "918.08", indicator: str = "CRDT", details: str = "", ref: str = "E1") -> str:
    status = "<Sts><Cd>BOOK</Cd></Sts>" if int(version) >= 8 else "<Sts>BOOK</Sts>"
    return (
        f'<Ntry><NtryRef>{ref}</NtryRef><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>'
        f"{status}<BookgDt><Dt>2026-11-02</Dt></BookgDt><ValDt><Dt>2026-11-03</Dt></ValDt>"
        f"{details}</Ntry>"
    )


def debtor(version: str, name: str) -> str:
    party = f"<Pty><Nm>{name}</Nm></Pty>" if int(version) >= 8 else f"<Nm>{name}</Nm>"
    return f"<Dbtr>{party}</Dbtr><DbtrAcct><Id><IBAN>FR7647506223018558463641272</IBAN></Id></DbtrAcct>"


@pytest.mark.parametrize("version", VERSIONS)
def test_parse_camt_reads_every_version_from_02_to_13_the_same_way(version: str) -> None:
    details = (
        f"<NtryDtls><TxDtls><Refs><EndToEndId>E2E-{version}</EndToEndId></Refs>"
        f'<Amt Ccy="EUR">918.08</Amt><RltdPties>{debtor(version, "ÉLECTRICITÉ MERCIER SASU")}</RltdPties>'
        "<RmtInf><Ustrd>ref fa202601229</Ustrd></RmtInf></TxDtls></NtryDtls>"
    )
    (statement,) = parse_camt(camt053(version, entry(version, details=details)))
    (line,) = statement.lines
    assert statement.format_version == f"053.001.{version}"
    assert (line.entry_ref, line.amount, line.status) == ("E1", Decimal("918.08"), "BOOK")
    assert (line.booking_date, line.value_date) == (date(2026, 11, 2), date(2026, 11, 3))
    assert line.counterparty_name == "ÉLECTRICITÉ MERCIER SASU"
    assert line.counterparty_iban == "FR7647506223018558463641272"
    assert (line.remittance_text, line.end_to_end_id) == ("ref fa202601229", f"E2E-{version}")


def test_parse_camt_reads_the_november_sample_statement() -> None:
    (statement,) = parse_camt(SAMPLE.read_bytes())
    assert statement.format == "camt.053"
    assert statement.statement_id == "2026-11-595401761"
    assert statement.sequence_number == "11"
    assert statement.account == "FR7630004000031234567890143"
    assert (statement.opening_balance, statement.closing_balance) == (
        Decimal("250000.00"),
        Decimal("313121.07"),
    )
    assert (statement.from_date, statement.to_date) == (date(2026, 11, 1), date(2026, 11, 30))
    assert statement.created_at == datetime(2026, 11, 30, 20, 0)
    assert len(statement.lines) == 45
    assert statement.warnings == ()  # 250 000.00 + receipts of 63 121.07 = 313 121.07


def test_parse_camt_keys_the_sample_lines_by_their_entry_reference() -> None:
    (statement,) = parse_camt(SAMPLE.read_bytes())
    keys = [line.key for line in statement.lines]
    assert keys[:3] == ["NTRY00020", "NTRY00036", "NTRY00005"]
    assert len(set(keys)) == 45


def test_parse_camt_splits_a_batch_entry_into_its_transactions() -> None:
    (statement,) = parse_camt((FIXTURES / "camt053_v02_batch.xml").read_bytes())
    batch = [line for line in statement.lines if line.entry_ref == "B-0001"]
    assert [line.amount for line in batch] == [Decimal("1434.10"), Decimal("1406.96"), Decimal("1245.25")]
    assert [line.key for line in batch] == ["B-0001", "B-0001/2", "B-0001/3"]
    assert [line.tx_index for line in batch] == [0, 1, 2]
    assert [line.transaction_ref for line in batch] == ["TX-1", "TX-2", "TX-3"]


def test_parse_camt_joins_several_unstructured_remittance_lines() -> None:
    (statement,) = parse_camt((FIXTURES / "camt053_v02_batch.xml").read_bytes())
    assert statement.lines[1].remittance_text == "FA 2026 00834 MERCI"


def test_parse_camt_maps_notprovided_end_to_end_id_to_empty() -> None:
    (statement,) = parse_camt((FIXTURES / "camt053_v02_batch.xml").read_bytes())
    assert statement.lines[1].end_to_end_id == ""


def test_parse_camt_keeps_the_ultimate_debtor_of_a_payment_made_for_someone_else() -> None:
    (statement,) = parse_camt((FIXTURES / "camt053_v02_batch.xml").read_bytes())
    line = statement.lines[2]
    assert (line.counterparty_name, line.ultimate_party_name) == (
        "GROUPE FONTAINE SA",
        "TRANSPORTS FONTAINE EURL",
    )


def test_parse_camt_gives_an_entry_without_details_one_line_with_its_information() -> None:
    (statement,) = parse_camt((FIXTURES / "camt053_v02_batch.xml").read_bytes())
    fees = statement.lines[3]
    assert (fees.key, fees.amount, fees.remittance_text) == (
        "FEES-11",
        Decimal("-12.50"),
        "COMMISSION TENUE DE COMPTE",
    )
    assert fees.bank_transaction_code == "ACMT/MDOP/CHRG"


def test_parse_camt_reads_the_creditor_of_a_debit_and_the_reversal_flag() -> None:
    (statement,) = parse_camt((FIXTURES / "camt053_v02_batch.xml").read_bytes())
    reversal = statement.lines[4]
    assert reversal.amount == Decimal("-839.19")
    assert reversal.is_reversal
    assert reversal.counterparty_name == "LIBRAIRIE PICARD SAS"
    assert reversal.payer_name == ""


def test_parse_camt_uses_the_previous_closing_balance_as_opening() -> None:
    (statement,) = parse_camt((FIXTURES / "camt053_v02_batch.xml").read_bytes())
    assert (statement.opening_balance, statement.opening_date) == (Decimal("10000.00"), date(2026, 11, 3))
    assert statement.warnings == ()  # 10 000.00 + 4 086.31 - 12.50 - 839.19 = 13 234.62


def test_parse_camt_reads_a_camt054_notification_with_structured_remittance() -> None:
    (notification,) = parse_camt((FIXTURES / "camt054_v08_notification.xml").read_bytes())
    (line,) = notification.lines
    assert (notification.format, notification.statement_id) == ("camt.054", "NTF-20261105-01-A")
    assert notification.opening_balance is None
    assert (line.creditor_reference, line.creditor_reference_type) == ("RF97FA202601229", "RF")
    assert line.referenced_documents == ("FA2026-01229",)
    assert line.counterparty_bic == "CMCIFRPP"
    assert line.booking_date == date(2026, 11, 5)  # from a date-time


def test_parse_camt_gives_a_single_detail_without_amount_the_entry_amount() -> None:
    details = "<NtryDtls><TxDtls><RmtInf><Ustrd>FACTURE 12</Ustrd></RmtInf></TxDtls></NtryDtls>"
    (statement,) = parse_camt(camt053("08", entry("08", amount="40.00", details=details)))
    assert statement.lines[0].amount == Decimal("40.00")


def test_parse_camt_gives_a_single_detail_in_another_currency_the_entry_amount() -> None:
    details = '<NtryDtls><TxDtls><Amt Ccy="SEK">98.40</Amt></TxDtls></NtryDtls>'
    (statement,) = parse_camt(camt053("08", entry("08", amount="8.85", details=details)))
    assert (statement.lines[0].amount, statement.lines[0].currency) == (Decimal("8.85"), "EUR")


def test_parse_camt_keeps_a_batch_whose_details_carry_no_amount_as_one_line_with_their_texts() -> None:
    # camt.054 .001.02 of some banks: who paid and why, but not how much each
    tx = "<TxDtls><RltdPties>{}</RltdPties><RmtInf><Ustrd>{}</Ustrd></RmtInf></TxDtls>"
    details = tx.format(debtor("02", "DUPONT SARL"), "FA2026-01229") + tx.format(
        debtor("02", "DUPONT SA"), "FA2026-01230"
    )
    (statement,) = parse_camt(camt053("02", entry("02", amount="300.00", details=f"<NtryDtls>{details}</NtryDtls>")))
    (line,) = statement.lines
    assert (line.amount, line.key, line.counterparty_name) == (Decimal("300.00"), "E1", "")
    assert line.remittance_text == "FA2026-01229 FA2026-01230"
    assert statement.warnings == (
        "entry E1 (line 7): its 2 transactions carry no amount each: kept as one line of 300.00",
    )


def test_parse_camt_warns_when_batch_details_do_not_add_up() -> None:
    tx = '<TxDtls><Amt Ccy="EUR">10.00</Amt></TxDtls>'
    (statement,) = parse_camt(camt053("08", entry("08", amount="25.00", details=f"<NtryDtls>{tx}{tx}</NtryDtls>")))
    assert "sum to 20.00, entry amount 25.00" in statement.warnings[0]


def test_parse_camt_warns_when_balances_do_not_reconcile() -> None:
    balances = (
        "<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp>"
        '<Amt Ccy="EUR">100.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Dt><Dt>2026-11-01</Dt></Dt></Bal>'
        "<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp>"
        '<Amt Ccy="EUR">900.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-30</Dt></Dt></Bal>'
    )
    (statement,) = parse_camt(camt053("08", entry("08"), balances=balances))
    assert statement.opening_balance == Decimal("-100.00")
    assert "gap -81.92" in statement.warnings[0]  # -100.00 + 918.08 - 900.00


def test_parse_camt_reads_several_statements_of_one_message() -> None:
    raw = camt053("04", entry("04")).replace(b"</Stmt>", b"</Stmt><Stmt><Id>SECOND</Id></Stmt>")
    statements = parse_camt(raw)
    assert [s.statement_id for s in statements] == ["STMT-04", "SECOND"]
    assert statements[1].lines == ()


def test_parse_camt_names_the_line_of_a_malformed_document() -> None:
    raw = b"<Document>\n<BkToCstmrStmt>\n<Stmt><Id>X</Id>\n</BkToCstmrStmt>"
    with pytest.raises(InvalidFile) as failure:
        parse_camt(raw)
    assert failure.value.errors[0].line == 4
    assert "malformed XML" in str(failure.value)


def test_parse_camt_names_the_line_and_element_of_a_bad_amount() -> None:
    with pytest.raises(InvalidFile) as failure:
        parse_camt(camt053("08", entry("08", amount="9I8,08")))
    error = failure.value.errors[0]
    assert (error.line, error.column, error.value) == (7, "Ntry/Amt", "9I8,08")


@pytest.mark.parametrize("amount", ["-5.00", "1e3", "NaN", ""])
def test_parse_camt_refuses_amounts_a_bank_never_writes(amount: str) -> None:
    with pytest.raises(InvalidFile, match="not an amount"):
        parse_camt(camt053("08", entry("08", amount=amount)))


def test_parse_camt_refuses_an_unknown_credit_debit_indicator() -> None:
    with pytest.raises(InvalidFile, match="CRDT or DBIT"):
        parse_camt(camt053("08", entry("08", indicator="CREDIT")))


def test_parse_camt_refuses_a_bad_date() -> None:
    raw = camt053("08", entry("08")).replace(b"2026-11-02", b"2026-13-02")
    with pytest.raises(InvalidFile, match="ISO date"):
        parse_camt(raw)


def test_parse_camt_refuses_a_doctype_so_no_entity_is_ever_expanded() -> None:
    raw = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<Document><BkToCstmrStmt><Stmt><Id>&x;</Id></Stmt></BkToCstmrStmt></Document>"
    )
    with pytest.raises(InvalidFile, match="DTD"):
        parse_camt(raw)


def test_parse_camt_refuses_xml_that_is_not_camt() -> None:
    with pytest.raises(InvalidFile, match=r"camt\.053"):
        parse_camt(b"<Invoice><Id>1</Id></Invoice>")


def test_parse_camt_refuses_latin1_bytes_in_a_utf8_document() -> None:
    raw = camt053("08", entry("08", details="<AddtlNtryInf>É</AddtlNtryInf>")).replace(
        "É".encode(), "É".encode("latin-1")
    )
    with pytest.raises(InvalidFile, match="malformed XML"):
        parse_camt(raw)


VALID = camt053(
    "08",
    entry(
        "08",
        details='<NtryDtls><TxDtls><Amt Ccy="EUR">918.08</Amt><RmtInf><Ustrd>FA1</Ustrd></RmtInf></TxDtls></NtryDtls>',
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(VALID) - 1), st.integers(1, 40), st.binary(max_size=12))
def test_parse_camt_on_a_damaged_document_raises_only_the_project_error(start: int, length: int, junk: bytes) -> None:
    damaged = VALID[:start] + junk + VALID[start + length :]
    try:
        statements = parse_camt(damaged)
    except EncoursError:
        return
    assert all(line.currency for s in statements for line in s.lines)


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=0, max_size=20))
def test_parse_camt_on_any_amount_text_raises_only_the_project_error(amount: str) -> None:
    text = amount.replace("<", "").replace("&", "")
    try:
        (statement,) = parse_camt(camt053("08", entry("08", amount=text)))
    except EncoursError:
        return
    assert statement.lines[0].amount == Decimal(text.strip())
