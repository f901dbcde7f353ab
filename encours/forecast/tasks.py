"""Scheduled work: weekly retraining, then the week's forecast kept for accuracy."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from encours.forecast.services import forecast_snapshot_take, payment_model_train, predictions_refresh


@shared_task(name="forecast.weekly_retrain")
def weekly_retrain() -> str:
    today = timezone.localdate()
    record = payment_model_train(as_of=today)
    forecast_snapshot_take(as_of=today)
    return record.reason


@shared_task(name="forecast.refresh_predictions")
def refresh_predictions() -> int:
    return predictions_refresh(as_of=timezone.localdate())
