from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from encours.audit.models import AuditEntry
from encours.core.errors import ImportRejected
from encours.insurance.models import CoverDecision, DecisionMapping, InsurancePolicy
from encours.insurance.services.covers import decisions_import


def _run(entity, raw, name="d.csv", **kw):
    return decisions_import(
        raw=raw,
        file_name=name,
        entity_siren=entity.siren,
        policy_number="P-77",
        insurer="Coface",
        today=date(2026, 10, 31),
        **kw,
    )


def test_import_creates_policy_with_default_terms_and_decisions(book, entity):
    report = _run(entity, book["csv"])
    assert report.policy_created and report.created == 5
    policy = InsurancePolicy.objects.get(number="P-77")
    assert (
        policy.insurer == "Coface"
        and policy.indemnity_rate == Decimal("0.90")
        and policy.declaration_deadline_days == 60
    )
    d = CoverDecision.objects.get(reference="D-5")
    assert d.customer == book["d"]  # found by SIREN
    assert AuditEntry.objects.filter(action="insurance.cover_decision").count() == 5


def test_import_is_idempotent(book, entity):
    _run(entity, book["csv"])
    again = _run(entity, book["csv"])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert CoverDecision.objects.count() == 5


def test_reimport_with_changed_amount_updates_the_decision(book, entity):
    _run(entity, book["csv"])
    changed = book["csv"].replace(b"C-A,approved,5000,4000", b"C-A,approved,5000,4500")
    report = _run(entity, changed)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 4)
    assert CoverDecision.objects.get(reference="D-1").granted_amount == 4500


def test_errors_name_line_and_field_and_write_nothing(book, entity):
    bad = (
        b"customer,decision,requested_amount,granted_amount,currency,effective_date,expiry_date,decision_ref\n"
        b"C-A,approved,5000,4000,EUR,2026-01-15,,X1\n"
        b"C-Z,approved,5000,abc,EUR,2026-01-15,,X2\n"
        b"C-B,maybe,5000,100,EUR,31/02/2026,,X3\n"
    )
    with pytest.raises(ImportRejected) as caught:
        _run(entity, bad)
    found = {(e.line, e.column) for e in caught.value.errors}
    assert {(3, "customer"), (3, "granted_amount"), (4, "decision"), (4, "effective_date")} <= found
    assert not CoverDecision.objects.exists() and not InsurancePolicy.objects.exists()


def test_missing_column_is_reported_on_line_1(book, entity):
    with pytest.raises(ImportRejected) as caught:
        _run(entity, b"customer,decision\nC-A,approved\n")
    assert any(e.line == 1 and e.column == "granted_amount" for e in caught.value.errors)


def test_xlsx_with_a_mapping(book, entity):
    DecisionMapping.objects.create(
        name="allianz",
        columns={
            "customer": "Acheteur",
            "decision": "Décision",
            "granted_amount": "Montant agréé",
            "effective_date": "Date effet",
            "decision_ref": "Réf",
        },
        options={"values": {"decision": {"Agrément": "approved", "Résiliation": "cancelled"}}},
    )
    wb = Workbook()
    ws = wb.active
    ws.append(["Acheteur", "Décision", "Montant agréé", "Date effet", "Réf"])
    ws.append(["C-A", "Agrément", 12000, date(2026, 2, 1), "AZ-1"])
    ws.append(["C-B", "Résiliation", 0, date(2026, 3, 1), "AZ-2"])
    buffer = io.BytesIO()
    wb.save(buffer)
    report = _run(entity, buffer.getvalue(), name="allianz.xlsx", mapping_name="allianz")
    assert report.created == 2
    assert CoverDecision.objects.get(reference="AZ-2").decision == "cancelled"


def test_command_contract(book, entity, tmp_path):
    path = tmp_path / "decisions.csv"
    path.write_bytes(book["csv"])
    out = io.StringIO()
    call_command(
        "import_cover_decisions",
        str(path),
        "--entity",
        entity.siren,
        "--policy",
        "P-9",
        "--insurer",
        "Allianz Trade",
        stdout=out,
    )
    assert "5 created" in out.getvalue() and "created with default terms" in out.getvalue()
    out = io.StringIO()
    call_command("import_cover_decisions", str(path), "--entity", entity.siren, "--policy", "P-9", stdout=out)
    assert "0 created" in out.getvalue() and "5 unchanged" in out.getvalue()
    path.write_bytes(b"customer,decision,granted_amount,effective_date\nC-A,approved,-5,2026-01-01\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_cover_decisions", str(path), "--entity", entity.siren, "--policy", "P-9", stderr=err)
    assert "line 2\tgranted_amount" in err.getvalue()
