"""One definition of the open amount: ``encours.core.open_items`` is the reference, and the two
production computations equal it on random items and allocations (SQLite and PostgreSQL):

- the stored ``open_amount``/``settled_on``, kept by ``ledger.services.items.items_refresh_open``
  (raw SQL, every allocation counted);
- the amount on a past date, ``ledger.queries.open_amount(as_of=…)`` behind ``Item.objects.open_on``
  (ORM subqueries, the allocations dated up to then), which every report reads.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from encours.core.open_items import Allocation as CoreAllocation
from encours.core.open_items import ItemKind, LedgerItem, open_amounts_as_of
from encours.ledger.models import Allocation, Item, ItemType
from encours.ledger.queries import open_amount
from encours.ledger.services.items import items_refresh_open
from tests.factories import CustomerFactory, ItemFactory

pytestmark = pytest.mark.django_db

START = date(2026, 1, 1)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("3000"), places=2)
days = st.integers(min_value=0, max_value=60)


def _core(item: Item) -> LedgerItem:
    return LedgerItem(
        key=item.pk,
        kind=ItemKind(item.type),
        customer=str(item.customer_id),
        document_date=item.document_date,
        due_date=item.due_date,
        amount=item.amount,
        currency=item.currency,
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    debits=st.lists(st.tuples(amounts, days), min_size=1, max_size=4),
    credits=st.lists(st.tuples(amounts, days), min_size=1, max_size=4),
    wanted=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), amounts, days), max_size=10),
    as_of_day=st.integers(min_value=-1, max_value=75),
)
def test_stored_and_past_date_open_amounts_equal_the_core_reference(entity, debits, credits, wanted, as_of_day):
    customer = CustomerFactory(entity=entity)
    made = [
        ItemFactory(customer=customer, amount=amount, document_date=START + timedelta(days=day))
        for amount, day in debits
    ] + [
        ItemFactory(customer=customer, type=ItemType.PAYMENT, amount=-amount, document_date=START + timedelta(days=day))
        for amount, day in credits
    ]
    debit_items, credit_items = made[: len(debits)], made[len(debits) :]
    remaining = {item.pk: abs(item.amount) for item in made}
    core_allocations = []
    seen = set()
    for debit_index, credit_index, requested, day in wanted:
        debit = debit_items[debit_index % len(debit_items)]
        credit = credit_items[credit_index % len(credit_items)]
        amount = min(requested, remaining[debit.pk], remaining[credit.pk])
        if (debit.pk, credit.pk) in seen or amount <= 0:
            continue
        seen.add((debit.pk, credit.pk))
        remaining[debit.pk] -= amount
        remaining[credit.pk] -= amount
        on = max(debit.document_date, credit.document_date) + timedelta(days=day)
        Allocation.objects.create(debit=debit, credit=credit, amount=amount, date=on)
        core_allocations.append(
            CoreAllocation(debit_key=debit.pk, credit_key=credit.pk, amount=amount, allocated_on=on)
        )
    items_refresh_open([item.pk for item in made])
    core_items = [_core(item) for item in made]

    # the stored state: every allocation counted
    everything = open_amounts_as_of(items=core_items, allocations=core_allocations, as_of=date.max)
    for item in Item.objects.filter(customer=customer):
        assert item.open_amount == everything[item.pk], item.number
        last = max((a.allocated_on for a in core_allocations if item.pk in (a.debit_key, a.credit_key)), default=None)
        assert item.settled_on == (last if everything[item.pk] == 0 else None), item.number

    # a past date: the ORM expression on every item, and the items open_on() keeps
    as_of = START + timedelta(days=as_of_day)
    reference = open_amounts_as_of(items=core_items, allocations=core_allocations, as_of=as_of)
    computed = dict(
        Item.objects.filter(customer=customer, document_date__lte=as_of)
        .annotate(on=open_amount(as_of=as_of))
        .values_list("pk", "on")
    )
    assert computed == reference
    kept = dict(Item.objects.filter(customer=customer).open_on(as_of).values_list("pk", "open_on"))
    assert {pk: amount for pk, amount in kept.items() if amount} == {
        pk: amount for pk, amount in reference.items() if amount
    }
