from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest

from encours.core.forecast.errors import InsufficientHistory
from encours.core.forecast.estimators import TrainingSettings, estimate_days_late
from encours.core.forecast.evaluation import (
    default_split_date,
    evaluate_on_table,
    evaluate_payment_model,
    render_evaluation,
    training_candidates,
)
from encours.core.forecast.features import FEATURE_NAMES, FeatureMatrix
from encours.core.forecast.table import invoice_table
from encours.synthetic.forecast import synthetic_portfolio
from tests.core.forecast_factories import monthly

FAST = TrainingSettings(max_iter=40)
REQUIRED = (
    "n_train",
    "n_test",
    "mae_model",
    "mae_terms",
    "mae_customer_mean",
    "auc_model",
    "auc_customer_mean",
)


@pytest.mark.parametrize(
    ("latest", "split"),
    [
        (date(2026, 10, 31), date(2026, 8, 1)),
        (date(2026, 5, 31), date(2026, 3, 1)),  # 31 February does not exist: 28th, then the day after
        (date(2026, 1, 15), date(2025, 10, 16)),
    ],
)
def test_default_split_leaves_the_last_three_months_of_settlements_for_testing(latest, split):
    assert default_split_date(latest_settlement=latest) == split


def _steady_customers():
    """Three customers paying always on time, 20 and 40 days late: two years, monthly."""
    return [
        *monthly("ONTIME", [0] * 24, start=date(2024, 1, 1)),
        *monthly("SLOW", [20] * 24, start=date(2024, 1, 1)),
        *monthly("LATE", [40] * 24, start=date(2024, 1, 1)),
    ]


def test_tiny_steady_portfolio_measures_terms_and_customer_mean_baselines_exactly():
    ledger = _steady_customers()
    report = evaluate_payment_model(invoices=ledger, settings=FAST)
    test_set = [r for r in ledger if r.settled_date >= report.split_date]
    assert report.n_test == len(test_set)
    assert report.mae_terms == pytest.approx(sum(r.days_late for r in test_set) / len(test_set))
    assert report.mae_customer_mean == 0.0
    assert report.auc_customer_mean == 1.0  # the mean ranks the on-time customer below the late ones


def test_model_is_not_used_when_it_does_not_beat_the_customer_mean():
    report = evaluate_payment_model(invoices=_steady_customers(), settings=FAST)
    assert not report.use_model  # nothing beats a perfect baseline


def test_training_invoices_are_settled_before_the_split_date():
    table = invoice_table(_steady_customers())
    split = date(2025, 9, 1)
    train, _ = training_candidates(table=table, cutoff=split, settings=FAST)
    assert train.any() and (table.settled[train] < split.toordinal()).all()


def test_changing_test_period_outcomes_does_not_change_the_trained_model():
    ledger = list(synthetic_portfolio(customers=25, start=date(2024, 1, 1), as_of=date(2025, 3, 1), seed=4).invoices)
    split = date(2024, 12, 1)
    moved = [
        replace(r, settled_date=r.settled_date + timedelta(days=17))
        if r.settled_date is not None and r.settled_date >= split
        else r
        for r in ledger
    ]
    fitted = [evaluate_on_table(table=invoice_table(x), split_date=split, settings=FAST)[1] for x in (ledger, moved)]
    probe = FeatureMatrix(names=FEATURE_NAMES, values=np.random.default_rng(0).normal(size=(50, len(FEATURE_NAMES))))
    first, second = (estimate_days_late(estimators=f, features=probe) for f in fitted)
    assert np.array_equal(first.median, second.median)
    assert np.array_equal(first.probability_late, second.probability_late)


def test_explicit_split_date_is_honoured():
    report = evaluate_payment_model(invoices=_steady_customers(), split_date=date(2025, 6, 1), settings=FAST)
    assert report.split_date == date(2025, 6, 1)
    assert report.n_test == sum(1 for r in _steady_customers() if r.settled_date >= date(2025, 6, 1))


def test_too_little_history_is_refused_with_the_project_error():
    with pytest.raises(InsufficientHistory, match="need at least"):
        evaluate_payment_model(invoices=monthly("C1", [5] * 6), settings=FAST)


def test_report_renders_one_name_value_per_line_required_names_first():
    report = evaluate_payment_model(invoices=_steady_customers(), settings=FAST)
    lines = render_evaluation(report).splitlines()
    assert tuple(line.split("=", 1)[0] for line in lines[:7]) == REQUIRED
    values = dict(line.split("=", 1) for line in lines)
    assert values["use_model"] in {"true", "false"}
    assert int(values["n_train"]) == report.n_train
    float(values["mae_model"])


def test_model_beats_customer_mean_on_the_synthetic_portfolio():
    """Acceptance: on customers that drift, dispute, pay by instalments or wait for a
    reminder, the model must beat the customer average on MAE."""
    report = evaluate_payment_model(invoices=synthetic_portfolio(customers=150, seed=2).invoices)
    assert report.use_model
    assert report.mae_model < 0.85 * report.mae_customer_mean
    assert report.mae_model < report.mae_terms
    assert report.auc_model > report.auc_customer_mean
    assert report.mae_model_overdue_30 < report.mae_customer_mean_overdue_30
