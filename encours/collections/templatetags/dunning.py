from __future__ import annotations

from typing import Any

from django import template
from django.utils import translation

register = template.Library()


@register.filter
def describe_line(line: Any) -> str:
    """An interest line of a formal notice, worded in the active language."""
    return str(line.describe(lang=translation.get_language() or "fr"))
