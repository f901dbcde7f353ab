"""What a customer receives: account statements (PDF, XLSX), reminder emails, PDF letters.

Every document is rendered in the customer's language (``translation.override``) from one
template whose strings live in the collections catalog.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from encours import contracts
from encours.collections import texts
from encours.collections.models import Letterhead, PenaltyInvoicing
from encours.collections.planning import penalty_terms_for, rate_tables
from encours.core.dunning.penalties import InvoiceSettlement, LateInvoice, PenaltyStatement, penalty_statement
from encours.core.formats.spreadsheet import Cell, XlsxBook
from encours.core.money import ZERO, quantize
from encours.ledger.models import Allocation, Customer, Item, LegalEntity
from encours.ledger.sql import items_open_on

DATE_FORMAT = "yyyy-mm-dd"


@dataclass(frozen=True, slots=True)
class DocumentLine:
    """An invoice as a reminder or a letter lists it: with its days late (≤ 0: not yet due)."""

    item: Item
    days_late: int


@dataclass(frozen=True, slots=True)
class StatementLine:
    item_id: int
    type: str
    type_label: str
    number: str
    document_date: date
    due_date: date
    amount: Decimal
    open_amount: Decimal
    currency: str
    days_past_due: int


@dataclass(frozen=True, slots=True)
class Statement:
    customer: Customer
    entity: LegalEntity
    as_of: date
    lines: tuple[StatementLine, ...]
    totals: tuple[tuple[str, Decimal], ...]
    overdue_totals: tuple[tuple[str, Decimal], ...]


def statement_for(*, customer: Customer, as_of: date) -> Statement:
    """The customer's open items as they stood on ``as_of`` (allocations dated later ignored)."""
    rows = (
        items_open_on(customers=Customer.objects.filter(pk=customer.pk), as_of=as_of)
        .order_by("due_date", "number")
        .values("id", "type", "number", "document_date", "due_date", "amount", "open_on", "currency")
    )
    labels = dict(Item._meta.get_field("type").choices)  # type: ignore[arg-type]
    lines = []
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    overdue: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        open_amount = quantize(Decimal(row["open_on"]), row["currency"])
        if open_amount == 0:
            continue
        days = (as_of - row["due_date"]).days
        lines.append(
            StatementLine(
                row["id"], row["type"], str(labels.get(row["type"], row["type"])), row["number"],
                row["document_date"], row["due_date"], quantize(row["amount"], row["currency"]), open_amount,
                row["currency"], days,
            )
        )  # fmt: skip
        totals[row["currency"]] += open_amount
        if days > 0 and open_amount > 0:
            overdue[row["currency"]] += open_amount
    return Statement(
        customer, customer.entity, as_of, tuple(lines), tuple(sorted(totals.items())), tuple(sorted(overdue.items()))
    )


def _letterhead(entity: LegalEntity) -> Letterhead:
    return Letterhead.objects.filter(entity=entity).first() or Letterhead(entity=entity, sender_name=entity.name)


def statement_pdf(*, customer: Customer, as_of: date, language: str | None = None) -> bytes:
    from weasyprint import HTML

    statement = statement_for(customer=customer, as_of=as_of)
    with translation.override(language or customer.language or "fr"):
        html = render_to_string(
            "collections/documents/statement.html",
            {"statement": statement, "letterhead": _letterhead(customer.entity), "entity": customer.entity},
        )
    return HTML(string=html).write_pdf()


def statement_xlsx(*, customer: Customer, as_of: date, language: str | None = None) -> bytes:
    statement = statement_for(customer=customer, as_of=as_of)
    book = XlsxBook()
    with translation.override(language or customer.language or "fr"):
        sheet = book.sheet(_("Statement"))
        sheet.widths((16, 18, 12, 12, 14, 14, 9, 12))
        sheet.row([_("Account statement"), customer.name, customer.account_number])
        sheet.row([_("As of"), Cell(value=as_of, number_format=DATE_FORMAT)])
        sheet.row([])
        header = [_("Type"), _("Number"), _("Date"), _("Due date"), _("Amount"), _("Open amount"), _("Currency")]
        header.append(_("Days past due"))
        sheet.row(header, bold=True)
        for line in statement.lines:
            sheet.row(
                [
                    line.type_label,
                    line.number,
                    Cell(value=line.document_date, number_format=DATE_FORMAT),
                    Cell(value=line.due_date, number_format=DATE_FORMAT),
                    line.amount,
                    line.open_amount,
                    line.currency,
                    max(line.days_past_due, 0),
                ]
            )
        sheet.row([])
        for currency, total in statement.totals:
            sheet.row([_("Balance"), "", "", "", "", total, currency])
    return book.to_bytes()


