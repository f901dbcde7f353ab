"""Who sees which dispute: department users their department's, sales reps their customers'."""

from __future__ import annotations

import pytest

from encours.disputes.selectors import disputes_for
from tests.disputes.conftest import open_dispute
from tests.factories import ItemFactory


@pytest.fixture
def two_disputes(collector, customer, other_customer, reasons):
    mine = open_dispute(collector, customer, reasons["delivery"], [(ItemFactory(customer=customer), None)])
    unrelated = open_dispute(
        collector, other_customer, reasons["quality"], [(ItemFactory(customer=other_customer), None)]
    )
    return mine, unrelated


def test_logistics_user_sees_only_logistics_disputes(two_disputes, logistics_user):
    delivery, _quality = two_disputes
    assert list(disputes_for(logistics_user)) == [delivery]


def test_logistics_user_cannot_open_an_unrelated_customer_dispute_by_url(client, two_disputes, logistics_user):
    _, quality = two_disputes
    client.force_login(logistics_user)
    assert client.get(f"/disputes/{quality.pk}/").status_code == 404


def test_sales_rep_sees_the_disputes_of_their_customers_only(two_disputes, sales_rep):
    mine, _ = two_disputes
    assert list(disputes_for(sales_rep)) == [mine]


def test_owner_sees_a_dispute_assigned_to_them(two_disputes, logistics_user, collector):
    from encours.disputes.services import dispute_assign

    _, quality = two_disputes
    dispute_assign(dispute=quality, user=collector, owner=logistics_user)
    assert quality in disputes_for(logistics_user)


def test_outsider_of_another_entity_sees_nothing(client, two_disputes, outsider):
    client.force_login(outsider)
    assert not disputes_for(outsider).exists()
    assert client.get(f"/disputes/{two_disputes[0].pk}/").status_code == 404
