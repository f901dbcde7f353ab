"""The customer page shows the blocks and lifts one with a reason; the API does the same through the same service."""

from __future__ import annotations

import json

import pytest

from encours.ledger.models import BlockReason, CustomerBlock
from encours.ledger.services.blocks import customer_block
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(entity, sales_rep):
    return CustomerFactory(entity=entity, sales_rep=sales_rep, name="Boulangerie Martin")


def blocked(customer, kind=BlockReason.DUNNING):
    return customer_block(customer=customer, by=None, reason=f"{kind} cause", kind=kind)


def test_page_lists_blocks_and_offers_the_lift_to_who_may(client, customer, collector):
    dunning, manual = blocked(customer), blocked(customer, BlockReason.MANUAL)
    client.force_login(collector)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "dunning cause" in page and "manual cause" in page
    assert f"/blocks/{dunning.pk}/lift/" in page and f"/blocks/{manual.pk}/lift/" not in page
    assert f"/customers/{customer.pk}/block/" not in page  # a collector does not block by hand


def test_lifting_from_the_page(client, customer, collector):
    made = blocked(customer)
    client.force_login(collector)
    response = client.post(f"/blocks/{made.pk}/lift/", {"reason": "virement reçu le 30/10"}, follow=True)
    assert "is no longer blocked" in response.content.decode() or "n’est plus bloqué" in response.content.decode()
    made.refresh_from_db()
    assert made.lift_reason == "virement reçu le 30/10" and made.lifted_by == collector


def test_lifting_without_a_reason_changes_nothing(client, customer, collector):
    made = blocked(customer)
    client.force_login(collector)
    response = client.post(f"/blocks/{made.pk}/lift/", {"reason": " "})
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.is_active


def test_a_collector_lifting_an_insolvency_block_is_refused(client, customer, collector):
    made = blocked(customer, BlockReason.INSOLVENCY)
    client.force_login(collector)
    assert client.post(f"/blocks/{made.pk}/lift/", {"reason": "plan de continuation"}).status_code == 403
    made.refresh_from_db()
    assert made.is_active


def test_blocking_by_hand_from_the_page(client, customer, credit_manager):
    client.force_login(credit_manager)
    client.post(f"/customers/{customer.pk}/block/", {"reason": "chèque impayé"})
    made = CustomerBlock.objects.get(customer=customer)
    assert (made.reason, made.detail, made.blocked_by) == ("manual", "chèque impayé", credit_manager)


def test_auditor_sees_the_blocks_but_no_form(client, customer, auditor):
    blocked(customer)
    client.force_login(auditor)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "dunning cause" in page and "/lift/" not in page and "/block/" not in page


def test_api_lists_and_lifts(client, customer, collector):
    from encours.api.auth import api_token_create

    made = blocked(customer)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=collector)}"}
    rows = client.get(f"/api/v1/customers/{customer.pk}/blocks", **auth).json()
    assert [(r["id"], r["reason"], r["active"]) for r in rows] == [(made.pk, "dunning", True)]
    body = json.dumps({"reason": ""})
    no_reason = client.post(f"/api/v1/blocks/{made.pk}/lift", body, content_type="application/json", **auth)
    assert no_reason.status_code == 400 and "say why" in no_reason.json()["detail"]
    body = json.dumps({"reason": "payé"})
    lifted = client.post(f"/api/v1/blocks/{made.pk}/lift", body, content_type="application/json", **auth)
    assert lifted.status_code == 200 and lifted.json()["active"] is False and lifted.json()["lifted_by"] == "collector"
    again = client.post(f"/api/v1/blocks/{made.pk}/lift", body, content_type="application/json", **auth)
    assert again.status_code == 400 and "already lifted" in again.json()["detail"]


def test_api_refuses_what_the_role_may_not_lift(client, customer, collector):
    from encours.api.auth import api_token_create

    made = blocked(customer, BlockReason.COMMITTEE)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=collector)}"}
    body = json.dumps({"reason": "payé"})
    response = client.post(f"/api/v1/blocks/{made.pk}/lift", body, content_type="application/json", **auth)
    assert response.status_code == 403
    made.refresh_from_db()
    assert made.is_active


def test_api_blocks_by_hand(client, customer, credit_manager):
    from encours.api.auth import api_token_create

    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=credit_manager)}"}
    body = json.dumps({"reason": "cessation d'activité annoncée"})
    response = client.post(f"/api/v1/customers/{customer.pk}/blocks", body, content_type="application/json", **auth)
    assert response.status_code == 200 and response.json()["reason"] == "manual"
    customer.refresh_from_db()
    assert customer.is_blocked
