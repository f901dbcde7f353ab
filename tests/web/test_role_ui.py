"""Role-aware pages: the menu shows each role its work, the auditor gets no write form, error pages are styled."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import override_settings

from encours.accounts.models import Department, Role
from tests.factories import ItemFactory, UserFactory


def _menu(client, user) -> list[str]:
    client.force_login(user)
    html = client.get("/customers/").content.decode() if user.role != Role.DEPARTMENT else ""
    if not html:
        html = client.get("/disputes/").content.decode()
    nav = html.split("<nav>", 1)[1].split("</nav>", 1)[0]
    return [part.split('"', 1)[0] for part in nav.split('href="')[1:]]


def test_menu_follows_the_role(client, credit_manager, sales_rep, auditor, entity):
    assert "/imports/" in _menu(client, credit_manager) and "/cash/" in _menu(client, credit_manager)
    rep_menu = _menu(client, sales_rep)
    assert "/imports/" not in rep_menu and "/cash/" not in rep_menu and "/customers/" in rep_menu
    auditor_menu = _menu(client, auditor)
    assert "/imports/" not in auditor_menu and "/reports/aged-balance/" in auditor_menu
    department = UserFactory(role=Role.DEPARTMENT, department=Department.LOGISTICS, entities=[entity])
    assert _menu(client, department) == ["/disputes/"]


def test_department_user_lands_on_his_disputes(client, entity):
    client.force_login(UserFactory(role=Role.DEPARTMENT, department=Department.QUALITY, entities=[entity]))
    assert client.get("/").url == "/disputes/mine/"


@pytest.fixture
def dispute(credit_manager, rep_customer):
    from encours.disputes.models import ReasonCode
    from encours.disputes.services import reasons_ensure
    from tests.disputes.conftest import open_dispute

    reasons_ensure()
    invoice = ItemFactory(customer=rep_customer, amount=Decimal("500.00"), document_date=date(2026, 9, 1))
    return open_dispute(credit_manager, rep_customer, ReasonCode.objects.get(code="price"), [(invoice, None)])


def test_auditor_sees_no_comment_box_nor_upload_button(client, auditor, collector, dispute):
    client.force_login(auditor)
    page = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert "/comment/" not in page and "/attach/" not in page and 'type="file"' not in page
    client.force_login(collector)
    page = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert "/comment/" in page and "/attach/" in page


def test_403_page_is_french_styled_with_menu_and_way_back(client, auditor):
    client.force_login(auditor)
    response = client.get("/imports/", HTTP_REFERER="http://testserver/customers/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "Accès refusé" in html and "<nav>" in html and 'href="/customers/"' in html and 'lang="fr"' in html


def test_404_page_in_english_for_an_english_user(client, auditor):
    auditor.language = "en"
    auditor.save()
    client.force_login(auditor)
    response = client.get("/customers/999999/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode() and "<nav>" in response.content.decode()


@override_settings(DEBUG=False)
def test_500_page_renders_without_the_database(client, auditor, monkeypatch):
    from django.db import connection

    from encours.web.errors import server_error

    request = client.get("/customers/").wsgi_request  # any request; the handler must not query
    with connection.execute_wrapper(_no_query):
        response = server_error(request)
    html = response.content.decode()
    assert response.status_code == 500 and "Erreur serveur" in html and 'href="/"' in html


def _no_query(*args, **kwargs):
    raise AssertionError("the 500 page queried the database")
