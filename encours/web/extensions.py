"""Extension points: apps add panels to the customer page without the ledger knowing them.

A panel provider is ``provider(request, customer, as_of) -> Panel | None``; it registers with
``@customer_panel(order)`` in its app's ``ready()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True, slots=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    slot: str = "main"  # "header" (facts beside the identity) or "main" (sections below)


Provider = Callable[[HttpRequest, Any, date], Panel | None]
_PROVIDERS: list[tuple[int, Provider]] = []


def customer_panel(order: int) -> Callable[[Provider], Provider]:
    def decorator(provider: Provider) -> Provider:
        if all(p is not provider for _, p in _PROVIDERS):
            _PROVIDERS.append((order, provider))
            _PROVIDERS.sort(key=lambda pair: pair[0])
        return provider

    return decorator


def customer_panels(request: HttpRequest, customer: Any, as_of: date) -> dict[str, list[Panel]]:
    panels: dict[str, list[Panel]] = {"header": [], "main": []}
    for _, provider in _PROVIDERS:
        panel = provider(request, customer, as_of)
        if panel is not None:
            panels[panel.slot].append(panel)
    return panels
