"""Data of the forecast charts (Chart.js, the library the reports use)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


def forecast_charts(series: list[dict[str, Any]], accuracy: list[dict[str, Any]]) -> dict[str, Any]:
    """Per entity and currency: weekly expected cash-in with its p10-p90 band and the part
    from open orders; per series of past weeks: forecast against actual receipts."""
    forecasts = []
    for entry in series:
        s = entry["series"]
        forecasts.append(
            {
                "id": f"forecast-chart-{s.entity}-{s.currency}",
                "currency": s.currency,
                "labels": [w.week_start.isoformat() for w in s.weeks],
                "expected": [float(w.expected) for w in s.weeks],
                "low": [float(w.low) for w in s.weeks],
                "high": [float(w.high) for w in s.weeks],
                "orders": [float(w.expected_from_orders) for w in s.weeks],
                "names": {
                    "expected": _("Expected cash-in"),
                    "low": _("Low (p10)"),
                    "high": _("High (p90)"),
                    "orders": _("of which open orders"),
                },
            }
        )
    accuracies = []
    for entry in accuracy:
        row = entry["row"]
        weeks = row.accuracy.weeks
        accuracies.append(
            {
                "id": f"accuracy-chart-{row.entity_id}-{row.currency}",
                "currency": row.currency,
                "labels": [w.week_start.isoformat() for w in weeks],
                "forecast": [float(w.forecast) for w in weeks],
                "actual": [float(w.actual) for w in weeks],
                "names": {"forecast": _("Forecast"), "actual": _("Actual cash-in")},
            }
        )
    return {"forecasts": forecasts, "accuracies": accuracies}
