"""The sales panel of the customer page: held orders with their release requests, field notes."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest

from encours.accounts.permissions import can
from encours.contracts import Panel
from encours.risk.models import HeldOrder
from encours.sales import selectors
from encours.sales.forms import FieldNoteForm
from encours.sales.models import ReleaseRequest


def sales_panel(request: HttpRequest, customer: Any, as_of: date) -> Panel:
    held = list(HeldOrder.objects.filter(customer=customer, status=HeldOrder.Status.HELD).order_by("-created_at")[:20])
    pending = set(
        ReleaseRequest.objects.filter(order__in=[o.pk for o in held], status=ReleaseRequest.Status.PENDING).values_list(
            "order_id", flat=True
        )
    )
    for order in held:
        order.release_pending = order.pk in pending  # type: ignore[attr-defined]
    context = {
        "customer": customer,
        "held": held,
        "notes": selectors.field_notes_of(customer=customer),
        "form": FieldNoteForm(),
        "can_note": can(request.user, "sales.field_note"),
        "can_request": can(request.user, "sales.request_release"),
    }
    return Panel("sales/_panel.html", context)
