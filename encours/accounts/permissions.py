"""What each role may do: one rule per action, read by the services, the views, the API and the menus.

Reads are scoped by the selectors (``customers_for``, ``entities_for``…); writes are decided here.
Every write service calls ``require(actor, action, customer=…)`` before touching a row, so a page,
an API operation, a command or a job cannot differ. An actor that is not a user (``None`` or a
label such as ``"system"``) is the operator's own tool — a management command or a scheduled job —
and is not restricted. The README's roles table is ``rules_markdown()``; a test keeps them equal.
"""

from __future__ import annotations

from typing import Any

from encours.accounts.models import Role, User
from encours.audit.actors import Actor
from encours.core.errors import PermissionDenied

CM, COLLECTOR, REP = Role.CREDIT_MANAGER, Role.COLLECTOR, Role.SALES_REP
DIRECTOR, AUDITOR, DEPARTMENT = Role.REGIONAL_DIRECTOR, Role.AUDITOR, Role.DEPARTMENT

# (action, roles allowed besides administrators, what it allows)
RULES: tuple[tuple[str, frozenset[str], str], ...] = (
    ("reports.view", frozenset({CM, COLLECTOR, REP, DIRECTOR, AUDITOR}), "dashboards, reports, committees (read)"),
    ("ledger.import", frozenset({CM}), "import files, bulk API writes, bank accounts, matching settings"),
    ("ledger.edit_customer", frozenset({CM, COLLECTOR}), "edit a customer's fields"),
    ("ledger.allocate", frozenset({CM, COLLECTOR}), "create or delete an allocation (lettrage)"),
    ("ledger.block_customer", frozenset({CM}), "block a customer by hand; lift a manual or committee block"),
    ("ledger.lift_dunning_block", frozenset({CM, COLLECTOR}), "lift a block set by a dunning step"),
    ("ledger.lift_insolvency_block", frozenset({CM}), "lift a block set by an insolvency proceeding"),
    ("collections.act", frozenset({CM, COLLECTOR}), "log a call, record a promise, send a statement, snooze"),
    ("collections.run", frozenset({CM, COLLECTOR}), "plan, edit and execute dunning runs"),
    (
        "collections.configure",
        frozenset({CM}),
        "scenarios, steps, penalty rates, penalty invoices",
    ),
    ("collections.texts", frozenset({CM}), "edit the texts of dunning steps (subject, e-mail, letter)"),
    ("disputes.create", frozenset({CM, COLLECTOR, REP, DIRECTOR, DEPARTMENT}), "open a dispute"),
    ("disputes.comment", frozenset({CM, COLLECTOR, REP, DIRECTOR, DEPARTMENT}), "comment on or attach to a dispute"),
    ("disputes.manage", frozenset({CM, COLLECTOR, REP, DEPARTMENT}), "move, assign or edit a dispute"),
    ("committee.prepare", frozenset({CM}), "prepare an unpaid committee, record its decisions"),
    ("committee.sign", frozenset({CM, DIRECTOR}), "sign off a committee (a director: their region's)"),
    ("cash.apply", frozenset({CM, COLLECTOR}), "apply, split, assign, undo bank lines; rematch"),
    ("risk.credit_check", frozenset({CM, COLLECTOR, REP, DIRECTOR}), "check an order (a hold is queued)"),
    ("risk.request_limit", frozenset({CM, COLLECTOR, REP, DIRECTOR}), "request a credit limit"),
    ("risk.approve_limit", frozenset({CM, DIRECTOR}), "approve a limit (up to the role's ceiling)"),
    ("risk.edit", frozenset({CM}), "statements, guarantees, held orders, alerts, settings, risk run"),
    ("insurance.manage", frozenset({CM}), "covers, requests, declarations, claims, factoring"),
    ("forecast.train", frozenset({CM}), "train the payment model, decide adaptive-dunning suggestions"),
    ("sales.request_release", frozenset({CM, COLLECTOR, REP, DIRECTOR}), "ask for the release of a held order"),
    ("sales.decide_release", frozenset({CM}), "approve or refuse a request to release a held order"),
    ("sales.field_note", frozenset({CM, COLLECTOR, REP, DIRECTOR}), "write a field note (visit report)"),
)
CAPABILITIES: dict[str, frozenset[str]] = {action: roles for action, roles, _ in RULES}

ROLES_IN_ORDER = (Role.ADMIN, CM, COLLECTOR, REP, DIRECTOR, AUDITOR, DEPARTMENT)


def is_system(actor: Actor) -> bool:
    """A management command or a scheduled job acting on the operator's behalf."""
    return actor is None or isinstance(actor, str)


def can(user: Any, capability: str) -> bool:
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown action {capability!r}: add it to RULES in encours/accounts/permissions.py")
    if is_system(user) or not user.is_authenticated or not user.is_active:
        return False
    if user.is_admin:
        return True
    return user.role in CAPABILITIES[capability]


def portfolio_scoped(user: User) -> bool:
    """Roles that see their own portfolio only (a sales rep), not the whole book of their entities."""
    return not user.is_admin and user.role == Role.SALES_REP


def require(actor: Actor, capability: str, *, customer: Any = None, entity: Any = None) -> None:
    """Raise PermissionDenied unless the actor may do this, to this customer / in this legal entity.

    A command or a job (``is_system``) passes: it is the operator's tool."""
    if is_system(actor):
        return
    if not can(actor, capability):
        raise PermissionDenied(f"{actor} may not {capability}")
    if customer is not None:
        from encours.ledger.selectors import customers_for

        customer_id = customer if isinstance(customer, int) else customer.pk
        if not customers_for(actor).filter(pk=customer_id).exists():
            raise PermissionDenied(f"{actor} may not {capability} for a customer outside their scope")
    if entity is not None:
        from encours.ledger.selectors import entities_for

        entity_id = entity if isinstance(entity, int) else entity.pk
        if not entities_for(actor).filter(pk=entity_id).exists():
            raise PermissionDenied(f"{actor} may not {capability} in a legal entity they do not belong to")


def rules_markdown() -> str:
    """The table action → roles, as the README shows it."""
    labels = {Role.ADMIN: "admin", CM: "credit mgr", COLLECTOR: "collector", REP: "sales rep"}
    labels |= {DIRECTOR: "reg. director", AUDITOR: "auditor", DEPARTMENT: "department"}
    head = "| action | allows | " + " | ".join(labels[r] for r in ROLES_IN_ORDER) + " |"
    rule = "|---|---|" + "---|" * len(ROLES_IN_ORDER)
    lines = [head, rule]
    for action, roles, allows in RULES:
        marks = ["✓" if role == Role.ADMIN or role in roles else "" for role in ROLES_IN_ORDER]
        lines.append(f"| `{action}` | {allows} | " + " | ".join(marks) + " |")
    return "\n".join(lines)
