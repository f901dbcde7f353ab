"""The customer page's disputes panel: open disputes and a 'new dispute' form."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest

from encours.accounts.permissions import can
from encours.contracts import Panel
from encours.disputes.models import ACTIVE_STATUSES, Dispute, ReasonCode
from encours.ledger.models import ItemType


def disputes_panel(request: HttpRequest, customer: Any, as_of: date) -> Panel:
    disputes = list(
        Dispute.objects.filter(customer=customer, status__in=ACTIVE_STATUSES)
        .select_related("reason", "owner")
        .order_by("sla_due_on")
    )
    context: dict[str, Any] = {
        "customer": customer,
        "disputes": disputes,
        "total": sum((d.amount_disputed for d in disputes), 0),
        "as_of": as_of,
        "can_create": can(request.user, "disputes.create"),
    }
    if context["can_create"]:
        context["reasons"] = list(ReasonCode.objects.filter(is_active=True))
        context["invoices"] = list(customer.items.filter(type=ItemType.INVOICE).open_debits().order_by("due_date")[:50])
    return Panel("disputes/_panel_customer.html", context)
