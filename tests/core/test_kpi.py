from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encours.core.aging import CurrencyMismatch
from encours.core.errors import EncoursError
from encours.core.kpi import (
    average_days_delinquent,
    best_possible_dso,
    collection_effectiveness_index,
    countback_dso,
    is_bad_debt_write_off,
    overdue_rate,
    period_dso,
    receivables_share_of_assets,
    round_kpi,
    sales_by_month,
    sales_in_period,
    simple_dso,
    unpaid_rate,
)
from encours.core.money import ZERO
from encours.core.open_items import ItemKind, LedgerItem
from encours.core.periods import Month, Period, calendar_months_period

D = Decimal
OCT_31 = date(2026, 10, 31)


def item(kind, amount, on, currency="EUR"):
    return LedgerItem(
        key=f"{kind}-{on}-{amount}",
        kind=kind,
        customer="C1",
        document_date=on,
        due_date=on + timedelta(days=30),
        amount=D(amount),
        currency=currency,
    )


# countback DSO


def test_countback_dso_counts_only_the_elapsed_days_of_the_month_of_as_of():
    sales = {Month(year=2026, month=9): D(30000), Month(year=2026, month=10): D(10000)}  # October to the 15th
    result = countback_dso(receivables=D(25000), monthly_sales=sales, as_of=date(2026, 10, 15))
    # 15 days of October consume 10 000; 15 000 / 30 000 × 30 days of September = 15
    assert result.days == D(30)
    assert result.months_counted == 2


def test_countback_dso_walks_back_months_of_different_lengths():
    sales = {
        Month(year=2026, month=1): D(31000),
        Month(year=2026, month=2): D(28000),
        Month(year=2026, month=3): D(31000),
    }
    result = countback_dso(receivables=D(70000), monthly_sales=sales, as_of=date(2026, 3, 31))
    # March 31 + February 28 + 11 000 / 31 000 × 31 = 11
    assert result.days == D(70)
    assert result.months_counted == 3


def test_countback_dso_stops_when_the_receivables_equal_a_month_of_sales():
    sales = {Month(year=2026, month=9): ZERO, Month(year=2026, month=10): D(40000)}
    result = countback_dso(receivables=D(40000), monthly_sales=sales, as_of=OCT_31)
    assert (result.days, result.months_counted, result.history_exhausted) == (D(31), 1, False)


def test_countback_dso_adds_the_full_days_of_a_month_without_sales():
    sales = {Month(year=2026, month=8): D(30000), Month(year=2026, month=10): D(10000)}  # nothing in September
    result = countback_dso(receivables=D(25000), monthly_sales=sales, as_of=OCT_31)
    # 31 + 30 + 15 000 / 30 000 × 31 = 76.5
    assert result.days == D("76.5")


def test_countback_dso_treats_a_month_of_net_credit_notes_as_a_month_without_sales():
    sales = {
        Month(year=2026, month=8): D(30000),
        Month(year=2026, month=9): D(-5000),
        Month(year=2026, month=10): D(10000),
    }
    result = countback_dso(receivables=D(25000), monthly_sales=sales, as_of=OCT_31)
    assert result.days == D("76.5")


def test_countback_dso_flags_a_sales_history_shorter_than_the_receivables():
    sales = {Month(year=2026, month=9): D(10000), Month(year=2026, month=10): D(10000)}
    result = countback_dso(receivables=D(50000), monthly_sales=sales, as_of=OCT_31)
    assert (result.days, result.months_counted, result.history_exhausted) == (D(61), 2, True)


def test_countback_dso_reads_months_between_history_start_and_first_sales_as_zero_sales():
    sales = {Month(year=2026, month=10): D(10000)}
    result = countback_dso(
        receivables=D(20000), monthly_sales=sales, as_of=OCT_31, history_start=Month(year=2026, month=7)
    )
    # October consumed, then September, August and July add their days without sales
    assert (result.days, result.history_exhausted) == (D(31 + 30 + 31 + 31), True)


def test_countback_dso_ignores_sales_of_months_after_as_of():
    sales = {
        Month(year=2026, month=9): D(30000),
        Month(year=2026, month=10): D(31000),
        Month(year=2026, month=11): D(1),
    }
    result = countback_dso(receivables=D(46000), monthly_sales=sales, as_of=OCT_31)
    assert result.days == D(46)


@pytest.mark.parametrize("receivables", [D(0), D(-1500)])
def test_countback_dso_is_zero_without_receivables(receivables):
    result = countback_dso(receivables=receivables, monthly_sales={Month(year=2026, month=10): D(100)}, as_of=OCT_31)
    assert (result.days, result.months_counted, result.history_exhausted) == (ZERO, 0, False)


