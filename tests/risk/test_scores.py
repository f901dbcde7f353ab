"""Scores on hand-computed statements through ``import_statements`` and ``risk_scores``."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from encours.risk.models import Company, FinancialStatement
from tests.risk.conftest import DISTRESSED, HEALTHY, MISSING, pay, statements_csv

pytestmark = pytest.mark.django_db


def _scores(tmp_path, as_of="2026-10-31"):
    out = tmp_path / "scores.csv"
    call_command("risk_scores", "--as-of", as_of, "--format", "csv", "--output", str(out))
    with out.open(newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == [
            "siren", "year", "altman_z2", "altman_zone", "conan_holder", "conan_zone", "payer_index", "grade"
        ]  # fmt: skip
        return {row["siren"]: row for row in reader}


def test_hand_computed_scores_negative_equity_and_missing_fields(tmp_path, healthy_customer):
    path = tmp_path / "statements.csv"
    path.write_bytes(statements_csv(HEALTHY, DISTRESSED, MISSING))
    call_command("import_statements", str(path))
    # the healthy customer paid 1 000 on its due date: payer index 80
    pay(healthy_customer, "1000.00", date(2026, 6, 30), date(2026, 6, 30))
    rows = _scores(tmp_path)
    healthy = rows["552100554"]
    # X1 = 300/1000, X2 = 0.2, X3 = 0.1, X4 = 400/600: 1.968 + 0.652 + 0.672 + 0.7 = 3.992
    assert (healthy["altman_z2"], healthy["altman_zone"]) == ("3.9920", "safe")
    # R1 = 0.3, R2 = 0.5, R3 = 0.5, R4 = 0.01, R5 = 0.5: 0.072 + 0.11 + 0.08 - 0.0087 - 0.05
    assert (healthy["conan_holder"], healthy["conan_zone"]) == ("0.2033", "safe")
    assert healthy["payer_index"] == "80.0000"
    assert healthy["grade"] in "AB" and healthy["grade"]
    distressed = rows["542051180"]
    # X = -0.3, -0.3, -0.05, -200/1200: -1.968 - 0.978 - 0.336 - 0.175 = -3.457
    assert (distressed["altman_z2"], distressed["altman_zone"]) == ("-3.4570", "distress")
    # -0.004 + 0.022 + 0.048 - 0.0348 - 0.11111 = -0.07991
    assert (distressed["conan_holder"], distressed["conan_zone"]) == ("-0.0799", "danger")
    assert distressed["payer_index"] == ""  # a prospect: no payment history
    missing = rows["775665011"]
    assert missing["altman_z2"] == missing["altman_zone"] == missing["conan_holder"] == missing["conan_zone"] == ""


def test_unknown_siren_is_kept_as_a_prospect(tmp_path, healthy_customer):
    path = tmp_path / "statements.csv"
    path.write_bytes(statements_csv(HEALTHY, DISTRESSED))
    call_command("import_statements", str(path))
    assert set(Company.objects.values_list("siren", flat=True)) == {"552100554", "542051180"}
    assert Company.objects.get(siren="552100554").name == "Sain SA"


def test_bad_file_names_line_and_field_and_writes_nothing(tmp_path, capsys):
    bad = DISTRESSED.replace("1500,", "abc,", 1)
    path = tmp_path / "statements.csv"
    path.write_bytes(statements_csv(HEALTHY, bad, "123,2025"))
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_statements", str(path))
    err = capsys.readouterr().err
    assert "line 3, column revenue: 'abc'" in err
    assert "line 4, column siren" in err
    assert not FinancialStatement.objects.exists() and not Company.objects.exists()


def test_reimport_is_idempotent_and_updates(tmp_path):
    path = tmp_path / "statements.csv"
    path.write_bytes(statements_csv(HEALTHY))
    call_command("import_statements", str(path))
    call_command("import_statements", str(path))
    assert FinancialStatement.objects.count() == 1
    path.write_bytes(statements_csv(HEALTHY.replace(",80", ",95")))
    call_command("import_statements", str(path))
    assert FinancialStatement.objects.get().net_income == Decimal(95)


def test_xlsx_import_with_a_saved_mapping(tmp_path):
    from openpyxl import Workbook

    from encours.risk.models import RiskImportMapping

    RiskImportMapping.objects.create(
        name="liasse", kind="statements", columns={"siren": "SIREN", "year": "Exercice", "equity": "Capitaux propres",
                                                   "total_assets": "Total bilan", "pge_outstanding": "PGE"},
    )  # fmt: skip
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["SIREN", "Exercice", "Total bilan", "Capitaux propres", "PGE"])
    sheet.append(["552100554", 2024, 800000, 250000, 120000])
    path = tmp_path / "liasse.xlsx"
    workbook.save(path)
    call_command("import_statements", str(path), "--mapping", "liasse")
    row = FinancialStatement.objects.get()
    assert (row.year, row.total_assets, row.equity, row.pge_outstanding) == (2024, 800000, 250000, 120000)
    assert row.ebit is None  # unknown, never zero


def test_statements_closed_after_as_of_are_not_scored(tmp_path):
    path = tmp_path / "statements.csv"
    path.write_bytes(statements_csv(HEALTHY))
    call_command("import_statements", str(path))
    assert _scores(tmp_path, as_of="2025-06-30") == {}
    assert "552100554" in _scores(tmp_path, as_of=str(date(2025, 12, 31) + timedelta(days=1)))
