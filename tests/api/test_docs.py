"""The OpenAPI schema and its docs page answer, and keep the published paths."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_openapi_docs_page_answers(client):
    assert client.get("/api/v1/docs").status_code == 200


def test_openapi_schema_keeps_the_ledger_paths(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {
        "/api/v1/customers",
        "/api/v1/customers/{customer_id}",
        "/api/v1/customers/bulk",
        "/api/v1/items",
        "/api/v1/items/{item_id}",
        "/api/v1/items/bulk",
    } <= set(paths)
    assert "post" in paths["/api/v1/customers/bulk"] and "post" in paths["/api/v1/items/bulk"]
