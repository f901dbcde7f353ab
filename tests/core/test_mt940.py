"""MT940 reading through the mt-940 library: headers, preambles, :86: shapes, errors."""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from encours.core.errors import EncoursError, InvalidFile
from encours.core.formats.mt940 import parse_mt940
from encours.core.formats.mt940_details import parse_details

FIXTURES = Path(__file__).parent / "fixtures" / "bank"
SAMPLE = Path("/work/shared/data/bank/sepa_mt940_sample.sta")


def statement(*lines: str) -> bytes:
    head = [":20:REF1", ":25:FR7630004000031234567890143", ":28C:7/1", ":60F:C261101EUR100,00"]
    return "\n".join([*head, *lines, ":62F:C261102EUR100,00"]).encode()


def test_parse_mt940_reads_all_97_transactions_of_the_sepa_sample() -> None:
    statements = parse_mt940(SAMPLE.read_bytes())
    assert len(statements) == 26
    assert sum(len(s.lines) for s in statements) == 97


def test_parse_mt940_signs_the_debit_opening_balance_of_the_sample() -> None:
    first = parse_mt940(SAMPLE.read_bytes())[0]
    assert (first.statement_id, first.sequence_number) == ("T089413946000001", "00004/00001")
    assert (first.opening_balance, first.closing_balance) == (Decimal("-1234718.36"), Decimal("-1237628.23"))
    assert first.opening_date == date(2007, 9, 3)
    assert first.account == "50880050/0194774600888"


def test_parse_mt940_balances_of_every_sample_statement_reconcile() -> None:
    # the reversal of a credit (RC) is a debit: with it signed so, no statement has a gap
    assert all(s.warnings == () for s in parse_mt940(SAMPLE.read_bytes()))


def test_parse_mt940_signs_a_reversal_of_credit_as_money_out() -> None:
    first = parse_mt940(SAMPLE.read_bytes())[0]
    reversal = first.lines[5]
    assert (reversal.amount, reversal.is_reversal) == (Decimal("-204.88"), True)


def test_parse_mt940_reads_german_structured_details_of_the_sample() -> None:
    line = parse_mt940(SAMPLE.read_bytes())[1].lines[0]
    assert line.amount == Decimal("15000.05")
    assert line.counterparty_iban == "DE42100100100043921105"
    assert line.counterparty_bic == "PBNKDEFF100"
    assert line.counterparty_name == "Richter Renate 70 Zeichen Beginn Fuellzeichen xxxxxxxx"
    assert line.end_to_end_id == "EndToEndIdTFNR2000400001"
    assert line.remittance_text.startswith("TO 13 TFNr 20004 Eingangskanal Mint")
    assert line.bank_transaction_code == "NTRF/166"
    assert (line.value_date, line.booking_date) == (date(2007, 9, 4), date(2007, 9, 4))


def test_parse_mt940_uses_the_bank_reference_as_entry_reference() -> None:
    line = parse_mt940(SAMPLE.read_bytes())[0].lines[0]
    assert line.entry_ref == "0724710345313905"


def test_parse_mt940_keys_nonref_lines_by_position() -> None:
    line = parse_mt940(SAMPLE.read_bytes())[0].lines[3]
    assert (line.entry_ref, line.key) == ("", "#4:2007-09-04:66295.08")


def test_parse_mt940_strips_swift_blocks_and_reads_two_statements() -> None:
    first, second = parse_mt940((FIXTURES / "mt940_swift_two_statements.sta").read_bytes())
    assert (first.statement_id, second.statement_id) == ("STMT0211", "STMT0212")
    assert first.account == "FR7630004000031234567890143"  # after 'BNPAFRPP/', beyond 35 characters
    assert (first.closing_balance, second.opening_balance, second.closing_balance) == (
        Decimal("1668.08"),
        Decimal("1668.08"),
        Decimal("2975.04"),
    )
    assert [line.entry_ref for line in first.lines] == ["BQ-778812", "BQ-778813"]


def test_parse_mt940_reads_french_labelled_details() -> None:
    first, _ = parse_mt940((FIXTURES / "mt940_swift_two_statements.sta").read_bytes())
    line = first.lines[0]
    assert line.counterparty_name == "ELECTRICITE MERCIER SASU"
    assert line.remittance_text == "REF FA202601229"
    assert line.counterparty_iban == "FR7647506223018558463641272"
    assert line.additional_info == "VIR SEPA RECU"


