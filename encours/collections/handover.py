"""Handing a customer's overdue invoices over to litigation or a collection agency outside a dunning run
(an unpaid committee's decision): the same ``LitigationCase`` rows a dunning step writes, audited."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from encours.accounts.permissions import require
from encours.audit.services import audit_record
from encours.collections.models import LitigationCase
from encours.ledger.models import Customer, ItemType


@transaction.atomic
def customer_hand_over(
    *, customer: Customer, kind: str, by: Any, on: date, capability: str = "collections.run", note: str = ""
) -> list[LitigationCase]:
    """Open a case of ``kind`` for each overdue open invoice of the customer not already handed over."""
    require(by, capability, customer=customer)
    if kind not in LitigationCase.Kind.values:
        raise ValueError(f"unknown hand-over {kind!r}")
    handed_over = LitigationCase.objects.filter(kind=kind).values("item_id")
    invoices = customer.items.filter(type=ItemType.INVOICE).overdue(on).exclude(pk__in=handed_over)
    invoices = invoices.order_by("due_date", "number")
    cases = LitigationCase.objects.bulk_create(
        [LitigationCase(item=item, customer=customer, kind=kind, opened_on=on) for item in invoices]
    )
    audit_record(
        actor=by,
        action="collections.hand_over",
        obj=customer,
        customer_id=customer.pk,
        entity_id=customer.entity_id,
        after={"kind": kind, "on": on, "invoices": [case.item.number for case in cases]},
        note=note,
    )
    return cases
