"""What the forecast app tells the others: the predicted payment of open invoices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from encours import contracts
from encours.forecast.models import InvoicePrediction, PaymentModel


def payment_predictions(*, item_ids: Sequence[int], as_of: date) -> Mapping[int, contracts.PaymentPrediction]:
    """Stored predictions (one query); an expected date already past reads as ``as_of``."""
    rows = InvoicePrediction.objects.filter(item_id__in_array=list(item_ids)).values_list(
        "item_id", "expected_date", "days_late", "probability_late_over_30", "source"
    )
    return {
        item_id: contracts.PaymentPrediction(
            expected_on=max(expected, as_of),
            days_late=days_late,
            late_probability=probability,
            source="model" if source == PaymentModel.Source.MODEL else "baseline",
        )
        for item_id, expected, days_late, probability, source in rows
    }
