"""The ledger import pages: upload, background job page, error table, mappings; who may import
into which entity and see which import."""

from __future__ import annotations

import re
import threading
from html import unescape
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client
from django.urls import reverse

from encours.accounts.models import Role
from encours.core.errors import PermissionDenied
from encours.jobs import services as job_services
from encours.jobs.models import Job
from encours.ledger.models import Customer, ImportMapping, Item, LegalEntity
from encours.ledger.services.import_fec import fec_import
from tests.conftest import sample_path
from tests.factories import EntityFactory, UserFactory

pytestmark = pytest.mark.django_db
FEC = "595401761FEC20261031.txt"
HTMX = {"HTTP_HX_REQUEST": "true"}


def _fec_bytes() -> bytes:
    return Path(sample_path(FEC)).read_bytes()


def _upload(client, name: str = FEC, raw: bytes | None = None, **fields):
    upload = SimpleUploadedFile(name, _fec_bytes() if raw is None else raw)
    return client.post(reverse("ledger:imports"), {"kind": "fec", "file": upload, **fields})


def _uploaded_files(settings) -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture
def sample_entity(db) -> LegalEntity:
    return EntityFactory(siren="595401761", name="Négoce Atlantique SAS")


@pytest.fixture
def sample_manager(credit_manager, sample_entity):
    """A credit manager attached to the sample's entity (and to the conftest one)."""
    credit_manager.entities.add(sample_entity)
    return credit_manager


def test_a_credit_manager_uploads_a_fec_and_the_job_page_shows_the_result(client, sample_manager, settings):
    client.force_login(sample_manager)
    response = _upload(client)
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ledger:import_job", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert job.status == Job.Status.DONE, job.message
    figures = {unescape(k): unescape(v) for k, v in re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", page)}
    assert figures["Lignes lues"] == "6\u202f452" and figures["Lignes sur comptes clients (411)"] == "2\u202f581"
    assert figures["Entité juridique créée par l'import"] == "non" and figures["Fichier"] == FEC
    assert int(figures["Clients créés"]) > 0 and int(figures["Lettrages créés"].replace("\u202f", "")) > 0
    for raw in ("entity_created", "True", "False", "warnings", "[]", "utf-8", " lines, "):
        assert raw not in page[page.index("<main") :], raw
    assert f'href="{reverse("ledger:customers")}?entity={job.entity_id}"' in page
    assert Item.objects.filter(entity__siren="595401761").count() > 0
    assert job.entity.siren == "595401761" and job.created_by == sample_manager
    assert FEC in client.get(reverse("ledger:imports")).content.decode()
    assert _uploaded_files(settings) == []  # deleted once imported


def test_a_corrupted_fec_shows_the_error_table_and_keeps_the_file(client, sample_manager, settings):
    lines = _fec_bytes().split(b"\r\n")
    fields = lines[299].split(b"|")
    fields[12] = b"26x85,23"  # Credit of a customer line
    lines[299] = b"|".join(fields)
    client.force_login(sample_manager)
    response = _upload(client, raw=b"\r\n".join(lines))
    page = client.get(response["Location"]).content.decode()
    assert Job.objects.get().status == Job.Status.FAILED
    cells = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", page)
    assert cells == [("300", "Credit", "26x85,23", "not an amount")]  # and no spurious "zero amount"
    assert Item.objects.count() == 0
    assert len(_uploaded_files(settings)) == 1  # kept for diagnosis


def test_a_customer_file_uploaded_with_a_mapping_sums_up_its_warnings(client, credit_manager, entity, settings):
    client.force_login(credit_manager)
    upload = SimpleUploadedFile("customers.csv", Path(sample_path("customers.csv")).read_bytes())
    mapping = ImportMapping.objects.get(name="default-customers")
    data = {"kind": "mapped", "file": upload, "entity": entity.pk, "mapping": mapping.pk}
    response = client.post(reverse("ledger:imports"), data)
    job = Job.objects.get()
    assert response.status_code == 302 and job.status == Job.Status.DONE, job.message
    assert job.message.endswith("148 warning(s)") and len(job.result["warnings"]) == 20
    assert job.entity == entity and Customer.objects.filter(entity=entity).count() == 150
    assert _uploaded_files(settings) == []


def test_the_mapping_editor_creates_then_edits_a_mapping(client, credit_manager, settings):
    client.force_login(credit_manager)
    assert client.get(reverse("ledger:mapping_new")).status_code == 200
    data = {
        "name": "erp-items",
        "kind": "items",
        "columns_text": "number=N° facture\ncustomer=Compte\ndocument_date=Date\namount=Montant TTC",
        "date_format": "%d/%m/%Y",
        "delimiter": ";",
    }
    assert client.post(reverse("ledger:mapping_new"), data).status_code == 302
    mapping = ImportMapping.objects.get(name="erp-items")
    assert mapping.columns["number"] == "N° facture" and mapping.options["delimiter"] == ";"
    edit_page = client.get(reverse("ledger:mapping_edit", args=[mapping.pk])).content.decode()
    assert "amount=Montant TTC" in edit_page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    bad = client.post(reverse("ledger:mapping_edit", args=[mapping.pk]), {**data, "columns_text": "number"})
    assert bad.status_code == 200 and "Line 1: expected field=Column" in bad.content.decode()


@pytest.mark.parametrize("persona", ["sales_rep", "auditor"])
def test_sales_reps_and_auditors_may_not_import(client, persona, request, sample_manager):
    client.force_login(sample_manager)
    _upload(client)
    job = Job.objects.get()
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("ledger:imports")).status_code == 403
    assert _upload(client).status_code == 403
    assert client.get(reverse("ledger:import_job", args=[job.pk])).status_code == 403
    assert client.get(reverse("ledger:mapping_new")).status_code == 403
    assert Job.objects.count() == 1


