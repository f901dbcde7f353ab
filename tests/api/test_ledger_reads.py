"""GET /api/v1/customers and /items: filtered like the UI list, paginated, scoped, token required."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from encours.accounts.models import ApiToken
from encours.ledger.models import CustomerGroup, ItemType
from tests.factories import CustomerFactory, ItemFactory

pytestmark = pytest.mark.django_db


def _accounts(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["account_number"] for row in response.json()]


def _numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.json()]


@pytest.fixture
def portfolio(entity, sales_rep, other_rep):
    """Four customers differing in one attribute each; only "late" has an overdue invoice."""
    today = timezone.localdate()
    group = CustomerGroup.objects.create(code="GRP-MOUSQ", name="Groupe Mousquetaires")
    customers = {
        "late": CustomerFactory(entity=entity, account_number="411A01", name="Alpha Bâtiment", sales_rep=sales_rep),
        "grouped": CustomerFactory(entity=entity, account_number="411A02", name="Beta Négoce", group=group),
        "public": CustomerFactory(
            entity=entity, account_number="411A03", name="Mairie de Rennes", category="public", region="Bretagne"
        ),
        "blocked": CustomerFactory(
            entity=entity, account_number="411A04", name="Delta Transports", is_blocked=True, sales_rep=other_rep
        ),
    }
    ItemFactory(customer=customers["late"], document_date=today - timedelta(days=60), due_date=today - timedelta(3))
    ItemFactory(customer=customers["grouped"], document_date=today, due_date=today + timedelta(days=30))
    return customers


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["411A01", "411A02", "411A03", "411A04"]),
        ({"q": "négoce"}, ["411A02"]),
        ({"q": "mousquetaires"}, ["411A02"]),
        ({"group": "GRP-MOUSQ"}, ["411A02"]),
        ({"group": "NO-SUCH-GROUP"}, []),
        ({"category": "public"}, ["411A03"]),
        ({"region": "Bretagne"}, ["411A03"]),
        ({"sales_rep": "rep"}, ["411A01"]),
        ({"sales_rep": "nobody"}, []),
        ({"blocked_only": "true"}, ["411A04"]),
        ({"overdue_only": "true"}, ["411A01"]),
        ({"entity": "732829320"}, ["411A01", "411A02", "411A03", "411A04"]),
        ({"entity": "552100554"}, []),
    ],
)
def test_customer_list_filters_like_the_ui_list(client, bearer, credit_manager, portfolio, query, expected):
    assert _accounts(client.get("/api/v1/customers", query, **bearer(credit_manager))) == expected


def test_customer_list_searches_by_siren_even_written_with_spaces(client, bearer, credit_manager, portfolio):
    siren = portfolio["public"].siren
    spaced = f"{siren[:3]} {siren[3:6]} {siren[6:]}"
    assert _accounts(client.get("/api/v1/customers", {"q": spaced}, **bearer(credit_manager))) == ["411A03"]


def test_customer_list_pages_by_account_number(client, bearer, credit_manager, portfolio):
    page = client.get("/api/v1/customers", {"limit": 2, "offset": 1}, **bearer(credit_manager))
    assert _accounts(page) == ["411A02", "411A03"]
    too_big = client.get("/api/v1/customers", {"limit": 5000}, **bearer(credit_manager))
    assert too_big.status_code == 400 and too_big.json()["parameters"][0]["name"] == "limit"


def test_customer_list_carries_open_and_overdue_amounts(client, bearer, credit_manager, portfolio):
    rows = {row["account_number"]: row for row in client.get("/api/v1/customers", **bearer(credit_manager)).json()}
    assert Decimal(rows["411A01"]["overdue"]) == Decimal("1200")
    assert Decimal(rows["411A02"]["open_ar"]) == Decimal("1200") and Decimal(rows["411A02"]["overdue"]) == 0


def test_customer_get_shows_identity_and_amounts(client, bearer, credit_manager, portfolio):
    late = portfolio["late"]
    body = client.get(f"/api/v1/customers/{late.pk}", **bearer(credit_manager)).json()
    assert body["account_number"] == "411A01" and body["entity"] == "732829320"
    assert body["sales_rep"] == "rep" and body["siren"] == late.siren
    assert Decimal(body["open_ar"]) == Decimal(body["overdue"]) == Decimal("1200")


def test_sales_rep_lists_own_customers_and_gets_404_for_another_reps(
    client, bearer, sales_rep, portfolio, other_customer
):
    auth = bearer(sales_rep)
    assert _accounts(client.get("/api/v1/customers", **auth)) == ["411A01"]
    assert _accounts(client.get("/api/v1/customers", {"sales_rep": "rep2"}, **auth)) == []
    assert client.get(f"/api/v1/customers/{portfolio['late'].pk}", **auth).status_code == 200
    assert client.get(f"/api/v1/customers/{other_customer.pk}", **auth).status_code == 404
    assert client.get(f"/api/v1/customers/{portfolio['blocked'].pk}", **auth).status_code == 404


def test_outsider_gets_404_for_a_customer_of_another_entity(client, bearer, outsider, portfolio):
    assert client.get(f"/api/v1/customers/{portfolio['late'].pk}", **bearer(outsider)).status_code == 404
    assert client.get("/api/v1/customers", **bearer(outsider)).json() == []


def test_no_token_a_wrong_one_or_a_revoked_one_is_401(client, bearer, credit_manager, portfolio):
    assert client.get("/api/v1/customers").status_code == 401
    assert client.get(f"/api/v1/customers/{portfolio['late'].pk}").status_code == 401
    assert client.get("/api/v1/items", HTTP_AUTHORIZATION="Bearer enc_not-a-token").status_code == 401
    auth = bearer(credit_manager)
    assert client.get("/api/v1/items", **auth).status_code == 200
    ApiToken.objects.update(revoked_at=timezone.now())
    assert client.get("/api/v1/items", **auth).status_code == 401


def test_a_non_numeric_id_is_404_not_a_crash(client, bearer, credit_manager):
    assert client.get("/api/v1/customers/abc", **bearer(credit_manager)).status_code == 404


@pytest.fixture
def ledger(entity, rep_customer, other_customer):
    today = timezone.localdate()
    return {
        "late": ItemFactory(customer=rep_customer, number="FA-1", due_date=today - timedelta(days=10)),
        "soon": ItemFactory(customer=rep_customer, number="FA-2", due_date=today + timedelta(days=10)),
        "paid": ItemFactory(
            customer=rep_customer,
            number="FA-3",
            due_date=today - timedelta(days=40),
            open_amount=Decimal(0),
            settled_on=today - timedelta(days=35),
        ),
        "credit": ItemFactory(
            customer=rep_customer, number="AV-1", type=ItemType.CREDIT_NOTE, amount=Decimal("-100"), due_date=today
        ),
        "theirs": ItemFactory(customer=other_customer, number="FA-9", due_date=today - timedelta(days=10)),
    }


def test_item_list_filters_by_customer_type_openness_and_due_date(
    client, bearer, credit_manager, ledger, rep_customer, other_customer
):
    today = timezone.localdate()
    auth = bearer(credit_manager)

    def numbers(**query) -> list[str]:
        return _numbers(client.get("/api/v1/items", query, **auth))

    assert numbers() == ["FA-1", "FA-2", "FA-3", "AV-1", "FA-9"]
    assert numbers(customer=other_customer.account_number) == ["FA-9"]
    assert numbers(customer_id=rep_customer.pk) == ["FA-1", "FA-2", "FA-3", "AV-1"]
    assert numbers(type="credit_note") == ["AV-1"]
    assert numbers(customer_id=rep_customer.pk, open_only="true") == ["FA-1", "FA-2", "AV-1"]
    assert numbers(due_before=today.isoformat()) == ["FA-1", "FA-3", "FA-9"]
    assert numbers(due_after=today.isoformat()) == ["FA-2"]
    assert numbers(due_after=(today - timedelta(days=20)).isoformat(), due_before=today.isoformat()) == ["FA-1", "FA-9"]
    assert numbers(limit=2, offset=1) == ["FA-2", "FA-3"]


def test_item_get_and_scope(client, bearer, sales_rep, ledger):
    auth = bearer(sales_rep)
    body = client.get(f"/api/v1/items/{ledger['credit'].pk}", **auth).json()
    assert body["type"] == "credit_note" and Decimal(body["amount"]) == Decimal("-100")
    assert body["customer"] == ledger["credit"].customer.account_number
    assert _numbers(client.get("/api/v1/items", **auth)) == ["FA-1", "FA-2", "FA-3", "AV-1"]
    assert client.get(f"/api/v1/items/{ledger['theirs'].pk}", **auth).status_code == 404
