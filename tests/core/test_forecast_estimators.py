import math
from datetime import date

import numpy as np
import pytest

from encours.core.forecast.errors import InvalidModel
from encours.core.forecast.estimators import (
    BaselineCalibration,
    ConstantProbability,
    TrainingSettings,
    customer_mean_baseline,
    estimate_days_late,
    estimate_with_baseline,
    fit_estimators,
    label_maturity_days,
    training_queries,
)
from encours.core.forecast.features import FEATURE_NAMES, FeatureMatrix, features_at
from encours.core.forecast.table import invoice_table
from tests.core.forecast_factories import invoice, monthly

FAST = TrainingSettings(max_iter=30)


def test_training_queries_add_checkpoints_after_due_date_while_still_unpaid():
    late = invoice("F1", issued=date(2026, 1, 1), late=48)  # due 31 Jan, paid 20 Mar
    on_time = invoice("F2", issued=date(2026, 1, 1), late=0)
    table = invoice_table([late, on_time])
    rows, moments = training_queries(table=table, candidates=table.paid, checkpoints=(0, 15, 30, 60))
    seen = sorted((int(r), date.fromordinal(int(m))) for r, m in zip(rows, moments, strict=True))
    assert seen == [
        (0, date(2026, 1, 1)), (0, date(2026, 1, 31)), (0, date(2026, 2, 15)), (0, date(2026, 3, 2)),
        (1, date(2026, 1, 1)), (1, date(2026, 1, 31)),
    ]  # fmt: skip


def test_label_maturity_is_the_quantile_of_issue_to_settlement_delays_before_the_cutoff():
    ledger = [
        invoice(f"F{k}", issued=date(2026, 1, 1), terms=0, late=delay) for k, delay in enumerate([10, 20, 30, 40, 50])
    ]
    ledger.append(invoice("LATE", issued=date(2026, 1, 1), terms=0, late=500))  # settled after the cut-off
    table = invoice_table(ledger)
    assert label_maturity_days(table=table, cutoff=date(2026, 6, 1).toordinal(), quantile=0.5) == 30
    assert label_maturity_days(table=table, cutoff=date(2026, 6, 1).toordinal(), quantile=None) == 0


def test_constant_probability_stands_in_when_training_holds_one_class():
    assert ConstantProbability(probability=1.0).predict_proba(np.zeros((2, 3)))[:, 1].tolist() == [1.0, 1.0]


def _overdue_case():
    history = monthly("C1", [10, 10, 10, 10], start=date(2025, 1, 1))
    overdue = invoice("OPEN", issued=date(2025, 6, 1))  # due 1 July
    return [*history, overdue]


def test_baseline_is_the_customer_mean_floored_at_the_days_already_overdue():
    ledger = _overdue_case()
    features = features_at(invoices=ledger, queries=[(4, date(2025, 7, 6)), (4, date(2025, 8, 15))])
    calibration = BaselineCalibration(residual_p10=-5, residual_p90=5, share_late=0.5, share_late_over_30=0.1)
    estimate = estimate_with_baseline(calibration=calibration, features=features)
    assert estimate.median.tolist() == [10.0, 45.0]
    assert estimate.low.tolist() == [5.0, 45.0] and estimate.high.tolist() == [15.0, 45.0]
    assert estimate.probability_late.tolist() == [1.0, 1.0]  # 5 and 45 days overdue already
    assert estimate.probability_late_over_30.tolist() == [0.0, 1.0]


def test_baseline_falls_back_to_the_portfolio_mean_then_to_terms():
    names = FEATURE_NAMES
    values = np.full((3, len(names)), math.nan)
    values[0, names.index("customer_mean_days_late")] = 12.0
    values[1, names.index("portfolio_mean_days_late")] = 7.0
    assert customer_mean_baseline(FeatureMatrix(names=names, values=values)).tolist() == [12.0, 7.0, 0.0]


def _toy_training(seed: int = 0, rows: int = 600):
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(rows, len(FEATURE_NAMES)))
    values[:, FEATURE_NAMES.index("channel")] = rng.integers(0, 3, rows)
    values[:, FEATURE_NAMES.index("country")] = math.nan
    values[:, FEATURE_NAMES.index("days_past_due_at_prediction")] = -1000.0  # seen long before due
    labels = 20 * values[:, 0] + rng.normal(0, 1, rows)
    return FeatureMatrix(names=FEATURE_NAMES, values=values), labels, np.arange(rows, dtype=np.int64)


def test_fitting_is_deterministic():
    features, labels, moments = _toy_training()
    first = fit_estimators(features=features, days_late=labels, moments=moments, settings=FAST)
    second = fit_estimators(features=features, days_late=labels, moments=moments, settings=FAST)
    a, b = (estimate_days_late(estimators=f, features=features) for f in (first, second))
    assert np.array_equal(a.median, b.median) and np.array_equal(a.probability_late, b.probability_late)


def test_a_column_unknown_everywhere_does_not_break_training_or_prediction():
    features, labels, moments = _toy_training()
    fitted = fit_estimators(features=features, days_late=labels, moments=moments, settings=FAST)
    assert FEATURE_NAMES.index("country") in fitted.empty_columns
    later = features.values.copy()
    later[:, FEATURE_NAMES.index("country")] = 1.0  # a level seen only after training is ignored
    estimate = estimate_days_late(estimators=fitted, features=FeatureMatrix(names=FEATURE_NAMES, values=later))
    assert np.array_equal(estimate.median, estimate_days_late(estimators=fitted, features=features).median)


def test_band_is_widened_on_recent_rows_when_they_are_noisier_than_old_ones():
    rng = np.random.default_rng(1)
    features, _, moments = _toy_training(rows=2000)
    noise = np.where(moments >= 1600, rng.normal(0, 15, 2000), rng.normal(0, 1, 2000))
    labels = 20 * features.values[:, 0] + noise
    fitted = fit_estimators(features=features, days_late=labels, moments=moments, settings=FAST)
    assert fitted.band_widening > 5
    recent = FeatureMatrix(names=FEATURE_NAMES, values=features.values[1600:])
    estimate = estimate_days_late(estimators=fitted, features=recent)
    inside = np.mean((labels[1600:] >= estimate.low) & (labels[1600:] <= estimate.high))
    assert inside >= 0.75


def test_features_with_other_columns_are_refused():
    features, labels, moments = _toy_training()
    fitted = fit_estimators(features=features, days_late=labels, moments=moments, settings=FAST)
    renamed = FeatureMatrix(names=(*FEATURE_NAMES[:-1], "something_else"), values=features.values)
    with pytest.raises(InvalidModel):
        estimate_days_late(estimators=fitted, features=renamed)
