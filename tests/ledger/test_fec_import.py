"""FEC import against the real sample portfolio: open items, idempotence, all-or-nothing."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from encours.audit.models import AuditEntry
from encours.core.errors import ImportRejected, InvalidFile
from encours.ledger.models import Allocation, Customer, Item, LegalEntity
from encours.ledger.services.import_fec import fec_import
from tests.conftest import sample_path

FEC = "595401761FEC20261031.txt"
FEC_LATIN1 = "595401761FEC20261031_latin1.txt"
pytestmark = pytest.mark.django_db


def _import(name: str, raw: bytes | None = None, **kwargs):
    data = raw if raw is not None else Path(sample_path(name)).read_bytes()
    return fec_import(raw=data, file_name=name, **kwargs)


def _ledger_state():
    items = sorted(
        Item.objects.values_list(
            "type",
            "number",
            "customer__account_number",
            "document_date",
            "due_date",
            "amount",
            "open_amount",
            "settled_on",
        )
    )
    allocations = sorted(Allocation.objects.values_list("debit__number", "credit__number", "amount", "date"))
    return items, allocations, Customer.objects.count(), LegalEntity.objects.count()


def test_sample_fec_open_items_equal_the_expected_file():
    report = _import(FEC)
    assert report.entity_created and report.entity_siren == "595401761"
    with open(sample_path("expected_open_items.csv"), encoding="utf-8") as handle:
        expected = {row["invoice"]: row for row in csv.DictReader(handle)}
    open_items = Item.objects.filter(settled_on__isnull=True).select_related("customer")
    assert {item.number for item in open_items} == set(expected)
    for item in open_items:
        row = expected[item.number]
        assert item.customer.account_number == row["customer"]
        assert item.open_amount == Decimal(row["open_amount"])
        assert item.document_date.isoformat() == row["document_date"]
        assert item.due_date.isoformat() == row["due_date"]


def test_sample_fec_counts_lines_and_ignores_other_accounts():
    report = _import(FEC)
    assert (report.lines, report.customer_lines, report.ignored_lines) == (6452, 2581, 3871)
    assert report.customers_created == 150
    assert Item.objects.filter(type="payment").count() == 1291
    assert Item.objects.filter(type="credit_note").count() == 11


def test_latin1_tab_twin_after_the_utf8_file_changes_nothing():
    _import(FEC)
    before = _ledger_state()
    audit_count = AuditEntry.objects.exclude(action="import.fec").count()
    report = _import(FEC_LATIN1)
    assert report.encoding == "cp1252" and report.delimiter == "tab"
    assert report.changed_nothing
    assert _ledger_state() == before
    assert AuditEntry.objects.exclude(action="import.fec").count() == audit_count


def test_reimporting_the_same_file_is_a_no_op():
    _import(FEC)
    before = _ledger_state()
    assert _import(FEC).changed_nothing
    assert _ledger_state() == before


def test_a_changed_row_updates_the_item_and_is_audited():
    raw = Path(sample_path(FEC)).read_bytes()
    _import(FEC, raw)
    changed = raw.replace(b"Facture FA2026-00834 ", b"Facture FA2026-00834 (corrigee) ", 1)
    report = _import(FEC, changed)
    assert report.items_updated == 1 and report.items_created == 0
    entry = AuditEntry.objects.get(action="item.update")
    assert entry.object_repr == "invoice FA2026-00834"
    assert "corrigee" in entry.after["label"] and "corrigee" not in entry.before["label"]


def test_explicit_entity_overrides_the_file_name(entity):
    report = _import("export.txt", Path(sample_path(FEC)).read_bytes(), entity_siren=entity.siren)
    assert not report.entity_created and report.entity_siren == entity.siren


def test_a_file_without_siren_is_refused():
    with pytest.raises(InvalidFile, match="SIREN"):
        _import("export.txt", Path(sample_path(FEC)).read_bytes())


def _corrupt(raw: bytes, line_no: int, transform) -> bytes:
    lines = raw.split(b"\r\n")
    lines[line_no - 1] = transform(lines[line_no - 1])
    return b"\r\n".join(lines)


def _set_field(index: int, value: bytes):
    def transform(line: bytes) -> bytes:
        fields = line.split(b"|")
        fields[index] = value
        return b"|".join(fields)

    return transform


CORRUPTIONS = {
    "bad date": (120, _set_field(3, b"20241332"), "EcritureDate"),
    "bad amount": (300, _set_field(12, b"26x85,23"), "Credit"),
    "negative amount": (301, _set_field(11, b"-2685,23"), "Debit"),
    "truncated line": (4000, lambda line: line[: len(line) // 2], ""),
}


@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_a_corrupted_copy_is_refused_with_its_line_and_nothing_changes(case):
    _import(FEC)
    before = _ledger_state()
    line_no, transform, column = CORRUPTIONS[case]
    raw = _corrupt(Path(sample_path(FEC)).read_bytes(), line_no, transform)
    with pytest.raises(ImportRejected) as caught:
        _import(FEC, raw)
    lines = {error.line for error in caught.value.errors}
    assert line_no in lines
    if column is not None:
        assert any(e.column == column for e in caught.value.errors if e.line == line_no)
    assert _ledger_state() == before


def test_a_file_mixing_encodings_is_refused_naming_the_line_and_the_other_errors():
    raw = Path(sample_path(FEC)).read_bytes()
    bad = _corrupt(raw, 50, lambda line: line.decode("utf-8").encode("cp1252", errors="replace") + "é".encode("cp1252"))
    bad = _corrupt(bad, 120, _set_field(3, b"20241332"))
    with pytest.raises(ImportRejected) as caught:
        _import(FEC, bad)
    assert [(e.line, e.column) for e in caught.value.errors] == [(50, ""), (120, "EcritureDate")]
    assert "mixes encodings" in caught.value.errors[0].reason
    assert LegalEntity.objects.count() == 0


def test_a_bad_amount_is_reported_once_without_a_spurious_zero_amount_error():
    raw = _corrupt(Path(sample_path(FEC)).read_bytes(), 300, _set_field(12, b"26x85,23"))
    with pytest.raises(ImportRejected) as caught:
        _import(FEC, raw)
    assert [e.as_dict() for e in caught.value.errors] == [
        {"line": 300, "column": "Credit", "value": "26x85,23", "reason": "not an amount"}
    ]
    assert Item.objects.count() == 0 and LegalEntity.objects.count() == 0


def test_a_utf16_file_is_refused():
    raw = Path(sample_path(FEC)).read_bytes().decode("utf-8").encode("utf-16")
    with pytest.raises(InvalidFile, match="UTF-16"):
        _import(FEC, raw)


def test_the_command_reports_creation_of_the_entity_and_rejects_bad_files(tmp_path, capsys):
    call_command("import_fec", sample_path(FEC))
    out = capsys.readouterr().out
    assert "created legal entity 595401761" in out and "3871 other accounts ignored" in out
    bad = tmp_path / FEC
    bad.write_bytes(_corrupt(Path(sample_path(FEC)).read_bytes(), 120, CORRUPTIONS["bad date"][1]))
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_fec", str(bad))
    assert "line 120\tEcritureDate" in capsys.readouterr().err
