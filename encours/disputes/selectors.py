"""Reads of disputes, always scoped by the user who asks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncWeek
from django.http import Http404

from encours.accounts.models import Role
from encours.core import disputes as rules
from encours.disputes.models import ACTIVE_STATUSES, Dispute, DisputeLine, ReasonCode, active_on
from encours.ledger.selectors import MONEY, ZERO, customers_for, entities_for


def disputes_for(user: Any) -> QuerySet[Dispute]:
    """Disputes on the customers the user sees; department users (logistics, quality…) see
    instead those assigned to their department or to them, within their legal entities."""
    if not user.is_authenticated or not user.is_active:
        return Dispute.objects.none()
    visible = Q(customer__in=customers_for(user)) | Q(owner=user)
    if user.role == Role.DEPARTMENT:
        visible |= Q(department=user.department, entity__in=entities_for(user))
    return Dispute.objects.filter(visible)


def dispute_get(*, user: Any, pk: int) -> Dispute:
    dispute = (
        disputes_for(user)
        .select_related("customer", "entity", "reason", "owner", "credit_note", "created_by")
        .filter(pk=pk)
        .first()
    )
    if dispute is None:
        raise Http404("dispute not found")
    return dispute


AGES = {"0-15": (0, 15), "16-30": (16, 30), "31-60": (31, 60), "61+": (61, None)}
SORTS = {
    "opened": "opened_on",
    "-opened": "-opened_on",
    "amount": "amount_disputed",
    "-amount": "-amount_disputed",
    "due": "sla_due_on",
    "-due": "-sla_due_on",
    "customer": "customer__name",
    "-customer": "-customer__name",
}


@dataclass(frozen=True, slots=True)
class DisputeFilters:
    q: str = ""
    reason: str = ""
    department: str = ""
    owner: int | None = None
    status: str = "active"  # active | closed | all | one status
    age: str = ""
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    entity: int | None = None
    region: str = ""
    overdue_only: bool = False
    mine: bool = False
    customer: int | None = None
    sort: str = "-opened"


def dispute_list(*, user: Any, filters: DisputeFilters, as_of: date) -> QuerySet[Dispute]:
    disputes = disputes_for(user).select_related("customer", "reason", "owner", "entity")
    if filters.mine:
        mine = Q(owner=user)
        if user.role in (Role.DEPARTMENT,):
            mine |= Q(department=user.department)
        if user.role == Role.SALES_REP:
            mine |= Q(customer__sales_rep=user)
        disputes = disputes.filter(mine)
    if filters.status == "active":
        disputes = disputes.filter(status__in=ACTIVE_STATUSES)
    elif filters.status == "closed":
        disputes = disputes.exclude(status__in=ACTIVE_STATUSES)
    elif filters.status and filters.status != "all":
        disputes = disputes.filter(status=filters.status)
    if filters.q:
        q = filters.q.strip()
        disputes = disputes.filter(
            Q(customer__name__icontains=q)
            | Q(customer__account_number__icontains=q)
            | Q(lines__item__number__icontains=q)
            | Q(external_reference__icontains=q)
        ).distinct()
    exact = {
        "reason__code": filters.reason,
        "department": filters.department,
        "owner_id": filters.owner,
        "entity_id": filters.entity,
        "customer__region": filters.region,
        "customer_id": filters.customer,
    }
    disputes = disputes.filter(**{k: v for k, v in exact.items() if v})
    if filters.age in AGES:
        low, high = AGES[filters.age]
        disputes = disputes.filter(opened_on__lte=as_of - timedelta(days=low))
        if high is not None:
            disputes = disputes.filter(opened_on__gte=as_of - timedelta(days=high))
    if filters.min_amount is not None:
        disputes = disputes.filter(amount_disputed__gte=filters.min_amount)
    if filters.max_amount is not None:
        disputes = disputes.filter(amount_disputed__lte=filters.max_amount)
    if filters.overdue_only:
        disputes = disputes.filter(status__in=ACTIVE_STATUSES, sla_due_on__lt=as_of)
    return disputes.order_by(SORTS.get(filters.sort, "-opened_on"), "-pk")


def disputed_lines(*, as_of: date) -> QuerySet[DisputeLine]:
    """Rows (item_id, amount) of every dispute active on ``as_of``: the reports' contract."""
    return DisputeLine.objects.filter(active_on(as_of, "dispute__"))


def disputed_totals(*, as_of: date, item_ids: Iterable[int] | None = None) -> dict[int, Decimal]:
    """The disputed amount per item (> 0), summed over the lines active on ``as_of``; only the
    items of ``item_ids`` when given (ids, or a flat ``values_list`` of ``ledger.Item`` pks)."""
    rows = disputed_lines(as_of=as_of)
    if item_ids is not None:
        rows = rows.filter(item_id__in=item_ids)
    totals = rows.order_by().values("item_id").annotate(total=Sum("amount")).values_list("item_id", "total")
    return {item_id: Decimal(total) for item_id, total in totals if total}


