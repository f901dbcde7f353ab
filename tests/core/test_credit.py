import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encours.core.credit import (
    CheckCode,
    CreditCheckPolicy,
    CreditLimit,
    CreditProfile,
    Decision,
    Guarantee,
    GuaranteeKind,
    GuaranteePolicy,
    LimitPolicy,
    compute_exposure,
    consolidate_exposures,
    credit_check,
    current_limit,
    recommended_credit_limit,
)
from encours.core.errors import InvalidAmount, ValidationFailed
from encours.core.grading import LegalEvent, LegalEventKind
from encours.core.payer import OpenItem

D = Decimal
AS_OF = date(2026, 6, 30)


def exposure(open_ar="40000", orders="15000", deliveries="5000", guarantees=(), **kwargs):
    return compute_exposure(
        open_ar=D(open_ar), open_orders=D(orders), uninvoiced_deliveries=D(deliveries),
        guarantees=guarantees, as_of=AS_OF, **kwargs,
    )  # fmt: skip


def test_exposure_adds_ar_orders_and_uninvoiced_deliveries():
    result = exposure()
    assert result.gross == D("60000.00")
    assert result.net == D("60000.00")
    assert result.guarantee_deduction == D(0)


def test_guarantees_in_force_are_deducted_from_net_exposure():
    guarantees = (
        Guarantee(kind=GuaranteeKind.BANK_GUARANTEE, amount=D(20000), expires_on=AS_OF),
        Guarantee(kind=GuaranteeKind.DEPOSIT, amount=D(5000)),
    )
    result = exposure(guarantees=guarantees)
    assert result.guarantee_deduction == D("25000.00")
    assert result.net == D("35000.00")


def test_expired_and_not_yet_valid_guarantees_are_not_deducted():
    guarantees = (
        Guarantee(kind=GuaranteeKind.LETTER_OF_CREDIT, amount=D(20000), expires_on=AS_OF - timedelta(days=1)),
        Guarantee(kind=GuaranteeKind.BANK_GUARANTEE, amount=D(10000), valid_from=AS_OF + timedelta(days=1)),
    )
    result = exposure(guarantees=guarantees)
    assert result.guarantees_in_force == ()
    assert result.net == D("60000.00")


def test_net_exposure_never_goes_below_zero():
    result = exposure(guarantees=(Guarantee(kind=GuaranteeKind.DEPOSIT, amount=D(100000)),))
    assert result.net == D(0)


def test_guarantee_policy_can_recognise_part_of_a_parent_guarantee():
    policy = GuaranteePolicy(recognised_share=((GuaranteeKind.PARENT_GUARANTEE, D("0.5")),))
    result = exposure(
        guarantees=(Guarantee(kind=GuaranteeKind.PARENT_GUARANTEE, amount=D(30000)),), guarantee_policy=policy
    )
    assert result.guarantee_deduction == D("15000.00")


def test_negative_guarantee_is_refused():
    with pytest.raises(InvalidAmount):
        Guarantee(kind=GuaranteeKind.DEPOSIT, amount=D(-1))


def test_group_exposure_sums_its_members():
    first = exposure(guarantees=(Guarantee(kind=GuaranteeKind.DEPOSIT, amount=D(100000)),))
    second = exposure(open_ar="1000", orders="0", deliveries="0")
    group = consolidate_exposures(exposures=[first, second], as_of=AS_OF)
    assert group.gross == D("61000.00")
    assert group.net == D("1000.00")  # the first member's surplus guarantee does not cover the second


def test_group_exposure_refuses_mixed_currencies():
    with pytest.raises(InvalidAmount):
        consolidate_exposures(exposures=[exposure(), exposure(currency="USD")], as_of=AS_OF)


def test_current_limit_is_the_latest_decision_up_to_as_of():
    limits = [
        CreditLimit(amount=D(50000), approved_on=date(2025, 1, 10), approved_by="cm"),
        CreditLimit(amount=D(80000), approved_on=date(2026, 2, 1), approved_by="cfo"),
        CreditLimit(amount=D(90000), approved_on=date(2026, 7, 1), approved_by="cfo"),
    ]
    assert current_limit(limits=limits, as_of=AS_OF) == limits[1]
    assert current_limit(limits=limits, as_of=date(2024, 1, 1)) is None


def test_limit_expires_the_day_after_its_last_day():
    limit = CreditLimit(amount=D(1), approved_on=date(2026, 1, 1), approved_by="cm", expires_on=AS_OF)
    assert not limit.is_expired(AS_OF)
    assert limit.is_expired(AS_OF + timedelta(days=1))


def recommend(**overrides):
    arguments = {
        "grade": "B", "buyer_equity": D(2_000_000), "buyer_revenue": D(10_000_000),
        "monthly_sales": D(30000), "terms_days": 60, "expected_days_late": D(15),
    }  # fmt: skip
    return recommended_credit_limit(**{**arguments, **overrides})


