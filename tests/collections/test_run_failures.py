"""Runs that say what happened: failed messages keep their reason, the run ends "completed with
failures", its counts per outcome are shown, and the failed messages can be retried."""

from __future__ import annotations

from datetime import date, timedelta
from html import unescape

import pytest
from django.urls import reverse

from encours.audit.models import AuditEntry
from encours.collections.execution import run_create, run_execute
from encours.collections.models import DunningMessage, DunningRun, ExecutedStep
from encours.collections.retry import run_retry_failed
from encours.core.errors import EncoursError
from encours.core.errors import PermissionDenied as CapabilityDenied
from tests.collections.conftest import invoice
from tests.factories import ContactFactory, CustomerFactory, ItemFactory, allocate

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 20)


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2


def execute(user=None):
    run = run_create(as_of=AS_OF, user=user)
    outcome = run_execute(run=run, user=user)
    run.refresh_from_db()
    return run, outcome


def test_smtp_failure_is_recorded_with_its_reason_and_the_run_completes_with_failures(acme, smtp_down):
    invoice(acme, "FA-001", AS_OF - timedelta(days=4))
    run, outcome = execute()
    assert (outcome.sent, outcome.failed) == (0, 1)
    message = DunningMessage.objects.get()
    assert (message.status, message.failure) == ("failed", "smtp")
    assert "mail server 127.0.0.1:9 unreachable" in message.error
    assert run.status == DunningRun.Status.DONE_WITH_FAILURES
    assert (run.sent_messages, run.failed_messages) == (0, 1)
    assert not ExecutedStep.objects.exists()
    assert AuditEntry.objects.filter(action="dunning.message_failed").count() == 1


def test_customer_without_email_is_a_failed_message_saying_so(lettered_entity, smtp_sink):
    customer = CustomerFactory(entity=lettered_entity, name="Sans Adresse SARL")
    invoice(customer, "FA-001", AS_OF - timedelta(days=4))
    run, outcome = execute()
    assert outcome.skipped == 1 and outcome.sent == 0
    message = DunningMessage.objects.get()
    assert (message.status, message.failure) == ("failed", "no_email")
    assert "no email for any contact of Sans Adresse SARL" in message.error
    assert run.status == "done_with_failures" and run.failed_messages == 1
    assert smtp_sink.messages == [] and not ExecutedStep.objects.exists()


def test_a_run_without_failure_is_done(acme, smtp_sink):
    invoice(acme, "FA-001", AS_OF - timedelta(days=4))
    run, _ = execute()
    assert (run.status, run.sent_messages, run.failed_messages) == ("done", 1, 0)


def test_retry_sends_the_failed_message_once_the_server_is_back(acme, credit_manager, smtp_down, settings):
    invoice(acme, "FA-001", AS_OF - timedelta(days=4))
    run, _ = execute()
    from tests.conftest import SmtpSink

    sink = SmtpSink()
    sink.controller.start()
    try:
        settings.EMAIL_PORT = sink.port
        outcome = run_retry_failed(run=run, user=credit_manager)
    finally:
        sink.controller.stop()
    assert outcome.sent == 1 and len(sink.messages) == 1
    message = DunningMessage.objects.get()  # the same row, sent on its second attempt
    assert (message.status, message.failure, message.error, message.attempts) == ("sent", "", "", 2)
    assert ExecutedStep.objects.filter(message=message).count() == 1
    run.refresh_from_db()
    assert (run.status, run.sent_messages, run.failed_messages) == ("done", 1, 0)
    entry = AuditEntry.objects.get(action="dunning.run_retry")
    assert entry.after["sent"] == 1 and entry.actor_id == credit_manager.pk


