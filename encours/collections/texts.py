"""Editable dunning texts: what each step says, per scenario and language, versioned.

A text is three Django templates — the e-mail subject, the e-mail body (plain text) and the
letter's opening (text made HTML: everything escaped, blank lines make paragraphs) — rendered in
a sandbox: a template engine that loads no file and no tag library, whose tags are the harmless
built-ins (no ``include``, ``load``, ``debug``, ``url``, ``csrf_token``), and whose context holds
only the documented variables (``VARIABLES``), built from plain values: no model object reaches
a template.

The shipped wording (the French and English catalogs of collections) is the default text of a
step until someone saves a version; ``default_text`` writes it as templates, and a golden test
keeps it equal to what reminders said before texts were editable.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.template import Context, Engine, Library, TemplateSyntaxError, defaulttags
from django.template.base import Template
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from encours.accounts.permissions import require
from encours.audit.services import audit_record
from encours.core.errors import ValidationFailed
from encours.core.money import format_amount

log = logging.getLogger(__name__)

LANGUAGES = ("fr", "en")
HANDOVER_STEPS = ("litigation_handover", "agency_handover")
STATEMENT = "statement"  # the account statement sent on demand: a text like a step's

# --- the sandbox -----------------------------------------------------------------------------

SAFE_TAGS = (
    "autoescape", "comment", "cycle", "filter", "firstof", "for", "if", "ifchanged", "now", "regroup",
    "resetcycle", "spaceless", "templatetag", "verbatim", "widthratio", "with",
)  # fmt: skip
_tags = Library()
for _name in SAFE_TAGS:
    _tags.tags[_name] = defaulttags.register.tags[_name]

_filters = Library()


@_filters.filter
def money(value: Any, currency: str = "EUR") -> str:
    """An amount in the message's language: ``{{ total.amount|money:total.currency }}``."""
    if value is None or value == "":
        return "—"
    return format_amount(Decimal(value), currency or "EUR", lang=translation.get_language() or "fr")


class SandboxEngine(Engine):
    default_builtins: list[str] = ["django.template.defaultfilters"]

    def get_template_builtins(self, builtins: Iterable[str]) -> list[Library]:  # type: ignore[override]
        return [*super().get_template_builtins(builtins), _tags, _filters]


# Plain text out (the e-mail is text/plain); the letter's text is escaped whole when it becomes HTML.
TEXT_ENGINE = SandboxEngine(dirs=[], app_dirs=False, loaders=[], libraries={}, debug=True, autoescape=False)


class TextError(ValidationFailed):
    """A template that does not compile or render: which field, which line, what is wrong."""

    def __init__(self, field: str, line: int | None, message: str) -> None:
        self.field, self.line, self.message = field, line, message
        where = _("line %(line)s") % {"line": line} if line else ""
        super().__init__(f"{field}: {where}{': ' if where else ''}{message}")


def compile_template(source: str, *, field: str) -> Template:
    try:
        return TEXT_ENGINE.from_string(source)
    except TemplateSyntaxError as exc:
        debug = getattr(exc, "template_debug", None) or {}
        raise TextError(field, debug.get("line"), str(exc)) from exc


def _render(source: str, variables: Mapping[str, Any], *, field: str) -> str:
    template = compile_template(source, field=field)
    try:
        return template.render(Context(dict(variables), autoescape=False))
    except Exception as exc:  # a filter given a bad argument, a loop over a number…
        raise TextError(field, _error_line(exc, source), f"{type(exc).__name__}: {exc}") from exc


def _error_line(exc: BaseException, source: str) -> int | None:
    debug = getattr(exc, "template_debug", None)
    return int(debug["line"]) if debug and debug.get("line") else None


# --- the variables ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Variable:
    name: str
    help: Any
    fields: tuple[tuple[str, Any], ...] = ()


