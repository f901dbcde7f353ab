"""In a real Chromium: the credit manager sees exposure against cover on the insured portfolio
chart, prepares the cover requests, approves one and the insurer receives it by e-mail."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from encours.insurance.models import CoverRequest, InsurancePolicy
from encours.insurance.services.covers import decisions_import
from tests.e2e.conftest import login
from tests.insurance import conftest as insurance_fixtures

book = insurance_fixtures.book  # the four-buyer fixture of tests/insurance

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_cover_request_prepare_and_approve(page, credit_manager, book, entity, smtp_sink):
    decisions_import(
        raw=book["csv"],
        file_name="coface.csv",
        entity_siren=entity.siren,
        policy_number="P-77",
        insurer="Coface",
        today=date(2026, 10, 31),
    )
    InsurancePolicy.objects.update(insurer_email="agrements@coface.example")
    login(page, credit_manager.username)
    page.goto(f"{page.base_url}/insurance/?as_of=2026-10-31")
    expect(page.locator("#uncovered >> text=Bravo BTP")).to_have_count(1)
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('cover-chart'))")
    page.goto(f"{page.base_url}/insurance/requests/?as_of=2026-10-31")
    page.click("#prepare-requests button")
    page.wait_for_load_state("networkidle")
    request = CoverRequest.objects.get()
    row = page.locator(f"#request-{request.pk}")
    expect(row).to_contain_text("Alpha Négoce")
    row.locator("button[name=action][value=email]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#tracked")).to_contain_text("Alpha Négoce")
    request.refresh_from_db()
    assert request.status == CoverRequest.Status.SENT
    assert len(smtp_sink.messages) == 1 and smtp_sink.messages[0][1] == ("agrements@coface.example",)
