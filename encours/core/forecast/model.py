"""The payment-date model: trained, evaluated, stored, and used on open invoices and orders.

``train_payment_model`` first evaluates on a time split (see ``evaluation``), then refits
on every mature invoice paid before ``as_of``. The stored model carries its evaluation and
its training date; ``predict_payments`` uses the gradient-boosting estimates only when
they beat the customer-average baseline, and the baseline otherwise.

>>> from datetime import date
>>> from encours.synthetic.forecast import synthetic_portfolio
>>> portfolio = synthetic_portfolio(customers=40, start=date(2024, 1, 1), as_of=date(2025, 1, 1), seed=1)
>>> model = train_payment_model(invoices=portfolio.invoices, as_of=portfolio.as_of,
...                             settings=TrainingSettings(max_iter=40))
>>> model.trained_on
datetime.date(2025, 1, 1)
>>> beats_baseline = model.evaluation.mae_model < model.evaluation.mae_customer_mean
>>> model.source == ("model" if beats_baseline else "customer_mean")
True
>>> predictions = predict_payments(model=model, invoices=portfolio.invoices, as_of=portfolio.as_of)
>>> all(p.payment_date_p10 <= p.expected_payment_date <= p.payment_date_p90 for p in predictions)
True
>>> all(p.expected_payment_date >= portfolio.as_of for p in predictions)
True
>>> model_from_bytes(model_to_bytes(model)).evaluation == model.evaluation
True
"""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import sklearn

from encours.core.forecast.errors import InvalidModel
from encours.core.forecast.estimators import (
    DEFAULT_SETTINGS,
    DaysLateEstimate,
    FittedEstimators,
    TrainingSettings,
    estimate_days_late,
    estimate_with_baseline,
    fit_estimators,
    training_queries,
)
from encours.core.forecast.evaluation import EvaluationReport, evaluate_on_table, training_candidates
from encours.core.forecast.features import HistoryIndex, build_features, learn_vocabulary
from encours.core.forecast.records import InvoiceRecord, OpenOrder, as_known_on
from encours.core.forecast.table import invoice_table
from encours.core.terms import due_date

MODEL_FORMAT = 1
MAGIC = b"ENCOURS-PAYMENT-MODEL\n"


@dataclass(frozen=True, slots=True, kw_only=True)
class TrainedPaymentModel:
    """Estimators fitted on everything known at ``trained_on``, with their evaluation."""

    trained_on: date
    evaluation: EvaluationReport
    estimators: FittedEstimators
    n_training_invoices: int
    label_maturity_days: int
    sklearn_version: str
    unknown_features: tuple[str, ...] = ()

    @property
    def use_model(self) -> bool:
        return self.evaluation.use_model

    @property
    def source(self) -> str:
        """'model' when it beat the customer-average baseline, else 'customer_mean'."""
        return "model" if self.use_model else "customer_mean"


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentPrediction:
    """When an open invoice (or an order, once invoiced) is expected to be paid.

    Days late are counted from the due date; the dates are the median and the p10/p90 of
    the payment date, never before the prediction date. Probabilities are floats in [0, 1].
    """

    item_id: str
    kind: str
    customer_id: str
    entity: str
    currency: str
    open_amount: Decimal
    due_date: date
    expected_days_late: float
    expected_payment_date: date
    payment_date_p10: date
    payment_date_p90: date
    probability_late: float
    probability_late_over_30: float
    source: str


def train_payment_model(
    *,
    invoices: Sequence[InvoiceRecord],
    as_of: date,
    split_date: date | None = None,
    settings: TrainingSettings = DEFAULT_SETTINGS,
    unknown_features: Sequence[str] = (),
) -> TrainedPaymentModel:
    """Evaluate on a time split of what was known at ``as_of``, then refit on all of it.
    ``unknown_features`` (a missing source, see ``features.SOURCE_FEATURES``) stay NaN, in
    training and in every later prediction of this model."""
    unknown = tuple(unknown_features)
    table = invoice_table(as_known_on(invoices, as_of))
    report, _ = evaluate_on_table(table=table, split_date=split_date, settings=settings, unknown=unknown)
    candidates, maturity = training_candidates(table=table, cutoff=as_of, settings=settings)
    rows, moments = training_queries(table=table, candidates=candidates, checkpoints=settings.checkpoint_days_after_due)
    vocabulary = learn_vocabulary(table=table, rows=np.flatnonzero(candidates))
    features = build_features(
        index=HistoryIndex(table), rows=rows, moments=moments, vocabulary=vocabulary, unknown=unknown
    )
    fitted = fit_estimators(
        features=features,
        days_late=table.days_late[rows],
        moments=moments,
        settings=settings,
        vocabulary=vocabulary,
    )
    return TrainedPaymentModel(
        trained_on=as_of,
        evaluation=report,
        estimators=fitted,
        n_training_invoices=int(candidates.sum()),
        label_maturity_days=maturity,
        sklearn_version=sklearn.__version__,
        unknown_features=unknown,
    )


def _customer_profiles(invoices: Sequence[InvoiceRecord]) -> dict[str, InvoiceRecord]:
    latest: dict[str, InvoiceRecord] = {}
    for invoice in invoices:
        known = latest.get(invoice.customer_id)
        if known is None or invoice.invoice_date >= known.invoice_date:
            latest[invoice.customer_id] = invoice
    return latest


