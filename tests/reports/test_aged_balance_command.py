"""``manage.py aged_balance``: one currency per CSV file, the XLSX for mixed scopes."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import load_workbook

from tests.factories import EntityFactory

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 10, 31)


def _aged_balance(tmp_path, fmt, *args):
    out = tmp_path / f"aged.{fmt}"
    call_command(
        "aged_balance", "--as-of", AS_OF.isoformat(), "--format", fmt, "--output", str(out), *args, stdout=io.StringIO()
    )
    return out


@pytest.fixture
def swiss(book):
    """A CHF entity next to the EUR one: a customer of each owes 100 (EUR) and 70 (CHF)."""
    entity = EntityFactory(name="Durand Suisse SA", siren="552100554", currency="CHF")
    book.invoice(book.customer(account_number="E1"), "100.00", date(2026, 10, 1))
    book.invoice(book.customer(entity=entity, account_number="S1"), "70.00", date(2026, 10, 1))
    return entity


def test_the_csv_of_entities_in_two_currencies_is_refused_naming_them_and_no_file_is_written(swiss, tmp_path):
    with pytest.raises(CommandError) as refused:
        _aged_balance(tmp_path, "csv")
    message = str(refused.value)
    assert "mixes currencies" in message and "--entity" in message
    assert "CHF: 552100554 Durand Suisse SA" in message and "EUR: 732829320 Durand Matériaux SAS" in message
    assert not (tmp_path / "aged.csv").exists()


def test_one_entity_of_a_mixed_book_gives_its_csv(swiss, tmp_path):
    rows = list(csv.DictReader(_aged_balance(tmp_path, "csv", "--entity", "552100554").open(encoding="utf-8")))
    assert [(row["key"], row["total"]) for row in rows] == [("S1", "70.00"), ("TOTAL", "70.00")]


def test_entities_sharing_one_currency_are_still_one_csv(book, tmp_path):
    sister = EntityFactory(name="Durand Ouest SAS", siren="404833048")
    book.invoice(book.customer(account_number="E1"), "100.00", date(2026, 10, 1))
    book.invoice(book.customer(entity=sister, account_number="W1"), "30.00", date(2026, 10, 1))
    rows = list(csv.DictReader(_aged_balance(tmp_path, "csv", "--by", "entity").open(encoding="utf-8")))
    assert [(row["key"], row["total"]) for row in rows] == [
        ("404833048", "30.00"),
        ("732829320", "100.00"),
        ("TOTAL", "130.00"),
    ]


def test_the_xlsx_of_a_mixed_book_keeps_each_row_in_its_currency_with_translated_parameters(swiss, tmp_path):
    with translation.override("fr"):
        workbook = load_workbook(_aged_balance(tmp_path, "xlsx"))
    rows = [[cell.value for cell in row] for row in workbook.worksheets[0].iter_rows(min_row=2)]
    assert [(row[0], row[2], row[-2]) for row in rows] == [
        ("E1", "EUR", 100),
        ("S1", "CHF", 70),
        ("TOTAL", "CHF", 70),
        ("TOTAL", "EUR", 100),
    ]
    parameters = {row[0].value: row[1].value for row in workbook.worksheets[1].iter_rows()}
    assert parameters["Société"] == "Toutes les sociétés" and "Entity" not in parameters
