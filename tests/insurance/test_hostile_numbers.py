"""Hostile cover-decision amounts (issue 16): a line-numbered error, nothing written, no traceback."""

from __future__ import annotations

from datetime import date

import pytest

from encours.core.errors import ImportRejected
from encours.insurance.models import CoverDecision, InsurancePolicy
from encours.insurance.services.covers import decisions_import

pytestmark = pytest.mark.django_db
HEADER = b"customer,decision,requested_amount,granted_amount,currency,effective_date,expiry_date,decision_ref\n"


def test_a_1e30_or_nan_amount_is_refused_with_its_line(book, entity):
    raw = HEADER + (
        b"C-A,approved,1e30,4000,EUR,2026-01-15,,X1\n"
        b"C-B,approved,5000,NaN,EUR,2026-01-15,,X2\n"
        b"C-C,approved,5000,10.005,EUR,2026-01-15,,X3\n"
        b"C-D,approved,5000,4000,JPY,2026-01-15,,X4\n"
    )
    with pytest.raises(ImportRejected) as caught:
        decisions_import(raw=raw, file_name="d.csv", entity_siren=entity.siren, policy_number="P-1",
                         today=date(2026, 10, 31))  # fmt: skip
    assert [str(e) for e in caught.value.errors] == [
        "line 2, column requested_amount: '1e30' amount out of range: 10^13 or more in absolute value",
        "line 3, column granted_amount: 'NaN' not a finite number: 'NaN'",
        "line 4, column granted_amount: '10.005' more than 2 decimals for EUR",
    ]
    assert not CoverDecision.objects.exists() and not InsurancePolicy.objects.exists()
