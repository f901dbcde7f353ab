from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encours.core.errors import ValidationFailed
from encours.core.factoring import (
    AssignedReceivable,
    DebtorApproval,
    FactoringAccount,
    FactoringContract,
    ReceivableToAssign,
    assignment_batch,
    factoring_availability,
    factoring_returns,
    financing_commission,
)

D = Decimal
ON = date(2026, 6, 15)


def contract(**overrides):
    terms = {
        "factor": "BNP Factor", "number": "F-1", "service_commission_rate": D("0.01"),
        "financing_margin": D("0.015"), "global_limit": D(500000),
    }  # fmt: skip
    return FactoringContract(**{**terms, **overrides})


def invoice(reference, debtor, amount, due, invoice_date=date(2026, 6, 1)):
    return ReceivableToAssign(
        reference=reference, debtor_id=debtor, amount=D(amount), invoice_date=invoice_date, due_date=due
    )


BATCH = [invoice("F1", "D1", 12000, date(2026, 7, 31)), invoice("F2", "D2", 3000, date(2026, 8, 1))]
APPROVALS = [DebtorApproval(debtor_id="D1", approved_amount=D(10000))]


def batch(receivables=BATCH, approvals=APPROVALS, terms=None, **kwargs):
    return assignment_batch(
        contract=terms or contract(), receivables=receivables, approvals=approvals, assigned_on=ON,
        index_rate=D("0.02"), **kwargs,
    )  # fmt: skip


def test_batch_splits_eligible_and_ineligible_amounts():
    result = batch()
    assert (result.assigned_total, result.eligible_total, result.ineligible_total) == (
        D(15000),
        D(10000),
        D(5000),
    )
    assert [(line.eligible, line.ineligible) for line in result.lines] == [
        (D(10000), D(2000)),
        (D(0), D(3000)),
    ]


def test_batch_advances_the_advance_rate_and_holds_the_guarantee_fund():
    result = batch()
    assert result.advance_capacity == D("9000.00")
    assert result.financed == D("9000.00")
    assert result.reserve == D("1000.00")


def test_service_commission_is_on_the_whole_assigned_turnover_plus_vat():
    result = batch()
    assert result.service_commission == D("150.00")  # 1 % of 15 000
    assert result.commission_vat == D("30.00")


def test_interest_is_index_plus_margin_pro_rata_temporis_on_sums_advanced():
    result = batch()
    # 9 000 advanced × (2 % + 1.5 %) × 46 days (15 June → 31 July) / 360
    assert result.financing_rate == D("0.035")
    assert result.lines[0].estimated_interest == D("40.25")
    assert result.estimated_interest == D("40.25")


def test_net_payable_deducts_fees_and_precompted_interest():
    assert batch().net_payable == D("8820.00")
    assert batch(terms=contract(interest_in_advance=True)).net_payable == D("8779.75")


def test_overdue_invoice_is_not_eligible():
    result = batch(receivables=[invoice("F1", "D1", 1000, date(2026, 6, 14))])
    assert result.lines[0].reasons == ("overdue on assignment (due 2026-06-14)",)
    assert result.eligible_total == D(0)


def test_invoice_on_terms_longer_than_the_contract_is_not_eligible():
    result = batch(receivables=[invoice("F1", "D1", 1000, date(2026, 6, 30), invoice_date=date(2026, 1, 1))])
    assert result.lines[0].reasons == ("payment terms over 120 days",)


def test_expired_approval_counts_as_unapproved():
    approvals = [DebtorApproval(debtor_id="D1", approved_amount=D(10000), expires_on=date(2026, 6, 14))]
    assert batch(approvals=approvals).lines[0].reasons == ("unapproved debtor",)


def test_debtor_outstanding_already_uses_the_approval():
    result = batch(debtor_outstanding={"D1": D(8000)})
    assert result.lines[0].eligible == D(2000)
    assert result.lines[0].reasons == ("over debtor approval: 2000 left",)


def test_invoices_of_one_debtor_share_its_approval_within_a_batch():
    receivables = [invoice("F1", "D1", 6000, date(2026, 7, 31)), invoice("F2", "D1", 6000, date(2026, 7, 31))]
    assert [line.eligible for line in batch(receivables=receivables).lines] == [D(6000), D(4000)]


def test_credit_note_frees_approval_for_the_batch():
    receivables = [
        invoice("F1", "D1", 12000, date(2026, 7, 31)),
        invoice("A1", "D1", -1000, date(2026, 7, 31)),
    ]
    result = batch(receivables=receivables, debtor_outstanding={"D1": D(10000)})
    assert [(line.reference, line.eligible) for line in result.lines] == [("A1", D(-1000)), ("F1", D(1000))]
    assert result.service_commission == D("110.00")  # 1 % of 12 000 less 1 % of 1 000


def test_global_limit_caps_what_is_financed():
    result = batch(terms=contract(global_limit=D(5000)), already_drawn=D(1000))
    assert result.financed == D(4000)
    assert result.capped_by_global_limit == D(5000)
    assert result.lines[0].estimated_interest == D("17.89")  # 4 000 × 3.5 % × 46 / 360


