"""Claims on the cover in force at each invoice's delivery; policy countries and categories;
premiums from the policy's basis and rate (figures computed by hand)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from encours.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from encours.insurance.models import DeclaredInvoice, InsurancePolicy, PremiumStatement
from encours.insurance.selectors.exposure import buyer_exposures
from encours.insurance.selectors.premiums import premium_basis
from encours.insurance.services.claims import claim_open, declaration_create, recovery_record
from encours.insurance.services.covers import decision_record
from encours.insurance.services.premiums import premium_statement_create
from encours.ledger.models import Customer, Item
from tests.factories import CustomerFactory, ItemFactory


@pytest.fixture
def policy(entity):
    return InsurancePolicy.objects.create(
        entity=entity, insurer="Allianz Trade", number="P-100", start_date=date(2026, 1, 1), waiting_period_days=150
    )


@pytest.fixture
def cancelled_buyer(entity, policy, credit_manager):
    """Approved 100 000 from 2026-01-01, cancelled by the insurer from 2026-06-01."""
    buyer = CustomerFactory(entity=entity, account_number="C-X", name="Xavier Bâtiment", country="FR")
    decision_record(
        policy=policy,
        customer=buyer,
        decision="approved",
        granted_amount=Decimal(100000),
        effective_on=date(2026, 1, 1),
        reference="DX-1",
        user=credit_manager,
    )
    decision_record(
        policy=policy,
        customer=buyer,
        decision="cancelled",
        granted_amount=Decimal(0),
        effective_on=date(2026, 6, 1),
        reference="DX-2",
        user=credit_manager,
    )
    ItemFactory(
        customer=buyer,
        number="FA-X1",
        amount=Decimal("30000.00"),
        document_date=date(2026, 4, 15),
        due_date=date(2026, 5, 31),
    )
    ItemFactory(
        customer=buyer,
        number="FA-X2",
        amount=Decimal("10000.00"),
        document_date=date(2026, 6, 10),
        due_date=date(2026, 7, 10),
    )
    return buyer


def _declare(buyer, user, on=date(2026, 7, 20)):
    return declaration_create(
        customer=buyer, items=list(Item.objects.filter(customer=buyer)), declared_on=on, user=user
    )


def test_claim_after_cancellation_carries_the_cover_in_force_at_delivery(cancelled_buyer, credit_manager):
    declaration = _declare(cancelled_buyer, credit_manager)
    claim = claim_open(declaration=declaration, opened_on=date(2026, 8, 1), user=credit_manager)
    # FA-X1 delivered 2026-04-15 under the 100 000 approval; FA-X2 delivered after the cancellation
    assert claim.cover == Decimal("100000.00")
    assert claim.loss == Decimal("40000.00")
    assert claim.expected_indemnity == Decimal("27000.00")  # 30 000 covered × 90 %
    lines = {line.number: line for line in DeclaredInvoice.objects.filter(declaration=declaration)}
    assert lines["FA-X1"].decision.reference == "DX-1" and lines["FA-X1"].cover == Decimal("100000.00")
    assert lines["FA-X2"].decision.reference == "DX-2" and lines["FA-X2"].cover == 0
    assert "FA-X2" in claim.explanation


def test_reduction_caps_each_delivery_at_its_own_cover(entity, policy, credit_manager):
    buyer = CustomerFactory(entity=entity, country="FR")
    decision_record(policy=policy, customer=buyer, decision="approved", granted_amount=Decimal(50000),
                    effective_on=date(2026, 1, 1), user=credit_manager)  # fmt: skip
    decision_record(policy=policy, customer=buyer, decision="reduced", granted_amount=Decimal(5000),
                    effective_on=date(2026, 5, 1), user=credit_manager)  # fmt: skip
    ItemFactory(customer=buyer, number="FA-R1", amount=Decimal("20000.00"), document_date=date(2026, 3, 1),
                due_date=date(2026, 4, 30))  # fmt: skip
    ItemFactory(customer=buyer, number="FA-R2", amount=Decimal("8000.00"), document_date=date(2026, 5, 10),
                due_date=date(2026, 6, 10))  # fmt: skip
    claim = claim_open(declaration=_declare(buyer, credit_manager), opened_on=date(2026, 8, 1), user=credit_manager)
    # min(20 000, 50 000) + min(8 000, 5 000) = 25 000, × 90 % = 22 500
    assert claim.cover == Decimal("50000.00")
    assert claim.expected_indemnity == Decimal("22500.00")


def test_recovery_before_payment_is_spread_over_the_invoices(cancelled_buyer, credit_manager):
    claim = claim_open(declaration=_declare(cancelled_buyer, credit_manager), opened_on=date(2026, 8, 1),
                       user=credit_manager)  # fmt: skip
    recovery_record(claim=claim, amount=Decimal("8000.00"), received_on=date(2026, 9, 1), user=credit_manager)
    claim.refresh_from_db()
    # net loss 32 000 spread 3/4 on FA-X1 (24 000 covered), 1/4 on FA-X2 (uncovered): 24 000 × 90 %
    assert claim.expected_indemnity == Decimal("21600.00")


def test_buyer_outside_the_policy_countries_gets_no_cover(entity, policy, credit_manager):
    buyer = CustomerFactory(entity=entity, country="BE")
    decision_record(policy=policy, customer=buyer, decision="approved", granted_amount=Decimal(20000),
                    effective_on=date(2026, 1, 1), user=credit_manager)  # fmt: skip
    ItemFactory(customer=buyer, number="FA-BE", amount=Decimal("5000.00"), document_date=date(2026, 3, 1),
                due_date=date(2026, 4, 1))  # fmt: skip
    [row] = buyer_exposures(customers=Customer.objects.filter(pk=buyer.pk), as_of=date(2026, 5, 1))
    assert row.cover == 0 and "BE" in row.outside_policy
    claim = claim_open(declaration=_declare(buyer, credit_manager, on=date(2026, 5, 1)), opened_on=date(2026, 5, 2),
                       user=credit_manager)  # fmt: skip
    assert claim.expected_indemnity == 0
    assert DeclaredInvoice.objects.get(number="FA-BE").reason.startswith("country BE outside")


def test_buyer_outside_the_policy_categories_gets_no_cover(entity, policy, credit_manager):
    policy.covered_categories = "sme, distributor"
    policy.save()
    public = CustomerFactory(entity=entity, country="FR", category="public")
    sme = CustomerFactory(entity=entity, country="FR", category="sme")
    for buyer in (public, sme):
        decision_record(policy=policy, customer=buyer, decision="approved", granted_amount=Decimal(20000),
                        effective_on=date(2026, 1, 1), user=credit_manager)  # fmt: skip
    rows = {r.customer_id: r for r in buyer_exposures(customers=Customer.objects.all(), as_of=date(2026, 5, 1))}
    assert rows[public.pk].cover == 0 and rows[sme.pk].cover == Decimal("20000.00")


@pytest.fixture
def turnover_book(entity, policy):
    fr = CustomerFactory(entity=entity, country="FR")
    be = CustomerFactory(entity=entity, country="BE")
    ItemFactory(customer=fr, number="T-1", amount=Decimal("12000.00"), document_date=date(2026, 9, 5),
                due_date=date(2026, 10, 5))  # fmt: skip
    ItemFactory(customer=fr, number="T-2", type="credit_note", amount=Decimal("-2000.00"),
                document_date=date(2026, 9, 20), due_date=date(2026, 9, 20))  # fmt: skip
    ItemFactory(customer=fr, number="T-3", amount=Decimal("7000.00"), document_date=date(2026, 10, 2),
                due_date=date(2026, 11, 2))  # fmt: skip
    ItemFactory(customer=be, number="T-4", amount=Decimal("4000.00"), document_date=date(2026, 9, 12),
                due_date=date(2026, 10, 12))  # fmt: skip
    return {"fr": fr, "be": be}


def test_turnover_premium_is_the_months_insured_turnover_times_the_rate(turnover_book, policy):
    basis = premium_basis(policy=policy, period_start=date(2026, 9, 1), period_end=date(2026, 9, 30))
    # 12 000 − 2 000 (the Belgian 4 000 is outside the policy), × 0.25 %
    assert basis.base_amount == Decimal("10000.00")
    assert basis.premium == Decimal("25.00")
    assert (basis.buyers, basis.excluded_buyers, basis.excluded_amount) == (1, 1, Decimal("4000.00"))


def test_outstanding_premium_reads_the_open_receivables_at_month_end(turnover_book, policy):
    policy.premium_basis, policy.premium_rate = InsurancePolicy.PremiumBasis.OUTSTANDING, Decimal("0.001")
    policy.save()
    basis = premium_basis(policy=policy, period_start=date(2026, 10, 1), period_end=date(2026, 10, 31))
    assert basis.base_amount == Decimal("17000.00")  # 12 000 − 2 000 + 7 000 open on 10-31
    assert basis.premium == Decimal("17.00")


def test_flat_premium_is_a_twelfth_a_month(policy):
    policy.premium_basis, policy.flat_premium = InsurancePolicy.PremiumBasis.FLAT, Decimal("6000.00")
    policy.save()
    assert premium_basis(policy=policy, period_start=date(2026, 9, 1), period_end=date(2026, 9, 30)).premium == 500


def test_premium_statement_once_per_closed_month(turnover_book, policy, credit_manager, collector):
    statement = premium_statement_create(policy=policy, month=date(2026, 9, 14), user=credit_manager,
                                         today=date(2026, 10, 3))  # fmt: skip
    assert (statement.period_start, statement.premium) == (date(2026, 9, 1), Decimal("25.00"))
    with pytest.raises(InvalidTransition):
        premium_statement_create(policy=policy, month=date(2026, 9, 1), user=credit_manager, today=date(2026, 10, 3))
    with pytest.raises(ValidationFailed):
        premium_statement_create(policy=policy, month=date(2026, 10, 1), user=credit_manager, today=date(2026, 10, 3))
    with pytest.raises(PermissionDenied):
        premium_statement_create(policy=policy, month=date(2026, 8, 1), user=collector, today=date(2026, 10, 3))
    assert PremiumStatement.objects.count() == 1


def test_pages_show_the_decision_per_invoice_and_the_premiums(
    cancelled_buyer, credit_manager, client, django_assert_max_num_queries
):
    claim_open(declaration=_declare(cancelled_buyer, credit_manager), opened_on=date(2026, 8, 1), user=credit_manager)
    client.force_login(credit_manager)
    with django_assert_max_num_queries(20):
        html = client.get(reverse("insurance:claims")).content.decode()
    assert "FA-X1" in html and "DX-1" in html and "FA-X2" in html and "DX-2" in html
    html = client.get(reverse("insurance:declarations"), {"as_of": "2026-08-02"}).content.decode()
    assert "Décision en vigueur à la livraison" in html and "DX-1" in html
    response = client.post(reverse("insurance:premium_declare"), {"policy": InsurancePolicy.objects.get().pk,
                                                                   "month": "2026-07"})  # fmt: skip
    assert response.status_code == 302 and PremiumStatement.objects.get().period_start == date(2026, 7, 1)
    html = client.get(reverse("insurance:premiums")).content.decode()
    assert "Primes" in html and "P-100" in html
