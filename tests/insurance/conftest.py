from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.factories import CustomerFactory, ItemFactory, OpenOrderFactory

DECISIONS = """customer,decision,requested_amount,granted_amount,currency,effective_date,expiry_date,decision_ref
C-A,approved,5000,4000,EUR,2026-01-15,,D-1
C-B,approved,10000,10000,EUR,2026-01-01,,D-2
C-B,cancelled,0,0,EUR,2026-10-31,,D-3
C-C,approved,5000,5000,EUR,2026-01-01,2026-09-30,D-4
{siren_d},refused,8000,0,EUR,2026-03-01,,D-5
"""


@pytest.fixture
def book(entity):
    """Four buyers with hand-computable exposure, as of 2026-10-31 (see tests)."""
    a = CustomerFactory(entity=entity, account_number="C-A", name="Alpha Négoce")
    b = CustomerFactory(entity=entity, account_number="C-B", name="Bravo BTP")
    c = CustomerFactory(entity=entity, account_number="C-C", name="Charlie Distribution")
    d = CustomerFactory(entity=entity, account_number="C-D", name="Delta Industrie")
    ItemFactory(
        customer=a,
        number="FA-A1",
        amount=Decimal("1000.00"),
        document_date=date(2026, 7, 31),
        due_date=date(2026, 8, 31),
    )
    ItemFactory(
        customer=a,
        number="FA-A2",
        amount=Decimal("500.00"),
        document_date=date(2026, 10, 31),
        due_date=date(2026, 11, 30),
    )
    ItemFactory(
        customer=a,
        number="AV-A1",
        type="credit_note",
        amount=Decimal("-200.00"),
        document_date=date(2026, 10, 1),
        due_date=date(2026, 10, 1),
    )
    OpenOrderFactory(customer=a, amount=Decimal("3000.00"), order_date=date(2026, 10, 20))
    OpenOrderFactory(customer=a, amount=Decimal("999.00"), order_date=date(2026, 11, 5))  # after the date
    ItemFactory(
        customer=b,
        number="FA-B1",
        amount=Decimal("7000.00"),
        document_date=date(2026, 9, 1),
        due_date=date(2026, 12, 31),
    )
    ItemFactory(
        customer=c,
        number="FA-C1",
        amount=Decimal("2500.00"),
        document_date=date(2026, 9, 1),
        due_date=date(2026, 10, 31),
    )
    ItemFactory(
        customer=d, number="FA-D1", amount=Decimal("800.00"), document_date=date(2026, 6, 1), due_date=date(2026, 6, 30)
    )
    return {"a": a, "b": b, "c": c, "d": d, "csv": DECISIONS.format(siren_d=d.siren).encode()}


@pytest.fixture
def imported(book, entity):
    from encours.insurance.services.covers import decisions_import

    decisions_import(
        raw=book["csv"],
        file_name="coface.csv",
        entity_siren=entity.siren,
        policy_number="P-77",
        insurer="Coface",
        today=date(2026, 10, 31),
    )
    return book
