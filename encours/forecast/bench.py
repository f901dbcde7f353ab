"""Forecast figures on the bench portfolio: training the payment model on the whole ledger,
predicting every open invoice and order, and the 13-week forecast of the whole portfolio."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings as django_settings

from encours.core import forecast as core_forecast  # scikit-learn loads on first use
from encours.forecast.models import InvoicePrediction
from encours.forecast.selectors import ledger_records
from encours.forecast.services import cash_forecast, payment_model_train, predictions_refresh
from encours.ledger.models import Customer
from encours.web.bench import BenchContext, Figure, stopwatch

SMALL_MAX_ITER = 60


def training(context: BenchContext) -> Iterator[Figure]:
    with stopwatch() as read:
        records = ledger_records(as_of=context.as_of)
    yield Figure(
        "forecast: ledger read as prediction records", read[0], "s", detail=f"{len(records.invoices):,} invoices"
    )
    # the small bench must stay within two minutes: fewer boosting iterations, said on the line
    iterations = SMALL_MAX_ITER if context.small else django_settings.FORECAST_MAX_ITER
    settings = core_forecast.TrainingSettings(max_iter=iterations)
    with stopwatch() as elapsed:
        record = payment_model_train(as_of=context.as_of, settings=settings)
    yield Figure(
        "forecast: train payment model (evaluation + refit + predictions)",
        elapsed[0],
        "s",
        detail=f"{settings.max_iter} boosting iterations at most, fit {record.training_seconds:.1f} s; {record.reason}",
    )
    with stopwatch() as predicted:
        count = predictions_refresh(as_of=context.as_of)
    yield Figure(
        "forecast: predict and store every open invoice and order",
        predicted[0],
        "s",
        detail=f"{count:,} open invoices, {InvoicePrediction.objects.count():,} stored",
    )
    with stopwatch() as weekly:
        forecast = cash_forecast(customers=Customer.objects.all(), as_of=context.as_of)
    yield Figure(
        "forecast: 13-week cash forecast, whole portfolio",
        weekly[0],
        "s",
        detail=f"{len(forecast.series)} entity/currency series",
    )


BENCHMARKS = [(90, training)]
