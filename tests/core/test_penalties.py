"""Late-payment penalties: expected figures computed by hand (base × rate × days / 365)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from encours.core.dunning.penalties import (
    ECB_MRO_RATES,
    LEGAL_RATES_PROFESSIONALS,
    DayCount,
    HalfYear,
    InvoiceSettlement,
    LateInvoice,
    MissingRate,
    PenaltyRegime,
    PenaltyTerms,
    RateTable,
    applicable_rate,
    invoice_penalty,
    penalty_debits,
    penalty_statement,
    rate_table_from_rows,
)
from encours.core.errors import ValidationFailed
from encours.core.money import D, Money


def invoice(amount: str = "1000", due: date = date(2026, 1, 31), **kwargs: object) -> LateInvoice:
    return LateInvoice(item_id=1, number="F-1", due_date=due, amount=D(amount), **kwargs)  # type: ignore[arg-type]


# --- rates -------------------------------------------------------------------------------


def test_default_rate_is_mro_in_force_on_1_july_plus_ten_points() -> None:
    rate = applicable_rate(on=date(2025, 9, 15))
    assert rate.rate_pct == Decimal("12.15")
    assert "01/07/2025" in rate.basis


def test_default_rate_in_first_half_uses_mro_of_1_january() -> None:
    assert applicable_rate(on=date(2025, 3, 1)).rate_pct == Decimal("13.15")


def test_mro_of_1_july_2022_is_zero_because_the_hike_came_on_27_july() -> None:
    assert applicable_rate(on=date(2022, 12, 31)).rate_pct == Decimal("10.00")


def test_contractual_rate_below_three_times_legal_rate_is_raised_to_the_floor() -> None:
    rate = applicable_rate(on=date(2026, 2, 1), terms=PenaltyTerms(contractual_rate_pct=Decimal("5")))
    assert rate.rate_pct == Decimal("7.86")
    assert "raised" in rate.basis


def test_contractual_rate_above_the_floor_is_honoured() -> None:
    rate = applicable_rate(on=date(2026, 2, 1), terms=PenaltyTerms(contractual_rate_pct=Decimal("15")))
    assert rate.rate_pct == Decimal("15")


def test_public_procurement_rate_is_frozen_at_the_half_year_interest_started() -> None:
    terms = PenaltyTerms(regime=PenaltyRegime.PUBLIC_PROCUREMENT)
    rate = applicable_rate(on=date(2025, 8, 1), terms=terms, interest_started_on=date(2025, 6, 21))
    assert rate.rate_pct == Decimal("11.15")  # 3.15 % on 1 January 2025 + 8 points


def test_public_procurement_refuses_a_contractual_rate() -> None:
    with pytest.raises(ValidationFailed):
        PenaltyTerms(regime=PenaltyRegime.PUBLIC_PROCUREMENT, contractual_rate_pct=Decimal("9"))


def test_shipped_tables_cover_2013_to_2026() -> None:
    assert ECB_MRO_RATES.entries[0].half_year == HalfYear(year=2013, half=1)
    assert ECB_MRO_RATES.last_half_year == HalfYear(year=2026, half=2)
    assert LEGAL_RATES_PROFESSIONALS.rate_for(HalfYear(year=2024, half=1)).rate_pct == Decimal("5.07")


def test_rate_past_the_table_is_carried_forward_and_flagged_provisional() -> None:
    lookup = LEGAL_RATES_PROFESSIONALS.rate_for(HalfYear(year=2026, half=2))
    assert lookup.rate_pct == Decimal("2.62")
    assert lookup.provisional


def test_rate_past_the_table_raises_when_carry_forward_is_refused() -> None:
    with pytest.raises(MissingRate):
        LEGAL_RATES_PROFESSIONALS.rate_for(HalfYear(year=2026, half=2), carry_forward=False)


def test_rate_before_the_table_raises_missing_rate() -> None:
    with pytest.raises(MissingRate):
        ECB_MRO_RATES.rate_for(HalfYear(year=2010, half=1))


def test_rate_in_a_gap_of_the_table_raises_missing_rate() -> None:
    table = (
        RateTable(name="t", entries=())
        .with_rate(HalfYear(year=2025, half=1), D("3"))
        .with_rate(HalfYear(year=2026, half=1), D("2"))
    )
    with pytest.raises(MissingRate):
        table.rate_for(HalfYear(year=2025, half=2))


def test_with_rate_replaces_an_entry_and_keeps_the_original_table() -> None:
    edited = ECB_MRO_RATES.with_rate(HalfYear(year=2026, half=2), D("2.40"), "ECB decision")
    assert edited.rate_for(HalfYear(year=2026, half=2)).rate_pct == D("2.40")
    assert ECB_MRO_RATES.rate_for(HalfYear(year=2026, half=2)).rate_pct == D("2.15")
    assert len(edited.entries) == len(ECB_MRO_RATES.entries)


def test_table_refuses_two_rates_for_one_half_year() -> None:
    with pytest.raises(ValidationFailed):
        RateTable(name="t", entries=ECB_MRO_RATES.entries[:1] * 2)


def test_rate_rows_report_bad_half_year_bad_rate_and_duplicates_with_line_numbers() -> None:
    rows = [("2025-H1", "3,15 %"), ("2025-H3", "2"), ("2025-H2", "abc"), ("2025-S1", "3"), ("2026",)]
    table, errors = rate_table_from_rows(name="MRO", rows=rows)
    assert table.rate_for(HalfYear(year=2025, half=1)).rate_pct == D("3.15")
    assert [(e.line, e.column) for e in errors] == [(2, "half_year"), (3, "rate"), (4, "half_year"), (5, "")]


def test_half_year_parse_rejects_garbage() -> None:
    with pytest.raises(ValidationFailed):
        HalfYear.parse("second half")


# --- interest ---------------------------------------------------------------------------


def test_interest_runs_from_day_after_due_date_to_as_of() -> None:
    penalty = invoice_penalty(invoice=invoice(), as_of=date(2026, 3, 2))
    # 1000 × 12.15 % × 30 / 365 = 9.9863
    assert penalty.days_late == 30
    assert penalty.interest == D("9.99")
    assert (penalty.lines[0].start, penalty.lines[0].end) == (date(2026, 2, 1), date(2026, 3, 2))


def test_interest_is_split_at_the_half_year_boundary() -> None:
    late = invoice(
        "10000", due=date(2025, 6, 15), settlements=(InvoiceSettlement(on=date(2025, 7, 15), amount=D("10000")),)
    )
    penalty = invoice_penalty(invoice=late, as_of=date(2025, 12, 31))
    # 16/06–30/06: 10000 × 13.15 % × 15/365 = 54.0411; 01/07–15/07: 10000 × 12.15 % × 15/365 = 49.9315
    assert [(line.days, line.rate_pct, line.interest) for line in penalty.lines] == [
        (15, D("13.15"), D("54.04")),
        (15, D("12.15"), D("49.93")),
    ]
    assert penalty.interest == D("103.97")
    assert penalty.days_late == 30
    assert penalty.settled_on == date(2025, 7, 15)


def test_partial_payment_reduces_the_base_from_the_day_after() -> None:
    settlements = (
        InvoiceSettlement(on=date(2026, 2, 10), amount=D("400")),
        InvoiceSettlement(on=date(2026, 3, 2), amount=D("600")),
    )
    penalty = invoice_penalty(invoice=invoice(settlements=settlements), as_of=date(2026, 6, 1))
    # 01/02–10/02 on 1000: 3.3288; 11/02–02/03 on 600: 600 × 12.15 % × 20/365 = 3.9945
    assert [(line.base, line.days, line.interest) for line in penalty.lines] == [
        (D("1000"), 10, D("3.33")),
        (D("600"), 20, D("3.99")),
    ]
    assert penalty.interest == D("7.32")


def test_payment_before_due_date_lowers_the_base_from_the_start() -> None:
    settlements = (InvoiceSettlement(on=date(2026, 1, 20), amount=D("750")),)
    penalty = invoice_penalty(invoice=invoice(settlements=settlements), as_of=date(2026, 3, 2))
    # 250 × 12.15 % × 30/365 = 2.4966
    assert penalty.interest == D("2.50")


def test_invoice_paid_on_its_due_date_owes_nothing() -> None:
    paid = invoice(settlements=(InvoiceSettlement(on=date(2026, 1, 31), amount=D("1000")),))
    penalty = invoice_penalty(invoice=paid, as_of=date(2026, 6, 1))
    assert (penalty.interest, penalty.indemnity_eur, penalty.days_late, penalty.lines) == (D(0), D(0), 0, ())


def test_invoice_not_yet_due_owes_nothing() -> None:
    penalty = invoice_penalty(invoice=invoice(), as_of=date(2026, 1, 31))
    assert (penalty.interest, penalty.indemnity_eur) == (D(0), D(0))


def test_one_day_late_already_owes_the_forty_euro_indemnity() -> None:
    penalty = invoice_penalty(invoice=invoice(), as_of=date(2026, 2, 1))
    assert penalty.indemnity_eur == D("40.00")
    assert penalty.interest == D("0.33")  # 1000 × 12.15 % / 365 = 0.3329


def test_settlement_after_as_of_is_ignored() -> None:
    later = invoice(settlements=(InvoiceSettlement(on=date(2026, 4, 1), amount=D("1000")),))
    assert invoice_penalty(invoice=later, as_of=date(2026, 3, 2)).interest == D("9.99")


def test_contractual_floor_applies_to_interest() -> None:
    terms = PenaltyTerms(contractual_rate_pct=D("5"))
    # 1000 × 7.86 % × 30/365 = 6.4603
    assert invoice_penalty(invoice=invoice(), as_of=date(2026, 3, 2), terms=terms).interest == D("6.46")


def test_actual_365_keeps_365_days_in_a_leap_year() -> None:
    late = invoice("10000", due=date(2024, 1, 31))
    penalty = invoice_penalty(invoice=late, as_of=date(2024, 3, 1))
    # 10000 × 14.50 % × 30/365 = 119.178
    assert (penalty.days_late, penalty.interest) == (30, D("119.18"))


def test_actual_actual_uses_366_days_in_a_leap_year() -> None:
    terms = PenaltyTerms(day_count=DayCount.ACTUAL_ACTUAL)
    penalty = invoice_penalty(invoice=invoice("10000", due=date(2024, 1, 31)), as_of=date(2024, 3, 1), terms=terms)
    # 10000 × 14.50 % × 30/366 = 118.852
    assert penalty.interest == D("118.85")
    assert penalty.lines[0].year_days == 366


def test_public_procurement_keeps_the_starting_rate_across_half_years() -> None:
    terms = PenaltyTerms(regime=PenaltyRegime.PUBLIC_PROCUREMENT)
    penalty = invoice_penalty(invoice=invoice(due=date(2025, 6, 20)), as_of=date(2025, 7, 20), terms=terms)
    # 1000 × 11.15 % × 10/365 = 3.0548 then × 20/365 = 6.1096
    assert [(line.rate_pct, line.interest) for line in penalty.lines] == [
        (D("11.15"), D("3.05")),
        (D("11.15"), D("6.11")),
    ]


def test_foreign_currency_interest_stays_in_its_currency_and_indemnity_in_euros() -> None:
    usd = invoice("2000", currency="USD")
    statement = penalty_statement(invoices=[usd, invoice()], as_of=date(2026, 3, 2))
    # USD: 2000 × 12.15 % × 30/365 = 19.9726
    assert statement.interest_totals == (
        Money(amount=D("9.99"), currency="EUR"),
        Money(amount=D("19.97"), currency="USD"),
    )
    assert statement.indemnity_total == Money(amount=D("80"), currency="EUR")
    assert statement.totals == (Money(amount=D("89.99"), currency="EUR"), Money(amount=D("19.97"), currency="USD"))


def test_interest_already_invoiced_is_not_claimed_again() -> None:
    later = invoice(interest_invoiced_until=date(2026, 2, 20), indemnity_invoiced=True)
    penalty = invoice_penalty(invoice=later, as_of=date(2026, 3, 2))
    # 21/02–02/03: 10 days, 1000 × 12.15 % × 10/365 = 3.3288
    assert (penalty.interest, penalty.indemnity_eur, penalty.days_late) == (D("3.33"), D(0), 30)


def test_missing_rate_for_an_old_delay_raises() -> None:
    with pytest.raises(MissingRate):
        invoice_penalty(invoice=invoice(due=date(2010, 1, 31)), as_of=date(2010, 3, 1))


def test_rate_missing_from_a_table_behind_the_news_is_flagged_provisional() -> None:
    stale = RateTable(
        name="MRO", entries=tuple(e for e in ECB_MRO_RATES.entries if e.half_year <= HalfYear(year=2025, half=2))
    )
    penalty = invoice_penalty(invoice=invoice(), as_of=date(2026, 3, 2), mro_rates=stale)
    assert penalty.lines[0].provisional_rate
    assert penalty.interest == D("9.99")


def test_negative_invoice_amount_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        invoice("-10")


def test_interest_line_reads_in_french_for_a_formal_notice() -> None:
    line = invoice_penalty(invoice=invoice(), as_of=date(2026, 3, 2)).lines[0]
    assert line.describe() == "du 01/02/2026 au 02/03/2026 : 1\u202f000,00\u00a0€ × 12,15 % × 30/365 = 9,99\u00a0€"


# --- invoicing penalties ----------------------------------------------------------------


def test_penalty_debit_adds_interest_and_indemnities_without_vat() -> None:
    statement = penalty_statement(invoices=[invoice()], as_of=date(2026, 3, 2))
    (debit,) = penalty_debits(statement=statement)
    assert (debit.currency, debit.interest, debit.indemnity, debit.amount) == (
        "EUR",
        D("9.99"),
        D("40"),
        D("49.99"),
    )
    assert debit.item_ids == (1,) and debit.indemnity_item_ids == (1,)
    assert debit.label.startswith("Pénalités de retard au 02/03/2026")


def test_penalty_debits_split_by_currency_with_indemnity_in_euros() -> None:
    usd = LateInvoice(item_id=2, number="F-2", due_date=date(2026, 1, 31), amount=D("2000"), currency="USD")
    statement = penalty_statement(invoices=[usd], as_of=date(2026, 3, 2))
    eur, dollars = penalty_debits(statement=statement, lang="en")
    assert (eur.currency, eur.amount, eur.indemnity_item_ids) == ("EUR", D("40.00"), (2,))
    assert (dollars.currency, dollars.amount) == ("USD", D("19.97"))


def test_no_penalty_debit_when_nothing_is_late() -> None:
    statement = penalty_statement(invoices=[invoice()], as_of=date(2026, 1, 15))
    assert penalty_debits(statement=statement) == ()


# --- properties -------------------------------------------------------------------------

amounts = st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=2)
due_dates = st.dates(min_value=date(2015, 1, 1), max_value=date(2026, 6, 30))


@settings(max_examples=200)
@given(amount=amounts, due=due_dates, first=st.integers(1, 900), second=st.integers(1, 900))
def test_interest_is_additive_over_a_split_period(amount: Decimal, due: date, first: int, second: int) -> None:
    split, end = due + timedelta(days=first), due + timedelta(days=first + second)
    whole = invoice_penalty(invoice=invoice(str(amount), due=due), as_of=end)
    head = invoice_penalty(invoice=invoice(str(amount), due=due), as_of=split)
    tail = invoice_penalty(
        invoice=invoice(str(amount), due=due, interest_invoiced_until=split, indemnity_invoiced=True),
        as_of=end,
    )
    exact = sum(line.interest_exact for line in whole.lines)
    parts = sum(line.interest_exact for line in (*head.lines, *tail.lines))
    assert abs(exact - parts) < D("1e-15")
    assert whole.indemnity_eur == head.indemnity_eur + tail.indemnity_eur
    # each rounded line is within half a cent; one extra line at the split
    assert abs(whole.interest - head.interest - tail.interest) <= D("0.01") * len(whole.lines)


@settings(max_examples=200)
@given(
    amount=amounts,
    due=due_dates,
    days=st.integers(0, 1500),
    more=st.integers(1, 400),
    payments=st.lists(st.tuples(st.integers(-30, 1500), amounts), max_size=4),
)
def test_interest_is_non_negative_and_grows_with_days(
    amount: Decimal, due: date, days: int, more: int, payments: list[tuple[int, Decimal]]
) -> None:
    settlements = tuple(InvoiceSettlement(on=due + timedelta(days=d), amount=a) for d, a in payments)
    late = invoice(str(amount), due=due, settlements=settlements)
    earlier = invoice_penalty(invoice=late, as_of=due + timedelta(days=days))
    later = invoice_penalty(invoice=late, as_of=due + timedelta(days=days + more))
    assert earlier.interest >= 0
    assert all(line.interest_exact >= 0 for line in earlier.lines)
    assert later.interest >= earlier.interest
    without_payments = invoice_penalty(invoice=invoice(str(amount), due=due), as_of=due + timedelta(days=days))
    # payments can only lower the exact interest (printed lines are rounded one by one)
    exact = sum((line.interest_exact for line in earlier.lines), D(0))
    assert exact <= sum((line.interest_exact for line in without_payments.lines), D(0))
