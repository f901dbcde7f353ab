"""``payment_model_eval`` on the IBM accounts-receivable data set (issue 16): with the issue's
exact options it prints every figure; a metric the test side cannot define is ``nan`` with its
reason (it crashed with "Found array with 0 sample(s)" when no test invoice was still open 30
days after its due date), and the MAE on days late clipped at 0 is printed beside the signed one
for the model and both baselines."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.forecast.ibm_like import COLUMNS, SPLIT, write_ibm_like

OPTIONS = ("--date-format", "%m/%d/%Y", "--split-date", "2013-07-01", "--columns", COLUMNS)
REAL_FILE = "data/ibm/WA_Fn-UseC_-Accounts-Receivable.csv"
CLIPPED = ("mae_days_late_clipped_model", "mae_days_late_clipped_terms", "mae_days_late_clipped_customer_mean")


def _evaluate(path: Path) -> dict[str, str]:
    out = io.StringIO()
    call_command("payment_model_eval", "--csv", str(path), *OPTIONS, stdout=out)
    return dict(line.split("=", 1) for line in out.getvalue().splitlines())


def test_the_issue_command_prints_every_figure_on_a_file_shaped_like_ibm(tmp_path):
    rows = write_ibm_like(tmp_path / "ar.csv")
    values = _evaluate(tmp_path / "ar.csv")
    test_side = [row for row in rows if row["_settled"] >= SPLIT]
    assert int(values["n_test"]) == len(test_side) and values["split_date"] == "2013-07-01"
    assert values["n_test_overdue_30"] == "0"
    reason = "no test invoice was still unpaid 30 days after its due date"
    assert (values["mae_model_overdue_30"], values["mae_model_overdue_30_nan_reason"]) == ("nan", reason)
    assert (values["mae_customer_mean_overdue_30"], values["mae_customer_mean_overdue_30_nan_reason"]) == (
        "nan",
        reason,
    )
    for name in ("mae_model", "mae_terms", "mae_customer_mean", "auc_model", "auc_customer_mean", *CLIPPED):
        assert not math.isnan(float(values[name])), name
    # the terms baseline says 0 days late: its clipped MAE is the file's own mean DaysLate on the test side
    mean_days_late = sum(int(row["DaysLate"]) for row in test_side) / len(test_side)
    assert float(values["mae_days_late_clipped_terms"]) == pytest.approx(mean_days_late, abs=0.0005)
    assert float(values["mae_days_late_clipped_model"]) <= float(values["mae_model"])
    assert all(not name.endswith("_nan_reason") or values[name.removesuffix("_nan_reason")] == "nan" for name in values)


def test_a_metric_undefined_on_the_test_side_says_why(tmp_path):
    """Every test invoice paid late or early only: the AUCs are undefined, and said so."""
    rows = write_ibm_like(tmp_path / "ar.csv")
    lines = (tmp_path / "ar.csv").read_text().splitlines()
    header, body = lines[0], lines[1:]
    kept = [line for line, row in zip(body, rows, strict=True) if row["_settled"] < SPLIT or row["DaysLate"] == 0]
    (tmp_path / "on_time.csv").write_text("\n".join([header, *kept]) + "\n")
    values = _evaluate(tmp_path / "on_time.csv")
    assert values["auc_model"] == "nan"
    assert values["auc_model_nan_reason"] == "no test invoice was paid late: AUC needs both outcomes"


@pytest.mark.shared_data(REAL_FILE)
def test_the_issue_command_on_the_real_ibm_file():
    path = Path(__file__).resolve().parents[2].parent / "shared" / REAL_FILE
    values = _evaluate(path)
    assert int(values["n_train"]) + int(values["n_test"]) == 2466
    for name in ("mae_model", "mae_terms", "mae_customer_mean", *CLIPPED):
        assert not math.isnan(float(values[name])), name
