"""Fuzzing every parser that had none (issue 17; the bank parsers' own are beside them in
test_camt, test_mt940, test_cfonb, test_bank_csv): whatever the input, a parser returns values
within the bounds of ``encours.core.bounds`` and ``RowError`` values, or raises the project's
``EncoursError`` — never another exception. Examples are few and mixed with hostile tokens
(1e30, NaN, 1E+400, 9999-12-31, huge integers) so the budget stays a few seconds in CI."""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from encours.core.bounds import MAX_AMOUNT, amount_problem, figure_problem
from encours.core.errors import EncoursError, RowError
from encours.core.forecast.external import load_paid_invoices_csv, parse_column_mapping
from encours.core.formats.fec import parse_fec
from encours.core.formats.tabular import FIELDS, MAX_YEAR, MIN_YEAR, MappingSpec, map_rows, read_table
from encours.core.statements import AMOUNT_FIELDS, NON_NEGATIVE_FIELDS, parse_statement_rows
from tests.xlsx_raw import xlsx_bytes

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HOSTILE = (
    "1e30", "-1e30", "NaN", "nan", "Infinity", "-inf", "1E+400", "1e-400", "10.005", "0", "-0", "1 234,56",
    "1.234,56", "12,50-", "99999999999999", "9999999999999.99", "0,001", "٣", "١٢٣", "½", "1_000", "0x10",
    "9999-12-31", "0001-01-01", "2026-02-30", "31/12/2026", "20261231", "", " ", "=1+1", "\x00", "\ufeff",
    "7" * 5000, "invoice", "credit_note", "payment", "adjustment", "yes", "no", "EUR", "JPY", "KWD", "EURO",
)  # fmt: skip
CELL = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12), st.integers(-(10**15), 10**15).map(str))


def _bounded_value(kind: str, value: object, currency: str) -> None:
    if kind == "amount":
        assert isinstance(value, Decimal) and amount_problem(value, currency) is None, (value, currency)
    elif kind == "date":
        assert isinstance(value, date) and MIN_YEAR <= value.year <= MAX_YEAR
    elif kind == "int":
        assert isinstance(value, int)
    elif kind == "bool":
        assert isinstance(value, bool)
    else:
        assert isinstance(value, str)


def _check_mapped(raw: bytes, file_name: str, kind: str) -> None:
    try:
        table = read_table(raw, file_name=file_name)
    except EncoursError:
        return
    spec = MappingSpec(kind=kind, columns={})
    try:
        records, errors = map_rows(table, spec)
    except EncoursError:
        return
    assert all(isinstance(e, RowError) and e.line >= 1 for e in errors)
    bad_lines = {e.line for e in errors}
    for record in records:
        if record.line in bad_lines:
            continue
        currency = str(record.values.get("currency") or spec.currency).upper()
        for name, value in record.values.items():
            field_kind = FIELDS[kind][name][0]
            _bounded_value(field_kind, value, spec.currency if name == "amount_functional" else currency)


def _csv(header: list[str], rows: list[list[str]], delimiter: str) -> bytes:
    quoted = [[cell.replace('"', '""') for cell in row] for row in [header, *rows]]
    return "\n".join(delimiter.join(f'"{cell}"' for cell in row) for row in quoted).encode("utf-8", "replace")


AMOUNTS = st.one_of(
    st.sampled_from(["1e30", "-1e30", "NaN", "Infinity", "1E+400", "10.005", "0", "-100", "12,50-", "1 234,56",
                     "9999999999999.99", "10000000000000", "0,001", "1e-400", "100"]),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)  # fmt: skip
BY_TYPE = {
    "amount": AMOUNTS,
    "date": st.one_of(st.sampled_from(["2026-01-15", "15/01/2026", "9999-12-31", "0001-01-01", "2026-02-30"]),
                      st.dates().map(date.isoformat)),
    "int": st.one_of(st.integers(-(10**6), 10**6).map(str), st.sampled_from(["1e3", "7" * 5000, "x"])),
    "bool": st.sampled_from(["oui", "no", "x", "1", ""]),
    "text": st.one_of(st.sampled_from(["C1", "invoice", "credit_note", "payment", "adjustment", "EUR", "JPY",
                                       "KWD", "EURO", ""]), st.text(max_size=8)),
}  # fmt: skip


@FUZZ
@given(st.sampled_from(sorted(FIELDS)), st.sampled_from([",", ";", "\t"]), st.data())
def test_tabular_csv_of_any_cells_gives_bounded_records_or_row_errors(kind, delimiter, data):
    header = [name for name, (_, required) in FIELDS[kind].items() if required or data.draw(st.booleans())]
    row = st.tuples(*(BY_TYPE[FIELDS[kind][name][0]] for name in header)).map(list)
    rows = data.draw(st.lists(row, max_size=5))
    _check_mapped(_csv(header, rows, delimiter), "f.csv", kind)


@FUZZ
@given(st.sampled_from(["items", "payments", "open_orders"]), st.data())
def test_tabular_xlsx_of_any_cells_gives_bounded_records_or_row_errors(kind, data):
    header = [name for name, (_, required) in FIELDS[kind].items() if required or data.draw(st.booleans())]
    number_cells = st.sampled_from(["1E+400", "NaN", "-1e30", "1e30", "12.5", "0.30000000000000004", "1e-320"])
    cell = {name: number_cells.map(lambda v: ("n", v)) if FIELDS[kind][name][0] == "amount" else BY_TYPE[
        FIELDS[kind][name][0]] for name in header}  # fmt: skip
    rows = data.draw(st.lists(st.tuples(*(cell[name] for name in header)).map(list), max_size=4))
    _check_mapped(xlsx_bytes([header, *rows]), "f.xlsx", kind)


