"""Items created outside an import (payments from the bank, penalty invoices) are checked and audited."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from encours.audit.models import AuditEntry
from encours.core.errors import ValidationFailed
from encours.ledger.services.items import item_create
from tests.factories import CustomerFactory, ItemFactory

pytestmark = pytest.mark.django_db


def test_a_payment_is_created_open_quantised_and_audited(credit_manager, entity):
    customer = CustomerFactory(entity=entity)
    payment = item_create(
        customer=customer,
        type="payment",
        number="VIR-2026-0001",
        document_date=date(2026, 3, 2),
        amount=Decimal("-1200.005"),
        user=credit_manager,
    )
    assert (payment.amount, payment.open_amount, payment.amount_functional) == (
        Decimal("-1200.01"),
        Decimal("-1200.01"),
        Decimal("-1200.01"),
    )
    assert payment.due_date == date(2026, 3, 2) and payment.currency == entity.currency
    assert AuditEntry.objects.filter(action="item.create", customer_id=customer.pk).count() == 1


@pytest.mark.parametrize(
    ("type_", "amount", "message"),
    [("invoice", "-10", "must be positive"), ("payment", "10", "must be negative"), ("adjustment", "0", "zero")],
)
def test_wrong_signs_and_zero_amounts_are_refused(credit_manager, entity, type_, amount, message):
    customer = CustomerFactory(entity=entity)
    with pytest.raises(ValidationFailed, match=message):
        item_create(
            customer=customer,
            type=type_,
            number="X1",
            document_date=date(2026, 3, 2),
            amount=Decimal(amount),
            user=credit_manager,
        )
    assert not AuditEntry.objects.filter(action="item.create").exists()


def test_a_number_already_used_for_the_same_type_is_refused(credit_manager, entity):
    customer = CustomerFactory(entity=entity)
    ItemFactory(customer=customer, type="invoice", number="PEN-1", amount=Decimal("40"))
    with pytest.raises(ValidationFailed, match="already exists"):
        item_create(
            customer=customer,
            type="invoice",
            number="PEN-1",
            document_date=date(2026, 3, 2),
            amount=Decimal("40"),
            user=credit_manager,
        )
