from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encours.core.errors import EncoursError
from encours.core.open_items import Allocation, ItemKind, LedgerItem
from encours.core.payment_behaviour import (
    UNKNOWN_SECTOR,
    PaymentRecord,
    days_late_by_customer,
    days_late_by_sector,
    days_late_trend,
    days_late_trend_by_customer,
    payment_records_from_ledger,
    sector_of,
    weighted_days_late,
)
from encours.core.periods import Period

D = Decimal
OCT_31 = date(2026, 10, 31)
OCTOBER = Period(start=date(2026, 10, 1), end=OCT_31)


def paid(amount, *, days_late, on=date(2026, 10, 15), customer="C1"):
    return PaymentRecord(customer=customer, amount=D(amount), due_date=on - timedelta(days=days_late), paid_on=on)


def test_days_late_is_negative_for_an_early_payment():
    assert paid("100", days_late=-4).days_late == -4


def test_payment_record_refuses_a_zero_amount():
    with pytest.raises(EncoursError):
        paid("0", days_late=3)


def test_weighted_days_late_weighs_each_payment_by_its_amount():
    payments = [paid("2000", days_late=15), paid("1000", days_late=45)]
    summary = weighted_days_late(payments=payments, period=OCTOBER)
    # (2000 × 15 + 1000 × 45) / 3000 = 25
    assert summary is not None
    assert (summary.weighted_days_late, summary.paid_amount, summary.payment_count) == (D(25), D(3000), 2)


def test_weighted_days_late_counts_only_payments_made_within_the_period():
    payments = [
        paid("100", days_late=10, on=date(2026, 9, 30)),
        paid("100", days_late=20, on=date(2026, 10, 1)),
        paid("100", days_late=40, on=OCT_31),
        paid("100", days_late=80, on=date(2026, 11, 1)),
    ]
    summary = weighted_days_late(payments=payments, period=OCTOBER)
    assert summary is not None
    assert summary.weighted_days_late == D(30)


def test_weighted_days_late_without_payments_is_none():
    assert weighted_days_late(payments=[paid("100", days_late=5, on=date(2026, 9, 1))], period=OCTOBER) is None


def test_days_late_by_customer_uses_the_trailing_twelve_months():
    payments = [
        paid("500", days_late=10, customer="C1", on=date(2025, 11, 1)),
        paid("500", days_late=30, customer="C1", on=date(2026, 10, 1)),
        paid("900", days_late=99, customer="C2", on=date(2025, 10, 31)),
    ]
    result = days_late_by_customer(payments=payments, as_of=OCT_31, months=12)
    assert set(result) == {"C1"}
    assert result["C1"].weighted_days_late == D(20)


def test_days_late_trend_compares_the_last_three_months_with_the_three_before():
    payments = [
        paid("1000", days_late=5, on=date(2026, 5, 1)),  # previous window: May–July
        paid("1000", days_late=15, on=date(2026, 7, 31)),
        paid("3000", days_late=20, on=date(2026, 8, 1)),  # recent window: August–October
        paid("1000", days_late=32, on=OCT_31),
        paid("5000", days_late=90, on=date(2026, 4, 30)),  # before both windows
    ]
    trend = days_late_trend(payments=payments, as_of=OCT_31, months=3)
    assert trend.previous is not None and trend.recent is not None
    assert trend.previous.weighted_days_late == D(10)
    assert trend.recent.weighted_days_late == D(23)  # (3000 × 20 + 1000 × 32) / 4000
    assert trend.change == D(13)


def test_days_late_trend_without_a_previous_window_has_no_change():
    trend = days_late_trend(payments=[paid("100", days_late=5)], as_of=OCT_31)
    assert trend.recent is not None
    assert trend.previous is None
    assert trend.change is None


