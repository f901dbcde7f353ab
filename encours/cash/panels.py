"""The customer page's bank receipts: recent applications, unapplied cash, lines waiting in review."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.http import HttpRequest

from encours.cash.models import Application, LineStatus
from encours.cash.selectors import lines_for
from encours.contracts import Panel


def bank_receipts(request: HttpRequest, customer: Any, as_of: date) -> Panel | None:
    applications = list(
        Application.objects.filter(customer=customer, undone_at__isnull=True)
        .select_related("line")
        .order_by("-line__booking_date", "-id")[:10]
    )
    review = lines_for(request.user).filter(customer=customer, status=LineStatus.REVIEW)
    waiting = list(review.order_by("-booking_date")[:5])
    if not applications and not waiting:
        return None
    unapplied = Application.objects.filter(customer=customer, undone_at__isnull=True).aggregate(s=Sum("unapplied"))["s"]
    return Panel(
        "cash/_panel_receipts.html",
        {"applications": applications, "waiting": waiting, "unapplied": unapplied or Decimal(0)},
    )