def penalties_for(*, items: Sequence[Item], as_of: date, category: str) -> PenaltyStatement:
    """L441-10 interest and D441-5 indemnities on these invoices, following their partial payments."""
    ids = [item.pk for item in items]
    settlements: dict[int, list[InvoiceSettlement]] = defaultdict(list)
    for debit_id, on, amount in Allocation.objects.filter(debit_id__in=ids).values_list("debit_id", "date", "amount"):
        settlements[debit_id].append(InvoiceSettlement(on=on, amount=amount))
    invoiced = {row.item_id: row for row in PenaltyInvoicing.objects.filter(item_id__in=ids)}
    late = []
    for item in items:
        if item.amount <= 0 or item.due_date >= as_of:
            continue
        already = invoiced.get(item.pk)
        late.append(
            LateInvoice(
                item_id=item.pk,
                number=item.number,
                due_date=item.due_date,
                amount=item.amount,
                currency=item.currency,
                settlements=tuple(settlements.get(item.pk, ())),
                interest_invoiced_until=already.interest_invoiced_until if already else None,
                indemnity_invoiced=already.indemnity_invoiced if already else False,
            )
        )
    mro, legal = rate_tables()
    return penalty_statement(
        invoices=late, as_of=as_of, terms=penalty_terms_for(category), mro_rates=mro, legal_rates=legal
    )


def factoring_notes(*, item_ids: Iterable[int], as_of: date) -> list[contracts.FactoringInfo]:
    infos = contracts.factored_items(item_ids=list(item_ids), as_of=as_of)
    unique: dict[tuple[str, str], contracts.FactoringInfo] = {}
    for info in infos.values():
        unique.setdefault((info.factor_name, info.iban), info)
    return list(unique.values())


def document_context(
    *,
    customer: Customer,
    items: Sequence[Item],
    step_code: str,
    as_of: date,
    language: str,
    collector: Any = None,
    scenario_code: str = "",
    contact: Any = None,
) -> dict[str, Any]:
    """What a message's documents are made of; its wording comes from ``texts`` (``message_text``)."""
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for item in items:
        totals[item.currency] += item.open_amount
    return {
        "customer": customer,
        "entity": customer.entity,
        "letterhead": _letterhead(customer.entity),
        "items": items,
        "lines": [DocumentLine(item, (as_of - item.due_date).days) for item in items],
        "totals": sorted(totals.items()),
        "as_of": as_of,
        "step_code": step_code,
        "scenario_code": scenario_code,
        "collector": collector,
        "contact": contact,
        "factoring": factoring_notes(item_ids=[item.pk for item in items], as_of=as_of),
    }


def message_text(context: dict[str, Any], *, language: str) -> texts.Rendered:
    """The subject, e-mail body and letter opening of a message, from its step's active text."""
    return texts.render_message(context, language=language)


def letter_html(*, context: dict[str, Any], language: str, penalties: PenaltyStatement | None) -> str:
    context = {**context, "penalties": penalties}
    opening = message_text(context, language=language).letter
    with translation.override(language):
        return render_to_string("collections/documents/letter.html", {**context, "opening": opening})


def letter_pdf(*, context: dict[str, Any], language: str, penalties: PenaltyStatement | None) -> bytes:
    """A formal notice (with penalties) or a hand-over letter, on the entity's letterhead."""
    from weasyprint import HTML

    return HTML(string=letter_html(context=context, language=language, penalties=penalties)).write_pdf()


def reminder_email(
    *,
    context: dict[str, Any],
    language: str,
    recipient: str,
    reply_to: str,
    attachments: Sequence[tuple[str, bytes, str]],
    text: texts.Rendered | None = None,
) -> EmailMessage:
    """The e-mail of a message: its step's text (``text`` when already rendered) and attachments."""
    text = text or message_text(context, language=language)
    message = EmailMessage(
        subject=text.subject,
        body=text.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
        reply_to=[reply_to] if reply_to else None,
        headers={"Content-Language": language},
    )
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    return message


def preview_context(
    *, customer: Customer, step_code: str, scenario_code: str, language: str, as_of: date
) -> dict[str, Any]:
    """The context a run would give this customer's message at ``step_code``: its open invoices,
    its credits, its dunning contact, and penalties when the step claims them."""
    from encours.collections.models import Action, DunningStep
    from encours.core.dunning.scenarios import DEFAULT_SCENARIOS, StepAction

    open_items = Item.objects.filter(customer=customer).open().exclude(open_amount=0)
    items = list(open_items.filter(amount__gt=0).order_by("due_date", "number"))
    contact = customer.contacts.exclude(email="").order_by("-is_dunning_contact", "pk").first()
    context = document_context(
        customer=customer, items=items, step_code=step_code, as_of=as_of, language=language,
        collector=customer.collector, scenario_code=scenario_code, contact=contact,
    )  # fmt: skip
    context["credits"] = list(open_items.filter(amount__lt=0).order_by("document_date", "number"))
    steps = DunningStep.objects.filter(code=step_code, action=Action.PENALTY_CLAIM)
    if scenario_code:
        steps = steps.filter(scenario__code=scenario_code)
    shipped = any(
        step.code == step_code and step.action == StepAction.PENALTY_CLAIM
        for scenario in DEFAULT_SCENARIOS
        if not scenario_code or scenario.code == scenario_code
        for step in scenario.steps
    )
    claims = steps.exists() or shipped
    context["penalties"] = penalties_for(items=items, as_of=as_of, category=customer.category) if claims else None
    return context