VARIABLES: tuple[Variable, ...] = (
    Variable("customer", gettext_lazy("the customer"), (
        ("name", gettext_lazy("name")), ("account_number", gettext_lazy("account number")),
        ("siren", gettext_lazy("SIREN")), ("address", gettext_lazy("address")),
        ("postal_code", gettext_lazy("postal code")), ("city", gettext_lazy("city")),
        ("category", gettext_lazy("category")),
    )),
    Variable("contact", gettext_lazy("the dunning contact the message goes to"), (
        ("name", gettext_lazy("name")), ("email", gettext_lazy("email")),
    )),
    Variable("collector", gettext_lazy("the customer's collector (empty when none)"), (
        ("name", gettext_lazy("full name, or user name")), ("email", gettext_lazy("email")),
    )),
    Variable("company", gettext_lazy("the legal entity writing, and its letterhead"), (
        ("name", gettext_lazy("name")), ("address", gettext_lazy("address")),
        ("postal_code", gettext_lazy("postal code")), ("city", gettext_lazy("city")),
        ("sender_name", gettext_lazy("sender (letterhead)")), ("signatory", gettext_lazy("signatory")),
        ("signatory_title", gettext_lazy("signatory title")),
    )),
    Variable("as_of", gettext_lazy("the date of the run (a date: {{ as_of|date:\"d/m/Y\" }})")),
    Variable("step_code", gettext_lazy("the code of the step")),
    Variable("invoices", gettext_lazy(
        "the invoices of the message, oldest due first (a list: {% for invoice in invoices %})"
    ), (
        ("number", gettext_lazy("number")), ("document_date", gettext_lazy("date")),
        ("due_date", gettext_lazy("due date")), ("amount", gettext_lazy("amount")),
        ("open_amount", gettext_lazy("open amount")), ("currency", gettext_lazy("currency")),
        ("days_late", gettext_lazy("days late (0 or less: not yet due)")),
    )),
    Variable("invoices_table", gettext_lazy("the invoices as the shipped text lists them, one per line")),
    Variable("totals", gettext_lazy("the open amount due, per currency (a list)"), (
        ("currency", gettext_lazy("currency")), ("amount", gettext_lazy("amount")),
    )),
    Variable("credits", gettext_lazy("credits on the account, to be offset (a list)"), (
        ("number", gettext_lazy("number")), ("open_amount", gettext_lazy("open amount")),
        ("currency", gettext_lazy("currency")),
    )),
    Variable("penalties", gettext_lazy("late-payment interest and recovery indemnities, on steps that claim them"), (
        ("invoices", gettext_lazy("per invoice: number, days_late, interest, indemnity, currency")),
        ("interest_totals", gettext_lazy("interest per currency: currency, amount")),
        ("indemnity_total", gettext_lazy("recovery indemnities, in euros")),
        ("totals", gettext_lazy("interest and indemnities per currency: currency, amount")),
    )),
    Variable("payment", gettext_lazy("how to pay"), (
        ("iban", gettext_lazy("the entity's IBAN")), ("bic", gettext_lazy("the entity's BIC")),
        ("factors", gettext_lazy("factors the invoices were assigned to (a list: name, iban): pay them only")),
    )),
)  # fmt: skip
SYNTAX_HELP = gettext_lazy(
    "Write {{ customer.name }} for a variable, {% for invoice in invoices %}…{% endfor %} for a list, "
    "{{ total.amount|money:total.currency }} for an amount, {% if penalties.invoices %}…{% endif %} for a "
    "condition. Nothing else is reachable: no file can be included, no tag library loaded. A template that does "
    "not compile or render is refused at save time with its line and the reason."
)
PENALTY_INVOICE_FIELDS = ("number", "days_late", "interest", "indemnity", "currency")


def documented_names() -> set[str]:
    """Every name a template may use: ``customer``, ``customer.name``…"""
    names = set()
    for variable in VARIABLES:
        names.add(variable.name)
        names.update(f"{variable.name}.{field}" for field, _help in variable.fields)
    return names