@FUZZ
@given(st.binary(max_size=300), st.sampled_from(["f.csv", "f.xlsx", "f.txt"]))
def test_tabular_reader_on_any_bytes_raises_only_the_projects_error(noise, name):
    with contextlib.suppress(EncoursError):
        read_table(noise, file_name=name)


@FUZZ
@given(st.integers(0, 2000), st.binary(min_size=1, max_size=8))
@example(offset=1423, patch=b"F")  # the workbook's sheet no longer found: IndexError in worksheets[0]
@example(offset=1213, patch=b"\x00@")  # a central directory claiming zip version 6.4: NotImplementedError
def test_tabular_reader_on_a_damaged_workbook_raises_only_the_projects_error(offset, patch):
    raw = bytearray(xlsx_bytes([["number", "amount"], ["FA1", ("n", "12.5")], ["FA2", "x"]]))
    position = offset % len(raw)
    raw[position : position + len(patch)] = patch
    with contextlib.suppress(EncoursError):
        read_table(bytes(raw), file_name="f.xlsx")


@FUZZ
@given(st.lists(st.dictionaries(st.sampled_from(["siren", "year", "currency", *AMOUNT_FIELDS]), CELL), max_size=4))
def test_statement_rows_of_any_cells_give_bounded_figures_or_row_errors(rows):
    rows = [{"siren": "552100554", "year": "2025", **row} if index % 2 else row for index, row in enumerate(rows)]
    statements, errors = parse_statement_rows(rows)
    assert all(isinstance(e, RowError) for e in errors)
    for statement in statements:
        assert 1900 <= statement.year <= 2200 and len(statement.currency) == 3
        for name in AMOUNT_FIELDS:
            value = statement.amount(name)
            assert value is None or figure_problem(name, value, non_negative=name in NON_NEGATIVE_FIELDS) is None


EXTERNAL_COLUMNS = parse_column_mapping(
    "customer=c,invoice_date=i,due_date=d,amount=a,settled_date=s,disputed=x,channel=ch,country=co"
)


@FUZZ
@given(st.lists(st.lists(CELL, min_size=8, max_size=8), max_size=6))
def test_external_paid_invoices_of_any_cells_are_bounded_or_row_errors(rows):
    content = _csv(["c", "i", "d", "a", "s", "x", "ch", "co"], rows, ",").decode()
    try:
        records, errors = load_paid_invoices_csv(content=content, columns=EXTERNAL_COLUMNS)
    except EncoursError:
        return
    assert all(isinstance(e, RowError) for e in errors)
    for record in records:
        assert 0 < record.amount < MAX_AMOUNT and record.invoice_date <= record.settled_date
        assert record.invoice_date <= record.due_date


FEC_HEADER = (
    "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|PieceRef|"
    "PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise"
)
FEC_CELLS = {
    "JournalCode": st.sampled_from(["VE", "BQ", "AN", "OD", ""]),
    "EcritureNum": st.sampled_from(["1", "2", "VE1", ""]),
    "EcritureDate": st.sampled_from(["20260115", "20261231", "99991231", "20260230", "x", ""]),
    "CompteNum": st.sampled_from(["411000", "41100001", "706000", "512000", ""]),
    "CompAuxNum": st.sampled_from(["C1", "C2", "", "=HYPERLINK(1)"]),
    "PieceRef": st.sampled_from(["FA1", "FA2", "AV1", "VIR1", ""]),
    "PieceDate": st.sampled_from(["20260115", "20260101", "", "2026-01-15"]),
    "Debit": st.one_of(st.sampled_from(["100,00", "0,00", "", "1e30", "NaN", "999999999999,99"]), CELL),
    "Credit": st.one_of(st.sampled_from(["100,00", "0,00", "", "-5", "1E+400"]), CELL),
    "EcritureLet": st.sampled_from(["", "A", "aa", "AB"]),
    "DateLet": st.sampled_from(["", "20260120", "x"]),
}


@FUZZ
@given(st.lists(st.fixed_dictionaries({}, optional=FEC_CELLS), max_size=8))
def test_fec_of_any_lines_gives_bounded_items_or_row_errors(lines):
    names = FEC_HEADER.split("|")
    body = ["|".join(str(line.get(name, "x")).replace("|", " ") for name in names) for line in lines]
    raw = "\r\n".join([FEC_HEADER, *body]).encode("utf-8", "replace")
    try:
        result = parse_fec(raw, file_name="595401761FEC20261231.txt")
    except EncoursError:
        return
    assert all(isinstance(e, RowError) for e in result.errors)
    for item in result.items:
        assert amount_problem(item.amount, item.currency) is None, item
        assert abs(item.amount_functional) < MAX_AMOUNT
    for allocation in result.allocations:
        assert 0 < allocation.amount < MAX_AMOUNT


@FUZZ
@given(st.binary(max_size=400))
def test_fec_on_any_bytes_raises_only_the_projects_error(noise):
    with contextlib.suppress(EncoursError):
        parse_fec(FEC_HEADER.encode() + b"\r\n" + noise)
