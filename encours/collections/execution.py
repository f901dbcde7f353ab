"""Execute a dunning run: claim each message's steps, deliver it, apply the step's action.

A message is claimed by inserting its executed steps in their own transaction: the unique
(item, scenario, step) constraint makes a concurrent run that planned the same message fail
its claim and skip it, so nothing is ever sent twice; the claim also locks the customer's row
and gives up when a run already wrote to the customer that day (one message per customer and
day, even when two runs planned different messages for it). A delivery that fails releases
the claim (the next run, or a retry of this one, sends it) and is recorded as failed with its
reason; so is a message that cannot be delivered (no email address, no postal address, no
phone). A run with any failed message ends "completed with failures".
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from encours.accounts.permissions import require
from encours.audit.services import audit_record
from encours.collections import documents
from encours.collections.models import (
    CallTask,
    Channel,
    CustomerDunning,
    DunningMessage,
    DunningRun,
    DunningStep,
    ExecutedStep,
    LitigationCase,
)
from encours.collections.planning import plan_for, run_customers
from encours.collections.services import promises_refresh
from encours.core.dunning import planner as core
from encours.ledger.models import BlockReason, Customer, Item
from encours.ledger.services.blocks import customer_block

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
    failures: list[dict[str, str]] = field(default_factory=list)

    FAILURES_KEPT = 200  # the job page lists the first ones; the run page lists them all

    def record(self, message: DunningMessage | None) -> None:
        """Count one executed (or refused) message by what happened to it."""
        if message is None:
            self.already_done += 1
        elif message.status == DunningMessage.Status.SENT:
            self.sent += 1
            self.messages.append(message.pk)
        elif message.status == DunningMessage.Status.FAILED:
            if message.failure in UNDELIVERABLE:
                self.skipped += 1
            else:
                self.failed += 1
            if len(self.failures) < self.FAILURES_KEPT:
                self.failures.append({"subject": message.customer.name, "reason": failure_text(message)})

    def as_job_result(self, run: DunningRun) -> dict[str, Any]:
        return {
            "message": f"{self.sent} sent, {self.skipped} undeliverable, {self.failed} failed, "
            f"{self.already_done} already done",
            "run_id": run.pk,
            "sent": self.sent,
            "failed": self.failed + self.skipped,
            "already_done": self.already_done,
            "failures": self.failures,
        }


class DeliveryFailed(Exception):
    """Why a message could not go out, as one of ``DunningMessage.Failure``."""

    def __init__(self, failure: str, detail: str) -> None:
        super().__init__(detail)
        self.failure, self.detail = failure, detail


UNDELIVERABLE = frozenset(
    {DunningMessage.Failure.NO_EMAIL, DunningMessage.Failure.NO_PHONE, DunningMessage.Failure.NO_POSTAL_ADDRESS}
)
UNREACHABLE_BY_CHANNEL = {
    core.Channel.EMAIL: DunningMessage.Failure.NO_EMAIL,
    core.Channel.CALL: DunningMessage.Failure.NO_PHONE,
    core.Channel.LETTER: DunningMessage.Failure.NO_POSTAL_ADDRESS,
}


def failure_text(message: DunningMessage) -> str:
    label = str(DunningMessage.Failure(message.failure).label) if message.failure else ""
    return f"{label}: {message.error}" if label and message.error else label or message.error


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
        customer = customers[int(planned.customer_id)]
        if not planned.deliverable:
            outcome.record(
                undeliverable_record(planned=planned, customer=customer, as_of=run.as_of, user=user, run=run)
            )
        else:
            outcome.record(message_execute(planned=planned, customer=customer, as_of=run.as_of, user=user, run=run))
        progress(index, total, f"{index}/{total}")
    run_counts_refresh(run, planned=total, already_done=outcome.already_done)
    audit_record(
        actor=user,
        action="dunning.run_execute",
        obj=run,
        entity_id=run.entity_id,
        after={"sent": outcome.sent, "undeliverable": outcome.skipped, "failed": outcome.failed,
               "already_done": outcome.already_done},
    )  # fmt: skip
    return outcome


def run_counts_refresh(run: DunningRun, *, planned: int | None = None, already_done: int | None = None) -> None:
    """The run's counts per outcome from its messages (one grouped query) and its final status."""
    counts = DunningMessage.objects.filter(run=run).aggregate(
        sent=Count("pk", filter=Q(status=DunningMessage.Status.SENT)),
        failed=Count("pk", filter=Q(status=DunningMessage.Status.FAILED)),
    )
    status = DunningRun.Status.DONE_WITH_FAILURES if counts["failed"] else DunningRun.Status.DONE
    fields: dict[str, Any] = {"status": status, "sent_messages": counts["sent"], "failed_messages": counts["failed"]}
    if planned is not None:
        fields.update(executed_at=timezone.now(), planned_messages=planned)
    if already_done is not None:
        fields["skipped_messages"] = already_done
    DunningRun.objects.filter(pk=run.pk).update(**fields)


