"""FEC parsing without a database: separators, encodings, classification, lettrage, errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from encours.core.errors import InvalidFile
from encours.core.formats.fec import file_name_identity, parse_fec

HEADER = (
    "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|PieceRef|"
    "PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise"
)


def named(result, key):
    """The number (PieceRef) of the item with this key."""
    return next(item.number for item in result.items if item.key == key)


def fec(*lines: str, sep: str = "|") -> str:
    return "\n".join([HEADER.replace("|", sep), *(line.replace("|", sep) for line in lines)]) + "\n"


INVOICE = (
    "VT|Ventes|1|20260105|411000|Clients|C1|Café Élysée|FA1|20260105|Facture FA1|1200,00|0,00|AB|20260220|20260105||",
    "VT|Ventes|1|20260105|706000|Ventes|||FA1|20260105|Facture FA1|0,00|1000,00|||20260105||",
    "VT|Ventes|1|20260105|445710|TVA|||FA1|20260105|Facture FA1|0,00|200,00|||20260105||",
)
PART_1 = (
    "BQ|Banque|2|20260201|411000|Clients|C1|Café Élysée|VIR1|20260201|Acompte|0,00|500,00|AB|20260220|20260201||",
    "BQ|Banque|2|20260201|512000|Banque|||VIR1|20260201|Acompte|500,00|0,00|||20260201||",
)
PART_2 = (
    "BQ|Banque|3|20260220|411000|Clients|C1|Café Élysée|VIR2|20260220|Solde|0,00|700,00|AB|20260220|20260220||",
    "BQ|Banque|3|20260220|512000|Banque|||VIR2|20260220|Solde|700,00|0,00|||20260220||",
)


@pytest.mark.parametrize(("sep", "encoding"), [("|", "utf-8"), ("\t", "cp1252"), ("\t", "utf-8"), ("|", "latin-1")])
def test_both_separators_and_both_encodings_give_the_same_items(sep, encoding):
    result = parse_fec(fec(*INVOICE, *PART_1, *PART_2, sep=sep).encode(encoding))
    assert not result.errors
    assert [(i.type, i.number, i.amount) for i in result.items] == [
        ("invoice", "FA1", Decimal("1200.00")),
        ("payment", "VIR1", Decimal("-500.00")),
        ("payment", "VIR2", Decimal("-700.00")),
    ]
    assert result.customers[0].name == "Café Élysée"


def test_a_lettering_group_with_two_payments_gives_two_allocations_dated_datelet():
    result = parse_fec(fec(*INVOICE, *PART_1, *PART_2).encode())
    assert sorted((named(result, a.credit_key), a.amount, a.date) for a in result.allocations) == [
        ("VIR1", Decimal("500.00"), date(2026, 2, 20)),
        ("VIR2", Decimal("700.00"), date(2026, 2, 20)),
    ]


def test_unlettered_lines_stay_open():
    result = parse_fec(fec(*INVOICE, *(line.replace("|AB|20260220|", "|||") for line in PART_1)).encode())
    assert result.allocations == ()  # the invoice alone in its letter group: nothing to pair with
    result = parse_fec(fec(*INVOICE, *PART_1, *(line.replace("|AB|20260220|", "|||") for line in PART_2)).encode())
    assert [(named(result, a.credit_key), a.amount) for a in result.allocations] == [("VIR1", Decimal("500.00"))]


def test_credit_in_a_sales_entry_is_a_credit_note_and_settles_the_named_invoice():
    credit_note = (
        "VT|Ventes|9|20260110|411000|Clients|C1|Café|AV1|20260110|Avoir AV1 sur FA1|0,00|1200,00|||20260110||",
        "VT|Ventes|9|20260110|706000|Ventes|||AV1|20260110|Avoir|1000,00|0,00|||20260110||",
        "VT|Ventes|9|20260110|445710|TVA|||AV1|20260110|Avoir|200,00|0,00|||20260110||",
    )
    invoice = tuple(line.replace("|AB|20260220|", "|||") for line in INVOICE)
    result = parse_fec(fec(*invoice, *credit_note).encode())
    assert {i.type for i in result.items} == {"invoice", "credit_note"}
    assert [(a.debit_key, a.credit_key, a.amount) for a in result.allocations] == [
        (("invoice", "FA1"), ("credit_note", "AV1"), Decimal("1200.00"))
    ]


def test_a_refund_paid_from_the_bank_is_a_debit_adjustment():
    refund = (
        "BQ|Banque|7|20260301|411000|Clients|C1|Café|REMB1|20260301|Remboursement|80,00|0,00|||20260301||",
        "BQ|Banque|7|20260301|512000|Banque|||REMB1|20260301|Remboursement|0,00|80,00|||20260301||",
    )
    assert [i.type for i in parse_fec(fec(*refund).encode()).items] == ["adjustment"]


def test_montant_and_sens_columns_are_accepted():
    header = HEADER.replace("Debit|Credit", "Montant|Sens")
    body = "VT|Ventes|1|20260105|411000|Clients|C1|Café|FA1|20260105|Facture|1200,00|D|||20260105||\n"
    body += "VT|Ventes|1|20260105|706000|Ventes|||FA1|20260105|Facture|1200,00|C|||20260105||\n"
    result = parse_fec(f"{header}\n{body}".encode())
    assert [(i.type, i.amount) for i in result.items] == [("invoice", Decimal("1200.00"))]


def test_foreign_currency_lines_keep_both_amounts():
    line = "VT|Ventes|1|20260105|411000|Clients|C1|Acme Ltd|FA1|20260105|Invoice|1150,00|0,00|||20260105|1000,00|GBP"
    item = parse_fec(
        fec(line, "VT|Ventes|1|20260105|706000|Ventes|||FA1|20260105|Invoice|0,00|1150,00|||20260105||").encode()
    ).items[0]
    assert (item.currency, item.amount, item.amount_functional) == ("GBP", Decimal("1000.00"), Decimal("1150.00"))


def test_errors_name_the_line_and_the_field():
    bad = (INVOICE[0].replace("20260105|411000", "20261305|411000"), INVOICE[1].replace("0,00|1000,00", "0,00|1O00,00"))
    result = parse_fec(fec(*bad, "VT|Ventes|1|20260105|706000").encode())
    assert [(e.line, e.column) for e in result.errors] == [(2, "EcritureDate"), (3, "Credit"), (4, "")]
    assert result.items == ()


def test_an_amount_that_is_not_a_number_is_one_error_not_also_a_zero_amount():
    bad = PART_1[0].replace("0,00|500,00|AB", "0,00|5x0,00|AB")
    result = parse_fec(fec(*INVOICE, bad, PART_1[1]).encode())
    assert [(e.line, e.column, e.value, e.reason) for e in result.errors] == [(5, "Credit", "5x0,00", "not an amount")]


def test_a_customer_line_with_two_zero_amounts_is_still_reported():
    zero = PART_1[0].replace("0,00|500,00|AB", "0,00|0,00|AB")
    result = parse_fec(fec(*INVOICE, zero, PART_1[1]).encode())
    assert [(e.line, e.reason) for e in result.errors] == [(5, "a customer line with a zero amount")]


def test_a_line_in_another_encoding_is_reported_along_with_the_other_errors():
    head = fec(*INVOICE).encode("utf-8")
    latin_line = (PART_1[0] + "\n").encode("cp1252")  # "Café Élysée" in Latin-1 inside a UTF-8 file
    tail = (PART_1[1].replace("|2|20260201|512000", "|2|20260231|512000") + "\n").encode("utf-8")
    result = parse_fec(head + latin_line + tail)
    assert [(e.line, e.column) for e in result.errors] == [(5, ""), (6, "EcritureDate")]
    assert "mixes encodings" in result.errors[0].reason and "Caf" in result.errors[0].value


def test_line_progress_is_heard_every_5000_lines_and_at_the_end():
    other = "VT|Ventes|1|20260105|706000|Ventes|||FA1|20260105|Facture FA1|0,00|1000,00|||20260105||"
    heard: list[tuple[int, int]] = []
    parse_fec(fec(*INVOICE, *[other] * 12_000).encode(), on_lines=lambda read, total: heard.append((read, total)))
    assert heard == [(0, 12_003), (4_999, 12_003), (9_999, 12_003), (12_003, 12_003)]


def test_missing_columns_are_reported_on_line_one():
    with pytest.raises(InvalidFile, match="line 1: missing FEC column"):
        parse_fec(HEADER.replace("|EcritureLet", "|Lettrage").encode())


def test_the_legal_file_name_gives_the_siren_and_closing_date():
    assert file_name_identity("/tmp/595401761FEC20261031.txt") == ("595401761", date(2026, 10, 31))
    assert file_name_identity("export.txt") == (None, None)


def test_a_letter_code_reused_a_year_later_dates_each_settlement_by_its_own_datelet():
    first = (
        "VT|Ventes|1|20250427|411000|Clients|C1|Garnier|FA1|20250427|Facture FA1|300,00|0,00|AKH|20250602|20250427||",
        "VT|Ventes|1|20250427|706000|Ventes|||FA1|20250427|Facture FA1|0,00|300,00|||20250427||",
        "BQ|Banque|2|20250602|411000|Clients|C1|Garnier|VIR1|20250602|Reglement|0,00|300,00|AKH|20250602|20250602||",
        "BQ|Banque|2|20250602|512000|Banque|||VIR1|20250602|Reglement|300,00|0,00|||20250602||",
    )
    again = tuple(
        line.replace("FA1", "FA9").replace("VIR1", "VIR9").replace("2025", "2026").replace("300,00", "120,00")
        for line in first
    )
    result = parse_fec(fec(*first, *again).encode())
    assert sorted((a.debit_key[1], named(result, a.credit_key), a.amount, a.date) for a in result.allocations) == [
        ("FA1", "VIR1", Decimal("300.00"), date(2025, 6, 2)),
        ("FA9", "VIR9", Decimal("120.00"), date(2026, 6, 2)),
    ]


def test_a_group_settled_over_several_datelets_is_still_paired_as_one_group():
    part_1 = tuple(line.replace("|AB|20260220|", "|AB|20260201|") for line in PART_1)
    result = parse_fec(fec(*INVOICE, *part_1, *PART_2).encode())
    assert sorted((named(result, a.credit_key), a.amount, a.date) for a in result.allocations) == [
        ("VIR1", Decimal("500.00"), date(2026, 2, 20)),
        ("VIR2", Decimal("700.00"), date(2026, 2, 20)),
    ]


# --- variants of the field (issue 16) ---------------------------------------------------------------


def test_customer_sub_accounts_in_comptenum_without_auxiliary_account_are_customers():
    lines = (
        "VT|Ventes|1|20260105|411DUR|Durand SA|||FA1|20260105|Facture FA1|120,00|0,00|||20260105||",
        "VT|Ventes|1|20260105|706000|Ventes|||FA1|20260105|Facture FA1|0,00|120,00|||20260105||",
        "VT|Ventes|2|20260106|4110042|Martin SARL|||FA2|20260106|Facture FA2|80,00|0,00|||20260106||",
        "VT|Ventes|2|20260106|706000|Ventes|||FA2|20260106|Facture FA2|0,00|80,00|||20260106||",
    )
    result = parse_fec(fec(*lines).encode())
    assert not result.errors
    assert [(c.account, c.name) for c in result.customers] == [("411DUR", "Durand SA"), ("4110042", "Martin SARL")]
    assert [(i.customer_account, i.number) for i in result.items] == [("411DUR", "FA1"), ("4110042", "FA2")]


def test_lower_case_lettering_is_a_partial_settlement():
    partial = tuple(line.replace("|AB|20260220|", "|ab|20260201|") for line in (*INVOICE, *PART_1))
    result = parse_fec(fec(*partial).encode())
    assert [(a.debit_key, named(result, a.credit_key), a.amount, a.letter) for a in result.allocations] == [
        (("invoice", "FA1"), "VIR1", Decimal("500.00"), "ab")
    ]


def test_an_empty_pieceref_is_identified_by_its_entry():
    lines = (
        "VT|Ventes|1|20260105|411000|Clients|C1|Café|||Facture|120,00|0,00|||20260105||",
        "VT|Ventes|1|20260105|706000|Ventes|||||Facture|0,00|120,00|||20260105||",
        "BQ|Banque|2|20260201|411000|Clients|C1|Café|||Reglement|0,00|120,00|||20260201||",
        "BQ|Banque|2|20260201|512000|Banque|||||Reglement|120,00|0,00|||20260201||",
    )
    result = parse_fec(fec(*lines).encode())
    assert [(i.type, i.number, i.entry, i.reference) for i in result.items] == [
        ("invoice", "VT-1", "20260105|VT|1", ""),
        ("payment", "BQ-2", "20260105|BQ|2", ""),
    ]


def test_dot_decimals_and_a_byte_order_mark_read_like_the_plain_file():
    plain = fec(*INVOICE, *PART_1, *PART_2)
    dotted = "\ufeff" + plain.replace(",00|", ".00|")
    assert dotted != plain
    expected = parse_fec(plain.encode()).items
    assert parse_fec(dotted.encode("utf-8")).items == expected
    assert parse_fec(dotted.encode("utf-8")).errors == ()


def test_montant_and_sens_give_what_debit_and_credit_give():
    header = HEADER.replace("Debit|Credit", "Montant|Sens")

    def to_sense(line: str) -> str:
        fields = line.split("|")
        debit, credit = fields[11], fields[12]
        fields[11:13] = [debit, "D"] if debit != "0,00" else [credit, "C"]
        return "|".join(fields)

    lines = (*INVOICE, *PART_1, *PART_2)
    with_sense = "\n".join([header, *(to_sense(line) for line in lines)]) + "\n"
    ordinary = parse_fec(fec(*lines).encode())
    assert parse_fec(with_sense.encode()).items == ordinary.items
    assert parse_fec(with_sense.encode()).allocations == ordinary.allocations


def test_an_unbalanced_entry_is_an_error_naming_the_entry_and_its_lines():
    result = parse_fec(fec(*INVOICE[:2], *PART_1).encode())
    assert [(e.line, e.column, e.value) for e in result.errors] == [(2, "EcritureNum", "1")]
    assert "entry VT 1 (lines 2-3) does not balance: debit 1200.00 ≠ credit 1000.00" in result.errors[0].reason
    assert result.items == ()


def test_an_entry_repeated_line_for_line_is_read_once_with_a_warning():
    result = parse_fec(fec(*INVOICE, *PART_1, *PART_1).encode())
    assert result.warnings == ("line 7: entry BQ 2 repeats lines 5-6 exactly: read once",)
    assert [(i.type, i.amount) for i in result.items] == [
        ("invoice", Decimal("1200.00")),
        ("payment", Decimal("-500.00")),
    ]


def test_opening_entries_are_recognised_by_journal_or_by_890_on_the_first_day():
    by_journal = (
        "AN|A nouveaux|1|20260101|411000|Clients|C1|Café|RAN2026|20251215|Report FA9|300,00|0,00|||20260101||",
        "AN|A nouveaux|1|20260101|890000|Bilan ouverture|||RAN2026|20251215|Report FA9|0,00|300,00|||20260101||",
    )
    by_account = tuple(line.replace("AN|A nouveaux|", "OD|Divers|") for line in by_journal)
    for lines in (by_journal, by_account):
        result = parse_fec(fec(*lines, *INVOICE).encode())
        assert [(i.type, i.opening, i.entry) for i in result.items] == [
            ("invoice", True, "20260101|" + lines[0][:2].rstrip("|") + "|1"),
            ("invoice", False, ""),
        ]
    later = tuple(line.replace("20260101", "20260301") for line in by_account)
    assert [i.opening for i in parse_fec(fec(*INVOICE, *later).encode()).items] == [False, False]
    custom = tuple(line.replace("AN|A nouveaux|", "REP|Reprise|") for line in by_journal)
    assert [i.opening for i in parse_fec(fec(*custom).encode(), opening_journals=("REP",)).items] == [True]