def test_another_entitys_import_is_neither_listed_nor_readable(client, sample_manager, outsider):
    client.force_login(sample_manager)
    _upload(client)
    job = Job.objects.get()
    client.force_login(outsider)
    assert FEC not in client.get(reverse("ledger:imports")).content.decode()
    assert client.get(reverse("ledger:import_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("ledger:import_job", args=[job.pk]), **HTMX).status_code == 404


def test_an_admin_sees_every_import(client, sample_manager):
    client.force_login(sample_manager)
    _upload(client)
    job = Job.objects.get()
    client.force_login(UserFactory(username="root", role=Role.ADMIN))
    assert client.get(reverse("ledger:import_job", args=[job.pk])).status_code == 200


RENAMED = "552100554FEC20261031.txt"


def _assert_refused(response, siren: str, settings) -> None:
    assert response.status_code == 200
    errors = " ".join(re.findall(r'<ul class="errorlist[^"]*">(.*?)</ul>', response.content.decode(), re.S))
    assert siren in errors
    assert Job.objects.count() == 0 and _uploaded_files(settings) == []


def test_a_fec_renamed_to_an_unknown_siren_is_refused_and_creates_no_entity(client, sample_manager, settings):
    client.force_login(sample_manager)
    entities = LegalEntity.objects.count()
    _assert_refused(_upload(client, RENAMED), "552100554", settings)
    assert LegalEntity.objects.count() == entities and Item.objects.count() == Customer.objects.count() == 0


def test_a_fec_renamed_to_another_entitys_siren_is_refused_and_writes_nothing(client, sample_manager, settings):
    EntityFactory(siren="552100554", name="Autre Groupe SA")
    client.force_login(sample_manager)
    _assert_refused(_upload(client, RENAMED), "552100554", settings)
    assert Item.objects.count() == Customer.objects.count() == 0


def test_an_admin_may_create_an_entity_by_uploading_a_fec(client):
    client.force_login(UserFactory(username="root", role=Role.ADMIN))
    response = _upload(client, RENAMED)
    job = Job.objects.get()
    assert response.status_code == 302 and job.status == Job.Status.DONE, job.message
    job.refresh_from_db()
    assert job.entity.siren == "552100554" and job.entity.items.count() > 0


def test_the_import_itself_refuses_an_entity_the_user_does_not_belong_to(sample_manager):
    """The job re-checks what the form checked: membership may change while a job waits."""
    EntityFactory(siren="552100554")
    with pytest.raises(PermissionDenied, match="552100554"):
        fec_import(raw=_fec_bytes(), file_name=RENAMED, user=sample_manager, scoped=True)
    with pytest.raises(PermissionDenied, match="552100554"):
        fec_import(raw=_fec_bytes(), file_name=FEC, entity_siren="552100554", user=sample_manager, scoped=True)
    assert Item.objects.count() == 0


def test_the_command_line_is_not_scoped():
    report = fec_import(raw=_fec_bytes(), file_name=RENAMED)
    assert report.entity_created and report.entity_siren == "552100554"


@pytest.mark.django_db(transaction=True)  # the observer reads through its own connection
def test_progress_is_visible_from_another_connection_while_the_import_runs(client, sample_manager, monkeypatch):
    """Each time the import reports progress, an observer thread with its own database connection
    loads the job page as the browser's polling would: it must see the figure of that moment."""
    monkeypatch.setattr(job_services.Progress, "min_interval", 0)  # every report, not every 0.5 s
    client.force_login(sample_manager)
    observer = Client()
    observer.cookies = client.cookies
    seen: list[tuple[str, str, str]] = []
    save = job_services.progress_save

    def save_and_observe(*, job_id: int, done: int, total: int, message: str) -> None:
        save(job_id=job_id, done=done, total=total, message=message)
        thread = threading.Thread(target=_observe, args=(observer, job_id, seen))
        thread.start()
        thread.join()

    monkeypatch.setattr(job_services, "progress_save", save_and_observe)
    _upload(client)
    shown = [message for message, _, _ in seen]
    assert "parsing: 4999 / 6452 lines" in shown
    assert any(m.startswith("writing items: 0 / ") for m in shown)
    # inside the import's transaction the row still holds the last figure written before it
    row_messages = {row for message, _, row in seen if message.startswith("writing items")}
    assert row_messages == {"parsing: 6452 / 6452 lines"}
    percents = [int(percent) for _, percent, _ in seen]
    assert percents == sorted(percents) and 0 < percents[len(percents) // 2] < 100


def _observe(observer: Client, job_id: int, seen: list[tuple[str, str, str]]) -> None:
    try:
        page = observer.get(reverse("ledger:import_job", args=[job_id]), **HTMX).content.decode()
        message = re.search(r'<p class="muted">(.*?)</p>', page)
        percent = re.search(r'<progress[^>]* value="(\d+)"', page)
        if message and percent:
            row = Job.objects.values_list("message", flat=True).get(pk=job_id)
            seen.append((message.group(1), percent.group(1), row))
    finally:
        connections.close_all()
