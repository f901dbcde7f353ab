"""Items and allocations (lettrage): the open amount is always derived from allocations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from encours.audit.services import audit_record
from encours.core.errors import ValidationFailed
from encours.ledger.models import Allocation, Item
from encours.ledger.services.bulk import chunks

# ROUND to the stored 3 decimals: SQLite adds REALs, and 0.01 + 0.28 is 0.29000000000000004 there,
# which left a fully paid 0.29 invoice at -0.00000000000000004, refused as over-allocated.
_REFRESH_SQL = """
UPDATE ledger_item SET
  open_amount = ROUND(amount
    - COALESCE((SELECT SUM(a.amount) FROM ledger_allocation a WHERE a.debit_id = ledger_item.id), 0)
    + COALESCE((SELECT SUM(a.amount) FROM ledger_allocation a WHERE a.credit_id = ledger_item.id), 0), 3)
WHERE id IN ({ids})
"""
_SETTLED_SQL = """
UPDATE ledger_item SET settled_on = CASE WHEN open_amount = 0 THEN (
    SELECT MAX(a.date) FROM ledger_allocation a
    WHERE a.debit_id = ledger_item.id OR a.credit_id = ledger_item.id
) END
WHERE id IN ({ids})
"""


def items_refresh_open(item_ids: Iterable[int]) -> None:
    """Recompute ``open_amount`` and ``settled_on`` of items from their allocations."""
    ids = sorted(set(item_ids))
    with connection.cursor() as cursor:
        for part in chunks(ids, 1000):
            placeholders = ", ".join(["%s"] * len(part))
            cursor.execute(_REFRESH_SQL.format(ids=placeholders), list(part))
            cursor.execute(_SETTLED_SQL.format(ids=placeholders), list(part))
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


@transaction.atomic
def allocation_create(
    *, debit: Item, credit: Item, amount: Decimal, on: date, user: Any, source: str = "manual", letter: str = ""
) -> Allocation:
    """Letter (part of) a credit against a debit of the same entity."""
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
