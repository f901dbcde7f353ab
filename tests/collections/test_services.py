"""Calls, promises, customer settings and the contracts collections provides to other apps."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache

from encours import contracts
from encours.collections.execution import run_create, run_execute
from encours.collections.models import CallTask, CustomerDunning, LitigationCase
from encours.collections.services import call_log, customer_dunning_update, promise_create, statement_send
from encours.core.errors import ValidationFailed
from encours.ledger.models import Customer
from tests.collections.conftest import invoice
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 20)


def test_call_back_outcome_closes_the_task_and_opens_the_next(acme, collector):
    task = CallTask.objects.create(customer=acme, title="Call", due_on=AS_OF, assigned_to=collector)
    call_log(customer=acme, user=collector, outcome="call_back", on=AS_OF, note="AP manager away",
             task=task, call_back_on=AS_OF + timedelta(days=2))  # fmt: skip
    task.refresh_from_db()
    assert task.done_on == AS_OF and task.outcome == "call_back"
    follow_up = CallTask.objects.get(done_on__isnull=True)
    assert follow_up.due_on == AS_OF + timedelta(days=2) and follow_up.assigned_to == collector


def test_call_back_needs_a_date_and_outcomes_are_checked(acme, collector):
    with pytest.raises(ValidationFailed, match="call back"):
        call_log(customer=acme, user=collector, outcome="call_back", on=AS_OF)
    with pytest.raises(ValidationFailed, match="unknown call outcome"):
        call_log(customer=acme, user=collector, outcome="shouted", on=AS_OF)


def test_promise_is_validated(acme, collector):
    item = invoice(acme, "FA-001", AS_OF - timedelta(days=10))
    other = invoice(CustomerFactory(entity=acme.entity), "FB-001", AS_OF)
    with pytest.raises(ValidationFailed, match="own customer"):
        promise_create(customer=acme, items=[other], amount=Decimal(10), promised_date=AS_OF, made_on=AS_OF,
                       user=collector)  # fmt: skip
    with pytest.raises(ValidationFailed, match="before today"):
        promise_create(customer=acme, items=[item], amount=Decimal(10), promised_date=AS_OF - timedelta(days=1),
                       made_on=AS_OF, user=collector)  # fmt: skip
    with pytest.raises(ValidationFailed, match="positive"):
        promise_create(customer=acme, items=[item], amount=Decimal(0), promised_date=AS_OF, made_on=AS_OF,
                       user=collector)  # fmt: skip


def test_paused_customer_gets_nothing_until_the_day_after(acme, credit_manager, smtp_sink):
    invoice(acme, "FA-001", AS_OF - timedelta(days=4))
    customer_dunning_update(customer=acme, user=credit_manager, paused_until=AS_OF)
    assert run_execute(run=run_create(as_of=AS_OF, user=None), user=None).sent == 0
    assert run_execute(run=run_create(as_of=AS_OF + timedelta(days=1), user=None), user=None).sent == 1


def test_timing_applier_shifts_the_dunning_and_is_audited(acme, credit_manager, smtp_sink):
    from encours.audit.models import AuditEntry

    invoice(acme, "FA-001", AS_OF - timedelta(days=4))
    contracts.apply_dunning_timing(customer_id=acme.pk, shift_days=5, channel="call", user=credit_manager,
                               reason="pays late but always pays")  # fmt: skip
    settings = CustomerDunning.objects.get(customer=acme)
    assert (settings.timing_shift_days, settings.preferred_channel) == (5, "call")
    assert AuditEntry.objects.filter(action="dunning.customer_settings", customer_id=acme.pk).exists()
    # +4 days past due, shifted by 5: the friendly reminder (+3) is not due yet
    assert run_execute(run=run_create(as_of=AS_OF, user=None), user=None).sent == 0
    assert run_execute(run=run_create(as_of=AS_OF + timedelta(days=4), user=None), user=None).sent == 1
    # the preferred channel replaces the friendly email: a call task, no email
    assert CallTask.objects.get(customer=acme).due_on == AS_OF + timedelta(days=4)
    assert smtp_sink.messages == []
    with pytest.raises(ValidationFailed):
        contracts.apply_dunning_timing(
            customer_id=acme.pk, shift_days=400, channel=None, user=credit_manager, reason=""
        )


def test_history_last_actions_litigation_and_alerts_are_provided(acme, credit_manager, smtp_sink):
    item = invoice(acme, "FA-001", AS_OF - timedelta(days=61), "5000.00")
    run_execute(run=run_create(as_of=AS_OF, user=None), user=None)
    events = contracts.dunning_history(customer_ids=[acme.pk], since=AS_OF - timedelta(days=1), until=AS_OF)
    assert [(e.step_code, e.item_ids, e.channel) for e in events] == [("litigation_handover", (item.pk,), "letter")]
    assert contracts.last_actions(customer_ids=[acme.pk], as_of=AS_OF)[acme.pk].on == AS_OF
    assert list(contracts.litigation_items(as_of=AS_OF)) == [item.pk]
    assert LitigationCase.objects.count() == 1
    CallTask.objects.create(customer=acme, title="Call", due_on=AS_OF)
    alerts = contracts.alerts(customers=Customer.objects.all(), user=credit_manager, as_of=AS_OF)
    assert any(a.source == "collections" and a.count == 1 for a in alerts)


def test_factored_invoices_say_where_to_pay_and_other_apps_tasks_reach_the_worklist(acme, collector, smtp_sink):
    from encours.collections.selectors import worklist

    item = invoice(acme, "FA-001", AS_OF - timedelta(days=4))
    with contracts.restored():
        contracts.FACTORED_ITEMS.register(
            lambda *, item_ids, as_of: {item.pk: contracts.FactoringInfo("BPI Factor", "FR7612345000019876543210146")}
        )
        contracts.WORK_TASKS.register(
            lambda *, customers, user, as_of: [contracts.WorkTask(acme.pk, as_of, "Declare overdue to insurer")]
        )
        run_execute(run=run_create(as_of=AS_OF, user=None), user=None)
        body = smtp_sink.messages[0][2].get_body(("plain",)).get_content()
        assert "BPI Factor" in body and "FR7612345000019876543210146" in body
        page = worklist(user=collector, as_of=AS_OF)
        assert [t.title for t in page.tasks] == ["Declare overdue to insurer"]


def test_grade_raises_the_priority(acme, collector):
    from encours.collections.selectors import worklist

    bolt = CustomerFactory(entity=acme.entity, name="Bolt SAS", collector=collector)
    invoice(acme, "FA-001", AS_OF - timedelta(days=10), "1000.00")
    invoice(bolt, "FB-001", AS_OF - timedelta(days=10), "1200.00")
    assert worklist(user=collector, as_of=AS_OF).lines[0].name == "Bolt SAS"
    with contracts.restored():
        contracts.GRADES.register(lambda *, customer_ids, as_of: {acme.pk: contracts.GradeInfo("E")})
        cache.clear()  # a real grade comes with an audited risk run, which the kept worklist notices
        lines = worklist(user=collector, as_of=AS_OF).lines
        assert lines[0].name == "Acme Bâtiment SARL"  # 1 000 × 2.2 > 1 200 × 1.0
        assert "grade E" in lines[0].contributions[2].explanation


def test_statement_is_sent_now_with_its_pdf(acme, collector, smtp_sink):
    invoice(acme, "FA-001", AS_OF - timedelta(days=4))
    message = statement_send(customer=acme, as_of=AS_OF, user=collector)
    assert message.status == "sent" and message.step_code == "statement"
    received = smtp_sink.messages[0][2]
    assert str(received["Subject"]).strip().startswith("Relevé de compte")
    assert [a.get_content_type() for a in received.iter_attachments()] == ["application/pdf"]
