import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from encours.core.forecast.errors import InvalidModel
from encours.core.forecast.estimators import TrainingSettings
from encours.core.forecast.model import (
    MAGIC,
    model_from_bytes,
    model_to_bytes,
    order_as_invoice,
    predict_payments,
    read_model_header,
    train_payment_model,
)
from encours.core.forecast.records import OpenOrder
from encours.core.terms import PaymentTerms
from encours.synthetic.forecast import synthetic_portfolio
from tests.core.forecast_factories import invoice, monthly

FAST = TrainingSettings(max_iter=60)
AS_OF = date(2025, 7, 1)


@pytest.fixture(scope="module")
def portfolio():
    return synthetic_portfolio(customers=60, start=date(2024, 1, 1), as_of=AS_OF, seed=5)


@pytest.fixture(scope="module")
def model(portfolio):
    return train_payment_model(invoices=portfolio.invoices, as_of=AS_OF, settings=FAST)


def test_model_carries_its_training_date_evaluation_and_library_version(model):
    assert model.trained_on == AS_OF
    assert model.evaluation.n_test > 0
    assert model.sklearn_version
    assert model.source == ("model" if model.evaluation.use_model else "customer_mean")


def test_predictions_cover_open_invoices_then_orders(portfolio, model):
    predictions = predict_payments(model=model, invoices=portfolio.invoices, as_of=AS_OF, orders=portfolio.orders)
    open_ids = [i.invoice_id for i in portfolio.invoices if i.settled_date is None]
    assert [p.item_id for p in predictions if p.kind == "invoice"] == open_ids
    assert [p.item_id for p in predictions if p.kind == "order"] == [o.order_id for o in portfolio.orders]


def test_predicted_dates_are_ordered_and_never_before_the_prediction_date(portfolio, model):
    for p in predict_payments(model=model, invoices=portfolio.invoices, as_of=AS_OF, orders=portfolio.orders):
        assert AS_OF <= p.payment_date_p10 <= p.expected_payment_date <= p.payment_date_p90
        assert 0.0 <= p.probability_late_over_30 <= p.probability_late <= 1.0


def test_an_invoice_already_overdue_is_predicted_late_with_certainty(portfolio, model):
    overdue = [
        p
        for p in predict_payments(model=model, invoices=portfolio.invoices, as_of=AS_OF)
        if (AS_OF - p.due_date).days > 35
    ]
    assert overdue
    for p in overdue:
        assert p.expected_days_late >= (AS_OF - p.due_date).days
        assert p.probability_late == 1.0 and p.probability_late_over_30 == 1.0


def test_open_amount_is_what_remains_due(portfolio, model):
    partial = next(i for i in portfolio.invoices if i.settled_date is None and i.open_amount is not None)
    predictions = {p.item_id: p for p in predict_payments(model=model, invoices=portfolio.invoices, as_of=AS_OF)}
    assert predictions[partial.invoice_id].open_amount == partial.open_amount


def test_a_past_as_of_predicts_what_was_open_then_without_later_settlements(portfolio, model):
    then = date(2025, 3, 1)
    predictions = predict_payments(model=model, invoices=portfolio.invoices, as_of=then)
    open_then = {i.invoice_id for i in portfolio.invoices if i.is_open_at(then) and i.invoice_date <= then}
    assert {p.item_id for p in predictions} == open_then


def test_baseline_is_used_when_the_model_did_not_beat_it(portfolio, model):
    fallback = replace(model, evaluation=replace(model.evaluation, use_model=False))
    history = monthly("SOLO", [10, 20, 30], start=date(2025, 1, 1))
    ledger = [*portfolio.invoices, *history, invoice("SOLO-OPEN", customer="SOLO", issued=date(2025, 6, 20))]
    prediction = next(
        p for p in predict_payments(model=fallback, invoices=ledger, as_of=AS_OF) if p.item_id == "SOLO-OPEN"
    )
    assert prediction.source == "customer_mean"
    assert prediction.expected_days_late == 20.0
    assert prediction.expected_payment_date == date(2025, 7, 20) + timedelta(days=20)


def test_training_twice_gives_the_same_predictions(portfolio, model):
    again = train_payment_model(invoices=portfolio.invoices, as_of=AS_OF, settings=FAST)
    first = predict_payments(model=model, invoices=portfolio.invoices, as_of=AS_OF)
    assert predict_payments(model=again, invoices=portfolio.invoices, as_of=AS_OF) == first


def test_an_order_becomes_an_invoice_at_its_ship_date_with_the_customer_profile():
    profile = invoice("F1", customer="C1", group_id="G", sector="47", grade="B", channel="portal", country="BE")
    order = OpenOrder(
        order_id="O1",
        customer_id="C1",
        expected_ship_date=date(2026, 2, 10),
        amount=Decimal("500.00"),
        terms=PaymentTerms(days=45, end_of_month=True),
    )
    pseudo = order_as_invoice(order, as_of=date(2026, 1, 15), profile=profile)
    assert (pseudo.invoice_date, pseudo.due_date) == (date(2026, 2, 10), date(2026, 3, 31))
    assert (pseudo.group_id, pseudo.sector, pseudo.grade, pseudo.channel) == ("G", "47", "B", "portal")
    late_order = order_as_invoice(
        replace(order, expected_ship_date=date(2026, 1, 2)), as_of=date(2026, 1, 15), profile=None
    )
    assert late_order.invoice_date == date(2026, 1, 15)


def test_stored_model_round_trips_with_a_readable_header(portfolio, model):
    data = model_to_bytes(model)
    header = read_model_header(data)
    assert header["trained_on"] == "2025-07-01" and header["format"] == 1
    assert header["evaluation"]["n_test"] == str(model.evaluation.n_test)
    loaded = model_from_bytes(data)
    assert predict_payments(model=loaded, invoices=portfolio.invoices, as_of=AS_OF) == predict_payments(
        model=model, invoices=portfolio.invoices, as_of=AS_OF
    )


def test_foreign_bytes_are_refused():
    with pytest.raises(InvalidModel, match="not an encours payment model"):
        model_from_bytes(b"\x80\x04somepickle")


def test_corrupt_model_bytes_are_refused(model):
    data = bytearray(model_to_bytes(model))
    data[-10] ^= 0xFF
    with pytest.raises(InvalidModel, match="corrupt"):
        model_from_bytes(bytes(data))


def _with_header(data: bytes, **changes: object) -> bytes:
    line, _, payload = data[len(MAGIC) :].partition(b"\n")
    header = json.loads(line) | changes
    return MAGIC + json.dumps(header).encode() + b"\n" + payload


def test_model_from_another_scikit_learn_version_must_be_retrained(model):
    with pytest.raises(InvalidModel, match="retrain"):
        model_from_bytes(_with_header(model_to_bytes(model), sklearn="0.24.2"))


def test_model_of_another_format_must_be_retrained(model):
    with pytest.raises(InvalidModel, match="format"):
        model_from_bytes(_with_header(model_to_bytes(model), format=99))
