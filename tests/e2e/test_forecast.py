"""In a real Chromium: the forecast page draws its chart with a band, and the XLSX export downloads."""

from __future__ import annotations

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from encours.forecast.services import payment_model_train
from tests.e2e.conftest import login
from tests.forecast.conftest import build_ledger

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_forecast_page_draws_the_band_chart_and_exports_xlsx(page, credit_manager, entity, settings, tmp_path):
    settings.FORECAST_MAX_ITER = 30
    today = timezone.localdate()
    build_ledger(entity, as_of=today, months=12)
    payment_model_train(as_of=today)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, credit_manager.username)
    page.click('a[href="/forecast/"]')  # the main menu entry
    page.wait_for_load_state("networkidle")
    canvas = page.locator("canvas[id^=forecast-chart-]").first
    expect(canvas).to_be_visible()
    drawn = page.evaluate(
        "() => { const chart = Chart.getChart(document.querySelector('canvas[id^=forecast-chart-]'));"
        " return chart ? chart.data.datasets.map(d => d.data.length) : []; }"
    )
    assert drawn == [13, 13, 13, 13]  # band high, band low, expected, orders
    with page.expect_download() as download:
        page.click("#forecast-xlsx")
    path = tmp_path / "forecast.xlsx"
    download.value.save_as(path)
    sheet = load_workbook(path).worksheets[0]
    assert sum(1 for row in sheet.iter_rows(values_only=True) if row and row[0] == entity.name) == 14
    assert errors == []