def text_variables(context: Mapping[str, Any]) -> dict[str, Any]:
    """The template variables of a message, from its document context (plain values only)."""
    customer, entity, letterhead = context["customer"], context["entity"], context["letterhead"]
    collector, contact = context.get("collector"), context.get("contact")
    invoices = [
        {
            "number": line.item.number, "document_date": line.item.document_date, "due_date": line.item.due_date,
            "amount": line.item.amount, "open_amount": line.item.open_amount, "currency": line.item.currency,
            "days_late": line.days_late,
        }
        for line in context["lines"]
    ]  # fmt: skip
    penalties = context.get("penalties")
    variables = {
        "customer": {
            "name": customer.name, "account_number": customer.account_number, "siren": customer.siren or "",
            "address": customer.address or "", "postal_code": customer.postal_code or "",
            "city": customer.city or "", "category": customer.category or "",
        },
        "contact": {"name": getattr(contact, "name", "") or "", "email": getattr(contact, "email", "") or ""},
        "collector": {
            "name": (collector.get_full_name() or collector.username) if collector else "",
            "email": (collector.email or "") if collector else "",
        },
        "company": {
            "name": entity.name, "address": entity.address or "", "postal_code": entity.postal_code or "",
            "city": entity.city or "", "sender_name": letterhead.sender_name or entity.name,
            "signatory": letterhead.signatory or letterhead.sender_name or entity.name,
            "signatory_title": letterhead.signatory_title or "",
        },
        "as_of": context["as_of"],
        "step_code": context["step_code"],
        "invoices": invoices,
        "invoices_table": "",
        "totals": [{"currency": currency, "amount": amount} for currency, amount in context["totals"]],
        "credits": [
            {"number": c.number, "open_amount": c.open_amount, "currency": c.currency}
            for c in context.get("credits") or ()
        ],
        "penalties": _penalties(penalties),
        "payment": {
            "iban": entity.iban or "", "bic": entity.bic or "",
            "factors": [{"name": info.factor_name, "iban": info.iban or ""} for info in context["factoring"]],
        },
    }  # fmt: skip
    variables["invoices_table"] = _render(INVOICE_LINES[_language()], variables, field="invoices_table")
    return variables


def _penalties(statement: Any) -> dict[str, Any]:
    if statement is None:
        return {"invoices": [], "interest_totals": [], "indemnity_total": Decimal(0), "totals": []}
    return {
        "invoices": [
            {"number": p.number, "days_late": p.days_late, "interest": p.interest, "indemnity": p.indemnity_eur,
             "currency": p.currency}
            for p in statement.invoices
        ],
        "interest_totals": [{"currency": t.currency, "amount": t.amount} for t in statement.interest_totals],
        "indemnity_total": statement.indemnity_total.amount,
        "totals": [{"currency": t.currency, "amount": t.amount} for t in statement.totals],
    }  # fmt: skip


def _language() -> str:
    return "en" if (translation.get_language() or "fr").startswith("en") else "fr"


# --- the shipped texts -----------------------------------------------------------------------


def _invoice_lines() -> str:
    singular = ngettext("%(days)s day late", "%(days)s days late", 1) % {"days": "{{ invoice.days_late }}"}
    plural = ngettext("%(days)s day late", "%(days)s days late", 2) % {"days": "{{ invoice.days_late }}"}
    return (
        "{% for invoice in invoices %}\n  {{ invoice.number }}  " + _("due") + ' {{ invoice.due_date|date:"d/m/Y" }}'
        "  {{ invoice.open_amount|money:invoice.currency }}  {% if invoice.days_late > 0 %}("
        "{% if invoice.days_late == 1 %}" + singular + "{% else %}" + plural + "{% endif %}"
        "){% else %}(" + _("not yet due") + "){% endif %}{% endfor %}"
    )


def _in_languages(build: Any) -> dict[str, str]:
    built = {}
    for language in LANGUAGES:
        with translation.override(language):
            built[language] = build()
    return built


class _Lazy(dict[str, str]):
    """The invoice lines per language, built on first use (the catalogs need the app registry)."""

    def __missing__(self, language: str) -> str:
        self.update(_in_languages(_invoice_lines))
        return dict.__getitem__(self, language)


INVOICE_LINES = _Lazy()

