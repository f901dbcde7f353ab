"""Risk fixtures: statements files, a customer with a payment history."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from encours.ledger.models import ItemType
from tests.factories import CustomerFactory, ItemFactory, allocate

HEADER = (
    "siren,year,total_assets,current_assets,inventories,cash,equity,long_term_debt,total_debt,"
    "current_liabilities,retained_earnings,revenue,value_added,ebitda,ebit,financial_expenses,"
    "personnel_expenses,net_income"
)
HEALTHY = "552100554,2025,1000,600,100,50,400,100,500,300,200,2000,600,150,100,20,300,80"
DISTRESSED = "542051180,2025,1000,400,100,10,-200,300,1200,700,-300,1500,450,-20,-50,60,500,-90"
MISSING = "775665011,2025,1000,600,,,400,,,300,200,,,,,,,"


def statements_csv(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def pay(customer, amount: str, due: date, paid: date, number: str | None = None):
    """An invoice due on ``due`` paid in full on ``paid``."""
    invoice = ItemFactory(
        customer=customer, amount=Decimal(amount), document_date=due - timedelta(days=30), due_date=due
    )
    payment = ItemFactory(
        customer=customer, type=ItemType.PAYMENT, amount=-Decimal(amount), document_date=paid, due_date=paid
    )
    allocate(invoice, payment, Decimal(amount), paid)
    return invoice


@pytest.fixture
def healthy_customer(entity, sales_rep):
    return CustomerFactory(
        entity=entity,
        siren="552100554",
        name="Sain SA",
        sales_rep=sales_rep,
        naf_code="47.11F",
        created_on=date(2015, 1, 1),
    )
