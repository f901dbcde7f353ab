"""Gradient-boosting estimators of days late, and the customer-average baseline.

Five HistGradientBoosting models share one feature matrix: the median of days late
(absolute-error loss, the point that minimises MAE), the 10th and 90th percentiles
(quantile loss, the uncertainty band), P(paid late at all) and P(paid > 30 days late).
Training rows are paid invoices seen at their invoice date and again at checkpoints after
the due date while still unpaid, so an invoice already 40 days overdue is predicted from
invoices that were in the same situation, not from fresh ones.

>>> from datetime import date
>>> from encours.synthetic.forecast import synthetic_portfolio
>>> from encours.core.forecast.features import HistoryIndex, build_features
>>> from encours.core.forecast.table import invoice_table
>>> portfolio = synthetic_portfolio(customers=30, start=date(2025, 1, 1), as_of=date(2025, 9, 1))
>>> table = invoice_table(portfolio.invoices)
>>> rows, moments = training_queries(table=table, candidates=table.paid, checkpoints=(0, 30))
>>> bool((moments >= table.invoice[rows]).all() and (table.settled[rows] >= moments).all())
True
>>> features = build_features(index=HistoryIndex(table), rows=rows, moments=moments)
>>> fitted = fit_estimators(features=features, days_late=table.days_late[rows], moments=moments,
...                         settings=TrainingSettings(max_iter=20))
>>> estimate = estimate_days_late(estimators=fitted, features=features)
>>> bool((estimate.low <= estimate.median).all() and (estimate.median <= estimate.high).all())
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from encours.core.forecast.errors import InvalidModel
from encours.core.forecast.features import (
    CATEGORICAL_FEATURES,
    FEATURE_NAMES,
    NO_CATEGORIES,
    CategoryVocabulary,
    FeatureMatrix,
)
from encours.core.forecast.table import BoolArray, FloatArray, IntArray, InvoiceTable

LATE_OVER_DAYS = 30
# Quantities that grow or drift with calendar time and portfolio size rather than describe
# the invoice: test rows lie beyond their training range, and trees extrapolating on them
# cost 5 AUC points on a 4 000-customer synthetic portfolio. The baseline still uses the
# portfolio mean as its fallback.
BASELINE_ONLY_FEATURES = ("portfolio_mean_days_late", "group_paid_count", "sector_paid_count")


@dataclass(frozen=True, slots=True, kw_only=True)
class TrainingSettings:
    """Hyper-parameters. ``checkpoint_days_after_due`` adds rows seen after the due date;
    ``label_maturity_quantile`` sets how far before the cut-off training invoices must be
    issued (see ``label_maturity_days``); None trains on every invoice paid before it.
    The p10-p90 band is calibrated on the most recent ``band_calibration_share`` of the
    training rows to cover ``band_coverage`` of outcomes (split-conformal quantile regression,
    Romano, Patterson & Candès 2019), since boosted quantiles alone are too narrow."""

    checkpoint_days_after_due: tuple[int, ...] = (0, 15, 30, 60, 90)
    label_maturity_quantile: float | None = 0.9
    band_coverage: float = 0.8
    band_calibration_share: float = 0.2
    max_iter: int = 300
    learning_rate: float = 0.06
    max_leaf_nodes: int = 31
    min_samples_leaf: int = 20
    l2_regularization: float = 1.0
    random_state: int = 0
    max_training_rows: int = 3_000_000
    # One OpenMP thread: on the 2-core target, busy with web and Celery workers, the default
    # two threads made fitting 3-6x slower (spin-waiting); None lets scikit-learn decide.
    threads: int | None = 1


DEFAULT_SETTINGS = TrainingSettings()


@dataclass(frozen=True, slots=True, kw_only=True)
class ConstantProbability:
    """What a classifier degenerates to when the training rows hold a single class."""

    probability: float

    def predict_proba(self, values: FloatArray) -> FloatArray:
        return np.column_stack([np.full(len(values), 1 - self.probability), np.full(len(values), self.probability)])


@dataclass(frozen=True, slots=True, kw_only=True)
class BaselineCalibration:
    """What the customer-average baseline needs beyond the features: its error spread on
    the training rows (for a band) and portfolio shares when a customer has no history."""

    residual_p10: float
    residual_p90: float
    share_late: float
    share_late_over_30: float


@dataclass(frozen=True, slots=True, kw_only=True)
class FittedEstimators:
    feature_names: tuple[str, ...]
    vocabulary: CategoryVocabulary
    median: HistGradientBoostingRegressor
    low: HistGradientBoostingRegressor
    high: HistGradientBoostingRegressor
    late: HistGradientBoostingClassifier | ConstantProbability
    late_over_30: HistGradientBoostingClassifier | ConstantProbability
    baseline: BaselineCalibration
    band_widening: float = 0.0
    threads: int | None = 1
    empty_columns: tuple[int, ...] = ()

    def model_inputs(self, values: FloatArray) -> FloatArray:
        """Columns unknown throughout training, or kept for the baseline only, are zeroed."""
        if not self.empty_columns:
            return values
        inputs = values.copy()
        inputs[:, list(self.empty_columns)] = 0.0
        return inputs


@dataclass(frozen=True, slots=True, kw_only=True)
class DaysLateEstimate:
    """Per query: median and p10/p90 of days late, P(late), P(late > 30 days)."""

    median: FloatArray
    low: FloatArray
    high: FloatArray
    probability_late: FloatArray
    probability_late_over_30: FloatArray


def training_queries(
    *, table: InvoiceTable, candidates: BoolArray, checkpoints: tuple[int, ...]
) -> tuple[IntArray, IntArray]:
    """(row, moment) pairs: each candidate at its invoice date, then at due + k days for
    each checkpoint k that falls after the invoice date while the invoice was still unpaid."""
    base = np.flatnonzero(candidates)
    rows = [base]
    moments = [table.invoice[base]]
    for days in checkpoints:
        moment = table.due[base] + days
        keep = (moment > table.invoice[base]) & (table.settled[base] >= moment)
        rows.append(base[keep])
        moments.append(moment[keep])
    return np.concatenate(rows).astype(np.int64), np.concatenate(moments).astype(np.int64)


def label_maturity_days(*, table: InvoiceTable, cutoff: int, quantile: float | None) -> int:
    """Invoices issued shortly before the cut-off are paid there only if they were paid
    fast: training on them teaches "recent invoices are paid early", a censoring artefact
    that features growing with time (tenure, counts) carry into every prediction. Training
    invoices must therefore be issued at least this many days before the cut-off: the
    ``quantile`` of issue-to-settlement delays seen so far (0.9: nine in ten are mature)."""
    paid = table.paid & (table.settled < cutoff)
    if quantile is None or not paid.any():
        return 0
    return int(np.ceil(np.quantile(table.settled[paid] - table.invoice[paid], quantile)))


def _regressor(settings: TrainingSettings, n_rows: int, **loss: object) -> HistGradientBoostingRegressor:
    return HistGradientBoostingRegressor(
        max_iter=settings.max_iter,
        learning_rate=settings.learning_rate,
        max_leaf_nodes=settings.max_leaf_nodes,
        min_samples_leaf=max(2, min(settings.min_samples_leaf, n_rows // 20)),
        l2_regularization=settings.l2_regularization,
        categorical_features=_categorical_mask(),
        random_state=settings.random_state,
        **loss,
    )


def _categorical_mask() -> list[bool]:
    return [name in CATEGORICAL_FEATURES for name in FEATURE_NAMES]


def _classifier(
    settings: TrainingSettings, values: FloatArray, labels: BoolArray
) -> HistGradientBoostingClassifier | ConstantProbability:
    if labels.all() or not labels.any():
        return ConstantProbability(probability=float(labels.mean()) if len(labels) else 0.0)
    model = HistGradientBoostingClassifier(
        max_iter=settings.max_iter,
        learning_rate=settings.learning_rate,
        max_leaf_nodes=settings.max_leaf_nodes,
        min_samples_leaf=max(2, min(settings.min_samples_leaf, len(labels) // 20)),
        l2_regularization=settings.l2_regularization,
        categorical_features=_categorical_mask(),
        random_state=settings.random_state,
    )
    return model.fit(values, labels)


def _calibrate_baseline(features: FeatureMatrix, days_late: FloatArray) -> BaselineCalibration:
    residual = days_late - customer_mean_baseline(features)
    return BaselineCalibration(
        residual_p10=float(np.quantile(residual, 0.1)),
        residual_p90=float(np.quantile(residual, 0.9)),
        share_late=float(np.mean(days_late > 0)),
        share_late_over_30=float(np.mean(days_late > LATE_OVER_DAYS)),
    )


def _fit_band(
    settings: TrainingSettings, values: FloatArray, labels: FloatArray, moments: IntArray
) -> tuple[HistGradientBoostingRegressor, HistGradientBoostingRegressor, float]:
    """Quantile models fitted on the older rows, widened (or narrowed) by the conformity
    score quantile on the newer rows, so the band covers what it claims on fresh data."""
    order = np.argsort(moments, kind="stable")
    n_calibration = int(len(order) * settings.band_calibration_share)
    fit_rows = order[:-n_calibration] if n_calibration >= 30 else order
    low = _regressor(settings, len(fit_rows), loss="quantile", quantile=0.1)
    high = _regressor(settings, len(fit_rows), loss="quantile", quantile=0.9)
    low.fit(values[fit_rows], labels[fit_rows])
    high.fit(values[fit_rows], labels[fit_rows])
    if n_calibration < 30:
        return low, high, 0.0
    held_out = order[-n_calibration:]
    actual = labels[held_out]
    scores = np.maximum(low.predict(values[held_out]) - actual, actual - high.predict(values[held_out]))
    level = min(1.0, np.ceil((n_calibration + 1) * settings.band_coverage) / n_calibration)
    return low, high, float(np.quantile(scores, level, method="higher"))


def fit_estimators(
    *,
    features: FeatureMatrix,
    days_late: FloatArray,
    moments: IntArray,
    settings: TrainingSettings,
    vocabulary: CategoryVocabulary = NO_CATEGORIES,
) -> FittedEstimators:
    """Fit the five models on ``features`` (one row per training query, made at ordinal
    ``moments``) and their labels, days late."""
    values, labels = features.values, days_late
    if len(values) > settings.max_training_rows:
        # keep a deterministic, evenly spread subset rather than the most recent rows only
        keep = np.linspace(0, len(values) - 1, settings.max_training_rows).astype(np.int64)
        values, labels, moments = values[keep], labels[keep], moments[keep]
        features = FeatureMatrix(names=features.names, values=values)
    # scikit-learn cannot bin a column with no known value (no grade, no group anywhere...)
    unknown = np.flatnonzero(np.isnan(values).all(axis=0)) if len(values) else np.array([], np.int64)
    empty = tuple(sorted({int(c) for c in unknown} | {FEATURE_NAMES.index(n) for n in BASELINE_ONLY_FEATURES}))
    values = values.copy()
    values[:, list(empty)] = 0.0
    # An unpaid invoice already past a threshold is late for certain (see _consistent): each
    # lateness classifier learns only from rows where its answer was still open.
    past_due = values[:, FEATURE_NAMES.index("days_past_due_at_prediction")]
    undecided_late, undecided_30 = past_due <= 0, past_due <= LATE_OVER_DAYS
    with threadpool_limits(limits=settings.threads, user_api="openmp"):
        low, high, widening = _fit_band(settings, values, labels, moments)
        return FittedEstimators(
            feature_names=features.names,
            vocabulary=vocabulary,
            median=_regressor(settings, len(values), loss="absolute_error").fit(values, labels),
            low=low,
            high=high,
            late=_classifier(settings, values[undecided_late], labels[undecided_late] > 0),
            late_over_30=_classifier(settings, values[undecided_30], labels[undecided_30] > LATE_OVER_DAYS),
            baseline=_calibrate_baseline(features, labels),
            band_widening=widening,
            threads=settings.threads,
            empty_columns=empty,
        )


def _probability(model: HistGradientBoostingClassifier | ConstantProbability, values: FloatArray) -> FloatArray:
    result: FloatArray = np.asarray(model.predict_proba(values)[:, 1], dtype=np.float64)
    return result


def _consistent(raw: DaysLateEstimate, features: FeatureMatrix) -> DaysLateEstimate:
    """An unpaid invoice cannot be paid before the prediction date: days late are at least
    the days already past due, and probabilities of lateness it already has are 1. Paying
    over 30 days late is paying late, so P(late) is at least P(late > 30)."""
    floor = features.column("days_past_due_at_prediction")
    stacked = np.sort(np.column_stack([raw.low, raw.median, raw.high]), axis=1)
    stacked = np.maximum(stacked, floor[:, None])
    late_over_30 = np.where(floor > LATE_OVER_DAYS, 1.0, raw.probability_late_over_30)
    return DaysLateEstimate(
        median=stacked[:, 1],
        low=stacked[:, 0],
        high=stacked[:, 2],
        probability_late=np.maximum(np.where(floor > 0, 1.0, raw.probability_late), late_over_30),
        probability_late_over_30=late_over_30,
    )


def estimate_days_late(*, estimators: FittedEstimators, features: FeatureMatrix) -> DaysLateEstimate:
    if features.names != estimators.feature_names:
        raise InvalidModel("feature columns differ from the ones the model was trained on: retrain it")
    values = estimators.model_inputs(features.values)
    with threadpool_limits(limits=estimators.threads, user_api="openmp"):
        raw = DaysLateEstimate(
            median=np.asarray(estimators.median.predict(values), dtype=np.float64),
            low=np.asarray(estimators.low.predict(values), dtype=np.float64) - estimators.band_widening,
            high=np.asarray(estimators.high.predict(values), dtype=np.float64) + estimators.band_widening,
            probability_late=_probability(estimators.late, values),
            probability_late_over_30=_probability(estimators.late_over_30, values),
        )
    return _consistent(raw, features)


def customer_mean_baseline(features: FeatureMatrix) -> FloatArray:
    """The customer's mean days late so far; the portfolio's when the customer has no
    settled invoice yet; 0 (terms as given) when nobody has."""
    customer = features.column("customer_mean_days_late")
    portfolio = features.column("portfolio_mean_days_late")
    result: FloatArray = np.where(np.isnan(customer), np.where(np.isnan(portfolio), 0.0, portfolio), customer)
    return result


def estimate_with_baseline(*, calibration: BaselineCalibration, features: FeatureMatrix) -> DaysLateEstimate:
    """The baseline as a full estimate: band from its training residuals, probabilities
    from the customer's shares of late payments (the portfolio's without history)."""
    mean = customer_mean_baseline(features)
    share_late = features.column("customer_share_late")
    share_30 = features.column("customer_share_late_over_30")
    raw = DaysLateEstimate(
        median=mean,
        low=mean + calibration.residual_p10,
        high=mean + calibration.residual_p90,
        probability_late=np.where(np.isnan(share_late), calibration.share_late, share_late),
        probability_late_over_30=np.where(np.isnan(share_30), calibration.share_late_over_30, share_30),
    )
    return _consistent(raw, features)


def mean_absolute_error(predicted: FloatArray, actual: FloatArray) -> float:
    return float(np.mean(np.abs(predicted - actual))) if len(actual) else math.nan
