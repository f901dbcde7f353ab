from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encours.core.errors import ValidationFailed
from encours.core.insurance import (
    CoverDecision,
    CoverIncreaseRule,
    CoverPosition,
    CoverStatus,
    DeclarationStatus,
    InsurancePolicy,
    InsuredInvoice,
    buyer_cover,
    cover_on,
    cover_with_discretionary,
    customer_declaration_deadline,
    declaration_deadline,
    expected_indemnity,
    extension_within_policy,
    overdue_declarations,
    propose_cover_increase,
    uncovered_exposure,
)

D = Decimal
AS_OF = date(2026, 6, 30)
POLICY = InsurancePolicy(
    insurer="Coface", number="P-123", discretionary_limit=D(15000), non_qualifying_threshold=D(1000)
)


def decision(status, granted, effective_on, decided_on=None, expires_on=None, reference=""):
    return CoverDecision(
        buyer_id="B1",
        status=status,
        requested_amount=D(100000),
        granted_amount=D(granted),
        decided_on=decided_on or effective_on,
        effective_on=effective_on,
        expires_on=expires_on,
        reference=reference,
    )


def test_policy_defaults_to_market_terms():
    policy = InsurancePolicy(insurer="Atradius", number="A-1")
    assert policy.indemnity_rate == D("0.90")
    assert 150 <= policy.waiting_period_days <= 180


def test_policy_refuses_an_indemnity_rate_above_100_percent():
    with pytest.raises(ValidationFailed):
        InsurancePolicy(insurer="X", number="1", indemnity_rate=D("1.1"))


def test_no_cover_before_the_first_effective_decision():
    position = cover_on(decisions=[decision(CoverStatus.APPROVED, 50000, date(2026, 7, 1))], on=AS_OF)
    assert position.amount == D(0)
    assert position.reason == "no cover decision effective on this date"


def test_cover_is_the_latest_decision_effective_on_or_before_the_date():
    decisions = [
        decision(CoverStatus.APPROVED, 50000, date(2026, 1, 1)),
        decision(CoverStatus.PARTIAL, 40000, date(2026, 6, 30)),
        decision(CoverStatus.APPROVED, 90000, date(2026, 7, 1)),
    ]
    position = cover_on(decisions=decisions, on=AS_OF)
    assert position.amount == D(40000)
    assert position.reason == "partial since 2026-06-30"


def test_same_effective_date_the_later_decision_wins():
    decisions = [
        decision(CoverStatus.APPROVED, 50000, date(2026, 6, 1), decided_on=date(2026, 6, 5)),
        decision(CoverStatus.REDUCED, 20000, date(2026, 6, 1), decided_on=date(2026, 5, 20)),
    ]
    assert cover_on(decisions=decisions, on=AS_OF).amount == D(50000)


@pytest.mark.parametrize("status", [CoverStatus.REFUSED, CoverStatus.CANCELLED])
def test_refusal_or_cancellation_leaves_no_cover(status):
    decisions = [
        decision(CoverStatus.APPROVED, 50000, date(2026, 1, 1)),
        decision(status, 50000, date(2026, 5, 1)),
    ]
    position = cover_on(decisions=decisions, on=AS_OF)
    assert position.amount == D(0)
    assert position.reason == f"{status.value} with effect from 2026-05-01"


def test_cover_lasts_through_its_expiry_date_and_not_after():
    decisions = [decision(CoverStatus.APPROVED, 50000, date(2026, 1, 1), expires_on=AS_OF)]
    assert cover_on(decisions=decisions, on=AS_OF).amount == D(50000)
    expired = cover_on(decisions=decisions, on=date(2026, 7, 1))
    assert expired.amount == D(0)
    assert expired.reason == "expired on 2026-06-30"


def test_discretionary_limit_covers_a_buyer_never_ruled_on():
    position = cover_with_discretionary(decisions=[], on=AS_OF, policy=POLICY)
    assert (position.amount, position.source) == (D(15000), "discretionary")


def test_discretionary_limit_never_covers_a_refused_or_ineligible_buyer():
    refused = [decision(CoverStatus.REFUSED, 0, date(2026, 1, 1))]
    assert cover_with_discretionary(decisions=refused, on=AS_OF, policy=POLICY).amount == D(0)
    assert cover_with_discretionary(decisions=[], on=AS_OF, policy=POLICY, eligible=False).amount == D(0)


