"""The daily risk run: grade every customer, store the grade, keep the early-warning alerts up to
date, send the digest.

Per chunk of customers a handful of grouped queries feed the core (``grading``,
``risk_alerts``); alerts are open problems (``encours.risk.alerting``): one open alert per
customer and kind, refreshed while the condition lasts and closed when it ends, so running the
same day twice raises nothing new. The payer-index drop compares today's index with the stored
indexes of the three previous month ends. The digest shows only what is new or worse.
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
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.utils import translation

from encours import contracts
from encours.audit.services import audit_record
from encours.core.credit import compute_exposure
from encours.core.money import ZERO, quantize
from encours.core.payer import OpenItem, PayerIndexPoint, PayerIndexTrend, add_months
from encours.core.risk_alerts import Alert, AlertInputs, risk_alerts
from encours.core.terms import end_of_month
from encours.ledger.models import Customer, Item, ItemType
from encours.ledger.queries import allocations_after
from encours.ledger.selectors import customers_for
from encours.ledger.services.blocks import blocks_lift_paid
from encours.risk import selectors
from encours.risk.alerting import (
    SEVERITY_RANK,
    AlertCounts,
    CustomerState,
    LimitReviewFinding,
    NoLimitFinding,
    alerts_store,
    limit_review_finding,
    no_limit_finding,
)
from encours.risk.models import GradeSnapshot, RiskAlert

CHUNK = 2000
DIGEST_LIMIT = 200


@dataclass(slots=True)
class DailyReport:
    as_of: date
    customers: int = 0
    graded: int = 0
    alerts: int = 0  # newly opened
    blocks_lifted: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    changes: AlertCounts = field(default_factory=AlertCounts)
    open_alerts: int = 0
    no_limit: NoLimitFinding | None = None
    limit_review: LimitReviewFinding | None = None


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


def _open_items(ids: list[int], as_of: date, *, current_state: bool) -> dict[int, list[OpenItem]]:
    """The invoices open on ``as_of``: a run dated in the past (the demo's history, a catch-up) sees
    what was open then, not what is still open today, so its overdue amounts are those of that day."""
    found: dict[int, list[OpenItem]] = defaultdict(list)
    rows = (
        Item.objects.filter(customer_id__in_array=ids, type=ItemType.INVOICE)
        .open_on(as_of, current_state=current_state)
        .filter(open_on__gt=0)
        .values_list("customer_id", "number", "open_on", "fx_rate", "due_date")
    )
    for customer_id, number, amount, fx, due in rows:
        found[customer_id].append(OpenItem(reference=number, open_amount=amount * fx, due_date=due))
    return found


def risk_daily_run(*, as_of: date, customers: Any = None, progress: Any = None) -> DailyReport:
    """Grade, store and alert for ``customers`` (default: every customer) on ``as_of``."""
    everyone = customers is None
    customers = customers if customers is not None else Customer.objects.all()
    ids = list(customers.order_by("pk").values_list("pk", flat=True))
    report = DailyReport(as_of)
    # first, so that today's grades and alerts see the customers whose dunning block the payments lifted
    report.blocks_lifted = len(blocks_lift_paid(as_of=as_of, customer_ids=None if everyone else ids))
    previous_run = GradeSnapshot.objects.filter(on__lt=as_of).aggregate(last=Max("on"))["last"]
    settings = selectors.current_settings()
    current_state = not allocations_after(as_of)  # else open amounts are rebuilt from the allocations
    for start in range(0, len(ids), CHUNK):
        _run_chunk(ids[start : start + CHUNK], as_of=as_of, previous_run=previous_run, settings=settings,
                   report=report, current_state=current_state)  # fmt: skip
        if progress is not None:
            progress(report.customers, len(ids), f"{report.customers} / {len(ids)} customers graded")
    report.open_alerts = RiskAlert.objects.filter(customer_id__in_array=ids, closed_on__isnull=True).count()
    report.no_limit = no_limit_finding(customers=customers, as_of=as_of, threshold=settings.no_limit_threshold)
    report.limit_review = limit_review_finding(
        customers=customers, as_of=as_of, days=settings.limit_review_days, since=previous_run
    )
    audit_record(actor="risk-daily", action="risk.daily_run", object_type="risk.run", object_id=as_of.isoformat(),
                 after={"customers": report.customers, "graded": report.graded, "alerts": report.alerts,
                        "worse": report.changes.worse, "closed": report.changes.closed,
                        "open_alerts": report.open_alerts,
                        "no_limit": report.no_limit.customers if report.no_limit else 0,
                        "limits_to_review": report.limit_review.limits if report.limit_review else 0,
                        "blocks_lifted": report.blocks_lifted})  # fmt: skip
    return report


@transaction.atomic
def _run_chunk(
    ids: list[int], *, as_of: date, previous_run: date | None, settings: Any, report: DailyReport, current_state: bool
) -> None:
    chunk = list(Customer.objects.filter(pk__in_array=ids))
    risks = selectors.customer_risks(chunk, as_of=as_of, settings=settings)
    figures = selectors.exposure_figures(ids)
    guarantees = selectors.guarantees_by_customer(ids)
    limits = selectors.current_limits(ids, as_of=as_of)
    covers = contracts.covers(customer_ids=ids, as_of=as_of)
    open_items = _open_items(ids, as_of, current_state=current_state)
    history: dict[int, list[GradeSnapshot]] = defaultdict(list)
    since = add_months(as_of, -4)
    for snapshot in GradeSnapshot.objects.filter(customer_id__in_array=ids, on__lt=as_of, on__gte=since).order_by(
        "-on"
    ):
        history[snapshot.customer_id].append(snapshot)
    previous = selectors.latest_snapshots(ids, as_of=as_of - timedelta(days=1))
    config = selectors.alert_config(settings)
    snapshots = []
    raised: dict[int, tuple[Alert, ...]] = {}
    states: dict[int, CustomerState] = {}
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
            payer_index=before.payer_index if before else None,  # its habit before today's overdue
            open_items=tuple(items),
            previous_overdue_amount=before.overdue_amount if before else None,
            currency=customer.currency,
        )
        raised[customer.pk] = risk_alerts(inputs=inputs, as_of=as_of, config=config)
        states[customer.pk] = CustomerState(exposure=exposure.net, grade=letter or None, overdue=overdue)
        snapshots.append(GradeSnapshot(
            customer=customer, on=as_of, letter=letter, score=grade.score if grade else None,
            payer_index=payer_value, overdue_amount=overdue, net_exposure=exposure.net,
            explanation=[{"factor": c.factor.value, "points": str(c.points), "detail": c.detail}
                         for c in (grade.contributions if grade else ())],
        ))  # fmt: skip
        report.graded += int(bool(letter))
    GradeSnapshot.objects.filter(customer_id__in_array=ids, on=as_of).delete()
    GradeSnapshot.objects.bulk_create(snapshots, batch_size=1000)
    counts = alerts_store(customers=chunk, raised=raised, states=states, as_of=as_of)
    report.changes.add(counts)
    for kind, count in counts.opened_by_kind.items():
        report.by_kind[kind] += count
    report.customers += len(chunk)
    report.alerts += counts.opened


# ---------------------------------------------------------------- digest


def send_digest(*, as_of: date) -> int:
    """Email each credit manager (and admin) only what is new or worse on ``as_of`` in their scope:
    alerts opened, open alerts that got more severe, the no-limit finding when it grew and the
    limits to review when new ones came into the notice. Returns the number of messages sent."""
    from encours.accounts.models import Role, User

    sent = 0
    settings = selectors.current_settings()
    threshold = settings.no_limit_threshold
    previous_run = GradeSnapshot.objects.filter(on__lt=as_of).aggregate(last=Max("on"))["last"]
    recipients = User.objects.filter(is_active=True, role__in=(Role.CREDIT_MANAGER, Role.ADMIN)).exclude(email="")
    for user in recipients:
        scope = customers_for(user)
        fresh = (
            RiskAlert.objects.filter(customer__in=scope, closed_on__isnull=True)
            .filter(Q(worsened_on=as_of) | Q(raised_on=as_of))
            .annotate(rank=SEVERITY_RANK)
            .select_related("customer")
            .order_by("-rank", "-exposure", "pk")[:DIGEST_LIMIT]
        )
        new = [a for a in fresh if a.raised_on == as_of]
        worse = [a for a in fresh if a.raised_on != as_of]
        finding = no_limit_finding(customers=scope, as_of=as_of, threshold=threshold)
        if finding is not None and not (finding.on == as_of and finding.worse):
            finding = None
        review = limit_review_finding(customers=scope, as_of=as_of, days=settings.limit_review_days,
                                      since=previous_run)  # fmt: skip
        if review is not None and not review.worse:
            review = None
        if not new and not worse and finding is None and review is None:
            continue
        with translation.override(user.language or django_settings.LANGUAGE_CODE):
            context = {"user": user, "as_of": as_of, "new": new, "worse": worse, "finding": finding,
                       "review": review, "count": len(new) + len(worse)}  # fmt: skip
            subject = render_to_string("risk/digest_subject.txt", context).strip()
            body = render_to_string("risk/digest_email.txt", context)
        send_mail(subject, body, None, [user.email])
        sent += 1
    return sent
