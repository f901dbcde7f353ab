"""Disputes: the status workflow, SLA escalation levels, resolution-time statistics, @mentions
and the credit-note match.

Worked example: a dispute opened on 2026-10-01 for a reason with a 10-day SLA is due on
2026-10-11; on 2026-10-12 it is overdue (level 1: email its owner); from 2026-10-15
(``MANAGER_GRACE_DAYS`` later) it escalates to the owner's manager (level 2).
Resolution times of 2, 4, 10 and 30 days average 11.5 days; their p90 is 30 (nearest rank:
the ⌈0.9 × 4⌉ = 4th smallest).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from encours.core.errors import InvalidTransition

OPEN = "open"
IN_PROGRESS = "in_progress"
WAITING_CUSTOMER = "waiting_customer"
RESOLVED_CREDIT_NOTE = "resolved_credit_note"
RESOLVED_PAYS = "resolved_pays"
REJECTED = "rejected"

STATUSES = (OPEN, IN_PROGRESS, WAITING_CUSTOMER, RESOLVED_CREDIT_NOTE, RESOLVED_PAYS, REJECTED)
CLOSED = frozenset({RESOLVED_CREDIT_NOTE, RESOLVED_PAYS, REJECTED})
ACTIVE = frozenset(STATUSES) - CLOSED
_ENDINGS = (RESOLVED_CREDIT_NOTE, RESOLVED_PAYS, REJECTED)

TRANSITIONS: dict[str, tuple[str, ...]] = {
    OPEN: (IN_PROGRESS, WAITING_CUSTOMER, *_ENDINGS),
    IN_PROGRESS: (WAITING_CUSTOMER, *_ENDINGS),
    WAITING_CUSTOMER: (IN_PROGRESS, *_ENDINGS),
    RESOLVED_CREDIT_NOTE: (),
    RESOLVED_PAYS: (),
    REJECTED: (),
}

MANAGER_GRACE_DAYS = 3


def allowed_transitions(status: str) -> tuple[str, ...]:
    if status not in TRANSITIONS:
        raise InvalidTransition(f"unknown dispute status {status!r}")
    return TRANSITIONS[status]


def check_transition(current: str, target: str) -> None:
    """Raise ``InvalidTransition`` naming both statuses and what is allowed instead."""
    if target not in TRANSITIONS:
        raise InvalidTransition(f"unknown dispute status {target!r}")
    allowed = allowed_transitions(current)
    if target in allowed:
        return
    if not allowed:
        raise InvalidTransition(f"a dispute in status {current!r} is closed: it cannot move to {target!r}")
    raise InvalidTransition(f"a dispute cannot go from {current!r} to {target!r}; allowed: {', '.join(allowed)}")


def sla_due_on(opened_on: date, sla_days: int) -> date:
    return opened_on + timedelta(days=sla_days)


def escalation_level(*, due_on: date, as_of: date, grace_days: int = MANAGER_GRACE_DAYS) -> int:
    """0 within the SLA, 1 once overdue (owner), 2 from ``grace_days`` after that (manager)."""
    if as_of <= due_on:
        return 0
    if as_of <= due_on + timedelta(days=grace_days):
        return 1
    return 2


def p90_nearest_rank(values: Sequence[int]) -> int | None:
    """The 90th percentile by the nearest-rank method: the ⌈0.9 n⌉-th smallest value."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(Decimal("0.9") * len(ordered)) - 1]


def median(values: Sequence[int]) -> Decimal | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Decimal(ordered[middle])
    return (Decimal(ordered[middle - 1]) + Decimal(ordered[middle])) / 2


def average(values: Sequence[int]) -> Decimal | None:
    if not values:
        return None
    return (Decimal(sum(values)) / len(values)).quantize(Decimal("0.1"))


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolutionStats:
    count: int
    average_days: Decimal | None
    median_days: Decimal | None
    p90_days: int | None


def resolution_stats(days: Iterable[int]) -> ResolutionStats:
    values = tuple(days)
    return ResolutionStats(
        count=len(values), average_days=average(values), median_days=median(values), p90_days=p90_nearest_rank(values)
    )


_MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9][\w.\-]*[A-Za-z0-9_]|[A-Za-z0-9])")


def mentions(text: str) -> tuple[str, ...]:
    """Usernames mentioned as ``@name`` in a comment, in order, without duplicates."""
    seen: list[str] = []
    for name in _MENTION.findall(text):
        if name not in seen:
            seen.append(name)
    return tuple(seen)


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditNoteCandidate:
    item_id: int
    customer_id: int
    amount: Decimal  # positive: the credit note's absolute amount
    reference: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DisputeAwaitingCreditNote:
    dispute_id: int
    customer_id: int
    amount: Decimal  # credited amount if known, else disputed amount
    references: tuple[str, ...]  # invoice numbers and the expected credit-note reference


def match_credit_notes(
    disputes: Sequence[DisputeAwaitingCreditNote], notes: Sequence[CreditNoteCandidate]
) -> tuple[tuple[int, int, str], ...]:
    """Pairs (dispute_id, item_id, reason): same customer and a reference naming one of the
    dispute's invoices first; else same customer and the exact amount. Each side used once."""
    used_notes: set[int] = set()
    pairs: list[tuple[int, int, str]] = []
    by_customer: dict[int, list[CreditNoteCandidate]] = {}
    for note in notes:
        by_customer.setdefault(note.customer_id, []).append(note)
    for rule in ("reference", "amount"):
        for dispute in disputes:
            if any(pair[0] == dispute.dispute_id for pair in pairs):
                continue
            for note in by_customer.get(dispute.customer_id, ()):
                if note.item_id in used_notes:
                    continue
                if rule == "reference":
                    text = note.reference.upper()
                    hit = any(ref and ref.upper() in text for ref in dispute.references)
                else:
                    hit = note.amount == dispute.amount
                if hit:
                    used_notes.add(note.item_id)
                    pairs.append((dispute.dispute_id, note.item_id, rule))
                    break
    return tuple(pairs)
