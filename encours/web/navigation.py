"""The main menu: each app adds its entry here when it exists; each entry shows to the roles whose work it is.

Templates ask the user's rights through ``can`` (``{% if can.risk_edit %}`` asks ``risk.edit`` of
``encours.accounts.permissions``), so a tab or a button shows only to the roles its target accepts.
Hiding an entry is a convenience, not the protection: every page checks the user's rights itself
(``encours.accounts.permissions``) and shows only their scope."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from encours.accounts.models import Role
from encours.accounts.permissions import CAPABILITIES, can

ADMIN, CM, COLLECTOR, REP = Role.ADMIN, Role.CREDIT_MANAGER, Role.COLLECTOR, Role.SALES_REP
DIRECTOR, AUDITOR, DEPARTMENT = Role.REGIONAL_DIRECTOR, Role.AUDITOR, Role.DEPARTMENT
BOOK = frozenset({ADMIN, CM, COLLECTOR, REP, DIRECTOR, AUDITOR})  # the roles that see customers
DESK = frozenset({ADMIN, CM, COLLECTOR, DIRECTOR, AUDITOR})  # the credit desk's tools

# (url name, label, prefix of paths that make the entry active, roles it shows to)
MENU = (
    ("home", _("Dashboard"), "/dashboard", BOOK),
    ("ledger:customers", _("Customers"), "/customers", BOOK),
    ("collections:worklist", _("Collections"), "/collections", DESK),
    ("disputes:list", _("Disputes"), "/disputes", BOOK | {DEPARTMENT}),
    ("cash:queue", pgettext_lazy("menu", "Cash"), "/cash", frozenset({ADMIN, CM, COLLECTOR, AUDITOR})),
    ("risk:portfolio", _("Risk"), "/risk", DESK),
    ("insurance:portfolio", _("Insurance"), "/insurance", frozenset({ADMIN, CM, COLLECTOR, AUDITOR})),
    ("forecast:cash", _("Forecast"), "/forecast", DESK),
    ("reports:aged_balance", _("Reports"), "/reports", BOOK),
    ("ledger:imports", _("Imports"), "/imports", frozenset({ADMIN, CM})),
)


def capability_names() -> dict[str, str]:
    """Template spelling of each action: ``can.risk_edit`` asks ``risk.edit`` (a dot would be a lookup)."""
    return {action.replace(".", "_"): action for action in CAPABILITIES}


class Capabilities:
    """``{% if can.risk_edit %}`` in any template: the user's right, from the rules, asked when used."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.names = capability_names()
        self.answers: dict[str, bool] = {}

    def __getitem__(self, name: str) -> bool:
        if name not in self.names:
            raise KeyError(name)
        if name not in self.answers:
            self.answers[name] = can(self.user, self.names[name])
        return self.answers[name]


def role_of(user: Any) -> str:
    return str(Role.ADMIN) if user.is_admin else str(user.role)


def menu(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": [], "can": Capabilities(None)}
    role = role_of(user)
    entries = []
    for name, label, prefix, roles in MENU:
        if role not in roles:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        entries.append({"url": url, "label": label, "active": request.path.startswith(prefix)})
    return {"menu": entries, "can": Capabilities(user)}
