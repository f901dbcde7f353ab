"""How a job's result reads on its page: the app running a kind of job declares which of its
result's keys are figures for people, with their labels; the page shows those, formatted for
the reader's language (grouped numbers, yes/no, lists), and no raw key.

    job_figures("ledger.import_fec", (("customers_created", _("Customers created")),))
    readable_figures("ledger.import_fec", {"customers_created": 1200, "encoding": "utf-8"})
    → [("Clients créés", "1 200")]  (in French)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext

_FIGURES: dict[str, tuple[tuple[str, Any], ...]] = {}


def job_figures(kind: str, figures: Sequence[tuple[str, Any]]) -> None:
    """Declare the figures of ``kind``'s result: (key, label) in the order the page lists them."""
    _FIGURES[kind] = tuple(figures)


def has_figures(kind: str) -> bool:
    return kind in _FIGURES


def readable_figures(kind: str, result: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) of the declared figures present in ``result``; empty lists are left out."""
    rows = []
    for key, label in _FIGURES.get(kind, ()):
        if key not in result or result[key] in (None, [], ""):
            continue
        rows.append((str(label), readable_value(result[key])))
    return rows


def readable_value(value: Any) -> str:
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, int):
        return _grouped(number_format(value, force_grouping=True))
    if isinstance(value, float):
        return _grouped(number_format(value, 1, force_grouping=True))
    if isinstance(value, (list, tuple)):
        return ", ".join(readable_value(v) for v in value)
    return str(value)


def _grouped(text: str) -> str:
    """Thousands apart by a narrow no-break space in French, as the amounts are (Django's is wider)."""
    return text.replace("\u00a0", "\u202f")
