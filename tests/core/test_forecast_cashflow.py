from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from encours.core.errors import ValidationFailed
from encours.core.forecast.cashflow import CashInItem, forecast_cash_in, weekly_cash_in
from encours.core.forecast.estimators import TrainingSettings
from encours.core.forecast.model import train_payment_model
from encours.synthetic.forecast import synthetic_portfolio

MONDAY = date(2026, 3, 2)


def item(amount: str, p10: date, p50: date, p90: date, **fields: str) -> CashInItem:
    values = {"item_id": "F", "kind": "invoice", "entity": "E1", "currency": "EUR"} | fields
    return CashInItem(amount=Decimal(amount), date_p10=p10, date_p50=p50, date_p90=p90, **values)  # type: ignore[arg-type]


def expected(forecast, index=0):
    return [w.expected for w in forecast.series[index].weeks]


def test_amount_is_spread_linearly_between_its_quantile_dates():
    # knots: p10 at as_of (its lower tail is clamped there), p50 a week later, p90 two weeks later
    spread = item("1000.00", MONDAY, MONDAY + timedelta(days=7), MONDAY + timedelta(days=14))
    forecast = weekly_cash_in(items=[spread], as_of=MONDAY, weeks=4, scenarios=100)
    assert expected(forecast) == [Decimal("500.00"), Decimal("400.00"), Decimal("100.00"), Decimal("0.00")]
    assert forecast.series[0].beyond_horizon == Decimal("0.00")


def test_weeks_start_on_monday_and_week_one_contains_as_of():
    forecast = weekly_cash_in(items=[], as_of=date(2026, 3, 5), scenarios=100)
    assert forecast.week_starts[0] == MONDAY and len(forecast.week_starts) == 13
    assert all(w.weekday() == 0 for w in forecast.week_starts)
    assert forecast.series == ()


def test_payment_predicted_in_the_past_is_expected_in_week_one():
    overdue = item("250.00", date(2026, 1, 1), date(2026, 1, 20), date(2026, 2, 1))
    assert expected(weekly_cash_in(items=[overdue], as_of=date(2026, 3, 4), weeks=2, scenarios=100)) == [
        Decimal("250.00"),
        Decimal("0.00"),
    ]


def test_payment_beyond_thirteen_weeks_is_reported_beyond_the_horizon():
    far = item("80.00", date(2026, 9, 1), date(2026, 9, 1), date(2026, 9, 1))
    series = weekly_cash_in(items=[far], as_of=MONDAY, scenarios=100).series[0]
    assert sum(w.expected for w in series.weeks) == 0
    assert series.beyond_horizon == Decimal("80.00")


def test_cents_are_allocated_by_largest_remainder_so_nothing_is_lost():
    # 5 cents split 50 % / 40 % / 10 %: 2.5, 2 and 0.5 cents
    tiny = item("0.05", MONDAY, MONDAY + timedelta(days=7), MONDAY + timedelta(days=14))
    weeks = expected(weekly_cash_in(items=[tiny], as_of=MONDAY, weeks=3, scenarios=100))
    assert sum(weeks) == Decimal("0.05") and weeks[1] == Decimal("0.02")


def test_currency_without_minor_unit_stays_in_whole_units():
    yen = item("1001", MONDAY, MONDAY + timedelta(days=7), MONDAY + timedelta(days=14), currency="JPY")
    weeks = expected(weekly_cash_in(items=[yen], as_of=MONDAY, weeks=3, scenarios=100))
    assert sum(weeks) == Decimal("1001") and all(w == w.to_integral_value() for w in weeks)


def test_series_are_split_by_entity_and_currency():
    day = MONDAY + timedelta(days=3)
    items = [
        item("10.00", day, day, day, entity="E2"),
        item("20.00", day, day, day, currency="USD"),
        item("30.00", day, day, day),
    ]
    forecast = weekly_cash_in(items=items, as_of=MONDAY, scenarios=100)
    assert [(s.entity, s.currency, s.open_amount) for s in forecast.series] == [
        ("E1", "EUR", Decimal("30.00")),
        ("E1", "USD", Decimal("20.00")),
        ("E2", "EUR", Decimal("10.00")),
    ]
    assert forecast.for_entity("E1", "USD") is forecast.series[1]


