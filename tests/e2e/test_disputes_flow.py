"""In a real Chromium: a collector opens a dispute from the customer page and moves it through
the workflow with the htmx buttons."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import ItemFactory

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_collector_opens_a_dispute_from_the_customer_and_resolves_it(page, collector, rep_customer):
    from encours.disputes.models import Dispute
    from encours.disputes.services import reasons_ensure

    reasons_ensure()
    invoice = ItemFactory(customer=rep_customer, number="FA2026-000901", amount=Decimal("1500.00"))
    login(page, collector.username)
    page.goto(f"{page.base_url}/customers/{rep_customer.pk}/")
    page.click("#new-dispute summary")
    page.select_option("#new-dispute select[name=reason]", label="Qualité")
    page.select_option("#new-dispute select[name=item]", value=str(invoice.pk))
    page.fill("#new-dispute textarea[name=description]", "Palettes abîmées à la livraison")
    page.click("#new-dispute button[type=submit]")
    page.wait_for_selector("#timeline")
    expect(page.locator("#dispute-status")).to_contain_text("Ouvert")
    page.click("#workflow button[data-status=in_progress]")
    expect(page.locator("#dispute-status")).to_contain_text("En cours")
    page.fill("#workflow input[name=note]", "avoir accordé")
    page.fill("#workflow input[name=amount_credited]", "500,00")
    page.click("#workflow button[data-status=resolved_credit_note]")
    expect(page.locator("#dispute-status")).to_contain_text("avoir")
    expect(page.locator("#timeline")).to_contain_text("avoir accordé")
    dispute = Dispute.objects.get()
    assert (dispute.status, dispute.amount_credited) == ("resolved_credit_note", Decimal("500.00"))
    expect(page.locator("#workflow")).to_have_count(0)  # closed: no more buttons
