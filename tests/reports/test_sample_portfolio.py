"""The commands reproduce the sample portfolio's expected aged balance and KPIs to the cent."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from encours.core.aging import age_items_by_customer
from encours.ledger.models import Customer
from encours.reports.selectors.aging import aged_balance
from tests.conftest import sample_path
from tests.core.test_sample_portfolio import sample_ledger

pytestmark = pytest.mark.django_db

FEC = "595401761FEC20261031.txt"
BUCKETS = {"not_due": "not_due", "d1_30": "1-30", "d31_60": "31-60", "d61_90": "61-90", "d91_120": "91-120"}
BUCKETS["over_120"] = ">120"


@pytest.fixture
def sample_book():
    call_command("import_fec", sample_path(FEC), stdout=io.StringIO())


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _expected(name: str) -> list[dict[str, str]]:
    return _read(Path(sample_path(name)))


def test_aged_balance_command_matches_expected_aging_per_customer(sample_book, tmp_path):
    out = tmp_path / "aged.csv"
    call_command("aged_balance", "--as-of", "2026-10-31", "--by", "customer", "--format", "csv", "--output", str(out))
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header == "key,name,not_due,d1_30,d31_60,d61_90,d91_120,over_120,unapplied,total,disputed"
    rows = {row["key"]: row for row in _read(out)}
    expected = {row["customer"]: row for row in _expected("expected_aging.csv")}
    assert set(rows) == set(expected)
    for customer, row in expected.items():
        got = rows[customer]
        for ours, theirs in BUCKETS.items():
            assert Decimal(got[ours]) == Decimal(row[theirs]), (customer, ours)
        assert Decimal(got["total"]) == Decimal(row["total"]), customer
        assert got["unapplied"] == "0.00" and got["disputed"] == "0.00"
        assert all(len(got[c].split(".")[1]) == 2 for c in (*BUCKETS, "total"))
    assert rows["TOTAL"]["total"] == "155031.92"


def test_kpis_command_matches_expected_kpis(sample_book, tmp_path):
    out = tmp_path / "kpis.csv"
    call_command("kpis", "--as-of", "2026-10-31", "--entity", "595401761", "--format", "csv", "--output", str(out))
    got = {row["kpi"]: row["value"] for row in _read(out)}
    expected = {row["kpi"]: row["value"] for row in _expected("expected_kpis.csv")}
    names = {"dso_simple_92d": "dso_simple", "bpdso_92d": "bpdso", "add_92d": "add"}
    for name, value in expected.items():
        assert Decimal(got[names.get(name, name)]) == Decimal(value), name
    assert {"open_ar", "current_ar", "dso_countback", "dso_simple", "bpdso", "add", "cei", "overdue_rate"} <= set(got)
    # overdue 54 960.56 of 155 031.92 open
    assert got["overdue_rate"] == "35.45"


def test_aged_balance_xlsx_holds_numbers_with_formats_and_a_frozen_header(sample_book, tmp_path):
    out = tmp_path / "aged.xlsx"
    call_command("aged_balance", "--as-of", "2026-10-31", "--by", "entity", "--format", "xlsx", "--output", str(out))
    workbook = load_workbook(out)
    sheet = workbook.worksheets[0]
    assert sheet.freeze_panes == "C2"
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][0] == "595401761"
    total = values[1][values[0].index("Total")]
    assert isinstance(total, (int, float)) and round(total, 2) == 155031.92
    assert sheet.cell(row=2, column=4).number_format == "#,##0.00;-#,##0.00"
    assert not any(isinstance(v, str) and v.startswith("=") for row in values for v in row)


@pytest.mark.parametrize("as_of", [date(2025, 12, 31), date(2026, 4, 15), date(2026, 9, 30), date(2026, 10, 31)])
def test_sql_aging_of_the_sample_equals_the_core_reference_at_any_date(sample_book, as_of):
    """As the books stood on the date: later items absent, later payments not yet counted."""
    items, allocations = sample_ledger()
    reference = age_items_by_customer(items=items, allocations=allocations, as_of=as_of)
    report = aged_balance(customers=Customer.objects.all(), as_of=as_of, by="customer")
    assert {row.key: row.balance for row in report.rows} == {customer: b for (customer, _), b in reference.items()}
