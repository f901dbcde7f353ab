"""Bank CSV exports read through a saved mapping."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from encours.core.errors import EncoursError, ImportRejected, InvalidFile
from encours.core.formats.bank_csv import BankCsvMapping, parse_bank_csv, parse_csv_amount

FIXTURES = Path(__file__).parent / "fixtures" / "bank"
FRENCH = BankCsvMapping(
    date_column="Date opération",
    value_date_column="Date valeur",
    debit_column="Débit",
    credit_column="Crédit",
    payer_name_column="Tiers",
    payer_iban_column="IBAN tiers",
    text_columns=("Libellé",),
    reference_column="Référence",
    skip_rows=2,
    account="FR76 3000 4000 0312 3456 7890 143",
)
SIMPLE = BankCsvMapping(date_column="Date", amount_column="Montant", text_columns=("Libelle", "Info"))


def test_parse_bank_csv_reads_a_french_cp1252_export_with_a_preamble() -> None:
    (statement,) = parse_bank_csv((FIXTURES / "bank_export_fr.csv").read_bytes(), mapping=FRENCH)
    assert statement.account == "FR7630004000031234567890143"
    assert [line.amount for line in statement.lines] == [
        Decimal("918.08"),
        Decimal("-1250.00"),
        Decimal("1434.10"),
    ]
    first = statement.lines[0]
    assert first.counterparty_name == "ÉLECTRICITÉ MERCIER SASU"
    assert first.counterparty_iban == "FR7647506223018558463641272"
    assert (first.entry_ref, first.remittance_text, first.source_line) == (
        "BQ-1",
        "VIR SEPA REF FA202601229",
        4,
    )
    assert (statement.from_date, statement.to_date) == (date(2026, 11, 2), date(2026, 11, 7))


def test_parse_bank_csv_gives_the_same_statement_id_to_the_same_file() -> None:
    raw = (FIXTURES / "bank_export_fr.csv").read_bytes()
    assert parse_bank_csv(raw, mapping=FRENCH)[0].natural_key == parse_bank_csv(raw, mapping=FRENCH)[0].natural_key


def test_parse_bank_csv_joins_the_text_columns() -> None:
    raw = b"Date,Libelle,Info,Montant\n02/11/2026,VIR FA2026-01229,  merci ,918.08\n"
    mapping = BankCsvMapping(**{**SIMPLE.as_dict(), "delimiter": ",", "decimal_comma": False})  # type: ignore[arg-type]
    (statement,) = parse_bank_csv(raw, mapping=mapping)
    assert statement.lines[0].remittance_text == "VIR FA2026-01229 merci"


def test_parse_bank_csv_matches_column_names_without_case_or_accents() -> None:
    raw = b"DATE;LIBELLE;INFO;MONTANT\n02/11/2026;x;y;1,00\n"
    (statement,) = parse_bank_csv(raw, mapping=SIMPLE)
    assert statement.lines[0].amount == Decimal("1.00")


def test_parse_bank_csv_uses_the_mapping_date_format() -> None:
    raw = b"Date;Libelle;Info;Montant\n2026-11-02;x;y;1\n"
    mapping = BankCsvMapping(**{**SIMPLE.as_dict(), "date_format": "%Y-%m-%d"})  # type: ignore[arg-type]
    assert parse_bank_csv(raw, mapping=mapping)[0].lines[0].booking_date == date(2026, 11, 2)


def test_parse_bank_csv_reports_every_bad_row_with_line_and_column() -> None:
    raw = (
        b"Date;Libelle;Info;Montant\n"
        b"02/11/2026;ok;;10,00\n"
        b"31/11/2026;bad date;;10,00\n"
        b"03/11/2026;bad amount;;dix euros\n"
        b"\n"
        b";no date;;5\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        parse_bank_csv(raw, mapping=SIMPLE)
    found = [(e.line, e.column, e.value) for e in rejected.value.errors]
    assert found == [(3, "Date", "31/11/2026"), (4, "Montant", "dix euros"), (6, "Date", "")]


def test_parse_bank_csv_refuses_a_row_with_both_debit_and_credit() -> None:
    raw = "Date opération;Débit;Crédit\n02/11/2026;5,00;6,00\n".encode()
    mapping = BankCsvMapping(date_column="Date opération", debit_column="Débit", credit_column="Crédit")
    with pytest.raises(ImportRejected, match="both debit and credit"):
        parse_bank_csv(raw, mapping=mapping)


def test_parse_bank_csv_names_missing_columns_and_lists_those_found() -> None:
    with pytest.raises(InvalidFile) as failure:
        parse_bank_csv(b"Date;Amount\n02/11/2026;1\n", mapping=SIMPLE)
    message = str(failure.value)
    assert "'Montant'" in message and "'Libelle'" in message and "'Amount'" in message
    assert [e.line for e in failure.value.errors] == [1, 1, 1]


def test_parse_bank_csv_refuses_a_header_without_rows() -> None:
    with pytest.raises(InvalidFile, match="no transaction"):
        parse_bank_csv(b"Date;Libelle;Info;Montant\n", mapping=SIMPLE)


def test_parse_bank_csv_names_the_line_of_bytes_not_in_the_declared_encoding() -> None:
    raw = "Date;Libelle;Info;Montant\n02/11/2026;Société;;1\n".encode("latin-1")
    mapping = BankCsvMapping(**{**SIMPLE.as_dict(), "encoding": "utf-8"})  # type: ignore[arg-type]
    with pytest.raises(InvalidFile, match="line 2"):
        parse_bank_csv(raw, mapping=mapping)


def test_parse_bank_csv_reads_an_undeclared_latin1_file() -> None:
    raw = "Date;Libelle;Info;Montant\n02/11/2026;Société Générale;;1\n".encode("latin-1")
    assert parse_bank_csv(raw, mapping=SIMPLE)[0].lines[0].remittance_text == "Société Générale"


@pytest.mark.parametrize(
    ("text", "decimal_comma", "expected"),
    [
        ("1 234,56", True, "1234.56"),
        ("1.234,56", True, "1234.56"),
        ("1\u202f234,56 €", True, "1234.56"),
        ("12,50-", True, "-12.50"),
        ("(12,50)", True, "-12.50"),
        ("1,234.56", False, "1234.56"),
        ("-0.01", False, "-0.01"),
        ("+7", True, "7"),
    ],
)
def test_parse_csv_amount_reads_the_ways_banks_write_amounts(text: str, decimal_comma: bool, expected: str) -> None:
    assert parse_csv_amount(text, decimal_comma=decimal_comma) == Decimal(expected)


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_parse_csv_amount_reads_back_what_a_french_export_writes(amount: Decimal) -> None:
    written = f"{amount:,.2f}".replace(",", " ").replace(".", ",")
    assert parse_csv_amount(written, decimal_comma=True) == amount


def test_mapping_round_trips_through_its_stored_form() -> None:
    assert BankCsvMapping.from_dict(FRENCH.as_dict()) == FRENCH


def test_mapping_refuses_an_unknown_stored_setting() -> None:
    with pytest.raises(InvalidFile, match="colour"):
        BankCsvMapping.from_dict({"date_column": "Date", "amount_column": "M", "colour": "red"})


@pytest.mark.parametrize(
    "settings_",
    [
        {"date_column": "", "amount_column": "M"},
        {"date_column": "D"},
        {"date_column": "D", "amount_column": "M", "debit_column": "X", "credit_column": "Y"},
        {"date_column": "D", "debit_column": "X"},
        {"date_column": "D", "amount_column": "M", "delimiter": ";;"},
        {"date_column": "D", "amount_column": "M", "skip_rows": -1},
    ],
)
def test_mapping_refuses_inconsistent_settings(settings_: dict[str, object]) -> None:
    with pytest.raises(InvalidFile, match="CSV mapping"):
        BankCsvMapping.from_dict(settings_)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(max_size=12), min_size=0, max_size=6), max_size=6))
def test_parse_bank_csv_on_any_rows_raises_only_the_project_error(rows: list[list[str]]) -> None:
    raw = "\n".join(["Date;Libelle;Info;Montant", *(";".join(row) for row in rows)]).encode("utf-8", "replace")
    try:
        (statement,) = parse_bank_csv(raw, mapping=SIMPLE)
    except EncoursError:
        return
    assert all(line.booking_date is not None for line in statement.lines)
