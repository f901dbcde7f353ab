"""Demo data of the forecast: past weekly forecasts (so accuracy shows), a trained model with
the predictions of every open invoice, and adaptive-dunning suggestions when history exists.

Training is most of the demo's load time (scikit-learn, a minute on two cores): ``make run``
skips this hook in ``seed_demo`` and runs ``seed_demo_forecast`` beside the server instead."""

from __future__ import annotations

from datetime import date, timedelta

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
    context.notes.extend(forecast_demo_load(as_of=context.as_of))


def forecast_demo_load(*, as_of: date) -> list[str]:
    """Past forecasts, the model and its predictions as of ``as_of``; what was done, as notes."""
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
        return [f"forecast: no payment model ({exc})"]
    notes = [f"forecast: {record.reason}; {record.predictions.count()} open invoices predicted"]
    if dunning_history_known():
        count = dunning_suggestions_refresh(as_of=as_of)
        notes.append(f"forecast: {count} adaptive-dunning suggestion(s)")
    return notes
