"""In a real Chromium: a credit manager executes a dunning run while the mail server is down,
reads why each message failed, retries once the server is back, and the reminder goes out."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import SmtpSink
from tests.e2e.conftest import login
from tests.factories import ContactFactory, CustomerFactory, ItemFactory

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_credit_manager_sees_the_failure_reasons_and_retries_the_run(page, credit_manager, entity, settings):
    from encours.collections.models import DunningMessage, DunningRun

    today = timezone.localdate()
    acme = CustomerFactory(entity=entity, name="Menuiserie Lefort")
    ContactFactory(customer=acme, email="compta@lefort.example")
    nobody = CustomerFactory(entity=entity, name="Charpentes Sans Courriel")
    for customer, number in ((acme, "FA-E2E-1"), (nobody, "FA-E2E-2")):
        ItemFactory(customer=customer, number=number, amount=Decimal("1800.00"),
                    document_date=today - timedelta(days=34), due_date=today - timedelta(days=4))  # fmt: skip
    sink = SmtpSink()
    sink.controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nobody listens: down
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    try:
        login(page, credit_manager.username)
        page.goto(f"{page.base_url}/collections/runs/")
        page.get_by_role("button", name="Préparer une campagne").click()
        expect(page.locator("#plan")).to_contain_text("Menuiserie Lefort")
        page.locator("#execute-run").click()
        expect(page.locator("h1 + [data-status]")).to_have_text("Terminée avec erreurs")
        lefort = page.locator("#sent tr", has_text="Menuiserie Lefort")
        expect(lefort.locator("td.failure")).to_contain_text("Erreur du serveur de messagerie")
        expect(lefort.locator("td.failure")).to_contain_text("unreachable")
        expect(page.locator("#sent tr", has_text="Charpentes Sans Courriel").locator("td.failure")).to_contain_text(
            "Pas d'adresse e-mail"
        )
        page.goto(f"{page.base_url}/collections/runs/")
        expect(page.locator("[data-status=done_with_failures]")).to_have_count(1)

        settings.EMAIL_PORT = sink.port  # the mail server is back
        page.goto(f"{page.base_url}/collections/runs/{DunningRun.objects.get().pk}/")
        page.locator("#retry-failed").click()
        expect(page.locator("#sent tr", has_text="Menuiserie Lefort")).to_contain_text("Envoyé")
        expect(page.locator("#sent tr", has_text="Menuiserie Lefort")).to_contain_text("2 tentatives")
        expect(page.locator("#sent tr", has_text="Charpentes Sans Courriel")).to_contain_text("Échec")
    finally:
        sink.controller.stop()
    assert [rcpt for _, rcpt, _ in sink.messages] == [("compta@lefort.example",)]
    run = DunningRun.objects.get()
    assert (run.sent_messages, run.failed_messages) == (1, 1)
    assert DunningMessage.objects.get(customer=nobody).attempts == 2