def test_parse_mt940_reads_swift_slash_codes() -> None:
    _, second = parse_mt940((FIXTURES / "mt940_swift_two_statements.sta").read_bytes())
    line = second.lines[0]
    assert (line.counterparty_name, line.remittance_text, line.end_to_end_id) == (
        "FROMAGERIE ROUX SAS",
        "FACTURE FA2026-00834",
        "E2E-77",
    )


def test_parse_mt940_skips_a_bank_preamble_and_joins_a_wrapped_reference() -> None:
    (parsed,) = parse_mt940((FIXTURES / "mt940_preamble_french.sta").read_bytes())
    (line,) = parsed.lines
    assert parsed.opening_balance == Decimal("-512.40")
    assert "FA2026-01203" in line.remittance_text  # written 'FA2026-01' at the end of a 65-character line
    assert line.source_line == 8


def test_parse_mt940_reads_a_latin1_file() -> None:
    raw = statement(":61:2611021102C10,00NTRFNONREF", ":86:VIREMENT DE: SOCIÉTÉ GÉNÉRALE")
    (parsed,) = parse_mt940(raw.decode().encode("latin-1"))
    assert parsed.lines[0].counterparty_name == "SOCIÉTÉ GÉNÉRALE"


def test_parse_mt940_warns_when_balances_do_not_reconcile() -> None:
    (parsed,) = parse_mt940(statement(":61:2611021102C10,00NTRFNONREF"))
    assert "gap 10.00" in parsed.warnings[0]


def test_parse_mt940_names_the_line_of_an_unreadable_transaction() -> None:
    raw = statement(":61:2611021102C10,00NTRFNONREF", ":86:OK", ":61:26AB021102C10,00NTRFNONREF")
    with pytest.raises(InvalidFile) as failure:
        parse_mt940(raw)
    error = failure.value.errors[0]
    assert (error.line, error.column) == (7, ":61:")


def test_parse_mt940_names_a_missing_mandatory_tag() -> None:
    raw = b":20:REF1\n:25:FR76\n:28C:1/1\n:61:2611021102C10,00NTRFNONREF\n:62F:C261102EUR10,00\n"
    with pytest.raises(InvalidFile, match=":60F:/:60M:"):
        parse_mt940(raw)


def test_parse_mt940_refuses_a_file_without_statement() -> None:
    with pytest.raises(InvalidFile, match="no MT940 statement"):
        parse_mt940(b"hello\nworld\n")


@pytest.mark.parametrize("amount", ["1,2,3", ","])
def test_parse_mt940_refuses_a_malformed_amount(amount: str) -> None:
    with pytest.raises(InvalidFile, match="line 5"):
        parse_mt940(statement(f":61:2611021102C{amount}NTRFNONREF"))


def test_parse_mt940_reads_an_iban_reference_and_the_payees_name_on_its_own_line() -> None:
    # ASN / SNS: the 18-character IBAN overflows the 16 of the reference, the name follows
    (parsed,) = parse_mt940(
        statement(
            ":61:2611021102C918,08NOVBNL91ABNA0417164300",
            "ELECTRICITE MERCIER",
            ":86:NL91ABNA0417164300 ELECTRICITE MERCIER",
            "",
            "FACTURE FA2026-01229",
        )
    )
    (line,) = parsed.lines
    assert (line.amount, line.transaction_ref) == (Decimal("918.08"), "NL91ABNA0417164300")
    assert (line.counterparty_name, line.counterparty_iban) == ("ELECTRICITE MERCIER", "NL91ABNA0417164300")
    assert line.remittance_text == "FACTURE FA2026-01229"


def test_parse_mt940_keys_a_line_by_its_owner_reference_with_its_day_and_amount() -> None:
    # the same payee's IBAN as reference on two days: two lines, two keys
    raw = statement(":61:2611021102C10,00NOVBNL91ABNA0417164300", ":61:2611031103C10,00NOVBNL91ABNA0417164300")
    first, second = parse_mt940(raw)[0].lines
    assert (first.key, second.key) == (
        "NL91ABNA0417164300#1:2026-11-02:10.00",
        "NL91ABNA0417164300#2:2026-11-03:10.00",
    )


