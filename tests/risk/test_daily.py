"""The daily run: grades stored, early-warning alerts raised once, digest over real SMTP, demo, bench."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from encours.ledger.models import Customer
from encours.risk.daily import risk_daily_run, send_digest
from encours.risk.models import Company, GradeSnapshot, Guarantee, LegalEvent, RiskAlert
from encours.risk.services import limit_decide, limit_request
from tests.factories import CustomerFactory, ItemFactory
from tests.risk.conftest import DISTRESSED, HEALTHY, pay, statements_csv

pytestmark = pytest.mark.django_db
DAY = date(2026, 10, 31)


def _kinds(customer) -> set[str]:
    return set(RiskAlert.objects.filter(customer=customer).values_list("kind", flat=True))


def test_early_warnings(healthy_customer, credit_manager, entity):
    from encours.risk.imports import import_statements

    import_statements(raw=statements_csv(HEALTHY), file_name="s.csv")
    # over limit and a limit expiring within 30 days
    limit = limit_request(customer=healthy_customer, amount=Decimal(1000), user=credit_manager,
                          valid_from=DAY - timedelta(days=100), expires_on=DAY + timedelta(days=10))  # fmt: skip
    limit_decide(limit=limit, user=credit_manager, approve=True)
    ItemFactory(customer=healthy_customer, amount=Decimal("4000.00"), document_date=DAY - timedelta(days=5),
                due_date=DAY + timedelta(days=25))  # fmt: skip
    Guarantee.objects.create(customer=healthy_customer, kind="deposit", amount=Decimal(500),
                             expires_on=DAY + timedelta(days=5), reference="DG-1")  # fmt: skip
    # a key account, nothing overdue yesterday, now overdue
    key = CustomerFactory(entity=entity, is_strategic=True)
    risk_daily_run(as_of=DAY - timedelta(days=1))
    ItemFactory(customer=key, amount=Decimal("900.00"), document_date=DAY - timedelta(days=40),
                due_date=DAY - timedelta(days=1))  # fmt: skip
    # a new legal event on a customer
    shaky = CustomerFactory(entity=entity, siren="542051180")
    company = Company.objects.create(siren="542051180")
    LegalEvent.objects.create(company=company, kind="management_change", published_on=DAY, reference="B1")
    report = risk_daily_run(as_of=DAY)
    assert {"over_limit", "guarantee_expiry"} <= _kinds(healthy_customer)
    # the limit expiring in 10 days is on the worklist of limits to review, not an alert of its own
    assert "limit_expiry" not in _kinds(healthy_customer)
    assert (report.limit_review.limits, report.limit_review.amount) == (1, Decimal(1000))
    assert "first_overdue_key_account" in _kinds(key)
    assert "legal_event" in _kinds(shaky)
    assert GradeSnapshot.objects.filter(on=DAY).count() == Customer.objects.count()
    # the problems raised the day before are updated, not raised again; only the new facts open alerts
    assert report.alerts == 2 and report.changes.updated >= 2
    # idempotent: the same day again raises nothing new
    count = RiskAlert.objects.count()
    again = risk_daily_run(as_of=DAY)
    assert RiskAlert.objects.count() == count and again.alerts == 0


def test_grade_downgrade_and_payer_index_drop(entity, credit_manager):
    from encours.risk.imports import import_statements

    customer = CustomerFactory(entity=entity, siren="552100554", created_on=date(2010, 1, 1))
    import_statements(raw=statements_csv(HEALTHY), file_name="s.csv")
    for back in range(1, 12):  # paid on time every month
        due = DAY - timedelta(days=30 * back + 60)
        pay(customer, "1000.00", due, due)
    for month_end in (date(2026, 7, 31), date(2026, 8, 31), date(2026, 9, 30)):
        risk_daily_run(as_of=month_end)
    before = GradeSnapshot.objects.get(customer=customer, on=date(2026, 9, 30))
    # accounts of the next year show distress, and large invoices go unpaid for 100 days
    import_statements(raw=statements_csv(DISTRESSED.replace("542051180,2025", "552100554,2026")), file_name="t.csv")
    ItemFactory(customer=customer, amount=Decimal("30000.00"), document_date=DAY - timedelta(days=130),
                due_date=DAY - timedelta(days=100))  # fmt: skip
    risk_daily_run(as_of=date(2027, 1, 31))
    after = GradeSnapshot.objects.get(customer=customer, on=date(2027, 1, 31))
    assert after.payer_index < before.payer_index
    kinds = _kinds(customer)
    assert "grade_downgrade" in kinds, (before.letter, after.letter)


def test_digest_is_sent_over_real_smtp(smtp_sink, credit_manager, healthy_customer, outsider):
    credit_manager.email = "cm@encours.example"
    credit_manager.save()
    RiskAlert.objects.create(customer=healthy_customer, kind="over_limit", severity="warning",
                             message="exposure 12 000 € over limit 10 000 €", key="k1", raised_on=DAY)  # fmt: skip
    assert send_digest(as_of=DAY) == 1  # the outsider sees none of these customers
    (_sender, recipients, message) = smtp_sink.messages[0]
    assert recipients == ("cm@encours.example",)
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Sain SA" in body and "over limit 10 000" in body


def test_risk_daily_command(capsys, healthy_customer):
    call_command("risk_daily", "--as-of", "2026-10-31", "--no-digest")
    assert "1 customers" in capsys.readouterr().out


def test_dashboard_alerts(client, credit_manager, healthy_customer):
    RiskAlert.objects.create(customer=healthy_customer, kind="legal_event", severity="critical", message="m",
                             key="k2", raised_on=DAY)  # fmt: skip
    client.force_login(credit_manager)
    html = client.get("/dashboard/?as_of=2026-10-31").content.decode()
    assert "1 open risk alert" in html


def test_grades_provider_for_other_apps(healthy_customer):
    from encours import contracts
    from encours.risk.imports import import_statements

    import_statements(raw=statements_csv(HEALTHY), file_name="s.csv")
    risk_daily_run(as_of=DAY)
    info = contracts.grades(customer_ids=[healthy_customer.pk], as_of=DAY)[healthy_customer.pk]
    assert info.letter in "ABCDE" and info.url.endswith(f"/risk/customers/{healthy_customer.pk}/")


def test_demo_makes_the_risk_area_alive():
    from encours.ledger.services.demo import demo_load
    from encours.risk.models import CreditLimit, FinancialStatement, HeldOrder
    from encours.synthetic.demo import generate_portfolio

    as_of = date(2026, 10, 31)
    demo_load(portfolio=generate_portfolio(customers=60, invoices=900, seed=5, as_of=as_of))
    assert FinancialStatement.objects.count() > 60
    assert LegalEvent.objects.filter(kind="receivership").exists()
    assert Customer.objects.filter(is_blocked=True).exists()
    assert CreditLimit.objects.filter(status="requested").exists() and HeldOrder.objects.exists()
    assert GradeSnapshot.objects.filter(on=as_of).exclude(letter="").count() > 20
    assert RiskAlert.objects.exists()


def test_bench_prints_its_figures():
    from encours.ledger.services.demo import demo_load
    from encours.risk.bench import BENCHMARKS
    from encours.synthetic.demo import generate_portfolio
    from encours.web.bench import BenchContext

    as_of = date(2026, 10, 31)
    demo_load(portfolio=generate_portfolio(customers=30, invoices=300, seed=3, as_of=as_of))
    context = BenchContext(customers=30, invoices=300, seed=3, as_of=as_of, small=True, workdir="/tmp")
    lines = [figure.line() for _, bench in BENCHMARKS for figure in bench(context)]
    assert any(line.startswith("credit check API p95") for line in lines), lines
