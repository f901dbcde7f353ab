"""Writes of the forecast app: train the payment model, refresh predictions, keep forecasts.

Training evaluates on the last held-out quarter, then refits on everything known; the
stored record says whether the model or the customer-average baseline is used, and why.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet

from encours.accounts.permissions import require
from encours.audit.services import audit_record
from encours.core import forecast as core_forecast  # numpy and scikit-learn load on first use
from encours.forecast.models import (
    FEATURES_VERSION,
    ForecastSnapshot,
    ForecastWeek,
    InvoicePrediction,
    OrderPrediction,
    PaymentModel,
)
from encours.forecast.selectors import LedgerRecords, active_model, ledger_records
from encours.ledger.models import Customer, OpenOrder
from encours.ledger.queries import open_debit_q

if TYPE_CHECKING:
    from encours.core.forecast import CashForecast, CashInItem, TrainedPaymentModel, TrainingSettings

Progress = Callable[..., None]
PAGE_SCENARIOS = 400
SNAPSHOT_SCENARIOS = 1000
_loaded: dict[int, TrainedPaymentModel] = {}


def _noop(*args: Any, **kwargs: Any) -> None:
    return None


def _reason(trained: TrainedPaymentModel) -> str:
    report = trained.evaluation
    comparison = (
        f"model MAE {report.mae_model:.2f} days vs customer average {report.mae_customer_mean:.2f} days "
        f"on {report.n_test} invoices settled from {report.split_date.isoformat()}"
    )
    if trained.use_model:
        return f"the model beats the baseline: {comparison}"
    return f"the baseline is used because the model does not beat it: {comparison}"


def payment_model_train(
    *,
    as_of: date,
    user: Any = None,
    progress: Progress = _noop,
    settings: TrainingSettings | None = None,
) -> PaymentModel:
    """Train on the whole ledger as known at ``as_of``, store it, make it the active model,
    then refresh the predictions of every open invoice and order."""
    require(user, "forecast.train")
    progress(0, 4, "reading the ledger")
    settings = settings or core_forecast.TrainingSettings(max_iter=django_settings.FORECAST_MAX_ITER)
    records = ledger_records(as_of=as_of)
    progress(1, 4, f"training on {len(records.invoices)} invoices")
    started = time.perf_counter()
    trained = core_forecast.train_payment_model(
        invoices=records.invoices, as_of=as_of, settings=settings, unknown_features=records.sources.unknown_features
    )
    seconds = time.perf_counter() - started
    progress(2, 4, "storing the model")
    record = _store_model(trained, user=user, seconds=seconds)
    progress(3, 4, "predicting open invoices")
    predictions_refresh(as_of=as_of, model=record, records=records)
    progress(4, 4, "done")
    return record


@transaction.atomic
def _store_model(trained: TrainedPaymentModel, *, user: Any, seconds: float) -> PaymentModel:
    report = trained.evaluation
    record = PaymentModel(
        trained_on=trained.trained_on,
        created_by=user if getattr(user, "pk", None) else None,
        features_version=FEATURES_VERSION,
        sklearn_version=trained.sklearn_version,
        source=trained.source,
        reason=_reason(trained)[:300],
        metrics=dict(report.as_pairs()),
        unknown_features=list(trained.unknown_features),
        n_training_invoices=trained.n_training_invoices,
        training_seconds=round(seconds, 2),
    )
    name = f"payment-model-{trained.trained_on.isoformat()}-{uuid.uuid4().hex[:8]}.bin"
    record.artefact.save(name, ContentFile(core_forecast.model_to_bytes(trained)), save=False)
    PaymentModel.objects.filter(is_active=True).update(is_active=False)
    record.save()
    _loaded[record.pk] = trained
    audit_record(
        actor=user if getattr(user, "pk", None) else "forecast",
        action="forecast.model_trained",
        obj=record,
        after={"source": record.source, "trained_on": record.trained_on, **record.metrics},
        note=record.reason,
    )
    return record


def model_load(record: PaymentModel) -> TrainedPaymentModel:
    """The trained model behind a record (kept in memory once read)."""
    if record.pk not in _loaded:
        with default_storage.open(record.artefact.name, "rb") as handle:
            _loaded[record.pk] = core_forecast.model_from_bytes(handle.read())
    return _loaded[record.pk]


def _rate(value: float) -> Decimal:
    return Decimal(str(round(min(max(value, 0.0), 1.0), 4)))


def predictions_refresh(
    *,
    as_of: date,
    model: PaymentModel | None = None,
    records: LedgerRecords | None = None,
) -> int:
    """Recompute and store the prediction of every open invoice and open order (one model run)."""
    record = model or active_model()
    if record is None:
        return 0
    trained = model_load(record)
    records = records or ledger_records(as_of=as_of)
    predictions = core_forecast.predict_payments(
        model=trained, invoices=records.invoices, orders=records.orders, as_of=as_of
    )
    invoice_rows = [
        InvoicePrediction(
            item_id=int(p.item_id),
            model=record,
            as_of=as_of,
            expected_date=p.expected_payment_date,
            date_p10=p.payment_date_p10,
            date_p90=p.payment_date_p90,
            days_late=round(p.expected_days_late),
            probability_late=_rate(p.probability_late),
            probability_late_over_30=_rate(p.probability_late_over_30),
            source=p.source,
        )
        for p in predictions
        if p.kind == "invoice"
    ]
    order_rows = [
        OrderPrediction(
            order_id=int(p.item_id.removeprefix("order-")),
            as_of=as_of,
            expected_date=p.expected_payment_date,
            date_p10=p.payment_date_p10,
            date_p90=p.payment_date_p90,
            source=p.source,
        )
        for p in predictions
        if p.kind == "order"
    ]
    with transaction.atomic():
        InvoicePrediction.objects.all().delete()
        OrderPrediction.objects.all().delete()
        InvoicePrediction.objects.bulk_create(invoice_rows, batch_size=5000)
        OrderPrediction.objects.bulk_create(order_rows, batch_size=5000)
    return len(invoice_rows)


def _stored_items(customers: QuerySet[Customer]) -> list[CashInItem]:
    """Cash-in items from the stored predictions of the scope's open invoices and orders."""
    invoices = InvoicePrediction.objects.filter(
        open_debit_q(prefix="item__"), item__customer__in=customers.values("pk")
    )
    items = [
        core_forecast.CashInItem(
            item_id=str(item_id),
            kind="invoice",
            entity=str(entity),
            currency=currency,
            amount=amount,
            date_p10=p10,
            date_p50=p50,
            date_p90=p90,
        )
        for item_id, entity, currency, amount, p10, p50, p90 in invoices.values_list(
            "item_id", "item__entity_id", "item__currency", "item__open_amount", "date_p10", "expected_date", "date_p90"
        )
    ]
    orders = OrderPrediction.objects.filter(
        order__customer__in=customers.values("pk"),
        order__status__in=[OpenOrder.Status.OPEN, OpenOrder.Status.DELIVERED],
    )
    items += [
        core_forecast.CashInItem(
            item_id=f"order-{order_id}",
            kind="order",
            entity=str(entity),
            currency=currency,
            amount=amount,
            date_p10=p10,
            date_p50=p50,
            date_p90=p90,
        )
        for order_id, entity, currency, amount, p10, p50, p90 in orders.values_list(
            "order_id", "order__entity_id", "order__currency", "order__amount", "date_p10", "expected_date", "date_p90"
        )
    ]
    return items


