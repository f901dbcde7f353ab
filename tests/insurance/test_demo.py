from __future__ import annotations

from datetime import date

from encours.insurance.models import (
    Bordereau,
    Claim,
    CoverDecision,
    CoverRequest,
    FactoringContract,
    FactoringDrawing,
    InsurancePolicy,
)
from encours.ledger.services.demo import demo_load
from encours.synthetic.demo import generate_portfolio


def test_demo_looks_alive(db):
    context = demo_load(portfolio=generate_portfolio(customers=80, invoices=1500, seed=5, as_of=date(2026, 10, 31)))
    assert InsurancePolicy.objects.count() == len(context.entities)
    decisions = set(CoverDecision.objects.values_list("decision", flat=True))
    assert {"approved", "reduced", "cancelled", "partial", "refused"} <= decisions
    assert CoverRequest.objects.filter(status="pending").exists()
    assert Claim.objects.filter(expected_indemnity__gt=0).exists()
    assert FactoringContract.objects.count() == 1
    assert Bordereau.objects.count() == 2 and FactoringDrawing.objects.exists()
