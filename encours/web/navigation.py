"""The main menu: each app adds its entry here when it exists."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (url name, label, prefix of paths that make the entry active)
MENU = (
    ("home", _("Dashboard"), "/dashboard"),
    ("ledger:customers", _("Customers"), "/customers"),
    ("collections:worklist", _("Collections"), "/collections"),
    ("disputes:list", _("Disputes"), "/disputes"),
    ("cash:queue", _("Cash"), "/cash"),
    ("risk:portfolio", _("Risk"), "/risk"),
    ("insurance:portfolio", _("Insurance"), "/insurance"),
    ("forecast:cash", _("Forecast"), "/forecast"),
    ("reports:aged_balance", _("Reports"), "/reports"),
    ("ledger:imports", _("Imports"), "/imports"),
)


def menu(request: HttpRequest) -> dict[str, Any]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"menu": []}
    entries = []
    for name, label, prefix in MENU:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        entries.append({"url": url, "label": label, "active": request.path.startswith(prefix)})
    return {"menu": entries}
