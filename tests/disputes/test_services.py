"""Creating disputes and moving them through the workflow: validated, audited."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from encours.audit.models import AuditEntry
from encours.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from encours.disputes.models import Event, Notification, Status
from encours.disputes.services import comment_add, credit_notes_link, dispute_assign, dispute_transition
from tests.disputes.conftest import open_dispute
from tests.factories import ItemFactory


def test_dispute_on_two_invoices_with_a_part_amount(collector, customer, invoices, reasons):
    dispute = open_dispute(
        collector,
        customer,
        reasons["price"],
        [(invoices[0], None), (invoices[1], "300.00")],
        opened_on=date(2026, 10, 1),
    )
    assert dispute.amount_disputed == Decimal("1500.00")
    assert {(line.item.number, line.amount) for line in dispute.lines.all()} == {
        ("FA-1001", Decimal("1200.000")),
        ("FA-1002", Decimal("300.000")),
    }
    assert dispute.department == "sales"  # the reason's default department
    assert dispute.sla_due_on == date(2026, 10, 16)  # price: 15 days
    assert AuditEntry.objects.filter(action="dispute.create", object_id=str(dispute.pk)).count() == 1


def test_disputed_amount_cannot_exceed_what_is_open(collector, customer, invoices, reasons):
    open_dispute(collector, customer, reasons["price"], [(invoices[0], "1000.00")])
    with pytest.raises(ValidationFailed, match=r"FA-1001.*exceeds its open amount.*1000\.00 already in dispute"):
        open_dispute(collector, customer, reasons["quality"], [(invoices[0], "300.00")])


def test_invoice_of_another_customer_is_refused(collector, customer, other_customer, reasons):
    foreign = ItemFactory(customer=other_customer, number="FA-9")
    with pytest.raises(ValidationFailed, match="FA-9 belongs to another customer"):
        open_dispute(collector, customer, reasons["price"], [(foreign, None)])


def test_credit_notes_cannot_be_disputed(collector, customer, reasons):
    note = ItemFactory(customer=customer, type="credit_note", number="AV-1", amount=Decimal("-50.00"))
    with pytest.raises(ValidationFailed, match="only invoices"):
        open_dispute(collector, customer, reasons["price"], [(note, None)])


def test_auditor_may_not_open_a_dispute(auditor, customer, invoices, reasons):
    with pytest.raises(PermissionDenied):
        open_dispute(auditor, customer, reasons["price"], [(invoices[0], None)])


def test_workflow_to_credit_note_records_resolution_and_audit(collector, customer, invoices, reasons):
    dispute = open_dispute(collector, customer, reasons["quality"], [(invoices[0], None)], opened_on=date(2026, 10, 1))
    dispute_transition(dispute=dispute, status=Status.IN_PROGRESS, user=collector, on=date(2026, 10, 3))
    dispute_transition(dispute=dispute, status=Status.WAITING_CUSTOMER, user=collector, on=date(2026, 10, 5))
    dispute = dispute_transition(
        dispute=dispute,
        status=Status.RESOLVED_CREDIT_NOTE,
        user=collector,
        on=date(2026, 10, 20),
        amount_credited=Decimal("400.00"),
        note="geste commercial",
    )
    assert (dispute.status, dispute.resolved_on, dispute.amount_credited) == (
        Status.RESOLVED_CREDIT_NOTE,
        date(2026, 10, 20),
        Decimal("400.00"),
    )
    assert [e.to_status for e in dispute.events.filter(kind=Event.Kind.STATUS)] == [
        "in_progress",
        "waiting_customer",
        "resolved_credit_note",
    ]
    assert AuditEntry.objects.filter(action="dispute.status", object_id=str(dispute.pk)).count() == 3


def test_invalid_transition_is_a_clear_error_and_changes_nothing(collector, customer, invoices, reasons):
    dispute = open_dispute(collector, customer, reasons["quality"], [(invoices[0], None)])
    dispute_transition(dispute=dispute, status=Status.REJECTED, user=collector)
    with pytest.raises(InvalidTransition, match="'rejected' is closed"):
        dispute_transition(dispute=dispute, status=Status.IN_PROGRESS, user=collector)
    dispute.refresh_from_db()
    assert dispute.status == Status.REJECTED
    assert AuditEntry.objects.filter(action="dispute.status").count() == 1


def test_credited_amount_above_the_disputed_one_is_refused(collector, customer, invoices, reasons):
    dispute = open_dispute(collector, customer, reasons["price"], [(invoices[1], "100.00")])
    with pytest.raises(ValidationFailed, match="between 0 and 100"):
        dispute_transition(
            dispute=dispute, status=Status.RESOLVED_CREDIT_NOTE, user=collector, amount_credited=Decimal("150")
        )


def test_mention_notifies_the_mentioned_user_who_can_see_the_dispute(
    collector, customer, invoices, reasons, logistics_user, quality_user
):
    dispute = open_dispute(collector, customer, reasons["delivery"], [(invoices[0], None)])  # logistics department
    comment_add(dispute=dispute, user=collector, body="@karim peux-tu vérifier le BL ? cc @nadia @nobody")
    assert list(Notification.objects.filter(kind="mention").values_list("user__username", flat=True)) == ["karim"]
    assert dispute.events.filter(kind=Event.Kind.COMMENT).count() == 1


def test_assignment_notifies_the_new_owner(collector, customer, invoices, reasons, quality_user):
    dispute = open_dispute(collector, customer, reasons["price"], [(invoices[0], None)])
    dispute_assign(dispute=dispute, user=collector, owner=quality_user, department="quality")
    dispute.refresh_from_db()
    assert (dispute.owner, dispute.department) == (quality_user, "quality")
    assert Notification.objects.get(user=quality_user).kind == "assigned"


def test_imported_credit_note_is_linked_by_invoice_reference(collector, customer, invoices, reasons):
    dispute = open_dispute(
        collector, customer, reasons["price"], [(invoices[0], "200.00")], opened_on=date(2026, 10, 1)
    )
    dispute_transition(dispute=dispute, status=Status.RESOLVED_CREDIT_NOTE, user=collector, on=date(2026, 10, 10))
    ItemFactory(
        customer=customer,
        type="credit_note",
        number="AV-77",
        amount=Decimal("-999.00"),
        document_date=date(2026, 10, 12),
    )
    note = ItemFactory(
        customer=customer,
        type="credit_note",
        number="AV-78",
        amount=Decimal("-200.00"),
        document_date=date(2026, 10, 12),
        label="Avoir sur FA-1001",
    )
    assert credit_notes_link(actor="test") == 1
    dispute.refresh_from_db()
    assert dispute.credit_note == note
    assert AuditEntry.objects.filter(action="dispute.credit_note_link").count() == 1
    assert credit_notes_link(actor="test") == 0  # already linked
