"""Open amounts are derived from allocations, which never exceed the items they link."""

from __future__ import annotations

from contextlib import suppress
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from encours.audit.models import AuditEntry
from encours.core.errors import ValidationFailed
from encours.ledger.models import Item
from encours.ledger.services.items import allocation_create, allocation_delete
from tests.factories import CustomerFactory, ItemFactory

pytestmark = pytest.mark.django_db


def _payment(customer, amount: str, number: str = "VIR1") -> Item:
    return ItemFactory(
        customer=customer, type="payment", number=number, amount=Decimal(amount), due_date=date(2026, 2, 1)
    )


def test_partial_allocation_leaves_the_rest_open_and_is_audited(credit_manager, entity):
    customer = CustomerFactory(entity=entity)
    invoice = ItemFactory(customer=customer, amount=Decimal("1000.00"))
    payment = _payment(customer, "-400.00")
    allocation_create(debit=invoice, credit=payment, amount=Decimal("400.00"), on=date(2026, 2, 1), user=credit_manager)
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert (invoice.open_amount, invoice.settled_on) == (Decimal("600.00"), None)
    assert (payment.open_amount, payment.settled_on) == (Decimal("0"), date(2026, 2, 1))
    assert AuditEntry.objects.filter(action="allocation.create", customer_id=customer.pk).count() == 1


def test_allocating_more_than_open_is_refused(credit_manager, entity):
    customer = CustomerFactory(entity=entity)
    invoice = ItemFactory(customer=customer, amount=Decimal("100.00"))
    payment = _payment(customer, "-400.00")
    with pytest.raises(ValidationFailed, match="exceeds"):
        allocation_create(
            debit=invoice, credit=payment, amount=Decimal("150.00"), on=date(2026, 2, 1), user=credit_manager
        )


def test_undo_reopens_the_invoice(credit_manager, entity):
    customer = CustomerFactory(entity=entity)
    invoice = ItemFactory(customer=customer, amount=Decimal("100.00"))
    allocation = allocation_create(
        debit=invoice,
        credit=_payment(customer, "-100.00"),
        amount=Decimal("100.00"),
        on=date(2026, 2, 1),
        user=credit_manager,
    )
    allocation_delete(allocation=allocation, user=credit_manager, reason="wrong customer")
    invoice.refresh_from_db()
    assert (invoice.open_amount, invoice.settled_on) == (Decimal("100.00"), None)


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    invoices=st.lists(amounts, min_size=1, max_size=4),
    payments=st.lists(amounts, min_size=1, max_size=4),
    requests=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), amounts), max_size=12),
)
def test_allocations_never_exceed_item_amounts(credit_manager, entity, invoices, payments, requests):
    customer = CustomerFactory(entity=entity)
    debits = [ItemFactory(customer=customer, amount=a) for a in invoices]
    credits = [_payment(customer, str(-a), number=f"VIR{i}-{customer.pk}") for i, a in enumerate(payments)]
    for debit_index, credit_index, amount in requests:
        debit, credit = debits[debit_index % len(debits)], credits[credit_index % len(credits)]
        with suppress(ValidationFailed):  # refusals are part of the property
            allocation_create(debit=debit, credit=credit, amount=amount, on=date(2026, 2, 1), user=credit_manager)
    for item in Item.objects.filter(customer=customer):
        allocated = sum(
            a.amount for a in (item.allocations_as_debit.all() if item.amount > 0 else item.allocations_as_credit.all())
        )
        assert allocated <= abs(item.amount)
        assert (
            item.open_amount == item.amount - allocated
            if item.amount > 0
            else item.open_amount == item.amount + allocated
        )
        assert (item.settled_on is None) == (item.open_amount != 0)


def test_cents_allocated_in_two_steps_settle_the_invoice_exactly(credit_manager, entity):
    """0.01 + 0.28 against 0.29: on SQLite the sum is a float, 0.29000000000000004."""
    customer = CustomerFactory(entity=entity)
    invoice = ItemFactory(customer=customer, amount=Decimal("0.29"))
    first, second = _payment(customer, "-0.01", "VIR1"), _payment(customer, "-0.28", "VIR2")
    for payment, amount in ((first, "0.01"), (second, "0.28")):
        allocation_create(
            debit=invoice, credit=payment, amount=Decimal(amount), on=date(2026, 2, 1), user=credit_manager
        )
    invoice.refresh_from_db()
    assert (invoice.open_amount, invoice.settled_on) == (Decimal("0"), date(2026, 2, 1))
