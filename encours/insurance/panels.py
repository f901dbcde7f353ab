"""The buyer cover card on the customer page: cover in force, exposure against it, history."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest

from encours.contracts import Panel
from encours.insurance.models import CoverDecision
from encours.insurance.selectors.exposure import buyer_exposures
from encours.ledger.models import Customer


def buyer_cover_panel(request: HttpRequest, customer: Any, as_of: date) -> Panel | None:
    history = list(CoverDecision.objects.filter(customer=customer).select_related("policy")[:6])
    rows = buyer_exposures(customers=Customer.objects.filter(pk=customer.pk), as_of=as_of)
    if not history and not (rows and rows[0].policy):
        return None
    row = rows[0] if rows else None
    return Panel("insurance/_panel_cover.html", {"row": row, "history": history, "customer": customer, "as_of": as_of})
