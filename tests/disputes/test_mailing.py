"""SLA escalation and daily digest, received by a real SMTP server."""

from __future__ import annotations

from datetime import date

from django.core.management import call_command

from encours.audit.models import AuditEntry
from encours.disputes.models import Event
from tests.disputes.conftest import open_dispute
from tests.factories import UserFactory


def _bodies(sink, address):
    return [m.get_content() for _, rcpts, m in sink.messages if address in rcpts]


def test_overdue_dispute_emails_the_owner_then_the_manager(
    smtp_sink, collector, credit_manager, customer, invoices, reasons, quality_user
):
    dispute = open_dispute(
        collector, customer, reasons["quality"], [(invoices[0], None)], owner=quality_user, opened_on=date(2026, 9, 1)
    )  # SLA 20 days: due 21/09
    call_command("disputes_escalate", "--as-of", "2026-09-21")
    assert smtp_sink.messages == []
    call_command("disputes_escalate", "--as-of", "2026-09-22")
    assert [rcpts for _, rcpts, _ in smtp_sink.messages] == [(quality_user.email,)]
    assert "Boulangerie Martin" in _bodies(smtp_sink, quality_user.email)[0]
    call_command("disputes_escalate", "--as-of", "2026-09-23")  # same level: nothing new
    assert len(smtp_sink.messages) == 1
    call_command("disputes_escalate", "--as-of", "2026-09-25")
    assert [rcpts for _, rcpts, _ in smtp_sink.messages][1] == (credit_manager.email,)  # nadia's manager
    assert f"/disputes/{dispute.pk}/" in _bodies(smtp_sink, credit_manager.email)[0]
    dispute.refresh_from_db()
    assert dispute.escalation_level == 2
    assert dispute.events.filter(kind=Event.Kind.ESCALATED).count() == 2
    assert AuditEntry.objects.filter(action="dispute.escalate").count() == 2


def test_dispute_without_owner_escalates_to_the_entity_credit_managers(
    smtp_sink, collector, credit_manager, customer, invoices, reasons
):
    open_dispute(collector, customer, reasons["duplicate"], [(invoices[0], None)], opened_on=date(2026, 9, 1))
    call_command("disputes_escalate", "--as-of", "2026-10-31")
    assert {rcpts for _, rcpts, _ in smtp_sink.messages} == {(credit_manager.email,)}
    assert len(smtp_sink.messages) == 1  # levels 1 and 2 reach the same person: one email


def test_daily_digest_lists_each_owner_open_disputes(
    smtp_sink, collector, customer, invoices, reasons, quality_user, logistics_user
):
    open_dispute(
        collector, customer, reasons["quality"], [(invoices[0], None)], owner=quality_user, opened_on=date(2026, 9, 1)
    )
    open_dispute(
        collector,
        customer,
        reasons["delivery"],
        [(invoices[1], None)],
        owner=quality_user,
        opened_on=date(2026, 10, 30),
    )
    idle = UserFactory(username="idle")
    call_command("disputes_digest", "--as-of", "2026-10-31")
    assert [rcpts for _, rcpts, _ in smtp_sink.messages] == [(quality_user.email,)]
    message = smtp_sink.messages[0][2]
    assert "2" in message["Subject"] and "1" in message["Subject"]
    body = message.get_content()
    assert body.count("Boulangerie Martin") == 2
    assert body.count("[") == 1  # only the dispute past its SLA is flagged
    assert idle.email not in [r for _, rcpts, _ in smtp_sink.messages for r in rcpts]
