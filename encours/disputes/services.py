"""Disputes: every write validated, in one transaction, with one audit entry."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from encours.accounts.permissions import is_system, require
from encours.audit.services import audit_record, audit_record_many
from encours.core import disputes as rules
from encours.core.errors import PermissionDenied, ValidationFailed
from encours.core.money import quantize
from encours.disputes.models import ACTIVE_STATUSES, Dispute, DisputeLine, Event, Notification, ReasonCode, Status
from encours.ledger.models import Customer, Item, ItemType

SHIPPED_REASONS = (  # code, label, SLA days, department — also created by migration 0002
    ("price", "Price", 15, "sales"),
    ("quantity", "Quantity", 10, "logistics"),
    ("quality", "Quality", 20, "quality"),
    ("delivery", "Delivery", 10, "logistics"),
    ("not_received", "Not received", 7, "logistics"),
    ("duplicate", "Duplicate billing", 5, "billing"),
    ("vat_error", "VAT / invoice error", 5, "billing"),
    ("credit_note", "Credit note expected", 10, "billing"),
    ("other", "Other", 15, "customer_service"),
)


def reasons_ensure() -> int:
    """Create the shipped reasons that are missing (after a database flush); returns how many."""
    created = 0
    for position, (code, label, sla, department) in enumerate(SHIPPED_REASONS):
        _, new = ReasonCode.objects.get_or_create(
            code=code, defaults={"label": label, "sla_days": sla, "department": department, "position": position}
        )
        created += new
    return created


@dataclass(frozen=True, slots=True)
class DisputedPart:
    item: Item
    amount: Decimal | None = None  # None: the item's whole open amount


def _label(user: Any) -> str:
    if user is None:
        return "system"
    return user if isinstance(user, str) else user.get_username()


def require_on_dispute(user: Any, capability: str, dispute: Dispute) -> None:
    """The actor may do this (capability) and sees the dispute (its customer, department or owner)."""
    from encours.disputes.selectors import disputes_for

    require(user, capability)
    if not is_system(user) and not disputes_for(user).filter(pk=dispute.pk).exists():
        raise PermissionDenied(f"{user} may not {capability} on dispute {dispute.pk}")


def _actor(user: Any) -> Any:
    return None if user is None or isinstance(user, str) else user


def event_add(*, dispute: Dispute, kind: str, user: Any, on: date | None = None, **fields: Any) -> Event:
    return Event.objects.create(
        dispute=dispute,
        kind=kind,
        on=on or timezone.localdate(),
        actor=_actor(user),
        actor_label=_label(user),
        **fields,
    )


def notify(*, user: Any, dispute: Dispute | None, kind: str, message: str) -> Notification:
    return Notification.objects.create(user=user, dispute=dispute, kind=kind, message=message[:300])


def _snapshot(dispute: Dispute) -> dict[str, Any]:
    return {
        "status": dispute.status,
        "reason": dispute.reason.code,
        "department": dispute.department,
        "owner": dispute.owner.get_username() if dispute.owner_id else None,
        "amount_disputed": dispute.amount_disputed,
        "amount_credited": dispute.amount_credited,
        "expected_resolution_on": dispute.expected_resolution_on,
        "resolved_on": dispute.resolved_on,
    }


def _audit(dispute: Dispute, user: Any, action: str, before: dict[str, Any] | None, note: str = "") -> None:
    audit_record(
        actor=user,
        action=action,
        obj=dispute,
        customer_id=dispute.customer_id,
        entity_id=dispute.entity_id,
        before=before,
        after=_snapshot(dispute),
        note=note,
    )


def _check_parts(
    customer: Customer, parts: Sequence[DisputedPart], exclude: int | None = None
) -> list[tuple[Item, Decimal]]:
    if not parts:
        raise ValidationFailed("a dispute needs at least one invoice")
    checked: list[tuple[Item, Decimal]] = []
    seen: set[int] = set()
    for part in parts:
        item = part.item
        if item.customer_id != customer.pk:
            raise ValidationFailed(f"invoice {item.number} belongs to another customer")
        if item.type not in (ItemType.INVOICE, ItemType.ADJUSTMENT) or item.amount <= 0:
            raise ValidationFailed(f"{item.number}: only invoices (debits) can be disputed")
        if item.pk in seen:
            raise ValidationFailed(f"invoice {item.number} is listed twice")
        seen.add(item.pk)
        amount = item.open_amount if part.amount is None else quantize(Decimal(part.amount), item.currency)
        if amount <= 0:
            raise ValidationFailed(f"invoice {item.number}: the disputed amount must be positive")
        already = DisputeLine.objects.filter(item=item, dispute__status__in=ACTIVE_STATUSES).exclude(
            dispute_id=exclude
        ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
        if amount + already > item.open_amount:
            already, open_amount = quantize(already, item.currency), quantize(item.open_amount, item.currency)
            raise ValidationFailed(
                f"invoice {item.number}: disputed amount {amount} exceeds its open amount {open_amount}"
                + (f" ({already} already in dispute)" if already else "")
            )
        checked.append((item, amount))
    return checked


@transaction.atomic
def dispute_create(
    *,
    user: Any,
    customer: Customer,
    reason: ReasonCode,
    parts: Sequence[DisputedPart],
    department: str = "",
    owner: Any = None,
    opened_on: date | None = None,
    expected_resolution_on: date | None = None,
    description: str = "",
    external_reference: str = "",
    credit_note_reference: str = "",
) -> Dispute:
    """Open a dispute on one or several invoices of a customer (whole or part amounts)."""
    require(user, "disputes.create", customer=customer)
    if not reason.is_active:
        raise ValidationFailed(f"reason {reason.code!r} is no longer in use")
    checked = _check_parts(customer, parts)
    opened_on = opened_on or timezone.localdate()
    currencies = {item.currency for item, _ in checked}
    if len(currencies) > 1:
        raise ValidationFailed("all invoices of a dispute must share one currency")
    sla_due = rules.sla_due_on(opened_on, reason.sla_days)
    dispute = Dispute.objects.create(
        entity_id=customer.entity_id,
        customer=customer,
        reason=reason,
        department=department or reason.department,
        owner=owner,
        opened_on=opened_on,
        expected_resolution_on=expected_resolution_on or sla_due,
        sla_due_on=sla_due,
        currency=currencies.pop(),
        amount_disputed=sum((amount for _, amount in checked), Decimal(0)),
        description=description,
        external_reference=external_reference,
        credit_note_reference=credit_note_reference,
        created_by=_actor(user),
    )
    DisputeLine.objects.bulk_create(
        [DisputeLine(dispute=dispute, item=item, amount=amount) for item, amount in checked]
    )
    numbers = ", ".join(item.number for item, _ in checked)
    event_add(dispute=dispute, kind=Event.Kind.CREATED, user=user, on=opened_on, to_status=Status.OPEN, body=numbers)
    if owner is not None and owner != _actor(user):
        notify(user=owner, dispute=dispute, kind="assigned", message=f"{customer.name}: {reason.label} ({numbers})")
    _audit(dispute, user, "dispute.create", None, note=numbers)
    return dispute


@transaction.atomic
def dispute_transition(
    *,
    dispute: Dispute,
    status: str,
    user: Any,
    note: str = "",
    on: date | None = None,
    amount_credited: Decimal | None = None,
) -> Dispute:
    """Move a dispute along its workflow; closing it records the resolution date."""
    require_on_dispute(user, "disputes.manage", dispute)
    dispute = Dispute.objects.select_for_update(of=("self",)).select_related("reason", "owner").get(pk=dispute.pk)
    rules.check_transition(dispute.status, status)
    before = _snapshot(dispute)
    on = on or timezone.localdate()
    if on < dispute.opened_on:
        raise ValidationFailed(f"the date {on} is before the dispute was opened ({dispute.opened_on})")
    previous, dispute.status = dispute.status, status
    if status in rules.CLOSED:
        dispute.resolved_on = on
    if status == Status.RESOLVED_CREDIT_NOTE:
        credited = (
            dispute.amount_disputed if amount_credited is None else quantize(Decimal(amount_credited), dispute.currency)
        )
        if credited <= 0 or credited > dispute.amount_disputed:
            raise ValidationFailed(f"the credited amount must be between 0 and {dispute.amount_disputed}")
        dispute.amount_credited = credited
    elif status in rules.CLOSED:
        dispute.amount_credited = Decimal(0)
    dispute.save()
    event_add(
        dispute=dispute, kind=Event.Kind.STATUS, user=user, on=on, from_status=previous, to_status=status, body=note
    )
    _audit(dispute, user, "dispute.status", before, note=note)
    return dispute


@transaction.atomic
def dispute_assign(*, dispute: Dispute, user: Any, owner: Any, department: str = "") -> Dispute:
    require_on_dispute(user, "disputes.manage", dispute)
    dispute = Dispute.objects.select_for_update(of=("self",)).select_related("reason", "owner").get(pk=dispute.pk)
    before = _snapshot(dispute)
    dispute.owner = owner
    if department:
        dispute.department = department
    dispute.save(update_fields=["owner", "department", "updated_at"])
    who = owner.get_username() if owner else "—"
    event_add(dispute=dispute, kind=Event.Kind.ASSIGNED, user=user, body=f"{who} · {dispute.get_department_display()}")
    if owner is not None and owner != user:
        notify(user=owner, dispute=dispute, kind="assigned", message=f"{dispute.customer.name}: {dispute.reason.label}")
    _audit(dispute, user, "dispute.assign", before)
    return dispute


UPDATABLE = ("expected_resolution_on", "description", "external_reference", "credit_note_reference")


@transaction.atomic
def dispute_update(*, dispute: Dispute, user: Any, **changes: Any) -> Dispute:
    """Change the free fields of a dispute (expected date, description, references)."""
    require_on_dispute(user, "disputes.manage", dispute)
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise ValidationFailed(f"these fields cannot be changed: {', '.join(sorted(unknown))}")
    dispute = Dispute.objects.select_for_update(of=("self",)).select_related("reason", "owner").get(pk=dispute.pk)
    if dispute.is_closed:
        raise ValidationFailed("a closed dispute cannot be edited")
    before = _snapshot(dispute)
    for field, value in changes.items():
        setattr(dispute, field, value)
    dispute.save()
    event_add(dispute=dispute, kind=Event.Kind.UPDATED, user=user, body=", ".join(sorted(changes)))
    _audit(dispute, user, "dispute.update", before)
    return dispute


@transaction.atomic
def comment_add(*, dispute: Dispute, user: Any, body: str) -> Event:
    """A comment on the timeline; each @username mentioned who may see the dispute is notified."""
    from encours.disputes.selectors import disputes_for

    require_on_dispute(user, "disputes.comment", dispute)
    body = body.strip()
    if not body:
        raise ValidationFailed("the comment is empty")
    event = event_add(dispute=dispute, kind=Event.Kind.COMMENT, user=user, body=body)
    names = rules.mentions(body)
    mentioned = get_user_model().objects.filter(username__in=names, is_active=True) if names else []
    notified = []
    for person in mentioned:
        if person != user and disputes_for(person).filter(pk=dispute.pk).exists():
            notify(user=person, dispute=dispute, kind="mention", message=f"{_label(user)}: {body[:200]}")
            notified.append(person.get_username())
    audit_record(
        actor=user,
        action="dispute.comment",
        obj=dispute,
        customer_id=dispute.customer_id,
        entity_id=dispute.entity_id,
        after={"comment": body[:500], "notified": notified},
    )
    return event


@transaction.atomic
def notifications_mark_read(*, user: Any, ids: Sequence[int] | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def credit_notes_link(*, actor: Any = "system", customer_ids: Sequence[int] | None = None) -> int:
    """Link credit notes that arrived in an import to the disputes waiting for them: same
    customer, a reference naming one of the disputed invoices (or the expected reference),
    else the exact credited/disputed amount. Each link is audited."""
    waiting = (
        Dispute.objects.filter(credit_note__isnull=True)
        .filter(status__in=[*ACTIVE_STATUSES, Status.RESOLVED_CREDIT_NOTE])
        .select_related("customer", "reason")
    )
    if customer_ids is not None:
        waiting = waiting.filter(customer_id__in=customer_ids)
    waiting = [d for d in waiting if d.status == Status.RESOLVED_CREDIT_NOTE or d.reason.code == "credit_note"]
    if not waiting:
        return 0
    numbers: dict[int, list[str]] = {}
    for dispute_id, number in DisputeLine.objects.filter(dispute__in=waiting).values_list("dispute_id", "item__number"):
        numbers.setdefault(dispute_id, []).append(number)
    earliest = min(d.opened_on for d in waiting)
    linked = Dispute.objects.filter(credit_note__isnull=False).values("credit_note_id")
    notes = Item.objects.filter(
        type=ItemType.CREDIT_NOTE, customer_id__in={d.customer_id for d in waiting}, document_date__gte=earliest
    ).exclude(pk__in=linked)
    candidates = [
        rules.CreditNoteCandidate(
            item_id=pk, customer_id=customer_id, amount=-amount, reference=f"{number} {reference} {label}"
        )
        for pk, customer_id, amount, number, reference, label in notes.values_list(
            "pk", "customer_id", "amount", "number", "reference", "label"
        )
    ]
    awaiting = [
        rules.DisputeAwaitingCreditNote(
            dispute_id=d.pk,
            customer_id=d.customer_id,
            amount=d.amount_credited or d.amount_disputed,
            references=(*numbers.get(d.pk, []), d.credit_note_reference),
        )
        for d in waiting
    ]
    by_id = {d.pk: d for d in waiting}
    pairs = rules.match_credit_notes(awaiting, candidates)
    found = Item.objects.in_bulk([item_id for _, item_id, _ in pairs])
    linked_disputes, events, audits = [], [], []
    for dispute_id, item_id, rule in pairs:
        dispute, note = by_id[dispute_id], found[item_id]
        dispute.credit_note_id = item_id
        linked_disputes.append(dispute)
        events.append(
            Event(
                dispute=dispute,
                kind=Event.Kind.CREDIT_NOTE,
                on=note.document_date,
                actor=_actor(actor),
                actor_label=_label(actor),
                body=f"{note.number} ({rule})",
            )
        )
        audits.append(
            {
                "actor": actor,
                "action": "dispute.credit_note_link",
                "obj": dispute,
                "customer_id": dispute.customer_id,
                "entity_id": dispute.entity_id,
                "before": {"credit_note": None},
                "after": {"credit_note": note.number, "rule": rule},
                "note": f"{note.number} matched by {rule}",
            }
        )
    Dispute.objects.bulk_update(linked_disputes, ["credit_note"], batch_size=1000)
    Event.objects.bulk_create(events, batch_size=2000)
    audit_record_many(audits)
    return len(pairs)