def cash_forecast(*, customers: QuerySet[Customer], as_of: date, scenarios: int = PAGE_SCENARIOS) -> CashForecast:
    """13-week cash-in forecast of the scope from the stored predictions (no model run)."""
    return core_forecast.weekly_cash_in(items=_stored_items(customers), as_of=as_of, scenarios=scenarios)


@dataclass(frozen=True, slots=True)
class SnapshotResult:
    snapshot: ForecastSnapshot
    forecast: CashForecast


def _backtest_items(model: TrainedPaymentModel, as_of: date) -> Iterable[CashInItem]:
    """What the model would have predicted on a past day, from the ledger as known then
    (orders of that day are not kept, so a past forecast covers invoices only)."""
    records = ledger_records(as_of=as_of)
    return core_forecast.cash_in_items(
        core_forecast.predict_payments(model=model, invoices=records.invoices, as_of=as_of)
    )


@transaction.atomic
def forecast_snapshot_take(*, as_of: date, backtest: bool = False) -> SnapshotResult | None:
    """Keep the whole portfolio's 13-week forecast of ``as_of`` (replacing one of that day).
    ``backtest`` recomputes predictions from the ledger as known on that (past) day."""
    record = active_model()
    if record is None:
        return None
    if backtest:
        items: Iterable[CashInItem] = _backtest_items(model_load(record), as_of)
    else:
        items = _stored_items(Customer.objects.all())
    forecast = core_forecast.weekly_cash_in(items=list(items), as_of=as_of, scenarios=SNAPSHOT_SCENARIOS)
    ForecastSnapshot.objects.filter(as_of=as_of).delete()
    snapshot = ForecastSnapshot.objects.create(as_of=as_of, model=record, source=record.source)
    ForecastWeek.objects.bulk_create(
        ForecastWeek(
            snapshot=snapshot,
            entity_id=int(series.entity),
            currency=series.currency,
            week_start=week.week_start,
            expected=week.expected,
            expected_from_orders=week.expected_from_orders,
            low=week.low,
            high=week.high,
        )
        for series in forecast.series
        for week in series.weeks
    )
    audit_record(
        actor="forecast",
        action="forecast.snapshot",
        obj=snapshot,
        after={"as_of": as_of, "series": len(forecast.series), "backtest": backtest},
    )
    return SnapshotResult(snapshot=snapshot, forecast=forecast)
