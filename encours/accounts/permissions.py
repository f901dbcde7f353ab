"""What each role may do. Reads are scoped by selectors; this decides writes."""

from __future__ import annotations

from encours.accounts.models import Role, User
from encours.core.errors import PermissionDenied

# capability -> roles allowed (admins and superusers may do everything)
CAPABILITIES: dict[str, frozenset[str]] = {
    "ledger.import": frozenset({Role.CREDIT_MANAGER}),
    "ledger.edit_customer": frozenset({Role.CREDIT_MANAGER, Role.COLLECTOR}),
    "ledger.allocate": frozenset({Role.CREDIT_MANAGER, Role.COLLECTOR}),
    "ledger.block_customer": frozenset({Role.CREDIT_MANAGER}),
    "collections.configure": frozenset({Role.CREDIT_MANAGER}),
    "collections.run": frozenset({Role.CREDIT_MANAGER, Role.COLLECTOR}),
    "collections.act": frozenset({Role.CREDIT_MANAGER, Role.COLLECTOR}),
    "disputes.create": frozenset(
        {Role.CREDIT_MANAGER, Role.COLLECTOR, Role.SALES_REP, Role.REGIONAL_DIRECTOR, Role.DEPARTMENT}
    ),
    "disputes.manage": frozenset({Role.CREDIT_MANAGER, Role.COLLECTOR, Role.DEPARTMENT, Role.SALES_REP}),
    "committee.sign": frozenset({Role.REGIONAL_DIRECTOR, Role.CREDIT_MANAGER}),
    "cash.apply": frozenset({Role.CREDIT_MANAGER, Role.COLLECTOR}),
    "risk.edit": frozenset({Role.CREDIT_MANAGER}),
    "risk.request_limit": frozenset({Role.CREDIT_MANAGER, Role.COLLECTOR, Role.SALES_REP, Role.REGIONAL_DIRECTOR}),
    "risk.approve_limit": frozenset({Role.CREDIT_MANAGER, Role.REGIONAL_DIRECTOR}),
    "insurance.manage": frozenset({Role.CREDIT_MANAGER}),
    "forecast.train": frozenset({Role.CREDIT_MANAGER}),
    "reports.view": frozenset(
        {Role.CREDIT_MANAGER, Role.COLLECTOR, Role.REGIONAL_DIRECTOR, Role.AUDITOR, Role.SALES_REP}
    ),
}


def can(user: User, capability: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_admin:
        return True
    return user.role in CAPABILITIES.get(capability, frozenset())


def require(user: User, capability: str) -> None:
    if not can(user, capability):
        raise PermissionDenied(f"{user} may not {capability}")
