from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encours.core.errors import ValidationFailed
from encours.core.payer import (
    OpenItem,
    PayerScale,
    PaymentExperience,
    PortfolioPayer,
    TrendDirection,
    add_months,
    compare_payer,
    payer_benchmarks,
    payer_index,
    payer_index_trend,
)

D = Decimal
AS_OF = date(2026, 6, 30)


def paid(amount, due, days_late, reference="F"):
    return PaymentExperience(
        reference=reference, amount=D(amount), due_date=due, paid_on=due + timedelta(days=days_late)
    )


@pytest.mark.parametrize(
    ("days_late", "score"),
    [
        (-60, D(100)),
        (-30, D(100)),
        (-15, D(90)),
        (-10, D(90) - D(10) * D(5) / D(15)),
        (0, D(80)),
        (10, D(80) - D(10) * D(10) / D(15)),
        (15, D(70)),
        (45, D(45)),
        (120, D(20)),
        (200, D(0)),
    ],
)
def test_payment_score_follows_the_paydex_like_curve(days_late, score):
    assert PayerScale().score(days_late) == score


def test_grace_days_count_a_slightly_late_payment_as_on_time():
    scale = PayerScale(grace_days=3)
    assert scale.score(3) == D(80)
    assert scale.score(4) == D(80) - D(4) * D(10) / D(15)


def test_payer_index_is_amount_weighted():
    history = [paid(1000, date(2026, 3, 31), 0), paid(3000, date(2026, 4, 30), 30)]
    index = payer_index(experiences=history, as_of=AS_OF)
    assert index.value == D("57.5")  # (1000 × 80 + 3000 × 50) / 4000
    assert index.amount == D(4000)
    assert index.on_time_share == D("0.25")


def test_payer_index_rounds_to_one_decimal():
    history = [paid(1, date(2026, 3, 31), 0), paid(2, date(2026, 3, 31), 15)]
    assert payer_index(experiences=history, as_of=AS_OF).value == D("73.3")  # (80 + 140) / 3


def test_payer_index_window_is_the_trailing_twelve_months():
    history = [
        PaymentExperience(reference="old", amount=D(100), due_date=date(2025, 6, 1), paid_on=date(2025, 6, 30)),
        PaymentExperience(reference="new", amount=D(100), due_date=date(2025, 7, 1), paid_on=date(2025, 7, 1)),
    ]
    index = payer_index(experiences=history, as_of=AS_OF)
    assert index.window_start == date(2025, 7, 1)
    assert [e.reference for e in index.experiences] == ["new"]
    assert index.value == D(80)


def test_payer_index_ignores_payments_after_as_of_when_they_were_not_yet_due():
    history = [paid(100, date(2026, 7, 15), 0)]
    index = payer_index(experiences=history, as_of=AS_OF)
    assert index.value is None
    assert index.reason == "no payment between 2025-07-01 and 2026-06-30"


def test_open_overdue_items_count_as_late_as_they_are_today():
    items = [
        OpenItem(reference="F9", open_amount=D(1000), due_date=date(2026, 5, 31)),
        OpenItem(reference="F10", open_amount=D(500), due_date=date(2026, 7, 31)),
    ]
    index = payer_index(experiences=[paid(1000, date(2026, 4, 30), 0)], open_items=items, as_of=AS_OF)
    assert index.value == D(65)  # (1000 × 80 + 1000 × 50 [30 days late]) / 2000
    assert [e.paid_on for e in index.experiences] == [date(2026, 4, 30), None]


def test_a_payment_made_after_as_of_counts_as_open_overdue_on_as_of():
    index = payer_index(experiences=[paid(100, date(2026, 5, 31), 60)], as_of=AS_OF)
    assert index.experiences[0].days_late == 30
    assert index.value == D(50)


def test_open_overdue_items_can_be_left_out():
    items = [OpenItem(reference="F9", open_amount=D(1000), due_date=date(2026, 5, 31))]
    scale = PayerScale(count_open_overdue=False)
    index = payer_index(experiences=[paid(100, date(2026, 4, 30), 0)], open_items=items, as_of=AS_OF, scale=scale)
    assert index.value == D(80)


