"""SLA escalation and the daily digest, sent by email (Django's SMTP backend).

Escalation: the first day after its SLA a dispute's owner is emailed (level 1);
``MANAGER_GRACE_DAYS`` later the owner's manager (``accounts.User.manager``) is (level 2).
Without an owner, or an owner without a manager, the credit managers of the dispute's legal
entity receive that email instead, so an overdue dispute always reaches someone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from encours.accounts.models import Role
from encours.audit.services import audit_record
from encours.core import disputes as rules
from encours.disputes.models import ACTIVE_STATUSES, Dispute, Event
from encours.disputes.services import event_add, notify


@dataclass(frozen=True, slots=True)
class Sent:
    recipient: str
    disputes: tuple[int, ...]


def _credit_managers(entity_id: int) -> list[Any]:
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    return list(users.filter(role=Role.CREDIT_MANAGER).filter(Q(entities=entity_id)).distinct())


def _recipients(dispute: Dispute, level: int) -> list[Any]:
    owner = dispute.owner if dispute.owner_id and dispute.owner.email and dispute.owner.is_active else None
    if level == 1 and owner is not None:
        return [owner]
    manager = owner.manager if owner is not None and owner.manager_id else None
    if level == 2 and manager is not None and manager.email and manager.is_active:
        return [manager]
    return _credit_managers(dispute.entity_id)


def _send(user: Any, subject: str, template: str, context: dict[str, Any], connection: Any) -> None:
    with translation.override(getattr(user, "language", None) or settings.LANGUAGE_CODE):
        body = render_to_string(template, {**context, "user": user, "site_url": _site()})
        EmailMessage(str(subject), body, to=[user.email], connection=connection).send()


def _site() -> str:
    return getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def disputes_escalate(*, as_of: date, actor: Any = "system") -> list[Sent]:
    """Email the owner (then the manager) of every dispute past its SLA, once per level."""
    overdue = (
        Dispute.objects.filter(status__in=ACTIVE_STATUSES, sla_due_on__lt=as_of, escalation_level__lt=2)
        .select_related("owner__manager", "customer", "reason")
        .order_by("sla_due_on", "pk")
    )
    todo: dict[Any, list[tuple[Dispute, int]]] = defaultdict(list)
    raised: list[tuple[Dispute, int]] = []
    for dispute in overdue:
        level = rules.escalation_level(due_on=dispute.sla_due_on, as_of=as_of)
        if level <= dispute.escalation_level:
            continue
        for step in range(dispute.escalation_level + 1, level + 1):
            for person in _recipients(dispute, step):
                todo[person].append((dispute, step))
        raised.append((dispute, level))
    sent: list[Sent] = []
    connection = get_connection()
    for person, lines in todo.items():
        with translation.override(person.language or settings.LANGUAGE_CODE):
            subject = _("%(count)s dispute(s) past their SLA") % {"count": len(lines)}
            _send(person, subject, "disputes/email_escalation.txt", {"lines": lines, "as_of": as_of}, connection)
        sent.append(Sent(person.email, tuple(d.pk for d, _ in lines)))
    with transaction.atomic():
        for dispute, level in raised:
            before = dispute.escalation_level
            dispute.escalation_level = level
            dispute.save(update_fields=["escalation_level", "updated_at"])
            who = ", ".join(
                sorted({p.get_username() for p, ls in todo.items() if any(d.pk == dispute.pk for d, _ in ls)})
            )
            event_add(dispute=dispute, kind=Event.Kind.ESCALATED, user=actor, on=as_of, body=f"{level}: {who}")
            if dispute.owner_id:
                notify(user=dispute.owner, dispute=dispute, kind="escalated", message=f"SLA {dispute.sla_due_on}")
            audit_record(
                actor=actor,
                action="dispute.escalate",
                obj=dispute,
                customer_id=dispute.customer_id,
                entity_id=dispute.entity_id,
                before={"escalation_level": before},
                after={"escalation_level": level, "recipients": who},
            )
    return sent


def disputes_digest(*, as_of: date, actor: Any = "system") -> list[Sent]:
    """One email per owner listing their active disputes, the overdue ones first."""
    active = (
        Dispute.objects.filter(status__in=ACTIVE_STATUSES, owner__isnull=False, owner__is_active=True)
        .exclude(owner__email="")
        .select_related("owner", "customer", "reason")
        .order_by("owner_id", "sla_due_on", "pk")
    )
    per_owner: dict[Any, list[Dispute]] = defaultdict(list)
    for dispute in active:
        per_owner[dispute.owner].append(dispute)
    sent: list[Sent] = []
    connection = get_connection()
    for owner, disputes in per_owner.items():
        overdue = [d for d in disputes if d.sla_due_on < as_of]
        with translation.override(owner.language or settings.LANGUAGE_CODE):
            subject = _("Your open disputes: %(count)s, %(overdue)s past their SLA") % {
                "count": len(disputes),
                "overdue": len(overdue),
            }
            context = {"disputes": disputes, "overdue": overdue, "as_of": as_of}
            _send(owner, subject, "disputes/email_digest.txt", context, connection)
        sent.append(Sent(owner.email, tuple(d.pk for d in disputes)))
    audit_record(
        actor=actor,
        action="dispute.digest",
        object_type="disputes.digest",
        after={"as_of": as_of, "recipients": [s.recipient for s in sent]},
    )
    return sent
