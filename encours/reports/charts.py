"""The report charts: data for Chart.js in pages, the same charts drawn by matplotlib as SVG
for PDFs (WeasyPrint runs no JavaScript). matplotlib is imported when a chart is drawn, not when
Django starts."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import translation
from django.utils.translation import gettext as _

from encours.core.aging import AgedBalance, AgingBucket
from encours.core.kpi import round_kpi
from encours.reports.selectors.series import KpiSeries

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BRAND = "#1f4e79"
BRAND_2 = "#2e75b6"
OK = "#2e7d32"
WARN = "#b26a00"
BAD = "#b3261e"
_ID = re.compile(r'id="([^"]+)"')
_REFERENCE = re.compile(r'(href="|url\()#([^")]+)')
BUCKET_COLOURS = ("#2e7d32", "#f2c744", "#f0a030", "#e07020", "#c84a1e", "#b3261e", "#7b1a14", "#4a0f0c")


def _colours(count: int) -> list[str]:
    """Green for not due, then warmer as invoices age; the last bucket always the darkest."""
    overdue = list(BUCKET_COLOURS[1 : count - 1]) if count <= len(BUCKET_COLOURS) else [BUCKET_COLOURS[3]] * (count - 2)
    return [BUCKET_COLOURS[0], *overdue, BUCKET_COLOURS[-3]]


def bucket_labels(buckets: Sequence[AgingBucket]) -> list[str]:
    labels = []
    for bucket in buckets:
        if bucket.key == "not_due":
            labels.append(_("Not due"))
        elif bucket.last_day is None:
            labels.append(_("> %(days)d days") % {"days": bucket.first_day - 1 if bucket.first_day else 0})
        else:
            labels.append(_("%(first)d–%(last)d days") % {"first": bucket.first_day, "last": bucket.last_day})
    return labels


def aging_data(balance: AgedBalance, buckets: Sequence[AgingBucket]) -> dict[str, Any]:
    return {
        "labels": bucket_labels(buckets),
        "values": [float(amount) for amount in balance.buckets],
        "colours": _colours(len(buckets)),
        "currency": balance.currency,
        "label": _("Open debits"),
    }


def _days(value: Decimal | None) -> float | None:
    return None if value is None else float(round_kpi(value, 1))


def dso_data(series: KpiSeries) -> dict[str, Any]:
    points = series.points
    data: dict[str, Any] = {
        "labels": [point.on.isoformat() for point in points],
        "datasets": [
            {"label": _("DSO (countback)"), "values": [_days(p.countback.days) for p in points], "colour": BRAND},
            {"label": _("DSO (3 months)"), "values": [_days(p.simple_dso) for p in points], "colour": BRAND_2},
        ],
        "unit": _("days"),
    }
    if points and points[-1].balance is not None:
        data["datasets"].append(
            {"label": _("Best possible DSO"), "values": [_days(p.best_possible_dso) for p in points], "colour": OK}
        )
    return data


def _grouped(value: float, _position: Any = None) -> str:
    text = f"{value:,.0f}"
    if (translation.get_language() or "fr").startswith("fr"):
        return text.replace(",", "\u202f")
    return text


def _svg(figure: Figure, prefix: str) -> str:
    """The figure as an inline ``<svg>``; ids prefixed so that two charts in one page never share
    one (``line2d_7`` in both would draw one chart's glyphs or clips in the other)."""
    from matplotlib import rc_context

    out = io.StringIO()
    with rc_context({"svg.fonttype": "none"}):
        figure.savefig(out, format="svg", bbox_inches="tight")
    text = out.getvalue()
    text = text[text.index("<svg") :]
    text = _ID.sub(lambda m: f'id="{prefix}-{m[1]}"', text)
    return _REFERENCE.sub(lambda m: f"{m[1]}#{prefix}-{m[2]}", text)


def _figure() -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.2, 2.8), dpi=100)
    figure.patch.set_alpha(0)
    return figure


def _style(axes: Any) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(labelsize=8)
    axes.grid(axis="y", color="#dfe3ea", linewidth=0.6)
    axes.set_axisbelow(True)


def aging_svg(balance: AgedBalance, buckets: Sequence[AgingBucket]) -> str:
    """A bar per aging bucket, in the currency's units, as an inline SVG."""
    from matplotlib.ticker import FuncFormatter

    data = aging_data(balance, buckets)
    figure = _figure()
    axes = figure.add_subplot()
    _style(axes)
    axes.bar(data["labels"], data["values"], color=data["colours"])
    axes.yaxis.set_major_formatter(FuncFormatter(_grouped))
    axes.set_ylabel(balance.currency, fontsize=8)
    return _svg(figure, "aging")


def dso_svg(series: KpiSeries) -> str:
    """The DSO lines of a monthly series, as an inline SVG."""
    data = dso_data(series)
    figure = _figure()
    axes = figure.add_subplot()
    _style(axes)
    labels = [label[:7] for label in data["labels"]]
    for dataset in data["datasets"]:
        values = [float("nan") if v is None else v for v in dataset["values"]]
        axes.plot(
            labels, values, marker="o", markersize=3, linewidth=1.6, color=dataset["colour"], label=dataset["label"]
        )
    axes.set_ylabel(data["unit"], fontsize=8)
    axes.tick_params(axis="x", labelrotation=45)
    axes.legend(fontsize=7, frameon=False, loc="upper left")
    return _svg(figure, "dso")


def svg_data_uri(svg: str) -> str:
    """An SVG as an ``<img src>``: drawn by WeasyPrint's SVG renderer, isolated from the page."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
