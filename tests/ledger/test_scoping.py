"""Every persona sees exactly its scope, by list, by URL and by API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from encours.api.auth import api_token_create
from encours.ledger import selectors
from tests.factories import CustomerFactory, ItemFactory

pytestmark = pytest.mark.django_db


def test_sales_rep_lists_only_own_customers(rep_customer, other_customer, sales_rep):
    assert list(selectors.customers_for(sales_rep)) == [rep_customer]


def test_regional_director_sees_own_region(rep_customer, other_customer, regional_director):
    assert list(selectors.customers_for(regional_director)) == [rep_customer]


def test_credit_manager_sees_the_entity_but_not_another(credit_manager, rep_customer, other_customer, outsider):
    assert set(selectors.customers_for(credit_manager)) == {rep_customer, other_customer}
    assert list(selectors.customers_for(outsider)) == []


def test_sales_rep_cannot_open_another_reps_customer_by_url(client, sales_rep, rep_customer, other_customer):
    client.force_login(sales_rep)
    assert client.get(reverse("ledger:customer", args=[rep_customer.pk])).status_code == 200
    assert client.get(reverse("ledger:customer", args=[other_customer.pk])).status_code == 404


def test_customer_list_page_shows_only_scope(client, sales_rep, rep_customer, other_customer):
    client.force_login(sales_rep)
    html = client.get(reverse("ledger:customers")).content.decode()
    assert rep_customer.name in html and other_customer.name not in html


def test_outsider_cannot_open_a_customer_of_another_entity(client, outsider, rep_customer):
    client.force_login(outsider)
    assert client.get(reverse("ledger:customer", args=[rep_customer.pk])).status_code == 404


def test_anonymous_is_sent_to_login(client, rep_customer):
    response = client.get(reverse("ledger:customer", args=[rep_customer.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_api_without_token_is_401(client):
    assert client.get("/api/v1/customers").status_code == 401
    assert client.get("/api/v1/customers", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


def test_api_lists_and_gets_only_the_reps_customers(client, sales_rep, rep_customer, other_customer):
    token = api_token_create(user=sales_rep)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    listed = client.get("/api/v1/customers", **auth).json()
    assert [c["account_number"] for c in listed] == [rep_customer.account_number]
    assert client.get(f"/api/v1/customers/{rep_customer.pk}", **auth).status_code == 200
    assert client.get(f"/api/v1/customers/{other_customer.pk}", **auth).status_code == 404


def test_api_items_are_scoped(client, sales_rep, rep_customer, other_customer):
    mine = ItemFactory(customer=rep_customer)
    theirs = ItemFactory(customer=other_customer)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=sales_rep)}"}
    assert [i["number"] for i in client.get("/api/v1/items", **auth).json()] == [mine.number]
    assert client.get(f"/api/v1/items/{theirs.pk}", **auth).status_code == 404


def test_only_the_token_hash_is_stored(sales_rep):
    token = api_token_create(user=sales_rep)
    stored = sales_rep.api_tokens.get()
    assert token not in (stored.key_hash, stored.prefix) and len(stored.key_hash) == 64


def test_customer_page_query_count_does_not_grow_with_items(
    client, credit_manager, entity, django_assert_max_num_queries
):
    customer = CustomerFactory(entity=entity)
    client.force_login(credit_manager)
    for _ in range(3):
        ItemFactory(customer=customer)
    # each app's panel (behaviour, risk, cover, timeline…) costs a constant few queries;
    # what matters is the second check: the count does not grow with the items
    with django_assert_max_num_queries(45) as small:
        client.get(reverse("ledger:customer", args=[customer.pk]))
    ItemFactory.create_batch(40, customer=customer)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("ledger:customer", args=[customer.pk]))


def test_customer_list_query_count_does_not_grow_with_customers(
    client, credit_manager, entity, django_assert_max_num_queries
):
    CustomerFactory.create_batch(3, entity=entity)
    client.force_login(credit_manager)
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("ledger:customers"))
    CustomerFactory.create_batch(30, entity=entity)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("ledger:customers"))
