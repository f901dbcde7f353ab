"""API tests authenticate with real tokens from the ``api_token`` command (only their hash is stored)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command


@pytest.fixture
def bearer(db):
    """Headers for a user's requests, with a fresh token the command printed on its last line."""

    def headers(user) -> dict[str, str]:
        out = io.StringIO()
        call_command("api_token", user.username, stdout=out)
        return {"HTTP_AUTHORIZATION": f"Bearer {out.getvalue().strip().splitlines()[-1]}"}

    return headers


@pytest.fixture
def post_json(client):
    def post(url: str, body: dict, headers: dict[str, str]):
        return client.post(url, json.dumps(body), content_type="application/json", **headers)

    return post
