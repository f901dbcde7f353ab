"""The shipped texts are today's wording: a golden test on a fixed customer.

The golden files were written by the code that composed reminders before texts became editable
(``collections/email/reminder.txt`` and ``STEP_WORDING``); the default templates must render them
byte for byte, in French and in English, with penalties, credits and payment details."""

from __future__ import annotations

import os
from datetime import date

import pytest

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


def _letter_text(html: str) -> str:
    """The letter's words and markup, whatever the spacing between its tags."""
    import re

    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


@pytest.mark.parametrize("step_code", ["formal_notice", "litigation_handover", "agency_handover"])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_letter_keeps_its_wording(fixed_customer, step_code, language):
    from encours.collections import documents
    from encours.ledger.models import Item

    items = list(Item.objects.filter(customer=fixed_customer, amount__gt=0).order_by("due_date", "number"))
    context = documents.document_context(
        customer=fixed_customer, items=items, step_code=step_code, as_of=AS_OF, language=language,
        collector=fixed_customer.collector,
    )  # fmt: skip
    penalties = documents.penalties_for(items=items, as_of=AS_OF, category=fixed_customer.category)
    if hasattr(documents, "letter_html"):
        html = documents.letter_html(context=context, language=language, penalties=penalties)
    else:  # the code before texts were editable, which recorded the golden files
        from django.template.loader import render_to_string
        from django.utils import translation

        with translation.override(language):
            html = render_to_string("collections/documents/letter.html", {**context, "penalties": penalties})
    path = os.path.join(GOLDEN, f"letter-{step_code}.{language}.html")
    if os.environ.get("ENCOURS_RECORD_GOLDEN"):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(_letter_text(html))
    with open(path, encoding="utf-8") as handle:
        assert _letter_text(html) == handle.read()
