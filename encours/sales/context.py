"""The notifications badge of the menu, for sales reps: asked only when the page shows it."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest

from encours.accounts.models import Role


class Inbox:
    def __init__(self, user: Any) -> None:
        self.user = user
        self.shown = user.role == Role.SALES_REP and not user.is_admin  # the others' news: on the dashboard

    @cached_property
    def unread(self) -> int:
        from encours.sales.notifications import unread_count

        return unread_count(self.user)


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox": Inbox(user)}
