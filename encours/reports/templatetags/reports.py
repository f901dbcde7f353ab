"""Display of KPI values in the current language: days, percents, signed changes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import template
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from encours.core.money import format_amount
from encours.web import formats

register = template.Library()
DASH = "—"


@register.filter
def days(value: Any, places: int = 1) -> str:
    """41.328 → '41,3' (fr) / '41.3' (en); None → '—'."""
    return formats.days(value, places)


@register.filter
def pct(value: Any, places: int = 1) -> str:
    """A fraction as a percent: 0.3545 → '35,5 %' (fr) / '35.5%' (en)."""
    return formats.pct(value, places)


@register.filter
def percent_value(value: Any, places: int = 1) -> str:
    """A value already in percent (CEI): 77.36 → '77,4 %'."""
    if value is None or value == "":
        return DASH
    return pct(Decimal(value) / 100, places)


@register.filter
def signed_money(value: Any, currency: str = "EUR") -> str:
    """A change of amount with its sign: '+1 234,00 €', '−50,00 €', '0,00 €'."""
    if value is None or value == "":
        return DASH
    amount = Decimal(value)
    text = format_amount(abs(amount), currency or "EUR", lang=translation.get_language() or "fr")
    return ("+" if amount > 0 else "\u2212" if amount < 0 else "") + text


@register.filter
def signed_days(value: Any, places: int = 1) -> str:
    if value is None or value == "":
        return DASH
    number = Decimal(value)
    text = floatformat(abs(number), places)
    return ("+" if number > 0 else "\u2212" if number < 0 else "") + text


@register.filter
def signed_points(value: Any, places: int = 1) -> str:
    """A change of a rate in percentage points: '+2,3 pts' (fr) / '+2.3 pts' (en)."""
    if value is None or value == "":
        return DASH
    unit = pgettext("percentage points", "pts")
    return f"{signed_days(value, places)}\u00a0{unit}"


def _change_class(value: Any, *, up: str, down: str) -> str:
    if value is None or value == "":
        return ""
    number = Decimal(value)
    return up if number > 0 else down if number < 0 else ""


@register.filter
def rise_class(value: Any) -> str:
    """Badge class of a change where up is good (CEI)."""
    return _change_class(value, up="ok", down="bad")


@register.filter
def trend_class(value: Any) -> str:
    """Badge class of a change where up is bad (overdue, days late, DSO)."""
    return _change_class(value, up="bad", down="ok")


@register.filter
def at(sequence: Any, index: int) -> Any:
    try:
        return sequence[index]
    except (IndexError, KeyError, TypeError):
        return None


@register.simple_tag
def aged_items_url(base: str, *, currency: str, ident: str | None = None, name: str = "") -> str:
    """The drill-down of an aged-balance row (``ident``) or of a TOTAL line (no ``ident``), in
    the row's currency; the caller appends ``&column=…``."""
    query = (
        {"currency": currency, "key": ident, "name": name} if ident is not None else {"currency": currency, "by": ""}
    )
    return f"{reverse('reports:aged_items')}?{base}&{urlencode(query)}"


CEI_RANGE = (Decimal(0), Decimal(100))


@register.simple_tag
def cei(value: Any, places: int = 1) -> str:
    """A CEI in percent; outside 0–100 % (lumpy sales: the period's sales are small against the
    receivables) shown muted with a title saying why, rather than hidden."""
    text = percent_value(value, places)
    if value is None or value == "" or CEI_RANGE[0] <= Decimal(value) <= CEI_RANGE[1]:
        return text
    title = _(
        "Out of the 0–100 range: the sales of the period are small against the receivables "
        "(lumpy sales), so the index says little about collection."
    )
    return format_html('<span class="muted cei-out" title="{}">{}</span>', title, text)
