"""The risk lines of the dashboard's alerts area (``contracts.ALERTS``, registered in ``ready()``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from encours.contracts import Alert
from encours.core.money import format_amount
from encours.risk.alerting import limit_review_finding, no_limit_finding
from encours.risk.models import HeldOrder, RiskAlert
from encours.risk.selectors import current_settings


def risk_dashboard_alerts(*, customers: Any, user: Any, as_of: date) -> Iterable[Alert]:
    counts = RiskAlert.objects.filter(
        customer__in=customers, closed_on__isnull=True, acknowledged_at__isnull=True
    ).aggregate(critical=Count("pk", filter=Q(severity=RiskAlert.Severity.CRITICAL)), total=Count("pk"))
    found = []
    if counts["total"]:
        found.append(Alert(
            severity="bad" if counts["critical"] else "warn",
            title=ngettext("%(n)d open risk alert", "%(n)d open risk alerts", counts["total"]) % {"n": counts["total"]},
            detail=_("%(n)d critical") % {"n": counts["critical"]} if counts["critical"] else "",
            url=reverse("risk:alerts"), count=counts["total"], source="risk",
        ))  # fmt: skip
    settings = current_settings()
    finding = no_limit_finding(customers=customers, as_of=as_of, threshold=settings.no_limit_threshold)
    if finding is not None:
        title = ngettext(
            "%(n)d customer above %(threshold)s has no credit limit",
            "%(n)d customers above %(threshold)s have no credit limit",
            finding.customers,
        ) % {
            "n": finding.customers,
            "threshold": format_amount(finding.threshold, finding.currency, lang=get_language() or "fr"),
        }
        found.append(Alert(severity="warn", title=title, url=reverse("risk:alerts") + "?show=no_limit",
                           count=finding.customers, source="risk"))  # fmt: skip
    review = limit_review_finding(customers=customers, as_of=as_of, days=settings.limit_review_days)
    if review is not None:
        title = ngettext(
            "%(n)d credit limit expires within %(days)d days",
            "%(n)d credit limits expire within %(days)d days",
            review.limits,
        ) % {"n": review.limits, "days": review.days}
        found.append(Alert(severity="info", title=title, url=reverse("risk:alerts") + "?show=expiring",
                           count=review.limits, source="risk"))  # fmt: skip
    held = HeldOrder.objects.filter(customer__in=customers, status=HeldOrder.Status.HELD).count()
    if held:
        found.append(Alert(severity="warn", title=ngettext("%(n)d order held by the credit check",
                                                           "%(n)d orders held by the credit check", held) % {"n": held},
                           url=reverse("risk:held_orders"), count=held, source="risk"))  # fmt: skip
    return found
