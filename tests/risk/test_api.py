"""Statements and grade API: token-scoped like the UI."""

from __future__ import annotations

import json

import pytest

from encours.api.auth import api_token_create
from encours.risk.models import FinancialStatement

pytestmark = pytest.mark.django_db


def _auth(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)}"}


def test_put_and_get_statements(client, credit_manager, collector, healthy_customer):
    body = {"siren": "552100554", "year": 2025, "total_assets": "1000", "equity": "-50", "pge_outstanding": "120"}
    response = client.put("/api/v1/risk/statements", json.dumps(body), content_type="application/json",
                          **_auth(credit_manager))  # fmt: skip
    assert response.status_code == 200, response.content
    row = FinancialStatement.objects.get()
    assert (row.equity, row.pge_outstanding, row.revenue) == (-50, 120, None)
    denied = client.put("/api/v1/risk/statements", json.dumps(body), content_type="application/json",
                        **_auth(collector))  # fmt: skip
    assert denied.status_code == 403
    listed = client.get("/api/v1/risk/statements?siren=552100554", **_auth(collector)).json()
    assert listed[0]["year"] == 2025 and listed[0]["revenue"] is None


def test_statements_of_another_users_customer_are_not_listed(client, credit_manager, other_rep, healthy_customer):
    FinancialStatement.objects.create(company_id=_company("552100554"), year=2025, equity=1)
    assert client.get("/api/v1/risk/statements?siren=552100554", **_auth(other_rep)).json() == []
    assert len(client.get("/api/v1/risk/statements?siren=552100554", **_auth(credit_manager)).json()) == 1


def test_grade_endpoint_is_scoped(client, credit_manager, outsider, healthy_customer):
    from encours.risk.imports import import_statements
    from tests.risk.conftest import HEALTHY, statements_csv

    import_statements(raw=statements_csv(HEALTHY), file_name="s.csv")
    url = f"/api/v1/risk/customers/{healthy_customer.pk}/grade"
    data = client.get(url, **_auth(credit_manager)).json()
    assert data["customer"] == healthy_customer.account_number
    assert data["grade"] in ("A", "B") and data["altman_z2"] is not None
    assert sum(float(c["points"]) for c in data["contributions"]) == pytest.approx(float(data["score"]))
    assert client.get(url, **_auth(outsider)).status_code == 404


def _company(siren):
    from encours.risk.models import Company

    return Company.objects.create(siren=siren).pk
