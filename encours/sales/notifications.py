"""What a sales rep is told: his customers downgraded, their orders held, their accounts blocked.

The facts stay where their apps write them (risk alerts, held orders, customer blocks); a collect
turns the facts of a day into one notification per rep and fact (a unique key: collecting twice
tells nothing twice). It runs with the daily risk run, before the digest, and for the rep himself
when he opens a page, so an order held at ten is in his list at ten past. The digest emails each rep
what he has not been emailed yet.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.conf import settings as django_settings
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from encours.accounts.models import Role
from encours.core.risk_alerts import AlertKind
from encours.ledger.models import Customer, CustomerBlock
from encours.risk.models import HeldOrder, RiskAlert
from encours.sales.models import RepNotification

DIGEST_DAYS = 7  # a notification older than this is in the app only, never emailed late
DIGEST_LIMIT = 200


def _facts(customers: Any, as_of: date) -> list[RepNotification]:
    kind = RepNotification.Kind
    rows = []
    downgrades = RiskAlert.objects.filter(kind=AlertKind.GRADE_DOWNGRADE, customer__in=customers).filter(
        Q(raised_on=as_of) | Q(worsened_on=as_of)
    )
    for pk, customer_id, rep_id, message, key in downgrades.values_list(
        "pk", "customer_id", "customer__sales_rep_id", "message", "key"
    ):
        rows.append(RepNotification(user_id=rep_id, customer_id=customer_id, kind=kind.DOWNGRADE, detail=message,
                                    on=as_of, key=f"downgrade:{key or pk}"[:120]))  # fmt: skip
    held = HeldOrder.objects.filter(customer__in=customers, created_at__date=as_of, status=HeldOrder.Status.HELD)
    for order in held.values("pk", "customer_id", "customer__sales_rep_id", "reference", "amount", "currency"):
        detail = f"{order['reference'] or order['pk']} · {order['amount']:.2f} {order['currency']}"
        rows.append(RepNotification(user_id=order["customer__sales_rep_id"], customer_id=order["customer_id"],
                                    kind=kind.HELD, detail=detail, on=as_of, key=f"held:{order['pk']}"))  # fmt: skip
    blocks = CustomerBlock.objects.filter(customer__in=customers, blocked_on=as_of, lifted_at__isnull=True)
    for pk, customer_id, rep_id, detail in blocks.values_list("pk", "customer_id", "customer__sales_rep_id", "detail"):
        rows.append(RepNotification(user_id=rep_id, customer_id=customer_id, kind=kind.BLOCKED, detail=detail[:300],
                                    on=as_of, key=f"blocked:{pk}"))  # fmt: skip
    return rows


def _untold(*, as_of: date, rep: Any = None) -> list[RepNotification]:
    """The day's facts not told yet (unsaved notifications)."""
    customers = Customer.objects.filter(sales_rep__isnull=False, sales_rep__is_active=True)
    if rep is not None:
        customers = customers.filter(sales_rep=rep)
    rows = _facts(customers, as_of)
    if not rows:
        return []
    known = set(RepNotification.objects.filter(key__in=[r.key for r in rows]).values_list("user_id", "key"))
    return [r for r in rows if (r.user_id, r.key) not in known]


def rep_notifications_collect(*, as_of: date, rep: Any = None) -> int:
    """Notify the reps of the day's facts on their customers (``rep``: his customers only).
    Returns the number of new notifications."""
    fresh = _untold(as_of=as_of, rep=rep)
    RepNotification.objects.bulk_create(fresh, ignore_conflicts=True)  # a concurrent collect told it already
    return len(fresh)


def is_rep(user: Any) -> bool:
    return bool(user.role == Role.SALES_REP and not user.is_admin)


def notifications_of(user: Any, limit: int = 200) -> list[RepNotification]:
    """A user's notifications, newest first; a rep's start with today's facts not collected yet
    (shown unsaved: reading the list writes nothing)."""
    untold = _untold(as_of=timezone.localdate(), rep=user) if is_rep(user) else []
    names = Customer.objects.in_bulk([r.customer_id for r in untold]) if untold else {}
    for row in untold:
        row.customer = names[row.customer_id]
    stored = RepNotification.objects.filter(user=user).select_related("customer")[: max(limit - len(untold), 0)]
    return [*untold, *stored]


def unread_count(user: Any) -> int:
    """The badge of the menu: a rep's notifications not read yet, with today's facts not collected
    yet (counted, not written: a page that only reads writes nothing)."""
    unread = RepNotification.objects.filter(user=user, read_at__isnull=True).count()
    if is_rep(user):
        unread += len(_untold(as_of=timezone.localdate(), rep=user))
    return unread


def send_rep_digest(*, as_of: date) -> int:
    """Email each rep the notifications he has not been emailed (the last week's), once.
    Returns the number of messages sent."""
    rep_notifications_collect(as_of=as_of)
    pending = (
        RepNotification.objects.filter(
            emailed_at__isnull=True, on__lte=as_of, on__gt=as_of - timedelta(days=DIGEST_DAYS)
        )
        .filter(user__is_active=True)
        .exclude(user__email="")
        .select_related("user", "customer")
        .order_by("user_id", "-on", "pk")
    )
    by_user: dict[int, list[RepNotification]] = defaultdict(list)
    for row in pending:
        if len(by_user[row.user_id]) < DIGEST_LIMIT:
            by_user[row.user_id].append(row)
    sent = 0
    for rows in by_user.values():
        user = rows[0].user
        with translation.override(user.language or django_settings.LANGUAGE_CODE):
            context = {"user": user, "as_of": as_of, "notifications": rows, "count": len(rows)}
            subject = render_to_string("sales/digest_subject.txt", context).strip()
            body = render_to_string("sales/digest_email.txt", context)
        send_mail(subject, body, None, [user.email])
        RepNotification.objects.filter(pk__in=[r.pk for r in rows]).update(emailed_at=timezone.now())
        sent += 1
    return sent
