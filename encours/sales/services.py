"""Writes of the sales loop: each checks the actor's capability and scope, runs in one transaction
and leaves one audit entry. Approving a release request releases the order through the risk
app's own service, so the held-order queue and its audit trail stay the one record of decisions."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from encours.accounts.permissions import require
from encours.audit.services import audit_record
from encours.core.errors import ValidationFailed
from encours.ledger.models import Customer
from encours.risk.models import HeldOrder
from encours.risk.services import held_order_decide
from encours.sales.models import FieldNote, ReleaseRequest, RepNotification

JUSTIFICATION_MIN = 10


@transaction.atomic
def release_request_create(*, order: HeldOrder, user: Any, justification: str) -> ReleaseRequest:
    require(user, "sales.request_release", customer=order.customer_id)
    text = justification.strip()
    if len(text) < JUSTIFICATION_MIN:
        raise ValidationFailed(f"a justification of at least {JUSTIFICATION_MIN} characters is required")
    order = HeldOrder.objects.select_for_update(of=("self",)).get(pk=order.pk)
    if order.status != HeldOrder.Status.HELD:
        raise ValidationFailed(f"this order is already {order.status}")
    try:
        with transaction.atomic():
            request = ReleaseRequest.objects.create(
                order=order, customer_id=order.customer_id, justification=text[:2000], requested_by=user
            )
    except IntegrityError as exc:
        raise ValidationFailed("a release of this order is already requested") from exc
    audit_record(
        actor=user, action="sales.release.request", obj=request, customer_id=order.customer_id,
        entity_id=order.entity_id, after={"order": order.pk, "reference": order.reference}, note=text[:500],
    )  # fmt: skip
    return request


@transaction.atomic
def release_request_decide(*, request: ReleaseRequest, user: Any, approve: bool, comment: str) -> ReleaseRequest:
    """Approve (the order is released) or refuse (it stays held); the rep is told either way."""
    require(user, "sales.decide_release", customer=request.customer_id)
    comment = comment.strip()
    if not approve and not comment:
        raise ValidationFailed("a comment is required to refuse a release")
    locked = ReleaseRequest.objects.select_for_update(of=("self",))
    request = locked.select_related("order", "requested_by").get(pk=request.pk)
    if request.status != ReleaseRequest.Status.PENDING:
        raise ValidationFailed(f"this request is already {request.status}")
    if approve:
        rep = request.requested_by.get_username() if request.requested_by else "?"
        held_order_decide(
            order=request.order, user=user, release=True,
            comment=comment or f"release requested by {rep}: {request.justification}"[:500],
        )  # fmt: skip
    request.status = ReleaseRequest.Status.APPROVED if approve else ReleaseRequest.Status.REFUSED
    request.decided_by, request.decided_at, request.decision_comment = user, timezone.now(), comment[:500]
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    audit_record(
        actor=user, action="sales.release.approve" if approve else "sales.release.refuse", obj=request,
        customer_id=request.customer_id, entity_id=request.order.entity_id,
        before={"status": ReleaseRequest.Status.PENDING}, after={"status": request.status, "order": request.order_id},
        note=comment,
    )  # fmt: skip
    if request.requested_by is not None:
        kind = RepNotification.Kind.RELEASE_APPROVED if approve else RepNotification.Kind.RELEASE_REFUSED
        RepNotification.objects.get_or_create(
            user=request.requested_by, key=f"release:{request.pk}",
            defaults={"customer_id": request.customer_id, "kind": kind, "on": timezone.localdate(),
                      "detail": f"{request.order.reference or request.order_id} {comment}"[:300]},
        )  # fmt: skip
    return request


@transaction.atomic
def field_note_create(*, customer: Customer, user: Any, visited_on: date, body: str, contact: str = "") -> FieldNote:
    require(user, "sales.field_note", customer=customer)
    text = body.strip()
    if not text:
        raise ValidationFailed("the note is empty")
    if visited_on > timezone.localdate():
        raise ValidationFailed("the visit date is in the future")
    note = FieldNote.objects.create(
        customer=customer, author=user if not isinstance(user, str) else None, visited_on=visited_on,
        contact=contact.strip()[:120], body=text[:4000],
    )  # fmt: skip
    audit_record(
        actor=user, action="sales.field_note.create", obj=note, customer_id=customer.pk, entity_id=customer.entity_id,
        after={"visited_on": visited_on.isoformat(), "contact": note.contact}, note=text[:500],
    )  # fmt: skip
    return note


@transaction.atomic
def notifications_mark_read(*, user: Any, ids: list[int] | None = None) -> int:
    unread = RepNotification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
