"""In a real Chromium: from the customer's risk page a sales rep requests a credit limit, the
credit manager approves it, and the limit is in force on the page (payer chart drawn)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from encours.risk.imports import import_statements
from tests.e2e.conftest import login
from tests.risk.conftest import HEALTHY, pay, statements_csv

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_limit_request_then_approval_from_the_risk_page(browser, live_server, page, sales_rep, credit_manager,
                                                        rep_customer):  # fmt: skip
    rep_customer.siren = "552100554"
    rep_customer.save()
    import_statements(raw=statements_csv(HEALTHY), file_name="s.csv")
    today = timezone.localdate()
    for back in range(1, 8):
        pay(rep_customer, "2500.00", today - timedelta(days=30 * back), today - timedelta(days=30 * back - 4))

    login(page, sales_rep.username)
    page.goto(f"{page.base_url}/risk/customers/{rep_customer.pk}/")
    expect(page.locator("#grade-explanation")).to_be_visible()
    assert page.evaluate("() => Chart.getChart('payer-chart') !== undefined")
    page.fill("#limit-request input[name=amount]", "30000")
    page.fill("#limit-request input[name=comment]", "nouveau contrat cadre")
    page.click("#limit-request button[type=submit]")
    expect(page.locator("#limits tr", has_text="nouveau contrat cadre")).to_have_count(1)
    expect(page.locator("#current-limit")).to_have_text("—")

    other = browser.new_context(viewport={"width": 1366, "height": 800}, locale="fr-FR").new_page()
    other.base_url = page.base_url
    login(other, credit_manager.username)
    other.goto(f"{other.base_url}/risk/limits/")
    row = other.locator("#pending-limits tr", has_text="nouveau contrat cadre")
    row.locator("input[name=comment]").fill("bilan solide")
    row.locator("button[value=approve]").click()
    other.wait_for_load_state("networkidle")
    expect(other.locator("#pending-limits tr", has_text="nouveau contrat cadre")).to_have_count(0)

    page.reload()
    expect(page.locator("#current-limit")).to_contain_text("30")
    expect(page.locator("#limits tr", has_text="bilan solide")).to_have_count(1)
    assert Decimal(30000) == rep_customer.credit_limits.get().amount
