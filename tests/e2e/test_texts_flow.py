"""In a real Chromium: a credit manager rewrites the French text of the friendly reminder, previews
it on a customer, saves it, runs dunning — and the e-mail the SMTP server receives says the new text."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import ContactFactory, CustomerFactory, ItemFactory

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BODY = """Bonjour {{ contact.name }},

Petit rappel amical de {{ company.name }} : {{ invoices|length }} facture(s) attendent votre règlement.
{% for invoice in invoices %}- {{ invoice.number }} ({{ invoice.days_late }} j) \
{{ invoice.open_amount|money:invoice.currency }}
{% endfor %}
Merci d'avance,
{{ company.sender_name }}"""


def test_credit_manager_edits_previews_and_the_run_sends_the_new_text(page, credit_manager, entity, smtp_sink):
    from encours.audit.models import AuditEntry
    from encours.collections.models import DunningText

    today = timezone.localdate()
    lefort = CustomerFactory(entity=entity, name="Menuiserie Lefort", account_number="411LEFORT", language="fr")
    ContactFactory(customer=lefort, name="Paul Lefort", email="compta@lefort.example")
    ItemFactory(customer=lefort, number="FA-E2E-7", amount=Decimal("1800.00"),
                document_date=today - timedelta(days=38), due_date=today - timedelta(days=8))  # fmt: skip

    login(page, credit_manager.username)
    page.goto(f"{page.base_url}/collections/scenarios/")
    page.get_by_role("link", name="Textes").click()
    page.locator("#text-choice select[name=step_code]").select_option("friendly_reminder")
    page.locator("#text-choice select[name=language]").select_option("fr")
    page.get_by_role("button", name="Ouvrir").click()
    shipped = "Relance de paiement – {{ company.name }} – {{ customer.account_number }}"
    expect(page.locator("#id_subject")).to_have_value(shipped)
    expect(page.locator("#variables")).to_contain_text("invoices.days_late")

    # a broken template is refused with its line
    page.fill("#id_body", "Bonjour\n{% if %}")
    page.locator("#text-preview").click()
    expect(page.locator("#text-error")).to_contain_text("ligne 2")

    page.fill("#id_subject", "Petit rappel – {{ customer.name }}")
    page.fill("#id_body", BODY)
    page.fill("#id_customer", "411LEFORT")
    page.locator("#text-preview").click()
    expect(page.locator("#preview-subject")).to_have_text("Petit rappel – Menuiserie Lefort")
    expect(page.locator("#preview-body")).to_contain_text("Bonjour Paul Lefort,")
    expect(page.locator("#preview-body")).to_contain_text("- FA-E2E-7 (8 j) 1\u202f800,00\u00a0€")
    assert not DunningText.objects.exists()  # a preview saves nothing

    page.locator("#text-save").click()
    expect(page.locator("#versions tr[data-version='1']")).to_contain_text("Petit rappel")
    expect(page.locator("#id_body")).to_have_value(BODY)
    preview = page.locator("#preview-body")
    expect(preview).to_have_count(0)

    page.goto(f"{page.base_url}/collections/runs/")
    page.get_by_role("button", name="Préparer une campagne").click()
    expect(page.locator("#plan")).to_contain_text("Menuiserie Lefort")
    page.locator("#execute-run").click()
    expect(page.locator("#sent tr", has_text="Menuiserie Lefort")).to_contain_text("Envoyé")

    ((_sender, recipients, message),) = smtp_sink.messages
    assert recipients == ("compta@lefort.example",)
    assert message["Subject"] == "Petit rappel – Menuiserie Lefort"
    body = message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert "Bonjour Paul Lefort," in body
    assert f"Petit rappel amical de {entity.name} : 1 facture(s) attendent votre règlement." in body
    assert "- FA-E2E-7 (8 j) 1\u202f800,00\u00a0€\n" in body
    saved = AuditEntry.objects.get(action="dunning.text_save")
    assert (saved.actor, saved.after["version"], saved.after["step"]) == (credit_manager, 1, "friendly_reminder")
