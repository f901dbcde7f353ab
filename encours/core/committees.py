"""Unpaid committees (comités impayés): which customers go to the pack, and the proposed decision.

A customer enters the pack when its overdue amount reaches the committee's threshold and its
oldest overdue invoice is at least ``min_days_late`` past due. The proposal follows the usual
escalation ladder of a French credit department, one step per committee, and provisions for
doubtful debt by age (50 % after 6 months past due, 100 % after 12):

>>> propose(CaseFacts(days_late=100, overdue=Decimal("20000"), disputed=Decimal("0"))).decision
'formal_notice'
>>> propose(CaseFacts(days_late=200, overdue=Decimal("20000"), disputed=Decimal("0"), previous="litigation"))
Proposal(decision='provision', provision_percent=Decimal('50'), reason='in litigation for 200 days past due')
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

CONTINUE = "continue"
FORMAL_NOTICE = "formal_notice"
LITIGATION = "litigation"
AGENCY = "agency"
CREDIT_BLOCK = "credit_block"
PROVISION = "provision"
WRITE_OFF = "write_off"
DECISIONS = (CONTINUE, FORMAL_NOTICE, LITIGATION, AGENCY, CREDIT_BLOCK, PROVISION, WRITE_OFF)

LITIGATION_FROM = Decimal("15000")  # below, a collection agency costs less than a court case


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseFacts:
    days_late: int
    overdue: Decimal
    disputed: Decimal
    previous: str = ""  # the decision of the last committee, if the customer was in it
    blocked: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Proposal:
    decision: str
    provision_percent: Decimal | None
    reason: str


def provision_percent(days_late: int) -> Decimal:
    return Decimal(100) if days_late >= 365 else Decimal(50) if days_late >= 180 else Decimal(0)


def propose(facts: CaseFacts) -> Proposal:
    if facts.overdue > 0 and facts.disputed * 2 >= facts.overdue:
        return Proposal(
            decision=CONTINUE, provision_percent=None, reason="mostly in dispute: resolve the disputes first"
        )
    if facts.previous in (LITIGATION, AGENCY, PROVISION) and facts.days_late >= 180:
        if facts.previous == PROVISION and facts.days_late >= 365:
            return Proposal(
                decision=WRITE_OFF, provision_percent=None, reason=f"provisioned and {facts.days_late} days past due"
            )
        return Proposal(
            decision=PROVISION,
            provision_percent=provision_percent(facts.days_late),
            reason=f"in {facts.previous} for {facts.days_late} days past due",
        )
    if facts.previous == FORMAL_NOTICE or facts.days_late >= 120:
        decision = LITIGATION if facts.overdue >= LITIGATION_FROM else AGENCY
        return Proposal(
            decision=decision,
            provision_percent=None,
            reason=f"{facts.days_late} days past due after a formal notice or beyond 120 days",
        )
    if facts.days_late >= 90:
        return Proposal(decision=FORMAL_NOTICE, provision_percent=None, reason=f"{facts.days_late} days past due")
    if not facts.blocked and facts.previous == CONTINUE:
        return Proposal(decision=CREDIT_BLOCK, provision_percent=None, reason="still overdue after the last committee")
    return Proposal(
        decision=CONTINUE,
        provision_percent=None,
        reason=f"{facts.days_late} days past due, amicable collection still possible",
    )
