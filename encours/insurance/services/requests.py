"""Automatic cover-increase requests: prepared when exposure approaches cover, approved by the
credit manager, then e-mailed to the insurer as a PDF or exported for its portal, and closed
when the insurer's decision is imported (``services.covers``)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from encours import contracts
from encours.accounts.permissions import require
from encours.audit.services import audit_record
from encours.core.errors import InvalidTransition, ValidationFailed
from encours.core.formats.spreadsheet import CsvWriter
from encours.core.insurance import CoverDecision as CoreDecision
from encours.core.insurance import CoverIncreaseRule, CoverPosition, propose_cover_increase
from encours.insurance.models import CORE_STATUS, CoverDecision, CoverRequest
from encours.insurance.selectors.exposure import BuyerExposure, buyer_exposures
from encours.ledger.models import Customer
from encours.reports.selectors.behaviour import days_late_by_customer

EXPORT_COLUMNS = (
    "policy",
    "buyer_account",
    "buyer_name",
    "buyer_siren",
    "current_cover",
    "requested_amount",
    "outstanding",
    "open_orders",
    "overdue",
    "average_days_late",
    "grade",
    "currency",
)


def core_decision(decision: CoverDecision) -> CoreDecision:
    return CoreDecision(
        buyer_id=str(decision.customer_id or decision.group_id),
        status=CORE_STATUS[decision.decision],
        requested_amount=decision.requested_amount,
        granted_amount=decision.granted_amount,
        decided_on=decision.decided_on,
        effective_on=decision.effective_on,
        expires_on=decision.expires_on,
        reference=decision.reference,
    )


def _position(row: BuyerExposure, as_of: date) -> CoverPosition:
    decision = core_decision(row.decision) if row.decision else None
    return CoverPosition(
        on=as_of, amount=row.cover, decision=decision, source="decision" if decision else "none", reason=""
    )


@transaction.atomic
def cover_requests_prepare(*, customers: QuerySet[Customer], as_of: date, user: Any = None) -> list[CoverRequest]:
    """A pending request for each covered buyer whose exposure reached the policy's trigger share."""
    require(user, "insurance.manage")
    rows = [r for r in buyer_exposures(customers=customers, as_of=as_of) if r.cover > 0 and r.policy is not None]
    proposals = []
    for row in rows:
        assert row.policy is not None
        rule = CoverIncreaseRule(trigger_share=row.policy.alert_share)
        proposal = propose_cover_increase(
            buyer_id=str(row.customer_id),
            exposure=row.exposure,
            cover=_position(row, as_of),
            rule=rule,
            currency=row.currency,
        )
        if proposal.triggered:
            proposals.append((row, proposal))
    if not proposals:
        return []
    ids = [row.customer_id for row, _ in proposals]
    busy = set(
        CoverRequest.objects.filter(customer_id__in=ids, status__in=CoverRequest.OPEN_STATUSES).values_list(
            "customer_id", flat=True
        )
    )
    behaviour = days_late_by_customer(customers=ids, as_of=as_of)
    grades = contracts.grades(customer_ids=ids, as_of=as_of)
    created = []
    for row, proposal in proposals:
        if row.customer_id in busy:
            continue
        year = behaviour.get(row.customer_id, (None, None))[0]
        grade = grades.get(row.customer_id)
        assert row.policy is not None and proposal.proposed_amount is not None
        request = CoverRequest.objects.create(
            policy=row.policy,
            customer_id=row.customer_id,
            prepared_on=as_of,
            current_cover=row.cover,
            requested_amount=proposal.proposed_amount,
            exposure=row.exposure,
            outstanding=row.outstanding,
            open_orders=row.open_orders,
            overdue=row.overdue,
            average_days_late=round(year.weighted_days_late, 1) if year else None,
            grade=grade.letter if grade else "",
            reason=proposal.reason[:400],
        )
        audit_record(
            actor=user or "insurance",
            action="insurance.cover_request_prepare",
            obj=request,
            customer_id=row.customer_id,
            entity_id=row.entity_id,
            after={"requested_amount": request.requested_amount, "exposure": row.exposure, "cover": row.cover},
        )
        created.append(request)
    return created


def cover_request_pdf(request: CoverRequest) -> bytes:
    from weasyprint import HTML

    html = render_to_string("insurance/cover_request_document.html", {"request": request})
    return HTML(string=html).write_pdf()


def cover_requests_csv(requests: Iterable[CoverRequest]) -> bytes:
    """The insurer-portal file: one line per request (UTF-8, comma, ISO amounts)."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    writer.row(EXPORT_COLUMNS)
    for r in requests:
        writer.row(
            [
                r.policy.number,
                r.customer.account_number,
                r.customer.name,
                r.customer.siren,
                f"{r.current_cover:.2f}",
                f"{r.requested_amount:.2f}",
                f"{r.outstanding:.2f}",
                f"{r.open_orders:.2f}",
                f"{r.overdue:.2f}",
                "" if r.average_days_late is None else f"{r.average_days_late}",
                r.grade,
                r.policy.currency,
            ]
        )
    return buffer.getvalue().encode()


@transaction.atomic
def cover_request_approve(*, request: CoverRequest, user: Any, channel: str) -> CoverRequest:
    """Approve a pending request and send it: ``email`` (PDF to the insurer) or ``export`` (portal file)."""
    require(user, "insurance.manage")
    request = CoverRequest.objects.select_for_update().select_related("policy", "customer").get(pk=request.pk)
    if request.status != CoverRequest.Status.PENDING:
        raise InvalidTransition(f"cover request {request.pk} is {request.status}, not pending")
    if channel == "email":
        if not request.policy.insurer_email:
            raise ValidationFailed(f"policy {request.policy} has no insurer e-mail: export the request instead")
        _send(request, user)
        request.status, request.sent_to = CoverRequest.Status.SENT, request.policy.insurer_email
    elif channel == "export":
        request.status, request.sent_to = CoverRequest.Status.EXPORTED, "portal"
    else:
        raise ValidationFailed(f"unknown channel {channel!r}")
    request.approved_by, request.approved_at = user, timezone.now()
    request.save(update_fields=["status", "sent_to", "approved_by", "approved_at"])
    audit_record(
        actor=user,
        action="insurance.cover_request_approve",
        obj=request,
        customer_id=request.customer_id,
        entity_id=request.policy.entity_id,
        after={"channel": channel, "requested_amount": request.requested_amount},
    )
    return request


def _send(request: CoverRequest, user: Any) -> None:
    subject = f"Demande d'agrément — {request.customer.name} (SIREN {request.customer.siren or '?'})"
    body = render_to_string("insurance/cover_request_email.txt", {"request": request, "user": user})
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[request.policy.insurer_email],
        reply_to=[user.email] if getattr(user, "email", "") else None,
    )
    message.attach(
        f"demande-agrement-{request.customer.account_number}.pdf", cover_request_pdf(request), "application/pdf"
    )
    message.send()


@transaction.atomic
def cover_request_dismiss(*, request: CoverRequest, user: Any, reason: str = "") -> CoverRequest:
    require(user, "insurance.manage")
    if request.status != CoverRequest.Status.PENDING:
        raise InvalidTransition(f"cover request {request.pk} is {request.status}, not pending")
    request.status = CoverRequest.Status.DISMISSED
    request.save(update_fields=["status"])
    audit_record(
        actor=user,
        action="insurance.cover_request_dismiss",
        obj=request,
        customer_id=request.customer_id,
        note=reason,
    )
    return request
