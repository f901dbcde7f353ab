"""Writes of the risk app: each validates, runs in one transaction and leaves one audit entry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone

from encours.accounts.permissions import can, require
from encours.audit.services import audit_record
from encours.core.bounds import figure_problem
from encours.core.errors import InvalidAmount, PermissionDenied, ValidationFailed
from encours.core.grading import GradeWeights, GradingConfig
from encours.core.money import quantize
from encours.core.risk_alerts import EVENT_KINDS
from encours.core.scoring import AltmanThresholds, ConanHolderThresholds
from encours.core.statements import NON_NEGATIVE_FIELDS
from encours.ledger.models import Customer, CustomerGroup
from encours.ledger.selectors import customers_for
from encours.risk.models import (
    STATEMENT_FIELDS,
    Company,
    CreditLimit,
    FinancialStatement,
    Guarantee,
    HeldOrder,
    LimitStatus,
    RiskAlert,
    RiskSettings,
)

# Who may approve how much (functional currency); None: no ceiling. Admins approve anything.
DEFAULT_APPROVAL_THRESHOLDS: dict[str, Decimal | None] = {
    "regional_director": Decimal(50_000),
    "credit_manager": Decimal(500_000),
    "admin": None,
}


def approval_thresholds() -> dict[str, Decimal | None]:
    configured = getattr(django_settings, "RISK_LIMIT_APPROVAL_THRESHOLDS", None) or {}
    merged = dict(DEFAULT_APPROVAL_THRESHOLDS)
    merged.update({role: None if v is None else Decimal(str(v)) for role, v in configured.items()})
    return merged


def approval_ceiling(user: Any) -> Decimal | None:
    """The largest limit ``user`` may approve (None: any amount); raises when they may approve none."""
    if getattr(user, "is_admin", False):
        return None
    if not can(user, "risk.approve_limit"):
        raise PermissionDenied(f"{user} may not approve credit limits")
    thresholds = approval_thresholds()
    if user.role not in thresholds:
        raise PermissionDenied(f"no approval threshold for the role {user.role}")
    return thresholds[user.role]


def may_approve(user: Any, amount: Decimal) -> bool:
    try:
        ceiling = approval_ceiling(user)
    except PermissionDenied:
        return False
    return ceiling is None or amount <= ceiling


# ---------------------------------------------------------------- statements


@transaction.atomic
def statement_save(
    *,
    siren: str,
    year: int,
    values: dict[str, Decimal | None],
    user: Any,
    name: str = "",
    closed_on: date | None = None,
) -> FinancialStatement:
    require(user, "risk.edit")
    known = {field for field, _ in STATEMENT_FIELDS}
    unknown = set(values) - known
    if unknown:
        raise ValidationFailed(f"unknown statement field(s): {', '.join(sorted(unknown))}")
    problems = [
        f"{field_name}: {problem}"
        for field_name, value in values.items()
        if value is not None
        and (problem := figure_problem(field_name, Decimal(value), non_negative=field_name in NON_NEGATIVE_FIELDS))
    ]
    if problems:
        raise ValidationFailed("; ".join(problems))
    company, _ = Company.objects.get_or_create(siren=siren, defaults={"name": name[:200]})
    row = FinancialStatement.objects.filter(company=company, year=year).first()
    before = {k: getattr(row, k) for k in values} if row else None
    if row is None:
        row = FinancialStatement(company=company, year=year)
    for field_name, value in values.items():
        setattr(row, field_name, value)
    if closed_on:
        row.closed_on = closed_on
    row.source = "entry form"
    row.save()
    audit_record(actor=user, action="risk.statement.save", obj=row, before=before, after=values,
                 note=f"{siren} {year}")  # fmt: skip
    return row


# ---------------------------------------------------------------- settings


@transaction.atomic
def settings_save(*, user: Any, **values: Any) -> RiskSettings:
    """A new version of the grade weights and thresholds, validated by the core's own rules."""
    require(user, "risk.edit")
    from encours.risk.selectors import current_settings

    previous = current_settings()
    fields = [f.name for f in RiskSettings._meta.fields if f.name not in ("id", "created_at", "created_by")]
    unknown = set(values) - set(fields)
    if unknown:
        raise ValidationFailed(f"unknown setting(s): {', '.join(sorted(unknown))}")
    row = RiskSettings(**{f: values.get(f, getattr(previous, f)) for f in fields}, created_by=user)
    settings_check(row=row)
    row.save()
    audit_record(
        actor=user,
        action="risk.settings.save",
        obj=row,
        before={f: getattr(previous, f) for f in fields},
        after={f: getattr(row, f) for f in fields},
    )
    return row


