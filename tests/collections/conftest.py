"""Fixtures of the collections tests: a customer with a dunning contact, a collector and
invoices at known ages (the contract slots are restored after each test by tests/conftest.py)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest


@pytest.fixture(autouse=True)
def _clean_cache():
    from django.core.cache import cache

    cache.clear()  # the worklist keeps figures under the ledger's version (ids reused on SQLite)


@pytest.fixture
def lettered_entity(entity):
    entity.address, entity.postal_code, entity.city = "12 rue des Forges", "69007", "Lyon"
    entity.iban, entity.bic = "FR7630006000011234567890189", "AGRIFRPP"
    entity.save()
    return entity


@pytest.fixture
def acme(lettered_entity, collector):
    from tests.factories import ContactFactory, CustomerFactory

    customer = CustomerFactory(
        entity=lettered_entity, name="Acme Bâtiment SARL", account_number="411ACME", category="sme",
        collector=collector, address="3 avenue Foch", postal_code="75016", city="Paris", language="fr",
    )  # fmt: skip
    ContactFactory(customer=customer, name="Claire Petit", email="compta@acme.example.fr")
    return customer


def invoice(customer, number: str, due: date, amount: str = "1200.00", **kwargs):
    from tests.factories import ItemFactory

    return ItemFactory(
        customer=customer, number=number, document_date=due - timedelta(days=30), due_date=due,
        amount=Decimal(amount), **kwargs,
    )  # fmt: skip


def register_disputes(item_ids) -> None:
    """A stand-in for the disputes app's provider: those invoices disputed in full."""
    from encours import contracts
    from encours.ledger.models import Item

    def provider(*, as_of, item_ids=None):
        items = Item.objects.filter(pk__in=list(disputed))
        if item_ids is not None:
            items = items.filter(pk__in=item_ids)
        return dict(items.values_list("pk", "amount"))

    disputed = list(item_ids)
    contracts.DISPUTED_AMOUNTS.register(provider)


@pytest.fixture
def fixed_customer(lettered_entity, collector):
    """A customer with fixed names, invoices 45 and 1 days late and one not yet due on 31/10/2026, a credit."""
    from tests.factories import ContactFactory, CustomerFactory, ItemFactory

    as_of = date(2026, 10, 31)

    collector.first_name, collector.last_name = "Julie", "Martin"
    collector.save()
    customer = CustomerFactory(
        entity=lettered_entity, name="Acme Bâtiment & Fils", account_number="411ACME", category="sme",
        collector=collector, language="fr",
    )  # fmt: skip
    ContactFactory(customer=customer, name="Claire Petit", email="compta@acme.example.fr")
    invoice(customer, "FA-2026-101", as_of - timedelta(days=45), "1200.00")
    invoice(customer, "FA-2026-102", as_of - timedelta(days=1), "350.50")
    invoice(customer, "FA-2026-103", as_of + timedelta(days=5), "99.90")
    ItemFactory(customer=customer, number="AV-2026-7", type="credit_note", amount=Decimal("-80.00"),
                document_date=as_of - timedelta(days=20), due_date=as_of - timedelta(days=20))  # fmt: skip
    return customer
