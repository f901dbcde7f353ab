"""Format detection, decoding and the shared bank values."""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from encours.core.errors import EncoursError, InvalidFile
from encours.core.formats.bank import (
    BankLine,
    BankStatement,
    decode_text,
    detect_bank_format,
    read_bank_file,
    sniff_delimiter,
    with_unique_keys,
)
from encours.core.formats.bank_csv import BankCsvMapping

FIXTURES = Path(__file__).parent / "fixtures" / "bank"
SAMPLE_CAMT = Path("/work/shared/data/sample-portfolio/camt053_nov.xml")
SAMPLE_MT940 = Path("/work/shared/data/bank/sepa_mt940_sample.sta")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("camt053_v02_batch.xml", "camt.053"),
        ("camt054_v08_notification.xml", "camt.054"),
        ("mt940_swift_two_statements.sta", "mt940"),
        ("mt940_preamble_french.sta", "mt940"),
        ("bank_export_fr.csv", "csv"),
    ],
)
def test_detect_bank_format_reads_the_content_of_each_fixture(name: str, expected: str) -> None:
    assert detect_bank_format((FIXTURES / name).read_bytes()) == expected


def test_detect_bank_format_recognises_the_real_samples() -> None:
    assert detect_bank_format(SAMPLE_CAMT.read_bytes()) == "camt.053"
    assert detect_bank_format(SAMPLE_MT940.read_bytes()) == "mt940"


def test_detect_bank_format_accepts_a_prefixed_namespace() -> None:
    raw = b'<?xml version="1.0"?><c:Document xmlns:c="urn:x"><c:BkToCstmrStmt></c:BkToCstmrStmt></c:Document>'
    assert detect_bank_format(raw) == "camt.053"


def test_detect_bank_format_refuses_a_camt_052_report_with_a_reason() -> None:
    with pytest.raises(InvalidFile, match=r"camt\.052"):
        detect_bank_format(b"<Document><BkToCstmrAcctRpt></BkToCstmrAcctRpt></Document>")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty"),
        (b"   \n  ", "empty"),
        (b"PK\x03\x04rest of a zip", "Excel"),
        (b"%PDF-1.7 binary", "PDF"),
        (b"<html><body>login</body></html>", "camt message element"),
        (b"just one line of prose without any delimiter", "unknown bank file format"),
    ],
)
def test_detect_bank_format_explains_what_the_file_is_not(raw: bytes, message: str) -> None:
    with pytest.raises(InvalidFile, match=message):
        detect_bank_format(raw)


def test_decode_text_prefers_utf8_and_strips_its_mark() -> None:
    assert decode_text("\ufeffLibellé".encode()) == "Libellé"


def test_decode_text_falls_back_to_cp1252_for_windows_exports() -> None:
    assert decode_text("Débit €".encode("cp1252")) == "Débit €"


def test_decode_text_reads_utf16_with_its_mark() -> None:
    assert decode_text("Crédit;Débit".encode("utf-16")) == "Crédit;Débit"


@given(st.binary(max_size=300))
def test_decode_text_never_fails_on_any_bytes(raw: bytes) -> None:
    assert isinstance(decode_text(raw), str)


def test_sniff_delimiter_ignores_a_short_bank_preamble() -> None:
    text = "Compte;FR76\nPeriode;novembre\nDate;Libelle;Montant;Ref\n1;a;2;3\n4;b;5;6\n7;c;8;9\n"
    assert sniff_delimiter(text) == ";"


def test_bank_line_key_is_the_entry_reference_then_the_transaction_number() -> None:
    first = BankLine(index=0, amount=Decimal("1"), currency="EUR", entry_ref="E1")
    second = BankLine(index=1, amount=Decimal("2"), currency="EUR", entry_ref="E1", tx_index=1)
    assert (first.key, second.key) == ("E1", "E1/2")


def test_bank_line_without_reference_is_keyed_by_position_date_and_amount() -> None:
    line = BankLine(index=4, amount=Decimal("-12.50"), currency="EUR", booking_date=date(2026, 11, 4))
    assert line.key == "#5:2026-11-04:-12.50"


def test_with_unique_keys_disambiguates_a_reference_used_twice() -> None:
    lines = [BankLine(index=i, amount=Decimal(i + 1), currency="EUR", entry_ref="NONUNIQUE") for i in range(2)]
    keys = [line.key for line in with_unique_keys(lines)]
    assert len(set(keys)) == 2
    assert all(key.startswith("NONUNIQUE#") for key in keys)


def test_payer_fields_are_empty_on_a_debit() -> None:
    line = BankLine(index=0, amount=Decimal("-5"), currency="EUR", counterparty_name="EDF", counterparty_iban="FR76")
    assert (line.payer_name, line.payer_iban, line.is_credit) == ("", "", False)


def test_statement_totals_split_credits_and_debits() -> None:
    lines = tuple(
        BankLine(index=i, amount=Decimal(a), currency="EUR") for i, a in enumerate(("10.00", "-3.50", "2.25"))
    )
    statement = BankStatement(format="csv", statement_id="S", account="A", currency="EUR", lines=lines)
    assert (statement.total_credits, statement.total_debits) == (Decimal("12.25"), Decimal("-3.50"))


def test_statement_natural_key_separates_formats_and_sequences() -> None:
    base = {"statement_id": "S1", "account": "FR76X", "currency": "EUR", "lines": ()}
    first = BankStatement(format="camt.053", sequence_number="11", **base)  # type: ignore[arg-type]
    second = BankStatement(format="camt.053", sequence_number="12", **base)  # type: ignore[arg-type]
    notification = BankStatement(format="camt.054", sequence_number="11", **base)  # type: ignore[arg-type]
    assert len({first.natural_key, second.natural_key, notification.natural_key}) == 3


def test_read_bank_file_asks_for_a_mapping_for_csv() -> None:
    with pytest.raises(InvalidFile, match="mapping"):
        read_bank_file((FIXTURES / "bank_export_fr.csv").read_bytes())


def test_read_bank_file_dispatches_on_the_detected_format() -> None:
    mapping = BankCsvMapping(date_column="Date opération", debit_column="Débit", credit_column="Crédit", skip_rows=2)
    (csv_statement,) = read_bank_file((FIXTURES / "bank_export_fr.csv").read_bytes(), csv_mapping=mapping)
    statements = read_bank_file((FIXTURES / "mt940_swift_two_statements.sta").read_bytes())
    assert csv_statement.format == "csv"
    assert [s.format for s in statements] == ["mt940", "mt940"]


@settings(max_examples=200)
@given(st.binary(max_size=400))
def test_read_bank_file_on_random_bytes_raises_only_the_project_error(raw: bytes) -> None:
    with contextlib.suppress(EncoursError):
        read_bank_file(raw, csv_mapping=BankCsvMapping(date_column="Date", amount_column="Montant"))