def test_countback_dso_without_any_sales_history_is_exhausted_at_once():
    result = countback_dso(receivables=D(100), monthly_sales={}, as_of=OCT_31)
    assert (result.days, result.months_counted, result.history_exhausted) == (ZERO, 0, True)


monthly_histories = st.dictionaries(
    keys=st.integers(min_value=0, max_value=23).map(lambda back: Month(year=2026, month=10).shifted(-back)),
    values=st.integers(min_value=-2000, max_value=100_000).map(D),
    max_size=24,
)
receivable_amounts = st.integers(min_value=-1000, max_value=3_000_000).map(D)


@given(sales=monthly_histories, first=receivable_amounts, second=receivable_amounts)
def test_countback_dso_never_decreases_when_receivables_grow(sales, first, second):
    low, high = sorted((first, second))
    days_low = countback_dso(receivables=low, monthly_sales=sales, as_of=OCT_31).days
    days_high = countback_dso(receivables=high, monthly_sales=sales, as_of=OCT_31).days
    assert days_low <= days_high


@given(
    daily=st.integers(min_value=1, max_value=5000).map(D),
    as_of=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
    days_of_ar=st.integers(min_value=0, max_value=300),
)
def test_countback_dso_of_even_daily_sales_is_receivables_over_daily_sales(daily, as_of, days_of_ar):
    current = Month.of(as_of)
    sales = {current.shifted(-back): daily * current.shifted(-back).days for back in range(1, 14)}
    sales[current] = daily * as_of.day
    result = countback_dso(receivables=daily * days_of_ar, monthly_sales=sales, as_of=as_of)
    assert result.days == D(days_of_ar)
    assert not result.history_exhausted


# period DSO family


def test_simple_dso_is_receivables_over_period_sales_times_days():
    assert round_kpi(simple_dso(receivables=D(30000), period_sales=D(90000), period_days=92)) == D("30.67")


def test_best_possible_dso_uses_only_the_not_due_receivables():
    result = best_possible_dso(current_receivables=D(12000), period_sales=D(90000), period_days=92)
    assert round_kpi(result) == D("12.27")


def test_average_days_delinquent_is_dso_minus_best_possible_dso():
    assert average_days_delinquent(dso=D("30.5"), best_possible_dso=D("12.25")) == D("18.25")


def test_period_dso_computes_the_three_figures_over_the_period():
    period = calendar_months_period(as_of=OCT_31, months=3)
    figures = period_dso(receivables=D(30000), current_receivables=D(12000), period_sales=D(90000), period=period)
    assert figures is not None
    assert [round_kpi(x) for x in (figures.dso, figures.best_possible_dso, figures.average_days_delinquent)] == [
        D("30.67"),
        D("12.27"),
        D("18.40"),
    ]


@pytest.mark.parametrize("sales", [ZERO, D(-10)])
def test_simple_dso_without_positive_sales_is_none(sales):
    assert simple_dso(receivables=D(1000), period_sales=sales, period_days=92) is None


def test_period_dso_without_sales_is_none():
    period = calendar_months_period(as_of=OCT_31, months=3)
    assert period_dso(receivables=D(1), current_receivables=ZERO, period_sales=ZERO, period=period) is None


def test_simple_dso_refuses_a_period_of_no_days():
    with pytest.raises(EncoursError):
        simple_dso(receivables=D(1), period_sales=D(1), period_days=0)


# CEI and ratios


def test_cei_follows_the_crf_formula():
    # available = 100 000 + 300 000 / 3 = 200 000; (200 000 − 120 000) / (200 000 − 60 000) × 100
    result = collection_effectiveness_index(
        opening_receivables=D(100000),
        period_sales=D(300000),
        months=3,
        closing_receivables=D(120000),
        closing_current_receivables=D(60000),
    )
    assert round_kpi(result) == D("57.14")


def test_cei_is_100_when_nothing_overdue_remains():
    result = collection_effectiveness_index(
        opening_receivables=D(50000),
        period_sales=D(120000),
        months=1,
        closing_receivables=D(40000),
        closing_current_receivables=D(40000),
    )
    assert result == D(100)


def test_cei_with_a_zero_denominator_is_none():
    result = collection_effectiveness_index(
        opening_receivables=ZERO,
        period_sales=ZERO,
        months=3,
        closing_receivables=ZERO,
        closing_current_receivables=ZERO,
    )
    assert result is None


def test_cei_with_a_negative_collectable_amount_is_none():
    result = collection_effectiveness_index(
        opening_receivables=D(1000),
        period_sales=D(3000),
        months=3,
        closing_receivables=D(5000),
        closing_current_receivables=D(4000),
    )
    assert result is None


