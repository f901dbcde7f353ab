"""Demo data of the forecast: past weekly forecasts (so accuracy shows), a trained model with
the predictions of every open invoice, and adaptive-dunning suggestions when history exists."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from encours.core import forecast as core_forecast  # scikit-learn loads on first use
from encours.core.errors import EncoursError
from encours.core.periods import monday_of
from encours.forecast.adaptive import dunning_history_known, dunning_suggestions_refresh
from encours.forecast.services import forecast_snapshot_take, payment_model_train
from encours.ledger.services.demo import DemoContext, demo_hook

PAST_WEEKS = 6


@demo_hook(90)
def forecast_demo(context: DemoContext) -> None:
    as_of = context.as_of
    first = monday_of(as_of) - timedelta(weeks=PAST_WEEKS)
    quick = core_forecast.TrainingSettings(max_iter=min(100, settings.FORECAST_MAX_ITER))
    try:
        # past forecasts come from a model trained on what was known before the first of them
        payment_model_train(as_of=first, settings=quick)
        for week in range(PAST_WEEKS):
            forecast_snapshot_take(as_of=first + timedelta(weeks=week), backtest=True)
        record = payment_model_train(as_of=as_of)
        forecast_snapshot_take(as_of=as_of)
    except EncoursError as exc:
        context.notes.append(f"forecast: no payment model ({exc})")
        return
    context.notes.append(f"forecast: {record.reason}; {record.predictions.count()} open invoices predicted")
    if dunning_history_known():
        count = dunning_suggestions_refresh(as_of=as_of)
        context.notes.append(f"forecast: {count} adaptive-dunning suggestion(s)")
