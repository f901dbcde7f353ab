"""Bearer-token authentication: only the token's SHA-256 is stored.

A token acts as its user. An expired, revoked or unknown token, or one of an inactive user, is a 401;
a read-only token asking for anything but GET/HEAD/OPTIONS is a 403 (whatever its user's role)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import HttpBearer

from encours.accounts.models import ApiToken, User
from encours.audit.services import audit_record

TOKEN_PREFIX = "enc_"
DEFAULT_DAYS = 365
MAX_DAYS = 3650
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str = "api",
    scope: str = ApiToken.Scope.READ_WRITE,
    days: int = DEFAULT_DAYS,
    replace: bool = False,
) -> str:
    """Create a token valid ``days`` days and return its clear value, which is never stored.

    ``replace``: revoke the user's other live tokens of the same name first (re-issuing a token)."""
    if scope not in ApiToken.Scope.values:
        raise ValueError(f"unknown token scope {scope!r} (one of {', '.join(ApiToken.Scope.values)})")
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"a token is valid 1 to {MAX_DAYS} days, not {days}")
    now = timezone.now()
    if replace:
        api_tokens_revoke(tokens=ApiToken.objects.filter(user=user, name=name), by=user, when=now)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    created = ApiToken.objects.create(
        user=user, name=name, prefix=token[:12], key_hash=token_hash(token), scope=scope,
        expires_at=now + timedelta(days=days),
    )  # fmt: skip
    audit_record(
        actor=user, action="api_token.create", obj=created,
        after={"name": name, "scope": scope, "expires_at": created.expires_at.isoformat(), "prefix": created.prefix},
    )  # fmt: skip
    return token


def api_tokens_revoke(*, tokens: Any, by: Any, when: Any = None) -> int:
    """Revoke the live tokens of a queryset (from the admin, or when a token is re-issued); audited."""
    when = when or timezone.now()
    live = list(tokens.filter(revoked_at__isnull=True))
    for token in live:
        audit_record(actor=by, action="api_token.revoke", obj=token, after={"prefix": token.prefix})
    return ApiToken.objects.filter(pk__in=[t.pk for t in live]).update(revoked_at=when)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        now = timezone.now()
        found = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=token_hash(token), revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        if found.scope == ApiToken.Scope.READ and request.method not in READ_METHODS:
            raise HttpError(403, "this API token is read-only")
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user
