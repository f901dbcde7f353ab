"""POST /api/v1/customers/bulk and /items/bulk: idempotent, audited, all or nothing, by role."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from encours.accounts.models import Role
from encours.accounts.permissions import CAPABILITIES
from encours.audit.models import AuditEntry
from encours.audit.selectors import audit_for_customer
from encours.ledger.models import Customer, Item
from encours.ledger.services import batches
from tests.factories import CustomerFactory, ItemFactory, siren_with_key

pytestmark = pytest.mark.django_db

CUSTOMERS = "/api/v1/customers/bulk"
ITEMS = "/api/v1/items/bulk"
SIREN_A, SIREN_B = siren_with_key(31234567), siren_with_key(31234568)


def _customers(entity, *rows) -> dict:
    return {"entity": entity.siren, "customers": list(rows)}


def _items(entity, *rows) -> dict:
    return {"entity": entity.siren, "items": list(rows)}


def _snapshot() -> tuple:
    """Everything a rejected batch must leave as it was."""
    return (
        list(Customer.objects.order_by("pk").values()),
        list(Item.objects.order_by("pk").values()),
        AuditEntry.objects.exclude(action="api_token.create").count(),  # the request's own token is audited
    )


BAKERY = {"account_number": "411B01", "name": "Boulangerie Le Goff", "siren": SIREN_A, "region": "Bretagne"}
GARAGE = {"account_number": "411B02", "name": "Garage Roux", "siren": SIREN_B, "category": "key_account"}


# --- customers ----------------------------------------------------------------------------------


def test_customer_batch_creates_then_the_same_batch_changes_nothing(post_json, bearer, credit_manager, entity):
    auth = bearer(credit_manager)
    first = post_json(CUSTOMERS, _customers(entity, BAKERY, GARAGE), auth)
    assert first.status_code == 200, first.content
    assert first.json() == {"created": 2, "updated": 0, "unchanged": 0}
    bakery = Customer.objects.get(entity=entity, account_number="411B01")
    assert (bakery.name, bakery.siren, bakery.region, bakery.category) == (
        "Boulangerie Le Goff",
        SIREN_A,
        "Bretagne",
        "sme",
    )
    assert Customer.objects.get(account_number="411B02").category == "key_account"
    created = AuditEntry.objects.filter(action="customer.create", actor=credit_manager)
    assert sorted(e.after["account_number"] for e in created) == ["411B01", "411B02"]
    assert [e.action for e in audit_for_customer(customer_id=bakery.pk)] == ["customer.create"]

    before = _snapshot()
    again = post_json(CUSTOMERS, _customers(entity, BAKERY, GARAGE), auth)
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 2}
    assert _snapshot() == before


def test_a_changed_customer_row_is_updated_and_audited(post_json, bearer, credit_manager, entity):
    existing = CustomerFactory(entity=entity, account_number="411B01", name="Boulangerie Le Goff", region="Finistère")
    auth = bearer(credit_manager)
    response = post_json(CUSTOMERS, _customers(entity, {**BAKERY, "siren": existing.siren}, GARAGE), auth)
    assert response.json() == {"created": 1, "updated": 1, "unchanged": 0}
    existing.refresh_from_db()
    assert existing.region == "Bretagne"
    update = AuditEntry.objects.get(action="customer.update", customer_id=existing.pk)
    assert update.actor == credit_manager
    assert update.changes() == [("region", "Finistère", "Bretagne")]


def test_empty_fields_keep_the_stored_values(post_json, bearer, credit_manager, entity):
    existing = CustomerFactory(entity=entity, account_number="411B01", region="Bretagne", naf_code="47.24Z")
    row = {"account_number": "411B01", "name": existing.name, "region": "", "naf_code": ""}
    assert post_json(CUSTOMERS, _customers(entity, row), bearer(credit_manager)).json()["unchanged"] == 1
    existing.refresh_from_db()
    assert (existing.region, existing.naf_code) == ("Bretagne", "47.24Z")


def test_siren_with_spaces_and_a_loose_naf_code_are_normalised(post_json, bearer, credit_manager, entity):
    spaced = f"{SIREN_A[:3]} {SIREN_A[3:6]} {SIREN_A[6:]}"
    row = {**BAKERY, "siren": spaced, "naf_code": "4724z"}
    assert post_json(CUSTOMERS, _customers(entity, row), bearer(credit_manager)).status_code == 200
    stored = Customer.objects.get(account_number="411B01")
    assert (stored.siren, stored.naf_code) == (SIREN_A, "47.24Z")
    again = post_json(CUSTOMERS, _customers(entity, row), bearer(credit_manager))
    assert again.json()["unchanged"] == 1


def test_an_invalid_siren_rejects_the_whole_batch_naming_row_and_field(post_json, bearer, credit_manager, entity):
    existing = CustomerFactory(entity=entity, account_number="411B01", region="Finistère")
    before = _snapshot()
    rows = [{**BAKERY, "siren": existing.siren}, {**GARAGE, "siren": "123456789"}]
    response = post_json(CUSTOMERS, _customers(entity, *rows), bearer(credit_manager))
    assert response.status_code == 400
    body = response.json()
    assert [(e["index"], e["account_number"], e["field"], e["value"]) for e in body["errors"]] == [
        (1, "411B02", "siren", "123456789")
    ]
    assert "SIREN" in body["errors"][0]["reason"]
    assert "row 1 (account_number 411B02), siren" in body["detail"]
    assert _snapshot() == before  # the valid row 0 was not written either


def test_every_bad_customer_row_is_named(post_json, bearer, credit_manager, entity):
    rows = [
        {**BAKERY, "category": "wholesale"},
        {**GARAGE, "naf_code": "99"},
        {**GARAGE, "account_number": "411B03", "terms_days": -5},
        {**GARAGE, "account_number": "411B02"},
        {"account_number": "", "name": "Sans compte"},
        {"account_number": "411B05", "name": ""},
    ]
    response = post_json(CUSTOMERS, _customers(entity, *rows), bearer(credit_manager))
    assert response.status_code == 400
    found = [(e["index"], e["field"]) for e in response.json()["errors"]]
    assert found == [
        (0, "category"),
        (1, "naf_code"),
        (2, "terms_days"),
        (3, "account_number"),  # the same account twice in one batch
        (4, "account_number"),
        (5, "name"),
    ]
    assert not Customer.objects.exists()


def test_a_malformed_customer_row_is_422_naming_its_index_and_field(post_json, bearer, credit_manager, entity):
    response = post_json(CUSTOMERS, _customers(entity, BAKERY, {"account_number": "411B02"}), bearer(credit_manager))
    assert response.status_code == 422
    assert ["body", "payload", "customers", 1, "name"] in [e["loc"] for e in response.json()["detail"]]
    assert not Customer.objects.exists()


# --- items --------------------------------------------------------------------------------------


@pytest.fixture
def bakery(entity):
    return CustomerFactory(entity=entity, account_number="411B01", terms_days=45)


INVOICE = {"number": "FA-2026-0001", "customer": "411B01", "document_date": "2026-09-01", "amount": "1250.40"}
CREDIT = {"type": "credit_note", "number": "AV-2026-0001", "customer": "411B01", "document_date": "2026-09-10"}


def test_item_batch_creates_then_the_same_batch_changes_nothing(post_json, bearer, credit_manager, entity, bakery):
    auth = bearer(credit_manager)
    batch = _items(entity, INVOICE, {**CREDIT, "amount": "250.40"})
    first = post_json(ITEMS, batch, auth)
    assert first.status_code == 200, first.content
    assert first.json() == {"created": 2, "updated": 0, "unchanged": 0}
    invoice = Item.objects.get(number="FA-2026-0001")
    assert (invoice.amount, invoice.open_amount, invoice.due_date) == (
        Decimal("1250.40"),
        Decimal("1250.40"),
        date(2026, 10, 16),  # 45 days, the customer's terms
    )
    credit = Item.objects.get(number="AV-2026-0001")
    assert (credit.amount, credit.due_date) == (Decimal("-250.40"), date(2026, 9, 10))
    batch_entry = AuditEntry.objects.get(action="import.api_items")
    assert batch_entry.actor == credit_manager and batch_entry.after == {"created": 2, "updated": 0, "unchanged": 0}

    before = _snapshot()
    again = post_json(ITEMS, batch, auth)
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 2}
    assert _snapshot() == before


def test_a_changed_item_row_is_updated_and_audited(post_json, bearer, credit_manager, entity, bakery):
    auth = bearer(credit_manager)
    post_json(ITEMS, _items(entity, INVOICE), auth)
    response = post_json(ITEMS, _items(entity, {**INVOICE, "amount": "1300.00"}), auth)
    assert response.json() == {"created": 0, "updated": 1, "unchanged": 0}
    invoice = Item.objects.get(number="FA-2026-0001")
    assert (invoice.amount, invoice.open_amount) == (Decimal("1300.00"), Decimal("1300.00"))
    update = AuditEntry.objects.get(action="item.update")
    assert update.actor == credit_manager and update.customer_id == bakery.pk
    assert [(k, Decimal(b), Decimal(a)) for k, b, a in update.changes() if k == "amount"] == [
        ("amount", Decimal("1250.40"), Decimal("1300.00"))
    ]


def test_bad_amounts_and_an_unknown_customer_reject_the_whole_batch(post_json, bearer, credit_manager, entity, bakery):
    ItemFactory(customer=bakery, number="FA-OLD")
    before = _snapshot()
    rows = [
        INVOICE,
        {**INVOICE, "number": "FA-2026-0002", "amount": "-80"},
        {**INVOICE, "number": "FA-2026-0003", "customer": "411ZZZ"},
        {**INVOICE, "number": "FA-2026-0004", "amount": "50000000000000"},
        {**INVOICE, "number": "FA-2026-0005", "due_date": "2026-08-01"},
        {**INVOICE, "number": "FA-2026-0006", "type": "bill"},
        {**INVOICE, "number": "FA-2026-0001"},
    ]
    response = post_json(ITEMS, _items(entity, *rows), bearer(credit_manager))
    assert response.status_code == 400
    body = response.json()
    assert [(e["index"], e["number"], e["field"]) for e in body["errors"]] == [
        (1, "FA-2026-0002", "amount"),
        (2, "FA-2026-0003", "customer"),
        (3, "FA-2026-0004", "amount"),
        (4, "FA-2026-0005", "due_date"),
        (5, "FA-2026-0006", "type"),
        (6, "FA-2026-0001", "number"),  # the same invoice twice in one batch
    ]
    assert body["errors"][1]["reason"] == "unknown customer account"
    first = "6 invalid row(s), nothing written; first: row 1 (type invoice, number FA-2026-0002), amount: "
    assert body["detail"].startswith(first)
    assert _snapshot() == before


def test_a_non_numeric_amount_is_422_naming_its_index_and_field(post_json, bearer, credit_manager, entity, bakery):
    rows = [INVOICE, {**INVOICE, "number": "FA-2", "amount": "12,50 €"}]
    response = post_json(ITEMS, _items(entity, *rows), bearer(credit_manager))
    assert response.status_code == 422
    assert ["body", "payload", "items", 1, "amount"] in [e["loc"] for e in response.json()["detail"]]
    assert not Item.objects.exists()


def test_an_item_in_a_foreign_currency_needs_its_functional_amount(post_json, bearer, credit_manager, entity, bakery):
    auth = bearer(credit_manager)
    usd = {**INVOICE, "currency": "usd", "amount": "1000"}
    refused = post_json(ITEMS, _items(entity, usd), auth)
    assert refused.status_code == 400
    assert [(e["field"], e["reason"]) for e in refused.json()["errors"]] == [
        ("amount_functional", "required for an amount in USD")
    ]
    assert post_json(ITEMS, _items(entity, {**usd, "amount_functional": "921.35"}), auth).status_code == 200
    stored = Item.objects.get()
    assert (stored.currency, stored.amount, stored.amount_functional) == ("USD", Decimal(1000), Decimal("921.35"))


# --- who may write ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["auditor", "sales_rep", "collector", "regional_director"])
def test_roles_without_the_import_right_cannot_bulk_upsert(
    request, post_json, bearer, entity, bakery, rep_customer, persona
):
    auth = bearer(request.getfixturevalue(persona))
    before = _snapshot()
    own = {"account_number": rep_customer.account_number, "name": "Renamed"}
    assert post_json(CUSTOMERS, _customers(entity, own, BAKERY), auth).status_code == 403
    assert post_json(ITEMS, _items(entity, INVOICE), auth).status_code == 403
    assert _snapshot() == before


def test_a_token_is_required_to_write(post_json, entity, bakery):
    assert post_json(CUSTOMERS, _customers(entity, BAKERY), {}).status_code == 401
    assert post_json(ITEMS, _items(entity, INVOICE), {}).status_code == 401
    assert not Item.objects.exists()


def test_an_entity_out_of_reach_is_404(post_json, bearer, credit_manager, outsider, entity, bakery):
    assert post_json(CUSTOMERS, _customers(entity, BAKERY), bearer(outsider)).status_code == 404
    unknown = {"entity": "552100554", "customers": [BAKERY]}
    assert post_json(CUSTOMERS, unknown, bearer(credit_manager)).status_code == 404


def test_even_a_writer_cannot_upsert_customers_outside_their_portfolio(
    monkeypatch, post_json, bearer, sales_rep, entity, rep_customer, other_customer
):
    """Should sales reps ever get the import right, the portfolio still bounds what they write."""
    monkeypatch.setitem(CAPABILITIES, "ledger.import", frozenset({Role.CREDIT_MANAGER, Role.SALES_REP}))
    auth = bearer(sales_rep)
    before = _snapshot()
    theirs = {"account_number": other_customer.account_number, "name": "Taken over"}
    mine = {"account_number": rep_customer.account_number, "name": "Boulangerie Martin & Fils"}
    response = post_json(CUSTOMERS, _customers(entity, mine, theirs), auth)
    assert response.status_code == 400
    assert [(e["index"], e["field"], e["reason"]) for e in response.json()["errors"]] == [
        (1, "account_number", "a customer outside your portfolio")
    ]
    item = {**INVOICE, "customer": other_customer.account_number}
    refused = post_json(ITEMS, _items(entity, item), auth)
    assert [(e["field"], e["reason"]) for e in refused.json()["errors"]] == [("customer", "unknown customer account")]
    assert _snapshot() == before
    assert post_json(CUSTOMERS, _customers(entity, mine), auth).json() == {"created": 0, "updated": 1, "unchanged": 0}


def test_a_customer_created_concurrently_fails_the_batch_cleanly(
    monkeypatch, post_json, bearer, credit_manager, entity
):
    checked = batches._customer_errors

    def check_then_lose_the_race(*args, **kwargs):
        errors = checked(*args, **kwargs)
        CustomerFactory(entity=entity, account_number=GARAGE["account_number"])  # another request, meanwhile
        return errors

    monkeypatch.setattr(batches, "_customer_errors", check_then_lose_the_race)
    response = post_json(CUSTOMERS, _customers(entity, BAKERY, GARAGE), bearer(credit_manager))
    assert response.status_code == 400 and "send the batch again" in response.json()["detail"]
    assert list(Customer.objects.values_list("account_number", flat=True)) == [GARAGE["account_number"]]
    assert not AuditEntry.objects.filter(action="customer.create").exists()
