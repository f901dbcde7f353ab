"""Writes of the collections app: each validates, runs in a transaction and is audited."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from encours.accounts.permissions import require
from encours.audit.services import audit_record, snapshot
from encours.collections.models import (
    CallTask,
    CustomerDunning,
    DunningMessage,
    DunningScenario,
    DunningStep,
    PenaltyInvoicing,
    PenaltyRate,
    Promise,
)
from encours.core.dunning import planner as core
from encours.core.dunning.penalties import penalty_debits
from encours.core.dunning.penalty_rates import HalfYear
from encours.core.dunning.promises import PromiseAssessment
from encours.core.errors import ValidationFailed
from encours.core.money import quantize
from encours.ledger.models import Customer, Item

OVERRIDE_FIELDS = (
    "scenario_id", "paused_until", "preferred_contact_id", "language", "timing_shift_days", "preferred_channel",
    "snoozed_until",
)  # fmt: skip


def _user_or_none(user: Any) -> Any:
    return user if getattr(user, "pk", None) is not None else None


@transaction.atomic
def customer_dunning_update(*, customer: Customer, user: Any, reason: str = "", **changes: Any) -> CustomerDunning:
    """Change a customer's dunning settings (scenario, pause, contact, language, timing, snooze)."""
    require(user, "collections.act", customer=customer)
    unknown = set(changes) - set(OVERRIDE_FIELDS)
    if unknown:
        raise ValidationFailed(f"unknown dunning setting(s): {', '.join(sorted(unknown))}")
    contact_id = changes.get("preferred_contact_id")
    if contact_id is not None and not customer.contacts.filter(pk=contact_id).exists():
        raise ValidationFailed("the preferred contact must be one of the customer's contacts")
    settings, _ = CustomerDunning.objects.select_for_update().get_or_create(customer=customer)
    before = snapshot(settings, OVERRIDE_FIELDS)
    for name, value in changes.items():
        setattr(settings, name, value)
    settings.save()
    audit_record(
        actor=user,
        action="dunning.customer_settings",
        obj=settings,
        customer_id=customer.pk,
        entity_id=customer.entity_id,
        before=before,
        after=snapshot(settings, OVERRIDE_FIELDS),
        note=reason,
    )
    return settings


def dunning_timing_apply(*, customer_id: int, shift_days: int, channel: str | None, user: Any, reason: str) -> None:
    """The adaptive-dunning contract: move a customer's dunning and prefer a channel."""
    if not -60 <= shift_days <= 60:
        raise ValidationFailed(f"a timing shift of {shift_days} days is out of range (−60 to 60)")
    if channel not in (None, "", "email", "letter", "call"):
        raise ValidationFailed(f"unknown channel {channel!r}")
    customer = Customer.objects.get(pk=customer_id)
    customer_dunning_update(
        customer=customer, user=user, reason=reason, timing_shift_days=shift_days, preferred_channel=channel or ""
    )


@transaction.atomic
def worklist_snooze(*, customer: Customer, user: Any, until: date) -> CustomerDunning:
    return customer_dunning_update(customer=customer, user=user, snoozed_until=until, reason="snoozed in the worklist")


@transaction.atomic
def promise_create(
    *,
    customer: Customer,
    items: Sequence[Item],
    amount: Decimal,
    promised_date: date,
    made_on: date,
    user: Any,
    grace_days: int = 3,
    note: str = "",
) -> Promise:
    """Record a promise to pay: dunning of these invoices pauses until the date + grace."""
    require(user, "collections.act", customer=customer)
    if not items:
        raise ValidationFailed("a promise covers at least one invoice")
    if any(item.customer_id != customer.pk or item.amount <= 0 for item in items):
        raise ValidationFailed("a promise covers invoices of its own customer")
    currencies = {item.currency for item in items}
    if len(currencies) > 1:
        raise ValidationFailed("a promise covers invoices of one currency")
    currency = currencies.pop()
    amount = quantize(Decimal(amount), currency)
    if amount <= 0:
        raise ValidationFailed("the promised amount must be positive")
    if promised_date < made_on:
        raise ValidationFailed("the promised date cannot be before today")
    if grace_days < 0 or grace_days > 30:
        raise ValidationFailed("grace days must be between 0 and 30")
    promise = Promise.objects.create(
        customer=customer, amount=amount, currency=currency, promised_date=promised_date, grace_days=grace_days,
        created_on=made_on, note=note[:300], created_by=_user_or_none(user), status_on=made_on,
    )  # fmt: skip
    promise.items.set(items)
    audit_record(
        actor=user,
        action="promise.create",
        obj=promise,
        customer_id=customer.pk,
        entity_id=customer.entity_id,
        after={"amount": amount, "currency": currency, "promised_date": promised_date,
               "invoices": [item.number for item in items]},
    )  # fmt: skip
    return promise


