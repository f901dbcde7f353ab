"""Demo data: one credit-insurance policy per entity with buyer covers for the larger customers
(one reduced, one cancelled by the insurer, one partial, one refused, one expiring, several close
to their cover so that requests wait for approval), a declaration with its claim, and a
factoring contract with two bordereaux on the first entity."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from django.db import transaction

from encours.insurance.models import CoverDecision, Decision, FactoringContract, InsurancePolicy
from encours.insurance.selectors.exposure import BuyerExposure, buyer_exposures
from encours.insurance.services.claims import claim_open, declaration_create
from encours.insurance.services.factoring import (
    assignable_items,
    bordereau_create,
    debtor_approval_set,
    drawing_record,
)
from encours.insurance.services.requests import cover_requests_prepare
from encours.ledger.models import Customer, Item, ItemType
from encours.ledger.services.demo import DemoContext, demo_hook

INSURERS = (
    ("Allianz Trade", "agrements@allianz-trade.example"),
    ("Coface", "agrements@coface.example"),
    ("Atradius", "limites@atradius.example"),
)
COVERED_BUYERS = 25
STEP = Decimal(5000)


def _round_up(amount: Decimal) -> Decimal:
    return max(STEP, (amount / STEP).to_integral_value(rounding=ROUND_CEILING) * STEP)


@demo_hook(90)
def insurance_demo(context: DemoContext) -> None:
    credit = context.users.get("credit")
    as_of = context.as_of
    with transaction.atomic():
        for index, entity in enumerate(context.entities):
            insurer, email = INSURERS[index % len(INSURERS)]
            policy = InsurancePolicy.objects.create(
                entity=entity,
                insurer=insurer,
                number=f"POL-{entity.siren[:4]}-{as_of.year}",
                insurer_email=email,
                currency=entity.currency,
                start_date=date(as_of.year - 1, 1, 1),
                discretionary_limit=Decimal(15000),
                declaration_deadline_days=60 if index % 2 == 0 else 90,
                non_qualifying_threshold=Decimal(1500),
            )
            customers = Customer.objects.filter(entity=entity)
            rows = sorted(buyer_exposures(customers=customers, as_of=as_of), key=lambda r: -r.exposure)
            _covers(policy, [r for r in rows if r.exposure > 0][:COVERED_BUYERS], as_of)
            cover_requests_prepare(customers=customers, as_of=as_of, user=credit)
            if index == 0 and credit is not None:
                _declaration(customers, as_of, credit)
                _factoring(entity, rows, as_of, credit)
    context.notes.append("insurance: policies, buyer covers, requests, a claim and a factoring contract")


def _decision(
    policy: InsurancePolicy,
    row: BuyerExposure,
    decision: str,
    granted: Decimal,
    effective: date,
    requested: Decimal | None = None,
    expires: date | None = None,
    ref: str = "",
) -> None:
    CoverDecision.objects.create(
        policy=policy,
        customer_id=row.customer_id,
        decision=decision,
        requested_amount=requested if requested is not None else granted,
        granted_amount=granted,
        currency=policy.currency,
        decided_on=effective - timedelta(days=3),
        effective_on=effective,
        expires_on=expires,
        reference=ref,
        source="demo",
    )


def _covers(policy: InsurancePolicy, rows: list[BuyerExposure], as_of: date) -> None:
    year_ago = as_of - timedelta(days=330)
    for i, row in enumerate(rows):
        ref = f"{policy.number}-{i + 1:03d}"
        comfortable = _round_up(row.exposure * Decimal("1.4"))
        if i == 0:  # reduced three weeks ago: part of the exposure is now at our own risk
            _decision(policy, row, Decision.APPROVED, comfortable, year_ago, ref=ref + "a")
            _decision(
                policy,
                row,
                Decision.REDUCED,
                _round_up(row.exposure * Decimal("0.5")),
                as_of - timedelta(days=20),
                requested=comfortable,
                ref=ref + "b",
            )
        elif i == 1:  # cancelled by the insurer this week
            _decision(policy, row, Decision.APPROVED, comfortable, year_ago, ref=ref + "a")
            _decision(policy, row, Decision.CANCELLED, Decimal(0), as_of - timedelta(days=2), ref=ref + "b")
        elif i == 2:  # partial
            _decision(
                policy,
                row,
                Decision.PARTIAL,
                _round_up(row.exposure * Decimal("0.7")),
                year_ago,
                requested=comfortable,
                ref=ref,
            )
        elif i == 3:
            _decision(policy, row, Decision.REFUSED, Decimal(0), year_ago, requested=comfortable, ref=ref)
        elif i == 4:  # expires in three weeks
            _decision(
                policy, row, Decision.APPROVED, comfortable, year_ago, expires=as_of + timedelta(days=21), ref=ref
            )
        elif i % 4 == 1:  # close to cover: a request gets prepared
            granted = max(STEP, (row.exposure / Decimal("0.95") / 1000).to_integral_value() * 1000)
            _decision(policy, row, Decision.APPROVED, granted, year_ago, ref=ref)
        else:
            _decision(policy, row, Decision.APPROVED, comfortable, year_ago, ref=ref)


def _declaration(customers: object, as_of: date, credit: object) -> None:
    covered = CoverDecision.objects.filter(decision=Decision.APPROVED, customer__in=customers).values("customer_id")
    oldest = (
        Item.objects.filter(customer__in=covered, type=ItemType.INVOICE)
        .overdue(as_of, more_than_days=20)
        .select_related("customer")
        .order_by("due_date")
        .first()
    )
    if oldest is None:
        return
    overdue = Item.objects.filter(customer=oldest.customer, type=ItemType.INVOICE).overdue(as_of, more_than_days=20)
    declaration = declaration_create(
        customer=oldest.customer,
        items=list(overdue),
        declared_on=as_of - timedelta(days=10),
        user=credit,
        reference="MS-2026-0142",
    )
    claim_open(declaration=declaration, opened_on=as_of - timedelta(days=5), user=credit)


def _factoring(entity: object, rows: list[BuyerExposure], as_of: date, credit: object) -> None:
    contract = FactoringContract.objects.create(
        entity=entity,
        factor="BNP Paribas Factor",
        number="AFF-2025-0087",
        iban="FR7630004000031234567890143",
        start_date=date(as_of.year - 1, 3, 1),
        global_limit=Decimal(750000),
        service_commission_rate=Decimal("0.0045"),
        financing_margin=Decimal("0.012"),
        index_rate=Decimal("0.0205"),
    )
    debtors = [r for r in rows if r.exposure > 0][5:17]
    for row in debtors:
        amount = _round_up(row.outstanding * Decimal("0.8"))
        debtor_approval_set(contract=contract, customer=Customer(pk=row.customer_id), amount=amount, user=credit)
    ids = [r.customer_id for r in debtors] + [r.customer_id for r in rows[20:22]]
    for assigned_on in (as_of - timedelta(days=28), as_of - timedelta(days=6)):
        items = list(
            assignable_items(contract)
            .filter(
                customer_id__in=ids, type=ItemType.INVOICE, document_date__lte=assigned_on, due_date__gte=assigned_on
            )
            .order_by("document_date")[:40]
        )
        if items:
            bordereau_create(contract=contract, items=items, assigned_on=assigned_on, user=credit)
            available = _available(contract, assigned_on)
            if available > 1000:
                drawing_record(
                    contract=contract,
                    amount=(available * Decimal("0.7")).quantize(Decimal(1)),
                    drawn_on=assigned_on,
                    user=credit,
                    note="tirage",
                )


def _available(contract: FactoringContract, on: date) -> Decimal:
    from encours.insurance.services.factoring import factoring_position

    return factoring_position(contract=contract, as_of=on).availability.available