def order_as_invoice(order: OpenOrder, *, as_of: date, profile: InvoiceRecord | None) -> InvoiceRecord:
    """The invoice an order will become: issued at its expected ship date (today if that
    has passed), due after its terms, with the customer's group, sector, grade, channel and
    country taken from its latest invoice."""
    issued = max(order.expected_ship_date, as_of)
    return InvoiceRecord(
        invoice_id=order.order_id, customer_id=order.customer_id, invoice_date=issued,
        due_date=due_date(issued, order.terms), amount=order.amount, currency=order.currency,
        entity=order.entity, terms_days=order.terms.days,
        group_id=profile.group_id if profile else None, sector=profile.sector if profile else None,
        grade=profile.grade if profile else None, channel=profile.channel if profile else None,
        country=profile.country if profile else None,
    )  # fmt: skip


def _estimate(model: TrainedPaymentModel, index: HistoryIndex, rows: np.ndarray, as_of: date) -> DaysLateEstimate:
    moments = np.full(len(rows), as_of.toordinal(), dtype=np.int64)
    features = build_features(
        index=index,
        rows=rows,
        moments=moments,
        vocabulary=model.estimators.vocabulary,
        unknown=model.unknown_features,
    )
    if model.use_model:
        return estimate_days_late(estimators=model.estimators, features=features)
    return estimate_with_baseline(calibration=model.estimators.baseline, features=features)


def _day(due: date, days_late: float) -> date:
    return due + timedelta(days=round(float(days_late)))


def predict_payments(
    *,
    model: TrainedPaymentModel,
    invoices: Sequence[InvoiceRecord],
    as_of: date,
    orders: Sequence[OpenOrder] = (),
) -> tuple[PaymentPrediction, ...]:
    """Predictions for every invoice open at ``as_of`` (then for ``orders``), using the
    whole of ``invoices`` as history, as it stood at ``as_of``."""
    known = as_known_on(invoices, as_of)
    profiles = _customer_profiles(known)
    pseudo = [order_as_invoice(o, as_of=as_of, profile=profiles.get(o.customer_id)) for o in orders]
    ledger = (*known, *pseudo)
    targets = [r for r, inv in enumerate(known) if inv.settled_date is None and inv.remaining_amount > 0]
    targets += list(range(len(known), len(ledger)))
    rows = np.array(targets, dtype=np.int64)
    estimate = _estimate(model, HistoryIndex(invoice_table(ledger)), rows, as_of)
    predictions = []
    for k, row in enumerate(targets):
        invoice = ledger[row]
        predictions.append(
            PaymentPrediction(
                item_id=invoice.invoice_id,
                kind="invoice" if row < len(known) else "order",
                customer_id=invoice.customer_id,
                entity=invoice.entity,
                currency=invoice.currency,
                open_amount=invoice.remaining_amount,
                due_date=invoice.due_date,
                expected_days_late=float(estimate.median[k]),
                expected_payment_date=_day(invoice.due_date, estimate.median[k]),
                payment_date_p10=_day(invoice.due_date, estimate.low[k]),
                payment_date_p90=_day(invoice.due_date, estimate.high[k]),
                probability_late=float(estimate.probability_late[k]),
                probability_late_over_30=float(estimate.probability_late_over_30[k]),
                source=model.source,
            )
        )
    return tuple(predictions)


def _header(model: TrainedPaymentModel, payload: bytes) -> bytes:
    header = {
        "format": MODEL_FORMAT,
        "sklearn": model.sklearn_version,
        "trained_on": model.trained_on.isoformat(),
        "source": model.source,
        "sha256": hashlib.sha256(payload).hexdigest(),
        "evaluation": dict(model.evaluation.as_pairs()),
    }
    return json.dumps(header, sort_keys=True).encode("utf-8")


def model_to_bytes(model: TrainedPaymentModel) -> bytes:
    """Magic line, a JSON header line (readable without unpickling), then the pickle."""
    payload = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    return MAGIC + _header(model, payload) + b"\n" + payload


def read_model_header(data: bytes) -> dict[str, object]:
    """Format, versions, training date and evaluation of stored model bytes."""
    if not data.startswith(MAGIC):
        raise InvalidModel("not an encours payment model")
    line, _, _ = data[len(MAGIC) :].partition(b"\n")
    try:
        header = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidModel(f"unreadable model header: {exc}") from None
    if not isinstance(header, dict):
        raise InvalidModel("unreadable model header")
    return header


def model_from_bytes(data: bytes) -> TrainedPaymentModel:
    """Load bytes written by ``model_to_bytes``. Only ever pass bytes this application
    stored itself: unpickling runs code. A model from another format or scikit-learn
    version is refused (retrain it) rather than silently mis-predicting."""
    header = read_model_header(data)
    payload = data[len(MAGIC) :].partition(b"\n")[2]
    if header.get("format") != MODEL_FORMAT:
        raise InvalidModel(f"model format {header.get('format')} is not {MODEL_FORMAT}: retrain the model")
    if header.get("sklearn") != sklearn.__version__:
        raise InvalidModel(
            f"model trained with scikit-learn {header.get('sklearn')}, running {sklearn.__version__}: retrain it"
        )
    if header.get("sha256") != hashlib.sha256(payload).hexdigest():
        raise InvalidModel("model bytes are corrupt (checksum mismatch)")
    model = pickle.loads(payload)  # our own bytes, checksum verified above
    if not isinstance(model, TrainedPaymentModel):
        raise InvalidModel("the stored object is not a payment model")
    return model
