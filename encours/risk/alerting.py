"""Alerts stored as open problems: one open alert per customer and kind, refreshed by each daily
run while its condition lasts, closed when it ends (``encours.core.risk_alerts.reconcile``).

A run reads the open alerts of a chunk of customers and the stored keys of today's facts in two
queries, then writes the changes in bulk. Customers above the threshold with no credit limit are
one portfolio finding, counted from the day's grade snapshots, not one alert each; so are the
limits expiring within the review notice (a worklist of limits to renew), while an expired limit
stays an alert of its customer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Case, Count, Exists, IntegerField, Max, OuterRef, Q, QuerySet, Sum, Value, When

from encours.core import risk_alerts as core
from encours.core.grading import is_downgrade
from encours.core.money import ZERO
from encours.risk.models import CreditLimit, GradeSnapshot, LimitStatus, RiskAlert

KEY_BATCH = 500
KINDS = frozenset(kind.value for kind in core.AlertKind)  # rows of other kinds are left as they are
SEVERITY_RANK = Case(
    *(When(severity=severity.value, then=Value(severity.rank)) for severity in core.Severity),
    default=Value(0),
    output_field=IntegerField(),
)
OPEN_FIELDS = ["severity", "message", "key", "updated_on", "worsened_on", "exposure", "acknowledged_at",
               "acknowledged_by", "closed_on"]  # fmt: skip


@dataclass(slots=True)
class AlertCounts:
    opened: int = 0
    worse: int = 0
    updated: int = 0
    closed: int = 0
    opened_by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, other: AlertCounts) -> None:
        self.opened, self.worse = self.opened + other.opened, self.worse + other.worse
        self.updated, self.closed = self.updated + other.updated, self.closed + other.closed
        for kind, count in other.opened_by_kind.items():
            self.opened_by_kind[kind] += count


@dataclass(frozen=True, slots=True)
class CustomerState:
    """What decides whether a one-off fact still matters for the customer today."""

    exposure: Decimal
    grade: str | None
    overdue: Decimal


def _open_alert(row: RiskAlert) -> core.OpenAlert:
    return core.OpenAlert(
        kind=core.AlertKind(row.kind),
        severity=core.Severity(row.severity),
        key=row.key,
        acknowledged=row.acknowledged_at is not None,
    )


def persisting_kinds(rows: Iterable[RiskAlert], state: CustomerState) -> frozenset[core.AlertKind]:
    """The event kinds still true: a legal event until acknowledged, a downgrade while the grade
    stays below the one before it, a key account's overdue while something is overdue."""
    kinds = {core.AlertKind.LEGAL_EVENT}
    for row in rows:
        if row.kind == core.AlertKind.GRADE_DOWNGRADE:
            before = row.key.rsplit(":", 1)[-1].split(">")[0]
            if is_downgrade(previous=before or None, current=state.grade):
                kinds.add(core.AlertKind.GRADE_DOWNGRADE)
    if state.overdue > 0:
        kinds.add(core.AlertKind.FIRST_OVERDUE_KEY_ACCOUNT)
    return frozenset(kinds)


def _known_keys(keys: Sequence[str]) -> frozenset[str]:
    found: set[str] = set()
    for start in range(0, len(keys), KEY_BATCH):
        found.update(RiskAlert.objects.filter(key__in=keys[start : start + KEY_BATCH]).values_list("key", flat=True))
    return frozenset(found)


def alerts_store(
    *,
    customers: Sequence[Any],
    raised: Mapping[int, Sequence[core.Alert]],
    states: Mapping[int, CustomerState],
    as_of: date,
) -> AlertCounts:
    """Apply today's alerts of ``customers`` to their open ones (inside the caller's transaction)."""
    ids = [c.pk for c in customers]
    open_rows: dict[int, list[RiskAlert]] = defaultdict(list)
    for row in RiskAlert.objects.filter(customer_id__in_array=ids, closed_on__isnull=True).order_by("pk"):
        open_rows[row.customer_id].append(row)
    known = _known_keys(sorted({a.key[:200] for alerts in raised.values() for a in alerts}))
    counts, created, changed = AlertCounts(), [], []
    for customer in customers:
        state = states[customer.pk]
        rows = {row.kind: row for row in open_rows.get(customer.pk, []) if row.kind in KINDS}
        today = [
            core.Alert(kind=a.kind, severity=a.severity, customer_id=a.customer_id, message=a.message, key=a.key[:200])
            for a in raised[customer.pk]
        ]
        changes = core.reconcile(
            open_alerts=[_open_alert(row) for row in rows.values()],
            raised=today,
            persisting=persisting_kinds(rows.values(), state),
            known_keys=known,
        )  # fmt: skip
        for change in changes:
            row = rows.pop(change.kind.value, None)
            if change.change is core.Change.OPEN:
                created.append(_new(customer, change.alert, state.exposure, as_of))
                counts.opened += 1
                counts.opened_by_kind[change.kind.value] += 1
            elif row is not None:
                _apply(row, change, state.exposure, as_of, counts)
                changed.append(row)
        for row in rows.values():  # lasting one-off facts: keep the exposure current for sorting
            row.exposure, row.updated_on = state.exposure, as_of
            changed.append(row)
    RiskAlert.objects.bulk_update(changed, OPEN_FIELDS, batch_size=500)
    RiskAlert.objects.bulk_create(created, batch_size=1000, ignore_conflicts=True)
    return counts


def _new(customer: Any, alert: core.Alert | None, exposure: Decimal, as_of: date) -> RiskAlert:
    assert alert is not None
    return RiskAlert(
        customer=customer, kind=alert.kind.value, severity=alert.severity.value, message=alert.message[:500],
        key=alert.key[:200], raised_on=as_of, updated_on=as_of, worsened_on=as_of, exposure=exposure,
    )  # fmt: skip