def undeliverable_record(
    *, planned: core.PlannedMessage, customer: Customer, as_of: date, user: Any, run: DunningRun | None
) -> DunningMessage:
    """A message nobody can receive, kept as failed with its reason (no step is recorded:
    the next run, or a retry once the address is known, sends it)."""
    message = DunningMessage(
        run=run, customer=customer, status=DunningMessage.Status.FAILED,
        failure=UNREACHABLE_BY_CHANNEL[planned.channel], error="; ".join(planned.warnings)[:300],
    )  # fmt: skip
    _fill(message, planned, customer, as_of, user)
    message.save()
    audit_record(
        actor=user, action="dunning.message_failed", obj=message, customer_id=customer.pk,
        entity_id=customer.entity_id, after={"step": planned.step_code, "failure": message.failure,
                                             "error": message.error},
    )  # fmt: skip
    return message


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


def _fill(message: DunningMessage, planned: core.PlannedMessage, customer: Customer, as_of: date, user: Any) -> None:
    message.customer, message.scenario_code, message.step_code = customer, planned.scenario_code, planned.step_code
    message.step_order, message.channel, message.action = (
        planned.step_order,
        planned.channel.value,
        planned.action.value,
    )
    message.language = planned.language
    message.contact_id = planned.contact.contact_id if planned.contact else None
    message.recipient = planned.contact.email if planned.contact and planned.channel != core.Channel.CALL else ""
    message.total, message.currency = planned.total_functional, customer.entity.currency
    message.item_ids, message.executed_on = [int(i.item_id) for i in planned.invoices], as_of
    message.created_by = user if _is_user(user) else None


def _claim(
    *,
    planned: core.PlannedMessage,
    customer: Customer,
    as_of: date,
    user: Any,
    run: DunningRun | None,
    retried: DunningMessage | None = None,
) -> DunningMessage | None:
    """Record the message and its steps, or None when another run already took one of them
    (or already wrote to this customer today). ``retried``: the failed message sent again."""
    try:
        with transaction.atomic():
            if _written_today(customer, as_of, retried):
                return None
            message = retried or DunningMessage(run=run)
            _fill(message, planned, customer, as_of, user)
            message.status, message.failure, message.error = DunningMessage.Status.SENDING, "", ""
            if retried is not None:
                message.attempts += 1
            message.save()
            rows = core.history_rows_for(message=planned, executed_on=as_of)
            ExecutedStep.objects.bulk_create(
                [
                    ExecutedStep(
                        item_id=row.item_id, scenario_code=row.scenario_code, step_code=row.step_code,
                        executed_on=row.executed_on, skipped=row.skipped, message=message,
                        covered=row.covered,
                    )
                    for row in rows
                ]
            )  # fmt: skip
    except IntegrityError:
        if retried is not None:
            retried.refresh_from_db()
        return None
    return message


