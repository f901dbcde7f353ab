from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import template
from django.utils import translation

from encours.core.money import format_amount

register = template.Library()


@register.filter
def money(value: Any, currency: str = "EUR") -> str:
    if value is None or value == "":
        return "—"
    return format_amount(Decimal(value), currency or "EUR", lang=translation.get_language() or "fr")


@register.filter
def money0(value: Any) -> str:
    """Whole units, for dense tables and cards."""
    if value is None or value == "":
        return "—"
    number = f"{Decimal(value):,.0f}"
    if (translation.get_language() or "fr").startswith("fr"):
        return number.replace(",", "\u202f") + "\u00a0€"
    return "€" + number


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
