"""What a page does with a service's refusal.

A business rule's refusal ("this limit was already approved", "the amount exceeds the open amount")
is shown on the page, as a message or a form error. A refusal of rights — the services'
``PermissionDenied``, an ``EncoursError`` too — is not a message: it goes on to
``ServiceRefusalMiddleware`` and becomes the styled 403 page, whatever view caught ``EncoursError``.
"""

from __future__ import annotations

from encours.core.errors import EncoursError
from encours.core.errors import PermissionDenied as ServicePermissionDenied


def refusal_text(exc: EncoursError | Exception) -> str:
    """The text to show for a business refusal; re-raises a refusal of rights (a 403 page)."""
    if isinstance(exc, ServicePermissionDenied):
        raise exc
    return str(exc)