@transaction.atomic
def promises_record(*, assessments: Iterable[PromiseAssessment], user: Any) -> int:
    """Store the statuses found (kept, broken…); returns how many promises newly failed."""
    assessments = list(assessments)
    rows = Promise.objects.select_for_update().in_bulk([a.promise.promise_id for a in assessments])
    failed = 0
    for assessment in assessments:
        row = rows.get(int(assessment.promise.promise_id))
        status = assessment.status.value
        if row is None or row.status == status:
            continue
        before = {"status": row.status}
        row.status = status
        row.status_on = assessment.broken_on or assessment.kept_on or assessment.as_of
        row.save(update_fields=["status", "status_on"])
        failed += int(assessment.status.failed)
        audit_record(
            actor=user, action="promise.status", obj=row, customer_id=row.customer_id, before=before,
            after={"status": status}, note=assessment.reason,
        )  # fmt: skip
    return failed


def promises_refresh(*, as_of: date, customers: Any = None, user: Any = None) -> int:
    """Judge the open promises on ``as_of`` and store what changed (daily, and before a run)."""
    from encours.collections.planning import promise_inputs
    from encours.core.dunning.promises import assess_promises

    customers = customers if customers is not None else Customer.objects.all()
    promises, payments = promise_inputs(as_of=as_of, customers=customers)
    recorded = dict(Promise.objects.filter(pk__in=[p.promise_id for p in promises]).values_list("pk", "status"))
    assessments = assess_promises(promises=promises, payments=payments, as_of=as_of)
    changed = [a for a in assessments if recorded.get(a.promise.promise_id) != a.status.value]
    return promises_record(assessments=changed, user=user)


@transaction.atomic
def call_log(
    *,
    customer: Customer,
    user: Any,
    outcome: str,
    on: date,
    note: str = "",
    task: CallTask | None = None,
    call_back_on: date | None = None,
    contact_id: int | None = None,
) -> CallTask:
    """Log a call (closing its task when there is one); "call back" opens the next task."""
    require(user, "collections.act", customer=customer)
    if outcome not in CallTask.Outcome.values:
        raise ValidationFailed(f"unknown call outcome {outcome!r}")
    if outcome == CallTask.Outcome.CALL_BACK and (call_back_on is None or call_back_on < on):
        raise ValidationFailed("a call back needs a date from today on")
    if task is None:
        task = CallTask(customer=customer, title=str(CallTask.Outcome(outcome).label), due_on=on, contact_id=contact_id)
    elif task.customer_id != customer.pk or task.done_on is not None:
        raise ValidationFailed("this call task is not open for this customer")
    task.outcome, task.note, task.call_back_on = outcome, note, call_back_on
    task.done_on, task.done_by = on, _user_or_none(user)
    task.assigned_to = task.assigned_to or _user_or_none(user)
    task.save()
    if outcome == CallTask.Outcome.CALL_BACK and call_back_on is not None:
        CallTask.objects.create(
            customer=customer, assigned_to=task.assigned_to, contact_id=task.contact_id,
            title=f"{CallTask.Outcome.CALL_BACK.label}: {customer.name}", due_on=call_back_on,
        )  # fmt: skip
    audit_record(
        actor=user,
        action="call.log",
        obj=task,
        customer_id=customer.pk,
        entity_id=customer.entity_id,
        after={"outcome": outcome, "note": note, "call_back_on": call_back_on},
    )
    return task


def statement_send(*, customer: Customer, as_of: date, user: Any) -> DunningMessage:
    """Email the account statement now to the customer's dunning contact."""
    require(user, "collections.act", customer=customer)
    from encours.collections import documents

    contact = customer.contacts.exclude(email="").order_by("-is_dunning_contact", "pk").first()
    if contact is None:
        raise ValidationFailed(f"no contact of {customer.name} has an email address")
    settings = CustomerDunning.objects.filter(customer=customer).first()
    language = (settings.language if settings else "") or customer.language or "fr"
    items = list(customer.items.open_debits().order_by("due_date"))
    context = documents.document_context(
        customer=customer,
        items=items,
        step_code="statement",
        as_of=as_of,
        language=language,
        collector=customer.collector,
    )
    context["contact"] = contact
    text = documents.message_text(context, language=language)
    pdf = documents.statement_pdf(customer=customer, as_of=as_of, language=language)
    reply_to = customer.collector.email if customer.collector and customer.collector.email else ""
    email = documents.reminder_email(
        context=context,
        language=language,
        recipient=contact.email,
        reply_to=reply_to,
        attachments=[(f"statement-{customer.account_number}-{as_of}.pdf", pdf, "application/pdf")],
        text=text,
    )
    email.send(fail_silently=False)
    with transaction.atomic():
        message = DunningMessage.objects.create(
            customer=customer, step_code="statement", channel="email", language=language, contact=contact,
            recipient=contact.email, subject=text.subject, item_ids=[i.pk for i in items],
            status=DunningMessage.Status.SENT, executed_on=as_of, created_by=_user_or_none(user),
            currency=customer.entity.currency,
            total=sum((i.open_amount * i.fx_rate for i in items), Decimal(0)),
        )  # fmt: skip
        message.eml.save(f"{message.pk}.eml", ContentFile(email.message().as_bytes()))
        audit_record(
            actor=user, action="statement.send", obj=message, customer_id=customer.pk, entity_id=customer.entity_id,
            after={"recipient": contact.email, "as_of": as_of},
        )  # fmt: skip
    return message


