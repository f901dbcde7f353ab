"""Execute a dunning run: claim each message's steps, deliver it, apply the step's action.

A message is claimed by inserting its executed steps in their own transaction: the unique
(item, scenario, step) constraint makes a concurrent run that planned the same message fail
its claim and skip it, so nothing is ever sent twice. A delivery that fails releases the
claim (the next run retries) and is recorded as failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from encours.accounts.permissions import require
from encours.audit.services import audit_record
from encours.collections import documents
from encours.collections.models import (
    Action,
    CallTask,
    Channel,
    CustomerDunning,
    DunningMessage,
    DunningRun,
    ExecutedStep,
    LitigationCase,
)
from encours.collections.planning import plan_for, run_customers
from encours.collections.services import promises_refresh
from encours.core.dunning import planner as core
from encours.ledger.models import Customer, Item
from encours.ledger.services.customers import customer_block

log = logging.getLogger(__name__)
Progress = Callable[[int, int | None, str], None]


def _noop(done: int, total: int | None = None, message: str = "") -> None:
    return None


@dataclass
class RunOutcome:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    already_done: int = 0
    broken_promises: int = 0
    messages: list[int] = field(default_factory=list)


def run_plan(run: DunningRun, *, base: Any = None) -> core.DunningPlan:
    customers = run_customers(entity_id=run.entity_id, base=base)
    return plan_for(
        as_of=run.as_of,
        customers=customers,
        excluded_customer_ids=run.excluded_customer_ids,
        excluded_item_ids=run.excluded_item_ids,
    )


@transaction.atomic
def run_create(*, as_of: date, user: Any, entity_id: int | None = None) -> DunningRun:
    require(user, "collections.run", entity=entity_id)
    run = DunningRun.objects.create(as_of=as_of, entity_id=entity_id, created_by=user if _is_user(user) else None)
    audit_record(actor=user, action="dunning.run_create", obj=run, entity_id=entity_id, after={"as_of": as_of})
    return run


@transaction.atomic
def run_exclude(*, run: DunningRun, user: Any, customer_id: int | None = None, item_id: int | None = None) -> None:
    """Leave a customer or an invoice out of this run (toggle): the plan is recomputed."""
    require(user, "collections.run", customer=customer_id, entity=run.entity_id)
    run = DunningRun.objects.select_for_update().get(pk=run.pk)
    for value, field_name in ((customer_id, "excluded_customer_ids"), (item_id, "excluded_item_ids")):
        if value is None:
            continue
        values = list(getattr(run, field_name))
        values = [v for v in values if v != value] if value in values else [*values, value]
        setattr(run, field_name, values)
    run.save(update_fields=["excluded_customer_ids", "excluded_item_ids"])
    audit_record(
        actor=user,
        action="dunning.run_exclude",
        obj=run,
        after={"customers": run.excluded_customer_ids, "items": run.excluded_item_ids},
    )


def run_execute(*, run: DunningRun, user: Any, progress: Progress = _noop, base: Any = None) -> RunOutcome:
    """Send every deliverable message of the run's plan; safe to call twice or concurrently."""
    require(user, "collections.run")
    DunningRun.objects.filter(pk=run.pk).update(status=DunningRun.Status.EXECUTING)
    run.refresh_from_db()
    broken = promises_refresh(as_of=run.as_of, customers=run_customers(entity_id=run.entity_id, base=base), user=user)
    plan = run_plan(run, base=base)
    outcome = RunOutcome(broken_promises=broken)
    total = len(plan.messages)
    customers = Customer.objects.select_related("entity", "collector").in_bulk({m.customer_id for m in plan.messages})
    preferred = dict(
        CustomerDunning.objects.filter(customer_id__in=list(customers))
        .exclude(preferred_channel="")
        .values_list("customer_id", "preferred_channel")
    )
    for index, planned in enumerate(plan.messages, start=1):
        planned = with_preferred_channel(planned, preferred.get(int(planned.customer_id)))
        if not planned.deliverable:
            outcome.skipped += 1
        else:
            message = message_execute(
                planned=planned, customer=customers[int(planned.customer_id)], as_of=run.as_of, user=user, run=run
            )
            if message is None:
                outcome.already_done += 1
            elif message.status == DunningMessage.Status.SENT:
                outcome.sent += 1
                outcome.messages.append(message.pk)
            else:
                outcome.failed += 1
        progress(index, total, f"{index}/{total}")
    DunningRun.objects.filter(pk=run.pk).update(
        status=DunningRun.Status.DONE,
        executed_at=timezone.now(),
        planned_messages=total,
        sent_messages=outcome.sent,
        skipped_messages=outcome.skipped + outcome.already_done,
    )
    audit_record(
        actor=user,
        action="dunning.run_execute",
        obj=run,
        entity_id=run.entity_id,
        after={"sent": outcome.sent, "skipped": outcome.skipped, "failed": outcome.failed,
               "already_done": outcome.already_done},
    )  # fmt: skip
    return outcome


def with_preferred_channel(planned: core.PlannedMessage, preferred: str | None) -> core.PlannedMessage:
    """A customer's preferred channel replaces the email/call channel of a step (adaptive dunning);
    letters stay letters: a formal notice or a hand-over must be in writing."""
    if not preferred or planned.channel == core.Channel.LETTER or preferred == planned.channel.value:
        return planned
    channel = core.Channel(preferred)
    contact = planned.contact
    if channel == core.Channel.EMAIL and (contact is None or not contact.email):
        return planned  # nobody to email: keep the step's own channel
    return replace(planned, channel=channel)


def _is_user(user: Any) -> bool:
    return getattr(user, "pk", None) is not None


