"""The one formatting path of the UI: money, dates, percentages and day counts in the active language.

Template filters (``{% load encours %}``: ``money``, ``money0``, ``short_date``, ``pct``, ``days``) and Python code
that builds a sentence (work tasks, timelines, form labels) both call these helpers, so an amount reads
``9 458 539,56 €`` in French and ``€9,458,539.56`` in English wherever it appears; forms use :class:`AmountField`
so that their initial values are shown the same way the user types them (``17916,82``, never ``17916.820``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.template.defaultfilters import floatformat
from django.utils import formats, translation

from encours.core.money import format_amount

DASH = "—"


def language() -> str:
    return translation.get_language() or "fr"


def is_french() -> bool:
    return language().startswith("fr")


def money(value: Any, currency: str | None = "EUR") -> str:
    """'9 458 539,56 €' (fr, narrow no-break space between thousands), '€9,458,539.56' (en), '1 234,56 USD'."""
    if value is None or value == "":
        return DASH
    return format_amount(Decimal(value), currency or "EUR", lang=language())


def money0(value: Any) -> str:
    """Whole euros, for dense tables and cards: '9 458 540 €' / '€9,458,540'."""
    if value is None or value == "":
        return DASH
    number = f"{Decimal(value):,.0f}"
    if is_french():
        return number.replace(",", "\u202f") + "\u00a0€"
    return "€" + number


def short_date(value: date | datetime | None) -> str:
    """'30/11/2026' in French, '11/30/2026' in English (the locale's SHORT_DATE_FORMAT)."""
    if not value:
        return DASH
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def pct(value: Any, places: int = 1) -> str:
    """A fraction as a percent: 0.3545 → '35,5 %' (fr) / '35.5%' (en)."""
    if value is None or value == "":
        return DASH
    number = floatformat(Decimal(value) * 100, places)
    return f"{number}\u00a0%" if is_french() else f"{number}%"


def days(value: Any, places: int = 1) -> str:
    """A day count: 41.328 → '41,3' (fr) / '41.3' (en)."""
    if value is None or value == "":
        return DASH
    return floatformat(value, places)


def number(value: Any, places: int = 0) -> str:
    """A plain figure (a score, a count) in the locale's format, never with a currency."""
    if value is None or value == "":
        return DASH
    return floatformat(value, f"{places}g")


class AmountField(forms.DecimalField):
    """A localized amount input: shown as '17916,82' in French (quantised to ``decimal_places``), and
    accepting '17 916,82', '17916,82' or '17916.82' back."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, str):  # '1 000,50' as typed or pasted from a page (spaces of any kind)
            value = "".join(value.split()).replace("\u202f", "").replace("\u00a0", "")
        return super().to_python(value)  # type: ignore[no-any-return]

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal) and value.is_finite() and self.decimal_places is not None:
            return value.quantize(Decimal(1).scaleb(-self.decimal_places))
        return value
