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


@dataclass(frozen=True, slots=True)
class ItemAnnotation:
    """One cell an app adds to an invoice row of the ledger's item lists."""

    text: str
    badge: str = ""  # a badge class (ok, warn, bad, info) or "" for plain text
    title: str = ""  # the tooltip: the figures behind the cell


ItemAnnotator = Callable[[list[Any], date], dict[int, ItemAnnotation]]
_ITEM_ANNOTATORS: list[tuple[int, Any, ItemAnnotator]] = []


def item_annotations_provider(order: int, header: Any) -> Callable[[ItemAnnotator], ItemAnnotator]:
    """Register ``annotator(items, as_of) -> {item pk: ItemAnnotation}``, shown as a column
    titled ``header``; it must read all the items at once (one query, no N+1)."""

    def decorator(annotator: ItemAnnotator) -> ItemAnnotator:
        if all(a is not annotator for _, _, a in _ITEM_ANNOTATORS):
            _ITEM_ANNOTATORS.append((order, header, annotator))
            _ITEM_ANNOTATORS.sort(key=lambda triple: triple[0])
        return annotator

    return decorator


def annotate_items(items: list[Any], as_of: date) -> list[Any]:
    """Set ``item.annotations`` (one cell per registered column, None when empty) on each
    item and return the column headers."""
    headers, columns = [], []
    for _, header, annotator in _ITEM_ANNOTATORS:
        headers.append(header)
        columns.append(annotator(items, as_of) if items else {})
    for item in items:
        item.annotations = [column.get(item.pk) for column in columns]
    return headers
