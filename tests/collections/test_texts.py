"""Editable dunning texts: variables, versions, refusals, the sandbox, and what a run sends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from encours.core.errors import PermissionDenied, ValidationFailed
from tests.collections.conftest import invoice
from tests.collections.test_texts_golden import AS_OF, compose

pytestmark = pytest.mark.django_db


def _names(value, prefix: str = "") -> set[str]:
    """Every dotted name a template can reach in ``value`` (a list: its first element's fields)."""
    names = set()
    for key, sub in value.items():
        name = f"{prefix}{key}"
        names.add(name)
        if isinstance(sub, list) and sub and prefix == "":
            sub = sub[0]
        if isinstance(sub, dict) and prefix == "":
            names.update(_names(sub, f"{name}."))
    return names


def _context(customer, step_code="friendly_reminder", language="fr", scenario_code=""):
    from encours.collections import documents
    from encours.ledger.models import Item

    items = list(Item.objects.filter(customer=customer, amount__gt=0).order_by("due_date", "number"))
    return documents.document_context(
        customer=customer, items=items, step_code=step_code, as_of=AS_OF, language=language,
        collector=customer.collector, scenario_code=scenario_code, contact=customer.contacts.first(),
    )  # fmt: skip


def test_the_documented_variables_are_the_variables_provided(fixed_customer):
    from encours.collections import texts
    from encours.ledger.models import Item

    context = _context(fixed_customer)
    context["credits"] = list(Item.objects.filter(customer=fixed_customer, amount__lt=0))
    provided = texts.text_variables(context)
    assert _names(provided) == texts.documented_names()
    assert _names(texts.sample_variables("fr")) == texts.documented_names()
    fields = {name for name, _help in next(v for v in texts.VARIABLES if v.name == "invoices").fields}
    assert set(provided["invoices"][0]) == fields
    penalty_fields = set(texts.PENALTY_INVOICE_FIELDS)
    assert set(texts.sample_variables("fr")["penalties"]["invoices"][0]) == penalty_fields
    assert provided["contact"] == {"name": "Claire Petit", "email": "compta@acme.example.fr"}
    assert provided["collector"]["name"] == "Julie Martin"


def test_the_edit_page_and_the_readme_document_every_variable(client, credit_manager):
    from pathlib import Path

    from encours.collections import texts

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    client.force_login(credit_manager)
    page = client.get("/collections/texts/").content.decode()
    for name in texts.documented_names():
        assert f"`{name}`" in readme, name
        assert f"<code>{name}</code>" in page, name


def test_each_save_is_a_new_version_and_a_restore_too(credit_manager, fixed_customer):
    from encours.audit.models import AuditEntry
    from encours.collections import texts

    first = texts.text_save(user=credit_manager, step_code="friendly_reminder", language="fr",
                            subject="Rappel {{ customer.name }}", body="Bonjour,\nv1")  # fmt: skip
    second = texts.text_save(user=credit_manager, step_code="friendly_reminder", language="fr",
                             subject="Rappel {{ customer.name }}", body="Bonjour,\nv2")  # fmt: skip
    assert (first.version, second.version, second.author) == (1, 2, credit_manager)
    assert texts.active_text(scenario_code="standard", step_code="friendly_reminder", language="fr").body.endswith("v2")
    assert texts.active_text(scenario_code="", step_code="friendly_reminder", language="en").version == 0
    restored = texts.text_restore(user=credit_manager, version=first)
    assert (restored.version, restored.restored_from, restored.body) == (3, 1, "Bonjour,\nv1")
    subject, body = compose(fixed_customer, "friendly_reminder", "fr", False)
    assert (subject, body) == ("Rappel Acme Bâtiment & Fils", "Bonjour,\nv1")
    entries = AuditEntry.objects.filter(action="dunning.text_save").order_by("pk")
    assert [e.after["version"] for e in entries] == [1, 2, 3]
    assert entries.last().after["restored_from"] == 1 and entries.last().actor == credit_manager


def test_a_scenario_text_beats_the_text_shared_by_every_scenario(credit_manager, fixed_customer):
    from encours.collections import texts

    texts.text_save(user=credit_manager, step_code="formal_notice", language="en", subject="Shared", body="shared")
    texts.text_save(user=credit_manager, step_code="formal_notice", language="en", subject="Own", body="own",
                    scenario_code="strict")  # fmt: skip
    assert texts.active_text(scenario_code="strict", step_code="formal_notice", language="en").body == "own"
    assert texts.active_text(scenario_code="standard", step_code="formal_notice", language="en").body == "shared"


@pytest.mark.parametrize(
    ("field", "source", "line", "message"),
    [
        ("body", "Bonjour\n\n{% if %}\n", 3, "Unexpected end of expression"),
        ("body", "Bonjour\n{% for invoice in invoices %}{{ invoice.number }}", 2, "endfor"),
        ("body", "{% load i18n %}", 1, "'load'"),
        ("body", 'a\n{% include "collections/run.html" %}', 2, "include"),
        ("body", "{% debug %}", 1, "debug"),
        ("body", "{% url 'collections:runs' %}", 1, "url"),
        ("body", "{{ customer.name|nosuchfilter }}", 1, "nosuchfilter"),
        ("subject", "{% for x in as_of %}{{ x }}{% endfor %}", 1, "not iterable"),
        ("letter", "ok\n\n{% if customer.name %}", 3, "endif"),
    ],
)
def test_a_broken_template_is_refused_with_its_line_and_message(credit_manager, field, source, line, message):
    from encours.collections import texts
    from encours.collections.models import DunningText

    fields = {"subject": "Relance", "body": "Bonjour", "letter": ""} | {field: source}
    with pytest.raises(texts.TextError) as refused:
        texts.text_save(user=credit_manager, step_code="friendly_reminder", language="fr", **fields)
    assert (refused.value.field, refused.value.line) == (field, line)
    assert message in refused.value.message
    assert not DunningText.objects.exists()


def test_who_may_edit_texts(auditor, collector, credit_manager):
    from encours.collections import texts

    for user in (auditor, collector):
        with pytest.raises(PermissionDenied):
            texts.text_save(user=user, step_code="friendly_reminder", language="fr", subject="x", body="y")
    with pytest.raises(ValidationFailed):
        texts.text_save(user=credit_manager, step_code="friendly_reminder", language="de", subject="x", body="y")
    with pytest.raises(ValidationFailed):
        texts.text_save(user=credit_manager, step_code="friendly_reminder", language="fr", subject=" ", body="y")


def test_templates_see_the_variables_only(credit_manager, fixed_customer):
    from encours.collections import texts

    texts.text_save(
        user=credit_manager, step_code="friendly_reminder", language="fr", subject="S",
        body="[{{ customer.pk }}][{{ customer.entity }}][{{ settings.SECRET_KEY }}][{{ company.name }}]",
    )  # fmt: skip
    _subject, body = compose(fixed_customer, "friendly_reminder", "fr", False)
    assert body == "[][][][Durand Matériaux SAS]"


def test_the_letter_escapes_html_and_the_email_does_not(credit_manager, fixed_customer):
    from encours.collections import documents, texts

    texts.text_save(
        user=credit_manager, step_code="formal_notice", language="fr", subject="Mise en demeure",
        body="Société {{ customer.name }}", letter="Madame, Monsieur,\n\nLa société {{ customer.name }} <b>doit</b>.",
    )  # fmt: skip
    context = _context(fixed_customer, "formal_notice")
    html = documents.letter_html(context=context, language="fr", penalties=None)
    assert "<p>La société Acme Bâtiment &amp; Fils &lt;b&gt;doit&lt;/b&gt;.</p>" in html
    assert compose(fixed_customer, "formal_notice", "fr", False)[1] == "Société Acme Bâtiment & Fils"


def test_a_text_failing_on_one_customer_falls_back_to_the_shipped_wording(fixed_customer):
    from encours.collections.models import DunningText

    expected = compose(fixed_customer, "friendly_reminder", "fr", False)
    DunningText.objects.create(  # saved before a change of data made it fail (the service refuses it today)
        step_code="friendly_reminder", language="fr", version=1, subject="S", body="{% for x in as_of %}{% endfor %}"
    )
    assert compose(fixed_customer, "friendly_reminder", "fr", False) == expected


def test_a_run_sends_the_active_text(credit_manager, acme, mailoutbox):
    from encours.collections import execution, texts
    from encours.collections.models import DunningMessage

    invoice(acme, "FA-2026-104", AS_OF - timedelta(days=8), "500.00")
    texts.text_save(
        user=credit_manager, step_code="friendly_reminder", language="fr", subject="Relance {{ customer.name }}",
        body="{{ customer.name }} doit {% for t in totals %}{{ t.amount|money:t.currency }}{% endfor %}.",
    )  # fmt: skip
    run = execution.run_create(as_of=AS_OF, user=credit_manager)
    execution.run_execute(run=run, user=credit_manager)
    message = DunningMessage.objects.get(customer=acme)
    sent = mailoutbox[-1]
    assert (message.step_code, message.status) == ("friendly_reminder", DunningMessage.Status.SENT)
    assert sent.subject == message.subject == "Relance Acme Bâtiment SARL"
    assert sent.body == "Acme Bâtiment SARL doit 500,00\u00a0€."
