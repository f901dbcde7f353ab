"""Honest evaluation of the payment-date model against the baselines, on a time split.

Test set: paid invoices settled on or after the split date (default: the last three months
of settlements). Training set: paid invoices settled strictly before it, so no training
label comes from the test period, and issued before the label-maturity horizon (see
``estimators.label_maturity_days``). Every row's features are computed at its own prediction
date from invoices settled strictly before that date. Two baselines: *terms* (everyone pays
on the due date, 0 days late) and the *customer mean* (its average days late so far, the
portfolio's when it has none). The model is used only when it beats the customer mean on
MAE; ``use_model`` says so.

>>> from datetime import date
>>> from encours.synthetic.forecast import synthetic_portfolio
>>> portfolio = synthetic_portfolio(customers=40, start=date(2024, 1, 1), as_of=date(2025, 1, 1), seed=1)
>>> report = evaluate_payment_model(invoices=portfolio.invoices, settings=TrainingSettings(max_iter=50))
>>> report.split_date
datetime.date(2024, 10, 1)
>>> report.mae_model < report.mae_terms, report.use_model == (report.mae_model < report.mae_customer_mean)
(True, True)
>>> render_evaluation(report).splitlines()[0].startswith("n_train=")
True
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta

import numpy as np
from sklearn.metrics import roc_auc_score

from encours.core.forecast.errors import InsufficientHistory
from encours.core.forecast.estimators import (
    DEFAULT_SETTINGS,
    LATE_OVER_DAYS,
    FittedEstimators,
    TrainingSettings,
    customer_mean_baseline,
    estimate_days_late,
    estimate_with_baseline,
    fit_estimators,
    label_maturity_days,
    mean_absolute_error,
    training_queries,
)
from encours.core.forecast.features import FeatureMatrix, HistoryIndex, build_features, learn_vocabulary
from encours.core.forecast.records import InvoiceRecord
from encours.core.forecast.table import BoolArray, FloatArray, IntArray, InvoiceTable, invoice_table

MIN_TRAIN_INVOICES = 20
MIN_TEST_INVOICES = 5
TEST_PERIOD_MONTHS = 3
OVERDUE_CHECKPOINT_DAYS = 30


@dataclass(frozen=True, slots=True, kw_only=True)
class EvaluationReport:
    """Metrics on the held-out period; MAE in days late, AUC for paying late at all
    (``*_late_over_30``: for paying more than 30 days late). NaN when undefined."""

    n_train: int
    n_test: int
    mae_model: float
    mae_terms: float
    mae_customer_mean: float
    auc_model: float
    auc_customer_mean: float
    use_model: bool
    split_date: date
    label_maturity_days: int
    n_train_rows: int
    auc_model_late_over_30: float
    auc_customer_mean_late_over_30: float
    bias_model: float
    coverage_p10_p90: float
    share_late_test: float
    share_late_over_30_test: float
    n_test_without_history: int
    n_test_overdue_30: int
    mae_model_overdue_30: float
    mae_customer_mean_overdue_30: float
    # the same three MAEs on days late clipped at 0 (paid early = 0), as published results count them
    mae_days_late_clipped_model: float
    mae_days_late_clipped_terms: float
    mae_days_late_clipped_customer_mean: float
    nan_reasons: tuple[tuple[str, str], ...] = ()  # (metric, why it is undefined) for each NaN

    def as_pairs(self) -> tuple[tuple[str, str], ...]:
        """The metrics, then a ``<metric>_nan_reason`` line for each one that is NaN."""
        pairs = tuple(
            (field.name, _render_value(getattr(self, field.name)))
            for field in fields(self)
            if field.name != "nan_reasons"
        )
        return pairs + tuple((f"{name}_nan_reason", reason) for name, reason in self.nan_reasons)


def _render_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.3f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def render_evaluation(report: EvaluationReport) -> str:
    """One ``name=value`` per line, the output of ``manage.py payment_model_eval``."""
    return "\n".join(f"{name}={value}" for name, value in report.as_pairs())


def default_split_date(*, latest_settlement: date) -> date:
    """The day after ``latest_settlement`` moved back three calendar months: the test set
    is then the last quarter of settlements (2026-10-31 -> 2026-08-01)."""
    month = latest_settlement.month - TEST_PERIOD_MONTHS
    year = latest_settlement.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    day = min(latest_settlement.day, calendar.monthrange(year, month)[1])
    return date(year, month, day) + timedelta(days=1)


def area_under_roc(labels: BoolArray, scores: FloatArray) -> float:
    """ROC AUC; NaN when the labels hold a single class (AUC is undefined then)."""
    if len(labels) == 0 or labels.all() or not labels.any():
        return math.nan
    return float(roc_auc_score(labels, scores))


@dataclass(frozen=True, slots=True, kw_only=True)
class _Split:
    train: BoolArray
    test: BoolArray
    split_date: date
    maturity_days: int


def training_candidates(*, table: InvoiceTable, cutoff: date, settings: TrainingSettings) -> tuple[BoolArray, int]:
    """Invoices settled before ``cutoff`` and issued before the label-maturity horizon;
    the horizon is dropped when it would leave too few invoices to learn from."""
    settled = table.paid & (table.settled < cutoff.toordinal())
    maturity = label_maturity_days(table=table, cutoff=cutoff.toordinal(), quantile=settings.label_maturity_quantile)
    mature = settled & (table.invoice < cutoff.toordinal() - maturity)
    if mature.sum() < MIN_TRAIN_INVOICES:
        return settled, 0
    return mature, maturity


def _time_split(table: InvoiceTable, split_date: date | None, settings: TrainingSettings) -> _Split:
    paid = table.paid
    if not paid.any():
        raise InsufficientHistory("no paid invoice to evaluate on")
    split = split_date or default_split_date(latest_settlement=date.fromordinal(int(table.settled[paid].max())))
    train, maturity = training_candidates(table=table, cutoff=split, settings=settings)
    test = paid & (table.settled >= split.toordinal())
    if train.sum() < MIN_TRAIN_INVOICES or test.sum() < MIN_TEST_INVOICES:
        raise InsufficientHistory(
            f"split at {split.isoformat()}: {int(train.sum())} paid invoice(s) before it and "
            f"{int(test.sum())} on or after it; need at least {MIN_TRAIN_INVOICES} and {MIN_TEST_INVOICES}"
        )
    return _Split(train=train, test=test, split_date=split, maturity_days=maturity)


def _overdue_queries(table: InvoiceTable, test: BoolArray) -> tuple[IntArray, IntArray]:
    """Test invoices still unpaid 30 days after their due date, seen on that day."""
    rows = np.flatnonzero(test)
    moment = table.due[rows] + OVERDUE_CHECKPOINT_DAYS
    keep = (moment > table.invoice[rows]) & (table.settled[rows] >= moment)
    return rows[keep], moment[keep]


def _clipped(days: FloatArray) -> FloatArray:
    """Days late as published results on public data sets count them: 0 when paid early."""
    return np.maximum(days, 0.0)


def _point_metrics(
    fitted: FittedEstimators, features: FeatureMatrix, actual: FloatArray, reasons: dict[str, str]
) -> dict[str, float | int]:
    model = estimate_days_late(estimators=fitted, features=features)
    baseline = customer_mean_baseline(features)
    late, late_30 = actual > 0, actual > LATE_OVER_DAYS
    inside = (actual >= model.low) & (actual <= model.high)
    for name, labels, what in (
        ("auc_model", late, "late"),
        ("auc_customer_mean", late, "late"),
        ("auc_model_late_over_30", late_30, f"more than {LATE_OVER_DAYS} days late"),
        ("auc_customer_mean_late_over_30", late_30, f"more than {LATE_OVER_DAYS} days late"),
    ):
        if len(labels) and (labels.all() or not labels.any()):
            some = "every" if labels.all() else "no"
            reasons[name] = f"{some} test invoice was paid {what}: AUC needs both outcomes"
    return {
        "mae_model": mean_absolute_error(model.median, actual),
        "mae_terms": mean_absolute_error(np.zeros(len(actual)), actual),
        "mae_customer_mean": mean_absolute_error(baseline, actual),
        "mae_days_late_clipped_model": mean_absolute_error(_clipped(model.median), _clipped(actual)),
        "mae_days_late_clipped_terms": mean_absolute_error(np.zeros(len(actual)), _clipped(actual)),
        "mae_days_late_clipped_customer_mean": mean_absolute_error(_clipped(baseline), _clipped(actual)),
        "auc_model": area_under_roc(late, model.probability_late),
        "auc_customer_mean": area_under_roc(late, baseline),
        "auc_model_late_over_30": area_under_roc(late_30, model.probability_late_over_30),
        "auc_customer_mean_late_over_30": area_under_roc(late_30, baseline),
        "bias_model": float(np.mean(model.median - actual)),
        "coverage_p10_p90": float(np.mean(inside)),
        "share_late_test": float(np.mean(late)),
        "share_late_over_30_test": float(np.mean(late_30)),
        "n_test_without_history": int(np.isnan(features.column("customer_mean_days_late")).sum()),
    }


def _overdue_metrics(
    fitted: FittedEstimators, features: FeatureMatrix, actual: FloatArray, reasons: dict[str, str]
) -> dict[str, float | int]:
    if not len(actual):  # the estimators cannot be asked about no row at all
        why = f"no test invoice was still unpaid {OVERDUE_CHECKPOINT_DAYS} days after its due date"
        reasons.update(mae_model_overdue_30=why, mae_customer_mean_overdue_30=why)
        return {"n_test_overdue_30": 0, "mae_model_overdue_30": math.nan, "mae_customer_mean_overdue_30": math.nan}
    model = estimate_days_late(estimators=fitted, features=features)
    baseline = estimate_with_baseline(calibration=fitted.baseline, features=features)
    return {
        "n_test_overdue_30": len(actual),
        "mae_model_overdue_30": mean_absolute_error(model.median, actual),
        "mae_customer_mean_overdue_30": mean_absolute_error(baseline.median, actual),
    }


def evaluate_on_table(
    *, table: InvoiceTable, split_date: date | None, settings: TrainingSettings, unknown: Sequence[str] = ()
) -> tuple[EvaluationReport, FittedEstimators]:
    """Fit on the training side of the split, measure on the test side."""
    split = _time_split(table, split_date, settings)
    train_rows, train_moments = training_queries(
        table=table, candidates=split.train, checkpoints=settings.checkpoint_days_after_due
    )
    test_rows = np.flatnonzero(split.test)
    overdue_rows, overdue_moments = _overdue_queries(table, split.test)
    rows = np.concatenate([train_rows, test_rows, overdue_rows])
    moments = np.concatenate([train_moments, table.invoice[test_rows], overdue_moments])
    vocabulary = learn_vocabulary(table=table, rows=np.flatnonzero(split.train))
    features = build_features(
        index=HistoryIndex(table), rows=rows, moments=moments, vocabulary=vocabulary, unknown=unknown
    )
    cuts = np.cumsum([len(train_rows), len(test_rows)])
    parts = [FeatureMatrix(names=features.names, values=block) for block in np.split(features.values, cuts)]
    late = table.days_late
    fitted = fit_estimators(
        features=parts[0],
        days_late=late[train_rows],
        moments=train_moments,
        settings=settings,
        vocabulary=vocabulary,
    )
    reasons: dict[str, str] = {}
    metrics = _point_metrics(fitted, parts[1], late[test_rows], reasons)
    metrics.update(_overdue_metrics(fitted, parts[2], late[overdue_rows], reasons))
    undefined = [name for name, value in metrics.items() if isinstance(value, float) and math.isnan(value)]
    report = EvaluationReport(
        n_train=int(split.train.sum()),
        n_test=int(split.test.sum()),
        n_train_rows=len(train_rows),
        split_date=split.split_date,
        label_maturity_days=split.maturity_days,
        use_model=bool(metrics["mae_model"] < metrics["mae_customer_mean"]),
        nan_reasons=tuple((name, reasons.get(name, "undefined on this test set")) for name in undefined),
        **metrics,  # type: ignore[arg-type]
    )
    return report, fitted


def evaluate_payment_model(
    *,
    invoices: Sequence[InvoiceRecord],
    split_date: date | None = None,
    settings: TrainingSettings = DEFAULT_SETTINGS,
    unknown_features: Sequence[str] = (),
) -> EvaluationReport:
    """Evaluate on ``invoices`` (paid ones are scored; open ones still shape exposure features);
    ``unknown_features`` are left NaN (their source is missing)."""
    report, _ = evaluate_on_table(
        table=invoice_table(invoices), split_date=split_date, settings=settings, unknown=unknown_features
    )
    return report
