"""Generic CSV/XLSX imports through saved mappings: all or nothing, line-numbered errors."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from encours.audit.models import AuditEntry
from encours.core.errors import ImportRejected
from encours.ledger.models import Allocation, Customer, CustomerBankAccount, Item, OpenOrder
from encours.ledger.services.import_tabular import tabular_import
from encours.ledger.services.mappings import mapping_save
from tests.conftest import sample_path
from tests.factories import CustomerFactory, ItemFactory

pytestmark = pytest.mark.django_db


def _run(entity, mapping: str, text: str, name: str = "file.csv"):
    return tabular_import(raw=text.encode(), file_name=name, entity_siren=entity.siren, mapping_name=mapping)


def test_the_sample_customer_master_imports_with_the_default_mapping(entity):
    report = tabular_import(
        raw=Path(sample_path("customers.csv")).read_bytes(),
        file_name="customers.csv",
        entity_siren=entity.siren,
        mapping_name="default-customers",
    )
    assert report.created == 150 and Customer.objects.count() == 150
    assert CustomerBankAccount.objects.count() == 150
    # the sample's IBANs mostly fail the ISO 13616 check: kept to recognise payers, flagged, reported
    assert CustomerBankAccount.objects.filter(checksum_ok=False).count() == len(report.warnings) == 148
    again = tabular_import(
        raw=Path(sample_path("customers.csv")).read_bytes(),
        file_name="customers.csv",
        entity_siren=entity.siren,
        mapping_name="default-customers",
    )
    assert again.changed_nothing and again.unchanged == 150


def test_items_import_then_reimport_with_a_change_is_audited(entity):
    CustomerFactory(entity=entity, account_number="C1")
    text = 'type,number,customer,date,amount\ninvoice,FA1,C1,2026-01-10,"1 200,00"\ncredit_note,AV1,C1,15/01/2026,200\n'
    assert _run(entity, "default-items", text).created == 2
    assert Item.objects.get(number="AV1").amount == Decimal("-200.00")
    assert Item.objects.get(number="FA1").due_date.isoformat() == "2026-02-09"
    assert _run(entity, "default-items", text).changed_nothing
    report = _run(entity, "default-items", text.replace('"1 200,00"', "1250"))
    assert (report.updated, report.unchanged) == (1, 1)
    assert AuditEntry.objects.filter(action="item.update").count() == 1


def test_a_bad_row_rejects_the_whole_file_with_line_and_column(entity):
    CustomerFactory(entity=entity, account_number="C1")
    text = (
        "type,number,customer,date,amount\ninvoice,FA1,C1,2026-01-10,100\n"
        "invoice,FA2,C9,2026-01-11,100\ninvoice,FA3,C1,2026-31-01,abc\n"
    )
    with pytest.raises(ImportRejected) as caught:
        _run(entity, "default-items", text)
    found = {(e.line, e.column, e.reason.split(" (")[0]) for e in caught.value.errors}
    assert (3, "customer", "unknown customer account") in found
    assert (4, "date", "not a date") in found and any(e.line == 4 and e.column == "amount" for e in caught.value.errors)
    assert Item.objects.count() == 0


def test_payments_and_allocations_import(entity):
    customer = CustomerFactory(entity=entity, account_number="C1")
    ItemFactory(customer=customer, number="FA1", amount=Decimal("300.00"))
    _run(entity, "default-payments", "number,customer,date,amount\nVIR1,C1,2026-02-01,300\n")
    report = _run(entity, "default-allocations", "invoice,payment,amount,date\nFA1,VIR1,300,2026-02-01\n")
    assert report.created == 1 and Allocation.objects.count() == 1
    assert Item.objects.get(number="FA1").open_amount == 0
    with pytest.raises(ImportRejected, match="exceeds the open amount"):
        _run(entity, "default-allocations", "invoice,payment,amount,date\nFA1,VIR1,10,2026-02-02\n")


def test_open_orders_from_xlsx_with_a_custom_mapping(entity, credit_manager):
    CustomerFactory(entity=entity, account_number="C1")
    mapping_save(
        name="erp-orders",
        kind="open_orders",
        user=credit_manager,
        options={"date_format": "%d/%m/%Y"},
        columns={
            "number": "N° commande",
            "customer": "Client",
            "amount": "Montant TTC",
            "expected_ship_date": "Livraison prévue",
        },
    )
    book = Workbook()
    sheet = book.active
    sheet.append(["N° commande", "Client", "Montant TTC", "Livraison prévue"])
    sheet.append(["CMD1", "C1", 4800.5, "15/12/2026"])
    buffer = io.BytesIO()
    book.save(buffer)
    tabular_import(raw=buffer.getvalue(), file_name="orders.xlsx", entity_siren=entity.siren, mapping_name="erp-orders")
    order = OpenOrder.objects.get()
    assert (order.amount, order.expected_ship_date.isoformat()) == (Decimal("4800.500"), "2026-12-15")


def test_invalid_siren_is_refused_in_customer_files(entity):
    text = "account,name,siren\nC1,Durand,123456789\nC2,Petit,732829320\nC3,Roux,73282932\n"
    with pytest.raises(ImportRejected) as caught:
        _run(entity, "default-customers", text)
    assert {(e.line, e.column) for e in caught.value.errors} == {(2, "siren"), (4, "siren")}
    assert Customer.objects.count() == 0


def test_command_prints_errors_and_refuses(entity, tmp_path, capsys):
    path = tmp_path / "items.csv"
    path.write_text("type,number,customer,date,amount\ninvoice,FA1,NOPE,2026-01-10,100\n")
    with pytest.raises(Exception, match="nothing imported"):
        call_command("import_items", str(path), "--entity", entity.siren, "--mapping", "default-items")
    assert "line 2\tcustomer\tNOPE\tunknown customer account" in capsys.readouterr().err


def test_command_sums_up_the_iban_warnings_in_one_line_and_shows_the_first_few(entity, capsys):
    path = sample_path("customers.csv")
    call_command("import_items", path, "--entity", entity.siren, "--mapping", "default-customers")
    call_command("import_items", path, "--entity", entity.siren, "--mapping", "default-customers")
    err = capsys.readouterr().err.splitlines()
    summary = "148 warning(s), the first 5 below (-v 2 lists them all):"
    assert err.count(summary) == 2 and len(err) == 2 * 6
    assert all("invalid" in line.lower() or "kept but flagged" in line for line in err if line != summary)
    call_command("import_items", path, "--entity", entity.siren, "--mapping", "default-customers", verbosity=2)
    assert len(capsys.readouterr().err.splitlines()) == 1 + 148