def test_parse_mt940_reads_the_counterparty_iban_on_the_line_after_61() -> None:
    # Rabobank: the counterparty account is the supplementary details of :61:
    (parsed,) = parse_mt940(
        statement(
            ":61:261102C000000000010,00N541NONREF",
            "NL91ABNA0417164300",
            ":86:/ORDP//NAME/FROMAGERIE ROUX/REMI/FA2026-00834/ISDT/2026-11-02",
        )
    )
    (line,) = parsed.lines
    assert (line.counterparty_iban, line.counterparty_name) == ("NL91ABNA0417164300", "FROMAGERIE ROUX")
    assert line.remittance_text == "FA2026-00834"


def test_parse_mt940_keeps_every_61_even_without_a_transaction_type() -> None:
    # Zenith writes 'CN220000,00//ref': the library merged such a line into the next one
    (parsed,) = parse_mt940(
        statement(
            ":61:2611021102CN40,00//REF-1",
            ":86:FIRST",
            ":61:2611021102CN2,50//REF-2",
            ":86:SECOND",
        )
    )
    assert [(line.amount, line.entry_ref) for line in parsed.lines] == [
        (Decimal("40.00"), "REF-1"),
        (Decimal("2.50"), "REF-2"),
    ]
    assert "gap 42.50" in parsed.warnings[0]  # both movements counted against the balances


def test_parse_mt940_reads_a_space_between_amount_and_transaction_type() -> None:
    (parsed,) = parse_mt940(statement(":61:2611021102D12,35 NRTIKREF+//2016021783252833"))
    assert (parsed.lines[0].amount, parsed.lines[0].entry_ref) == (Decimal("-12.35"), "2016021783252833")


def test_parse_mt940_reads_a_dash_inside_wrapped_details_and_a_wrapped_statement_number() -> None:
    # ING: a mandate id cut after its dash, and ':28C:0000' continued on the next line
    raw = "\n".join(
        [
            ":20:P140220000000001",
            ":25:NL77INGB0574908765EUR",
            ":28C:0000",
            "0",
            ":60F:C140219EUR662,23",
            ":61:1402200220D1,14NDDTEREF//00000000001009",
            ":86:/EREF/EV123R",
            "EP123412T1234//MARF/MND",
            "-",
            "EV01//REMI/USTD//FA2026-01229/",
            ":62F:C140220EUR661,09",
            "-",
        ]
    ).encode()
    (parsed,) = parse_mt940(raw)
    (line,) = parsed.lines
    assert parsed.sequence_number == "00000"
    assert (line.end_to_end_id, line.remittance_text) == ("EV123REP123412T1234", "FA2026-01229")
    assert parsed.warnings == ()


def test_parse_mt940_ends_a_statement_at_a_dash_after_its_closing_and_trailer_tags() -> None:
    # ABN AMRO, ING: :64: and :65: after the closing balance, then '-' and the next message's preamble
    closing = [":62F:C261102EUR100,00", ":64:C261102EUR100,00", ":65:C261103EUR100,00", ":65:C261104EUR100,00"]
    raw = (
        "\n".join([*statement().decode().split("\n")[:4], *closing, "-", "ABNANL2A", "940", "ABNANL2A"]).encode()
        + b"\n"
        + statement(":61:2611021102C0,00NTRFNONREF").replace(b":20:REF1", b":20:REF2")
    )
    first, second = parse_mt940(raw)
    assert (first.statement_id, second.statement_id, len(second.lines)) == ("REF1", "REF2", 1)


def test_parse_mt940_reads_a_statement_number_without_number() -> None:
    raw = statement(":61:2611021102C0,00NTRFNONREF").replace(b":28C:7/1", b":28C: /1")
    assert parse_mt940(raw)[0].sequence_number == "/1"


@pytest.mark.parametrize("amount", ["1.234,56", "12,3,4", "1 234,56"])
def test_parse_mt940_refuses_the_whole_file_on_an_amount_it_cannot_read(amount: str) -> None:
    raw = statement(":61:2611021102C10,00NTRFNONREF", ":86:OK", f":61:2611021102C{amount}NTRFNONREF", ":86:KO")
    with pytest.raises(InvalidFile) as failure:
        parse_mt940(raw)
    error = failure.value.errors[0]
    assert (error.line, error.column) == (7, ":61:")
    assert "amount like 1234,56" in error.reason


