"""Worklist priority: each factor by hand, the boosts, the sort, and the explanations."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encours.core.dunning.planner import OpenItem
from encours.core.errors import ValidationFailed
from encours.core.money import D
from encours.core.worklist import (
    WorklistCustomer,
    WorklistLine,
    WorklistWeights,
    overdue_profiles,
    rank_worklist,
)

AS_OF = date(2026, 3, 2)


def one(**kwargs: object) -> WorklistLine:
    fields: dict[str, object] = {"customer_id": 1, "name": "Acme", "overdue_amount": D("1000"), **kwargs}
    (line,) = rank_worklist(customers=[WorklistCustomer(**fields)])  # type: ignore[arg-type]
    return line


def factor(line: WorklistLine, name: str) -> Decimal:
    return next(c.factor for c in line.contributions if c.name == name)


def test_score_multiplies_amount_days_risk_and_weight() -> None:
    line = one(overdue_amount=D("12000"), days_late=D("45"), grade="C", is_strategic=True)
    # 12000 × (1 + 45/60 = 1.75) × 1.3 × 1.5 = 40950
    assert line.score == D("40950.00")


def test_days_factor_is_capped_at_180_days() -> None:
    line = one(days_late=D("400"))
    assert factor(line, "days late") == D("4.00")
    assert "capped" in line.contributions[1].explanation


def test_days_factor_is_one_for_an_amount_just_overdue() -> None:
    assert factor(one(days_late=D("0")), "days late") == D("1.00")


def test_risk_factor_from_a_probability_of_late_payment() -> None:
    assert factor(one(late_payment_probability=0.5), "risk") == D("1.50")  # 0.8 + 1.4 × 0.5


def test_risk_factor_averages_grade_and_probability() -> None:
    # grade C 1.3 and p = 0.25 → 0.8 + 0.35 = 1.15; mean 1.225 → 1.23
    assert factor(one(grade="C", late_payment_probability=0.25), "risk") == D("1.23")


def test_risk_factor_is_neutral_without_information() -> None:
    line = one()
    assert factor(line, "risk") == D("1.00")
    assert "neutral" in line.contributions[2].explanation


def test_grade_is_read_case_insensitively() -> None:
    assert factor(one(grade=" e "), "risk") == D("2.20")


def test_unknown_grade_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        one(grade="Z")


def test_probability_outside_zero_one_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        one(late_payment_probability=1.5)


def test_explicit_strategic_weight_is_kept_within_bounds() -> None:
    assert factor(one(strategic_weight=D("5")), "strategic weight") == D("2.00")
    assert factor(one(strategic_weight=D("0.1")), "strategic weight") == D("0.50")


def test_broken_promise_doubles_the_priority() -> None:
    line = one(broken_promises=1)
    assert line.score == D("2000.00")
    assert line.headline.startswith("broken promise")


def test_boosts_multiply_but_are_capped() -> None:
    line = one(broken_promises=1, promises_due_today=1, call_tasks_due=2)
    assert factor(line, "due today") == D("3.00")  # 2 × 1.5 × 1.5 = 4.5, capped at 3
    assert "capped" in line.contributions[4].explanation


def test_boost_cap_is_a_parameter() -> None:
    customer = WorklistCustomer(
        customer_id=1, name="Acme", overdue_amount=D("100"), broken_promises=1, promises_due_today=1, call_tasks_due=1
    )
    (line,) = rank_worklist(customers=[customer], weights=WorklistWeights(boost_cap=D("10")))
    assert factor(line, "due today") == D("4.50")


def test_worklist_is_sorted_by_score_then_amount_then_name() -> None:
    customers = [
        WorklistCustomer(customer_id=1, name="Zeta", overdue_amount=D("1000")),
        WorklistCustomer(customer_id=2, name="Alpha", overdue_amount=D("1000")),
        WorklistCustomer(customer_id=3, name="Big", overdue_amount=D("5000")),
        WorklistCustomer(customer_id=4, name="Late", overdue_amount=D("1000"), days_late=D("60")),
    ]
    lines = rank_worklist(customers=customers)
    assert [(line.rank, line.name) for line in lines] == [(1, "Big"), (2, "Late"), (3, "Alpha"), (4, "Zeta")]


def test_customers_with_nothing_to_do_are_left_out_but_a_due_call_stays() -> None:
    customers = [
        WorklistCustomer(customer_id=1, name="Paid up"),
        WorklistCustomer(customer_id=2, name="Call me", call_tasks_due=1),
    ]
    lines = rank_worklist(customers=customers)
    assert [(line.name, line.score) for line in lines] == [("Call me", D("0.00"))]


def test_worklist_can_be_filtered_by_collector_and_limited() -> None:
    customers = [
        WorklistCustomer(customer_id=i, name=f"C{i}", overdue_amount=D(1000 * i), collector_id=i % 2)
        for i in range(1, 7)
    ]
    lines = rank_worklist(customers=customers, collector_id=0, limit=2)
    assert [line.customer_id for line in lines] == [6, 4]


def test_explanation_lets_the_collector_recompute_the_score() -> None:
    line = one(overdue_amount=D("8000"), days_late=D("30"), grade="D", call_tasks_due=1)
    product = line.contributions[0].factor
    for contribution in line.contributions[1:]:
        product *= contribution.factor
    assert product.quantize(D("0.01")) == line.score == D("30600.00")  # 8000 × 1.5 × 1.7 × 1 × 1.5
    assert line.headline == "call due; 8000.00 EUR overdue, 30 days late on average, high risk (grade D → 1.7)"


def test_overdue_profiles_weigh_days_by_amount_and_leave_out_disputes_and_not_due() -> None:
    def item(item_id: int, days: int, amount: str, disputed: str = "0") -> OpenItem:
        return OpenItem(
            item_id=item_id,
            customer_id=1,
            number=str(item_id),
            document_date=AS_OF - timedelta(days=90),
            due_date=AS_OF - timedelta(days=days),
            open_amount=D(amount),
            disputed_amount=D(disputed),
        )

    items = [item(1, 10, "3000"), item(2, 50, "1000"), item(3, 80, "500", "500"), item(4, -5, "9000")]
    profile = overdue_profiles(items=items, as_of=AS_OF)[1]
    # (3000 × 10 + 1000 × 50) / 4000 = 20 days
    assert (profile.overdue_amount, profile.days_late, profile.oldest_days_late, profile.overdue_items) == (
        D("4000.00"),
        D("20.0"),
        50,
        2,
    )


@given(
    amount=st.decimals(min_value=D("0.01"), max_value=D("10000000"), places=2),
    extra=st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=2),
    days=st.decimals(min_value=D("0"), max_value=D("1000"), places=1),
    grade=st.none() | st.sampled_from("ABCDE"),
    probability=st.none() | st.floats(min_value=0, max_value=1),
    boosts=st.tuples(st.integers(0, 2), st.integers(0, 2), st.integers(0, 2)),
)
def test_factors_stay_within_bounds_and_more_overdue_never_lowers_priority(
    amount: Decimal,
    extra: Decimal,
    days: Decimal,
    grade: str | None,
    probability: float | None,
    boosts: tuple[int, int, int],
) -> None:
    common = {
        "days_late": days,
        "grade": grade,
        "late_payment_probability": probability,
        "broken_promises": boosts[0],
        "promises_due_today": boosts[1],
        "call_tasks_due": boosts[2],
    }
    line = one(overdue_amount=amount, **common)
    bigger = one(overdue_amount=amount + extra, **common)
    assert D("1") <= factor(line, "days late") <= D("4")
    assert D("0.8") <= factor(line, "risk") <= D("2.2")
    assert D("1") <= factor(line, "due today") <= D("3")
    assert bigger.score >= line.score >= 0
