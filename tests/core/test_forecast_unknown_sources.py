"""A feature whose source is missing is unknown (NaN), never a silent zero."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

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
