"""Disputes from other systems (e.g. a customer-service tool): create, update, move, list."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from encours.api.params import Limit, Offset
from encours.core.errors import EncoursError, PermissionDenied
from encours.disputes import selectors, services
from encours.disputes.models import Dispute, ReasonCode
from encours.ledger.models import Item
from encours.ledger.selectors import customers_for

router = Router(tags=["disputes"])


class LineOut(Schema):
    invoice: str = Field(..., alias="item.number")
    amount: Decimal


class DisputeOut(Schema):
    id: int
    entity: str = Field(..., alias="entity.siren")
    customer: str = Field(..., alias="customer.account_number")
    reason: str = Field(..., alias="reason.code")
    status: str
    department: str
    owner: str | None = Field(None, alias="owner.username")
    opened_on: date
    expected_resolution_on: date | None
    sla_due_on: date
    resolved_on: date | None
    currency: str
    amount_disputed: Decimal
    amount_credited: Decimal | None
    credit_note: str | None = Field(None, alias="credit_note.number")
    external_reference: str
    description: str
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj: Dispute) -> list[object]:
        return list(obj.lines.all())


class LineIn(Schema):
    invoice: str
    amount: Decimal | None = None


class DisputeIn(Schema):
    customer_id: int
    reason: str
    lines: list[LineIn]
    department: str = ""
    owner: str = ""
    opened_on: date | None = None
    expected_resolution_on: date | None = None
    description: str = ""
    external_reference: str = ""
    credit_note_reference: str = ""


class DisputeUpdate(Schema):
    status: str | None = None
    note: str = ""
    amount_credited: Decimal | None = None
    owner: str | None = None
    department: str | None = None
    expected_resolution_on: date | None = None
    description: str | None = None
    external_reference: str | None = None
    comment: str = ""


class DisputeFilter(Schema):
    status: str = "active"
    reason: str = ""
    department: str = ""
    customer_id: int | None = None
    external_reference: str = ""
    overdue_only: bool = False
    limit: Limit = 100
    offset: Offset = 0


class ErrorOut(Schema):
    detail: str


def _owner(request: HttpRequest, username: str) -> object:
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise EncoursError(f"unknown user {username!r}")
    return user


def _with_lines(queryset):  # type: ignore[no-untyped-def]
    return queryset.select_related("entity", "customer", "reason", "owner", "credit_note").prefetch_related(
        "lines__item"
    )


@router.get("/disputes", response=list[DisputeOut])
def list_disputes(request: HttpRequest, filters: Query[DisputeFilter]):
    disputes = selectors.dispute_list(
        user=request.user,
        filters=selectors.DisputeFilters(
            status=filters.status,
            reason=filters.reason,
            department=filters.department,
            customer=filters.customer_id,
            overdue_only=filters.overdue_only,
            sort="-opened",
        ),
        as_of=timezone.localdate(),
    )
    if filters.external_reference:
        disputes = disputes.filter(external_reference=filters.external_reference)
    return _with_lines(disputes)[filters.offset : filters.offset + filters.limit]


@router.get("/disputes/{dispute_id}", response=DisputeOut)
def get_dispute(request: HttpRequest, dispute_id: int):
    selectors.dispute_get(user=request.user, pk=dispute_id)
    return _with_lines(Dispute.objects.filter(pk=dispute_id)).get()


@router.post("/disputes", response={201: DisputeOut, 400: ErrorOut, 403: ErrorOut})
def create_dispute(request: HttpRequest, payload: DisputeIn):
    customer = customers_for(request.user).filter(pk=payload.customer_id).first()
    if customer is None:
        raise Http404("customer not found")
    try:
        reason = ReasonCode.objects.filter(code=payload.reason).first()
        if reason is None:
            raise EncoursError(f"unknown reason {payload.reason!r}")
        items = {
            i.number: i
            for i in Item.objects.filter(customer=customer, number__in=[line.invoice for line in payload.lines])
        }
        missing = [line.invoice for line in payload.lines if line.invoice not in items]
        if missing:
            raise EncoursError(f"unknown invoice(s) for this customer: {', '.join(missing)}")
        dispute = services.dispute_create(
            user=request.user,
            customer=customer,
            reason=reason,
            parts=[services.DisputedPart(items[line.invoice], line.amount) for line in payload.lines],
            department=payload.department,
            owner=_owner(request, payload.owner),
            opened_on=payload.opened_on,
            expected_resolution_on=payload.expected_resolution_on,
            description=payload.description,
            external_reference=payload.external_reference,
            credit_note_reference=payload.credit_note_reference,
        )
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc)})
    except EncoursError as exc:
        return Status(400, {"detail": str(exc)})
    return Status(201, _with_lines(Dispute.objects.filter(pk=dispute.pk)).get())


@router.patch("/disputes/{dispute_id}", response={200: DisputeOut, 400: ErrorOut, 403: ErrorOut})
def update_dispute(request: HttpRequest, dispute_id: int, payload: DisputeUpdate):
    dispute = selectors.dispute_get(user=request.user, pk=dispute_id)
    try:
        with transaction.atomic():  # one PATCH changes all it asks for or nothing
            dispute = _apply(request, dispute, payload)
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc)})
    except EncoursError as exc:
        return Status(400, {"detail": str(exc)})
    return Status(200, _with_lines(Dispute.objects.filter(pk=dispute.pk)).get())


def _apply(request: HttpRequest, dispute: Dispute, payload: DisputeUpdate) -> Dispute:
    changes = {
        field: getattr(payload, field)
        for field in ("expected_resolution_on", "description", "external_reference")
        if getattr(payload, field) is not None
    }
    if changes:
        dispute = services.dispute_update(dispute=dispute, user=request.user, **changes)
    if payload.owner is not None or payload.department:
        dispute = services.dispute_assign(
            dispute=dispute,
            user=request.user,
            owner=_owner(request, payload.owner) if payload.owner is not None else dispute.owner,
            department=payload.department or "",
        )
    if payload.comment:
        services.comment_add(dispute=dispute, user=request.user, body=payload.comment)
    if payload.status:
        dispute = services.dispute_transition(
            dispute=dispute,
            status=payload.status,
            user=request.user,
            note=payload.note,
            amount_credited=payload.amount_credited,
        )
    return dispute
