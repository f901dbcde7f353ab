"""Risk pages end to end: scoped, bounded in queries, each flow writes through its service."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from encours.risk.models import CreditLimit, FinancialStatement, HeldOrder, RiskAlert, RiskSettings
from encours.risk.services import limit_request
from tests.factories import CustomerFactory, ItemFactory
from tests.risk.conftest import DISTRESSED, HEALTHY, pay, statements_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def graded(healthy_customer, credit_manager, tmp_path):
    from encours.risk.imports import import_statements

    import_statements(raw=statements_csv(HEALTHY, DISTRESSED), file_name="s.csv")
    today = timezone.localdate()
    for back in range(1, 12):
        pay(healthy_customer, "1000.00", today - timedelta(days=30 * back), today - timedelta(days=30 * back - 3))
    ItemFactory(customer=healthy_customer, amount=Decimal("5000.00"), due_date=today + timedelta(days=20))
    return healthy_customer


def test_customer_risk_page(client, credit_manager, graded, django_assert_max_num_queries):
    client.force_login(credit_manager)
    url = reverse("risk:customer", args=[graded.pk])
    with django_assert_max_num_queries(40):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "3.99" in html and "Conan-Holder" in html and 'id="grade-explanation"' in html
    assert "no cover information" in html and "payer-chart" in html
    grade = response.context["grade"]
    assert sum(c.points for c in grade.contributions) == grade.score


def test_customer_risk_page_is_scoped(client, sales_rep, other_customer, outsider, graded):
    client.force_login(sales_rep)
    assert client.get(reverse("risk:customer", args=[other_customer.pk])).status_code == 404
    client.force_login(outsider)
    assert client.get(reverse("risk:customer", args=[graded.pk])).status_code == 404


def test_limit_request_then_approval_flow(client, sales_rep, credit_manager, graded):
    client.force_login(sales_rep)
    response = client.post(reverse("risk:limit_request", args=[graded.pk]),
                           {"amount": "30000", "comment": "new framework contract"})  # fmt: skip
    assert response.status_code == 302
    limit = CreditLimit.objects.get()
    assert limit.status == "requested" and limit.requested_by == sales_rep
    # a sales rep may not approve
    client.post(reverse("risk:limit_decide", args=[limit.pk]), {"action": "approve"})
    limit.refresh_from_db()
    assert limit.status == "requested"
    client.force_login(credit_manager)
    page = client.get(reverse("risk:limits"))
    assert "new framework contract" in page.content.decode()
    client.post(reverse("risk:limit_decide", args=[limit.pk]), {"action": "approve", "comment": "ok"})
    limit.refresh_from_db()
    assert limit.status == "approved" and limit.decided_by == credit_manager


def test_held_order_release_needs_a_comment(client, credit_manager, graded):
    order = HeldOrder.objects.create(customer=graded, entity=graded.entity, amount=Decimal(100), exposure=Decimal(0),
                                     reasons=[{"code": "no_limit", "message": "no credit limit granted"}])  # fmt: skip
    client.force_login(credit_manager)
    assert "no credit limit granted" in client.get(reverse("risk:held_orders")).content.decode()
    client.post(reverse("risk:held_order_decide", args=[order.pk]), {"action": "release", "comment": ""})
    order.refresh_from_db()
    assert order.status == "held"
    client.post(reverse("risk:held_order_decide", args=[order.pk]), {"action": "release", "comment": "prepaid"})
    order.refresh_from_db()
    assert (order.status, order.comment, order.decided_by) == ("released", "prepaid", credit_manager)


def test_alert_assign_and_acknowledge(client, credit_manager, collector, graded):
    alert = RiskAlert.objects.create(customer=graded, kind="over_limit", severity="warning", message="m", key="k",
                                     raised_on=date(2026, 10, 31))  # fmt: skip
    client.force_login(credit_manager)
    client.post(reverse("risk:alert_action", args=[alert.pk]), {"action": "assign", "assignee": collector.pk})
    alert.refresh_from_db()
    assert alert.assigned_to == collector
    client.force_login(collector)
    assert "over limit" in client.get(reverse("risk:alerts") + "?show=mine").content.decode()
    client.post(reverse("risk:alert_action", args=[alert.pk]), {"action": "acknowledge", "comment": "called"})
    alert.refresh_from_db()
    assert alert.acknowledged_by == collector and alert.comment == "called"


def test_portfolio_and_review_pages(client, credit_manager, graded, django_assert_max_num_queries):
    for _ in range(5):
        ItemFactory(customer=CustomerFactory(entity=graded.entity), amount=Decimal("700.00"))
    client.force_login(credit_manager)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("risk:portfolio"))
    assert response.status_code == 200
    assert response.context["data"].customers >= 6
    review = client.get(reverse("risk:review")).content.decode()
    assert "no credit limit" in review


def test_statement_entry_form_and_upload(client, credit_manager, collector, tmp_path):
    client.force_login(collector)
    assert client.get(reverse("risk:statement_entry")).status_code == 403
    client.force_login(credit_manager)
    response = client.post(reverse("risk:statement_entry"), {"siren": "552 100 554", "year": "2025",
                                                             "total_assets": "1000", "equity": "-10"})  # fmt: skip
    assert response.status_code == 302
    row = FinancialStatement.objects.get()
    assert row.equity == Decimal(-10) and row.revenue is None
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("s.csv", statements_csv(DISTRESSED.replace("1500", "x")))
    page = client.post(reverse("risk:upload"), {"kind": "statements", "file": bad}).content.decode()
    assert "revenue" in page and "nothing imported" in page
    good = SimpleUploadedFile("s.csv", statements_csv(DISTRESSED))
    page = client.post(reverse("risk:upload"), {"kind": "statements", "file": good}).content.decode()
    assert 'id="import-report"' in page and FinancialStatement.objects.count() == 2
    assert "542051180" in client.get(reverse("risk:companies")).content.decode()


def test_settings_page_versions_weights(client, credit_manager):
    client.force_login(credit_manager)
    data = {f: getattr(RiskSettings(), f) for f in (
        "weight_financial", "weight_payer", "weight_external_rating", "weight_legal", "weight_seniority", "floor_a",
        "floor_b", "floor_c", "floor_d", "altman_safe_above", "altman_grey_from", "conan_safe_above",
        "conan_grey_from", "conan_alert_from", "hold_overdue_days", "reject_overdue_days")}  # fmt: skip
    data["weight_payer"] = 40
    assert client.post(reverse("risk:settings"), data).status_code == 302
    data["floor_b"] = 90  # above A: refused by the core's rule
    client.post(reverse("risk:settings"), data)
    assert RiskSettings.objects.count() == 1 and RiskSettings.objects.get().weight_payer == 40


def test_customer_page_shows_the_risk_card(client, credit_manager, graded):
    limit = limit_request(customer=graded, amount=Decimal(25000), user=credit_manager)
    from encours.risk.services import limit_decide

    limit_decide(limit=limit, user=credit_manager, approve=True)
    client.force_login(credit_manager)
    html = client.get(reverse("ledger:customer", args=[graded.pk])).content.decode()
    assert 'id="risk-card"' in html and "25" in html


def test_the_risk_page_speaks_french(client, credit_manager, graded):
    from django.conf import settings

    client.force_login(credit_manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = client.get(reverse("risk:customer", args=[graded.pk])).content.decode()
    assert "Explication de la note" in html and "pas d'information de garantie" in html


@pytest.mark.django_db(transaction=True)  # the job runner closes connections found inside a transaction
def test_risk_run_as_a_background_job(client, credit_manager, collector, graded):
    from encours.jobs.models import Job
    from encours.risk.models import GradeSnapshot

    client.force_login(collector)
    assert client.post(reverse("risk:run")).status_code == 403
    client.force_login(credit_manager)
    response = client.post(reverse("risk:run") + "?as_of=2026-10-31")
    job = Job.objects.get(kind="risk.daily_run")
    assert response["Location"] == reverse("risk:job", args=[job.pk])
    assert job.status == "done" and job.progress_done == job.progress_total
    assert GradeSnapshot.objects.filter(on=date(2026, 10, 31)).exists()
    assert "graded" in client.get(response["Location"]).content.decode()


def test_the_risk_page_in_french_formats_the_limit_form_and_says_tresorerie_for_cash(client, credit_manager, graded):
    """Issue 21: '150000.000' pre-filled in the limit request; 'Encaissements' (the menu's word) on the balance
    sheet's cash line."""
    from django.conf import settings

    from encours.risk.services import limit_decide

    limit_decide(limit=limit_request(customer=graded, amount=Decimal(150000), user=credit_manager),
                 user=credit_manager, approve=True)  # fmt: skip
    client.force_login(credit_manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = client.get(reverse("risk:customer", args=[graded.pk])).content.decode()
    assert 'name="amount" value="150000,00"' in html
    assert "150000.000" not in html and "150000.00" not in html
    assert "<td>Trésorerie</td>" in html or ">Trésorerie<" in html
    assert ">Encaissements<" in html  # the menu, unchanged
    # the localized field reads the French input back
    response = client.post(reverse("risk:limit_request", args=[graded.pk]), {"amount": "175000,50"})
    assert response.status_code in (200, 302)
    assert CreditLimit.objects.filter(customer=graded, amount=Decimal("175000.50")).exists()
