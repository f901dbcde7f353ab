"""The bulk routes are reached: a GET route with an id in its path must not swallow "bulk"."""

from __future__ import annotations

import pytest

from encours.api.auth import api_token_create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ["customers", "items"])
def test_an_empty_bulk_post_reaches_the_upsert(client, credit_manager, entity, kind):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=credit_manager)}"}
    body = {"entity": entity.siren, kind: []}
    response = client.post(f"/api/v1/{kind}/bulk", body, content_type="application/json", **auth)
    assert response.status_code == 200
    assert response.json() == {"created": 0, "updated": 0, "unchanged": 0}
