"""Hostile cover-decision amounts (issue 16): a line-numbered error, nothing written, no traceback."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

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


def test_insurance_pages_answer_200_on_extreme_stored_decisions(client, credit_manager, book, entity):
    """Stored directly (an older version, the admin): the portfolio, the buyer page and the
    exposure command cope with the largest amounts a field can hold."""
    from django.core.management import call_command
    from django.urls import reverse

    policy = InsurancePolicy.objects.create(
        entity=entity, number="P-X", insurer="Coface", currency="EUR", start_date=date(2026, 1, 1)
    )
    huge = Decimal("999999999999999.999")  # 10^15: SQLite keeps it as a float, exactly enough
    for customer in (book["a"], book["b"]):
        CoverDecision.objects.create(
            policy=policy, customer=customer, decision="approved", requested_amount=huge, granted_amount=huge,
            decided_on=date(2026, 1, 1), effective_on=date(2026, 1, 1),
        )  # fmt: skip
    client.force_login(credit_manager)
    a = book["a"].pk
    for url in (
        reverse("insurance:portfolio"), reverse("insurance:buyer", args=[a]), reverse("insurance:requests"),
        reverse("insurance:declarations"), reverse("risk:customer", args=[a]), reverse("ledger:customer", args=[a]),
    ):  # fmt: skip
        assert client.get(url).status_code == 200, url
    call_command("insurance_exposure", "--as-of", "2026-10-31", "--output", "-", stdout=io.StringIO())
