"""FEC receipts identified by their écriture (issue 16): shared bank pieces, several 411 lines
in one entry, unbalanced and repeated entries, and databases imported before the change."""

from __future__ import annotations

import importlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.db.models import Sum

from encours.core.errors import ImportRejected
from encours.ledger.models import Allocation, Item, LegalEntity
from encours.ledger.services.import_fec import fec_import
from tests.conftest import sample_path

pytestmark = pytest.mark.django_db
NAME = "595401761FEC20261231.txt"
HEADER = (
    "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|PieceRef|"
    "PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise"
)


def fec(*lines: str) -> bytes:
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode()


def invoice(num: str, customer: str, number: str, day: str, amount: str, letter: str = "", let_date: str = ""):
    return (
        f"VT|Ventes|{num}|{day}|411000|Clients|{customer}|Client {customer}|{number}|{day}|Facture {number}|"
        f"{amount}|0,00|{letter}|{let_date}|{day}||",
        f"VT|Ventes|{num}|{day}|706000|Ventes|||{number}|{day}|Facture {number}|0,00|{amount}|||{day}||",
    )


def receipt(num: str, piece: str, day: str, *paid: tuple[str, str, str]):
    """One bank entry: a 411 credit per (customer, amount, letter), one 512 debit for the total."""
    lines = [
        f"BQ|Banque|{num}|{day}|411000|Clients|{customer}|Client {customer}|{piece}|{day}|Remise {piece}|"
        f"0,00|{amount}|{letter}|{day if letter else ''}|{day}||"
        for customer, amount, letter in paid
    ]
    total = str(sum(Decimal(amount.replace(",", ".")) for _, amount, _ in paid)).replace(".", ",")
    lines.append(f"BQ|Banque|{num}|{day}|512000|Banque|||{piece}|{day}|Remise {piece}|{total}|0,00|||{day}||")
    return tuple(lines)


SHARED = fec(
    *invoice("1", "C1", "FA1", "20260105", "100,00", "A", "20260201"),
    *invoice("2", "C2", "FA2", "20260106", "200,00", "A", "20260201"),
    *invoice("3", "C1", "FA3", "20260107", "50,00", "B", "20260202"),
    # a remittance: one entry, two customers, one piece
    *receipt("10", "REM0201", "20260201", ("C1", "100,00", "A"), ("C2", "200,00", "A")),
    # the same piece again, the next day, in another entry of C1
    *receipt("11", "REM0201", "20260202", ("C1", "50,00", "B")),
)


def _open_by_customer():
    rows = Item.objects.values("customer__account_number").annotate(total=Sum("open_amount"))
    return {row["customer__account_number"]: row["total"] for row in rows}


def test_a_bank_piece_shared_by_customers_and_entries_gives_one_receipt_per_line():
    report = fec_import(raw=SHARED, file_name=NAME)
    payments = Item.objects.filter(type="payment").order_by("source_line")
    assert [(p.number, p.customer.account_number, p.amount, p.entry) for p in payments] == [
        ("REM0201", "C1", Decimal("-100.00"), "20260105|BQ|10|1"),
        ("REM0201", "C2", Decimal("-200.00"), "20260105|BQ|10|2"),
        ("REM0201", "C1", Decimal("-50.00"), "20260105|BQ|11"),
    ]
    assert report.allocations_created == 3
    assert not Item.objects.filter(open_amount__gt=0).exists()
    assert fec_import(raw=SHARED, file_name=NAME).changed_nothing


def test_an_entry_that_does_not_balance_is_refused_naming_its_lines_and_nothing_is_written():
    lonely = "BQ|Banque|12|20260203|411000|Clients|C2|Client C2|VIR7|20260203|Reglement|0,00|30,00|||20260203||"
    raw = SHARED + (lonely + "\r\n").encode()
    with pytest.raises(ImportRejected) as caught:
        fec_import(raw=raw, file_name=NAME)
    assert [(e.line, e.column, e.value) for e in caught.value.errors] == [(13, "EcritureNum", "12")]
    assert "entry BQ 12 (line 13) does not balance: debit 0 ≠ credit 30.00" in caught.value.errors[0].reason
    assert LegalEntity.objects.count() == 0 and Item.objects.count() == 0


def test_an_entry_present_twice_line_for_line_is_read_once_with_a_warning():
    repeated = fec(
        *invoice("1", "C1", "FA1", "20260105", "100,00"),
        *receipt("10", "VIR1", "20260201", ("C1", "40,00", "")),
        *receipt("10", "VIR1", "20260201", ("C1", "40,00", "")),
    )
    report = fec_import(raw=repeated, file_name=NAME)
    assert report.warnings == ["line 6: entry BQ 10 repeats lines 4-5 exactly: read once"]
    assert Item.objects.filter(type="payment").count() == 1
    assert _open_by_customer() == {"C1": Decimal("60.000")}


def _mark_legacy():
    """Run the data migration's function on this database."""
    migration = importlib.import_module("encours.ledger.migrations.0005_legacy_fec_receipts")
    migration.mark_legacy(apps, None)


def _as_before_the_change(file_name: str, merged: dict[str, Decimal] | None = None) -> None:
    """Receipts as the import stored them when they were keyed by PieceRef: entry empty; a
    customer's receipts sharing a piece summed into one (``merged``: piece → total)."""
    for number, total in (merged or {}).items():
        kept, *others = Item.objects.filter(type="payment", number=number).order_by("id")
        for other in others:
            other.delete()  # with its allocation: the old import lettered the summed receipt once
        Item.objects.filter(pk=kept.pk).update(amount=total, amount_functional=total)
        Allocation.objects.filter(credit=kept).update(amount=-total)
    Item.objects.filter(type__in=["payment", "adjustment"]).update(entry="", source_file=file_name)


def test_a_database_imported_before_the_change_is_re_keyed_without_duplicating_receipts():
    fec_name = "595401761FEC20261031.txt"
    raw = Path(sample_path(fec_name)).read_bytes()
    fec_import(raw=raw, file_name=fec_name)
    _as_before_the_change(fec_name)
    before = sorted(Item.objects.values_list("type", "number", "amount", "open_amount"))
    _mark_legacy()
    assert not Item.objects.filter(type="payment").exclude(entry__startswith="legacy|payment|").exists()
    report = fec_import(raw=raw, file_name=fec_name)
    assert report.items_created == 0 and report.items_updated == Item.objects.filter(type="payment").count()
    assert sorted(Item.objects.values_list("type", "number", "amount", "open_amount")) == before
    assert not Item.objects.filter(entry__startswith="legacy|").exists()
    assert fec_import(raw=raw, file_name=fec_name).changed_nothing


def test_a_receipt_summed_by_the_old_import_is_split_without_changing_the_balance():
    one_customer = fec(
        *invoice("1", "C1", "FA1", "20260105", "100,00", "A", "20260202"),
        *receipt("10", "REM1", "20260201", ("C1", "60,00", "A")),
        *receipt("11", "REM1", "20260202", ("C1", "40,00", "A")),
    )
    fec_import(raw=one_customer, file_name=NAME)
    _as_before_the_change(NAME, merged={"REM1": Decimal("-100.00")})
    assert Item.objects.filter(type="payment").count() == 1
    _mark_legacy()
    report = fec_import(raw=one_customer, file_name=NAME)
    assert (report.items_created, report.items_updated) == (1, 1)
    assert sorted(Item.objects.filter(type="payment").values_list("amount", flat=True)) == [
        Decimal("-60.000"),
        Decimal("-40.000"),
    ]
    assert _open_by_customer() == {"C1": Decimal("0.000")}
