"""Dunning runs end to end: plan, real SMTP delivery, letters, idempotence, pause rules."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from encours.collections.execution import run_create, run_exclude, run_execute
from encours.collections.models import CallTask, DunningMessage, ExecutedStep, LitigationCase, Promise
from encours.collections.planning import plan_for, run_customers
from encours.collections.services import promise_create
from tests.collections.conftest import invoice, register_disputes
from tests.factories import ContactFactory, CustomerFactory, ItemFactory, allocate
from tests.pdf import pdf_text

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 20)


def execute(as_of=AS_OF, user=None, **kwargs):
    run = run_create(as_of=as_of, user=user)
    return run, run_execute(run=run, user=user, **kwargs)


def test_plan_command_prints_one_line_per_customer_and_step_and_writes_nothing(acme):
    invoice(acme, "FA-001", AS_OF - timedelta(days=4))
    invoice(acme, "FA-002", AS_OF - timedelta(days=5), "800.00")
    out = io.StringIO()
    call_command("dunning_run", "--as-of", AS_OF.isoformat(), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Acme Bâtiment SARL\tfriendly_reminder\temail\t€2,000.00\t2 invoice(s)")
    assert "compta@acme.example.fr" in lines[0]
    assert "1 message(s) planned" in lines[-1]
    assert not DunningMessage.objects.exists() and not ExecutedStep.objects.exists()


def test_command_rejects_an_unknown_entity_and_a_bad_date(acme):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="SIREN 999999999"):
        call_command("dunning_run", "--as-of", "2026-03-20", "--entity", "999999999")
    with pytest.raises(CommandError, match="not a date"):
        call_command("dunning_run", "--as-of", "20/03/2026")


def test_execute_sends_one_email_per_customer_and_step_over_smtp(acme, collector, smtp_sink):
    collector.email = "julien.roy@encours.example"
    collector.save()
    invoice(acme, "FA-001", AS_OF - timedelta(days=4))
    invoice(acme, "FA-002", AS_OF - timedelta(days=6), "800.00")
    out = io.StringIO()
    call_command("dunning_run", "--as-of", AS_OF.isoformat(), "--execute", stdout=out)
    assert "1 sent" in out.getvalue()
    assert len(smtp_sink.messages) == 1
    _, recipients, message = smtp_sink.messages[0]
    assert recipients == ("compta@acme.example.fr",)
    assert message["Reply-To"] == "julien.roy@encours.example"
    assert message["Content-Language"] == "fr"
    assert str(message["Subject"]).strip().startswith("Relance de paiement")
    body = message.get_body(("plain",)).get_content()
    assert "FA-001" in body and "FA-002" in body
    assert "2\u202f000,00\u00a0€" in body
    attachments = list(message.iter_attachments())
    assert [a.get_content_type() for a in attachments] == ["application/pdf"]
    assert "FA-002" in pdf_text(attachments[0].get_content())
    stored = DunningMessage.objects.get()
    assert stored.status == "sent" and stored.eml.read().startswith(b"Content-Type")
    assert ExecutedStep.objects.filter(step_code="friendly_reminder").count() == 2


def test_english_customer_gets_the_english_template(acme, smtp_sink):
    acme.language = "en"
    acme.save()
    invoice(acme, "FA-001", AS_OF - timedelta(days=4))
    execute()
    message = smtp_sink.messages[0][2]
    assert str(message["Subject"]).strip().startswith("Payment reminder")
    assert "remain unpaid" in message.get_body(("plain",)).get_content()


def test_running_twice_sends_nothing_new(acme, smtp_sink):
    invoice(acme, "FA-001", AS_OF - timedelta(days=4))
    _, first = execute()
    _, second = execute()
    assert (first.sent, second.sent) == (1, 0)
    assert len(smtp_sink.messages) == 1
    assert DunningMessage.objects.count() == 1


def test_a_claimed_step_is_not_sent_again_by_a_run_planned_before(acme, smtp_sink):
    invoice(acme, "FA-001", AS_OF - timedelta(days=4))
    stale = run_create(as_of=AS_OF, user=None)
    plan = plan_for(as_of=AS_OF, customers=run_customers())
    execute()
    from encours.collections.execution import message_execute

    assert message_execute(planned=plan.messages[0], customer=acme, as_of=AS_OF, user=None, run=stale) is None
    assert len(smtp_sink.messages) == 1


def test_disputed_invoice_is_skipped(acme, smtp_sink):
    disputed = invoice(acme, "FA-001", AS_OF - timedelta(days=4))
    invoice(acme, "FA-002", AS_OF - timedelta(days=4))
    register_disputes([disputed.pk])
    plan = plan_for(as_of=AS_OF, customers=run_customers())
    assert [i.number for i in plan.messages[0].invoices] == ["FA-002"]
    assert plan.decision_for(disputed.pk).decision == "disputed"


def test_promised_invoice_is_skipped_and_a_broken_promise_resumes_at_the_next_step(acme, smtp_sink):
    item = invoice(acme, "FA-001", AS_OF - timedelta(days=4))
    execute()  # friendly reminder at +4
    promise_create(
        customer=acme, items=[item], amount=Decimal("1200"), promised_date=AS_OF + timedelta(days=10),
        made_on=AS_OF + timedelta(days=6), user=None,
    )  # fmt: skip
    during = plan_for(as_of=AS_OF + timedelta(days=12), customers=run_customers())
    assert during.messages == () and during.decision_for(item.pk).decision == "promised"
    # no cash by the deadline (promised date + 3 days grace): broken on day 14 after the promised date
    after = AS_OF + timedelta(days=40)  # 44 days past due: the highest due step would be account_on_hold
    run, outcome = execute(as_of=after)
    assert outcome.broken_promises == 1
    assert Promise.objects.get().status == "broken"
    message = DunningMessage.objects.get(run=run)
    assert message.step_code == "second_reminder"  # the step right after the last one executed


def test_kept_promise_ends_dunning(acme, smtp_sink):
    item = invoice(acme, "FA-001", AS_OF - timedelta(days=4))
    promise_create(customer=acme, items=[item], amount=Decimal("1200"), promised_date=AS_OF + timedelta(days=5),
                   made_on=AS_OF, user=None)  # fmt: skip
    payment = ItemFactory(customer=acme, type="payment", number="VIR-1", amount=Decimal("-1200"),
                          document_date=AS_OF + timedelta(days=3))  # fmt: skip
    allocate(item, payment, Decimal("1200"), AS_OF + timedelta(days=3))
    _, outcome = execute(as_of=AS_OF + timedelta(days=30))
    assert outcome.sent == 0
    assert Promise.objects.get().status == "kept"


def test_formal_notice_letter_carries_amounts_and_penalties(acme, smtp_sink):
    invoice(acme, "FA-001", date(2026, 1, 31), "1000.00")
    execute(as_of=date(2026, 3, 2))  # 30 days late: the formal notice with penalties
    message = DunningMessage.objects.get()
    assert message.step_code == "formal_notice" and message.channel == "letter"
    text = pdf_text(message.pdf.read())
    assert "Mise en demeure de payer" in text
    assert "L441-10" in text and "D441-5" in text
    assert "1 000,00 €" in text.replace("\u202f", " ").replace("\u00a0", " ")
    # 1 000 € × 12,15 % × 30 / 365 = 9,99 € (ECB MRO 2,15 % on 1 January 2026 + 10 points)
    assert "9,99" in text and "40,00" in text
    assert "Acme Bâtiment SARL" in text
    # a copy goes by email to the dunning contact with the letter and the statement
    names = [a.get_filename() for a in smtp_sink.messages[0][2].iter_attachments()]
    assert names[0].startswith("formal_notice-") and names[1].startswith("statement-")


def test_call_step_creates_a_task_for_the_collector(acme, collector):
    ContactFactory(customer=acme, name="Marc", email="", phone="+33 1 02 03 04 05", is_dunning_contact=False)
    invoice(acme, "FA-001", AS_OF - timedelta(days=21), "5000.00")
    # the earlier email steps were not sent (late import): the call step fires, they are marked skipped
    execute()
    task = CallTask.objects.get()
    assert task.assigned_to == collector and task.due_on == AS_OF and task.done_on is None
    assert set(ExecutedStep.objects.filter(skipped=True).values_list("step_code", flat=True)) == {
        "friendly_reminder",
        "second_reminder",
    }


def test_litigation_hand_over_records_the_items_and_credit_block_blocks(acme, smtp_sink):
    item = invoice(acme, "FA-001", AS_OF - timedelta(days=46), "3000.00")
    execute()  # +46: account on hold (credit block) in the standard scenario
    acme.refresh_from_db()
    assert acme.is_blocked
    execute(as_of=AS_OF + timedelta(days=20))
    assert LitigationCase.objects.get().item_id == item.pk


def test_excluded_customer_and_invoice_stay_out(acme, smtp_sink):
    other = CustomerFactory(entity=acme.entity, name="Bolt SAS")
    ContactFactory(customer=other)
    first = invoice(acme, "FA-001", AS_OF - timedelta(days=4))
    invoice(acme, "FA-002", AS_OF - timedelta(days=4))
    invoice(other, "FB-001", AS_OF - timedelta(days=4))
    run = run_create(as_of=AS_OF, user=None)
    run_exclude(run=run, user=None, customer_id=other.pk)
    run_exclude(run=run, user=None, item_id=first.pk)
    outcome = run_execute(run=run, user=None)
    assert outcome.sent == 1
    assert DunningMessage.objects.get().item_ids == [first.pk + 1]


def test_undeliverable_message_is_not_executed(lettered_entity):
    customer = CustomerFactory(entity=lettered_entity)
    invoice(customer, "FA-001", AS_OF - timedelta(days=4))
    _, outcome = execute()
    assert outcome.skipped == 1 and not ExecutedStep.objects.exists()


def test_smtp_failure_releases_the_claim(acme, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    invoice(acme, "FA-001", AS_OF - timedelta(days=4))
    _, outcome = execute()
    assert outcome.failed == 1
    assert DunningMessage.objects.get().status == "failed"
    assert not ExecutedStep.objects.exists()  # the next run retries


def test_one_letter_per_customer_lists_every_invoice_with_days_late_penalties_and_indemnities(acme, smtp_sink):
    invoice(acme, "FA-004", AS_OF - timedelta(days=4), "1000.00")
    invoice(acme, "FA-017", AS_OF - timedelta(days=17), "1000.00")
    invoice(acme, "FA-031", AS_OF - timedelta(days=31), "1000.00")
    _, outcome = execute()
    assert outcome.sent == 1 and len(smtp_sink.messages) == 1  # not a reminder, a second one and a notice
    message = DunningMessage.objects.get()
    assert message.step_code == "formal_notice" and len(message.item_ids) == 3
    text = pdf_text(message.pdf.read()).replace("\u202f", " ").replace("\u00a0", " ")
    for number in ("FA-004", "FA-017", "FA-031"):
        assert number in text
    assert "Jours de retard" in text and "3 000,00 €" in text
    assert "120,00" in text  # 3 late invoices × 40 € recovery indemnity (D441-5)
    body = smtp_sink.messages[0][2].get_body(("plain",)).get_content()
    assert "(4 jours de retard)" in body and "(31 jours de retard)" in body
    assert "D441-5" in body and "Total des pénalités" in body
    rows = ExecutedStep.objects.filter(skipped=False)
    assert set(rows.values_list("item__number", "step_code", "covered")) == {
        ("FA-004", "friendly_reminder", True),
        ("FA-017", "second_reminder", True),
        ("FA-031", "formal_notice", False),
    }
    _, later = execute(as_of=AS_OF + timedelta(days=1))  # the covered steps are never sent later
    assert later.sent == 0


def test_a_hand_over_covering_the_account_on_hold_blocks_and_hands_over_only_its_invoices(acme, smtp_sink):
    held = invoice(acme, "FA-046", AS_OF - timedelta(days=46), "800.00")
    old = invoice(acme, "FA-061", AS_OF - timedelta(days=61), "3000.00")
    _, outcome = execute()
    assert outcome.sent == 1
    assert DunningMessage.objects.get().step_code == "litigation_handover"
    acme.refresh_from_db()
    assert acme.is_blocked  # the covered account_on_hold step still holds the account
    assert list(LitigationCase.objects.values_list("item_id", flat=True)) == [old.pk]
    assert ExecutedStep.objects.get(item=held, skipped=False).step_code == "account_on_hold"
