"""A hand-written ledger in a few lines: invoices, credit notes, payments and their lettrage."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import count

from encours.ledger.models import Allocation, Customer, Item, ItemType, LegalEntity
from encours.ledger.services.items import items_refresh_open
from tests.factories import CustomerFactory

_numbers = count(1)


class Book:
    """Writes items of one entity; ``pay`` letters a payment against invoices on a date."""

    def __init__(self, entity: LegalEntity) -> None:
        self.entity = entity

    def customer(self, **fields) -> Customer:
        return CustomerFactory(entity=fields.pop("entity", self.entity), **fields)

    def item(
        self,
        customer: Customer,
        kind: str,
        amount: str | Decimal,
        on: date,
        *,
        due: date | None = None,
        terms: int = 30,
        currency: str = "",
        fx_rate: str = "1",
        number: str = "",
        label: str = "",
    ) -> Item:
        amount = Decimal(amount)
        rate = Decimal(fx_rate)
        prefix = {"invoice": "FA", "credit_note": "AV", "payment": "RG", "adjustment": "OD"}[kind]
        return Item.objects.create(
            entity=customer.entity,
            customer=customer,
            type=kind,
            number=number or f"{prefix}{next(_numbers):06d}",
            document_date=on,
            due_date=due or (on + timedelta(days=terms) if amount > 0 else on),
            amount=amount,
            currency=currency or customer.entity.currency,
            fx_rate=rate,
            amount_functional=(amount * rate).quantize(Decimal("0.01")),
            open_amount=amount,
            label=label,
        )

    def invoice(self, customer: Customer, amount: str, on: date, **options) -> Item:
        return self.item(customer, ItemType.INVOICE, amount, on, **options)

    def credit_note(self, customer: Customer, amount: str, on: date, **options) -> Item:
        return self.item(customer, ItemType.CREDIT_NOTE, f"-{amount}", on, **options)

    def payment(self, customer: Customer, amount: str, on: date, **options) -> Item:
        return self.item(customer, ItemType.PAYMENT, f"-{amount}", on, **options)

    def letter(self, debit: Item, credit: Item, amount: str, on: date) -> Allocation:
        allocation = Allocation.objects.create(debit=debit, credit=credit, amount=Decimal(amount), date=on)
        items_refresh_open([debit.pk, credit.pk])
        return allocation

    def pay(self, invoice: Item, amount: str, on: date) -> Item:
        """A payment of ``amount`` on ``on``, lettered to ``invoice`` the same day."""
        payment = self.payment(invoice.customer, amount, on)
        self.letter(invoice, payment, amount, on)
        return payment