def settings_check(*, row: RiskSettings) -> None:
    """Raise ValidationFailed unless the core accepts these weights and thresholds."""
    GradeWeights(
        financial=row.weight_financial, payer=row.weight_payer, external_rating=row.weight_external_rating,
        legal=row.weight_legal, seniority=row.weight_seniority,
    )  # fmt: skip
    GradingConfig(grade_floors=(("A", row.floor_a), ("B", row.floor_b), ("C", row.floor_c), ("D", row.floor_d)))
    AltmanThresholds(safe_above=row.altman_safe_above, grey_from=row.altman_grey_from)
    ConanHolderThresholds(
        safe_above=row.conan_safe_above, grey_from=row.conan_grey_from, alert_from=row.conan_alert_from
    )
    if row.reject_overdue_days < row.hold_overdue_days:
        raise ValidationFailed("orders must be held before they are rejected: reject days ≥ hold days")
    if row.over_limit_tolerance_percent < 0 or row.over_limit_tolerance_amount < 0:
        raise ValidationFailed("the over-limit tolerance cannot be negative")


# ---------------------------------------------------------------- limits


@transaction.atomic
def limit_request(
    *,
    user: Any,
    amount: Decimal,
    customer: Customer | None = None,
    group: CustomerGroup | None = None,
    valid_from: date | None = None,
    expires_on: date | None = None,
    comment: str = "",
    recommended: Decimal | None = None,
) -> CreditLimit:
    require(user, "risk.request_limit", customer=customer)
    if (customer is None) == (group is None):
        raise ValidationFailed("a limit is for one customer or one group")
    if amount < 0:
        raise InvalidAmount("a credit limit cannot be negative")
    valid_from = valid_from or timezone.localdate()
    if expires_on is not None and expires_on < valid_from:
        raise ValidationFailed("the limit cannot expire before it starts")
    currency = customer.entity.currency if customer else "EUR"
    limit = CreditLimit.objects.create(
        customer=customer, group=group, amount=quantize(amount, currency), currency=currency,
        valid_from=valid_from, expires_on=expires_on, requested_by=user, requested_at=timezone.now(),
        request_comment=comment[:500], recommended=recommended,
    )  # fmt: skip
    audit_record(
        actor=user, action="risk.limit.request", obj=limit, customer_id=customer.pk if customer else None,
        entity_id=customer.entity_id if customer else None,
        after={"amount": str(limit.amount), "valid_from": str(valid_from), "expires_on": str(expires_on or "")},
        note=comment,
    )  # fmt: skip
    return limit


@transaction.atomic
def limit_decide(*, limit: CreditLimit, user: Any, approve: bool, comment: str = "") -> CreditLimit:
    """Approve (within the approver's threshold) or reject a requested limit."""
    require(user, "risk.approve_limit", customer=limit.customer_id)
    limit = CreditLimit.objects.select_for_update().get(pk=limit.pk)
    if limit.status != LimitStatus.REQUESTED:
        raise ValidationFailed(f"this limit was already {limit.status}")
    ceiling = approval_ceiling(user)
    if approve and ceiling is not None and limit.amount > ceiling:
        raise PermissionDenied(
            f"{user} may approve limits up to {ceiling} only; {limit.amount} needs a higher approver"
        )
    limit.status = LimitStatus.APPROVED if approve else LimitStatus.REJECTED
    limit.decided_by, limit.decided_at, limit.decision_comment = user, timezone.now(), comment[:500]
    limit.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    customer = limit.customer
    audit_record(
        actor=user, action="risk.limit.approve" if approve else "risk.limit.reject", obj=limit,
        customer_id=customer.pk if customer else None, entity_id=customer.entity_id if customer else None,
        before={"status": LimitStatus.REQUESTED}, after={"status": limit.status, "amount": str(limit.amount)},
        note=comment,
    )  # fmt: skip
    return limit


# ---------------------------------------------------------------- guarantees


@transaction.atomic
def guarantee_create(
    *,
    customer: Customer,
    user: Any,
    kind: str,
    amount: Decimal,
    expires_on: date | None = None,
    valid_from: date | None = None,
    issuer: str = "",
    reference: str = "",
) -> Guarantee:
    require(user, "risk.edit", customer=customer)
    if amount < 0:
        raise InvalidAmount("a guarantee cannot be negative")
    if expires_on and valid_from and expires_on < valid_from:
        raise ValidationFailed("the guarantee cannot expire before it starts")
    guarantee = Guarantee.objects.create(
        customer=customer, kind=kind, amount=quantize(amount, customer.currency), currency=customer.currency,
        expires_on=expires_on, valid_from=valid_from, issuer=issuer[:120], reference=reference[:80], created_by=user,
    )  # fmt: skip
    audit_record(
        actor=user, action="risk.guarantee.create", obj=guarantee, customer_id=customer.pk,
        entity_id=customer.entity_id,
        after={"kind": kind, "amount": str(guarantee.amount), "expires_on": str(expires_on or "")},
    )  # fmt: skip
    return guarantee


