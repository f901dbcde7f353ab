"""Dashboard alert: bank lines waiting in the review queue."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from encours.cash.models import BankLine, LineStatus
from encours.cash.selectors import lines_for
from encours.contracts import Alert
from encours.core.money import format_amount


def lines_in_review(*, customers: QuerySet[Any], user: Any, as_of: date) -> Iterable[Alert]:
    # without a user (the weekly e-mail, scheduled reports) the scope is the customers' entities
    lines = lines_for(user) if user is not None else BankLine.objects.filter(entity__in=customers.values("entity_id"))
    totals = lines.filter(status=LineStatus.REVIEW).aggregate(n=Count("id"), amount=Sum("amount"))
    count = totals["n"] or 0
    if not count:
        return []
    amount = totals["amount"] or Decimal(0)
    return [
        Alert(
            severity="warn",
            title=ngettext("%(n)d bank line waiting for review", "%(n)d bank lines waiting for review", count)
            % {"n": count},
            detail=_("%(amount)s received, not yet applied") % {"amount": format_amount(amount)},
            url=reverse("cash:queue"),
            count=count,
            source="cash",
        )
    ]
