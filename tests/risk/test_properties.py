"""Property: the exposure the credit check reads in SQL is the sum of the open items and orders,
and the net exposure never goes below zero whatever the guarantees."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from encours.core.money import quantize
from encours.ledger.models import ItemType, OpenOrder
from encours.risk import selectors
from encours.risk.models import Guarantee
from tests.factories import CustomerFactory, ItemFactory, OpenOrderFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 10, 31)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    invoices=st.lists(amounts, max_size=6),
    credits=st.lists(amounts, max_size=3),
    orders=st.lists(st.tuples(amounts, st.sampled_from(["open", "delivered", "invoiced", "cancelled"])), max_size=5),
    guarantees=st.lists(st.tuples(amounts, st.integers(min_value=-30, max_value=30)), max_size=3),
)
def test_exposure_in_sql_matches_the_items(entity, invoices, credits, orders, guarantees):
    with transaction.atomic():
        customer = CustomerFactory(entity=entity)
        for amount in invoices:
            ItemFactory(customer=customer, amount=amount)
        for amount in credits:
            ItemFactory(customer=customer, type=ItemType.CREDIT_NOTE, amount=-amount)
        for amount, status in orders:
            OpenOrderFactory(customer=customer, amount=amount, status=status)
        for amount, days in guarantees:
            Guarantee.objects.create(customer=customer, kind="deposit", amount=amount,
                                     expires_on=DAY + timedelta(days=days))  # fmt: skip
        exposure = selectors.exposures([customer.pk], as_of=DAY).get(customer.pk) or selectors.empty_exposure(DAY)
        annotated = type(customer).objects.annotate(**selectors.exposure_annotations()).get(pk=customer.pk)
        open_orders = sum((a for a, s in orders if s == OpenOrder.Status.OPEN), Decimal(0))
        delivered = sum((a for a, s in orders if s == OpenOrder.Status.DELIVERED), Decimal(0))
        ar = sum(invoices, Decimal(0)) - sum(credits, Decimal(0))
        assert exposure.open_ar == ar and exposure.open_orders == open_orders
        assert exposure.uninvoiced_deliveries == delivered
        # SQLite sums in floating point: the check quantises to the cent, as here
        sums = (annotated.exposure_open_ar, annotated.exposure_open_orders, annotated.exposure_deliveries)
        assert tuple(quantize(Decimal(v)) for v in sums) == (ar, open_orders, delivered)
        in_force = sum((a for a, days in guarantees if days >= 0), Decimal(0))
        assert exposure.net == max(Decimal(0), ar + open_orders + delivered - in_force)
        transaction.set_rollback(True)
