import math
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from encours.core.forecast.features import FEATURE_NAMES, CategoryVocabulary, features_at
from encours.core.forecast.records import InvoiceRecord
from tests.core.forecast_factories import invoice, step


def _ledger() -> list[InvoiceRecord]:
    """C1: invoices of 1 Jan, 1 Feb, 1 Mar, 1 Apr 2025 paid 10, 20, 0, 40 days late, and
    an open one of 1 May worth three times the usual amount."""
    lateness = [10, 20, 0, 40]
    issued = [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1)]
    paid = [
        invoice(f"F{k}", issued=d, late=late, group_id="G", sector="47")
        for k, (d, late) in enumerate(zip(issued, lateness, strict=True))
    ]
    open_one = invoice("F4", issued=date(2025, 5, 1), amount="300.00", group_id="G", sector="47")
    return [*paid, open_one]


def _row(ledger, position, moment, **kwargs):
    return features_at(invoices=ledger, queries=[(position, moment)], **kwargs).row(0)


def test_customer_history_uses_only_invoices_settled_before_the_prediction_date():
    row = _row(_ledger(), 4, date(2025, 5, 1))
    assert row["customer_paid_count"] == 3  # the April invoice is paid on 10 June
    assert row["customer_mean_days_late"] == 10.0
    assert row["customer_median_days_late"] == 10.0
    assert row["customer_p75_days_late"] == 15.0  # [0, 10, 20] at position 1.5
    assert row["customer_last_days_late"] == 0.0  # the March invoice, settled last
    assert row["customer_last3_mean_days_late"] == 10.0


def test_shares_of_late_and_very_late_payments():
    row = _row(_ledger(), 4, date(2025, 6, 11))
    assert row["customer_share_late"] == 0.75
    assert row["customer_share_late_over_30"] == 0.25


def test_trend_is_the_least_squares_slope_of_days_late_per_30_days_of_invoice_date():
    row = _row(_ledger(), 4, date(2025, 5, 1))
    # invoice days 0, 31, 59 (mean 30) against 10, 20, 0 days late (mean 10)
    slope_per_day = ((-30) * 0 + 1 * 10 + 29 * (-10)) / (30**2 + 1**2 + 29**2)
    assert math.isclose(row["customer_trend_days_per_30d"], slope_per_day * 30)


def test_amount_ratio_compares_with_the_median_of_invoices_issued_before():
    assert _row(_ledger(), 4, date(2025, 5, 1))["amount_to_customer_median"] == 3.0


def test_exposure_counts_open_and_overdue_invoices_at_the_prediction_date():
    at_issue = _row(_ledger(), 4, date(2025, 5, 1))
    assert (at_issue["customer_open_count"], at_issue["customer_overdue_count"]) == (1.0, 0.0)
    a_month_later = _row(_ledger(), 4, date(2025, 6, 1))  # April's and May's invoices both overdue
    assert (a_month_later["customer_open_count"], a_month_later["customer_overdue_count"]) == (2.0, 2.0)
    assert math.isclose(a_month_later["customer_overdue_amount_log"], math.log1p(400.0))


def test_calendar_and_recency_features():
    row = _row(_ledger(), 4, date(2025, 5, 1))
    assert row["days_past_due_at_prediction"] == -30.0
    assert row["customer_days_since_last_payment"] == 31.0  # last payment 31 March
    assert row["customer_tenure_days"] == 120.0
    assert row["customer_invoices_last_90d"] == 3.0  # issued from 31 January on
    assert (row["invoice_month"], row["due_month"], row["due_day_of_month"]) == (5.0, 5.0, 31.0)
    assert row["due_at_quarter_end"] == 0.0


def test_weighted_lateness_over_the_trailing_year_weights_by_amount():
    ledger = [
        invoice("F1", issued=date(2025, 1, 1), late=10, amount="100.00"),
        invoice("F2", issued=date(2025, 2, 1), late=40, amount="300.00"),
        invoice("F3", issued=date(2025, 4, 1)),
    ]
    assert _row(ledger, 2, date(2025, 5, 1))["customer_weighted_days_late_12m"] == (10 * 100 + 40 * 300) / 400


