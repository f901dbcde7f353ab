"""The shipped texts are today's wording: a golden test on a fixed customer.

The golden files were written by the code that composed reminders before texts became editable
(``collections/email/reminder.txt`` and ``STEP_WORDING``); the default templates must render them
byte for byte, in French and in English, with penalties, credits and payment details."""

from __future__ import annotations

import os
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.collections.conftest import invoice

pytestmark = pytest.mark.django_db

GOLDEN = os.path.join(os.path.dirname(__file__), "golden")
AS_OF = date(2026, 10, 31)
CASES = [
    ("friendly_reminder", "fr", False),
    ("friendly_reminder", "en", False),
    ("second_reminder", "fr", False),
    ("pre_due_reminder", "en", False),
    ("account_on_hold", "fr", False),
    ("formal_notice", "fr", True),
    ("formal_notice", "en", True),
    ("litigation_handover", "fr", False),
    ("agency_handover", "en", False),
    ("some_custom_step", "fr", False),
    ("some_custom_step", "en", False),
]


@pytest.fixture
def fixed_customer(lettered_entity, collector):
    from tests.factories import ContactFactory, CustomerFactory, ItemFactory

    collector.first_name, collector.last_name = "Julie", "Martin"
    collector.save()
    customer = CustomerFactory(
        entity=lettered_entity, name="Acme Bâtiment & Fils", account_number="411ACME", category="sme",
        collector=collector, language="fr",
    )  # fmt: skip
    ContactFactory(customer=customer, name="Claire Petit", email="compta@acme.example.fr")
    invoice(customer, "FA-2026-101", AS_OF - timedelta(days=45), "1200.00")
    invoice(customer, "FA-2026-102", AS_OF - timedelta(days=1), "350.50")
    invoice(customer, "FA-2026-103", AS_OF + timedelta(days=5), "99.90")
    ItemFactory(customer=customer, number="AV-2026-7", type="credit_note", amount=Decimal("-80.00"),
                document_date=AS_OF - timedelta(days=20), due_date=AS_OF - timedelta(days=20))  # fmt: skip
    return customer


def compose(customer, step_code: str, language: str, with_penalties: bool) -> tuple[str, str]:
    from encours.collections import documents
    from encours.ledger.models import Item

    items = list(Item.objects.filter(customer=customer, amount__gt=0).order_by("due_date", "number"))
    context = documents.document_context(
        customer=customer, items=items, step_code=step_code, as_of=AS_OF, language=language,
        collector=customer.collector,
    )  # fmt: skip
    context["credits"] = list(Item.objects.filter(customer=customer, amount__lt=0))
    context["penalties"] = (
        documents.penalties_for(items=items, as_of=AS_OF, category=customer.category) if with_penalties else None
    )
    email = documents.reminder_email(
        context=context, language=language, recipient="compta@acme.example.fr", reply_to="", attachments=()
    )
    return str(email.subject), str(email.body)


@pytest.mark.parametrize(("step_code", "language", "with_penalties"), CASES)
def test_default_texts_render_the_old_wording(fixed_customer, step_code, language, with_penalties):
    subject, body = compose(fixed_customer, step_code, language, with_penalties)
    path = os.path.join(GOLDEN, f"{step_code}.{language}.txt")
    rendered = f"Subject: {subject}\n\n{body}"
    if os.environ.get("ENCOURS_RECORD_GOLDEN"):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(rendered)
    with open(path, encoding="utf-8") as handle:
        assert rendered == handle.read()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_statement_email_keeps_its_wording(fixed_customer, credit_manager, language, mailoutbox):
    from encours.collections.models import CustomerDunning
    from encours.collections.services import statement_send

    CustomerDunning.objects.create(customer=fixed_customer, language=language)
    statement_send(customer=fixed_customer, as_of=AS_OF, user=credit_manager)
    email = mailoutbox[-1]
    path = os.path.join(GOLDEN, f"statement.{language}.txt")
    rendered = f"Subject: {email.subject}\n\n{email.body}"
    if os.environ.get("ENCOURS_RECORD_GOLDEN"):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(rendered)
    with open(path, encoding="utf-8") as handle:
        assert rendered == handle.read()