def test_recommended_limit_follows_the_need_when_the_buyer_is_large():
    result = recommend()
    # need = 30 000 × 12 × (60 + 15) / 365 = 73 972.60; × 1.25 (grade B) = 92 465.75 → 92 000
    assert result.need == D("73972.60")
    assert result.binding == "need"
    assert result.amount == D("92000.00")
    assert dict(result.caps) == {
        "need": D("92465.75"),
        "15% of equity": D("300000.00"),
        "4% of revenue": D("400000.00"),
        "grade B maximum": D("500000.00"),
    }


def test_recommended_limit_is_capped_by_a_share_of_equity():
    result = recommend(grade="C", buyer_equity=D(300_000))
    assert result.binding == "10% of equity"
    assert result.amount == D("30000.00")


def test_recommended_limit_is_zero_for_negative_equity():
    result = recommend(buyer_equity=D(-50_000))
    assert result.amount == D(0)
    assert "negative or zero equity: no unsecured credit on the buyer's size" in result.explanation


def test_recommended_limit_without_financials_uses_the_policy_cap():
    result = recommend(buyer_equity=None, buyer_revenue=None, monthly_sales=D(100_000))
    assert result.binding == "no financial statement"
    assert result.amount == D("20000.00")


def test_recommended_limit_for_grade_e_is_zero():
    assert recommend(grade="E").amount == D(0)


def test_recommended_limit_for_an_ungraded_buyer_uses_the_ungraded_rule():
    result = recommend(grade=None, monthly_sales=D(100_000))
    assert result.binding == "grade - maximum"
    assert result.amount == D("10000.00")


def test_early_payment_does_not_shorten_the_need_below_terms():
    assert recommend(expected_days_late=D(-10)).days_of_sales == D(60)


def test_policy_maximum_caps_every_grade():
    result = recommend(grade="A", policy=LimitPolicy(absolute_max=D(25_000)))
    assert result.binding == "policy maximum"
    assert result.amount == D("25000.00")


def test_limit_policy_refuses_grade_maxima_that_rise():
    with pytest.raises(ValidationFailed):
        grade_e, grade_a = LimitPolicy().rules[4], LimitPolicy().rules[0]
        LimitPolicy(rules=(grade_e, grade_a))


def profile(**overrides):
    arguments = {
        "customer_id": "C1",
        "exposure": D(40000),
        "limit": CreditLimit(
            amount=D(50000), approved_on=date(2026, 1, 5), approved_by="cm", expires_on=date(2026, 12, 31)
        ),
    }
    return CreditProfile(**{**arguments, **overrides})


def test_order_within_limit_is_approved_with_its_headroom():
    decision = credit_check(profile=profile(), order_amount=D(8000), as_of=AS_OF)
    assert decision.outcome is Decision.APPROVE
    assert decision.headroom_after == D(2000)
    assert decision.reasons[0].code is CheckCode.WITHIN_LIMIT
    assert decision.reasons[0].message == "exposure after order €48,000.00, limit €50,000.00"


def test_order_over_limit_is_held_with_the_excess():
    decision = credit_check(profile=profile(), order_amount=D(12000), as_of=AS_OF)
    assert decision.outcome is Decision.HOLD
    assert decision.headroom_after == D(-2000)
    assert decision.reasons[0].message.endswith("over limit by €2,000.00")


def test_over_limit_within_tolerance_is_approved():
    policy = CreditCheckPolicy(over_limit_tolerance=D("0.05"))
    decision = credit_check(profile=profile(), order_amount=D(12000), as_of=AS_OF, policy=policy)
    assert decision.outcome is Decision.APPROVE
    assert decision.reasons[0].code is CheckCode.WITHIN_TOLERANCE


def test_far_over_limit_is_rejected_when_the_policy_says_so():
    policy = CreditCheckPolicy(reject_over_limit_share=D("0.02"))
    decision = credit_check(profile=profile(), order_amount=D(12000), as_of=AS_OF, policy=policy)
    assert decision.outcome is Decision.REJECT


def test_zero_limit_with_rejection_share_rejects_any_order():
    zero = CreditLimit(amount=D(0), approved_on=date(2026, 1, 5), approved_by="cm")
    policy = CreditCheckPolicy(reject_over_limit_share=D("0.5"))
    decision = credit_check(profile=profile(limit=zero, exposure=D(0)), order_amount=D(1), as_of=AS_OF, policy=policy)
    assert decision.outcome is Decision.REJECT


def test_customer_without_limit_is_held():
    decision = credit_check(profile=profile(limit=None), order_amount=D(1), as_of=AS_OF)
    assert decision.outcome is Decision.HOLD
    assert decision.reasons[0].code is CheckCode.NO_LIMIT


def test_expired_limit_holds_the_order():
    expired = CreditLimit(amount=D(50000), approved_on=date(2025, 1, 5), approved_by="cm", expires_on=date(2026, 6, 29))
    decision = credit_check(profile=profile(limit=expired), order_amount=D(1), as_of=AS_OF)
    assert decision.outcome is Decision.HOLD
    assert decision.reasons[0].message == "credit limit expired on 2026-06-29"


def test_blocked_customer_is_rejected_with_the_block_reason():
    decision = credit_check(profile=profile(blocked=True, block_reason="litigation"), order_amount=D(1), as_of=AS_OF)
    assert decision.outcome is Decision.REJECT
    assert decision.reasons[0].message == "customer blocked: litigation"