def test_orders_are_shown_apart_within_the_expected_amount():
    day = MONDAY + timedelta(days=8)
    items = [item("100.00", day, day, day), item("40.00", day, day, day, kind="order")]
    week = weekly_cash_in(items=items, as_of=MONDAY, scenarios=100).series[0].weeks[1]
    assert (week.expected, week.expected_from_orders) == (Decimal("140.00"), Decimal("40.00"))


def test_a_certain_payment_has_no_band():
    day = MONDAY + timedelta(days=9)
    week = weekly_cash_in(items=[item("70.00", day, day, day)], as_of=MONDAY, scenarios=100).series[0].weeks[1]
    assert week.low == week.expected == week.high == Decimal("70.00")


def test_common_shock_widens_the_cumulative_band():
    items = [
        item(
            "100.00",
            MONDAY,
            MONDAY + timedelta(days=20 + k % 9),
            MONDAY + timedelta(days=45),
            item_id=f"F{k}",
        )
        for k in range(200)
    ]

    def width(correlation):
        week = (
            weekly_cash_in(items=items, as_of=MONDAY, scenarios=400, shock_correlation=correlation).series[0].weeks[3]
        )
        return week.cumulative_high - week.cumulative_low

    assert width(0.8) > width(0.0) * 2


def test_invalid_requests_are_refused():
    with pytest.raises(ValidationFailed):
        weekly_cash_in(items=[item("-1.00", MONDAY, MONDAY, MONDAY)], as_of=MONDAY)
    with pytest.raises(ValidationFailed):
        weekly_cash_in(items=[], as_of=MONDAY, weeks=0)


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
offsets = st.integers(-90, 200)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(amounts, offsets, offsets, offsets, st.booleans()), min_size=1, max_size=25))
def test_weeks_plus_beyond_horizon_equal_the_open_amounts_exactly(rows):
    items = [
        item(
            str(amount),
            *(MONDAY + timedelta(days=d) for d in sorted((a, b, c))),
            kind="order" if is_order else "invoice",
            item_id=f"F{k}",
        )
        for k, (amount, a, b, c, is_order) in enumerate(rows)
    ]
    series = weekly_cash_in(items=items, as_of=MONDAY + timedelta(days=2), scenarios=50).series[0]
    total = sum((Decimal(str(r[0])) for r in rows), Decimal(0))
    assert sum(w.expected for w in series.weeks) + series.beyond_horizon == total == series.open_amount
    for week in series.weeks:
        assert week.low <= week.expected <= week.high
        assert week.cumulative_low <= week.cumulative_expected <= week.cumulative_high
    assert [w.cumulative_expected for w in series.weeks] == sorted(w.cumulative_expected for w in series.weeks)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(amounts, st.integers(-60, 80)), min_size=1, max_size=20))
def test_amounts_due_inside_the_horizon_are_all_forecast_inside_it(rows):
    items = [item(str(a), *(MONDAY + timedelta(days=d),) * 3, item_id=f"F{k}") for k, (a, d) in enumerate(rows)]
    series = weekly_cash_in(items=items, as_of=MONDAY, scenarios=50).series[0]
    assert series.beyond_horizon == 0
    assert sum(w.expected for w in series.weeks) == sum((Decimal(str(a)) for a, _ in rows), Decimal(0))


def test_forecast_of_a_portfolio_accounts_for_every_open_invoice_and_order():
    portfolio = synthetic_portfolio(customers=40, start=date(2024, 1, 1), as_of=date(2025, 3, 1), seed=6)
    model = train_payment_model(
        invoices=portfolio.invoices, as_of=portfolio.as_of, settings=TrainingSettings(max_iter=40)
    )
    forecast = forecast_cash_in(
        model=model, invoices=portfolio.invoices, orders=portfolio.orders, as_of=portfolio.as_of
    )
    for series in forecast.series:
        open_invoices = sum(
            (
                i.remaining_amount
                for i in portfolio.invoices
                if i.settled_date is None and (i.entity, i.currency) == (series.entity, series.currency)
            ),
            Decimal(0),
        )
        orders = sum(
            (o.amount for o in portfolio.orders if (o.entity, o.currency) == (series.entity, series.currency)),
            Decimal(0),
        )
        assert sum(w.expected for w in series.weeks) + series.beyond_horizon == open_invoices + orders
        assert sum(w.expected_from_orders for w in series.weeks) <= orders
