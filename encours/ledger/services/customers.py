"""Customers: creation from imports, edits, blocking — each audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from encours.accounts.permissions import require
from encours.audit.services import audit_record, audit_record_many, snapshot
from encours.core.errors import ValidationFailed
from encours.core.terms import PaymentTerms
from encours.ledger.models import Customer, LegalEntity
from encours.ledger.services.bulk import chunks

EDITABLE = (
    "name",
    "group_id",
    "siren",
    "siret",
    "vat_number",
    "naf_code",
    "category",
    "sales_rep_id",
    "collector_id",
    "region",
    "country",
    "address",
    "postal_code",
    "city",
    "terms_days",
    "terms_end_of_month",
    "language",
    "currency",
    "is_strategic",
    "notes",
)


@dataclass(frozen=True, slots=True)
class CustomerRef:
    id: int
    terms: PaymentTerms


def customers_ensure(
    *, entity: LegalEntity, accounts: dict[str, str], user: Any, source: str
) -> tuple[dict[str, CustomerRef], int]:
    """Customers by account number, creating those not known yet (named as in the file)."""
    found: dict[str, CustomerRef] = {}
    numbers = sorted(accounts)
    for part in chunks(numbers):
        rows = Customer.objects.filter(entity=entity, account_number__in=part).values_list(
            "id", "account_number", "terms_days", "terms_end_of_month"
        )
        for pk, number, days, eom in rows:
            found[number] = CustomerRef(
                pk, PaymentTerms(days=entity.default_terms_days if days is None else days, end_of_month=eom)
            )
    missing = [number for number in numbers if number not in found]
    created = Customer.objects.bulk_create(
        [Customer(entity=entity, account_number=number, name=accounts[number][:200] or number) for number in missing],
        batch_size=2000,
    )
    if created and created[0].pk is None:  # backends that do not return ids
        created = list(Customer.objects.filter(entity=entity, account_number__in=missing))
    for customer in created:
        found[customer.account_number] = CustomerRef(customer.pk, PaymentTerms(days=entity.default_terms_days))
    audit_record_many(
        {
            "actor": user,
            "action": "customer.create",
            "obj": customer,
            "customer_id": customer.pk,
            "entity_id": entity.pk,
            "after": {"account_number": customer.account_number, "name": customer.name},
            "note": f"created by import of {source}",
        }
        for customer in created
    )
    return found, len(created)


@transaction.atomic
def customer_update(*, customer: Customer, user: Any, **changes: Any) -> Customer:
    require(user, "ledger.edit_customer", customer=customer)
    return customer_change(customer=customer, user=user, **changes)


def customer_change(*, customer: Customer, user: Any, **changes: Any) -> Customer:
    """customer_update for a caller that already checked the actor (a batch import into the entity)."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(f"not editable: {', '.join(sorted(unknown))}")
    before = snapshot(customer, changes)
    for name, value in changes.items():
        setattr(customer, name, value)
    customer.full_clean(exclude=["entity", "group", "sales_rep", "collector"])
    customer.save(update_fields=[*changes])
    after = snapshot(customer, changes)
    if before != after:
        audit_record(
            actor=user,
            action="customer.update",
            obj=customer,
            customer_id=customer.pk,
            entity_id=customer.entity_id,
            before=before,
            after=after,
        )
    return customer


@transaction.atomic
def customer_block(*, customer: Customer, by: Any, reason: str, capability: str = "ledger.block_customer") -> Customer:
    """Block a customer; ``capability`` names the action it is part of (a dunning step of a run, an insolvency
    imported by the risk desk) when that is not a block by hand."""
    require(by, capability, customer=customer)
    if not reason.strip():
        raise ValidationFailed("a reason is required to block a customer")
    before = snapshot(customer, ["is_blocked", "blocked_reason"])
    customer.is_blocked, customer.blocked_reason = True, reason.strip()[:200]
    customer.save(update_fields=["is_blocked", "blocked_reason"])
    audit_record(
        actor=by,
        action="customer.block",
        obj=customer,
        customer_id=customer.pk,
        entity_id=customer.entity_id,
        before=before,
        after=snapshot(customer, before),
    )
    return customer


@transaction.atomic
def customer_unblock(*, customer: Customer, by: Any, reason: str = "") -> Customer:
    require(by, "ledger.block_customer", customer=customer)
    before = snapshot(customer, ["is_blocked", "blocked_reason"])
    customer.is_blocked, customer.blocked_reason = False, ""
    customer.save(update_fields=["is_blocked", "blocked_reason"])
    audit_record(
        actor=by,
        action="customer.unblock",
        obj=customer,
        customer_id=customer.pk,
        entity_id=customer.entity_id,
        before=before,
        after=snapshot(customer, before),
        note=reason,
    )
    return customer