# Subject and opening paragraph per step code; unknown steps read as a plain reminder.
STEP_WORDING: dict[str, tuple[Any, Any]] = {
    "pre_due_reminder": (
        gettext_lazy("Upcoming due date"),
        gettext_lazy("For your convenience, we remind you that the invoices below fall due shortly."),
    ),
    "friendly_reminder": (
        gettext_lazy("Payment reminder"),
        gettext_lazy(
            "Unless we are mistaken, the invoices below remain unpaid although they are past due. "
            "It may be an oversight: we would be grateful if you could settle them."
        ),
    ),
    "second_reminder": (
        gettext_lazy("Second reminder: invoices past due"),
        gettext_lazy(
            "Despite our previous reminder, the invoices below are still unpaid. "
            "Please settle them without delay or tell us what prevents their payment."
        ),
    ),
    "account_on_hold": (
        gettext_lazy("Your account is on hold"),
        gettext_lazy(
            "As the invoices below remain unpaid, your account is on hold: no new order will be "
            "shipped until they are paid."
        ),
    ),
    "formal_notice": (
        gettext_lazy("Formal notice to pay"),
        gettext_lazy("Please find attached our formal notice to pay the invoices below."),
    ),
    "litigation_handover": (
        gettext_lazy("Final notice before legal action"),
        gettext_lazy("Please find attached our letter: your file has been handed over to our litigation department."),
    ),
    "agency_handover": (
        gettext_lazy("Your file is handed over to a collection agency"),
        gettext_lazy("Please find attached our letter: your file has been handed over to a collection agency."),
    ),
    STATEMENT: (
        gettext_lazy("Account statement"),
        gettext_lazy("Please find attached your account statement. The open invoices are listed below."),
    ),
}
DEFAULT_WORDING = (
    gettext_lazy("Payment reminder"),
    gettext_lazy("Please find below the invoices that remain unpaid on your account."),
)


@dataclass(frozen=True)
class Text:
    """The templates of a step in a language; ``version`` 0: the shipped default."""

    subject: str
    body: str
    letter: str
    version: int = 0
    scenario_code: str = ""


def _literal(text: str) -> str:
    """Catalog wording inside a template: braces and percent signs kept as text."""
    return text.replace("{%", "{% templatetag openblock %}").replace("{{", "{% templatetag openvariable %}")


def default_text(step_code: str, language: str) -> Text:
    """Today's wording of the step as templates: the subject, the e-mail, the letter's opening."""
    subject, intro = STEP_WORDING.get(step_code, DEFAULT_WORDING)
    with translation.override(language):
        factor = _("These invoices have been assigned to %(factor)s: payment must be made to them only") % {
            "factor": "{{ factor.name }}"
        }
        body = (
            _literal(_("Dear Sir or Madam,")) + "\n\n" + _literal(str(intro)) + "\n\n"
            + _("Customer account") + " {{ customer.account_number }} – {{ customer.name }}\n"
            "{{ invoices_table }}\n\n"
            "{% for total in totals %}" + _("Total due") + ": {{ total.amount|money:total.currency }}\n"
            "{% endfor %}{% if penalties.invoices %}\n"
            + _literal(_("Under article L441-10 of the French Commercial Code, late-payment interest is due from the "
                         "day after the due date, without any reminder, together with a fixed recovery indemnity of "
                         "€40 per late invoice (article D441-5):")) + "\n"
            "{% for p in penalties.invoices %}  {{ p.number }}  " + _("interest")
            + " {{ p.interest|money:p.currency }}  " + _("indemnity") + ' {{ p.indemnity|money:"EUR" }}\n'
            "{% endfor %}{% for total in penalties.totals %}" + _("Total penalties")
            + " ({{ total.currency }}): {{ total.amount|money:total.currency }}\n"
            "{% endfor %}{% endif %}{% if credits %}\n"
            + _literal(_("Credits on your account, to be offset:")) + "{% for credit in credits %}\n"
            "  {{ credit.number }}  {{ credit.open_amount|money:credit.currency }}{% endfor %}\n"
            "{% endif %}\n"
            "{% for factor in payment.factors %}" + factor
            + "{% if factor.iban %}, IBAN {{ factor.iban }}{% endif %}.\n"
            "{% empty %}{% if payment.iban %}" + _("Payment by transfer to")
            + " IBAN {{ payment.iban }}{% if payment.bic %} (BIC {{ payment.bic }}){% endif %}.\n"
            "{% endif %}{% endfor %}\n"
            + _literal(_("Your account statement is attached. If you have already paid, please disregard this message; "
                         "if an invoice is disputed, simply reply to this email.")) + "\n\n"
            + _literal(_("Kind regards,")) + "\n"
            "{% if collector.name %}{{ collector.name }}\n{% endif %}{{ company.sender_name }}\n\n"
        )  # fmt: skip
        if step_code in HANDOVER_STEPS:
            handed = (
                _("We have therefore handed your file over to a collection agency, which will contact you.")
                if step_code == "agency_handover"
                else _(
                    "We have therefore handed your file over to our litigation department, which will start legal "
                    "proceedings without further notice."
                )
            )
            opening = _("Despite our reminders and our formal notice, the invoices listed below remain unpaid.")
            letter = _("Dear Sir or Madam,") + "\n\n" + opening + "\n" + handed
        else:
            letter = (
                _("Dear Sir or Madam,")
                + "\n\n"
                + _("Despite our previous reminders, the following invoices remain unpaid to this day:")
            )
        return Text(
            subject=_literal(str(subject)) + " – {{ company.name }} – {{ customer.account_number }}",
            body=body,
            letter=_literal(letter),
        )


