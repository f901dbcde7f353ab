"""The disputes API: create/update from another system, list with filters, scoped by the token."""

from __future__ import annotations

from decimal import Decimal

import pytest

from encours.api.auth import api_token_create
from encours.disputes.models import Dispute
from tests.disputes.conftest import open_dispute
from tests.factories import ItemFactory


@pytest.fixture
def auth(collector):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=collector)}"}


def test_create_update_and_list_a_dispute(client, auth, customer, invoices):
    payload = {
        "customer_id": customer.pk,
        "reason": "delivery",
        "lines": [{"invoice": "FA-1001"}, {"invoice": "FA-1002", "amount": "80.00"}],
        "external_reference": "CS-4521",
    }
    response = client.post("/api/v1/disputes", payload, content_type="application/json", **auth)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["reason"], body["department"], Decimal(body["amount_disputed"])) == (
        "delivery",
        "logistics",
        Decimal("1280"),
    )
    patch = client.patch(
        f"/api/v1/disputes/{body['id']}",
        {"status": "waiting_customer", "comment": "photos demandées"},
        content_type="application/json",
        **auth,
    )
    assert patch.status_code == 200 and patch.json()["status"] == "waiting_customer"
    listed = client.get("/api/v1/disputes", {"external_reference": "CS-4521"}, **auth).json()
    assert [d["id"] for d in listed] == [body["id"]]
    assert [line["invoice"] for line in listed[0]["lines"]] == ["FA-1001", "FA-1002"]


def test_invalid_transition_is_a_400_and_nothing_changes(client, auth, collector, customer, invoices, reasons):
    dispute = open_dispute(collector, customer, reasons["price"], [(invoices[0], None)])
    response = client.patch(
        f"/api/v1/disputes/{dispute.pk}",
        {"description": "changed", "status": "open"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 400 and "cannot go from 'open' to 'open'" in response.json()["detail"]
    dispute.refresh_from_db()
    assert dispute.description == ""


def test_unknown_invoice_is_a_clear_400(client, auth, customer):
    payload = {"customer_id": customer.pk, "reason": "price", "lines": [{"invoice": "NOPE"}]}
    response = client.post("/api/v1/disputes", payload, content_type="application/json", **auth)
    assert response.status_code == 400 and "NOPE" in response.json()["detail"]
    assert not Dispute.objects.exists()


def test_token_user_cannot_read_or_write_another_customer_dispute(
    client, collector, sales_rep, other_customer, reasons
):
    dispute = open_dispute(collector, other_customer, reasons["price"], [(ItemFactory(customer=other_customer), None)])
    rep = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=sales_rep)}"}
    assert client.get(f"/api/v1/disputes/{dispute.pk}", **rep).status_code == 404
    assert (
        client.patch(
            f"/api/v1/disputes/{dispute.pk}", {"comment": "x"}, content_type="application/json", **rep
        ).status_code
        == 404
    )
    assert client.get("/api/v1/disputes", **rep).json() == []
    payload = {"customer_id": other_customer.pk, "reason": "price", "lines": [{"invoice": "FA-1"}]}
    assert client.post("/api/v1/disputes", payload, content_type="application/json", **rep).status_code == 404