def _apply(row: RiskAlert, change: core.AlertChange, exposure: Decimal, as_of: date, counts: AlertCounts) -> None:
    row.exposure, row.updated_on = exposure, as_of
    if change.change is core.Change.CLOSE:
        row.closed_on = as_of
        counts.closed += 1
        return
    alert = change.alert
    assert alert is not None
    row.severity, row.message = alert.severity.value, alert.message[:500]
    if change.change is core.Change.WORSE:
        if change.kind in core.EVENT_KINDS:
            row.key = alert.key[:200]
        row.worsened_on = as_of
        row.acknowledged_at, row.acknowledged_by = None, None  # worse: back to someone's attention
        counts.worse += 1
    else:
        counts.updated += 1


@transaction.atomic
def alert_raise(*, customer: Any, alert: core.Alert, as_of: date, exposure: Decimal = ZERO) -> bool:
    """Raise one fact outside the daily run (an imported legal event): it opens the customer's alert
    of that kind or makes the open one worse. True when something was opened or got worse."""
    row = (
        RiskAlert.objects.select_for_update()
        .filter(customer=customer, kind=alert.kind.value, closed_on__isnull=True)
        .first()
    )
    changes = core.reconcile(
        open_alerts=[_open_alert(row)] if row else [],
        raised=[alert],
        persisting=frozenset({alert.kind}),
        known_keys=_known_keys([alert.key[:200]]),
    )
    counts = AlertCounts()
    for change in changes:
        if change.change is core.Change.OPEN:
            RiskAlert.objects.bulk_create([_new(customer, change.alert, exposure, as_of)], ignore_conflicts=True)
            counts.opened += 1
        elif row is not None:
            _apply(row, change, row.exposure or exposure, as_of, counts)
            row.save(update_fields=OPEN_FIELDS)
    return bool(counts.opened or counts.worse)


# ---------------------------------------------------------------- portfolio finding


def last_run_on(as_of: date) -> date | None:
    return GradeSnapshot.objects.filter(on__lte=as_of).aggregate(last=Max("on"))["last"]


def customers_without_limit(*, customers: QuerySet[Any], on: date, threshold: Decimal) -> QuerySet[GradeSnapshot]:
    """Snapshots of ``on`` of customers above ``threshold`` with no approved limit in force."""
    limited = CreditLimit.objects.filter(
        customer_id=OuterRef("customer_id"), status=LimitStatus.APPROVED, valid_from__lte=on
    )
    return GradeSnapshot.objects.filter(customer__in=customers, on=on, net_exposure__gt=threshold).exclude(
        Exists(limited)
    )


@dataclass(frozen=True, slots=True)
class NoLimitFinding:
    on: date
    customers: int
    exposure: Decimal
    threshold: Decimal
    currency: str
    previous: int | None  # the count on the previous run, to tell whether it got worse

    @property
    def worse(self) -> bool:
        return self.previous is None or self.customers > self.previous


def no_limit_finding(*, customers: QuerySet[Any], as_of: date, threshold: Decimal) -> NoLimitFinding | None:
    """The portfolio finding on the last run on or before ``as_of`` (two aggregate queries)."""
    on = last_run_on(as_of)
    if on is None:
        return None
    found = customers_without_limit(customers=customers, on=on, threshold=threshold).aggregate(
        n=Count("pk"), total=Sum("net_exposure"), currency=Max("customer__entity__currency")
    )
    if not found["n"]:
        return None
    before = GradeSnapshot.objects.filter(on__lt=on).aggregate(last=Max("on"))["last"]
    previous = None
    if before is not None:
        previous = customers_without_limit(customers=customers, on=before, threshold=threshold).count()
    return NoLimitFinding(on, found["n"], found["total"] or ZERO, threshold, found["currency"] or "EUR", previous)


def limits_expiring(*, customers: QuerySet[Any], on: date, days: int) -> QuerySet[CreditLimit]:
    """Approved customer limits in force on ``on`` that expire within ``days`` and that no later
    approved limit replaces (a renewal decided ahead takes them off the list)."""
    renewed = CreditLimit.objects.filter(customer_id=OuterRef("customer_id"), status=LimitStatus.APPROVED).filter(
        Q(valid_from__gt=OuterRef("valid_from")) | Q(valid_from=OuterRef("valid_from"), pk__gt=OuterRef("pk"))
    )
    return CreditLimit.objects.filter(
        customer__in=customers,
        status=LimitStatus.APPROVED,
        valid_from__lte=on,
        expires_on__gte=on,
        expires_on__lte=on + timedelta(days=days),
    ).exclude(Exists(renewed))


@dataclass(frozen=True, slots=True)
class LimitReviewFinding:
    """N limits expire within the notice: one worklist line, not one alert per customer."""

    on: date
    limits: int
    amount: Decimal
    days: int
    currency: str
    entered: int  # limits that came into the window since the previous run

    @property
    def worse(self) -> bool:
        return self.entered > 0


def limit_review_finding(
    *, customers: QuerySet[Any], as_of: date, days: int, since: date | None = None
) -> LimitReviewFinding | None:
    """The limits to review on ``as_of``, and how many entered the window after ``since`` (the
    previous run; default the day before)."""
    rows = limits_expiring(customers=customers, on=as_of, days=days)
    found = rows.aggregate(n=Count("pk"), total=Sum("amount"), currency=Max("currency"))
    if not found["n"]:
        return None
    since = since or as_of - timedelta(days=1)
    entered = rows.filter(expires_on__gt=since + timedelta(days=days)).count()
    return LimitReviewFinding(as_of, found["n"], found["total"] or ZERO, days, found["currency"] or "EUR", entered)
