"""The daily risk run: grade every customer, store the grade, raise early-warning alerts, send
the digest.

Per chunk of customers a handful of grouped queries feed the core (``grading``,
``risk_alerts``); each alert is stored once under its stable key, so running the same day
twice raises nothing new. The payer-index drop compares today's index with the stored
indexes of the three previous month ends.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings as django_settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import translation

from encours.audit.services import audit_record
from encours.core.credit import compute_exposure
from encours.core.money import ZERO, quantize
from encours.core.payer import OpenItem, PayerIndexPoint, PayerIndexTrend, add_months
from encours.core.risk_alerts import AlertInputs, risk_alerts
from encours.core.terms import end_of_month
from encours.ledger.models import Customer, Item, ItemType
from encours.ledger.selectors import customers_for
from encours.risk import selectors
from encours.risk.models import GradeSnapshot, RiskAlert
from encours.web import hooks

CHUNK = 2000


@dataclass(slots=True)
class DailyReport:
    as_of: date
    customers: int = 0
    graded: int = 0
    alerts: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _payer_trend(history: list[GradeSnapshot], today: Decimal | None, as_of: date) -> PayerIndexTrend | None:
    """Today's index after the stored index of each of the three previous month ends."""
    if today is None:
        return None
    points = []
    for back in (3, 2, 1):
        month_end = end_of_month(add_months(as_of, -back))
        stored = next((s for s in history if s.on <= month_end), None)
        value = stored.payer_index if stored is not None and (month_end - stored.on).days <= 31 else None
        points.append(PayerIndexPoint(on=month_end, value=value, amount=ZERO))
    points.append(PayerIndexPoint(on=as_of, value=today, amount=ZERO))
    return PayerIndexTrend(points=tuple(points), slope_per_month=None, change_over_year=None, direction=None)


def _open_items(ids: list[int], as_of: date) -> dict[int, list[OpenItem]]:
    found: dict[int, list[OpenItem]] = defaultdict(list)
    rows = Item.objects.filter(
        customer_id__in_array=ids,
        type=ItemType.INVOICE,
        settled_on__isnull=True,
        open_amount__gt=0,
        document_date__lte=as_of,
    ).values_list("customer_id", "number", "open_amount", "fx_rate", "due_date")
    for customer_id, number, amount, fx, due in rows:
        found[customer_id].append(OpenItem(reference=number, open_amount=amount * fx, due_date=due))
    return found


def risk_daily_run(*, as_of: date, customers: Any = None, progress: Any = None) -> DailyReport:
    """Grade, store and alert for ``customers`` (default: every customer) on ``as_of``."""
    customers = customers if customers is not None else Customer.objects.all()
    ids = list(customers.order_by("pk").values_list("pk", flat=True))
    report = DailyReport(as_of)
    previous_run = GradeSnapshot.objects.filter(on__lt=as_of).aggregate(last=Max("on"))["last"]
    settings = selectors.current_settings()
    for start in range(0, len(ids), CHUNK):
        _run_chunk(ids[start : start + CHUNK], as_of=as_of, previous_run=previous_run, settings=settings, report=report)
        if progress is not None:
            progress(report.customers, len(ids), f"{report.customers} / {len(ids)} customers graded")
    audit_record(actor="risk-daily", action="risk.daily_run", object_type="risk.run", object_id=as_of.isoformat(),
                 after={"customers": report.customers, "graded": report.graded, "alerts": report.alerts})  # fmt: skip
    return report