# Scenario editing: every change is checked by building the core scenario it gives.


def _check_scenario(scenario: DunningScenario, steps: Iterable[DunningStep]) -> None:
    core.Scenario(
        code=scenario.code,
        name=scenario.name,
        categories=tuple(scenario.categories),
        steps=tuple(
            core.Step(
                code=s.code,
                order=s.order,
                offset_days=s.offset_days,
                channel=core.Channel(s.channel),
                template_code=s.template_code,
                action=core.StepAction(s.action),
                min_amount=Decimal(s.min_amount),
            )
            for s in steps
        ),
    )


@transaction.atomic
def scenario_update(*, scenario: DunningScenario, user: Any, name: str, categories: list[str], is_active: bool) -> None:
    require(user, "collections.configure")
    before = snapshot(scenario, ["name", "categories", "is_active"])
    scenario.name, scenario.categories, scenario.is_active = name.strip(), sorted(set(categories)), is_active
    if not scenario.name:
        raise ValidationFailed("a scenario needs a name")
    scenario.save()
    audit_record(actor=user, action="dunning.scenario_update", obj=scenario, before=before,
                 after=snapshot(scenario, before))  # fmt: skip


@transaction.atomic
def step_save(*, step: DunningStep, user: Any, **values: Any) -> DunningStep:
    """Create or change a step; the scenario must stay valid (later steps come later)."""
    require(user, "collections.configure")
    before = snapshot(step, ["code", "order", "offset_days", "channel", "template_code", "action", "min_amount"])
    for name, value in values.items():
        setattr(step, name, value)
    if not step.template_code:
        step.template_code = f"dunning/{step.code}"
    others = [s for s in step.scenario.steps.all() if s.pk != step.pk]
    _check_scenario(step.scenario, [*others, step])
    step.save()
    audit_record(actor=user, action="dunning.step_save", obj=step, before=before if before["code"] else None,
                 after=snapshot(step, before))  # fmt: skip
    return step


@transaction.atomic
def step_delete(*, step: DunningStep, user: Any) -> None:
    require(user, "collections.configure")
    others = [s for s in step.scenario.steps.all() if s.pk != step.pk]
    if not others:
        raise ValidationFailed("a scenario keeps at least one step")
    _check_scenario(step.scenario, others)
    audit_record(actor=user, action="dunning.step_delete", obj=step, before={"code": step.code})
    step.delete()


@transaction.atomic
def penalty_rate_set(*, table: str, half_year: str, rate_pct: Decimal, user: Any, source: str = "") -> PenaltyRate:
    """Add or correct a reference rate; the audit trail keeps its history."""
    require(user, "collections.configure")
    if table not in PenaltyRate.Table.values:
        raise ValidationFailed(f"unknown rate table {table!r}")
    period = str(HalfYear.parse(half_year))
    if not Decimal(-5) <= Decimal(rate_pct) <= Decimal(30):
        raise ValidationFailed(f"a rate of {rate_pct} % is not plausible")
    rate = PenaltyRate.objects.filter(table=table, half_year=period).first()
    before = {"rate_pct": rate.rate_pct, "source": rate.source} if rate else None
    rate = rate or PenaltyRate(table=table, half_year=period)
    rate.rate_pct, rate.source = Decimal(rate_pct), source[:200]
    rate.save()
    audit_record(actor=user, action="penalty_rate.set", obj=rate, before=before,
                 after={"rate_pct": rate.rate_pct, "source": rate.source})  # fmt: skip
    return rate


@transaction.atomic
def penalties_invoice(*, customer: Customer, as_of: date, user: Any) -> list[Item]:
    """Invoice the penalties owed on the customer's late invoices as debit items (no VAT)."""
    require(user, "collections.configure", customer=customer)
    from encours.collections.documents import penalties_for
    from encours.ledger.services.items import item_create

    late = list(
        Item.objects.select_for_update().filter(customer=customer, amount__gt=0, type="invoice").due(before=as_of)
        .exclude(number__startswith="PEN-")
    )  # fmt: skip
    statement = penalties_for(items=late, as_of=as_of, category=customer.category)
    created = []
    for index, debit in enumerate(penalty_debits(statement=statement, lang=customer.language or "fr"), start=1):
        number = f"PEN-{customer.account_number}-{as_of:%Y%m%d}-{index}"
        item = item_create(
            customer=customer, type="invoice", number=number, document_date=as_of,
            due_date=as_of + timedelta(days=30), amount=debit.amount, currency=debit.currency, label=debit.label,
            user=user,
        )  # fmt: skip
        created.append(item)
        for item_id in {*debit.item_ids, *debit.indemnity_item_ids}:
            row, _ = PenaltyInvoicing.objects.get_or_create(item_id=item_id)
            if item_id in debit.item_ids:
                row.interest_invoiced_until = debit.invoiced_until
            if item_id in debit.indemnity_item_ids:
                row.indemnity_invoiced = True
            row.debit_item = item
            row.save()
    if not created:
        raise ValidationFailed(f"no penalty to invoice for {customer.name} on {as_of:%d/%m/%Y}")
    return created
