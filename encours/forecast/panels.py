"""Predicted payments on the customer page: a panel, and a column of the open-items table."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from encours.contracts import ItemAnnotation, Panel
from encours.forecast.models import DunningSuggestion, InvoicePrediction
from encours.forecast.selectors import active_model
from encours.ledger.queries import open_debit_q


def predicted_payments(request: HttpRequest, customer: Any, as_of: date) -> Panel | None:
    predictions = list(
        InvoicePrediction.objects.filter(open_debit_q(prefix="item__"), item__customer=customer)
        .select_related("item")
        .order_by("expected_date", "item__number")[:50]
    )
    suggestion = DunningSuggestion.objects.filter(customer=customer, status=DunningSuggestion.Status.PENDING).first()
    if not predictions and suggestion is None:
        return None
    risky = [p for p in predictions if p.risk_level == "bad"]
    context = {
        "predictions": predictions,
        "risky_count": len(risky),
        "risky_amount": sum((p.item.open_amount for p in risky), 0),
        "model": active_model(),
        "suggestion": suggestion,
        "as_of": as_of,
        "currency": customer.currency,
    }
    return Panel("forecast/_panel_predictions.html", context)


def expected_payment_cells(items: list[Any], as_of: date) -> dict[int, ItemAnnotation]:
    rows = InvoicePrediction.objects.filter(item_id__in=[i.pk for i in items if i.amount > 0]).values_list(
        "item_id", "expected_date", "days_late", "probability_late_over_30"
    )
    cells = {}
    for item_id, expected, days_late, risk in rows:
        badge = "bad" if risk >= 0.5 else "warn" if risk >= 0.2 else "ok"
        title = _("%(days)+d days after the due date; %(risk)d%% risk of paying over 30 days late") % {
            "days": days_late,
            "risk": round(risk * 100),
        }
        cells[item_id] = ItemAnnotation(
            text=date_format(max(expected, as_of), "SHORT_DATE_FORMAT"), badge=badge, title=title
        )
    return cells
