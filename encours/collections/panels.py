"""The customer page's collections panels: penalties beside the identity, the collections
timeline with its actions below. Both load with htmx once the page is shown, so the customer
page itself pays no query for them."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest

from encours.accounts.permissions import can
from encours.collections import documents, selectors
from encours.collections.forms import CustomerDunningForm
from encours.collections.models import CustomerDunning, Promise
from encours.contracts import Panel
from encours.core.errors import EncoursError
from encours.ledger.models import Item


def penalties_card(request: HttpRequest, customer: Any, as_of: date) -> Panel:
    return Panel("collections/_panel_lazy.html", {"customer": customer, "kind": "penalties"}, slot="header")


def collections_timeline(request: HttpRequest, customer: Any, as_of: date) -> Panel:
    return Panel("collections/_panel_lazy.html", {"customer": customer, "kind": "timeline"})


def penalties_context(customer: Any, as_of: date) -> dict[str, Any] | None:
    late = list(Item.objects.filter(customer=customer).overdue(as_of))
    if not late:
        return None
    try:
        statement = documents.penalties_for(items=late, as_of=as_of, category=customer.category)
    except EncoursError:
        return None
    return {"statement": statement, "customer": customer}


def timeline_context(request: HttpRequest, customer: Any, as_of: date) -> dict[str, Any]:
    settings = CustomerDunning.objects.filter(customer=customer).first()
    initial = {}
    if settings:
        initial = {
            "scenario": settings.scenario_id, "paused_until": settings.paused_until, "language": settings.language,
            "preferred_contact": settings.preferred_contact_id,
        }  # fmt: skip
    return {
        "customer": customer,
        "as_of": as_of,
        "timeline": selectors.customer_timeline(customer=customer, as_of=as_of),
        "calls": selectors.open_calls_for(customer=customer),
        "pending_promises": Promise.objects.filter(customer=customer, status="pending"),
        "settings": settings,
        "form": CustomerDunningForm(initial=initial, contacts=customer.contacts.all()),
        "can_act": can(request.user, "collections.act"),  # type: ignore[arg-type]
        "can_invoice": can(request.user, "collections.configure"),  # type: ignore[arg-type]
    }
