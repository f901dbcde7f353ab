"""CFONB 120 statements: records 01/04/05/07 by their positions, the quartet amounts, errors."""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from encours.core.errors import EncoursError, InvalidFile
from encours.core.formats.bank import detect_bank_format, read_bank_file
from encours.core.formats.cfonb import french_iban, parse_cfonb

BANK, BRANCH, ACCOUNT = "30006", "00001", "12345678901"
IBAN = "FR7630006000011234567890189"  # the RIB 30006 00001 12345678901 key 89


def record(code: str, *, day: str = "021126", amount: str = "0000000000000{", decimals: str = "2", **parts: str) -> str:
    """A 120-character record, each part at the position the CFONB brochure gives it."""
    chars = [" "] * 120

    def put(start: int, text: str) -> None:
        chars[start - 1 : start - 1 + len(text)] = text

    put(1, code)
    put(3, parts.get("bank", BANK))
    put(12, BRANCH)
    put(17, parts.get("currency", "EUR"))
    put(20, decimals)
    put(22, parts.get("account", ACCOUNT))
    put(35, day)
    if code in ("04", "05"):
        put(8, "0158")
        put(33, parts.get("operation", "05"))
    if code == "04":
        put(41, parts.get("reject", "  "))
        put(43, parts.get("value_date", day))
        put(49, parts.get("label", "VIR SEPA RECU"))
        put(82, parts.get("entry", "0000000"))
        put(105, parts.get("reference", ""))
    if code == "05":
        put(46, parts["qualifier"])
        put(49, parts["text"])
    if code != "05":
        put(91, amount)
    return "".join(chars)


def statement(*middle: str, opening: str = "0000000010000{", closing: str = "0000000010000{") -> bytes:
    head = record("01", day="011126", amount=opening)
    tail = record("07", day="021126", amount=closing)
    return "\n".join([head, *middle, tail]).encode("latin-1")


def test_parse_cfonb_reads_balances_dates_and_the_account_as_its_french_iban() -> None:
    (parsed,) = parse_cfonb(statement(opening="0000000012345E", closing="0000000012345E"))
    assert parsed.format == "cfonb120"
    assert parsed.account == IBAN
    assert (parsed.opening_balance, parsed.closing_balance) == (Decimal("1234.55"), Decimal("1234.55"))
    assert (parsed.opening_date, parsed.closing_date) == (date(2026, 11, 1), date(2026, 11, 2))
    assert (parsed.currency, parsed.lines, parsed.warnings) == ("EUR", (), ())


@pytest.mark.parametrize(
    "amount,decimals,value",
    [
        ("0000000000000{", "2", "0.00"),
        ("0000000000012A", "2", "1.21"),
        ("0000000000012I", "2", "1.29"),
        ("0000000000012}", "2", "-1.20"),
        ("0000000000012J", "2", "-1.21"),
        ("0000000000012R", "2", "-1.29"),
        ("0000000000012C", "0", "123"),
        ("0000000000012C", "1", "12.3"),
        ("9999999999999I", "2", "999999999999.99"),
    ],
)
def test_parse_cfonb_decodes_the_quartet_sign_and_last_digit(amount: str, decimals: str, value: str) -> None:
    raw = statement(record("04", amount=amount, decimals=decimals), closing="0000000010000{")
    (parsed,) = parse_cfonb(raw)
    assert parsed.lines[0].amount == Decimal(value)


def test_parse_cfonb_reads_a_movement_and_its_complement_records() -> None:
    raw = statement(
        record("04", amount="0000000009180H", label="VIR SEPA DUPONT SARL", reference="REF-778812"),
        record("05", qualifier="NPY", text="DUPONT SARL"),
        record("05", qualifier="NBE", text="DURAND MATERIAUX"),
        record("05", qualifier="LCC", text="FACTURES FA2026-01229"),
        record("05", qualifier="LC2", text="ET FA2026-01230"),
        record("05", qualifier="RCN", text="E2E-42".ljust(35) + "SUPP"),
        record("05", qualifier="REF", text="TX-9"),
        record("05", qualifier="MMO", text="USD2000000000100000"),
        closing="0000000019180H",
    )
    (parsed,) = parse_cfonb(raw)
    (line,) = parsed.lines
    assert (line.amount, line.entry_ref, line.transaction_ref, line.end_to_end_id) == (
        Decimal("918.08"),
        "REF-778812",
        "TX-9",
        "E2E-42",
    )
    assert line.counterparty_name == "DUPONT SARL"  # the debtor pays us
    assert line.remittance_text == "FACTURES FA2026-01229 ET FA2026-01230 SUPP"
    assert line.additional_info == "VIR SEPA DUPONT SARL MMO USD2000000000100000"  # nothing dropped
    assert (line.booking_date, line.value_date, line.bank_transaction_code) == (date(2026, 11, 2),) * 2 + ("05",)
    assert line.source_line == 2
    assert parsed.warnings == ()


def test_parse_cfonb_names_the_creditor_of_a_debit_and_keeps_the_label_without_complements() -> None:
    raw = statement(
        record("04", amount="0000000001210}", label="PRLV SEPA GROUPAMA", entry="0012345"),
        record("05", qualifier="NBE", text="GROUPAMA"),
        record("05", qualifier="NPY", text="DURAND MATERIAUX"),
        record("04", amount="0000000000079}", label="F COMMISSION"),
        closing="0000000008711{",
    )
    (parsed,) = parse_cfonb(raw)
    first, second = parsed.lines
    assert (first.amount, first.counterparty_name, first.entry_ref) == (Decimal("-121.00"), "GROUPAMA", "0012345")
    assert first.key == "0012345#2026-11-02:-121.00"  # an entry number is not unique beyond its day
    assert (second.remittance_text, second.entry_ref, second.key) == ("F COMMISSION", "", "#2:2026-11-02:-7.90")


