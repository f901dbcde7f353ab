"""Hostile figures (issue 16): refused at entry with their line and field, nothing written; and
figures already stored, however extreme, never make a risk page answer 500."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from encours.core.errors import ImportRejected, ValidationFailed
from encours.risk.imports import import_statements
from encours.risk.models import Company, FinancialStatement
from encours.risk.services import statement_save
from tests.risk.conftest import HEADER, HEALTHY, statements_csv

pytestmark = pytest.mark.django_db

FIELDS = HEADER.split(",")


def test_statements_with_1e30_figures_are_refused_and_nothing_is_written(credit_manager):
    hostile = HEALTHY.replace(",1000,600,", ",1e30,NaN,", 1)
    with pytest.raises(ImportRejected) as caught:
        import_statements(raw=statements_csv(hostile), file_name="s.csv", user=credit_manager)
    assert [(e.line, e.column, e.reason) for e in caught.value.errors] == [
        (2, "total_assets", "figure out of range: 10^13 or more in absolute value"),
        (2, "current_assets", "not a finite number: 'NaN'"),
    ]
    assert not FinancialStatement.objects.exists() and not Company.objects.exists()


def test_receivables_are_bounded_too(credit_manager):
    raw = (HEADER + ",receivables\n" + HEALTHY + ",1e30\n").encode()
    with pytest.raises(ImportRejected, match=r"receivables.*figure out of range"):
        import_statements(raw=raw, file_name="s.csv", user=credit_manager)
    assert not FinancialStatement.objects.exists()


def test_the_entry_form_service_refuses_1e30(credit_manager):
    with pytest.raises(ValidationFailed, match=r"^equity: figure out of range: 10\^13 or more in absolute value$"):
        statement_save(siren="552100554", year=2025, values={"equity": Decimal("1e30")}, user=credit_manager)
    assert not FinancialStatement.objects.exists()


@pytest.mark.parametrize(
    "figures",
    [
        pytest.param({name: Decimal("999999999999999.99") for name in FIELDS[2:]}, id="all-huge"),
        pytest.param({name: Decimal("-999999999999999.99") for name in FIELDS[2:]}, id="all-hugely-negative"),
        pytest.param(
            {
                **{name: Decimal("0.01") for name in FIELDS[2:]},
                "equity": Decimal("-999999999999999.99"),
                "net_income": Decimal("999999999999999.99"),
            },
            id="tiny-denominators",
        ),
        pytest.param({name: Decimal(0) for name in FIELDS[2:]}, id="all-zero"),
    ],
)
def test_every_risk_page_of_a_customer_answers_200_on_extreme_stored_figures(
    client, credit_manager, healthy_customer, figures
):
    """Stored directly (an older version, the admin, another tool): the pages and the nightly run cope."""
    company = Company.objects.create(siren=healthy_customer.siren, name="Sain SA")
    for year in (2024, 2025):
        FinancialStatement.objects.create(company=company, year=year, **figures)
    call_command("risk_daily", "--as-of", "2026-10-31", stdout=_Sink(), stderr=_Sink())
    client.force_login(credit_manager)
    for url in (
        reverse("risk:customer", args=[healthy_customer.pk]),
        reverse("ledger:customer", args=[healthy_customer.pk]),
        reverse("risk:company", args=[company.pk]),
        reverse("risk:companies"),
        reverse("risk:portfolio"),
        reverse("risk:review"),
        reverse("risk:alerts"),
        reverse("risk:limits"),
    ):
        assert client.get(url).status_code == 200, url


class _Sink:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass
