"""Send again the failed messages of a dunning run.

The plan is recomputed for the customers concerned on the run's date: a message still due
goes out (the failed row is reused, its attempts counted), one no longer due (paid, disputed,
sent meanwhile by another run) is marked obsolete with the reason, one that still cannot be
delivered stays failed with the new reason. The same claims as a run apply: nothing is sent
twice, even when a retry and a run overlap.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from encours.accounts.permissions import require
from encours.audit.services import audit_record
from encours.collections.execution import (
    UNREACHABLE_BY_CHANNEL,
    Progress,
    RunOutcome,
    message_execute,
    run_counts_refresh,
    with_preferred_channel,
)
from encours.collections.models import CustomerDunning, DunningMessage, DunningRun
from encours.collections.planning import plan_for, run_customers
from encours.core.dunning import planner as core
from encours.core.errors import EncoursError


def _noop(done: int, total: int | None = None, message: str = "") -> None:
    return None


def run_failed_messages(run: DunningRun) -> list[DunningMessage]:
    return list(
        DunningMessage.objects.filter(run=run, status=DunningMessage.Status.FAILED)
        .select_related("customer__entity", "customer__collector")
        .order_by("customer__name", "pk")
    )


def run_retry_failed(*, run: DunningRun, user: Any, progress: Progress = _noop, base: Any = None) -> RunOutcome:
    """Retry every failed message of ``run``; returns what happened to them."""
    require(user, "collections.run", entity=run.entity_id)
    failed = run_failed_messages(run)
    if not failed:
        raise EncoursError("this run has no failed message to retry")
    customers = run_customers(entity_id=run.entity_id, base=base).filter(pk__in={m.customer_id for m in failed})
    plan = plan_for(
        as_of=run.as_of,
        customers=customers,
        excluded_customer_ids=run.excluded_customer_ids,
        excluded_item_ids=run.excluded_item_ids,
    )
    preferred = dict(
        CustomerDunning.objects.filter(customer_id__in=[m.customer_id for m in failed])
        .exclude(preferred_channel="")
        .values_list("customer_id", "preferred_channel")
    )
    outcome = RunOutcome()
    obsolete = 0
    for index, message in enumerate(failed, start=1):
        planned = _planned_for(plan, message)
        if planned is None:
            _mark_obsolete(message, user, _why_not_due(plan, message))
            obsolete += 1
        else:
            planned = with_preferred_channel(planned, preferred.get(message.customer_id))
            outcome.record(_retry_one(message, planned, run, user))
        progress(index, len(failed), f"{index}/{len(failed)}")
    run_counts_refresh(run)
    audit_record(
        actor=user, action="dunning.run_retry", obj=run, entity_id=run.entity_id,
        after={"retried": len(failed), "sent": outcome.sent, "failed": outcome.failed + outcome.skipped,
               "obsolete": obsolete, "already_done": outcome.already_done},
    )  # fmt: skip
    return outcome


def _planned_for(plan: core.DunningPlan, message: DunningMessage) -> core.PlannedMessage | None:
    """The customer's message in the new plan (the same step when there are several)."""
    candidates = plan.messages_for(message.customer_id)
    same_step = [m for m in candidates if m.step_code == message.step_code]
    if same_step:
        return same_step[0]
    return candidates[0] if len(candidates) == 1 else None


def _why_not_due(plan: core.DunningPlan, message: DunningMessage) -> str:
    decisions = plan.decisions_by_item()
    reasons = [decisions[i].reason for i in message.item_ids if i in decisions]
    return ("no longer due: " + "; ".join(reasons) if reasons else "no longer due: the invoices are settled")[:300]


def _retry_one(
    message: DunningMessage, planned: core.PlannedMessage, run: DunningRun, user: Any
) -> DunningMessage | None:
    if not planned.deliverable:
        with transaction.atomic():
            message.attempts += 1
            message.failure = UNREACHABLE_BY_CHANNEL[planned.channel]
            message.error = "; ".join(planned.warnings)[:300]
            message.save(update_fields=["attempts", "failure", "error"])
        return message
    sent = message_execute(
        planned=planned, customer=message.customer, as_of=run.as_of, user=user, run=run, retried=message
    )
    if sent is None:  # another run wrote to the customer or claimed the step meanwhile
        _mark_obsolete(message, user, "already sent by another run")
    return sent


def _mark_obsolete(message: DunningMessage, user: Any, reason: str) -> None:
    with transaction.atomic():
        message.status, message.error = DunningMessage.Status.OBSOLETE, reason
        message.save(update_fields=["status", "error"])
        audit_record(
            actor=user, action="dunning.message_obsolete", obj=message, customer_id=message.customer_id,
            after={"reason": reason},
        )  # fmt: skip