@dataclass(frozen=True, slots=True)
class ReasonFigures:
    """One reason's line of the disputes report (``disputes_report`` command, weekly report)."""

    reason: str
    label: str
    open_count: int
    open_amount: Decimal
    resolved_count: int
    resolved_amount: Decimal
    average_days: Decimal | None
    median_days: Decimal | None
    p90_days: int | None
    overdue_count: int = 0


def figures_by(
    *, disputes: QuerySet[Dispute], as_of: date, since: date | None = None, by: str = "reason"
) -> list[ReasonFigures]:
    """Per reason (or department): disputes active on ``as_of`` (count, amount, SLA overdue), and
    disputes resolved between ``since`` and ``as_of`` (count, amount, resolution-day stats)."""
    return figures_and_days(disputes=disputes, as_of=as_of, since=since, by=by)[0]


def figures_and_days(
    *, disputes: QuerySet[Dispute], as_of: date, since: date | None = None, by: str = "reason"
) -> tuple[list[ReasonFigures], list[int], dict[str, int]]:
    """The lines, every resolution time in the window, and totals (``opened``: opened in the
    window) — in three queries whatever the number of disputes."""
    key = "reason__code" if by == "reason" else "department"
    active = active_on(as_of)
    resolved_q = Q(resolved_on__isnull=False, resolved_on__lte=as_of)
    opened_q = Q(opened_on__lte=as_of)
    if since is not None:
        resolved_q &= Q(resolved_on__gte=since)
        opened_q &= Q(opened_on__gte=since)
    grouped = (
        disputes.values(key)
        .annotate(
            open_n=Count("pk", filter=active),
            open_amount=Coalesce(Sum("amount_disputed", filter=active), ZERO, output_field=MONEY),
            overdue=Count("pk", filter=active & Q(sla_due_on__lt=as_of)),
            resolved_n=Count("pk", filter=resolved_q),
            resolved_amount=Coalesce(Sum("amount_disputed", filter=resolved_q), ZERO, output_field=MONEY),
            opened_n=Count("pk", filter=opened_q),
        )
        .order_by()
    )
    rows = {row[key]: row for row in grouped}
    days: dict[str, list[int]] = {}
    for group, opened, closed in disputes.filter(resolved_q).values_list(key, "opened_on", "resolved_on"):
        days.setdefault(group, []).append((closed - opened).days)
    if by == "reason":
        labels = [(r.code, r.display_label) for r in ReasonCode.objects.all()]
    else:
        from encours.accounts.models import Department

        labels = [(str(code), str(label)) for code, label in Department.choices]
    lines = []
    for code, label in labels:
        row = rows.get(code, {})
        stats = rules.resolution_stats(days.get(code, []))
        lines.append(
            ReasonFigures(
                reason=code,
                label=label,
                open_count=row.get("open_n", 0),
                open_amount=row.get("open_amount") or Decimal(0),
                resolved_count=row.get("resolved_n", 0),
                resolved_amount=row.get("resolved_amount") or Decimal(0),
                average_days=stats.average_days,
                median_days=stats.median_days,
                p90_days=stats.p90_days,
                overdue_count=row.get("overdue", 0),
            )
        )
    totals = {"opened": sum(row["opened_n"] for row in rows.values())}
    return lines, [d for values in days.values() for d in values], totals


def weekly_flow(
    *, disputes: QuerySet[Dispute], as_of: date, weeks: int = 12
) -> list[tuple[date, int, int, Decimal, Decimal]]:
    """(week's Monday, opened count, closed count, opened amount, closed amount), last ``weeks``."""
    start = as_of - timedelta(days=as_of.weekday()) - timedelta(weeks=weeks - 1)
    flows: dict[str, dict[date, tuple[int, Decimal]]] = {}
    for field in ("opened_on", "resolved_on"):
        rows = (
            disputes.filter(**{f"{field}__range": (start, as_of)})
            .annotate(week=TruncWeek(field))
            .values("week")
            .annotate(n=Count("pk"), amount=Sum("amount_disputed"))
            .order_by()
        )
        flows[field] = {_day(row["week"]): (row["n"], row["amount"]) for row in rows}
    lines = []
    for index in range(weeks):
        monday = start + timedelta(weeks=index)
        opened = flows["opened_on"].get(monday, (0, Decimal(0)))
        closed = flows["resolved_on"].get(monday, (0, Decimal(0)))
        lines.append((monday, opened[0], closed[0], opened[1], closed[1]))
    return lines


def _day(value: Any) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def overdue_sla(*, disputes: QuerySet[Dispute], as_of: date) -> QuerySet[Dispute]:
    return disputes.filter(status__in=ACTIVE_STATUSES, sla_due_on__lt=as_of)
