from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from encours.api.auth import api_token_create
from encours.insurance.models import CoverDecision, CoverRequest, Declaration, FactoringContract
from encours.insurance.services.factoring import bordereau_create, debtor_approval_set
from encours.insurance.services.requests import cover_requests_prepare
from encours.ledger.models import Customer, Item
from tests.factories import CustomerFactory, ItemFactory

AS_OF = "2026-10-31"


@pytest.fixture
def manager_client(client, credit_manager):
    client.force_login(credit_manager)
    return client


def test_portfolio_page_with_chart_and_uncovered_list(imported, manager_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        response = manager_client.get(reverse("insurance:portfolio"), {"as_of": AS_OF})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="cover-chart"' in html and "cover-chart-data" in html
    assert "Bravo BTP" in html and "Alpha Négoce" in html


def test_portfolio_query_count_does_not_grow_with_buyers(
    imported, entity, manager_client, django_assert_max_num_queries
):
    for n in range(30):
        ItemFactory(customer=CustomerFactory(entity=entity), amount=1000 + n)
    with django_assert_max_num_queries(15):
        assert manager_client.get(reverse("insurance:portfolio"), {"as_of": AS_OF}).status_code == 200


def test_customer_page_shows_the_cover_panel(imported, manager_client):
    html = manager_client.get(reverse("ledger:customer", args=[imported["a"].pk])).content.decode()
    assert 'id="buyer-cover"' in html and "D-1" in html


def test_buyer_page_and_manual_cancellation(imported, manager_client):
    url = reverse("insurance:buyer", args=[imported["a"].pk])
    assert manager_client.get(url, {"as_of": AS_OF}).status_code == 200
    response = manager_client.post(
        url + f"?as_of={AS_OF}",
        {"decision": "cancelled_insured", "granted_amount": "0", "effective_on": "2026-10-31", "note": "no more sales"},
    )
    assert response.status_code == 302
    assert CoverDecision.objects.filter(customer=imported["a"], decision="cancelled_insured").exists()


def test_sales_rep_cannot_see_another_reps_buyer(imported, client, sales_rep, rep_customer):
    client.force_login(sales_rep)
    assert client.get(reverse("insurance:buyer", args=[imported["a"].pk])).status_code == 404
    html = client.get(reverse("insurance:portfolio"), {"as_of": AS_OF}).content.decode()
    assert "Alpha Négoce" not in html


def test_outsider_gets_404_on_requests_claims_and_bordereaux(imported, client, outsider, credit_manager, entity):
    (request,) = cover_requests_prepare(customers=Customer.objects.all(), as_of=date(2026, 10, 31))
    contract = FactoringContract.objects.create(
        entity=entity, factor="CGA", number="F-9", start_date=date(2026, 1, 1), global_limit=100000
    )
    debtor_approval_set(contract=contract, customer=imported["a"], amount=10000, user=credit_manager)
    batch = bordereau_create(
        contract=contract,
        items=list(Item.objects.filter(number="FA-A2")),
        assigned_on=date(2026, 10, 31),
        user=credit_manager,
    )
    client.force_login(outsider)
    assert client.get(reverse("insurance:request_pdf", args=[request.pk])).status_code == 404
    assert client.post(reverse("insurance:request_action", args=[request.pk]), {"action": "export"}).status_code == 404
    assert client.get(reverse("insurance:bordereau", args=[batch.pk])).status_code == 404
    assert client.get(reverse("insurance:bordereau_csv", args=[batch.pk])).status_code == 404
    assert "CGA" not in client.get(reverse("insurance:factoring")).content.decode()


def test_request_queue_prepare_and_export(imported, manager_client):
    assert manager_client.post(reverse("insurance:requests") + f"?as_of={AS_OF}").status_code == 302
    request = CoverRequest.objects.get()
    html = manager_client.get(reverse("insurance:requests")).content.decode()
    assert f'id="request-{request.pk}"' in html and "note non disponible" in html
    response = manager_client.post(reverse("insurance:request_action", args=[request.pk]), {"action": "export"})
    assert response.status_code == 302 and response.url == reverse("insurance:request_export", args=[request.pk])
    rows = list(csv.DictReader(io.StringIO(manager_client.get(response.url).content.decode())))
    assert rows[0]["requested_amount"] == "10000.00"
    pdf = manager_client.get(reverse("insurance:request_pdf", args=[request.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_declarations_due_this_week_and_claim(imported, manager_client):
    html = manager_client.get(reverse("insurance:declarations"), {"as_of": "2026-10-27"}).content.decode()
    assert "Alpha Négoce" in html
    manager_client.post(reverse("insurance:declare", args=[imported["a"].pk]) + "?as_of=2026-10-27")
    declaration = Declaration.objects.get()
    assert declaration.amount == 1000
    manager_client.post(reverse("insurance:claim_open", args=[declaration.pk]))
    html = manager_client.get(reverse("insurance:claims")).content.decode()
    assert "900,00" in html  # 1000 × 90 %


def test_collector_cannot_write(imported, client, collector):
    client.force_login(collector)
    assert client.post(reverse("insurance:requests")).status_code == 403
    assert client.get(reverse("insurance:import")).status_code == 403


@pytest.mark.django_db(transaction=True)  # the job closes the old connections, as in a worker
def test_decision_upload_runs_as_a_job(book, manager_client, entity, client, outsider):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("coface.csv", book["csv"], content_type="text/csv")
    response = manager_client.post(
        reverse("insurance:import"), {"file": upload, "entity": entity.pk, "policy": "P-1", "insurer": "Coface"}
    )
    assert response.status_code == 302
    html = manager_client.get(response.url).content.decode()
    assert "5 created" in html
    assert CoverDecision.objects.count() == 5
    client.force_login(outsider)  # a credit manager of another entity neither sees nor opens the job
    assert client.get(response.url).status_code == 404
    assert "coface.csv" not in client.get(reverse("insurance:import")).content.decode()


def test_factoring_pages_and_bordereau(imported, manager_client, entity, credit_manager):
    contract = FactoringContract.objects.create(
        entity=entity, factor="BNP Paribas Factor", number="F-1", start_date=date(2026, 1, 1), global_limit=100000
    )
    debtor_approval_set(contract=contract, customer=imported["b"], amount=20000, user=credit_manager)
    url = reverse("insurance:bordereau_new", args=[contract.pk])
    html = manager_client.get(url, {"as_of": AS_OF}).content.decode()
    assert "FA-B1" in html
    item = Item.objects.get(number="FA-B1")
    response = manager_client.post(url + f"?as_of={AS_OF}", {"items": [item.pk]})
    assert response.status_code == 302
    # issued 09-01, due 12-31: 121 days of terms, beyond the contract's 120
    assert "payment terms over 120 days" in manager_client.get(response.url).content.decode()
    contract.max_payment_days = 150
    contract.save()
    item = Item.objects.get(number="FA-A2")
    debtor_approval_set(contract=contract, customer=imported["a"], amount=20000, user=credit_manager)
    manager_client.post(url + f"?as_of={AS_OF}", {"items": [item.pk]})
    html = manager_client.get(reverse("insurance:factoring"), {"as_of": AS_OF}).content.decode()
    assert "BNP Paribas Factor" in html and "450,00" in html  # 500 × 90 %
    manager_client.post(
        reverse("insurance:factoring_draw", args=[contract.pk]), {"amount": "300", "on": AS_OF, "reference": ""}
    )
    assert contract.drawings.count() == 1


def test_api_covers_and_factoring_position(imported, client, credit_manager, sales_rep, entity):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=credit_manager)}"}
    rows = client.get("/api/v1/insurance/covers", {"as_of": AS_OF}, **auth).json()
    by = {r["account_number"]: r for r in rows}
    assert by["C-A"]["uncovered"] == "300.00" and by["C-B"]["decision"] == "cancelled"
    detail = client.get(f"/api/v1/insurance/covers/{imported['b'].pk}", {"as_of": AS_OF}, **auth).json()
    assert [h["decision"] for h in detail["history"]] == ["cancelled", "approved"]
    FactoringContract.objects.create(
        entity=entity, factor="Eurofactor", number="F-7", start_date=date(2026, 1, 1), global_limit=50000
    )
    positions = client.get("/api/v1/factoring/position", **auth).json()
    assert positions[0]["factor"] == "Eurofactor" and positions[0]["available"] == "0.00"
    rep = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=sales_rep)}"}
    assert client.get(f"/api/v1/insurance/covers/{imported['b'].pk}", **rep).status_code == 404
    assert client.get("/api/v1/insurance/covers", **rep).json() == []


def test_sales_rep_sees_no_factoring_account(imported, client, sales_rep, entity):
    contract = FactoringContract.objects.create(
        entity=entity, factor="Eurofactor", number="F-8", start_date=date(2026, 1, 1), global_limit=50000
    )
    client.force_login(sales_rep)
    assert "Eurofactor" not in client.get(reverse("insurance:factoring")).content.decode()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=sales_rep)}"}
    assert client.get(f"/api/v1/factoring/{contract.pk}/position", **auth).status_code == 404
    assert client.get("/api/v1/factoring/position", **auth).json() == []
