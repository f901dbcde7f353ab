from datetime import date
from decimal import Decimal

import pytest

from encours.core.errors import ValidationFailed
from encours.core.forecast.accuracy import forecast_accuracy

WEEK1, WEEK2, WEEK3 = date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)


def test_accuracy_compares_each_closed_week_with_its_receipts():
    forecast = {WEEK1: Decimal("1000"), WEEK2: Decimal("500")}
    receipts = [
        (date(2026, 3, 3), Decimal("600")),
        (date(2026, 3, 8), Decimal("200")),
        (date(2026, 3, 12), Decimal("1000")),
    ]
    result = forecast_accuracy(forecast=forecast, receipts=receipts, as_of=WEEK3)
    assert [(w.forecast, w.actual, w.error) for w in result.weeks] == [
        (Decimal("1000"), Decimal("800"), Decimal("200")),
        (Decimal("500"), Decimal("1000"), Decimal("-500")),
    ]
    assert result.wape == pytest.approx(700 / 1800)
    assert result.mape == pytest.approx((200 / 800 + 500 / 1000) / 2)
    assert result.bias == pytest.approx(-300 / 1800)


def test_weeks_not_over_yet_are_left_out():
    forecast = {WEEK1: Decimal("10"), WEEK2: Decimal("20")}
    result = forecast_accuracy(
        forecast=forecast, receipts=[(date(2026, 3, 10), Decimal("20"))], as_of=date(2026, 3, 15)
    )
    assert [w.week_start for w in result.weeks] == [WEEK1]


def test_receipts_outside_the_compared_weeks_are_ignored():
    result = forecast_accuracy(
        forecast={WEEK2: Decimal("10")}, receipts=[(date(2026, 3, 1), Decimal("99"))], as_of=WEEK3
    )
    assert result.total_actual == 0


def test_ratios_are_undefined_without_receipts_and_a_week_without_receipts_has_no_percentage():
    result = forecast_accuracy(forecast={WEEK1: Decimal("10")}, receipts=[], as_of=WEEK3)
    assert result.weeks[0].absolute_percentage_error is None
    assert (result.wape, result.mape, result.bias) == (None, None, None)


def test_forecast_weeks_must_start_on_monday():
    with pytest.raises(ValidationFailed, match="Monday"):
        forecast_accuracy(forecast={date(2026, 3, 3): Decimal("1")}, receipts=[], as_of=WEEK3)
