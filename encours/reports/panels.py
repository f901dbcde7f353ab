"""The customer page's payment-behaviour card: days late over a year, trend, sector average."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest

from encours.contracts import Panel
from encours.reports.selectors.behaviour import customer_behaviour, sector_figures
from encours.reports.selectors.scope import sector_customers


def payment_behaviour_card(request: HttpRequest, customer: Any, as_of: date) -> Panel:
    sectors = sector_figures(customers=sector_customers(user=request.user), as_of=as_of)
    behaviour = customer_behaviour(customer=customer, as_of=as_of, sectors=sectors)
    return Panel("reports/_panel_behaviour.html", {"behaviour": behaviour, "customer": customer}, slot="header")
