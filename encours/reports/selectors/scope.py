"""Whose customers a report covers: a user's scope, or the whole book for scheduled reports."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from encours.core.aging import CurrencyMismatch
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


def scope_currencies(*, customers: QuerySet[Customer]) -> dict[str, list[LegalEntity]]:
    """The functional currencies of the legal entities ``customers`` belong to, with those entities."""
    entities = LegalEntity.objects.filter(pk__in=customers.values("entity_id")).order_by("currency", "siren")
    by_currency: dict[str, list[LegalEntity]] = {}
    for entity in entities:
        by_currency.setdefault(entity.currency, []).append(entity)
    return by_currency


def require_one_currency(*, customers: QuerySet[Customer]) -> None:
    """Refuse a scope whose entities keep their books in several currencies (a file without a
    currency column would add up or mix them), naming each entity and its currency."""
    by_currency = scope_currencies(customers=customers)
    if len(by_currency) < 2:
        return
    listed = "; ".join(
        f"{currency}: " + ", ".join(f"{entity.siren} {entity.name}" for entity in entities)
        for currency, entities in by_currency.items()
    )
    raise CurrencyMismatch(f"the scope mixes currencies ({listed}): choose one legal entity")


def sector_customers(*, user: Any = None) -> QuerySet[Customer]:
    """The customers a sector benchmark pools: every customer of the entities ``user`` works for.

    A sector average reveals no single customer, so a sales rep compares with the whole book
    of their entities rather than with their own few accounts.
    """
    if user is None:
        return Customer.objects.all()
    return Customer.objects.filter(entity__in=entities_for(user))
