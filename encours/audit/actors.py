"""Who does something: a person (a user row, or the anonymous user of a request) or the system.

``Actor`` is the type of every ``user=`` / ``actor=`` parameter of a service: a ``Person``, a
string naming a command or a job acting on the operator's behalf ("seed_demo", "bench"), or None
(the system). The services check the capability with ``encours.accounts.permissions.require``
(which lets the system through) and record the actor in the audit trail.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeAlias


class Person(Protocol):
    """What the audit trail and the permission checks read from a user."""

    @property
    def pk(self) -> Any: ...

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...

    def get_username(self) -> str: ...


Actor: TypeAlias = "Person | str | None"


def actor_label(actor: Actor) -> str:
    """How the audit trail names the actor: the username, the command's name or "system"."""
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    return actor.get_username()
