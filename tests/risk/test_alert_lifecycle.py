"""Alerts as open problems: one open alert per customer and kind, updated while the condition
lasts, closed when it ends; severity levels; the no-limit portfolio finding; the paginated list
sorted by severity then exposure; a digest of what is new or worse."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from encours.risk.alerting import no_limit_finding
from encours.risk.daily import risk_daily_run, send_digest
from encours.risk.models import RiskAlert, RiskSettings
from encours.risk.services import alert_acknowledge, limit_decide, limit_request
from tests.factories import CustomerFactory, ItemFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 10, 31)


def _limit(customer, amount, user):
    limit = limit_request(customer=customer, amount=Decimal(amount), user=user, valid_from=DAY - timedelta(days=100))
    limit_decide(limit=limit, user=user, approve=True)


def _invoice(customer, amount, on=DAY - timedelta(days=5)):
    return ItemFactory(customer=customer, amount=Decimal(amount), document_date=on, due_date=on + timedelta(days=60))


@pytest.fixture
def over_limit(entity, credit_manager):
    customer = CustomerFactory(entity=entity, name="Dépassement SARL")
    # 7.5 % and 1 500 over: beyond the default tolerance (5 % and 1 000)
    _limit(customer, 20000, credit_manager)
    _invoice(customer, "21500.00")
    return customer


def test_a_lasting_condition_is_one_alert_updated_every_run(over_limit):
    for day in range(3):
        risk_daily_run(as_of=DAY + timedelta(days=day))
    alert = RiskAlert.objects.get(customer=over_limit)
    assert alert.kind == "over_limit" and alert.closed_on is None
    assert (alert.raised_on, alert.updated_on) == (DAY, DAY + timedelta(days=2))
    assert alert.severity == "info"  # 7.5 % over the limit
    assert alert.exposure == Decimal("21500.000")


def test_a_worse_alert_is_marked_and_back_to_attention(over_limit, credit_manager):
    risk_daily_run(as_of=DAY)
    alert_acknowledge(alert=RiskAlert.objects.get(), user=credit_manager, comment="known")
    _invoice(over_limit, "9000.00", on=DAY)
    report = risk_daily_run(as_of=DAY + timedelta(days=1))
    alert = RiskAlert.objects.get()
    assert report.changes.worse == 1 and report.alerts == 0
    assert (alert.severity, alert.worsened_on) == ("critical", DAY + timedelta(days=1))  # 30 500 > 1.5 × 20 000
    assert alert.acknowledged_at is None and alert.closed_on is None


def test_an_ended_condition_closes_and_a_new_one_opens_a_new_alert(over_limit, credit_manager):
    risk_daily_run(as_of=DAY)
    limit_request_raise = limit_request(customer=over_limit, amount=Decimal(25000), user=credit_manager,
                                        valid_from=DAY + timedelta(days=1))  # fmt: skip
    limit_decide(limit=limit_request_raise, user=credit_manager, approve=True)
    report = risk_daily_run(as_of=DAY + timedelta(days=1))
    assert report.changes.closed == 1
    assert RiskAlert.objects.get().closed_on == DAY + timedelta(days=1)
    _invoice(over_limit, "10000.00", on=DAY + timedelta(days=1))
    risk_daily_run(as_of=DAY + timedelta(days=2))
    assert RiskAlert.objects.count() == 2
    assert RiskAlert.objects.filter(closed_on__isnull=True).get().raised_on == DAY + timedelta(days=2)


def test_customers_without_a_limit_are_one_portfolio_finding(entity, credit_manager):
    from encours.ledger.models import Customer

    for amount in ("6000.00", "7000.00", "9000.00", "4000.00"):
        _invoice(CustomerFactory(entity=entity), amount)
    report = risk_daily_run(as_of=DAY)
    assert not RiskAlert.objects.exists()
    assert (report.no_limit.customers, report.no_limit.exposure) == (3, Decimal("22000.000"))
    RiskSettings.objects.create(no_limit_threshold=Decimal(6500))
    finding = no_limit_finding(customers=Customer.objects.all(), as_of=DAY, threshold=Decimal(6500))
    assert finding.customers == 2
    assert risk_daily_run(as_of=DAY).no_limit.customers == 2  # the threshold is read from the settings


def test_a_legal_event_stays_open_until_acknowledged_then_closes(entity, credit_manager):
    from encours.risk.models import Company, LegalEvent

    customer = CustomerFactory(entity=entity, siren="542051180")
    company = Company.objects.create(siren="542051180")
    LegalEvent.objects.create(company=company, kind="management_change", published_on=DAY, reference="B1")
    risk_daily_run(as_of=DAY)
    risk_daily_run(as_of=DAY + timedelta(days=3))
    alert = RiskAlert.objects.get(customer=customer)
    assert alert.closed_on is None
    alert_acknowledge(alert=alert, user=credit_manager)
    alert.refresh_from_db()
    assert alert.closed_on is not None
    risk_daily_run(as_of=DAY + timedelta(days=4))
    assert RiskAlert.objects.count() == 1  # the same fact is not raised again


def test_alerts_list_sorted_by_severity_then_exposure_and_paginated(
    client, credit_manager, entity, django_assert_max_num_queries
):
    rows = []
    for n in range(60):
        customer = CustomerFactory(entity=entity, name=f"Client {n:02d}")
        severity = "critical" if n in (7, 30) else "info" if n % 2 else "warning"
        rows.append(RiskAlert(customer=customer, kind="over_limit", severity=severity, message=f"m{n}",
                              key=f"k{n}", raised_on=DAY, exposure=Decimal(1000 + n)))  # fmt: skip
    RiskAlert.objects.bulk_create(rows)
    client.force_login(credit_manager)
    with django_assert_max_num_queries(15):
        html = client.get(reverse("risk:alerts")).content.decode()
    first = html.index("Client 30"), html.index("Client 07"), html.index("Client 58"), html.index("Client 00")
    assert list(first) == sorted(first)  # critical by exposure, then warnings by exposure
    assert "Client 01" not in html and "Page 1 of 2" in html  # the smallest information comes last
    assert "Client 01" in client.get(reverse("risk:alerts"), {"page": 2}).content.decode()
    critical = client.get(reverse("risk:alerts"), {"severity": "critical"}).content.decode()
    assert "Client 30" in critical and "Client 58" not in critical


def test_the_finding_is_on_the_alerts_page_with_its_customers(client, credit_manager, entity):
    for amount in ("6000.00", "8000.00"):
        _invoice(CustomerFactory(entity=entity, name=f"Sans limite {amount}"), amount)
    risk_daily_run(as_of=DAY)
    client.force_login(credit_manager)
    html = client.get(reverse("risk:alerts"), {"as_of": DAY.isoformat()}).content.decode()
    assert "2 customers above" in html and "have no credit limit" in html
    listed = client.get(reverse("risk:alerts"), {"show": "no_limit", "as_of": DAY.isoformat()}).content.decode()
    assert listed.index("Sans limite 8000.00") < listed.index("Sans limite 6000.00")


def test_the_digest_shows_only_what_is_new_or_worse(smtp_sink, credit_manager, over_limit):
    credit_manager.email = "cm@encours.example"
    credit_manager.save()
    risk_daily_run(as_of=DAY)
    assert send_digest(as_of=DAY) == 1
    risk_daily_run(as_of=DAY + timedelta(days=1))
    assert send_digest(as_of=DAY + timedelta(days=1)) == 0  # the same problem, no worse: no mail
    _invoice(over_limit, "5000.00", on=DAY + timedelta(days=1))
    risk_daily_run(as_of=DAY + timedelta(days=2))
    assert send_digest(as_of=DAY + timedelta(days=2)) == 1
    body = smtp_sink.messages[-1][2].get_body(preferencelist=("plain",)).get_content()
    assert "Dépassement SARL" in body and "Aggravées depuis le passage précédent" in body


@pytest.mark.django_db(transaction=True)
def test_migration_closes_the_duplicates_of_an_existing_database(entity):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("risk", "0002_open_problem_alerts")])
    apps = executor.loader.project_state([("risk", "0002_open_problem_alerts")]).apps
    Alert = apps.get_model("risk", "RiskAlert")
    customer_id = CustomerFactory(entity=entity).pk
    for day in range(3):  # the same problem raised by three daily runs
        Alert.objects.create(customer_id=customer_id, kind="over_limit", severity="warning", message="over",
                             key=f"over:{day}", raised_on=DAY + timedelta(days=day))  # fmt: skip
    Alert.objects.create(customer_id=customer_id, kind="limit_expiry", severity="warning", message="no",
                         key="nl", raised_on=DAY)  # fmt: skip
    other = CustomerFactory(entity=entity).pk
    Alert.objects.create(customer_id=other, kind="over_limit", severity="warning",
                         message="exposure €10.00 with no credit limit", key="nolimit", raised_on=DAY)  # fmt: skip
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    open_alerts = RiskAlert.objects.filter(closed_on__isnull=True)
    assert sorted(open_alerts.values_list("kind", "key", "raised_on")) == [
        ("limit_expiry", "nl", DAY),
        ("over_limit", "over:2", DAY),  # the latest row, dated from the first run
    ]
    assert RiskAlert.objects.get(key="over:0").closed_on == DAY + timedelta(days=2)
    assert RiskAlert.objects.get(key="nolimit").closed_on == DAY
