"""Exposure, guarantees, credit limits, the recommended limit and the order credit check.

Exposure = open AR + open orders + uninvoiced deliveries; guarantees in force are deducted
to give the net exposure that limits and checks compare against.

>>> from datetime import date
>>> from decimal import Decimal
>>> exposure = compute_exposure(
...     open_ar=Decimal(40000), open_orders=Decimal(15000), uninvoiced_deliveries=Decimal(5000),
...     guarantees=(
...         Guarantee(kind=GuaranteeKind.BANK_GUARANTEE, amount=Decimal(20000), expires_on=date(2026, 12, 31)),
...     ),
...     as_of=date(2026, 6, 30),
... )
>>> exposure.gross, exposure.net
(Decimal('60000.00'), Decimal('40000.00'))
>>> profile = CreditProfile(
...     customer_id="C042", exposure=exposure.net,
...     limit=CreditLimit(amount=Decimal(50000), approved_on=date(2026, 1, 5), approved_by="dcf"),
... )
>>> decision = credit_check(profile=profile, order_amount=Decimal(12000), as_of=date(2026, 6, 30))
>>> decision.outcome, [r.code.value for r in decision.reasons]
(<Decision.HOLD: 'hold'>, ['over_limit'])
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from encours.core.errors import InvalidAmount, ValidationFailed
from encours.core.grading import LegalEvent
from encours.core.money import ZERO, format_amount, quantize
from encours.core.payer import OpenItem

DAYS_PER_YEAR = Decimal(365)


class GuaranteeKind(StrEnum):
    BANK_GUARANTEE = "bank_guarantee"  # garantie bancaire / caution bancaire
    LETTER_OF_CREDIT = "letter_of_credit"  # crédit documentaire, lettre de crédit stand-by
    DEPOSIT = "deposit"  # dépôt de garantie, acompte
    PARENT_GUARANTEE = "parent_guarantee"  # garantie maison mère, lettre de confort


@dataclass(frozen=True, slots=True, kw_only=True)
class Guarantee:
    kind: GuaranteeKind
    amount: Decimal
    expires_on: date | None = None  # last day it can be called; None: open-ended
    valid_from: date | None = None
    issuer: str = ""
    reference: str = ""

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise InvalidAmount(f"guarantee {self.reference or self.kind.value}: amount cannot be negative")

    def in_force(self, on: date) -> bool:
        started = self.valid_from is None or self.valid_from <= on
        return started and (self.expires_on is None or on <= self.expires_on)


@dataclass(frozen=True, slots=True, kw_only=True)
class GuaranteePolicy:
    """Share of each kind of guarantee recognised against exposure (a comfort letter may count less)."""

    recognised_share: tuple[tuple[GuaranteeKind, Decimal], ...] = tuple((k, Decimal(1)) for k in GuaranteeKind)

    def share(self, kind: GuaranteeKind) -> Decimal:
        return dict(self.recognised_share).get(kind, Decimal(1))


@dataclass(frozen=True, slots=True, kw_only=True)
class Exposure:
    as_of: date
    currency: str
    open_ar: Decimal
    open_orders: Decimal
    uninvoiced_deliveries: Decimal
    gross: Decimal
    guarantees_in_force: tuple[Guarantee, ...]
    guarantee_deduction: Decimal
    net: Decimal  # never below zero: surplus guarantees do not create credit


def compute_exposure(
    *,
    open_ar: Decimal,
    open_orders: Decimal,
    uninvoiced_deliveries: Decimal,
    guarantees: Iterable[Guarantee] = (),
    as_of: date,
    currency: str = "EUR",
    guarantee_policy: GuaranteePolicy | None = None,
) -> Exposure:
    policy = guarantee_policy or GuaranteePolicy()
    in_force = tuple(g for g in guarantees if g.in_force(as_of))
    deduction = quantize(sum((g.amount * policy.share(g.kind) for g in in_force), ZERO), currency)
    gross = quantize(open_ar + open_orders + uninvoiced_deliveries, currency)
    return Exposure(
        as_of=as_of,
        currency=currency,
        open_ar=open_ar,
        open_orders=open_orders,
        uninvoiced_deliveries=uninvoiced_deliveries,
        gross=gross,
        guarantees_in_force=in_force,
        guarantee_deduction=deduction,
        net=max(ZERO, gross - deduction),
    )


def consolidate_exposures(*, exposures: Iterable[Exposure], as_of: date, currency: str = "EUR") -> Exposure:
    """A customer group's exposure: the sum of its members' (each member's net floored on its own)."""
    members = tuple(exposures)
    if any(m.currency != currency for m in members):
        raise InvalidAmount(f"group exposure mixes currencies: all must be in {currency}")
    return Exposure(
        as_of=as_of,
        currency=currency,
        open_ar=sum((m.open_ar for m in members), ZERO),
        open_orders=sum((m.open_orders for m in members), ZERO),
        uninvoiced_deliveries=sum((m.uninvoiced_deliveries for m in members), ZERO),
        gross=sum((m.gross for m in members), ZERO),
        guarantees_in_force=tuple(g for m in members for g in m.guarantees_in_force),
        guarantee_deduction=sum((m.guarantee_deduction for m in members), ZERO),
        net=sum((m.net for m in members), ZERO),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditLimit:
    amount: Decimal
    approved_on: date
    approved_by: str
    expires_on: date | None = None  # last day of validity; None: until reviewed
    currency: str = "EUR"
    note: str = ""

    def is_expired(self, on: date) -> bool:
        return self.expires_on is not None and on > self.expires_on


def current_limit(*, limits: Iterable[CreditLimit], as_of: date) -> CreditLimit | None:
    """The latest limit decision on or before ``as_of`` (expired or not: the check says which)."""
    decided = [limit for limit in limits if limit.approved_on <= as_of]
    return max(decided, key=lambda limit: limit.approved_on) if decided else None


@dataclass(frozen=True, slots=True, kw_only=True)
class GradeLimitRule:
    grade: str
    need_multiplier: Decimal  # share of the computed need we are willing to carry
    equity_share: Decimal  # at most this share of the buyer's equity
    revenue_share: Decimal  # at most this share of the buyer's revenue
    max_amount: Decimal


def _rule(grade: str, multiplier: str, equity: str, revenue: str, maximum: int) -> GradeLimitRule:
    return GradeLimitRule(
        grade=grade,
        need_multiplier=Decimal(multiplier),
        equity_share=Decimal(equity),
        revenue_share=Decimal(revenue),
        max_amount=Decimal(maximum),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class LimitPolicy:
    rules: tuple[GradeLimitRule, ...] = (
        _rule("A", "1.5", "0.20", "0.05", 1_000_000),
        _rule("B", "1.25", "0.15", "0.04", 500_000),
        _rule("C", "1.0", "0.10", "0.03", 200_000),
        _rule("D", "0.5", "0.05", "0.015", 50_000),
        _rule("E", "0", "0", "0", 0),  # cash in advance or secured only
    )
    ungraded_rule: GradeLimitRule = field(default_factory=lambda: _rule("-", "1.0", "0.05", "0.01", 10_000))
    absolute_max: Decimal | None = None
    max_without_financials: Decimal = Decimal(20_000)
    rounding_step: Decimal = Decimal(1_000)

    def __post_init__(self) -> None:
        maxima = [r.max_amount for r in self.rules]
        if maxima != sorted(maxima, reverse=True):
            raise ValidationFailed("grade maxima must not increase from the best grade to the worst")
        if self.rounding_step <= 0:
            raise ValidationFailed("the limit rounding step must be positive")

    def rule_for(self, grade: str | None) -> GradeLimitRule:
        return next((r for r in self.rules if r.grade == grade), self.ungraded_rule)


@dataclass(frozen=True, slots=True, kw_only=True)
class LimitRecommendation:
    amount: Decimal
    currency: str
    grade: str | None
    need: Decimal  # monthly sales × 12 × (terms + expected days late) / 365
    monthly_sales: Decimal
    days_of_sales: Decimal
    caps: tuple[tuple[str, Decimal], ...]  # each candidate: need × multiplier, equity, revenue, grade, policy
    binding: str  # the candidate that set the amount
    explanation: tuple[str, ...]


def recommended_credit_limit(
    *,
    grade: str | None,
    buyer_equity: Decimal | None,
    buyer_revenue: Decimal | None,
    monthly_sales: Decimal,
    terms_days: int,
    expected_days_late: Decimal,
    policy: LimitPolicy | None = None,
    currency: str = "EUR",
) -> LimitRecommendation:
    """The smallest of what the business needs and what the buyer's size and grade allow, rounded down."""
    policy = policy or LimitPolicy()
    rule = policy.rule_for(grade)
    days = Decimal(terms_days) + max(ZERO, expected_days_late)
    need = quantize(monthly_sales * 12 * days / DAYS_PER_YEAR, currency)
    caps, notes = _size_caps(rule, buyer_equity, buyer_revenue, policy)
    caps = [("need", need * rule.need_multiplier), *caps, (f"grade {rule.grade} maximum", rule.max_amount)]
    if policy.absolute_max is not None:
        caps.append(("policy maximum", policy.absolute_max))
    binding, lowest = min(caps, key=lambda cap: cap[1])
    step = policy.rounding_step
    amount = max(ZERO, (lowest / step).to_integral_value(rounding=ROUND_FLOOR) * step)
    notes.insert(0, f"need: {monthly_sales} a month × 12 × {days} days / 365 = {need}")
    notes.append(f"limited by {binding}: {quantize(lowest, currency)}, rounded down to {step}")
    return LimitRecommendation(
        amount=quantize(amount, currency),
        currency=currency,
        grade=grade,
        need=need,
        monthly_sales=monthly_sales,
        days_of_sales=days,
        caps=tuple((name, quantize(value, currency)) for name, value in caps),
        binding=binding,
        explanation=tuple(notes),
    )


def _size_caps(
    rule: GradeLimitRule, equity: Decimal | None, revenue: Decimal | None, policy: LimitPolicy
) -> tuple[list[tuple[str, Decimal]], list[str]]:
    caps: list[tuple[str, Decimal]] = []
    notes: list[str] = []
    if equity is not None:
        caps.append((f"{rule.equity_share:%} of equity", max(ZERO, equity) * rule.equity_share))
        if equity <= 0:
            notes.append("negative or zero equity: no unsecured credit on the buyer's size")
    if revenue is not None:
        caps.append((f"{rule.revenue_share:%} of revenue", revenue * rule.revenue_share))
    if equity is None and revenue is None:
        caps.append(("no financial statement", policy.max_without_financials))
    return caps, notes


class Decision(StrEnum):
    APPROVE = "approve"
    HOLD = "hold"
    REJECT = "reject"


_SEVERITY = {Decision.APPROVE: 0, Decision.HOLD: 1, Decision.REJECT: 2}


class CheckCode(StrEnum):
    WITHIN_LIMIT = "within_limit"
    WITHIN_TOLERANCE = "within_tolerance"
    OVER_LIMIT = "over_limit"
    NO_LIMIT = "no_limit"
    LIMIT_EXPIRED = "limit_expired"
    OVERDUE = "overdue"
    BLOCKED = "blocked"
    INSOLVENCY = "insolvency"
    OVER_INSURED_COVER = "over_insured_cover"


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditCheckPolicy:
    hold_overdue_days: int = 30  # overdue beyond this many days holds the order
    reject_overdue_days: int | None = 90
    overdue_tolerance: Decimal = ZERO  # overdue amounts up to this are ignored (bank fees, small gaps)
    over_limit_tolerance: Decimal = ZERO  # share over the limit still approved, e.g. 0.05
    reject_over_limit_share: Decimal | None = None  # share over the limit that rejects outright
    no_limit_decision: Decision = Decision.HOLD
    expired_limit_decision: Decision = Decision.HOLD
    blocked_decision: Decision = Decision.REJECT
    insolvency_decision: Decision = Decision.REJECT
    over_cover_decision: Decision = Decision.APPROVE  # approve with a warning by default


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditProfile:
    """What the check reads about the customer, precomputed by the caller."""

    customer_id: str
    exposure: Decimal  # net exposure (guarantees deducted), same basis as order amounts
    limit: CreditLimit | None = None
    blocked: bool = False
    block_reason: str = ""
    overdue_items: tuple[OpenItem, ...] = ()
    insolvency: LegalEvent | None = None
    insured_cover: Decimal | None = None
    currency: str = "EUR"


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckReason:
    code: CheckCode
    decision: Decision
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditDecision:
    customer_id: str
    outcome: Decision
    reasons: tuple[CheckReason, ...]  # most severe first
    order_amount: Decimal
    exposure_before: Decimal
    exposure_after: Decimal
    limit: Decimal | None
    headroom_after: Decimal | None  # limit - exposure after the order; negative when over


def credit_check(
    *, profile: CreditProfile, order_amount: Decimal, as_of: date, policy: CreditCheckPolicy | None = None
) -> CreditDecision:
    """Approve, hold or reject an order, with every reason that applies (pure arithmetic: microseconds)."""
    if order_amount < 0:
        raise InvalidAmount("an order amount cannot be negative")
    policy = policy or CreditCheckPolicy()
    after = profile.exposure + order_amount
    reasons = [
        *_status_reasons(profile, policy),
        *_limit_reasons(profile, after, as_of, policy),
        *_overdue_reasons(profile, as_of, policy),
        *_cover_reasons(profile, after, policy),
    ]
    reasons.sort(key=lambda r: _SEVERITY[r.decision], reverse=True)
    outcome = reasons[0].decision if reasons else Decision.APPROVE
    limit = profile.limit.amount if profile.limit else None
    return CreditDecision(
        customer_id=profile.customer_id,
        outcome=outcome,
        reasons=tuple(reasons),
        order_amount=order_amount,
        exposure_before=profile.exposure,
        exposure_after=after,
        limit=limit,
        headroom_after=None if limit is None else limit - after,
    )


def _money(amount: Decimal, profile: CreditProfile) -> str:
    return format_amount(amount, profile.currency, lang="en")


def _status_reasons(profile: CreditProfile, policy: CreditCheckPolicy) -> list[CheckReason]:
    reasons = []
    if profile.insolvency is not None:
        event = profile.insolvency
        message = f"insolvency proceeding ({event.kind.value}) published {event.published_on.isoformat()}"
        reasons.append(CheckReason(code=CheckCode.INSOLVENCY, decision=policy.insolvency_decision, message=message))
    if profile.blocked:
        message = "customer blocked" + (f": {profile.block_reason}" if profile.block_reason else "")
        reasons.append(CheckReason(code=CheckCode.BLOCKED, decision=policy.blocked_decision, message=message))
    return reasons


def _limit_reasons(profile: CreditProfile, after: Decimal, as_of: date, policy: CreditCheckPolicy) -> list[CheckReason]:
    limit = profile.limit
    if limit is None:
        return [
            CheckReason(code=CheckCode.NO_LIMIT, decision=policy.no_limit_decision, message="no credit limit granted")
        ]
    if limit.is_expired(as_of):
        assert limit.expires_on is not None
        message = f"credit limit expired on {limit.expires_on.isoformat()}"
        return [CheckReason(code=CheckCode.LIMIT_EXPIRED, decision=policy.expired_limit_decision, message=message)]
    figures = f"exposure after order {_money(after, profile)}, limit {_money(limit.amount, profile)}"
    if after <= limit.amount:
        return [CheckReason(code=CheckCode.WITHIN_LIMIT, decision=Decision.APPROVE, message=figures)]
    excess = after - limit.amount
    share = excess / limit.amount if limit.amount > 0 else None
    if share is not None and share <= policy.over_limit_tolerance:
        return [
            CheckReason(
                code=CheckCode.WITHIN_TOLERANCE, decision=Decision.APPROVE, message=f"{figures}: within tolerance"
            )
        ]
    reject = policy.reject_over_limit_share
    decision = Decision.REJECT if reject is not None and (share is None or share > reject) else Decision.HOLD
    message = f"{figures}: over limit by {_money(excess, profile)}"
    return [CheckReason(code=CheckCode.OVER_LIMIT, decision=decision, message=message)]


def _overdue_reasons(profile: CreditProfile, as_of: date, policy: CreditCheckPolicy) -> list[CheckReason]:
    late = [i for i in profile.overdue_items if (as_of - i.due_date).days > policy.hold_overdue_days]
    amount = sum((i.open_amount for i in late), ZERO)
    if not late or amount <= policy.overdue_tolerance:
        return []
    oldest = max((as_of - i.due_date).days for i in late)
    decision = Decision.HOLD
    if policy.reject_overdue_days is not None and oldest > policy.reject_overdue_days:
        decision = Decision.REJECT
    message = f"{_money(amount, profile)} overdue more than {policy.hold_overdue_days} days (oldest {oldest} days)"
    return [CheckReason(code=CheckCode.OVERDUE, decision=decision, message=message)]


def _cover_reasons(profile: CreditProfile, after: Decimal, policy: CreditCheckPolicy) -> list[CheckReason]:
    cover = profile.insured_cover
    if cover is None or after <= cover:
        return []
    excess = _money(after - cover, profile)
    message = f"exposure after order exceeds insured cover {_money(cover, profile)} by {excess}"
    return [CheckReason(code=CheckCode.OVER_INSURED_COVER, decision=policy.over_cover_decision, message=message)]