def test_days_late_trend_by_customer_keeps_customers_apart():
    payments = [
        paid("100", days_late=5, customer="C1", on=date(2026, 6, 1)),
        paid("100", days_late=2, customer="C1", on=date(2026, 9, 1)),
        paid("100", days_late=40, customer="C2", on=date(2026, 6, 1)),
        paid("100", days_late=60, customer="C2", on=date(2026, 9, 1)),
    ]
    trends = days_late_trend_by_customer(payments=payments, as_of=OCT_31)
    assert {c: t.change for c, t in trends.items()} == {"C1": D(-3), "C2": D(20)}


@pytest.mark.parametrize(
    ("code", "division"),
    [
        ("47.11D", "47"),
        ("4711d", "47"),
        (" 62.01Z ", "62"),
        ("41", "41"),
        ("", UNKNOWN_SECTOR),
        (None, UNKNOWN_SECTOR),
        ("xx", UNKNOWN_SECTOR),
    ],
)
def test_sector_of_reads_the_naf_division_from_any_spelling(code, division):
    assert sector_of(code) == division


def test_days_late_by_sector_pools_the_payments_of_its_customers():
    naf = {"A": "47.11D", "B": "4719B", "C": "41.20A"}
    payments = [
        paid("1000", days_late=10, customer="A"),
        paid("3000", days_late=30, customer="B"),
        paid("500", days_late=-5, customer="C"),
        paid("200", days_late=60, customer="Z"),  # no NAF code known
        paid("9999", days_late=99, customer="A", on=date(2025, 10, 1)),  # outside 12 months
    ]
    sectors = days_late_by_sector(payments=payments, naf_codes=naf, as_of=OCT_31)
    assert set(sectors) == {"47", "41", UNKNOWN_SECTOR}
    retail = sectors["47"]
    # (1000 × 10 + 3000 × 30) / 4000 = 25
    assert (retail.days_late.weighted_days_late, retail.customer_count) == (D(25), 2)
    assert sectors["41"].days_late.weighted_days_late == D(-5)


def _item(key, kind, amount, on, due=None):
    return LedgerItem(key=key, kind=kind, customer="C1", document_date=on, due_date=due or on, amount=D(amount))


def test_payment_records_from_ledger_date_payments_by_the_payment_not_the_lettering():
    items = [
        _item("FA1", ItemKind.INVOICE, "1000", date(2026, 8, 1), due=date(2026, 8, 31)),
        _item("VIR1", ItemKind.PAYMENT, "-600", date(2026, 9, 10)),
        _item("VIR2", ItemKind.PAYMENT, "-400", date(2026, 9, 20)),
    ]
    allocations = [
        Allocation(debit_key="FA1", credit_key="VIR1", amount=D(600), allocated_on=date(2026, 10, 5)),
        Allocation(debit_key="FA1", credit_key="VIR2", amount=D(400), allocated_on=date(2026, 10, 5)),
    ]
    records = payment_records_from_ledger(items=items, allocations=allocations)
    assert [(r.amount, r.days_late) for r in records] == [(D(600), 10), (D(400), 20)]


def test_payment_records_from_ledger_skip_credit_notes():
    items = [
        _item("FA1", ItemKind.INVOICE, "1000", date(2026, 8, 1), due=date(2026, 8, 31)),
        _item("AV1", ItemKind.CREDIT_NOTE, "-1000", date(2026, 12, 1)),
    ]
    records = payment_records_from_ledger(
        items=items,
        allocations=[Allocation(debit_key="FA1", credit_key="AV1", amount=D(1000), allocated_on=date(2026, 12, 1))],
    )
    assert records == ()


@given(
    payments=st.lists(
        st.builds(
            paid,
            amount=st.integers(min_value=1, max_value=10**7).map(str),
            days_late=st.integers(min_value=-60, max_value=365),
            on=st.dates(min_value=date(2026, 10, 1), max_value=OCT_31),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_weighted_days_late_lies_between_the_earliest_and_the_latest_payment(payments):
    summary = weighted_days_late(payments=payments, period=OCTOBER)
    assert summary is not None
    assert min(p.days_late for p in payments) <= summary.weighted_days_late <= max(p.days_late for p in payments)
    assert summary.paid_amount == sum(p.amount for p in payments)