def test_a_customer_without_history_has_missing_values_not_zeros():
    row = _row([invoice("F1", issued=date(2025, 1, 1))], 0, date(2025, 1, 1))
    assert row["customer_paid_count"] == 0.0
    for name in ("customer_mean_days_late", "customer_median_days_late", "customer_trend_days_per_30d"):
        assert math.isnan(row[name])


def test_group_and_sector_averages_include_other_customers_point_in_time():
    other = invoice("X1", customer="C2", issued=date(2025, 1, 1), late=50, group_id="G", sector="47")
    stranger = invoice("Y1", customer="C3", issued=date(2025, 1, 1), late=60, group_id="H", sector="62")
    row = _row([*_ledger(), other, stranger], 4, date(2025, 5, 1))
    assert row["group_paid_count"] == 4.0
    assert row["group_mean_days_late"] == (10 + 20 + 0 + 50) / 4
    assert row["sector_mean_days_late"] == (10 + 20 + 0 + 50) / 4
    assert row["portfolio_mean_days_late"] == (10 + 20 + 0 + 50 + 60) / 5


def test_dunning_stage_and_open_dispute_are_read_at_the_prediction_date():
    record = invoice(
        "F1",
        issued=date(2025, 1, 1),
        disputed=True,
        disputed_on=date(2025, 2, 10),
        dunning_steps=(step(1, date(2025, 2, 7)), step(2, date(2025, 2, 21))),
    )
    before = _row([record], 0, date(2025, 2, 8))
    after = _row([record], 0, date(2025, 3, 1))
    assert (before["dunning_stage_at_prediction"], before["dispute_open_at_prediction"]) == (1.0, 0.0)
    assert (after["dunning_stage_at_prediction"], after["dispute_open_at_prediction"]) == (2.0, 1.0)


def test_open_disputes_of_the_customer_close_at_resolution_or_settlement():
    disputed = invoice("F1", issued=date(2025, 1, 1), late=60, disputed=True, disputed_on=date(2025, 2, 5))
    target = invoice("F2", issued=date(2025, 3, 1))
    assert _row([disputed, target], 1, date(2025, 3, 1))["customer_open_disputes"] == 1.0
    assert _row([disputed, target], 1, date(2025, 4, 2))["customer_open_disputes"] == 0.0


def test_categories_are_coded_by_the_vocabulary_and_unknown_levels_are_missing():
    vocabulary = CategoryVocabulary(channel=("email", "portal"), country=("FR",))
    row = _row([invoice("F1", channel="portal", country="BE")], 0, date(2026, 1, 1), vocabulary=vocabulary)
    assert row["channel"] == 1.0
    assert math.isnan(row["country"])


def test_an_order_invoiced_in_the_future_is_seen_from_its_invoice_date():
    future = invoice("O1", issued=date(2026, 3, 1), terms=45)
    assert _row([future], 0, date(2026, 1, 15))["days_past_due_at_prediction"] == -45.0


# --- leakage: nothing known on or after the prediction date may change a feature -----------

DAY0 = date(2025, 1, 1)


@st.composite
def ledgers(draw):
    size = draw(st.integers(2, 14))
    records = []
    for k in range(size):
        issued = DAY0 + timedelta(days=draw(st.integers(0, 300)))
        late = draw(st.one_of(st.none(), st.integers(-20, 120)))
        disputed_on = draw(st.one_of(st.none(), st.integers(0, 90)))
        steps = tuple(
            step(stage, issued + timedelta(days=30 + offset))
            for stage, offset in enumerate(sorted(draw(st.lists(st.integers(1, 80), max_size=3))), start=1)
        )
        records.append(
            invoice(
                f"F{k}",
                customer=draw(st.sampled_from(["A", "B", "C"])),
                issued=issued,
                terms=draw(st.sampled_from([0, 30, 60])),
                late=late,
                amount=str(draw(st.integers(1, 5000))),
                group_id=draw(st.sampled_from([None, "G1", "G2"])),
                sector=draw(st.sampled_from([None, "47", "62"])),
                disputed_on=None if disputed_on is None else issued + timedelta(days=disputed_on),
                dunning_steps=steps,
            )
        )
    target = draw(st.integers(0, size - 1))
    moment = records[target].invoice_date + timedelta(days=draw(st.integers(0, 150)))
    return records, target, moment


