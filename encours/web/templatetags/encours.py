from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import template

from encours.web import formats

register = template.Library()


@register.filter
def money(value: Any, currency: str = "EUR") -> str:
    return formats.money(value, currency)


@register.filter
def money0(value: Any) -> str:
    """Whole units, for dense tables and cards."""
    return formats.money0(value)


@register.filter
def short_date(value: date | None) -> str:
    return formats.short_date(value)


@register.filter
def score(value: Any, places: int = 0) -> str:
    """A score or a count (never money): '1 234' / '1,234'."""
    return formats.number(value, places)


@register.filter
def days_between(later: date | None, earlier: date | None) -> int | str:
    if not later or not earlier:
        return ""
    return (later - earlier).days


@register.simple_tag(takes_context=True)
def query_with(context: Any, **changes: Any) -> str:
    """The current query string with some parameters replaced (sorting, paging links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + urlencode(sorted(params.items()))


@register.filter
def get(mapping: Any, key: Any) -> Any:
    if mapping is None:
        return None
    return mapping.get(key)
