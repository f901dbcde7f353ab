from __future__ import annotations

from datetime import date

from django.utils import translation

from encours.ledger.models import Customer
from encours.reports.selectors.weekly import weekly_report


def test_weekly_report_has_the_insurance_section(imported):
    with translation.override("en"):
        report = weekly_report(customers=Customer.objects.all(), as_of=date(2026, 10, 31))
    (section,) = [s for s in report.sections if s.key == "insurance"]
    lines = dict(section.lines)
    assert lines["Covers reduced or cancelled this week"] == "1"  # B cancelled on 10-31
    assert lines["Buyers over their cover"] == "1"  # A
    # 300 (A) + 7000 (B) + 2500 (C) + 800 (D)
    assert lines["Uncovered exposure"] == "€10,600.00"


def test_weekly_page_renders_it(imported, client, credit_manager):
    client.force_login(credit_manager)
    html = client.get("/reports/weekly/", {"as_of": "2026-10-31"}).content.decode()
    assert 'id="weekly-insurance"' in html and "Agréments réduits ou résiliés cette semaine" in html
