"""Training, stored models and predictions, the two commands' contracts, no leakage."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from encours import contracts
from encours.core.forecast import as_known_on
from encours.core.forecast.features import SOURCE_FEATURES, features_at
from encours.forecast.models import InvoicePrediction, PaymentModel
from encours.forecast.selectors import ledger_records
from encours.forecast.services import model_load, payment_model_train
from encours.ledger.models import Allocation, Item, ItemType
from encours.ledger.services.items import items_refresh_open
from tests.forecast.conftest import AS_OF

pytestmark = pytest.mark.django_db

CONTRACT = ("n_train", "n_test", "mae_model", "mae_terms", "mae_customer_mean", "auc_model", "auc_customer_mean")


@pytest.fixture(autouse=True)
def _quick_training(settings):
    settings.FORECAST_MAX_ITER = 30


def _pairs(output: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in output.strip().splitlines())


def test_training_stores_the_model_with_metrics_date_and_the_estimate_in_use(ledger):
    record = payment_model_train(as_of=AS_OF)
    assert record.trained_on == AS_OF and record.is_active
    assert {"mae_model", "mae_customer_mean", "auc_model", "split_date"} <= set(record.metrics)
    uses_model = float(record.metrics["mae_model"]) < float(record.metrics["mae_customer_mean"])
    assert record.source == ("model" if uses_model else "customer_mean")
    assert ("beats" in record.reason) == uses_model
    trained = model_load(PaymentModel.objects.get(pk=record.pk))
    assert trained.trained_on == AS_OF


def test_training_twice_keeps_one_active_model(ledger):
    first = payment_model_train(as_of=AS_OF)
    second = payment_model_train(as_of=AS_OF)
    first.refresh_from_db()
    assert not first.is_active and second.is_active


def test_every_open_invoice_gets_a_prediction_after_training(ledger):
    payment_model_train(as_of=AS_OF)
    open_ids = set(Item.objects.filter(type=ItemType.INVOICE, open_amount__gt=0).values_list("pk", flat=True))
    assert open_ids and set(InvoicePrediction.objects.values_list("item_id", flat=True)) == open_ids
    for prediction in InvoicePrediction.objects.all():
        assert prediction.date_p10 <= prediction.expected_date <= prediction.date_p90
        assert prediction.expected_date >= AS_OF
        assert 0 <= prediction.probability_late_over_30 <= prediction.probability_late <= 1


def test_chronic_late_customer_is_predicted_later_than_the_punctual_one(ledger):
    payment_model_train(as_of=AS_OF)
    by_customer = {
        name: list(InvoicePrediction.objects.filter(item__customer=customer).values_list("days_late", flat=True))
        for name, customer in ledger.items()
    }
    assert min(by_customer["Retard Chronique SAS"]) > max(by_customer["Ponctuel SA"])


def test_train_command_runs_inline_and_prints_the_figures(ledger):
    out = io.StringIO()
    call_command("train_payment_model", "--as-of", AS_OF.isoformat(), stdout=out)
    lines = out.getvalue()
    assert "source=" in lines and "mae_customer_mean=" in lines
    assert PaymentModel.objects.filter(is_active=True).count() == 1


def test_train_command_fails_clearly_without_history(db):
    with pytest.raises(CommandError, match="paid invoice"):
        call_command("train_payment_model", "--as-of", AS_OF.isoformat(), stdout=io.StringIO())


def test_eval_command_prints_the_contract_one_name_value_per_line(ledger):
    out = io.StringIO()
    call_command("payment_model_eval", "--as-of", AS_OF.isoformat(), stdout=out)
    pairs = _pairs(out.getvalue())
    assert set(CONTRACT) <= set(pairs)
    assert int(pairs["n_test"]) > 0 and float(pairs["mae_terms"]) > float(pairs["mae_customer_mean"])


def test_eval_command_split_date_moves_the_test_set(ledger):
    early, late = io.StringIO(), io.StringIO()
    call_command("payment_model_eval", "--as-of", AS_OF.isoformat(), "--split-date", "2026-05-01", stdout=early)
    call_command("payment_model_eval", "--as-of", AS_OF.isoformat(), "--split-date", "2026-08-01", stdout=late)
    assert int(_pairs(early.getvalue())["n_test"]) > int(_pairs(late.getvalue())["n_test"])
    assert _pairs(early.getvalue())["split_date"] == "2026-05-01"


def _external_csv(tmp_path, extra_line: str = "") -> str:
    lines = ["client;date_facture;echeance;montant;date_reglement;litige"]
    day = date(2024, 1, 1)
    for k in range(240):
        issued = day + timedelta(days=3 * k)
        late = {0: 0, 1: 15, 2: 45}[k % 3]
        due = issued + timedelta(days=30)
        paid = due + timedelta(days=late + k % 4)
        lines.append(
            f"C{k % 3};{issued:%d/%m/%Y};{due:%d/%m/%Y};{100 + k},50;{paid:%d/%m/%Y};{'oui' if k % 17 == 0 else 'non'}"
        )
    if extra_line:
        lines.append(extra_line)
    path = tmp_path / "paid.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


COLUMNS = (
    "customer=client,invoice_date=date_facture,due_date=echeance,amount=montant,"
    "settled_date=date_reglement,disputed=litige"
)


def test_eval_command_on_an_external_csv_with_a_column_mapping(db, tmp_path):
    out = io.StringIO()
    call_command(
        "payment_model_eval", "--csv", _external_csv(tmp_path), "--columns", COLUMNS, "--date-format", "%d/%m/%Y",
        stdout=out,
    )  # fmt: skip
    pairs = _pairs(out.getvalue())
    assert set(CONTRACT) <= set(pairs)
    assert float(pairs["mae_customer_mean"]) < float(pairs["mae_terms"])


def test_eval_command_names_the_line_and_column_of_a_bad_date(db, tmp_path):
    path = _external_csv(tmp_path, extra_line="C1;31/02/2025;01/04/2025;10;02/04/2025;non")
    with pytest.raises(CommandError, match=r"line 242, column date_facture"):
        call_command("payment_model_eval", "--csv", path, "--columns", COLUMNS, "--date-format", "%d/%m/%Y")


def test_eval_command_refuses_an_incomplete_mapping(db, tmp_path):
    with pytest.raises(CommandError, match="missing settled_date"):
        call_command(
            "payment_model_eval",
            "--csv",
            _external_csv(tmp_path),
            "--columns",
            "customer=client,amount=montant,invoice_date=d,due_date=e",
        )


def test_features_at_a_date_ignore_everything_that_happened_after_it(ledger):
    """No leakage: the features of every invoice at its own date are the same whether the
    ledger is read in full or as it stood on that date."""
    records = ledger_records(as_of=AS_OF).invoices
    moment = date(2026, 3, 2)
    positions = [k for k, r in enumerate(records) if r.invoice_date <= moment]
    full = features_at(invoices=records, queries=[(k, moment) for k in positions])
    known = as_known_on(records, moment)
    ids = [r.invoice_id for r in known]
    cut = features_at(invoices=known, queries=[(ids.index(records[k].invoice_id), moment) for k in positions])
    assert full.values.shape == cut.values.shape
    assert ((full.values == cut.values) | (full.values != full.values) & (cut.values != cut.values)).all()
    assert any(r.settled_date and r.settled_date >= moment for r in records)  # the future was there to leak


def test_training_on_an_earlier_day_ignores_later_payments(ledger):
    """A model trained as of a past day predicts the same whatever was paid afterwards."""
    cutoff = date(2026, 6, 30)
    before = payment_model_train(as_of=cutoff)
    later = Allocation.objects.filter(date__gt=cutoff)
    touched = list(later.values_list("debit_id", flat=True)) + list(later.values_list("credit_id", flat=True))
    assert touched
    later.delete()  # a different future: those invoices were never paid
    items_refresh_open(touched)
    again = payment_model_train(as_of=cutoff)
    assert before.metrics == again.metrics


def test_missing_sources_are_unknown_features_not_zero(ledger):
    record = payment_model_train(as_of=AS_OF)
    for source in ("disputes", "dunning", "grades"):
        assert set(SOURCE_FEATURES[source]) <= set(record.unknown_features)


def test_a_registered_dunning_history_and_grades_become_known_features(ledger):
    customer = ledger["Lent SARL"]
    item = Item.objects.filter(customer=customer, type=ItemType.INVOICE).first()

    @contracts.DUNNING_HISTORY.register
    def history(*, customer_ids, since, until):
        return [
            contracts.DunningEvent(
                customer.pk, (item.pk,), "R1", "Reminder", 1, "email", item.due_date + timedelta(days=5)
            )
        ]

    @contracts.GRADES.register
    def grades(*, customer_ids, as_of):
        return {pk: contracts.GradeInfo(letter="B", score=Decimal(60)) for pk in customer_ids}

    records = ledger_records(as_of=AS_OF)
    assert records.sources.missing == ("disputes",)
    record = next(r for r in records.invoices if r.invoice_id == str(item.pk))
    assert record.dunning_steps[0].stage == 1 and record.grade == "B"
    model = payment_model_train(as_of=AS_OF)
    assert "dunning_stage_at_prediction" not in model.unknown_features and "grade" not in model.unknown_features


def test_the_disputes_provider_gives_dispute_spans(ledger):
    from encours import contracts

    customer = ledger["Variable EURL"]
    item = Item.objects.filter(customer=customer, type=ItemType.INVOICE, open_amount__gt=0).first()

    @contracts.DISPUTED_AMOUNTS.register
    def disputed(*, as_of, item_ids=None):
        return {item.pk: item.amount} if as_of >= item.document_date else {}

    records = ledger_records(as_of=AS_OF, history_days=120)
    record = next(r for r in records.invoices if r.invoice_id == str(item.pk))
    assert record.disputed_on is not None and record.dispute_resolved_on is None
    assert "disputes" not in records.sources.missing