def _written_today(customer: Customer, as_of: date, retried: DunningMessage | None) -> bool:
    """Whether a run already wrote (or is writing) to the customer on ``as_of``; the customer's
    row stays locked until the claim commits, so two runs cannot both see "no"."""
    list(Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk", flat=True))
    others = DunningMessage.objects.filter(
        customer=customer, executed_on=as_of, run__isnull=False,
        status__in=[DunningMessage.Status.SENDING, DunningMessage.Status.SENT],
    )  # fmt: skip
    if retried is not None:
        others = others.exclude(pk=retried.pk)
    return others.exists()


def message_execute(
    *,
    planned: core.PlannedMessage,
    customer: Customer,
    as_of: date,
    user: Any,
    run: DunningRun | None = None,
    retried: DunningMessage | None = None,
) -> DunningMessage | None:
    message = _claim(planned=planned, customer=customer, as_of=as_of, user=user, run=run, retried=retried)
    if message is None:
        return None
    try:
        _deliver(message, planned, customer, as_of)
    except DeliveryFailed as exc:  # release the claim: a retry or the next run sends it
        log.warning("dunning message %s failed: %s", message.pk, exc.detail)
        _release(message, user, exc.failure, exc.detail)
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


def _release(message: DunningMessage, user: Any, failure: str, detail: str) -> None:
    with transaction.atomic():
        ExecutedStep.objects.filter(message=message).delete()
        message.status, message.failure, message.error = DunningMessage.Status.FAILED, failure, detail[:300]
        message.save(update_fields=["status", "failure", "error"])
        audit_record(
            actor=user, action="dunning.message_failed", obj=message, customer_id=message.customer_id,
            after={"step": message.step_code, "failure": failure, "error": message.error},
        )  # fmt: skip


def _deliver(message: DunningMessage, planned: core.PlannedMessage, customer: Customer, as_of: date) -> None:
    try:
        email = _compose(message, planned, customer, as_of)
    except Exception as exc:  # a PDF engine or template error must not stop the run
        log.exception("dunning message %s: documents failed", message.pk)
        raise DeliveryFailed(DunningMessage.Failure.DOCUMENT, f"{type(exc).__name__}: {exc}") from exc
    if email is None:
        return
    try:
        email.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(DunningMessage.Failure.SMTP, _smtp_detail(exc)) from exc
    except Exception as exc:
        log.exception("dunning message %s: sending failed", message.pk)
        raise DeliveryFailed(DunningMessage.Failure.OTHER, f"{type(exc).__name__}: {exc}") from exc
    message.eml.save(f"{message.pk}.eml", ContentFile(email.message().as_bytes()), False)


def _smtp_detail(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(f"{rcpt}: {code} {reason!r}" for rcpt, (code, reason) in exc.recipients.items())
        return f"recipient refused by the mail server ({refused})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"mail server answered {exc.smtp_code}: {exc.smtp_error!r}"
    if not isinstance(exc, smtplib.SMTPException):  # refused, timed out, unreachable
        host = f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
        return f"mail server {host} unreachable ({type(exc).__name__}: {exc})"
    return f"{type(exc).__name__}: {exc}"


def _compose(
    message: DunningMessage, planned: core.PlannedMessage, customer: Customer, as_of: date
) -> EmailMessage | None:
    """The documents of the message (call task, letter, statement) and the email to send, if any."""
    items = list(Item.objects.filter(pk__in=message.item_ids).order_by("due_date", "number"))
    context = documents.document_context(
        customer=customer,
        items=items,
        step_code=planned.step_code,
        as_of=as_of,
        language=planned.language,
        collector=customer.collector,
        scenario_code=planned.scenario_code,
        contact=planned.contact,
    )
    context["credits"] = planned.credits
    if planned.channel == core.Channel.CALL:
        contact = planned.contact
        subject = documents.message_text(context, language=planned.language).subject
        CallTask.objects.create(
            customer=customer, message=message, assigned_to=customer.collector, contact_id=contact.contact_id
            if contact else None, title=f"{subject}: {customer.name}"[:200], due_on=as_of,
        )  # fmt: skip
        message.subject = subject
        return None
    attachments = []
    penalties = None
    if core.StepAction.PENALTY_CLAIM in core.message_actions(planned):  # its step's or a step it covers
        penalties = documents.penalties_for(items=items, as_of=as_of, category=customer.category)
    context["penalties"] = penalties
    if planned.channel == core.Channel.LETTER:
        pdf = documents.letter_pdf(context=context, language=planned.language, penalties=penalties)
        message.pdf.save(f"letter-{customer.account_number}-{planned.step_code}-{as_of}.pdf", ContentFile(pdf), False)
        attachments.append((f"{planned.step_code}-{customer.account_number}.pdf", pdf, "application/pdf"))
    statement = documents.statement_pdf(customer=customer, as_of=as_of, language=planned.language)
    attachments.append((f"statement-{customer.account_number}-{as_of}.pdf", statement, "application/pdf"))
    text = documents.message_text(context, language=planned.language)
    message.subject = text.subject
    if not message.recipient:
        return None  # a letter to post, with no email address to send a copy to
    return documents.reminder_email(
        context=context,
        language=planned.language,
        recipient=message.recipient,
        reply_to=_reply_to(customer, context),
        attachments=attachments,
        text=text,
    )


def _reply_to(customer: Customer, context: dict[str, Any]) -> str:
    if customer.collector and customer.collector.email:
        return str(customer.collector.email)
    return str(context["letterhead"].reply_to or "")


def _apply_action(
    message: DunningMessage, planned: core.PlannedMessage, customer: Customer, as_of: date, user: Any
) -> None:
    """The message's step action, and those of the steps it covers: a covered step is never sent later."""
    actions = core.message_actions(planned)
    if core.StepAction.CREDIT_BLOCK in actions:  # at most one active dunning block: a second one writes nothing
        customer_block(
            customer=customer,
            by=user,
            reason=f"dunning step {planned.step_code} on {as_of:%d/%m/%Y}",
            kind=BlockReason.DUNNING,
            capability="collections.run",
            source=f"dunning step {planned.scenario_code}/{planned.step_code}"[:80],
            lift_below=_step_minimum(planned),
            on=as_of,
        )
    kinds = {
        core.StepAction.LITIGATION: LitigationCase.Kind.LITIGATION,
        core.StepAction.COLLECTION_AGENCY: LitigationCase.Kind.AGENCY,
    }
    for invoice in planned.invoices:  # a hand-over takes the invoices at that step, not the younger ones
        action = invoice.action if invoice.step_code else planned.action
        if action in kinds:
            LitigationCase.objects.get_or_create(
                item_id=int(invoice.item_id), kind=kinds[action],
                defaults={"customer": customer, "opened_on": as_of, "message": message},
            )  # fmt: skip


def _step_minimum(planned: core.PlannedMessage) -> Decimal:
    """The block lifts once the customer owes less than what the step needs to fire (or nothing)."""
    steps = DunningStep.objects.filter(scenario__code=planned.scenario_code, code=planned.step_code)
    return steps.values_list("min_amount", flat=True).first() or Decimal(0)


def channel_label(channel: str) -> str:
    return str(Channel(channel).label)
