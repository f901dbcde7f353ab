"""Customers: creation from imports, edits — each audited (blocks: ``services.blocks``)."""

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
from encours.ledger.services.changes import ledger_changed

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
    if created:
        ledger_changed("customers")
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
    ledger_changed("customers")
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
