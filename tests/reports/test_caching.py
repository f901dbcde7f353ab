"""The dashboard is kept while the ledger does not change, and recomputed as soon as it does."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from encours.ledger.services.customers import customer_update
from encours.ledger.services.items import allocation_create

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 10, 31)
URL = f"/dashboard/?as_of={AS_OF.isoformat()}"


def _view(client):
    with CaptureQueriesContext(connection) as queries:
        html = client.get(URL).content.decode()
    return html[html.index("<main>") :], len(queries.captured_queries)  # the header carries a CSRF token


def test_a_second_view_is_served_from_the_cache_and_a_lettering_recomputes_it(client, credit_manager, book):
    customer = book.customer(name="Garage Dupont")
    invoice = book.invoice(customer, "1000.00", AS_OF - timedelta(days=60))
    payment = book.payment(customer, "1000.00", AS_OF - timedelta(days=1))
    client.force_login(credit_manager)
    first, computed = _view(client)
    again, served = _view(client)
    assert again == first and served < computed / 2
    assert "Garage Dupont" in first  # in the top overdue customers
    allocation_create(
        debit=invoice, credit=payment, amount=Decimal("1000.00"), on=AS_OF - timedelta(days=1), user=credit_manager
    )
    after, _ = _view(client)
    assert "No overdue invoice in your portfolio." in after or "Aucun" in after


def test_a_customer_edit_through_its_service_moves_the_version(client, credit_manager, book):
    customer = book.customer(name="Garage Dupont", terms_days=30)
    book.invoice(customer, "100.00", AS_OF - timedelta(days=5))
    client.force_login(credit_manager)
    before, _ = _view(client)
    assert "Garage Dupont (" not in before  # no alert yet
    customer_update(customer=customer, user=credit_manager, terms_days=90)
    after, _ = _view(client)
    assert "Garage Dupont" in after  # terms beyond the legal cap


def test_refresh_recomputes_on_demand(client, credit_manager, book):
    book.invoice(book.customer(), "100.00", AS_OF - timedelta(days=5))
    client.force_login(credit_manager)
    _view(client)
    with CaptureQueriesContext(connection) as queries:
        client.get(f"{reverse('reports:dashboard')}?as_of={AS_OF.isoformat()}&refresh=1")
    assert len(queries.captured_queries) > 8


KPIS = f"/reports/kpis/?as_of={AS_OF.isoformat()}&by=region"


def _kpis(client, url=KPIS):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    html = response.content.decode()
    return response, html[html.index("<main>") :], len(queries.captured_queries)


def test_the_kpi_page_is_kept_a_second_view_runs_five_queries_and_a_lettering_recomputes_it(
    client, credit_manager, book
):
    customer = book.customer(name="Garage Dupont", region="Bretagne")
    invoice = book.invoice(customer, "1000.00", AS_OF - timedelta(days=60))
    payment = book.payment(customer, "400.00", AS_OF - timedelta(days=1))
    client.force_login(credit_manager)
    _, first_html, computed = _kpis(client)
    again, again_html, served = _kpis(client)
    assert again_html == first_html and computed > 20
    assert served <= 5  # session, user, the ledger's version, the entity choices of the filter form
    assert [row.figures.open_ar for row in again.context["totals"]] == [Decimal("600.00")]
    assert again.context["report"].dimension.name == "region" and again.context["series"] is not None
    allocation_create(
        debit=invoice, credit=payment, amount=Decimal("400.00"), on=AS_OF - timedelta(days=1), user=credit_manager
    )
    after, _, recomputed = _kpis(client)
    assert recomputed > 20
    assert [row.figures.open_ar for row in after.context["totals"]] == [Decimal("600.00")]
    assert after.context["report"].rows[0].figures.balance.total == Decimal("600.00")


def test_the_kpi_page_keeps_each_focused_row_apart(client, credit_manager, book):
    book.invoice(book.customer(region="Bretagne"), "1000.00", AS_OF - timedelta(days=60))
    book.invoice(book.customer(region="Occitanie"), "250.00", AS_OF - timedelta(days=10))
    client.force_login(credit_manager)
    whole, _, _ = _kpis(client)
    focused, _, _ = _kpis(client, KPIS + "&key=Occitanie")
    assert whole.context["series"].points[-1].receivables == Decimal("1250.00")
    assert focused.context["focus"].name == "Occitanie"
    assert focused.context["series"].points[-1].receivables == Decimal("250.00")
