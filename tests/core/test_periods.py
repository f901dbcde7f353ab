from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encours.core.errors import EncoursError
from encours.core.periods import (
    Month,
    Period,
    add_months,
    calendar_months_period,
    month_ends_between,
    trailing_window,
)

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


def test_month_days_follow_leap_years():
    assert Month(year=2024, month=2).days == 29
    assert Month(year=2026, month=2).days == 28
    assert Month(year=2100, month=2).days == 28


def test_month_shifted_crosses_year_boundaries_both_ways():
    assert Month(year=2026, month=1).shifted(-1) == Month(year=2025, month=12)
    assert Month(year=2026, month=11).shifted(3) == Month(year=2027, month=2)
    assert Month(year=2026, month=10).shifted(-22) == Month(year=2024, month=12)


def test_month_rejects_a_thirteenth_month():
    with pytest.raises(EncoursError):
        Month(year=2026, month=13)


def test_months_order_chronologically():
    assert sorted([Month(year=2026, month=1), Month(year=2025, month=12), Month(year=2025, month=2)]) == [
        Month(year=2025, month=2),
        Month(year=2025, month=12),
        Month(year=2026, month=1),
    ]


def test_add_months_clamps_to_the_end_of_a_shorter_month():
    assert add_months(day=date(2026, 1, 31), months=1) == date(2026, 2, 28)
    assert add_months(day=date(2024, 3, 31), months=-1) == date(2024, 2, 29)
    assert add_months(day=date(2026, 5, 15), months=-12) == date(2025, 5, 15)


def test_calendar_months_period_for_three_months_to_october_end_is_92_days():
    period = calendar_months_period(as_of=date(2026, 10, 31), months=3)
    assert (period.start, period.end, period.days) == (date(2026, 8, 1), date(2026, 10, 31), 92)


def test_calendar_months_period_stops_at_a_mid_month_as_of():
    period = calendar_months_period(as_of=date(2026, 10, 15), months=3)
    # Aug 31 + Sep 30 + Oct 1..15
    assert (period.start, period.days) == (date(2026, 8, 1), 76)


def test_calendar_months_period_of_one_month_starts_on_the_first():
    assert calendar_months_period(as_of=date(2026, 2, 10), months=1) == Period(
        start=date(2026, 2, 1), end=date(2026, 2, 10)
    )


def test_calendar_months_period_refuses_zero_months():
    with pytest.raises(EncoursError):
        calendar_months_period(as_of=date(2026, 10, 31), months=0)


def test_trailing_window_of_twelve_months_to_a_month_end_is_the_calendar_year_before():
    window = trailing_window(as_of=date(2026, 10, 31), months=12)
    assert (window.start, window.end) == (date(2025, 11, 1), date(2026, 10, 31))


def test_trailing_window_to_november_30_starts_on_september_1():
    assert trailing_window(as_of=date(2026, 11, 30), months=3).start == date(2026, 9, 1)


def test_trailing_window_mid_month_starts_the_day_after_the_same_day():
    assert trailing_window(as_of=date(2026, 10, 15), months=3).start == date(2026, 7, 16)


def test_period_months_lists_every_touched_month():
    period = Period(start=date(2025, 11, 20), end=date(2026, 2, 3))
    assert period.months() == (
        Month(year=2025, month=11),
        Month(year=2025, month=12),
        Month(year=2026, month=1),
        Month(year=2026, month=2),
    )


def test_period_refuses_an_end_before_its_start():
    with pytest.raises(EncoursError):
        Period(start=date(2026, 2, 1), end=date(2026, 1, 31))


def test_period_contains_both_ends_and_nothing_outside():
    period = Period(start=date(2026, 1, 1), end=date(2026, 1, 31))
    assert date(2026, 1, 1) in period
    assert date(2026, 1, 31) in period
    assert date(2026, 2, 1) not in period
    assert "2026-01-15" not in period


def test_month_ends_between_lists_month_ends_inside_the_range():
    assert month_ends_between(start=date(2026, 1, 31), end=date(2026, 3, 31)) == (
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
    )


def test_month_ends_between_can_close_the_series_on_a_mid_month_end():
    assert month_ends_between(start=date(2026, 1, 1), end=date(2026, 2, 10), include_end=True) == (
        date(2026, 1, 31),
        date(2026, 2, 10),
    )


def test_month_ends_between_does_not_repeat_an_end_that_is_a_month_end():
    assert month_ends_between(start=date(2026, 2, 1), end=date(2026, 2, 28), include_end=True) == (date(2026, 2, 28),)


def test_month_ends_between_within_one_month_without_its_end_is_empty():
    assert month_ends_between(start=date(2026, 2, 2), end=date(2026, 2, 20)) == ()


@given(day=days, months=st.integers(min_value=1, max_value=36))
def test_calendar_months_period_spans_exactly_the_requested_months(day, months):
    period = calendar_months_period(as_of=day, months=months)
    assert len(period.months()) == months
    assert period.start.day == 1
    assert period.end == day


@given(day=days, months=st.integers(min_value=1, max_value=36))
def test_trailing_window_ends_on_as_of_and_lasts_about_the_months_requested(day, months):
    window = trailing_window(as_of=day, months=months)
    assert window.end == day
    assert 28 * months - 3 <= window.days <= 31 * months + 1


@given(start=days, length=st.integers(min_value=0, max_value=800))
def test_month_ends_between_are_increasing_month_ends_within_range(start, length):
    end = start + timedelta(days=length)
    ends = month_ends_between(start=start, end=end)
    assert all(start <= e <= end and (e + timedelta(days=1)).day == 1 for e in ends)
    assert list(ends) == sorted(set(ends))