def test_weighted_days_late_counts_early_payments_as_negative():
    history = [paid(100, date(2026, 3, 31), -10), paid(100, date(2026, 3, 31), 30)]
    assert payer_index(experiences=history, as_of=AS_OF).weighted_days_late == D(10)


def test_payer_scale_must_score_a_payment_on_its_due_date_80():
    with pytest.raises(ValidationFailed):
        PayerScale(knots=((D(-10), D(100)), (D(0), D(70)), (D(30), D(0))))


def test_payer_scale_must_fall_as_days_late_grow():
    with pytest.raises(ValidationFailed):
        PayerScale(knots=((D(0), D(80)), (D(30), D(90))))


def test_payment_experience_rejects_a_non_positive_amount():
    with pytest.raises(ValidationFailed):
        paid(0, date(2026, 1, 31), 0)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 6, 30), -12, date(2025, 6, 30)),
    ],
)
def test_add_months_clamps_to_the_end_of_shorter_months(day, months, expected):
    assert add_months(day, months) == expected


def monthly_history():
    """1 000 due each month end from July 2024; on time until December 2025, then 45 days late."""
    history = []
    for back in range(24, 0, -1):
        due = add_months(date(2026, 6, 30), -back + 1)
        due = date(due.year, due.month, 1) + timedelta(days=32)
        due = date(due.year, due.month, 1) - timedelta(days=1)
        history.append(paid(1000, due, 0 if due <= date(2025, 12, 31) else 45, due.isoformat()))
    return history


def test_trend_has_a_point_per_month_end_and_ends_on_as_of():
    trend = payer_index_trend(experiences=monthly_history(), as_of=AS_OF)
    assert len(trend.points) == 24
    assert trend.points[0].on == date(2024, 7, 31)
    assert trend.points[-2].on == date(2026, 5, 31)
    assert trend.points[-1].on == AS_OF


def test_trend_reads_the_index_as_it_stood_each_month():
    trend = payer_index_trend(experiences=monthly_history(), as_of=AS_OF)
    assert {p.on: p.value for p in trend.points}[date(2025, 12, 31)] == D(80)
    # 6 on-time (80), 4 paid 45 days late (45), due 31 May open 30 days on as_of (50): 710 / 11
    assert trend.latest == D("64.5")


def test_trend_of_a_customer_paying_later_and_later_is_deteriorating():
    trend = payer_index_trend(experiences=monthly_history(), as_of=AS_OF)
    assert trend.slope_per_month is not None and trend.slope_per_month < 0
    assert trend.change_over_year == D("-15.5")  # 64.5 now against 80 on 30 June 2025
    assert trend.direction is TrendDirection.DETERIORATING


def test_trend_of_a_steady_payer_is_stable():
    history = [paid(100, add_months(date(2024, 6, 15), m), 0) for m in range(24)]
    trend = payer_index_trend(experiences=history, as_of=AS_OF)
    assert trend.slope_per_month == D(0)
    assert trend.change_over_year == D(0)
    assert trend.direction is TrendDirection.STABLE


def test_trend_of_a_payer_paying_earlier_is_improving():
    history = [paid(100, add_months(date(2024, 6, 15), m), 0 if m < 12 else -30) for m in range(24)]
    trend = payer_index_trend(experiences=history, as_of=AS_OF)
    assert trend.latest == D(100)
    assert trend.direction is TrendDirection.IMPROVING


def test_average_before_latest_takes_the_three_previous_month_ends():
    trend = payer_index_trend(experiences=monthly_history(), as_of=AS_OF)
    previous = [p.value for p in trend.points[-4:-1]]
    assert trend.average_before_latest() == (sum(previous, D(0)) / 3).quantize(D("0.1"))


def test_trend_without_history_has_no_slope():
    trend = payer_index_trend(experiences=[], as_of=AS_OF)
    assert trend.slope_per_month is None
    assert trend.change_over_year is None
    assert trend.direction is None
    assert trend.average_before_latest() is None