def test_uncovered_exposure_is_the_part_above_cover():
    assert uncovered_exposure(exposure=D(45000), cover=D(30000)) == D(15000)
    assert uncovered_exposure(exposure=D(20000), cover=D(30000)) == D(0)


def test_buyer_cover_shows_usage_of_cover():
    result = buyer_cover(
        buyer_id="B1",
        exposure=D(45000),
        decisions=[decision(CoverStatus.APPROVED, 30000, date(2026, 1, 1))],
        on=AS_OF,
    )
    assert (result.uncovered, result.usage) == (D(15000), D("1.5"))


def test_buyer_cover_with_policy_uses_the_discretionary_limit():
    result = buyer_cover(buyer_id="B1", exposure=D(20000), decisions=[], on=AS_OF, policy=POLICY)
    assert result.uncovered == D(5000)


@pytest.mark.parametrize(
    ("due", "days", "deadline"),
    [
        (date(2024, 1, 31), 60, date(2024, 3, 31)),  # leap February
        (date(2025, 1, 31), 60, date(2025, 4, 1)),
        (date(2023, 12, 31), 60, date(2024, 2, 29)),
        (date(2024, 12, 31), 60, date(2025, 3, 1)),
        (date(2024, 11, 30), 90, date(2025, 2, 28)),
        (date(2027, 12, 1), 90, date(2028, 2, 29)),
    ],
)
def test_declaration_deadline_across_month_ends_and_leap_years(due, days, deadline):
    policy = InsurancePolicy(insurer="X", number="1", declaration_deadline_days=days)
    assert declaration_deadline(original_due_date=due, policy=policy) == deadline


def test_overdue_declarations_list_each_overdue_invoice_most_urgent_first():
    invoices = [
        InsuredInvoice(
            reference="F3", original_due_date=date(2026, 6, 30), open_amount=D(100)
        ),  # due today: not overdue yet
        InsuredInvoice(reference="F2", original_due_date=date(2026, 5, 20), open_amount=D(200)),
        InsuredInvoice(reference="F1", original_due_date=date(2026, 4, 10), open_amount=D(300)),
        InsuredInvoice(reference="F0", original_due_date=date(2026, 4, 1), open_amount=D(0)),  # paid
        InsuredInvoice(reference="F4", original_due_date=date(2026, 6, 10), open_amount=D(50)),
    ]
    due = overdue_declarations(invoices=invoices, policy=POLICY, as_of=AS_OF)
    assert [(d.reference, d.deadline, d.days_left, d.status) for d in due] == [
        ("F1", date(2026, 6, 9), -21, DeclarationStatus.LATE),
        ("F2", date(2026, 7, 19), 19, DeclarationStatus.PENDING),
        ("F4", date(2026, 8, 9), 40, DeclarationStatus.PENDING),
    ]


def test_declaration_due_soon_within_the_warning_window():
    (due,) = overdue_declarations(
        invoices=[InsuredInvoice(reference="F", original_due_date=date(2026, 5, 15), open_amount=D(1))],
        policy=POLICY,
        as_of=AS_OF,
    )
    assert (due.days_left, due.status) == (14, DeclarationStatus.DUE_SOON)


def test_customer_deadline_is_that_of_its_oldest_overdue_invoice():
    invoices = [
        InsuredInvoice(reference="F2", original_due_date=date(2026, 5, 20), open_amount=D(200)),
        InsuredInvoice(reference="F1", original_due_date=date(2026, 5, 2), open_amount=D(300)),
    ]
    due = customer_declaration_deadline(invoices=invoices, policy=POLICY, as_of=AS_OF)
    assert due is not None
    assert (due.reference, due.deadline) == ("F1", date(2026, 7, 1))
    assert customer_declaration_deadline(invoices=[], policy=POLICY, as_of=AS_OF) is None


def test_extension_within_the_maximum_extension_period():
    assert extension_within_policy(original_due_date=date(2026, 1, 31), new_due_date=date(2026, 4, 1), policy=POLICY)
    assert not extension_within_policy(
        original_due_date=date(2026, 1, 31), new_due_date=date(2026, 4, 2), policy=POLICY
    )


def test_expected_indemnity_is_covered_loss_times_indemnity_rate():
    estimate = expected_indemnity(loss=D(50000), cover=D(40000), policy=POLICY)
    assert estimate.covered_loss == D(40000)
    assert estimate.indemnity == D("36000.00")
    assert estimate.reasons[-1] == "€40,000.00 covered × 90% = €36,000.00"


