"""In a real Chromium: a credit manager finds a customer and its open items; a sales rep
cannot open another rep's customer."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import ItemFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_credit_manager_searches_a_customer_and_sees_its_open_items(page, credit_manager, rep_customer, other_customer):
    ItemFactory(customer=rep_customer, number="FA2026-000777", amount=Decimal("4321.00"))
    login(page, credit_manager.username)
    page.click("text=Clients")
    page.fill("input[name=q]", "Boulang")
    expect(page.locator("#customer-table >> text=Garage Dupont")).to_have_count(0)
    expect(page.locator("#customer-table >> text=Boulangerie Martin")).to_have_count(1)
    page.click("#customer-table >> text=Boulangerie Martin")
    page.wait_for_selector("h1 >> text=Boulangerie Martin")
    row = page.locator("tr", has_text="FA2026-000777")
    assert "4\u202f321,00" in row.inner_text()


def test_sales_rep_cannot_open_another_reps_customer(page, sales_rep, rep_customer, other_customer):
    login(page, sales_rep.username)
    page.goto(f"{page.base_url}/customers/")
    assert page.locator("text=Boulangerie Martin").count() == 1
    assert page.locator("text=Garage Dupont").count() == 0
    response = page.goto(f"{page.base_url}/customers/{other_customer.pk}/")
    assert response.status == 404
    assert "Garage Dupont" not in page.content()
