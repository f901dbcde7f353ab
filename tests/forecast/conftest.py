"""Fixtures of the forecast tests: a small ledger with known payment behaviours, written in
bulk, and the cross-app hooks emptied for each test (then restored)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

AS_OF = date(2026, 10, 31)
# customer name -> (mean days late, spread)
BEHAVIOURS = {"Ponctuel SA": (0, 2), "Lent SARL": (20, 4), "Retard Chronique SAS": (50, 8), "Variable EURL": (10, 15)}


@pytest.fixture(autouse=True)
def _no_other_app():
    """Each test starts with no other app providing anything (tests/conftest.py restores the
    slots after); those that need a source register a fake."""
    from encours import contracts

    for slot in (contracts.GRADES, contracts.DUNNING_HISTORY, contracts.DUNNING_TIMING, contracts.DISPUTED_AMOUNTS):
        slot.clear()  # PAYMENT_PREDICTIONS is the forecast's own
    yield


def build_ledger(entity, *, as_of=AS_OF, months=20, per_month=3, seed=1, sales_rep=None):
    """Invoices every ~10 days per customer for ``months`` months, paid according to the
    customer's behaviour when that date is before ``as_of``; the rest stay open."""
    from encours.ledger.models import Allocation, Item, ItemType
    from encours.ledger.services.items import items_refresh_open
    from tests.factories import CustomerFactory

    rng = random.Random(seed)
    customers = {}
    invoices, payments, pairs = [], [], []
    start = as_of - timedelta(days=30 * months)
    for index, (name, (mean, spread)) in enumerate(BEHAVIOURS.items()):
        customer = CustomerFactory(entity=entity, name=name, sales_rep=sales_rep, naf_code="46.73A")
        customers[name] = customer
        for k in range(months * per_month):
            issued = start + timedelta(days=10 * k + index)
            if issued > as_of:
                break
            due = issued + timedelta(days=30)
            amount = Decimal(rng.randrange(500, 5000))
            invoice = Item(
                entity=entity, customer=customer, type=ItemType.INVOICE, number=f"F{index}-{k:04d}",
                document_date=issued, due_date=due, amount=amount, amount_functional=amount, open_amount=amount,
            )  # fmt: skip
            invoices.append(invoice)
            paid = due + timedelta(days=max(-10, round(rng.gauss(mean, spread))))
            if paid < as_of:
                payment = Item(
                    entity=entity, customer=customer, type=ItemType.PAYMENT, number=f"P{index}-{k:04d}",
                    document_date=paid, due_date=paid, amount=-amount, amount_functional=-amount, open_amount=-amount,
                )  # fmt: skip
                payments.append(payment)
                pairs.append((invoice, payment, amount, paid))
    Item.objects.bulk_create(invoices + payments)
    Allocation.objects.bulk_create(
        Allocation(debit=invoice, credit=payment, amount=amount, date=paid) for invoice, payment, amount, paid in pairs
    )
    items_refresh_open([item.pk for item in invoices + payments])
    return customers


@pytest.fixture
def ledger(entity):
    return build_ledger(entity)


@pytest.fixture
def tiny_settings():
    from encours.core.forecast import TrainingSettings

    return TrainingSettings(max_iter=30, min_samples_leaf=5)