def test_cei_refuses_zero_months():
    with pytest.raises(EncoursError):
        collection_effectiveness_index(
            opening_receivables=D(1),
            period_sales=D(1),
            months=0,
            closing_receivables=D(1),
            closing_current_receivables=D(1),
        )


def test_overdue_rate_is_a_fraction_of_total_receivables():
    assert overdue_rate(overdue_receivables=D(25000), total_receivables=D(100000)) == D("0.25")


@pytest.mark.parametrize("total", [ZERO, D(-500)])
def test_overdue_rate_without_positive_receivables_is_none(total):
    assert overdue_rate(overdue_receivables=ZERO, total_receivables=total) is None


def test_unpaid_rate_adds_written_off_and_litigation_over_sales():
    assert unpaid_rate(written_off=D(1500), in_litigation=D(2500), sales=D(200000)) == D("0.02")


@pytest.mark.parametrize(
    ("kind", "amount", "label", "written_off"),
    [
        ("adjustment", "-1200", "Créance irrécouvrable C1042", True),
        ("adjustment", "-1200", "CREANCES IRRECOUVRABLES 2025", True),
        ("adjustment", "-80", "Pertes sur créances clients", True),
        ("adjustment", "-80", "Passage en perte Dupont", True),
        ("adjustment", "-80", "Bad debt written off", True),
        ("adjustment", "-3.50", "bank_fee", False),
        ("adjustment", "-12", "early_payment_discount", False),
        ("adjustment", "-900", "Virement en 416 clients douteux", False),
        ("adjustment", "80", "Créance irrécouvrable annulée", False),  # a debit re-opens, it writes nothing off
        ("credit_note", "-80", "Créance irrécouvrable", False),  # a credit note is a sale reduced
    ],
)
def test_only_credit_adjustments_labelled_as_bad_debts_are_written_off(kind, amount, label, written_off):
    assert is_bad_debt_write_off(kind=kind, amount=D(amount), label=label) is written_off


def test_unpaid_rate_without_sales_is_none():
    assert unpaid_rate(written_off=D(1500), in_litigation=ZERO, sales=ZERO) is None


def test_receivables_share_of_assets_is_a_fraction():
    assert receivables_share_of_assets(receivables=D(250000), total_assets=D(1000000)) == D("0.25")


def test_receivables_share_of_assets_without_assets_is_none():
    assert receivables_share_of_assets(receivables=D(250000), total_assets=ZERO) is None


@pytest.mark.parametrize(
    ("value", "rounded"), [(D("41.325"), D("41.33")), (D("2.675"), D("2.68")), (D("-1.005"), D("-1.01"))]
)
def test_round_kpi_rounds_half_up(value, rounded):
    assert round_kpi(value) == rounded


# reference sales aggregates


def test_sales_by_month_nets_credit_notes_and_ignores_payments_and_adjustments():
    items = [
        item(ItemKind.INVOICE, "1200.00", date(2026, 9, 3)),
        item(ItemKind.CREDIT_NOTE, "-200.00", date(2026, 9, 20)),
        item(ItemKind.PAYMENT, "-1000.00", date(2026, 9, 25)),
        item(ItemKind.ADJUSTMENT, "3.00", date(2026, 9, 26)),
        item(ItemKind.INVOICE, "500.00", date(2026, 10, 1)),
    ]
    assert sales_by_month(items=items, as_of=OCT_31) == {
        Month(year=2026, month=9): D("1000.00"),
        Month(year=2026, month=10): D("500.00"),
    }


def test_sales_by_month_keeps_the_month_of_as_of_to_date_only():
    items = [
        item(ItemKind.INVOICE, "100.00", date(2026, 10, 15)),
        item(ItemKind.INVOICE, "900.00", date(2026, 10, 16)),
    ]
    assert sales_by_month(items=items, as_of=date(2026, 10, 15)) == {Month(year=2026, month=10): D("100.00")}


def test_sales_by_month_refuses_mixed_currencies():
    items = [item(ItemKind.INVOICE, "1.00", OCT_31), item(ItemKind.INVOICE, "1.00", OCT_31, currency="USD")]
    with pytest.raises(CurrencyMismatch):
        sales_by_month(items=items, as_of=OCT_31)


def test_sales_in_period_counts_both_ends_of_the_period():
    items = [
        item(ItemKind.INVOICE, "1.00", date(2026, 7, 31)),
        item(ItemKind.INVOICE, "10.00", date(2026, 8, 1)),
        item(ItemKind.CREDIT_NOTE, "-4.00", date(2026, 9, 10)),
        item(ItemKind.INVOICE, "100.00", date(2026, 10, 31)),
        item(ItemKind.INVOICE, "1000.00", date(2026, 11, 1)),
    ]
    assert sales_in_period(items=items, period=Period(start=date(2026, 8, 1), end=OCT_31)) == D("106.00")
