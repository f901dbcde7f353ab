"""Buyer covers (scoped like the UI) and the factoring position."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from encours.api.params import BoundedDate, Limit, Offset
from encours.core.money import quantize
from encours.insurance.models import CoverDecision
from encours.insurance.selectors.exposure import BuyerExposure, buyer_exposures
from encours.insurance.services.factoring import FactoringPosition, contracts_for, factoring_position
from encours.ledger import selectors

router = Router(tags=["insurance"])


class DecisionOut(Schema):
    decision: str
    requested_amount: Decimal
    granted_amount: Decimal
    currency: str
    decided_on: date
    effective_on: date
    expires_on: date | None
    reference: str
    policy: str = Field(..., alias="policy.number")
    insurer: str = Field(..., alias="policy.insurer")


class CoverOut(Schema):
    customer_id: int
    account_number: str
    name: str
    currency: str
    outstanding: Decimal
    open_orders: Decimal
    exposure: Decimal
    cover: Decimal
    uncovered: Decimal
    decision: str | None
    insurer: str | None
    policy: str | None
    expires_on: date | None
    declaration_deadline: date | None


class CoverDetailOut(CoverOut):
    history: list[DecisionOut]


class CoverFilter(Schema):
    as_of: BoundedDate | None = None
    entity: str = ""
    uncovered_only: bool = False
    limit: Limit = 100
    offset: Offset = 0


class PositionOut(Schema):
    contract_id: int
    factor: str
    number: str
    entity: str
    currency: str
    as_of: date
    assigned: Decimal
    approved_outstanding: Decimal
    financeable: Decimal
    ceiling: Decimal
    reserve: Decimal
    drawn: Decimal
    fees: Decimal
    used: Decimal
    available: Decimal
    overdrawn: Decimal
    global_limit: Decimal


def _cover(row: BuyerExposure) -> dict:
    decision = row.decision
    return {
        "customer_id": row.customer_id,
        "account_number": row.account_number,
        "name": row.name,
        "currency": row.currency,
        "outstanding": row.outstanding,
        "open_orders": row.open_orders,
        "exposure": row.exposure,
        "cover": row.cover,
        "uncovered": row.uncovered,
        "decision": decision.decision if decision else None,
        "insurer": row.policy.insurer if row.policy else None,
        "policy": row.policy.number if row.policy else None,
        "expires_on": decision.expires_on if decision else None,
        "declaration_deadline": row.declaration_deadline,
    }


@router.get("/insurance/covers", response=list[CoverOut])
def list_covers(request: HttpRequest, filters: Query[CoverFilter]):
    customers = selectors.customers_for(request.user)
    if filters.entity:
        customers = customers.filter(entity__siren=filters.entity)
    rows = buyer_exposures(customers=customers, as_of=filters.as_of or timezone.localdate())
    rows = [r for r in rows if r.policy is not None and (r.uncovered > 0 or not filters.uncovered_only)]
    return [_cover(r) for r in rows[filters.offset : filters.offset + filters.limit]]


@router.get("/insurance/covers/{customer_id}", response=CoverDetailOut)
def get_cover(request: HttpRequest, customer_id: int, as_of: BoundedDate | None = None):
    customer = selectors.customer_get(user=request.user, pk=customer_id)
    rows = buyer_exposures(
        customers=selectors.customers_for(request.user).filter(pk=customer.pk),
        as_of=as_of or timezone.localdate(),
        include_idle=True,
    )
    history = CoverDecision.objects.filter(customer=customer).select_related("policy")
    return {**_cover(rows[0]), "history": list(history)}


def _position(position: FactoringPosition) -> dict:
    contract, availability = position.contract, position.availability
    row = {
        "contract_id": contract.pk,
        "factor": contract.factor,
        "number": contract.number,
        "entity": contract.entity.siren,
        "currency": contract.currency,
        "as_of": position.as_of,
        "assigned": position.assigned,
        "approved_outstanding": position.approved_outstanding,
        "financeable": availability.financeable,
        "ceiling": availability.ceiling,
        "reserve": availability.reserve,
        "drawn": position.drawn,
        "fees": position.fees,
        "used": availability.used,
        "available": availability.available,
        "overdrawn": availability.overdrawn,
        "global_limit": contract.global_limit,
    }
    return {k: quantize(v, contract.currency) if isinstance(v, Decimal) else v for k, v in row.items()}


def _contracts(request: HttpRequest):
    return contracts_for(request.user).select_related("entity")


@router.get("/factoring/position", response=list[PositionOut])
def factoring_positions(request: HttpRequest, as_of: BoundedDate | None = None):
    on = as_of or timezone.localdate()
    return [_position(factoring_position(contract=c, as_of=on)) for c in _contracts(request)]


@router.get("/factoring/{contract_id}/position", response=PositionOut)
def factoring_position_get(request: HttpRequest, contract_id: int, as_of: BoundedDate | None = None):
    contract = get_object_or_404(_contracts(request), pk=contract_id)
    return _position(factoring_position(contract=contract, as_of=as_of or timezone.localdate()))
