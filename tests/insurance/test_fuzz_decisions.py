"""Fuzzing the cover-decision parser (issue 17): any cells give a decision whose amounts respect
``encours.core.bounds`` and whose dates are sane, or ``RowError`` values — never an exception."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from encours.core.bounds import amount_problem
from encours.core.errors import RowError
from encours.core.formats.tabular import MAX_YEAR, MIN_YEAR
from encours.insurance.services.covers import DEFAULT_COLUMNS, REQUIRED, _row
from encours.ledger.models import Customer

CELLS = {
    "customer": st.sampled_from(["C1", "C1", "C2", ""]),
    "decision": st.sampled_from(["approved", "partial", "refused", "APPROVED", "maybe", ""]),
    "requested_amount": st.one_of(st.sampled_from(["1e30", "NaN", "-5", "10.005", "5000", "", "1E+400"]), st.text()),
    "granted_amount": st.one_of(st.sampled_from(["1e30", "-Infinity", "4000", "12.5", "0", "9" * 40]), st.text()),
    "currency": st.sampled_from(["EUR", "JPY", "KWD", "EURO", "", "€"]),
    "effective_date": st.sampled_from(["2026-01-15", "15/01/2026", "9999-12-31", "0001-01-01", "x", ""]),
    "expiry_date": st.sampled_from(["2026-12-31", "2025-01-01", "", "2199-12-31", "2200-01-01"]),
    "decision_ref": st.text(max_size=10),
}


@settings(max_examples=200, deadline=None)
@given(
    st.fixed_dictionaries(
        {name: CELLS[name] for name in REQUIRED}, optional={k: v for k, v in CELLS.items() if k not in REQUIRED}
    )
)
def test_any_decision_cells_give_a_bounded_decision_or_row_errors(raw):
    errors: list[RowError] = []
    customers = {"C1": Customer(account_number="C1", name="Client")}
    decision = _row(3, raw, {}, customers, "", "EUR", errors)
    assert all(isinstance(e, RowError) and e.line == 3 and e.column in DEFAULT_COLUMNS for e in errors)
    if decision is None:
        return
    assert not errors
    for amount in (decision.requested_amount, decision.granted_amount):
        assert amount >= 0 and amount_problem(amount, decision.currency) is None
    assert MIN_YEAR <= decision.effective_on.year <= MAX_YEAR
    assert decision.expires_on is None or decision.expires_on >= decision.effective_on
