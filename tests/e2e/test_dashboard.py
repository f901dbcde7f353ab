"""In a real Chromium: the credit manager lands on the dashboard and its charts are drawn."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.reports.factories import Book

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_dashboard_draws_its_aging_and_dso_charts_without_console_errors(page, credit_manager, entity):
    today = timezone.localdate()
    book = Book(entity)
    customer = book.customer(name="Garage Dupont")
    for days in (200, 120, 75, 40, 10):
        book.invoice(customer, "1000.00", today - timedelta(days=days))
    errors: list[str] = []

    def console(message):
        # the browser's own request for /favicon.ico (the layout has none) is not the page's error
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, credit_manager.username)
    assert page.url.rstrip("/").endswith("/dashboard")
    for chart in ("#aging-chart", "#dso-chart"):
        expect(page.locator(chart)).to_be_visible()
        drawn = page.evaluate(
            "(selector) => { const chart = Chart.getChart(document.querySelector(selector));"
            " return chart ? chart.data.datasets.reduce((n, d) => n + d.data.filter(v => v !== null).length, 0) : 0; }",
            chart,
        )
        assert drawn > 0, f"{chart} has no data drawn"
    box = page.locator("#aging-chart").bounding_box()
    assert box and box["width"] > 200 and box["height"] > 150
    expect(page.locator("#top-overdue")).to_contain_text("Garage Dupont")
    assert errors == []
