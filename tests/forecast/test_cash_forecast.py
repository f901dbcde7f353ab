"""The 13-week cash forecast from stored predictions, snapshots and the predictions hook."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from encours import contracts
from encours.forecast.models import ForecastWeek, InvoicePrediction, OrderPrediction
from encours.forecast.services import cash_forecast, forecast_snapshot_take, payment_model_train
from encours.ledger.models import Customer, Item, ItemType
from tests.factories import CustomerFactory, ItemFactory, OpenOrderFactory
from tests.forecast.conftest import AS_OF

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick_training(settings):
    settings.FORECAST_MAX_ITER = 30


def _predict(item, expected, p10=None, p90=None, over_30="0.1"):
    return InvoicePrediction.objects.create(
        item=item, as_of=AS_OF, expected_date=expected, date_p10=p10 or expected, date_p90=p90 or expected,
        days_late=(expected - item.due_date).days, probability_late=Decimal("0.5"),
        probability_late_over_30=Decimal(over_30), source="model",
    )  # fmt: skip


def test_forecast_sums_equal_the_open_amounts_falling_in_the_horizon(entity):
    customer = CustomerFactory(entity=entity)
    inside = [
        ItemFactory(customer=customer, amount=Decimal("1000.10")),
        ItemFactory(customer=customer, amount=Decimal("250.45")),
        ItemFactory(customer=customer, amount=Decimal("99.99")),
    ]
    beyond = ItemFactory(customer=customer, amount=Decimal("5000.00"))
    _predict(inside[0], AS_OF + timedelta(days=3))
    _predict(inside[1], AS_OF - timedelta(days=10))  # overdue, expected now: week 1
    _predict(inside[2], AS_OF + timedelta(days=20), AS_OF + timedelta(days=10), AS_OF + timedelta(days=60))
    _predict(beyond, AS_OF + timedelta(days=200))
    forecast = cash_forecast(customers=Customer.objects.all(), as_of=AS_OF)
    [series] = forecast.series
    assert len(series.weeks) == 13
    assert sum(week.expected for week in series.weeks) == Decimal("1350.54")
    assert series.beyond_horizon == Decimal("5000.00")
    assert series.weeks[0].expected == Decimal("250.45")  # as_of is a Saturday: week 1 ends the next day
    assert series.weeks[1].expected >= Decimal("1000.10")
    for week in series.weeks:
        assert week.low <= week.expected <= week.high


def test_open_orders_add_expected_sales(entity):
    customer = CustomerFactory(entity=entity)
    order = OpenOrderFactory(customer=customer, amount=Decimal("800.00"), expected_ship_date=AS_OF)
    OrderPrediction.objects.create(
        order=order, as_of=AS_OF, expected_date=AS_OF + timedelta(days=35), date_p10=AS_OF + timedelta(days=35),
        date_p90=AS_OF + timedelta(days=35), source="model",
    )  # fmt: skip
    [series] = cash_forecast(customers=Customer.objects.all(), as_of=AS_OF).series
    assert sum(week.expected_from_orders for week in series.weeks) == Decimal("800.00")


def test_forecast_only_reads_the_scope(entity, rep_customer, other_customer):
    _predict(ItemFactory(customer=rep_customer, amount=Decimal("10.00")), AS_OF)
    _predict(ItemFactory(customer=other_customer, amount=Decimal("20.00")), AS_OF)
    [series] = cash_forecast(customers=Customer.objects.filter(pk=rep_customer.pk), as_of=AS_OF).series
    assert series.open_amount == Decimal("10.00")


def test_paid_invoices_leave_the_forecast(entity):
    customer = CustomerFactory(entity=entity)
    item = ItemFactory(customer=customer, amount=Decimal("10.00"))
    _predict(item, AS_OF)
    Item.objects.filter(pk=item.pk).update(open_amount=0)
    assert cash_forecast(customers=Customer.objects.all(), as_of=AS_OF).series == ()


def test_snapshot_keeps_every_week_of_every_series(ledger):
    payment_model_train(as_of=AS_OF)
    result = forecast_snapshot_take(as_of=AS_OF)
    assert result is not None
    weeks = ForecastWeek.objects.filter(snapshot=result.snapshot)
    assert weeks.count() == 13 * len(result.forecast.series)
    open_total = sum(
        Item.objects.filter(type=ItemType.INVOICE, open_amount__gt=0).values_list("open_amount", flat=True)
    )
    assert result.forecast.series[0].open_amount == open_total


def test_backtest_snapshot_uses_the_ledger_as_known_then(ledger):
    payment_model_train(as_of=AS_OF)
    past = AS_OF - timedelta(days=56)
    result = forecast_snapshot_take(as_of=past, backtest=True)
    known_open = Item.objects.filter(type=ItemType.INVOICE, document_date__lte=past).exclude(settled_on__lt=past)
    assert result.forecast.series[0].open_amount == sum(known_open.values_list("amount", flat=True))


def test_no_snapshot_without_a_model(db):
    assert forecast_snapshot_take(as_of=AS_OF) is None


def test_predictions_hook_gives_collections_the_late_probability(entity):
    item = ItemFactory(customer=CustomerFactory(entity=entity))
    _predict(item, AS_OF - timedelta(days=5), over_30="0.7500")
    answer = contracts.payment_predictions(item_ids=[item.pk, 999999], as_of=AS_OF)
    assert list(answer) == [item.pk]
    assert answer[item.pk].late_probability == Decimal("0.75")
    assert answer[item.pk].expected_on == AS_OF and answer[item.pk].source == "model"


def test_predictions_hook_reads_in_one_query(entity, django_assert_num_queries):
    customer = CustomerFactory(entity=entity)
    items = [ItemFactory(customer=customer) for _ in range(5)]
    for item in items:
        _predict(item, date(2026, 11, 20))
    with django_assert_num_queries(1):
        contracts.payment_predictions(item_ids=[i.pk for i in items], as_of=AS_OF)


def test_scheduled_tasks_retrain_keep_a_snapshot_and_refresh_predictions(ledger, settings):
    from django.utils import timezone

    from encours.forecast import tasks
    from encours.forecast.models import ForecastSnapshot

    assert "forecast.weekly_retrain" in {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    tasks.weekly_retrain()
    assert ForecastSnapshot.objects.filter(as_of=timezone.localdate()).exists()
    InvoicePrediction.objects.all().delete()
    assert tasks.refresh_predictions() == InvoicePrediction.objects.count() > 0
