"""Whose customers a report covers: a user's scope, or the whole book for scheduled reports."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from encours.core.errors import ValidationFailed
from encours.ledger.models import Customer, LegalEntity
from encours.ledger.selectors import customers_for, entities_for


def report_customers(*, user: Any = None, entity_siren: str | None = None) -> QuerySet[Customer]:
    """The customers in ``user``'s scope (every customer for a scheduled, user-less report),
    optionally of one legal entity given by its SIREN."""
    customers = customers_for(user) if user is not None else Customer.objects.all()
    if entity_siren:
        entity = LegalEntity.objects.filter(siren=entity_siren.strip()).first()
        if entity is None:
            raise ValidationFailed(f"no legal entity with SIREN {entity_siren}")
        customers = customers.filter(entity=entity)
    return customers


def sector_customers(*, user: Any = None) -> QuerySet[Customer]:
    """The customers a sector benchmark pools: every customer of the entities ``user`` works for.

    A sector average reveals no single customer, so a sales rep compares with the whole book
    of their entities rather than with their own few accounts.
    """
    if user is None:
        return Customer.objects.all()
    return Customer.objects.filter(entity__in=entities_for(user))