PORTFOLIO = [
    PortfolioPayer(customer_id="A", naf_code="47.11D", index=D(80), amount=D(1000)),
    PortfolioPayer(customer_id="B", naf_code="4721Z", index=D(60), amount=D(3000)),
    PortfolioPayer(customer_id="C", naf_code="47.30Z", index=None, amount=D(0)),
    PortfolioPayer(customer_id="D", naf_code="10.11Z", index=D(90), amount=D(500)),
]


def test_sector_average_is_amount_weighted_over_rated_customers_of_the_division():
    sector = payer_benchmarks(portfolio=PORTFOLIO).sector("47")
    assert sector is not None
    assert (sector.average, sector.median, sector.customers) == (D(65), D(70), 2)


def test_portfolio_average_covers_every_rated_customer():
    portfolio = payer_benchmarks(portfolio=PORTFOLIO).portfolio
    assert portfolio.average == D("67.8")  # (80 000 + 180 000 + 45 000) / 4 500
    assert portfolio.median == D(80)


def test_compare_payer_gives_the_gap_to_sector_and_portfolio():
    comparison = compare_payer(
        customer=PORTFOLIO[0], benchmarks=payer_benchmarks(portfolio=PORTFOLIO), min_sector_customers=2
    )
    assert comparison.division == "47"
    assert comparison.versus_sector == D(15)
    assert comparison.versus_portfolio == D("12.2")
    assert comparison.reason is None


def test_compare_payer_withholds_a_sector_of_too_few_customers():
    comparison = compare_payer(customer=PORTFOLIO[0], benchmarks=payer_benchmarks(portfolio=PORTFOLIO))
    assert comparison.sector is None
    assert comparison.versus_sector is None
    assert comparison.reason == "only 2 rated customer(s) in NAF division 47: too few to compare"


def test_compare_payer_without_a_valid_naf_code_says_so():
    customer = PortfolioPayer(customer_id="X", naf_code="not a code", index=D(70), amount=D(10))
    comparison = compare_payer(customer=customer, benchmarks=payer_benchmarks(portfolio=[customer]))
    assert comparison.division is None
    assert comparison.reason == "no valid NAF code: no sector to compare with"


experiences = st.builds(
    PaymentExperience,
    reference=st.just("F"),
    amount=st.decimals(min_value=D("0.01"), max_value=10**7, places=2),
    due_date=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 6, 30)),
    paid_on=st.dates(min_value=date(2025, 7, 1), max_value=date(2026, 6, 30)),
)


@given(st.lists(experiences, min_size=1, max_size=30))
def test_payer_index_stays_within_0_and_100(history):
    index = payer_index(experiences=history, as_of=AS_OF)
    assert index.value is not None
    assert D(0) <= index.value <= D(100)


@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=D("0.01"), max_value=10**7, places=2),
            st.dates(min_value=date(2025, 7, 1), max_value=AS_OF),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_payer_index_is_80_when_everything_is_paid_on_time(payments):
    history = [PaymentExperience(reference="F", amount=amount, due_date=day, paid_on=day) for amount, day in payments]
    assert payer_index(experiences=history, as_of=AS_OF).value == D(80)


@given(st.lists(experiences, min_size=1, max_size=20), st.integers(min_value=1, max_value=60))
def test_paying_earlier_never_lowers_the_index(history, advance):
    earlier = [
        PaymentExperience(
            reference=e.reference, amount=e.amount, due_date=e.due_date, paid_on=e.paid_on - timedelta(days=advance)
        )
        for e in history
    ]
    baseline = payer_index(experiences=history, as_of=AS_OF)
    improved = payer_index(experiences=earlier, as_of=AS_OF)
    # Only compare the same payments: moving one before the window drops it from the index.
    if len(improved.experiences) == len(baseline.experiences):
        assert improved.value is not None and baseline.value is not None
        assert improved.value >= baseline.value
