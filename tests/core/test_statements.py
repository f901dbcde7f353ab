from decimal import Decimal

from encours.core.statements import AMOUNT_FIELDS, parse_statement_rows

D = Decimal


def test_parse_reads_french_amounts_and_empty_cells_as_missing():
    rows = [{"siren": "732 829 320", "year": "2025", "equity": "1 234,50", "revenue": "", "ebit": "-3"}]
    statements, errors = parse_statement_rows(rows)
    assert errors == ()
    assert statements[0].siren == "732829320"
    assert statements[0].equity == D("1234.50")
    assert statements[0].revenue is None
    assert statements[0].ebit == D(-3)


def test_parse_reports_the_line_and_field_of_a_bad_amount():
    _, errors = parse_statement_rows([{"siren": "732829320", "year": "2025", "cash": "12,3,4x"}])
    assert [(e.line, e.column, e.value) for e in errors] == [(2, "cash", "12,3,4x")]


def test_parse_rejects_an_invalid_siren():
    statements, errors = parse_statement_rows([{"siren": "732829321", "year": "2025"}])
    assert statements == ()
    assert errors[0].column == "siren"
    assert "invalid SIREN" in errors[0].reason


def test_parse_rejects_a_missing_siren_and_a_bad_year():
    _, errors = parse_statement_rows([{"year": "25"}], first_line=10)
    assert [(e.line, e.column, e.reason) for e in errors] == [
        (10, "siren", "missing SIREN"),
        (10, "year", "year must be a four-digit year"),
    ]


def test_parse_rejects_negative_revenue_but_accepts_negative_equity():
    statements, errors = parse_statement_rows([{"siren": "732829320", "year": "2025", "revenue": "-5", "equity": "-5"}])
    assert statements == ()
    assert [(e.column, e.reason) for e in errors] == [("revenue", "revenue cannot be negative")]


def test_parse_rejects_the_same_siren_and_year_twice():
    row = {"siren": "732829320", "year": "2025"}
    statements, errors = parse_statement_rows([row, row])
    assert len(statements) == 1
    assert [(e.line, e.reason) for e in errors] == [(3, "duplicate siren and year")]


def test_parse_keeps_every_statement_field():
    row = {"siren": "595401761", "year": "2024", **dict.fromkeys(AMOUNT_FIELDS, "1")}
    statements, _ = parse_statement_rows([row])
    assert all(statements[0].amount(name) == D(1) for name in AMOUNT_FIELDS)


def test_parse_of_a_non_ascii_digit_year_is_an_error_not_a_crash():
    _, errors = parse_statement_rows([{"siren": "732829320", "year": "²⁰²⁵"}])
    assert errors[0].column == "year"