def test_retry_marks_a_message_no_longer_due_when_the_invoice_was_paid(acme, credit_manager, smtp_down):
    item = invoice(acme, "FA-001", AS_OF - timedelta(days=4))
    run, _ = execute()
    payment = ItemFactory(customer=acme, type="payment", number="VIR-1", amount=-item.amount, document_date=AS_OF)
    allocate(item, payment, item.amount, AS_OF)
    outcome = run_retry_failed(run=run, user=credit_manager)
    assert outcome.sent == 0
    message = DunningMessage.objects.get()
    assert message.status == "obsolete" and message.error.startswith("no longer due")
    run.refresh_from_db()
    assert (run.status, run.failed_messages) == ("done", 0)


def test_retry_still_failing_keeps_the_reason_and_counts_the_attempt(acme, credit_manager, smtp_down):
    invoice(acme, "FA-001", AS_OF - timedelta(days=4))
    run, _ = execute()
    outcome = run_retry_failed(run=run, user=credit_manager)
    assert outcome.failed == 1
    message = DunningMessage.objects.get()
    assert (message.status, message.failure, message.attempts) == ("failed", "smtp", 2)
    run.refresh_from_db()
    assert run.status == "done_with_failures"


def test_retry_needs_the_run_capability_and_a_failed_message(acme, sales_rep, credit_manager, smtp_sink):
    invoice(acme, "FA-001", AS_OF - timedelta(days=4))
    run, _ = execute()
    with pytest.raises(CapabilityDenied):
        run_retry_failed(run=run, user=sales_rep)
    with pytest.raises(EncoursError, match="no failed message"):
        run_retry_failed(run=run, user=credit_manager)


def test_runs_list_and_run_page_show_outcomes_reasons_and_the_retry(client, credit_manager, lettered_entity, acme,
                                                                    smtp_sink):  # fmt: skip
    nobody = CustomerFactory(entity=lettered_entity, name="Sans Adresse SARL")
    invoice(nobody, "FN-001", AS_OF - timedelta(days=4))
    invoice(acme, "FA-001", AS_OF - timedelta(days=4))
    run, _ = execute()
    client.force_login(credit_manager)
    html = client.get(reverse("collections:runs")).content.decode()
    assert "Terminée avec erreurs" in html
    row = html[html.index(f'href="/collections/runs/{run.pk}/"') :].split("</tr>")[0]
    assert '<td class="right">1</td>' in row and ">1</a>" in row  # 1 sent, 1 failed
    html = unescape(client.get(reverse("collections:run", args=[run.pk])).content.decode())
    assert "Pas d'adresse e-mail" in html and "no email for any contact of Sans Adresse SARL" in html
    assert html.index("Sans Adresse SARL") < html.index("Acme Bâtiment SARL")  # failed first
    assert 'id="retry-failed"' in html
    ContactFactory(customer=nobody, email="compta@sans-adresse.example")
    response = client.post(reverse("collections:run_retry", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert (run.status, run.sent_messages, run.failed_messages) == ("done", 2, 0)
    assert len(smtp_sink.messages) == 2
    html = client.get(reverse("collections:run", args=[run.pk])).content.decode()
    assert 'id="retry-failed"' not in html and 'data-status="done">Termin' in html


def test_retry_page_refuses_a_sales_rep(client, sales_rep, acme, smtp_down):
    invoice(acme, "FA-001", AS_OF - timedelta(days=4))
    run, _ = execute()
    client.force_login(sales_rep)
    assert client.post(reverse("collections:run_retry", args=[run.pk])).status_code == 403
    assert DunningMessage.objects.get().attempts == 1


def test_the_command_retries_a_run_and_prints_what_still_fails(lettered_entity, acme, smtp_sink):
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    nobody = CustomerFactory(entity=lettered_entity, name="Sans Adresse SARL")
    invoice(nobody, "FN-001", AS_OF - timedelta(days=4))
    run, _ = execute()
    out = io.StringIO()
    call_command("dunning_run", "--retry", str(run.pk), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"run {run.pk} retried: 0 sent, 1 undeliverable, 0 failed")
    assert lines[1] == (
        "  failed: Sans Adresse SARL: Pas d'adresse e-mail: no email for any contact of Sans Adresse SARL"
    )
    with pytest.raises(CommandError, match="no dunning run 999"):
        call_command("dunning_run", "--retry", "999")
