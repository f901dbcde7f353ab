"""Declarations, claims and indemnity, hand-computed (policy 90 %, 60-day deadline, 150-day wait)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from encours.core.errors import ValidationFailed
from encours.insurance.models import Claim, Declaration
from encours.insurance.services.claims import claim_open, declaration_create, insurer_payment_record, recovery_record
from encours.ledger.models import Item


def test_declaration_deadline_and_amount(imported, credit_manager):
    a = imported["a"]
    declaration = declaration_create(
        customer=a, items=list(Item.objects.filter(customer=a)), declared_on=date(2026, 10, 20), user=credit_manager
    )
    # only FA-A1 is an overdue open invoice on 10-20: due 2026-08-31 + 60 days = 2026-10-30
    assert declaration.amount == Decimal("1000.00")
    assert declaration.deadline == date(2026, 10, 30)
    assert [i.number for i in declaration.items.all()] == ["FA-A1"]


def test_claim_expected_indemnity_and_payment(imported, credit_manager):
    a = imported["a"]
    declaration = declaration_create(
        customer=a, items=list(Item.objects.filter(number="FA-A1")), declared_on=date(2026, 10, 20), user=credit_manager
    )
    claim = claim_open(declaration=declaration, opened_on=date(2026, 11, 2), user=credit_manager)
    # min(loss 1000, cover 4000) × 90 % = 900, payable 150 days after the declaration
    assert claim.expected_indemnity == Decimal("900.00")
    assert claim.cover == Decimal("4000")
    assert claim.payable_from == date(2027, 3, 19)
    insurer_payment_record(claim=claim, amount=Decimal("900.00"), paid_on=date(2027, 3, 25), user=credit_manager)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.INDEMNIFIED
    assert Declaration.objects.get().status == Declaration.Status.CLAIM
    recovery = recovery_record(claim=claim, amount=Decimal("300.00"), received_on=date(2027, 5, 1), user=credit_manager)
    assert recovery.insurer_share == Decimal("270.00")  # the insurer takes its 90 % of a later recovery


def test_loss_above_cover_is_capped_and_recovery_before_payment_lowers_it(imported, credit_manager):
    a = imported["a"]
    declaration = declaration_create(
        customer=a, items=list(Item.objects.filter(number="FA-A1")), declared_on=date(2026, 10, 20), user=credit_manager
    )
    claim = claim_open(
        declaration=declaration,
        opened_on=date(2026, 11, 2),
        user=credit_manager,
        loss=Decimal("5000.00"),
        insolvency_on=date(2026, 11, 1),
    )
    assert claim.expected_indemnity == Decimal("3600.00")  # min(5000, 4000) × 90 %
    assert claim.payable_from == date(2026, 11, 1)  # insolvency: no waiting period
    recovery_record(claim=claim, amount=Decimal("1500.00"), received_on=date(2026, 12, 1), user=credit_manager)
    claim.refresh_from_db()
    assert claim.expected_indemnity == Decimal("3150.00")  # min(3500, 4000) × 90 %


def test_declaration_needs_an_overdue_invoice(imported, credit_manager):
    with pytest.raises(ValidationFailed):
        declaration_create(
            customer=imported["a"],
            items=list(Item.objects.filter(number="FA-A2")),
            declared_on=date(2026, 10, 20),
            user=credit_manager,
        )


def test_collector_cannot_declare(imported, collector):
    from encours.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        declaration_create(
            customer=imported["a"],
            items=list(Item.objects.filter(number="FA-A1")),
            declared_on=date(2026, 10, 20),
            user=collector,
        )
