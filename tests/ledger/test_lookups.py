"""The ``in_array`` lookup answers as ``in`` does, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from encours.ledger.models import Customer, Item
from tests.factories import CustomerFactory, ItemFactory

pytestmark = pytest.mark.django_db


def test_in_array_is_in():
    customers = [CustomerFactory() for _ in range(4)]
    for customer in customers:
        ItemFactory(customer=customer, entity=customer.entity)
    wanted = [customers[0].pk, customers[2].pk, customers[2].pk, None, 10**9]
    assert set(Customer.objects.filter(pk__in_array=wanted)) == {customers[0], customers[2]}
    assert set(Customer.objects.filter(pk__in_array={c.pk for c in customers[1:]})) == set(customers[1:])
    assert list(Customer.objects.filter(pk__in_array=[])) == []
    assert list(Customer.objects.filter(pk__in_array=[None])) == []
    # through a relation, and with a subquery instead of a list
    assert Item.objects.filter(customer__in_array=wanted).count() == 2
    assert Item.objects.filter(customer_id__in_array=Customer.objects.filter(pk=customers[3].pk)).count() == 1
    excluded = Customer.objects.exclude(pk__in_array=wanted[:2])
    assert excluded.count() == Customer.objects.exclude(pk__in=wanted[:2]).count() == 2
