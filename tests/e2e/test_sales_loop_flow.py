"""In a real Chromium, the sales loop: a rep's customer is downgraded by the daily risk run → the
rep sees it in the app and in his digest (real SMTP); he asks for the release of the customer's held
order with a justification, the credit manager approves it from the queue, the order is released;
both steps are audited."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from encours.audit.models import AuditEntry
from encours.risk.imports import import_statements
from encours.risk.models import GradeSnapshot, HeldOrder, RiskAlert
from encours.risk.services import held_order_create
from tests.e2e.conftest import login
from tests.factories import CustomerFactory, ItemFactory
from tests.risk.conftest import DISTRESSED, statements_csv

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_downgrade_told_to_the_rep_then_release_requested_and_approved(
    browser, page, smtp_sink, entity, sales_rep, credit_manager
):
    today = timezone.localdate()
    customer = CustomerFactory(entity=entity, sales_rep=sales_rep, name="Menuiserie Lebrun SARL", siren="542051180")
    import_statements(raw=statements_csv(DISTRESSED), file_name="bilans.csv")
    ItemFactory(customer=customer, number="FA2026-0913", amount=Decimal("30000.00"),
                document_date=today - timedelta(days=130), due_date=today - timedelta(days=100))  # fmt: skip
    GradeSnapshot.objects.create(customer=customer, on=today - timedelta(days=1), letter="A")
    call_command("risk_daily")  # grades, alerts, then both digests
    alert = RiskAlert.objects.get(customer=customer, kind="grade_downgrade")
    mails = [m for _, rcpts, m in smtp_sink.messages if rcpts == (sales_rep.email,)]
    assert len(mails) == 1
    body = mails[0].get_body(preferencelist=("plain",)).get_content()
    assert "Menuiserie Lebrun SARL" in body and "Note dégradée" in body and alert.message in body
    order = held_order_create(customer=customer, user=sales_rep, amount=Decimal("12500.00"), currency="EUR",
                              reference="CMD-2026-118", reasons=[{"code": "overdue", "message": "retard > 30 j"}],
                              exposure=Decimal("42500.00"), limit=None)  # fmt: skip

    login(page, sales_rep.username)
    expect(page.locator("#inbox-count")).to_have_text("2")  # the downgrade and the held order
    page.click("#inbox")
    expect(page.locator("#rep-notifications li[data-kind=downgrade]")).to_contain_text("Menuiserie Lebrun SARL")
    expect(page.locator("#rep-notifications li[data-kind=downgrade]")).to_contain_text("Note dégradée")
    expect(page.locator("#rep-notifications li[data-kind=held]")).to_contain_text("CMD-2026-118")

    page.locator("#rep-notifications li[data-kind=held] a").click()
    row = page.locator(f"#customer-held-orders tr[data-order='{order.pk}']")
    row.locator("textarea[name=justification]").fill("Client depuis 12 ans, acompte de 5 000 € reçu ce matin.")
    row.locator("button[type=submit]").click()
    expect(page.locator(f"#customer-held-orders tr[data-order='{order.pk}'] .badge")).to_have_text(
        "libération demandée"
    )

    manager = browser.new_context(viewport={"width": 1366, "height": 800}, locale="fr-FR").new_page()
    manager.base_url = page.base_url
    login(manager, credit_manager.username)
    manager.goto(f"{manager.base_url}/sales/release-requests/")
    request_row = manager.locator(f"#release-requests tr[data-order='{order.pk}']")
    expect(request_row).to_contain_text("acompte de 5 000 € reçu")
    request_row.locator("input[name=comment]").fill("acompte vérifié en banque")
    request_row.locator("button[value=approve]").click()
    expect(manager.locator(".messages")).to_contain_text("la commande est libérée")
    expect(manager.locator(f"#release-requests tr[data-order='{order.pk}']")).to_have_count(0)
    manager.context.close()

    order.refresh_from_db()
    assert order.status == HeldOrder.Status.RELEASED and order.decided_by == credit_manager
    actions = list(AuditEntry.objects.filter(customer_id=customer.pk, action__startswith=("sales.release"))
                   .order_by("pk").values_list("action", "actor_id"))  # fmt: skip
    assert actions == [("sales.release.request", sales_rep.pk), ("sales.release.approve", credit_manager.pk)]
    assert AuditEntry.objects.filter(action="risk.order.release", object_id=str(order.pk)).exists()
    page.goto(f"{page.base_url}/sales/notifications/")
    expect(page.locator("#rep-notifications li[data-kind=release_approved]")).to_contain_text("acompte vérifié")
    page.wait_for_load_state("networkidle")
