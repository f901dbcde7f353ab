"""Factories for tests: valid identifiers, realistic French values."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from encours.accounts.models import Role
from encours.ledger.models import Allocation, Contact, Customer, Item, ItemType, LegalEntity, OpenOrder


def siren_with_key(base: int) -> str:
    """A valid SIREN (Luhn) from an 8-digit base."""
    digits = f"{base:08d}"
    for key in range(10):
        candidate = digits + str(key)
        total = 0
        for index, char in enumerate(reversed(candidate)):
            value = int(char) * (2 if index % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


class EntityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LegalEntity
        django_get_or_create = ("siren",)

    name = factory.Sequence(lambda n: f"Entité {n} SAS")
    siren = factory.Sequence(lambda n: siren_with_key(40000000 + n))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@encours.example")
    role = Role.CREDIT_MANAGER
    password = factory.PostGenerationMethodCall("set_password", "secret-pass-123")

    @factory.post_generation
    def entities(self, create, extracted, **kwargs):
        if create and extracted:
            self.entities.set(extracted)
        if create:
            self.save()


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    entity = factory.SubFactory(EntityFactory)
    account_number = factory.Sequence(lambda n: f"C{n:05d}")
    name = factory.Sequence(lambda n: f"Client {n} SARL")
    siren = factory.Sequence(lambda n: siren_with_key(50000000 + n))
    region = "Île-de-France"
    category = "sme"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = "Claire Petit"
    email = factory.Sequence(lambda n: f"compta{n}@client.example.fr")
    is_dunning_contact = True


class ItemFactory(factory.django.DjangoModelFactory):
    """An invoice by default; pass type and a negative amount for credits."""

    class Meta:
        model = Item

    customer = factory.SubFactory(CustomerFactory)
    entity = factory.LazyAttribute(lambda i: i.customer.entity)
    type = ItemType.INVOICE
    number = factory.Sequence(lambda n: f"FA{n:06d}")
    document_date = date(2026, 1, 15)
    due_date = factory.LazyAttribute(lambda i: i.document_date + timedelta(days=30))
    amount = Decimal("1200.00")
    currency = "EUR"
    amount_functional = factory.LazyAttribute(lambda i: i.amount)
    open_amount = factory.LazyAttribute(lambda i: i.amount)


class OpenOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpenOrder

    customer = factory.SubFactory(CustomerFactory)
    entity = factory.LazyAttribute(lambda o: o.customer.entity)
    number = factory.Sequence(lambda n: f"CMD{n:05d}")
    amount = Decimal("5000.00")
    amount_functional = factory.LazyAttribute(lambda o: o.amount)
    expected_ship_date = date(2026, 2, 1)


def allocate(debit: Item, credit: Item, amount: Decimal, on: date) -> Allocation:
    """Letter two items directly (tests only) and refresh their derived open amounts."""
    from encours.ledger.services.items import items_refresh_open

    allocation = Allocation.objects.create(debit=debit, credit=credit, amount=amount, date=on)
    items_refresh_open([debit.pk, credit.pk])
    debit.refresh_from_db()
    credit.refresh_from_db()
    return allocation
