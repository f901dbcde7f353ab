"""The forecast pages: cash forecast with chart and XLSX, model page and retraining job,
predictions on the customer page, scoping."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from encours.forecast.models import ForecastSnapshot, InvoicePrediction, PaymentModel
from encours.forecast.services import forecast_snapshot_take, payment_model_train
from encours.jobs.models import Job
from tests.factories import EntityFactory, ItemFactory
from tests.forecast.conftest import AS_OF, build_ledger

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick_training(settings):
    settings.FORECAST_MAX_ITER = 30


@pytest.fixture
def trained(ledger):
    payment_model_train(as_of=AS_OF)
    return ledger


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_forecast_page_shows_weeks_band_chart_and_the_model_in_use(client, credit_manager, trained):
    response = _get(client, credit_manager, f"{reverse('forecast:cash')}?as_of={AS_OF}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "forecast-chart-" in body and 'id="forecast-charts"' in body
    charts = response.context["chart_data"]["forecasts"]
    assert len(charts) == 1 and len(charts[0]["expected"]) == 13
    assert all(
        low <= mid <= high
        for low, mid, high in zip(charts[0]["low"], charts[0]["expected"], charts[0]["high"], strict=True)
    )


def test_forecast_page_reads_a_bounded_number_of_queries(
    client, credit_manager, trained, django_assert_max_num_queries
):
    client.force_login(credit_manager)
    with django_assert_max_num_queries(15):
        assert client.get(f"{reverse('forecast:cash')}?as_of={AS_OF}").status_code == 200


def test_xlsx_export_holds_every_week_and_reads_back(client, credit_manager, trained):
    response = _get(client, credit_manager, f"{reverse('forecast:cash_xlsx')}?as_of={AS_OF}")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    rows = [r for r in sheet.iter_rows(values_only=True) if r and r[0] == credit_manager.entities.first().name]
    assert len(rows) == 14  # 13 weeks and "beyond"
    total = sum(Decimal(str(r[3])) for r in rows)
    open_total = sum(p.item.open_amount for p in InvoicePrediction.objects.select_related("item"))
    assert total == open_total


def test_accuracy_compares_past_forecasts_with_receipts(client, credit_manager, trained):
    for weeks in (4, 3, 2):
        forecast_snapshot_take(as_of=AS_OF - timedelta(weeks=weeks, days=AS_OF.weekday()), backtest=True)
    assert ForecastSnapshot.objects.count() == 3
    response = _get(client, credit_manager, f"{reverse('forecast:cash')}?as_of={AS_OF}")
    [entry] = response.context["accuracy"]
    weeks = entry["row"].accuracy.weeks
    assert len(weeks) == 4 and all(w.actual > 0 for w in weeks)  # the last snapshot also covers last week
    assert response.context["chart_data"]["accuracies"][0]["actual"] == [float(w.actual) for w in weeks]


def test_sales_rep_forecast_covers_only_their_customers_and_hides_entity_accuracy(
    client, entity, sales_rep, credit_manager
):
    build_ledger(entity, sales_rep=sales_rep, months=12)
    mine = {c.pk for c in entity.customers.filter(sales_rep=sales_rep)}
    other = ItemFactory(customer__entity=entity, amount=Decimal("777777.00"))
    payment_model_train(as_of=AS_OF)
    assert InvoicePrediction.objects.filter(item=other).exists()
    response = _get(client, sales_rep, f"{reverse('forecast:cash')}?as_of={AS_OF}")
    [series] = response.context["forecast"].series
    expected = sum(
        p.item.open_amount for p in InvoicePrediction.objects.filter(item__customer__in=mine).select_related("item")
    )
    assert series.open_amount == expected
    assert not response.context["accuracy_shown"]


def test_another_entity_cannot_be_chosen(client, credit_manager, db):
    stranger = EntityFactory(name="Ailleurs SA")
    response = _get(client, credit_manager, f"{reverse('forecast:cash')}?entity={stranger.pk}")
    assert response.status_code == 404


def test_outsider_sees_nothing_of_the_entity(client, outsider, trained):
    response = _get(client, outsider, f"{reverse('forecast:cash')}?as_of={AS_OF}")
    assert response.status_code == 200 and response.context["forecast"].series == ()


def test_model_page_says_which_estimate_is_used_and_why(client, credit_manager, trained):
    record = PaymentModel.objects.get(is_active=True)
    body = _get(client, credit_manager, reverse("forecast:model")).content.decode()
    assert record.metrics["mae_model"] in body and record.metrics["mae_customer_mean"] in body
    PaymentModel.objects.filter(pk=record.pk).update(source=PaymentModel.Source.BASELINE)
    body = client.get(reverse("forecast:model")).content.decode()
    assert "La référence est utilisée car" in body  # the French default


@pytest.mark.django_db(transaction=True)  # the job closes stale connections, as a worker does
def test_retrain_button_runs_the_training_job_with_progress(client, credit_manager, ledger):
    client.force_login(credit_manager)
    response = client.post(reverse("forecast:model"))
    job = Job.objects.get(kind="forecast.train")
    assert response.url == reverse("forecast:model_job", args=[job.pk])
    assert job.status == Job.Status.DONE, job.message
    assert PaymentModel.objects.filter(is_active=True, created_by=credit_manager).exists()
    page = client.get(response.url, HTTP_HX_REQUEST="true")
    assert page.status_code == 200 and f"job-{job.pk}" in page.content.decode()


def test_only_the_credit_manager_retrains(client, collector, ledger):
    client.force_login(collector)
    assert client.post(reverse("forecast:model")).status_code == 403
    assert 'id="retrain"' not in client.get(reverse("forecast:model")).content.decode()


def test_customer_page_shows_expected_payments_and_the_invoice_column(client, credit_manager, trained):
    customer = trained["Retard Chronique SAS"]
    response = _get(client, credit_manager, reverse("ledger:customer", args=[customer.pk]))
    body = response.content.decode()
    assert 'id="predicted-payments"' in body and "Paiement prévu" in body  # the open-items column
    prediction = InvoicePrediction.objects.filter(item__customer=customer).first()
    assert prediction.item.number in body


def test_customer_page_queries_do_not_grow_with_invoices(
    client, credit_manager, trained, django_assert_max_num_queries
):
    customer = trained["Lent SARL"]
    client.force_login(credit_manager)
    client.get(reverse("ledger:customer", args=[customer.pk]))
    with django_assert_max_num_queries(40):
        client.get(reverse("ledger:customer", args=[customer.pk]))


def test_other_reps_customer_page_is_not_found(client, sales_rep, other_customer):
    assert _get(client, sales_rep, reverse("ledger:customer", args=[other_customer.pk])).status_code == 404


def test_chart_json_is_valid(client, credit_manager, trained):
    body = _get(client, credit_manager, f"{reverse('forecast:cash')}?as_of={AS_OF}").content.decode()
    start = body.index('id="forecast-charts"')
    payload = body[body.index(">", start) + 1 : body.index("</script>", start)]
    assert json.loads(payload)["forecasts"][0]["currency"] == "EUR"
