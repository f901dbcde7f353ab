"""Dunning and the real disputes app together: a disputed invoice leaves dunning while open."""

from __future__ import annotations

from datetime import timedelta

import pytest

from encours import contracts
from encours.collections.planning import plan_for, run_customers
from encours.disputes.models import ReasonCode
from encours.disputes.providers import disputed_amounts as real_provider
from encours.disputes.services import DisputedPart, dispute_create, dispute_transition
from tests.collections.conftest import invoice
from tests.collections.test_runs import AS_OF

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _the_disputes_app_provides():
    contracts.DISPUTED_AMOUNTS.register(real_provider)  # tests/conftest.py restores the slot after


def test_an_open_dispute_keeps_its_invoice_out_of_the_run_until_it_is_resolved(acme, credit_manager):
    disputed = invoice(acme, "FA-001", AS_OF - timedelta(days=4))
    invoice(acme, "FA-002", AS_OF - timedelta(days=4))
    dispute = dispute_create(
        user=credit_manager,
        customer=acme,
        reason=ReasonCode.objects.get(code="quantity"),
        parts=[DisputedPart(disputed)],
        opened_on=AS_OF - timedelta(days=2),
    )
    plan = plan_for(as_of=AS_OF, customers=run_customers())
    assert [i.number for i in plan.messages[0].invoices] == ["FA-002"]
    assert plan.decision_for(disputed.pk).decision == "disputed"

    dispute_transition(dispute=dispute, status="resolved_pays", user=credit_manager, on=AS_OF + timedelta(days=1))
    later = plan_for(as_of=AS_OF + timedelta(days=2), customers=run_customers())
    assert "FA-001" in {i.number for message in later.messages for i in message.invoices}
