"""Chart.js data of the disputes report: weekly opened/closed flow and open amounts by reason."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from encours.disputes.selectors import ReasonFigures

OPENED = "#b26a00"
CLOSED = "#2e7d32"
BRAND = "#1f4e79"


def flow_chart_data(
    flow: list[tuple[date, int, int, Decimal, Decimal]], by_reason: list[ReasonFigures]
) -> dict[str, Any]:
    return {
        "flow": {
            "labels": [monday.isoformat() for monday, *_rest in flow],
            "datasets": [
                {"label": _("Opened"), "values": [opened for _m, opened, *_r in flow], "colour": OPENED},
                {"label": _("Closed"), "values": [closed for _m, _o, closed, *_r in flow], "colour": CLOSED},
            ],
        },
        "reasons": {
            "labels": [line.label for line in by_reason],
            "values": [float(line.open_amount) for line in by_reason],
            "label": _("Open amount in dispute"),
            "colour": BRAND,
        },
    }