def test_parse_mt940_refuses_an_mt942_interim_report_by_name() -> None:
    raw = b":20:ST1\n:25:NL91ABNA0417164300\n:28C:1/1\n:34F:EUR0,\n:13D:2611021200+0100\n:61:2611021102C1,00NTRFX\n"
    with pytest.raises(InvalidFile, match="MT942 interim report"):
        parse_mt940(raw)


def test_parse_details_reads_abn_amro_transaction_type_codes() -> None:
    details = parse_details(
        "/TRTP/SEPA OVERBOEKING/IBAN/NL91ABNA0417164300/BIC/ABNANL2A/NAME/\n"
        "DUPONT SARL/REMI/FA2026-01229/EREF/NOTPROV\nIDED"
    )
    assert (details.name, details.iban, details.bic) == ("DUPONT SARL", "NL91ABNA0417164300", "ABNANL2A")
    assert (details.remittance, details.end_to_end_id) == ("FA2026-01229", "")


def test_parse_details_reads_triodos_subfields_written_with_a_greater_than_sign() -> None:
    details = parse_details("000>100555555555\n>20FACTUUR FA2026-0122>219 DUPONT\n>310666666666")
    assert (details.remittance, details.iban) == ("FACTUUR FA2026-01229 DUPONT", "0666666666")


def test_parse_details_reads_knab_dutch_labels() -> None:
    details = parse_details("FACTUUR 201403110, 201403113 REK: NL91ABNA0417164300/NAAM: PICQER")
    assert (details.remittance, details.iban, details.name) == (
        "FACTUUR 201403110, 201403113",
        "NL91ABNA0417164300",
        "PICQER",
    )


def test_parse_details_reads_german_purpose_keywords() -> None:
    details = parse_details("166?00GUTSCHRIFT?20EREF+E2E-1?21KREF+K-9?22SVWZ+FA2026-0122?239?32ACME?33 GMBH")
    assert (details.end_to_end_id, details.customer_reference, details.remittance, details.name) == (
        "E2E-1",
        "K-9",
        "FA2026-01229",
        "ACME GMBH",
    )


def test_parse_details_reads_an_ultimate_debtor_keyword() -> None:
    assert parse_details("166?20SVWZ+FACT 12?21ABWA+FILIALE NORD").ultimate_name == "FILIALE NORD"


def test_parse_details_keeps_free_text_as_remittance() -> None:
    details = parse_details("PAIEMENT FACTURE FA2026-01229 MERCI")
    assert (details.remittance, details.name) == ("PAIEMENT FACTURE FA2026-01229 MERCI", "")


def test_parse_details_finds_a_valid_iban_in_free_text_only() -> None:
    assert parse_details("VIR FR76 3000 6000 0112 3456 7890 189 FACT 1").iban == "FR7630006000011234567890189"
    assert parse_details("VIR FR7630006000011234567890188 FACT 1").iban == ""


def test_parse_details_reads_an_rf_reference_in_slash_codes() -> None:
    details = parse_details("/EREF/NOTPROVIDED/REMI/STRD/CUR/RF97FA202601229/")
    assert (details.creditor_reference, details.end_to_end_id) == ("RF97FA202601229", "")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from([":20:", ":25:", ":28C:", ":60F:", ":61:", ":86:", ":62F:", "-", "{4:", "?20"]),
        max_size=12,
    ),
    st.text(max_size=40),
)
def test_parse_mt940_on_scrambled_tags_raises_only_the_project_error(tags: list[str], filler: str) -> None:
    raw = "\n".join(tag + filler for tag in tags).encode("utf-8", "replace")
    with contextlib.suppress(EncoursError):
        parse_mt940(raw)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789CDR,. ABNTRF/", max_size=40))
def test_parse_mt940_on_any_statement_line_raises_only_the_project_error(body: str) -> None:
    with contextlib.suppress(EncoursError):
        parse_mt940(statement(f":61:{body}"))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_parse_mt940_on_bytes_in_any_encoding_raises_only_the_project_error(noise: bytes) -> None:
    with contextlib.suppress(EncoursError):
        parse_mt940(statement(":61:2611021102C10,00NTRFNONREF") + b"\n:86:" + noise)
