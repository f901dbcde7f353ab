"""Items and allocations (lettrage): the open amount is always derived from allocations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Case, OuterRef, Q, Subquery, When

from encours.accounts.permissions import require
from encours.audit.services import audit_record
from encours.core.errors import ValidationFailed
from encours.core.money import quantize
from encours.ledger.models import Allocation, Customer, Item, ItemType
from encours.ledger.queries import open_amount
from encours.ledger.services.bulk import chunks
from encours.ledger.services.changes import ledger_changed


def items_refresh_open(item_ids: Iterable[int]) -> None:
    """Recompute ``open_amount`` and ``settled_on`` of items from their allocations, in SQL:
    ``queries.open_amount`` (the one definition, equal to the core reference), and the date of
    the last allocation for the items it leaves at zero."""
    ids = sorted(set(item_ids))
    if ids:
        ledger_changed("allocations")
    last_allocation = (
        Allocation.objects.filter(Q(debit=OuterRef("pk")) | Q(credit=OuterRef("pk"))).order_by("-date").values("date")
    )
    for part in chunks(ids, 1000):
        Item.objects.filter(id__in=part).update(open_amount=open_amount())
        Item.objects.filter(id__in=part).update(
            settled_on=Case(When(open_amount=0, then=Subquery(last_allocation[:1])), default=None)
        )
    _check_open_signs(ids)


def _check_open_signs(ids: Sequence[int]) -> None:
    """Allocations may never exceed an item's amount: a debit stays ≥ 0, a credit ≤ 0."""
    for part in chunks(ids, 2000):
        wrong = (
            Item.objects.filter(id__in=part)
            .filter(Q(amount__gt=0, open_amount__lt=0) | Q(amount__lt=0, open_amount__gt=0))
            .values_list("number", flat=True)[:5]
        )
        if wrong:
            raise ValidationFailed(f"allocations exceed the amount of item(s) {', '.join(wrong)}")


def _item_state(item: Item) -> dict[str, Any]:
    return {"open_amount": item.open_amount, "settled_on": item.settled_on}


_SIGNS = {ItemType.INVOICE: 1, ItemType.CREDIT_NOTE: -1, ItemType.PAYMENT: -1}


@transaction.atomic
def item_create(
    *,
    customer: Customer,
    type: str,
    number: str,
    document_date: date,
    due_date: date | None = None,
    amount: Decimal,
    currency: str | None = None,
    fx_rate: Decimal = Decimal(1),
    reference: str = "",
    label: str = "",
    source_file: str = "",
    user: Any,
) -> Item:
    """Create one ledger item outside an import (a payment applied from a bank line, a penalty
    invoice, a write-off adjustment). ``amount`` is signed like the ledger: debits > 0, credits
    < 0; invoices must be positive, credit notes and payments negative, adjustments either."""
    currency = currency or customer.entity.currency
    amount = quantize(Decimal(amount), currency)
    if amount == 0:
        raise ValidationFailed(f"item {number}: the amount may not be zero")
    sign = _SIGNS.get(ItemType(type))
    if sign is not None and amount * sign < 0:
        raise ValidationFailed(
            f"item {number}: a {ItemType(type).label} must be {'positive' if sign > 0 else 'negative'}"
        )
    if Item.objects.filter(entity_id=customer.entity_id, type=type, number=number).exists():
        raise ValidationFailed(f"item {number}: a {ItemType(type).label} with this number already exists")
    item = Item.objects.create(
        entity_id=customer.entity_id,
        customer=customer,
        type=type,
        number=number,
        document_date=document_date,
        due_date=due_date or document_date,
        amount=amount,
        currency=currency,
        fx_rate=fx_rate,
        amount_functional=quantize(amount * fx_rate, customer.entity.currency),
        open_amount=amount,
        reference=reference,
        label=label,
        source_file=source_file,
    )
    ledger_changed("items")
    audit_record(
        actor=user,
        action="item.create",
        obj=item,
        customer_id=customer.pk,
        entity_id=customer.entity_id,
        after={"type": type, "number": number, "amount": amount, "currency": currency, "date": document_date},
    )
    return item


@transaction.atomic
def allocation_create(
    *, debit: Item, credit: Item, amount: Decimal, on: date, user: Any, source: str = "manual", letter: str = ""
) -> Allocation:
    """Letter (part of) a credit against a debit of the same entity."""
    require(user, "ledger.allocate", customer=debit.customer_id)
    debit, credit = (Item.objects.select_for_update().get(pk=pk) for pk in (debit.pk, credit.pk))
    if debit.entity_id != credit.entity_id:
        raise ValidationFailed("cannot allocate across legal entities")
    if debit.amount <= 0 or credit.amount >= 0:
        raise ValidationFailed(f"{debit.number} must be a debit and {credit.number} a credit")
    if debit.currency != credit.currency:
        raise ValidationFailed(f"cannot allocate {credit.currency} against {debit.currency}")
    if amount <= 0:
        raise ValidationFailed("the allocated amount must be positive")
    if amount > debit.open_amount or amount > -credit.open_amount:
        raise ValidationFailed(
            f"{amount} exceeds the open amount ({debit.number}: {debit.open_amount}, "
            f"{credit.number}: {-credit.open_amount})"
        )
    allocation, created = Allocation.objects.get_or_create(
        debit=debit,
        credit=credit,
        defaults={
            "amount": amount,
            "date": on,
            "source": source,
            "letter": letter,
            "created_by": user if getattr(user, "pk", None) else None,
        },
    )
    if not created:
        allocation.amount += amount
        allocation.date = max(allocation.date, on)
        allocation.save(update_fields=["amount", "date"])
    items_refresh_open([debit.pk, credit.pk])
    audit_record(
        actor=user,
        action="allocation.create",
        obj=allocation,
        customer_id=debit.customer_id,
        entity_id=debit.entity_id,
        after={"debit": debit.number, "credit": credit.number, "amount": amount, "date": on, "source": source},
    )
    return allocation


@transaction.atomic
def allocation_delete(*, allocation: Allocation, user: Any, reason: str = "") -> None:
    require(user, "ledger.allocate", customer=allocation.debit.customer_id)
    debit, credit = allocation.debit, allocation.credit
    before = {"debit": debit.number, "credit": credit.number, "amount": allocation.amount, "date": allocation.date}
    allocation.delete()
    items_refresh_open([debit.pk, credit.pk])
    audit_record(
        actor=user,
        action="allocation.delete",
        object_type="ledger.allocation",
        object_repr=str(before),
        customer_id=debit.customer_id,
        entity_id=debit.entity_id,
        before=before,
        note=reason,
    )
