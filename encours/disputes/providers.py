"""What disputes tell the other apps through their registries (registered in ``ready()``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from encours import contracts
from encours.core import disputes as rules
from encours.core.money import format_amount
from encours.disputes import selectors
from encours.disputes.models import ACTIVE_STATUSES, Dispute


def disputed_amounts(*, as_of: date, item_ids: Iterable[int] | None = None) -> dict[int, Decimal]:
    """The disputed amount per item, summed over the dispute lines active on ``as_of`` (the
    ``DISPUTED_AMOUNTS`` contract)."""
    return selectors.disputed_totals(as_of=as_of, item_ids=item_ids)


def disputes_summary(*, customers: QuerySet[Any], as_of: date, since: date) -> contracts.DisputesSummary:
    disputes = Dispute.objects.filter(customer__in=customers)
    figures, days, totals = selectors.figures_and_days(disputes=disputes, as_of=as_of, since=since)
    lines = tuple(
        contracts.DisputeReasonLine(
            reason=f.reason,
            label=f.label,
            open_count=f.open_count,
            open_amount=f.open_amount,
            resolved_count=f.resolved_count,
            average_resolution_days=f.average_days,
        )
        for f in figures
        if f.open_count or f.resolved_count
    )
    stats = rules.resolution_stats(days)
    return contracts.DisputesSummary(
        currency=settings.DISPUTES_REPORT_CURRENCY,
        by_reason=lines,
        opened_since=totals["opened"],
        resolved_since=stats.count,
        average_resolution_days=stats.average_days,
        median_resolution_days=stats.median_days,
        overdue_sla_count=sum(f.overdue_count for f in figures),
    )


def dispute_alerts(*, customers: QuerySet[Any], user: Any, as_of: date) -> Iterable[contracts.Alert]:
    disputes = Dispute.objects.filter(customer__in=customers, status__in=ACTIVE_STATUSES)
    overdue = disputes.filter(sla_due_on__lt=as_of)
    count = overdue.count()
    if count:
        amount = overdue.aggregate(total=Sum("amount_disputed"))["total"] or Decimal(0)
        yield contracts.Alert(
            severity="warn",
            title=_("Disputes past their SLA"),
            detail=format_amount(amount, "EUR"),
            url=reverse("disputes:list") + "?overdue_only=on",
            count=count,
            source="disputes",
        )
    escalated = overdue.filter(escalation_level__gte=2).count()
    if escalated:
        yield contracts.Alert(
            severity="bad",
            title=_("Disputes escalated to a manager"),
            url=reverse("disputes:list") + "?overdue_only=on&sort=due",
            count=escalated,
            source="disputes",
        )


def dispute_follow_ups(*, customers: QuerySet[Any], user: Any, as_of: date) -> Iterable[contracts.WorkTask]:
    """Active disputes whose expected resolution date is within 3 days (or past)."""
    due = (
        Dispute.objects.filter(customer__in=customers, status__in=ACTIVE_STATUSES)
        .filter(expected_resolution_on__lte=as_of + timedelta(days=3))
        .select_related("reason", "customer")
        .order_by("expected_resolution_on")[:200]
    )
    for dispute in due:
        yield contracts.WorkTask(
            customer_id=dispute.customer_id,
            due_on=dispute.expected_resolution_on or dispute.sla_due_on,
            title=_("Dispute follow-up: %(reason)s") % {"reason": dispute.reason.display_label},
            detail=f"{dispute.get_status_display()} · {format_amount(dispute.amount_disputed, dispute.currency)}",
            url=reverse("disputes:detail", args=[dispute.pk]),
            source="disputes",
            priority=dispute.amount_disputed,
        )
