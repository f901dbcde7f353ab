"""The weekly report: files, the page, the email to the distribution list, the schedule."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from encours import contracts
from encours.audit.models import AuditEntry
from encours.celery import app as celery_app
from encours.contracts import DisputeReasonLine, DisputesSummary, LastAction
from encours.reports.tasks import send_weekly_report

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 10, 31)


@pytest.fixture
def week(book):
    """Garage Dupont owes 5 000 due 70 days ago; Boulangerie Martin 2 000 due 10 days ago, of which
    it paid 800 this week; 1 500 was invoiced this week."""
    garage = book.customer(name="Garage Dupont", account_number="C100", region="Occitanie")
    bakery = book.customer(name="Boulangerie Martin", account_number="C200", region="Bretagne")
    book.invoice(garage, "5000.00", AS_OF - timedelta(days=100))
    late = book.invoice(bakery, "2000.00", AS_OF - timedelta(days=40))
    book.pay(late, "800.00", AS_OF - timedelta(days=2))
    book.invoice(bakery, "1500.00", AS_OF - timedelta(days=3))
    return garage, bakery


def _weekly(tmp_path, fmt, *args):
    out = tmp_path / f"weekly.{fmt}"
    call_command(
        "weekly_report",
        "--as-of",
        AS_OF.isoformat(),
        "--format",
        fmt,
        "--output",
        str(out),
        *args,
        stdout=io.StringIO(),
    )
    return out


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_pdf_holds_the_comparison_the_top_customers_the_charts_and_says_there_is_no_dispute_data(week, tmp_path):
    contracts.DISPUTES_REPORT.clear()  # as without the disputes app (restored by tests/conftest.py)
    text = _pdf_text(_weekly(tmp_path, "pdf", "--language", "en").read_bytes())
    # open AR now: 5 000 + 1 200 + 1 500 = 7 700; a week ago 5 000 + 2 000 = 7 000
    assert "€7,700.00" in text and "€7,000.00" in text and "+€700.00" in text
    assert text.index("Garage Dupont") < text.index("Boulangerie Martin")  # 5 000 overdue before 1 200
    assert "No dispute data: disputes are not recorded in encours yet." in text
    assert "Invoiced during the week" in text and "€1,500.00" in text and "€800.00" in text
    # the charts are drawn from SVG with their text kept as text: legend and bucket labels
    assert "DSO (3 months)" in text and "91–120 days" in text


def test_the_html_file_is_a_standalone_document_with_its_charts(week, tmp_path):
    html = _weekly(tmp_path, "html", "--language", "en").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "<script" not in html
    assert html.count('src="data:image/svg+xml;base64,') == 2
    assert "Overdue by region" in html and "Occitanie" in html


def test_the_xlsx_has_a_sheet_per_section_with_numbers(week, tmp_path):
    workbook = load_workbook(_weekly(tmp_path, "xlsx", "--language", "en"))
    assert workbook.sheetnames[:6] == [
        "Summary",
        "Overdue by entity",
        "Overdue by region",
        "Top late customers",
        "Disputes",
        "DSO trend",
    ]
    late = workbook["Top late customers"]
    assert late["B2"].value == "Garage Dupont" and late["D2"].value == 5000
    assert late["D2"].number_format == "#,##0.00;-#,##0.00" and late.freeze_panes == "C2"


def test_the_command_emails_the_pdf_to_the_distribution_list(week, smtp_sink, tmp_path):
    call_command(
        "weekly_report",
        "--as-of",
        AS_OF.isoformat(),
        "--email",
        "daf@durand.example, credit@durand.example",
        "--language",
        "en",
        stdout=io.StringIO(),
    )
    assert len(smtp_sink.messages) == 1
    _sender, recipients, message = smtp_sink.messages[0]
    assert set(recipients) == {"daf@durand.example", "credit@durand.example"}
    assert str(message["Subject"]).strip().startswith("Weekly receivables report, 2026-10-31")
    attachment = next(part for part in message.iter_attachments())
    assert attachment.get_filename() == "encours-weekly-report-2026-10-31.pdf"
    assert "Garage Dupont" in _pdf_text(attachment.get_content())
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Open receivables: €7,700.00 (+€700.00)" in body
    entry = AuditEntry.objects.get(action="reports.weekly_report_sent")
    assert entry.after["recipients"] == ["daf@durand.example", "credit@durand.example"]


def test_email_alone_uses_the_distribution_list_setting_and_a_bad_address_is_named(week, smtp_sink, settings):
    settings.REPORTS_WEEKLY_RECIPIENTS = ["daf@durand.example"]
    call_command("weekly_report", "--as-of", AS_OF.isoformat(), "--email", stdout=io.StringIO())
    assert smtp_sink.messages[0][1] == ("daf@durand.example",)
    with pytest.raises(CommandError, match="not an email address: 'daf@'"):
        call_command("weekly_report", "--as-of", AS_OF.isoformat(), "--email", "daf@", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--output FILE, --email"):
        call_command("weekly_report", "--as-of", AS_OF.isoformat(), stdout=io.StringIO())


def test_the_scheduled_task_sends_to_the_setting_and_skips_without_recipients(week, smtp_sink, settings):
    settings.REPORTS_WEEKLY_RECIPIENTS = []
    assert send_weekly_report() == {"sent": False, "reason": "no recipients"}
    settings.REPORTS_WEEKLY_RECIPIENTS = ["daf@durand.example"]
    result = send_weekly_report()
    assert result["sent"] is True and len(smtp_sink.messages) == 1


def test_celery_beat_schedules_the_weekly_report_on_monday_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["reports-weekly-report"]
    assert entry["task"] == "reports.send_weekly_report"
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"].day_of_week == {1} and entry["schedule"].hour == {7}


def test_last_actions_and_disputes_come_from_their_providers(week, tmp_path, client, credit_manager):
    garage, _ = week

    @contracts.LAST_ACTIONS.register
    def dunning(*, customer_ids, as_of):
        return {garage.pk: LastAction(date(2026, 10, 20), "Formal notice sent")} if garage.pk in customer_ids else {}

    @contracts.DISPUTES_REPORT.register
    def disputes(*, customers, as_of, since):
        return DisputesSummary(
            currency="EUR",
            by_reason=(DisputeReasonLine("price", "Price", 2, Decimal("1300.00"), 1, Decimal("12")),),
            opened_since=1,
            resolved_since=1,
            average_resolution_days=Decimal("12"),
        )

    client.force_login(credit_manager)
    html = client.get(f"{reverse('reports:weekly')}?as_of={AS_OF.isoformat()}").content.decode()
    assert "Formal notice sent" in html and "no dispute data" not in html.lower()
    assert "1\u202f300,00\u00a0€" in html
    sheet = load_workbook(_weekly(tmp_path, "xlsx", "--language", "en"))["Top late customers"]
    assert sheet["K2"].value == "Formal notice sent"


@pytest.mark.parametrize("as_of", [AS_OF, date(2026, 11, 3)], ids=["same-month", "across-month-end"])
def test_the_previous_week_kpis_are_the_kpis_as_of_seven_days_earlier(week, book, as_of):
    from encours.ledger.models import Customer
    from encours.reports.selectors.kpis import scope_figures
    from encours.reports.selectors.weekly import weekly_report

    garage, bakery = week
    book.invoice(garage, "2500.00", date(2026, 7, 15))
    book.pay(book.invoice(bakery, "900.00", date(2026, 8, 20)), "900.00", date(2026, 10, 29))
    book.invoice(bakery, "600.00", date(2026, 11, 2))
    customers = Customer.objects.all()
    comparison = weekly_report(customers=customers, as_of=as_of).overview.main.week
    expected = scope_figures(customers=customers, as_of=as_of - timedelta(days=7))
    before = comparison.figures_before
    for name in ("overdue_rate", "dso_simple", "bpdso", "add", "cei", "opening_receivables", "period_sales"):
        assert getattr(before, name) == getattr(expected, name), name
    assert before.overdue_rate is not None and before.cei is not None
    now = comparison.figures_now
    assert comparison.overdue_rate_change == (now.overdue_rate - before.overdue_rate) * 100
    assert comparison.cei_change == now.cei - before.cei


def test_the_summary_shows_both_weeks_and_the_change_of_every_line(week, tmp_path):
    html = _weekly(tmp_path, "html", "--language", "en").read_text(encoding="utf-8")
    summary = html[html.index('id="weekly-summary"') : html.index("</section>")]
    lines = {}
    for row in summary.split("<tr>")[2:]:
        cells = [cell.split(">", 1)[1] for cell in row.split("</td>")[:-1]]
        lines[cells[0]] = cells[1:]
    # not due: nothing a week ago (the bakery's 2 000 fell due on 21 October), the 1 500 invoiced since
    assert lines["Not yet due"] == ["€0.00", "€1,500.00", "+€1,500.00"]
    assert lines["Unapplied cash / credits"] == ["€0.00", "€0.00", "€0.00"]
    # overdue rate: 7 000 / 7 000 a week ago, 6 200 / 7 700 now: −19.5 points
    assert lines["Overdue rate"][:2] == ["100.0%", "80.5%"] and "\u221219.5\u00a0pts" in lines["Overdue rate"][2]
    for label in ("Best possible DSO · ADD (3 months)", "CEI (3 months)"):
        assert all(cell.strip() not in {"", "—"} for cell in lines[label]), label
    summary_sheet = load_workbook(_weekly(tmp_path, "xlsx", "--language", "en"))["Summary"]
    rows = {row[0]: row[2:] for row in summary_sheet.iter_rows(values_only=True)}
    assert rows["Overdue rate"] == pytest.approx((6200 / 7700, 1, 6200 / 7700 - 1))  # this week, previous, change
    assert all(value is not None for value in rows["CEI (3 months)"])


def test_the_first_pdf_page_carries_the_summary_and_the_charts(week, tmp_path):
    pages = PdfReader(io.BytesIO(_weekly(tmp_path, "pdf", "--language", "en").read_bytes())).pages
    first = pages[0].extract_text()
    assert "This week against the previous one" in first
    assert "Aged balance" in first and "DSO trend" in first and "91–120 days" in first