def test_recoveries_reduce_the_loss_before_cover():
    estimate = expected_indemnity(loss=D(50000), cover=D(40000), policy=POLICY, recoveries=D(15000))
    assert estimate.indemnity == D("31500.00")  # (50 000 − 15 000) × 90 %


def test_loss_under_the_non_qualifying_threshold_is_not_covered():
    estimate = expected_indemnity(loss=D("999.99"), cover=D(40000), policy=POLICY)
    assert estimate.indemnity == D(0)
    assert "under the non-qualifying threshold €1,000.00: not covered" in estimate.reasons
    assert expected_indemnity(loss=D(1000), cover=D(40000), policy=POLICY).indemnity == D("900.00")


def test_indemnity_is_payable_at_insolvency_or_after_the_waiting_period():
    at_insolvency = expected_indemnity(loss=D(1), cover=D(1), policy=POLICY, insolvency_on=date(2026, 3, 1))
    assert at_insolvency.payable_from == date(2026, 3, 1)
    protracted = expected_indemnity(loss=D(1), cover=D(1), policy=POLICY, waiting_starts_on=date(2026, 3, 1))
    assert protracted.payable_from == date(2026, 7, 29)  # + 150 days


def position(amount, status=CoverStatus.APPROVED):
    return CoverPosition(
        on=AS_OF, amount=D(amount), decision=decision(status, amount, date(2026, 1, 1)), source="decision", reason=""
    )


def test_cover_increase_is_proposed_when_exposure_reaches_the_trigger():
    proposal = propose_cover_increase(buyer_id="B1", exposure=D(29000), cover=position(30000))
    # 29 000 uses 97 % of 30 000; 29 000 × 1.25 = 36 250 → next 5 000
    assert proposal.triggered
    assert proposal.proposed_amount == D("40000.00")
    assert proposal.reason == (
        "exposure €29,000.00 (97% of cover €30,000.00) + 25% headroom = €36,250.00, rounded up to €40,000.00"
    )


def test_cover_increase_exact_multiple_is_not_rounded_further():
    assert propose_cover_increase(buyer_id="B1", exposure=D(28000), cover=position(30000)).proposed_amount == D(35000)


def test_no_cover_increase_below_the_trigger():
    proposal = propose_cover_increase(buyer_id="B1", exposure=D(20000), cover=position(30000))
    assert not proposal.triggered
    assert proposal.reason == "exposure uses 67% of cover, below the 90% trigger"


def test_first_cover_request_for_a_buyer_without_cover():
    none = CoverPosition(on=AS_OF, amount=D(0), decision=None, source="none", reason="")
    proposal = propose_cover_increase(buyer_id="B1", exposure=D(12000), cover=none)
    assert proposal.proposed_amount == D(15000)


def test_no_automatic_request_after_a_refusal():
    proposal = propose_cover_increase(buyer_id="B1", exposure=D(12000), cover=position(0, CoverStatus.REFUSED))
    assert not proposal.triggered
    assert proposal.reason == "insurer refused this buyer: a new request needs new information"


def test_projected_exposure_can_trigger_the_request():
    proposal = propose_cover_increase(
        buyer_id="B1", exposure=D(10000), cover=position(30000), projected_exposure=D(40000)
    )
    assert proposal.proposed_amount == D(50000)


def test_configurable_trigger_still_asks_for_more_than_current_cover():
    rule = CoverIncreaseRule(trigger_share=D("0.5"), headroom_share=D(0))
    proposal = propose_cover_increase(buyer_id="B1", exposure=D(16000), cover=position(30000), rule=rule)
    assert proposal.proposed_amount == D(35000)


amounts = st.decimals(min_value=0, max_value=10**9, places=2)


@given(exposure=amounts, cover=amounts)
def test_uncovered_is_never_negative_nor_above_exposure(exposure, cover):
    uncovered = uncovered_exposure(exposure=exposure, cover=cover)
    assert D(0) <= uncovered <= exposure
    assert uncovered + min(exposure, cover) == exposure


@given(exposure=st.decimals(min_value=1, max_value=10**8, places=2), cover=amounts)
def test_a_proposed_cover_exceeds_current_cover_and_exposure_on_a_step(exposure, cover):
    proposal = propose_cover_increase(buyer_id="B1", exposure=exposure, cover=position(cover))
    if proposal.triggered:
        assert proposal.proposed_amount is not None
        assert proposal.proposed_amount > cover
        assert proposal.proposed_amount >= exposure
        assert proposal.proposed_amount % 5000 == 0
