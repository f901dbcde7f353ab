"""A feature whose source is missing is unknown (NaN), never a silent zero."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from encours.core.forecast.features import SOURCE_FEATURES, features_at, unknown_features_of
from encours.core.forecast.records import InvoiceRecord


def _invoice(number: str, disputed: bool) -> InvoiceRecord:
    return InvoiceRecord(
        invoice_id=number, customer_id="C1", invoice_date=date(2026, 1, 5), due_date=date(2026, 2, 4),
        amount=Decimal(100), disputed=disputed,
    )  # fmt: skip


def test_unknown_sources_leave_their_features_nan():
    ledger = [_invoice("1", disputed=False)]
    unknown = unknown_features_of(["disputes", "dunning"])
    row = features_at(invoices=ledger, queries=[(0, date(2026, 1, 10))], unknown=unknown).row(0)
    for name in SOURCE_FEATURES["disputes"] + SOURCE_FEATURES["dunning"]:
        assert math.isnan(row[name])
    assert row["terms_days"] == 30.0


def test_known_sources_keep_their_values():
    ledger = [_invoice("1", disputed=True)]
    row = features_at(invoices=ledger, queries=[(0, date(2026, 1, 10))]).row(0)
    assert row["dispute_open_at_prediction"] == 1.0 and row["dunning_stage_at_prediction"] == 0.0


@given(sources=st.sets(st.sampled_from(sorted(SOURCE_FEATURES))), day=st.integers(min_value=0, max_value=120))
@settings(max_examples=40, deadline=None)
def test_only_the_missing_sources_columns_change(sources, day):
    ledger = [_invoice("1", disputed=True), _invoice("2", disputed=False)]
    moment = date(2026, 1, 5) + timedelta(days=day)
    known = features_at(invoices=ledger, queries=[(0, moment), (1, moment)])
    partial = features_at(
        invoices=ledger, queries=[(0, moment), (1, moment)], unknown=unknown_features_of(sorted(sources))
    )
    blanked = set(unknown_features_of(sorted(sources)))
    for name in known.names:
        if name in blanked:
            assert np.isnan(partial.column(name)).all()
        else:
            assert np.array_equal(known.column(name), partial.column(name), equal_nan=True)
