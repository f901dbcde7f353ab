"""The sales lines of the dashboard's alerts area: release requests waiting for a decision, unread news."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.urls import reverse
from django.utils.translation import ngettext

from encours.accounts.permissions import can
from encours.contracts import Alert
from encours.sales.models import ReleaseRequest, RepNotification


def sales_dashboard_alerts(*, customers: Any, user: Any, as_of: date) -> Iterable[Alert]:
    found = []
    if can(user, "sales.decide_release"):
        waiting = ReleaseRequest.objects.filter(customer__in=customers, status=ReleaseRequest.Status.PENDING).count()
        if waiting:
            title = ngettext("%(n)d request to release a held order", "%(n)d requests to release a held order",
                             waiting) % {"n": waiting}  # fmt: skip
            found.append(Alert(severity="warn", title=title, url=reverse("sales:release_requests"), count=waiting,
                               source="sales"))  # fmt: skip
        return found  # the credit desk decides; the news goes to those who asked and to the reps
    if user is None or isinstance(user, str) or not user.is_authenticated:  # a job's or a command's report
        return found
    unread = RepNotification.objects.filter(user=user, read_at__isnull=True).count()
    if unread:
        title = ngettext("%(n)d unread notification on your customers", "%(n)d unread notifications on your customers",
                         unread) % {"n": unread}  # fmt: skip
        found.append(Alert(severity="info", title=title, url=reverse("sales:notifications"), count=unread,
                           source="sales"))  # fmt: skip
    return found
