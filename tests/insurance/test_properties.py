"""The SQL exposure against cover agrees with the domain core on random decision histories."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from encours.core.insurance import cover_on, uncovered_exposure
from encours.insurance.models import CORE_STATUS, CoverDecision, Decision, InsurancePolicy
from encours.insurance.selectors.exposure import buyer_exposures
from encours.insurance.services.requests import core_decision
from encours.ledger.models import Customer
from tests.factories import CustomerFactory, ItemFactory

START = date(2026, 1, 1)
decisions = st.lists(
    st.tuples(
        st.sampled_from(list(CORE_STATUS)),
        st.integers(min_value=0, max_value=50_000),
        st.integers(min_value=0, max_value=300),  # effective, days after START
        st.one_of(st.none(), st.integers(min_value=0, max_value=200)),  # lasts that many days
    ),
    max_size=5,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    history=decisions,
    open_amount=st.integers(min_value=0, max_value=80_000),
    on=st.integers(min_value=0, max_value=365),
)
def test_sql_cover_matches_the_core(entity, history, open_amount, on):
    as_of = START + timedelta(days=on)
    with transaction.atomic():
        policy = InsurancePolicy.objects.create(entity=entity, insurer="Coface", number="P", start_date=START)
        customer = CustomerFactory(entity=entity)
        if open_amount:
            ItemFactory(customer=customer, amount=Decimal(open_amount), document_date=START)
        rows = [
            CoverDecision.objects.create(
                policy=policy,
                customer=customer,
                decision=status,
                granted_amount=Decimal(granted),
                decided_on=START + timedelta(days=effective),
                effective_on=START + timedelta(days=effective),
                expires_on=None if lasts is None else START + timedelta(days=effective + lasts),
            )
            for status, granted, effective, lasts in history
        ]
        (row,) = buyer_exposures(customers=Customer.objects.filter(pk=customer.pk), as_of=as_of, include_idle=True)
        expected = cover_on(decisions=[core_decision(d) for d in rows], on=as_of).amount
        assert row.cover == expected
        assert row.uncovered == uncovered_exposure(exposure=row.exposure, cover=row.cover) >= 0
        assert row.exposure == Decimal(open_amount)
        if row.cover > 0:
            assert row.decision is not None and row.decision.decision not in (Decision.REFUSED, Decision.CANCELLED)
        transaction.set_rollback(True)