def _claim(
    *, planned: core.PlannedMessage, customer: Customer, as_of: date, user: Any, run: DunningRun | None
) -> DunningMessage | None:
    """Record the message and its steps, or None when another run already took one of them."""
    try:
        with transaction.atomic():
            message = DunningMessage.objects.create(
                run=run, customer=customer, scenario_code=planned.scenario_code, step_code=planned.step_code,
                step_order=planned.step_order, channel=planned.channel.value, action=planned.action.value,
                language=planned.language, contact_id=planned.contact.contact_id if planned.contact else None,
                recipient=(planned.contact.email if planned.contact and planned.channel != core.Channel.CALL else ""),
                total=planned.total_functional, currency=customer.entity.currency,
                item_ids=[int(i.item_id) for i in planned.invoices], executed_on=as_of,
                created_by=user if _is_user(user) else None,
            )  # fmt: skip
            rows = core.history_rows_for(message=planned, executed_on=as_of)
            ExecutedStep.objects.bulk_create(
                [
                    ExecutedStep(
                        item_id=row.item_id, scenario_code=row.scenario_code, step_code=row.step_code,
                        executed_on=row.executed_on, skipped=row.skipped, message=message,
                    )
                    for row in rows
                ]
            )  # fmt: skip
    except IntegrityError:
        return None
    return message


def message_execute(
    *, planned: core.PlannedMessage, customer: Customer, as_of: date, user: Any, run: DunningRun | None = None
) -> DunningMessage | None:
    message = _claim(planned=planned, customer=customer, as_of=as_of, user=user, run=run)
    if message is None:
        return None
    try:
        _deliver(message, planned, customer, as_of)
    except Exception as exc:  # SMTP down, PDF engine error: release the claim, retry next run
        log.exception("dunning message %s failed", message.pk)
        with transaction.atomic():
            ExecutedStep.objects.filter(message=message).delete()
            message.status, message.error = DunningMessage.Status.FAILED, f"{type(exc).__name__}: {exc}"[:300]
            message.save(update_fields=["status", "error"])
        return message
    with transaction.atomic():
        message.status = DunningMessage.Status.SENT
        message.save()
        _apply_action(message, planned, customer, as_of, user)
        audit_record(
            actor=user,
            action="dunning.message_sent",
            obj=message,
            customer_id=customer.pk,
            entity_id=customer.entity_id,
            after={"step": planned.step_code, "channel": planned.channel.value, "recipient": message.recipient,
                   "invoices": [i.number for i in planned.invoices], "total": planned.total_functional},
        )  # fmt: skip
    return message


def _deliver(message: DunningMessage, planned: core.PlannedMessage, customer: Customer, as_of: date) -> None:
    items = list(Item.objects.filter(pk__in=message.item_ids).order_by("due_date", "number"))
    context = documents.document_context(
        customer=customer,
        items=items,
        step_code=planned.step_code,
        as_of=as_of,
        language=planned.language,
        collector=customer.collector,
    )
    context["credits"] = planned.credits
    if planned.channel == core.Channel.CALL:
        contact = planned.contact
        CallTask.objects.create(
            customer=customer, message=message, assigned_to=customer.collector, contact_id=contact.contact_id
            if contact else None, title=f"{context['subject']}: {customer.name}", due_on=as_of,
        )  # fmt: skip
        message.subject = context["subject"]
        return
    attachments = []
    if planned.channel == core.Channel.LETTER:
        penalties = None
        if planned.action == core.StepAction.PENALTY_CLAIM:
            penalties = documents.penalties_for(items=items, as_of=as_of, category=customer.category)
        pdf = documents.letter_pdf(context=context, language=planned.language, penalties=penalties)
        message.pdf.save(f"letter-{customer.account_number}-{planned.step_code}-{as_of}.pdf", ContentFile(pdf), False)
        attachments.append((f"{planned.step_code}-{customer.account_number}.pdf", pdf, "application/pdf"))
    statement = documents.statement_pdf(customer=customer, as_of=as_of, language=planned.language)
    attachments.append((f"statement-{customer.account_number}-{as_of}.pdf", statement, "application/pdf"))
    message.subject = context["subject"]
    if not message.recipient:
        return  # a letter to post, with no email address to send a copy to
    email = documents.reminder_email(
        context=context,
        language=planned.language,
        recipient=message.recipient,
        reply_to=_reply_to(customer, context),
        attachments=attachments,
    )
    email.send(fail_silently=False)
    message.eml.save(f"{message.pk}.eml", ContentFile(email.message().as_bytes()), False)


def _reply_to(customer: Customer, context: dict[str, Any]) -> str:
    if customer.collector and customer.collector.email:
        return str(customer.collector.email)
    return str(context["letterhead"].reply_to or "")


def _apply_action(
    message: DunningMessage, planned: core.PlannedMessage, customer: Customer, as_of: date, user: Any
) -> None:
    action = planned.action.value
    if action == Action.CREDIT_BLOCK and not customer.is_blocked:
        customer_block(
            customer=customer,
            by=user,
            reason=f"dunning step {planned.step_code} on {as_of:%d/%m/%Y}",
            capability="collections.run",
        )
    elif action in (Action.LITIGATION, Action.COLLECTION_AGENCY):
        kind = LitigationCase.Kind.LITIGATION if action == Action.LITIGATION else LitigationCase.Kind.AGENCY
        for item_id in message.item_ids:
            LitigationCase.objects.get_or_create(
                item_id=item_id, kind=kind, defaults={"customer": customer, "opened_on": as_of, "message": message}
            )


def channel_label(channel: str) -> str:
    return str(Channel(channel).label)
