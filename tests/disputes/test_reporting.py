"""What disputes provide to the reports, and the disputes_report command on hand-made cases."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from encours import contracts
from encours.disputes.models import Status
from encours.disputes.services import dispute_transition
from encours.ledger.models import Customer
from tests.disputes.conftest import open_dispute
from tests.factories import ItemFactory

AS_OF = date(2026, 10, 31)


def _resolved(user, customer, reason, opened, days, status=Status.RESOLVED_PAYS, amount="100.00"):
    invoice = ItemFactory(customer=customer, amount=Decimal("1000.00"), document_date=opened - timedelta(days=10))
    dispute = open_dispute(user, customer, reason, [(invoice, amount)], opened_on=opened)
    if days is not None:
        dispute_transition(dispute=dispute, status=status, user=user, on=opened + timedelta(days=days))
    return dispute


def test_disputed_amounts_are_the_active_lines_as_of_the_date(collector, customer, invoices, reasons):
    whole = open_dispute(collector, customer, reasons["price"], [(invoices[0], None)], opened_on=date(2026, 10, 1))
    part = open_dispute(
        collector, customer, reasons["quality"], [(invoices[1], "250.00")], opened_on=date(2026, 10, 10)
    )
    dispute_transition(dispute=whole, status=Status.REJECTED, user=collector, on=date(2026, 10, 20))
    rows = contracts.DISPUTED_AMOUNTS.provider

    def amounts(as_of):
        return sorted(rows(as_of=as_of).items())

    assert amounts(date(2026, 9, 30)) == []
    assert amounts(date(2026, 10, 5)) == [(invoices[0].pk, Decimal("1200.000"))]
    assert amounts(date(2026, 10, 15)) == [(invoices[0].pk, Decimal("1200.000")), (invoices[1].pk, Decimal("250.000"))]
    assert amounts(date(2026, 10, 20)) == [(invoices[1].pk, Decimal("250.000"))]  # resolved that day: out
    assert part.amount_disputed == Decimal("250.00")


def test_aged_balance_page_shows_the_disputed_column(client, credit_manager, customer, invoices, reasons):
    open_dispute(credit_manager, customer, reasons["price"], [(invoices[1], "300.00")], opened_on=date(2026, 10, 1))
    client.force_login(credit_manager)
    response = client.get("/reports/aged-balance/", {"as_of": "2026-10-31", "by": "customer"})
    assert response.status_code == 200
    assert response.context["report"].disputes_known
    assert [row.balance.disputed for row in response.context["report"].rows] == [Decimal("300.00")]
    assert "no dispute data" not in response.content.decode()


def test_resolution_times_per_reason_on_hand_made_cases(collector, customer, reasons, tmp_path):
    for days in (2, 4, 10, 30):
        _resolved(collector, customer, reasons["price"], date(2026, 9, 1), days)
    _resolved(collector, customer, reasons["price"], date(2026, 10, 1), None, amount="250.50")  # still open
    _resolved(collector, customer, reasons["price"], date(2026, 10, 1), 40)  # resolved after AS_OF
    _resolved(collector, customer, reasons["delivery"], date(2026, 10, 1), 5, status=Status.REJECTED)
    output = tmp_path / "disputes.csv"
    call_command("disputes_report", "--as-of", "2026-10-31", "--format", "csv", "--output", str(output))
    with output.open() as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == [
            "reason",
            "open_count",
            "open_amount",
            "resolved_count",
            "resolved_amount",
            "avg_resolution_days",
            "p90_resolution_days",
        ]
        rows = {row["reason"]: row for row in reader}
    assert rows["price"] == {
        "reason": "price",
        "open_count": "2",
        "open_amount": "350.50",
        "resolved_count": "4",
        "resolved_amount": "400.00",
        "avg_resolution_days": "11.5",
        "p90_resolution_days": "30",
    }
    assert (rows["delivery"]["resolved_count"], rows["delivery"]["avg_resolution_days"]) == ("1", "5.0")
    assert rows["quality"]["open_count"] == "0" and rows["quality"]["p90_resolution_days"] == ""
    assert len(rows) == 9


def test_report_command_rejects_a_bad_date(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a date"):
        call_command("disputes_report", "--as-of", "31/10/2026", "--output", str(tmp_path / "x.csv"))


def test_weekly_summary_counts_open_resolved_and_overdue(collector, customer, reasons):
    _resolved(collector, customer, reasons["price"], date(2026, 10, 20), 8)  # resolved 28/10, in the week
    _resolved(collector, customer, reasons["quality"], date(2026, 9, 1), None)  # open, SLA 20 days: overdue
    summary = contracts.disputes_report(customers=Customer.objects.all(), as_of=AS_OF, since=date(2026, 10, 25))
    assert summary.open_count == 1 and summary.open_amount == Decimal("100.00")
    assert (summary.resolved_since, summary.average_resolution_days, summary.overdue_sla_count) == (
        1,
        Decimal("8.0"),
        1,
    )
    assert [line.reason for line in summary.by_reason] == ["price", "quality"]


def test_dashboard_alert_and_work_task_for_overdue_disputes(collector, customer, reasons):
    from encours import contracts

    _resolved(collector, customer, reasons["quality"], date(2026, 9, 1), None)
    alerts = [
        a
        for a in contracts.alerts(customers=Customer.objects.all(), user=collector, as_of=AS_OF)
        if a.source == "disputes"
    ]
    assert [(a.severity, a.count) for a in alerts] == [("warn", 1)]
    tasks = [
        t
        for t in contracts.work_tasks(customers=Customer.objects.all(), user=collector, as_of=AS_OF)
        if t.source == "disputes"
    ]
    assert len(tasks) == 1 and tasks[0].due_on == date(2026, 9, 21)
