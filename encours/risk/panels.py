"""The risk card on the customer page: grade, credit limit and open alerts (three small queries)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest

from encours.contracts import Panel
from encours.risk import selectors
from encours.risk.models import RiskAlert


def risk_card(request: HttpRequest, customer: Any, as_of: date) -> Panel:
    snapshot = selectors.latest_snapshots([customer.pk], as_of=as_of).get(customer.pk)
    limit = selectors.current_limits([customer.pk], as_of=as_of).get(customer.pk)
    alerts = RiskAlert.objects.filter(customer=customer, closed_on__isnull=True, acknowledged_at__isnull=True).count()
    context = {"customer": customer, "snapshot": snapshot, "limit": limit, "alerts": alerts, "as_of": as_of}
    return Panel("risk/_panel.html", context, slot="header")