def test_parse_cfonb_warns_when_balances_do_not_reconcile() -> None:
    (parsed,) = parse_cfonb(statement(record("04", amount="0000000000500{"), closing="0000000010000{"))
    assert parsed.warnings == (
        "statement 2026-11-02 (lines 1-3): opening 1000.00 + movements 50.00 != closing 1000.00 (gap 50.00)",
    )


def test_parse_cfonb_reads_several_daily_statements_and_blank_lines() -> None:
    day_one = statement(record("04", amount="0000000000500{"), closing="0000000010500{")
    day_two = "\n".join(
        [
            record("01", day="021126", amount="0000000010500{"),
            "",
            record("07", day="031126", amount="0000000010500{"),
        ]
    ).encode()
    first, second = parse_cfonb(day_one + b"\r\n\r\n" + day_two)
    assert (first.closing_balance, second.opening_balance) == (Decimal("1050.00"), Decimal("1050.00"))
    assert first.natural_key != second.natural_key
    assert second.statement_id == "2026-11-03"


def test_parse_cfonb_reads_records_without_line_breaks_and_stripped_trailing_blanks() -> None:
    raw = statement(record("04", amount="0000000000500{", label="VIR"), closing="0000000010500{")
    joined = raw.replace(b"\n", b"")
    stripped = b"\n".join(line.rstrip() for line in raw.split(b"\n"))
    assert detect_bank_format(joined) == detect_bank_format(stripped) == "cfonb120"
    assert parse_cfonb(joined)[0].lines[0].amount == parse_cfonb(stripped)[0].lines[0].amount == Decimal("50.00")


def test_read_bank_file_detects_cfonb_from_its_records() -> None:
    assert read_bank_file(statement())[0].format == "cfonb120"


def test_french_iban_keeps_letters_of_an_account_number() -> None:
    # La Banque Postale's published example RIB: 20041 01005 0500013M026 key 06
    assert french_iban("20041", "01005", "0500013M026") == "FR1420041010050500013M02606"
    assert french_iban("2004A", "01005", "0500013M026") == ""


@pytest.mark.parametrize(
    "middle,line,column,reason",
    [
        ([record("04", amount="00000000005O0{")], 2, "amount", "13 digits and a sign character"),
        ([record("04", amount="0000000000500X")], 2, "amount", "13 digits and a sign character"),
        ([record("04", decimals="7")], 2, "decimals", "0 to 3"),
        ([record("04", day="310226")], 2, "booking date", "DDMMYY"),
        ([record("04", value_date="  1126")], 2, "value date", "DDMMYY"),
        ([record("05", qualifier="LIB", text="X")], 2, "05", "without a movement"),
        ([record("04", account="99999999999")], 2, "account", "differs"),
        ([record("03")], 2, "record code", "01, 04, 05 or 07"),
        (["04" + "X" * 130], 2, "", "120 characters"),
        ([record("01")], 2, "01", "before the closing balance"),
    ],
)
def test_parse_cfonb_refuses_a_bad_record_naming_its_line_and_field(
    middle: list[str], line: int, column: str, reason: str
) -> None:
    with pytest.raises(InvalidFile) as failure:
        parse_cfonb(statement(*middle))
    (error,) = failure.value.errors
    assert (error.line, error.column) == (line, column)
    assert reason in error.reason


def test_parse_cfonb_refuses_a_statement_without_its_closing_balance() -> None:
    raw = record("01").encode() + b"\n" + record("04").encode()
    with pytest.raises(InvalidFile, match=r"line 1.*without its closing balance"):
        parse_cfonb(raw)


def test_parse_cfonb_refuses_a_movement_outside_a_statement() -> None:
    with pytest.raises(InvalidFile, match=r"line 1.*outside a statement"):
        parse_cfonb(record("04").encode())


_RECORD_PARTS = st.sampled_from(["01", "04", "05", "07"]).flatmap(
    lambda code: st.builds(
        lambda amount, sign, decimals, day, text: record(
            code, amount=amount + sign, decimals=decimals, day=day, qualifier="LCC", text=text
        ),
        st.text(alphabet="0123456789 O", min_size=13, max_size=13),
        st.sampled_from("{}AIJRX0"),
        st.sampled_from("0123 9"),
        st.text(alphabet="0123456789 ", min_size=6, max_size=6),
        st.text(max_size=70),
    )
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_RECORD_PARTS, max_size=8))
def test_parse_cfonb_on_any_records_gives_bounded_values_or_the_projects_error(records: list[str]) -> None:
    try:
        statements = parse_cfonb("\n".join(records).encode("utf-8", "replace"))
    except EncoursError:
        return
    for parsed in statements:
        for amount in (parsed.opening_balance, parsed.closing_balance, *(line.amount for line in parsed.lines)):
            assert amount is not None and abs(amount) < Decimal(10) ** 13
            assert -amount.as_tuple().exponent <= 3  # type: ignore[operator]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_parse_cfonb_on_any_bytes_raises_only_the_projects_error(noise: bytes) -> None:
    with contextlib.suppress(EncoursError):
        parse_cfonb(b"01" + noise)