@transaction.atomic
def guarantee_delete(*, guarantee: Guarantee, user: Any) -> None:
    require(user, "risk.edit", customer=guarantee.customer_id)
    audit_record(
        actor=user, action="risk.guarantee.delete", obj=guarantee, customer_id=guarantee.customer_id,
        before={"kind": guarantee.kind, "amount": str(guarantee.amount)},
    )  # fmt: skip
    guarantee.delete()


# ---------------------------------------------------------------- held orders


@transaction.atomic
def held_order_create(
    *,
    customer: Customer,
    user: Any,
    amount: Decimal,
    currency: str,
    reference: str,
    reasons: list[dict[str, str]],
    exposure: Decimal,
    limit: Decimal | None,
) -> HeldOrder:
    require(user, "risk.credit_check", customer=customer)
    order = HeldOrder.objects.create(
        customer=customer, entity_id=customer.entity_id, reference=reference[:80], amount=amount, currency=currency,
        reasons=reasons, exposure=exposure, limit=limit, requested_by=user,
    )  # fmt: skip
    audit_record(
        actor=user, action="risk.order.hold", obj=order, customer_id=customer.pk, entity_id=customer.entity_id,
        after={"amount": str(amount), "reasons": [r["code"] for r in reasons]},
    )  # fmt: skip
    return order


@transaction.atomic
def held_order_decide(*, order: HeldOrder, user: Any, release: bool, comment: str) -> HeldOrder:
    require(user, "risk.edit", customer=order.customer_id)
    if not comment.strip():
        raise ValidationFailed("a comment is required to release or cancel a held order")
    order = HeldOrder.objects.select_for_update().get(pk=order.pk)
    if order.status != HeldOrder.Status.HELD:
        raise ValidationFailed(f"this order is already {order.status}")
    order.status = HeldOrder.Status.RELEASED if release else HeldOrder.Status.CANCELLED
    order.decided_by, order.decided_at, order.comment = user, timezone.now(), comment.strip()[:500]
    order.save(update_fields=["status", "decided_by", "decided_at", "comment"])
    audit_record(
        actor=user, action="risk.order.release" if release else "risk.order.cancel", obj=order,
        customer_id=order.customer_id, entity_id=order.entity_id,
        before={"status": HeldOrder.Status.HELD}, after={"status": order.status}, note=comment,
    )  # fmt: skip
    return order


# ---------------------------------------------------------------- alerts


@transaction.atomic
def alert_assign(*, alert: RiskAlert, user: Any, assignee: Any) -> RiskAlert:
    require(user, "risk.edit", customer=alert.customer_id)
    before = {"assigned_to": alert.assigned_to.get_username() if alert.assigned_to else ""}
    alert.assigned_to = assignee
    alert.save(update_fields=["assigned_to"])
    audit_record(
        actor=user, action="risk.alert.assign", obj=alert, customer_id=alert.customer_id, before=before,
        after={"assigned_to": assignee.get_username() if assignee else ""},
    )  # fmt: skip
    return alert


@transaction.atomic
def alert_acknowledge(*, alert: RiskAlert, user: Any, comment: str = "") -> RiskAlert:
    if not (can(user, "risk.edit") or (alert.assigned_to_id and alert.assigned_to_id == user.pk)):
        raise PermissionDenied(f"{user} may not acknowledge this alert")
    if not customers_for(user).filter(pk=alert.customer_id).exists():
        raise PermissionDenied(f"{user} may not acknowledge an alert on a customer outside their scope")
    if alert.acknowledged_at is not None:
        raise ValidationFailed("this alert was already acknowledged")
    alert.acknowledged_by, alert.acknowledged_at, alert.comment = user, timezone.now(), comment[:500]
    if alert.kind in EVENT_KINDS and alert.closed_on is None:
        alert.closed_on = timezone.localdate()  # a one-off fact, seen and handled: the problem is closed
    alert.save(update_fields=["acknowledged_by", "acknowledged_at", "comment", "closed_on"])
    audit_record(
        actor=user, action="risk.alert.acknowledge", obj=alert, customer_id=alert.customer_id,
        after={"acknowledged": True}, note=comment,
    )  # fmt: skip
    return alert
