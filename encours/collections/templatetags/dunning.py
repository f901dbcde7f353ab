from __future__ import annotations

from typing import Any

from django import template
from django.utils import translation

from encours.collections import labels

register = template.Library()


@register.filter
def describe_line(line: Any) -> str:
    """An interest line of a formal notice, worded in the active language."""
    return str(line.describe(lang=translation.get_language() or "fr"))


@register.filter
def step_label(code: Any) -> str:
    return labels.step_label(code)


@register.filter
def decision_label(code: Any) -> str:
    return labels.decision_label(code)


@register.filter
def action_label(code: Any) -> str:
    return labels.action_label(code)


@register.filter
def channel_label(code: Any) -> str:
    return labels.channel_label(code)