def test_negative_euribor_is_floored_at_zero():
    assert contract().financing_rate(D("-0.005")) == D("0.015")
    assert contract(index_floor=None).financing_rate(D("-0.005")) == D("0.010")


def test_expected_days_late_extend_the_interest_period():
    result = batch(expected_days_late=14)
    assert result.lines[0].estimated_interest == D("52.50")  # 9 000 × 3.5 % × 60 / 360


@pytest.mark.parametrize(
    ("days", "day_count", "interest"), [(90, 360, D("875.00")), (73, 365, D("700.00")), (0, 360, D("0.00"))]
)
def test_financing_commission_is_act_360_by_default(days, day_count, interest):
    start = date(2026, 1, 1)
    end = date.fromordinal(start.toordinal() + days)
    terms = contract(day_count=day_count)
    assert (
        financing_commission(advanced=D(100000), start=start, end=end, index_rate=D("0.02"), contract=terms) == interest
    )


def test_minimum_commission_per_invoice():
    receivables = [invoice("F1", "D1", 1000, date(2026, 7, 31)), invoice("F2", "D1", 5000, date(2026, 7, 31))]
    result = batch(receivables=receivables, terms=contract(minimum_commission_per_invoice=D(25)))
    assert result.service_commission == D("75.00")  # 25 (minimum) + 50


def test_contract_refuses_advance_and_fund_over_100_percent():
    with pytest.raises(ValidationFailed):
        contract(advance_rate=D("0.95"))


def test_availability_is_the_financeable_ceiling_less_what_is_used():
    account = FactoringAccount(approved_outstanding=D(100000), drawn=D(60000), unpaid_fees=D(1000))
    availability = factoring_availability(account=account, contract=contract())
    assert (availability.financeable, availability.ceiling, availability.used) == (
        D(90000),
        D(90000),
        D(61000),
    )
    assert availability.available == D(29000)
    assert availability.reserve == D(10000)


def test_availability_within_the_global_limit_shows_what_is_owed_back():
    account = FactoringAccount(approved_outstanding=D(100000), drawn=D(60000), unpaid_fees=D(1000))
    availability = factoring_availability(account=account, contract=contract(global_limit=D(50000)))
    assert (availability.available, availability.overdrawn) == (D(0), D(11000))


def test_returns_of_unapproved_and_long_overdue_receivables():
    receivables = [
        AssignedReceivable(reference="F1", debtor_id="D9", open_amount=D(500), due_date=date(2026, 6, 1)),
        AssignedReceivable(reference="F2", debtor_id="D1", open_amount=D(800), due_date=date(2026, 3, 1)),
        AssignedReceivable(reference="F3", debtor_id="D1", open_amount=D(900), due_date=date(2026, 3, 20)),
    ]
    returned = factoring_returns(receivables=receivables, approvals=APPROVALS, as_of=ON, contract=contract())
    assert [(r.reference, r.amount, r.reason) for r in returned] == [
        ("F1", D(500), "debtor not approved"),
        ("F2", D(800), "overdue 106 days (returned after 90)"),
    ]


def test_reduced_approval_returns_the_excess_on_the_latest_invoices():
    receivables = [
        AssignedReceivable(reference="F1", debtor_id="D1", open_amount=D(6000), due_date=date(2026, 7, 1)),
        AssignedReceivable(reference="F2", debtor_id="D1", open_amount=D(7000), due_date=date(2026, 7, 15)),
    ]
    returned = factoring_returns(receivables=receivables, approvals=APPROVALS, as_of=ON, contract=contract())
    assert [(r.reference, r.amount) for r in returned] == [("F2", D(3000))]


amounts = st.decimals(min_value=0, max_value=10**8, places=2)


@given(outstanding=amounts, drawn=amounts, fees=amounts, limit=amounts)
def test_availability_is_never_negative(outstanding, drawn, fees, limit):
    account = FactoringAccount(approved_outstanding=outstanding, drawn=drawn, unpaid_fees=fees)
    availability = factoring_availability(account=account, contract=contract(global_limit=limit))
    assert availability.available >= 0
    assert availability.available - availability.overdrawn == availability.ceiling - availability.used


receivable = st.builds(
    ReceivableToAssign,
    reference=st.text(min_size=1, max_size=5),
    debtor_id=st.sampled_from(["D1", "D2", "D3"]),
    amount=st.decimals(min_value=-5000, max_value=50000, places=2),
    invoice_date=st.dates(min_value=date(2026, 1, 1), max_value=ON),
    due_date=st.dates(min_value=date(2026, 5, 1), max_value=date(2026, 12, 31)),
)


@given(st.lists(receivable, max_size=15), amounts, amounts)
def test_batch_figures_tie_out(receivables, limit, drawn):
    result = batch(receivables=receivables, terms=contract(global_limit=limit), already_drawn=drawn)
    assert result.assigned_total == result.eligible_total + result.ineligible_total
    assert sum((line.eligible for line in result.lines), D(0)) == result.eligible_total
    assert D(0) <= result.financed <= result.advance_capacity
    assert result.financed <= max(D(0), limit - drawn)
    approved = {"D1": D(10000)}
    for debtor, cap in approved.items():
        assert sum((line.eligible for line in result.lines if line.debtor_id == debtor), D(0)) <= cap