@transaction.atomic
def _run_chunk(ids: list[int], *, as_of: date, previous_run: date | None, settings: Any, report: DailyReport) -> None:
    chunk = list(Customer.objects.filter(pk__in_array=ids))
    risks = selectors.customer_risks(chunk, as_of=as_of, settings=settings)
    figures = selectors.exposure_figures(ids)
    guarantees = selectors.guarantees_by_customer(ids)
    limits = selectors.current_limits(ids, as_of=as_of)
    covers = hooks.covers(customer_ids=ids, as_of=as_of)
    open_items = _open_items(ids, as_of)
    history: dict[int, list[GradeSnapshot]] = defaultdict(list)
    since = add_months(as_of, -4)
    for snapshot in GradeSnapshot.objects.filter(customer_id__in_array=ids, on__lt=as_of, on__gte=since).order_by(
        "-on"
    ):
        history[snapshot.customer_id].append(snapshot)
    previous = selectors.latest_snapshots(ids, as_of=as_of - timedelta(days=1))
    snapshots = []
    known_keys = set(RiskAlert.objects.filter(customer_id__in_array=ids).values_list("key", flat=True))
    new_alerts = []
    for customer in chunk:
        risk = risks[customer.pk]
        f = figures.get(customer.pk, selectors.ExposureFigures())
        exposure = compute_exposure(
            open_ar=f.open_ar, open_orders=f.open_orders, uninvoiced_deliveries=f.uninvoiced_deliveries,
            guarantees=[selectors.core_guarantee(g) for g in guarantees.get(customer.pk, [])], as_of=as_of,
        )  # fmt: skip
        items = open_items.get(customer.pk, [])
        overdue = quantize(sum((i.open_amount for i in items if i.due_date < as_of), ZERO))
        grade = risk.grade
        letter = grade.letter if grade and grade.letter else ""
        payer_value = risk.payer.value if risk.payer else None
        before = previous.get(customer.pk)
        limit = limits.get(customer.pk)
        cover = covers.get(customer.pk)
        inputs = AlertInputs(
            customer_id=str(customer.pk),
            net_exposure=exposure.net,
            previous_check_on=previous_run,
            previous_grade=(before.letter or None) if before else None,
            grade=letter or None,
            payer_trend=_payer_trend(history.get(customer.pk, []), payer_value, as_of),
            limit=selectors.core_limit(limit) if limit else None,
            insured_cover=cover.granted if cover else None,
            guarantees=tuple(selectors.core_guarantee(g) for g in guarantees.get(customer.pk, [])),
            legal_events=tuple(selectors.core_event(e) for e in risk.events),
            is_key_account=customer.is_strategic,
            open_items=tuple(items),
            previous_overdue_amount=before.overdue_amount if before else ZERO,
            currency=customer.currency,
        )
        for alert in risk_alerts(inputs=inputs, as_of=as_of):
            if alert.key in known_keys:
                continue
            known_keys.add(alert.key)
            new_alerts.append(RiskAlert(customer=customer, kind=alert.kind.value, severity=alert.severity.value,
                                        message=alert.message[:500], key=alert.key[:200], raised_on=as_of))  # fmt: skip
            report.by_kind[alert.kind.value] += 1
        snapshots.append(GradeSnapshot(
            customer=customer, on=as_of, letter=letter, score=grade.score if grade else None,
            payer_index=payer_value, overdue_amount=overdue, net_exposure=exposure.net,
            explanation=[{"factor": c.factor.value, "points": str(c.points), "detail": c.detail}
                         for c in (grade.contributions if grade else ())],
        ))  # fmt: skip
        report.graded += int(bool(letter))
    GradeSnapshot.objects.filter(customer_id__in_array=ids, on=as_of).delete()
    GradeSnapshot.objects.bulk_create(snapshots, batch_size=1000)
    RiskAlert.objects.bulk_create(new_alerts, batch_size=1000)
    report.customers += len(chunk)
    report.alerts += len(new_alerts)


# ---------------------------------------------------------------- digest


def send_digest(*, as_of: date) -> int:
    """Email each credit manager (and admin) the alerts raised on ``as_of`` in their scope, and
    their open assigned ones. Returns the number of messages sent."""
    from encours.accounts.models import Role, User

    sent = 0
    recipients = User.objects.filter(is_active=True, role__in=(Role.CREDIT_MANAGER, Role.ADMIN)).exclude(email="")
    for user in recipients:
        scope = customers_for(user)
        new = list(RiskAlert.objects.filter(customer__in=scope, raised_on=as_of).select_related("customer")[:200])
        mine = list(
            RiskAlert.objects.filter(assigned_to=user, acknowledged_at__isnull=True)
            .exclude(raised_on=as_of)
            .select_related("customer")[:100]
        )
        if not new and not mine:
            continue
        with translation.override(user.language or django_settings.LANGUAGE_CODE):
            context = {"user": user, "as_of": as_of, "new": new, "mine": mine}
            subject = render_to_string("risk/digest_subject.txt", context).strip()
            body = render_to_string("risk/digest_email.txt", context)
        send_mail(subject, body, None, [user.email])
        sent += 1
    return sent
