"""Hostile numbers and files through the ledger's imports (issue 16): the command line, the web
upload and the service give the same line-numbered error, and the database is unchanged."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from encours.core.errors import ImportRejected, InvalidFile
from encours.jobs.models import Job
from encours.ledger.models import ImportMapping, Item
from encours.ledger.services.import_tabular import tabular_import
from tests.factories import CustomerFactory
from tests.xlsx_raw import xlsx_bytes

pytestmark = pytest.mark.django_db
HEADER = ["type", "number", "customer", "date", "amount"]


def _import(entity, raw: bytes, name: str = "items.csv"):
    return tabular_import(raw=raw, file_name=name, entity_siren=entity.siren, mapping_name="default-items")


def test_a_negative_invoice_is_refused_with_its_line(entity):
    CustomerFactory(entity=entity, account_number="C1")
    raw = b"type,number,customer,date,amount\ninvoice,FA1,C1,2026-01-10,100\ninvoice,FA2,C1,2026-01-10,-100\n"
    with pytest.raises(ImportRejected) as caught:
        _import(entity, raw)
    assert [str(e) for e in caught.value.errors] == [
        "line 3, column amount: '-100' an invoice is a positive amount (a negative one is a credit note)"
    ]
    assert not Item.objects.exists()


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (("n", "1E+400"), "line 2, column amount: 'inf' not a finite number: 'inf'"),
        (("n", "1E+30"), "line 2, column amount: '1e+30' amount out of range: 10^13 or more in absolute value"),
        ("1e30", "line 2, column amount: '1e30' amount out of range: 10^13 or more in absolute value"),
    ],
)
def test_an_xlsx_amount_out_of_bounds_is_a_line_numbered_error(entity, cell, expected):
    CustomerFactory(entity=entity, account_number="C1")
    raw = xlsx_bytes([HEADER, ["invoice", "FA1", "C1", "2026-01-10", cell]])
    with pytest.raises(ImportRejected) as caught:
        _import(entity, raw, "items.xlsx")
    assert [str(e) for e in caught.value.errors] == [expected]
    assert not Item.objects.exists()


def test_an_xlsx_nan_cell_is_a_line_numbered_error(entity):
    raw = xlsx_bytes([HEADER, ["invoice", "FA1", "C1", "2026-01-10", ("n", "NaN")]])
    with pytest.raises(InvalidFile, match=r"^line 2: unreadable cell"):
        _import(entity, raw, "items.xlsx")


@pytest.fixture
def uploader(client, credit_manager, settings):
    client.force_login(credit_manager)
    return client


def _upload(client, entity, name: str, raw: bytes) -> Job:
    mapping = ImportMapping.objects.get(name="default-items")
    data = {"kind": "mapped", "file": SimpleUploadedFile(name, raw), "entity": entity.pk, "mapping": mapping.pk}
    response = client.post(reverse("ledger:imports"), data)
    assert response.status_code == 302
    return Job.objects.get()


def test_the_web_upload_shows_the_line_of_an_infinite_xlsx_cell(uploader, entity):
    CustomerFactory(entity=entity, account_number="C1")
    raw = xlsx_bytes([HEADER, ["invoice", "FA1", "C1", "2026-01-10", ("n", "1E+400")]])
    job = _upload(uploader, entity, "items.xlsx", raw)
    assert job.status == Job.Status.FAILED
    page = uploader.get(reverse("ledger:import_job", args=[job.pk])).content.decode()
    cells = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", page)
    assert cells == [("2", "amount", "inf", "not a finite number: &#x27;inf&#x27;")]
    assert not Item.objects.exists()


def test_an_empty_upload_says_the_file_is_empty(uploader, entity):
    mapping = ImportMapping.objects.get(name="default-items")
    data = {"kind": "mapped", "file": SimpleUploadedFile("items.csv", b""), "entity": entity.pk, "mapping": mapping.pk}
    response = uploader.post(reverse("ledger:imports"), data)
    assert response.status_code == 200 and not Job.objects.exists()
    assert [str(e) for e in response.context["form"].errors["file"]] == ["Le fichier soumis est vide."]
    with pytest.raises(InvalidFile, match=r"^line 1: the file is empty$"):  # the command line and the API
        _import(entity, b"")


def test_a_credit_note_written_positive_is_still_negated(entity):
    CustomerFactory(entity=entity, account_number="C1")
    _import(entity, b"type,number,customer,date,amount\ncredit_note,AV1,C1,2026-01-10,40\n")
    assert Item.objects.get().amount == Decimal("-40.00")