def _rewrite_future(record: InvoiceRecord, moment: date, shift: int) -> InvoiceRecord:
    """Change everything about ``record`` that is not yet known at ``moment``."""
    settled_before = record.settled_date is not None and record.settled_date < moment
    if record.invoice_date >= moment and not settled_before:  # a prepaid invoice is history already
        record = replace(
            record, amount=record.amount * 7 + Decimal(1), due_date=record.due_date + timedelta(days=shift)
        )
    settled = record.settled_date
    if settled is not None and settled >= moment:
        record = replace(record, settled_date=None if shift % 2 else settled + timedelta(days=shift))
    elif settled is None and shift % 3 == 0:
        record = replace(record, settled_date=max(moment, record.invoice_date) + timedelta(days=shift))
    if record.disputed_on is not None and record.disputed_on > moment:
        record = replace(record, disputed_on=record.disputed_on + timedelta(days=shift))
    elif record.disputed_on is None and shift % 2 == 0:
        record = replace(record, disputed=True, disputed_on=moment + timedelta(days=1 + shift))
    steps = tuple(s if s.executed_on < moment else replace(s, stage=s.stage + 5) for s in record.dunning_steps)
    future_step = step(9, moment + timedelta(days=shift))
    return replace(record, dunning_steps=(*steps, future_step))


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(ledgers(), st.integers(1, 40))
def test_no_feature_uses_information_from_the_prediction_date_on(case, shift):
    records, target, moment = case
    # an invoice issued on the prediction date is known (it is the one predicted, or a sibling)
    rewritten = [
        r if r.invoice_date == moment and k == target else _rewrite_future(r, moment, shift)
        for k, r in enumerate(records)
    ]
    original = features_at(invoices=records, queries=[(target, moment)]).values
    changed = features_at(invoices=rewritten, queries=[(target, moment)]).values
    assert np.array_equal(original, changed, equal_nan=True), [
        name
        for name, a, b in zip(FEATURE_NAMES, original[0], changed[0], strict=True)
        if not (a == b or (a != a and b != b))
    ]


@settings(max_examples=100, deadline=None)
@given(ledgers())
def test_vectorised_history_features_agree_with_a_direct_computation(case):
    records, target, moment = case
    row = features_at(invoices=records, queries=[(target, moment)]).row(0)
    mine = records[target]
    history = [r for r in records if r.customer_id == mine.customer_id and r.settled_date and r.settled_date < moment]
    late = [r.days_late for r in history]
    assert row["customer_paid_count"] == len(history)
    if late:
        assert math.isclose(row["customer_mean_days_late"], sum(late) / len(late))
        assert row["customer_share_late_over_30"] == sum(1 for d in late if d > 30) / len(late)
        assert math.isclose(row["customer_median_days_late"], float(np.median(late[-24:])))
    issued_before = [r for r in records if r.customer_id == mine.customer_id and r.invoice_date < moment]
    overdue = [r for r in issued_before if r.due_date < moment and not (r.settled_date and r.settled_date < moment)]
    assert row["customer_open_count"] == len(
        [r for r in issued_before if not (r.settled_date and r.settled_date < moment)]
    )
    assert row["customer_overdue_count"] == len(overdue)
    group = [
        r
        for r in records
        if mine.group_id and r.group_id == mine.group_id and r.settled_date and r.settled_date < moment
    ]
    assert row["group_paid_count"] == len(group)
