"""Payment prediction and cash forecast: plain records in, plain values out.

The modules, in the order data flows through them:

* ``records``: ``InvoiceRecord`` (paid or open), ``DunningStep``, ``OpenOrder``;
* ``table`` and ``features``: point-in-time features, vectorised over the whole ledger;
* ``estimators``: the gradient-boosting models and the customer-average baseline;
* ``evaluation``: time-split evaluation against the baselines, ``name=value`` report;
* ``model``: train, store (versioned bytes), predict open invoices and orders;
* ``cashflow`` and ``accuracy``: 13-week cash-in forecast with a band, and its accuracy;
* ``adaptive``: which dunning step makes each customer pay, and what to change;
* ``external``: external CSV of paid invoices for the same evaluation;
* ``synthetic``: a portfolio with known behaviours for tests and benchmarks.

The names below are imported on first use (numpy, SciPy and scikit-learn load then, not when
Django starts); ``from encours.core.forecast import X`` still works.

>>> from datetime import date
>>> from decimal import Decimal
>>> from encours.core.forecast import CashInItem, weekly_cash_in
>>> item = CashInItem(item_id="F1", kind="invoice", entity="E1", currency="EUR", amount=Decimal("120.00"),
...                   date_p10=date(2026, 3, 9), date_p50=date(2026, 3, 9), date_p90=date(2026, 3, 9))
>>> weekly_cash_in(items=[item], as_of=date(2026, 3, 2), scenarios=50).series[0].weeks[1].expected
Decimal('120.00')
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from encours.core.forecast.accuracy import ForecastAccuracy, WeekAccuracy, forecast_accuracy
    from encours.core.forecast.adaptive import (
        DunningResponseProfile,
        DunningSuggestion,
        StepResponse,
        dunning_response_profiles,
        suggest_dunning_changes,
    )
    from encours.core.forecast.cashflow import (
        CashForecast,
        CashInItem,
        CashInSeries,
        WeekForecast,
        cash_in_items,
        forecast_cash_in,
        weekly_cash_in,
    )
    from encours.core.forecast.errors import InsufficientHistory, InvalidModel
    from encours.core.forecast.estimators import TrainingSettings
    from encours.core.forecast.evaluation import (
        EvaluationReport,
        default_split_date,
        evaluate_payment_model,
        render_evaluation,
    )
    from encours.core.forecast.external import evaluate_external_csv, load_paid_invoices_csv, parse_column_mapping
    from encours.core.forecast.model import (
        PaymentPrediction,
        TrainedPaymentModel,
        model_from_bytes,
        model_to_bytes,
        predict_payments,
        read_model_header,
        train_payment_model,
    )
    from encours.core.forecast.records import DunningStep, InvoiceRecord, OpenOrder, as_known_on

_SUBMODULE = {
    "CashForecast": "cashflow",
    "CashInItem": "cashflow",
    "CashInSeries": "cashflow",
    "DunningResponseProfile": "adaptive",
    "DunningStep": "records",
    "DunningSuggestion": "adaptive",
    "EvaluationReport": "evaluation",
    "ForecastAccuracy": "accuracy",
    "InsufficientHistory": "errors",
    "InvalidModel": "errors",
    "InvoiceRecord": "records",
    "OpenOrder": "records",
    "PaymentPrediction": "model",
    "StepResponse": "adaptive",
    "TrainedPaymentModel": "model",
    "TrainingSettings": "estimators",
    "WeekAccuracy": "accuracy",
    "WeekForecast": "cashflow",
    "as_known_on": "records",
    "cash_in_items": "cashflow",
    "default_split_date": "evaluation",
    "dunning_response_profiles": "adaptive",
    "evaluate_external_csv": "external",
    "evaluate_payment_model": "evaluation",
    "forecast_accuracy": "accuracy",
    "forecast_cash_in": "cashflow",
    "load_paid_invoices_csv": "external",
    "model_from_bytes": "model",
    "model_to_bytes": "model",
    "parse_column_mapping": "external",
    "predict_payments": "model",
    "read_model_header": "model",
    "render_evaluation": "evaluation",
    "suggest_dunning_changes": "adaptive",
    "train_payment_model": "model",
    "weekly_cash_in": "cashflow",
}


def __getattr__(name: str) -> Any:
    submodule = _SUBMODULE.get(name)
    if submodule is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{submodule}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_SUBMODULE))


__all__ = [
    "CashForecast", "CashInItem", "CashInSeries", "DunningResponseProfile", "DunningStep",
    "DunningSuggestion", "EvaluationReport", "ForecastAccuracy", "InsufficientHistory", "InvalidModel",
    "InvoiceRecord", "OpenOrder", "PaymentPrediction", "StepResponse", "TrainedPaymentModel",
    "TrainingSettings", "WeekAccuracy", "WeekForecast", "as_known_on", "cash_in_items",
    "default_split_date", "dunning_response_profiles", "evaluate_external_csv", "evaluate_payment_model",
    "forecast_accuracy", "forecast_cash_in", "load_paid_invoices_csv", "model_from_bytes", "model_to_bytes",
    "parse_column_mapping", "predict_payments", "read_model_header", "render_evaluation",
    "suggest_dunning_changes", "train_payment_model", "weekly_cash_in",
]  # fmt: skip