# --- which text applies, and rendering it ----------------------------------------------------


def active_text(*, scenario_code: str, step_code: str, language: str) -> Text:
    """The highest version for this scenario's step, else for the step code in every scenario,
    else the shipped wording."""
    from encours.collections.models import DunningText

    language = language if language in LANGUAGES else "fr"
    rows = DunningText.objects.filter(step_code=step_code, language=language, scenario_code__in={scenario_code, ""})
    row = rows.order_by("-scenario_code", "-version").first()  # the scenario's own beats the shared one
    if row is None:
        return default_text(step_code, language)
    return Text(row.subject, row.body, row.letter, row.version, row.scenario_code)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    letter: SafeString
    version: int


def render_text(text: Text, variables: Mapping[str, Any], *, language: str) -> Rendered:
    """Subject, body and letter opening of a message; raises ``TextError`` on a broken template."""
    with translation.override(language):
        subject = " ".join(_render(text.subject, variables, field="subject").split())
        body = _render(text.body, variables, field="body")
        letter = _render(text.letter, variables, field="letter") if text.letter else ""
    paragraphs = [p.strip("\n") for p in re.split(r"\n\s*\n", letter) if p.strip()]
    html = "\n".join(f"<p>{escape(p, quote=False)}</p>" for p in paragraphs)  # the letter is text: all escaped
    return Rendered(subject=subject, body=body, letter=mark_safe(html), version=text.version)


def render_message(context: Mapping[str, Any], *, language: str) -> Rendered:
    """The texts a message sends: its active text, or the shipped one if the active text
    fails on this customer (logged: a run never stops on a template)."""
    text = active_text(
        scenario_code=context.get("scenario_code", ""), step_code=context["step_code"], language=language
    )
    with translation.override(language):
        variables = text_variables(context)
    try:
        return render_text(text, variables, language=language)
    except TextError as exc:
        if text.version == 0:
            raise
        log.warning("dunning text %s/%s v%s failed, shipped text sent: %s", text.scenario_code,
                    context["step_code"], text.version, exc)  # fmt: skip
        return render_text(default_text(context["step_code"], language), variables, language=language)


# --- saving and restoring versions -----------------------------------------------------------


def check_text(text: Text, variables: Mapping[str, Any] | None = None, *, language: str = "fr") -> None:
    """Refuse a text whose templates do not compile, or do not render on ``variables``."""
    compile_template(text.subject, field="subject")
    compile_template(text.body, field="body")
    compile_template(text.letter, field="letter")
    if variables is not None:
        render_text(text, variables, language=language)


