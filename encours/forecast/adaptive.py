"""Adaptive dunning: learn from the dunning history which step makes each customer pay, and
let the credit manager apply the suggested timing or channel through the collections app."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from encours import contracts
from encours.accounts.permissions import require
from encours.audit.services import audit_record
from encours.core.errors import InvalidTransition, ValidationFailed
from encours.core.forecast.adaptive import suggest_dunning_changes
from encours.forecast.models import DunningSuggestion
from encours.forecast.selectors import ledger_records

HISTORY_DAYS = 2 * 365


def dunning_history_known() -> bool:
    # the contract has no "is provided" accessor; without history nothing can be learned
    return contracts.DUNNING_HISTORY.provided


@transaction.atomic
def dunning_suggestions_refresh(*, as_of: date, user: Any = None) -> int:
    """Recompute the suggestions from the paid invoices' dunning history; pending ones of an
    earlier run are superseded, decided ones are kept as the record of what was done."""
    require(user, "forecast.train")
    if not dunning_history_known():
        return 0
    records = ledger_records(as_of=as_of, history_days=HISTORY_DAYS)
    paid = [r for r in records.invoices if r.settled_date is not None and r.settled_date <= as_of]
    found = suggest_dunning_changes(invoices=paid)
    DunningSuggestion.objects.filter(status=DunningSuggestion.Status.PENDING).update(
        status=DunningSuggestion.Status.SUPERSEDED
    )
    rows = [
        DunningSuggestion(
            customer_id=int(s.customer_id),
            computed_on=as_of,
            kind=s.kind,
            stage=s.stage,
            current_channel=s.current_channel,
            proposed_channel=s.proposed_channel,
            current_offset_days=s.current_offset_days,
            proposed_offset_days=s.proposed_offset_days,
            expected_days_saved=Decimal(str(round(s.expected_days_saved, 1))),
            share_affected=Decimal(str(round(s.share_of_invoices_affected, 4))),
            n_invoices=s.n_invoices,
            evidence=s.evidence,
        )
        for s in found
    ]
    DunningSuggestion.objects.bulk_create(rows)
    audit_record(
        actor=user if getattr(user, "pk", None) else "forecast",
        action="forecast.dunning_suggestions",
        object_type="forecast.dunningsuggestion",
        after={"as_of": as_of, "suggestions": len(rows)},
    )
    return len(rows)


def _pending(suggestion: DunningSuggestion) -> DunningSuggestion:
    locked = DunningSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    if locked.status != DunningSuggestion.Status.PENDING:
        raise InvalidTransition(f"suggestion already {locked.get_status_display()}")
    return locked


@transaction.atomic
def dunning_suggestion_approve(*, suggestion: DunningSuggestion, user: Any) -> DunningSuggestion:
    """Apply the suggested shift (and channel) to the customer's dunning, then record it."""
    require(user, "forecast.train", customer=suggestion.customer_id)
    if not contracts.can_apply_dunning_timing():
        raise ValidationFailed("no app applies dunning timings: the collections app is not installed")
    locked = _pending(suggestion)
    channel = locked.proposed_channel if locked.proposed_channel != locked.current_channel else None
    contracts.apply_dunning_timing(
        customer_id=locked.customer_id,
        shift_days=locked.shift_days,
        channel=channel,
        user=user,
        reason=f"adaptive dunning: {locked.evidence}",
    )
    locked.status, locked.decided_by, locked.decided_at = DunningSuggestion.Status.APPROVED, user, timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=user,
        action="forecast.dunning_suggestion_approved",
        obj=locked,
        customer_id=locked.customer_id,
        before={"offset_days": locked.current_offset_days, "channel": locked.current_channel},
        after={"offset_days": locked.proposed_offset_days, "channel": locked.proposed_channel},
        note=locked.evidence,
    )
    return locked


@transaction.atomic
def dunning_suggestion_reject(*, suggestion: DunningSuggestion, user: Any) -> DunningSuggestion:
    require(user, "forecast.train", customer=suggestion.customer_id)
    locked = _pending(suggestion)
    locked.status, locked.decided_by, locked.decided_at = DunningSuggestion.Status.REJECTED, user, timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(actor=user, action="forecast.dunning_suggestion_rejected", obj=locked, customer_id=locked.customer_id)
    return locked
