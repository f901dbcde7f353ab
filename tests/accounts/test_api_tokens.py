"""API tokens: hashed, scoped (read-only / read-write), expiring, re-issued by the command, revoked from the admin."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from encours.accounts.models import ApiToken
from encours.api.auth import token_hash


def _issue(username: str, *args: str) -> str:
    out = io.StringIO()
    call_command("api_token", username, *args, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def _get(client, token: str):
    return client.get("/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {token}")


def _post_bulk(client, token: str, entity):
    body = {"entity": entity.siren, "customers": [{"account_number": "C900", "name": "Nouveau Client"}]}
    return client.post(
        "/api/v1/customers/bulk",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_the_command_prints_the_token_last_and_stores_only_its_hash(credit_manager):
    token = _issue("cm")
    stored = ApiToken.objects.get(user=credit_manager)
    assert token.startswith("enc_") and stored.key_hash == token_hash(token) and token not in stored.key_hash
    assert stored.scope == "read_write"
    assert timedelta(days=364) < stored.expires_at - timezone.now() <= timedelta(days=365)


def test_reissuing_revokes_the_previous_token_unless_keep(client, credit_manager):
    first = _issue("cm")
    second = _issue("cm")
    assert _get(client, first).status_code == 401
    assert _get(client, second).status_code == 200
    kept = _issue("cm", "--keep")
    assert _get(client, second).status_code == 200 and _get(client, kept).status_code == 200
    other_name = _issue("cm", "--name", "bi")
    assert _get(client, kept).status_code == 200 and _get(client, other_name).status_code == 200


def test_read_only_token_reads_but_gets_403_on_writes(client, credit_manager, entity):
    token = _issue("cm", "--scope", "read")
    assert _get(client, token).status_code == 200
    response = _post_bulk(client, token, entity)
    assert response.status_code == 403 and "read-only" in response.json()["detail"]
    assert not credit_manager.entities.get().customers.filter(account_number="C900").exists()
    assert _post_bulk(client, _issue("cm", "--name", "erp"), entity).status_code == 200


def test_expired_token_is_a_401(client, credit_manager):
    token = _issue("cm", "--days", "1")
    assert _get(client, token).status_code == 200
    ApiToken.objects.filter(key_hash=token_hash(token)).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _get(client, token).status_code == 401


def test_bad_scope_or_duration_is_refused(credit_manager):
    with pytest.raises(CommandError):
        _issue("cm", "--scope", "admin")
    with pytest.raises(CommandError, match="1 to 3650 days"):
        _issue("cm", "--days", "0")
    assert not ApiToken.objects.exists()


def test_admin_revokes_selected_tokens(client, credit_manager, entity):
    from tests.factories import UserFactory

    token = _issue("cm")
    admin = UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    stored = ApiToken.objects.get(user=credit_manager)
    response = client.post(
        "/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [stored.pk]}, follow=True
    )
    assert response.status_code == 200
    stored.refresh_from_db()
    assert stored.revoked_at is not None
    client.logout()
    assert _get(client, token).status_code == 401