@transaction.atomic
def text_save(
    *,
    user: Any,
    step_code: str,
    language: str,
    subject: str,
    body: str,
    letter: str = "",
    scenario_code: str = "",
    restored_from: int | None = None,
    sample: Mapping[str, Any] | None = None,
) -> Any:
    """Write the next version of a text (checked first: a broken template is refused with its line)."""
    from encours.collections.models import DunningText

    require(user, "collections.texts")
    if language not in LANGUAGES:
        raise ValidationFailed(f"unknown language {language!r}")
    if not step_code or not re.fullmatch(r"[-a-zA-Z0-9_]+", step_code):
        raise ValidationFailed(f"invalid step code {step_code!r}")
    if not subject.strip() or not body.strip():
        raise ValidationFailed(_("The subject and the body cannot be empty."))
    subject, body, letter = (value.replace("\r\n", "\n") for value in (subject, body, letter))  # from a browser
    text = Text(subject=subject, body=body, letter=letter)
    check_text(text, sample if sample is not None else sample_variables(language), language=language)
    rows = DunningText.objects.select_for_update().filter(
        scenario_code=scenario_code, step_code=step_code, language=language
    )
    last = rows.aggregate(last=Max("version"))["last"] or 0
    row = DunningText.objects.create(
        scenario_code=scenario_code, step_code=step_code, language=language, version=last + 1, subject=subject,
        body=body, letter=letter, restored_from=restored_from, author=user if getattr(user, "pk", None) else None,
    )  # fmt: skip
    audit_record(
        actor=user,
        action="dunning.text_save",
        obj=row,
        after={"scenario": scenario_code, "step": step_code, "language": language, "version": row.version,
               "restored_from": restored_from, "subject": subject, "body": body, "letter": letter},
    )  # fmt: skip
    return row


def text_restore(*, user: Any, version: Any) -> Any:
    """Make an older version active again, as a new version (history is never rewritten)."""
    return text_save(
        user=user, step_code=version.step_code, language=version.language, subject=version.subject,
        body=version.body, letter=version.letter, scenario_code=version.scenario_code,
        restored_from=version.version,
    )  # fmt: skip


def sample_variables(language: str) -> dict[str, Any]:
    """Variables of a made-up customer, to check a template renders before it is saved."""
    today = timezone.localdate()
    invoice = {
        "number": "FA-0001", "document_date": today, "due_date": today, "amount": Decimal("1200.00"),
        "open_amount": Decimal("1200.00"), "currency": "EUR", "days_late": 12,
    }  # fmt: skip
    variables = {
        "customer": {"name": "Exemple SARL", "account_number": "411EX", "siren": "732829320", "address": "1 rue",
                     "postal_code": "75001", "city": "Paris", "category": "sme"},
        "contact": {"name": "Claire Petit", "email": "compta@example.fr"},
        "collector": {"name": "Julie Martin", "email": "julie@example.fr"},
        "company": {"name": "Exemple SAS", "address": "", "postal_code": "", "city": "", "sender_name": "Exemple SAS",
                    "signatory": "", "signatory_title": ""},
        "as_of": today,
        "step_code": "friendly_reminder",
        "invoices": [invoice],
        "totals": [{"currency": "EUR", "amount": Decimal("1200.00")}],
        "credits": [{"number": "AV-1", "open_amount": Decimal("-80.00"), "currency": "EUR"}],
        "penalties": {
            "invoices": [{"number": "FA-0001", "days_late": 12, "interest": Decimal("4.20"),
                          "indemnity": Decimal("40.00"), "currency": "EUR"}],
            "interest_totals": [{"currency": "EUR", "amount": Decimal("4.20")}],
            "indemnity_total": Decimal("40.00"),
            "totals": [{"currency": "EUR", "amount": Decimal("44.20")}],
        },
        "payment": {"iban": "FR7630006000011234567890189", "bic": "AGRIFRPP", "factors": []},
    }  # fmt: skip
    with translation.override(language):
        variables["invoices_table"] = _render(INVOICE_LINES[_language()], variables, field="invoices_table")
    return variables
