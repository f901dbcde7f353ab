"""Fixtures of the disputes tests: the shipped reasons, a customer with invoices, department users."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest


@pytest.fixture
def reasons(db):
    from encours.disputes.models import ReasonCode
    from encours.disputes.services import reasons_ensure

    reasons_ensure()  # a transactional test elsewhere may have flushed the migration's rows
    return {reason.code: reason for reason in ReasonCode.objects.all()}


@pytest.fixture
def customer(entity, sales_rep):
    from tests.factories import CustomerFactory

    return CustomerFactory(entity=entity, sales_rep=sales_rep, name="Boulangerie Martin", region="Bretagne")


@pytest.fixture
def invoices(customer):
    from tests.factories import ItemFactory

    return [
        ItemFactory(customer=customer, number="FA-1001", amount=Decimal("1200.00"), document_date=date(2026, 9, 1)),
        ItemFactory(customer=customer, number="FA-1002", amount=Decimal("800.00"), document_date=date(2026, 9, 15)),
    ]


@pytest.fixture
def logistics_user(entity):
    from encours.accounts.models import Department, Role
    from tests.factories import UserFactory

    return UserFactory(username="karim", role=Role.DEPARTMENT, department=Department.LOGISTICS, entities=[entity])


@pytest.fixture
def quality_user(entity, credit_manager):
    from encours.accounts.models import Department, Role
    from tests.factories import UserFactory

    user = UserFactory(username="nadia", role=Role.DEPARTMENT, department=Department.QUALITY, entities=[entity])
    user.manager = credit_manager
    user.save()
    return user


def open_dispute(user, customer, reason, parts, **kwargs):
    from encours.disputes.services import DisputedPart, dispute_create

    return dispute_create(
        user=user,
        customer=customer,
        reason=reason,
        parts=[DisputedPart(item, None if amount is None else Decimal(amount)) for item, amount in parts],
        **kwargs,
    )