def test_insolvency_rejects_the_order():
    event = LegalEvent(kind=LegalEventKind.LIQUIDATION, published_on=date(2026, 6, 1))
    decision = credit_check(profile=profile(insolvency=event), order_amount=D(1), as_of=AS_OF)
    assert decision.outcome is Decision.REJECT
    assert decision.reasons[0].message == "insolvency proceeding (liquidation) published 2026-06-01"


@pytest.mark.parametrize(
    ("days_overdue", "outcome"),
    [
        (20, Decision.APPROVE),
        (30, Decision.APPROVE),
        (31, Decision.HOLD),
        (90, Decision.HOLD),
        (91, Decision.REJECT),
    ],
)
def test_overdue_beyond_n_days_holds_then_rejects(days_overdue, outcome):
    items = (OpenItem(reference="F1", open_amount=D(500), due_date=AS_OF - timedelta(days=days_overdue)),)
    assert credit_check(profile=profile(overdue_items=items), order_amount=D(1), as_of=AS_OF).outcome is outcome


def test_overdue_reason_gives_amount_and_oldest_age():
    items = (
        OpenItem(reference="F1", open_amount=D(500), due_date=AS_OF - timedelta(days=45)),
        OpenItem(reference="F2", open_amount=D(700), due_date=AS_OF - timedelta(days=60)),
        OpenItem(reference="F3", open_amount=D(900), due_date=AS_OF - timedelta(days=5)),
    )
    decision = credit_check(profile=profile(overdue_items=items), order_amount=D(1), as_of=AS_OF)
    assert decision.reasons[0].message == "€1,200.00 overdue more than 30 days (oldest 60 days)"


def test_small_overdue_within_tolerance_is_ignored():
    items = (OpenItem(reference="F1", open_amount=D(15), due_date=AS_OF - timedelta(days=120)),)
    policy = CreditCheckPolicy(overdue_tolerance=D(50))
    decision = credit_check(profile=profile(overdue_items=items), order_amount=D(1), as_of=AS_OF, policy=policy)
    assert decision.outcome is Decision.APPROVE


def test_every_reason_is_listed_most_severe_first():
    decision = credit_check(profile=profile(blocked=True), order_amount=D(20000), as_of=AS_OF)
    assert [(r.code, r.decision) for r in decision.reasons] == [
        (CheckCode.BLOCKED, Decision.REJECT),
        (CheckCode.OVER_LIMIT, Decision.HOLD),
    ]


def test_exposure_over_insured_cover_is_a_warning_by_default_and_can_hold():
    warned = credit_check(profile=profile(insured_cover=D(45000)), order_amount=D(8000), as_of=AS_OF)
    assert warned.outcome is Decision.APPROVE
    assert warned.reasons[-1].code is CheckCode.OVER_INSURED_COVER
    policy = CreditCheckPolicy(over_cover_decision=Decision.HOLD)
    held = credit_check(profile=profile(insured_cover=D(45000)), order_amount=D(8000), as_of=AS_OF, policy=policy)
    assert held.outcome is Decision.HOLD


def test_negative_order_amount_is_refused():
    with pytest.raises(InvalidAmount):
        credit_check(profile=profile(), order_amount=D(-1), as_of=AS_OF)


def test_credit_check_is_far_under_50_ms():
    items = tuple(
        OpenItem(reference=f"F{i}", open_amount=D(100), due_date=AS_OF - timedelta(days=i)) for i in range(50)
    )
    checked = profile(overdue_items=items, insured_cover=D(30000))
    start = time.perf_counter()
    for _ in range(1000):
        credit_check(profile=checked, order_amount=D(1234), as_of=AS_OF)
    assert (time.perf_counter() - start) / 1000 < 0.005


@given(
    gross=st.decimals(min_value=0, max_value=10**8, places=2),
    guarantee=st.decimals(min_value=0, max_value=10**8, places=2),
)
def test_net_exposure_is_between_zero_and_gross(gross, guarantee):
    result = exposure(
        open_ar=gross, orders="0", deliveries="0", guarantees=(Guarantee(kind=GuaranteeKind.DEPOSIT, amount=guarantee),)
    )
    assert D(0) <= result.net <= result.gross


@given(
    exposure_amount=st.decimals(min_value=0, max_value=10**7, places=2),
    order=st.decimals(min_value=0, max_value=10**7, places=2),
    blocked=st.booleans(),
    days=st.integers(min_value=0, max_value=200),
)
def test_outcome_is_the_most_severe_reason(exposure_amount, order, blocked, days):
    items = (OpenItem(reference="F", open_amount=D(10), due_date=AS_OF - timedelta(days=days)),)
    decision = credit_check(
        profile=profile(exposure=exposure_amount, blocked=blocked, overdue_items=items),
        order_amount=order,
        as_of=AS_OF,
    )
    severity = {Decision.APPROVE: 0, Decision.HOLD: 1, Decision.REJECT: 2}
    assert severity[decision.outcome] == max(severity[r.decision] for r in decision.reasons)
    assert (decision.outcome is Decision.REJECT) >= blocked
