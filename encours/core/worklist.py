"""A collector's daily worklist: customers ranked by priority, each with its reasons.

priority = overdue amount × days-late factor × risk factor × strategic weight × boost

- overdue amount: the undisputed amount past due, in the functional currency;
- days-late factor = 1 + min(days, 180) / 60, from 1 to 4, where days is the amount-weighted
  average days past due of that overdue amount (the oldest invoice alone would let one
  forgotten small invoice outrank a large fresh delay);
- risk factor: from the grade (A 0.8, B 1.0, C 1.3, D 1.7, E 2.2) and/or the probability p
  of late payment (0.8 + 1.4 × p, same range); the mean of both when both are known, 1.0
  when neither is;
- strategic weight: 1.5 for a strategic customer, or the customer's own weight, kept within
  0.5–2.0;
- boost for what is due today: broken promise × 2, promise due today × 1.5, call task due
  × 1.5, multiplied together but capped at × 3.

Every factor is a ``Decimal`` rounded to two places, so the score (a ``Decimal`` in
"points", i.e. weighted euros) can be recomputed by hand from the explanation. All bounds
are parameters (``WorklistWeights``).

>>> from encours.core.money import D
>>> lines = rank_worklist(customers=[
...     WorklistCustomer(customer_id=1, name="Acme", overdue_amount=D("10000"), days_late=D("30"), grade="D"),
...     WorklistCustomer(customer_id=2, name="Bolt", overdue_amount=D("20000"), days_late=D("5"), grade="A"),
... ])
>>> [(line.name, line.score) for line in lines]
[('Acme', Decimal('25500.00')), ('Bolt', Decimal('17280.00'))]
>>> [c.factor for c in lines[0].contributions]
[Decimal('10000.00'), Decimal('1.50'), Decimal('1.70'), Decimal('1.00'), Decimal('1.00')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from encours.core.dunning.planner import OpenItem
from encours.core.errors import ValidationFailed
from encours.core.money import ZERO, quantize

__all__ = [
    "Contribution",
    "OverdueProfile",
    "WorklistCustomer",
    "WorklistLine",
    "WorklistWeights",
    "overdue_profiles",
    "rank_worklist",
]

Id = int | str
_TWO_PLACES = Decimal("0.01")


def _two_places(value: Decimal) -> Decimal:
    return value.quantize(_TWO_PLACES, ROUND_HALF_UP)


def _default_grade_factors() -> dict[str, Decimal]:
    return {
        "A": Decimal("0.8"),
        "B": Decimal("1.0"),
        "C": Decimal("1.3"),
        "D": Decimal("1.7"),
        "E": Decimal("2.2"),
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class WorklistWeights:
    days_cap: int = 180
    days_per_point: int = 60
    grade_factors: Mapping[str, Decimal] = field(default_factory=_default_grade_factors)
    probability_floor: Decimal = Decimal("0.8")
    probability_span: Decimal = Decimal("1.4")
    strategic_weight: Decimal = Decimal("1.5")
    weight_min: Decimal = Decimal("0.5")
    weight_max: Decimal = Decimal("2.0")
    broken_promise_boost: Decimal = Decimal("2.0")
    promise_due_boost: Decimal = Decimal("1.5")
    call_due_boost: Decimal = Decimal("1.5")
    boost_cap: Decimal = Decimal("3.0")


@dataclass(frozen=True, slots=True, kw_only=True)
class WorklistCustomer:
    """What the worklist needs about a customer; ``days_late`` is the amount-weighted average
    days past due of ``overdue_amount`` (see ``overdue_profiles``), the probability a float
    in [0, 1] from the payment-date model when there is one."""

    customer_id: Id
    name: str
    overdue_amount: Decimal = ZERO
    days_late: Decimal = ZERO
    collector_id: Id | None = None
    grade: str | None = None
    late_payment_probability: float | None = None
    is_strategic: bool = False
    strategic_weight: Decimal | None = None
    broken_promises: int = 0
    promises_due_today: int = 0
    call_tasks_due: int = 0
    currency: str = "EUR"


@dataclass(frozen=True, slots=True, kw_only=True)
class Contribution:
    """One factor of the score: its value and how it was obtained, in words."""

    name: str
    factor: Decimal
    explanation: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WorklistLine:
    rank: int
    customer_id: Id
    name: str
    collector_id: Id | None
    score: Decimal
    overdue_amount: Decimal
    days_late: Decimal
    contributions: tuple[Contribution, ...]
    headline: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OverdueProfile:
    overdue_amount: Decimal
    days_late: Decimal
    oldest_days_late: int
    overdue_items: int


def overdue_profiles(*, items: Iterable[OpenItem], as_of: date, currency: str = "EUR") -> dict[Id, OverdueProfile]:
    """Per customer: undisputed overdue amount (functional currency), its amount-weighted
    average days past due (Σ amount × days / Σ amount), the oldest delay, the count."""
    amounts: dict[Id, Decimal] = {}
    weighted: dict[Id, Decimal] = {}
    oldest: dict[Id, int] = {}
    counts: dict[Id, int] = {}
    for item in items:
        days = (as_of - item.due_date).days
        undisputed = item.open_amount - item.disputed_amount
        if days <= 0 or item.open_amount <= 0 or undisputed <= 0:
            continue
        amount = item.functional_open * undisputed / item.open_amount
        key = item.customer_id
        amounts[key] = amounts.get(key, ZERO) + amount
        weighted[key] = weighted.get(key, ZERO) + amount * days
        oldest[key] = max(oldest.get(key, 0), days)
        counts[key] = counts.get(key, 0) + 1
    return {
        key: OverdueProfile(
            overdue_amount=quantize(amount, currency),
            days_late=(weighted[key] / amount).quantize(Decimal("0.1"), ROUND_HALF_UP),
            oldest_days_late=oldest[key],
            overdue_items=counts[key],
        )
        for key, amount in amounts.items()
    }


def rank_worklist(
    *,
    customers: Iterable[WorklistCustomer],
    weights: WorklistWeights = WorklistWeights(),
    collector_id: Id | None = None,
    limit: int | None = None,
) -> tuple[WorklistLine, ...]:
    """Score, explain and sort; customers with nothing overdue and nothing due are left out.

    Ties go to the larger overdue amount, then the longer delay, then the name.
    """
    scored = [
        _line(customer, weights)
        for customer in customers
        if (collector_id is None or customer.collector_id == collector_id) and _has_work(customer)
    ]
    scored.sort(key=lambda line: (-line.score, -line.overdue_amount, -line.days_late, line.name))
    if limit is not None:
        scored = scored[:limit]
    return tuple(_with_rank(line, rank) for rank, line in enumerate(scored, start=1))


def _has_work(customer: WorklistCustomer) -> bool:
    tasks = customer.broken_promises + customer.promises_due_today + customer.call_tasks_due
    return customer.overdue_amount > 0 or tasks > 0


def _with_rank(line: WorklistLine, rank: int) -> WorklistLine:
    return WorklistLine(
        rank=rank,
        customer_id=line.customer_id,
        name=line.name,
        collector_id=line.collector_id,
        score=line.score,
        overdue_amount=line.overdue_amount,
        days_late=line.days_late,
        contributions=line.contributions,
        headline=line.headline,
    )


def _line(customer: WorklistCustomer, weights: WorklistWeights) -> WorklistLine:
    amount = quantize(max(customer.overdue_amount, ZERO), customer.currency)
    contributions = (
        Contribution(
            name="overdue amount", factor=amount, explanation=f"{amount} {customer.currency} undisputed and past due"
        ),
        _days_factor(customer, weights),
        _risk_factor(customer, weights),
        _strategic_factor(customer, weights),
        _boost(customer, weights),
    )
    score = amount
    for contribution in contributions[1:]:
        score *= contribution.factor
    return WorklistLine(
        rank=0,
        customer_id=customer.customer_id,
        name=customer.name,
        collector_id=customer.collector_id,
        score=_two_places(score),
        overdue_amount=amount,
        days_late=customer.days_late,
        contributions=contributions,
        headline=_headline(customer, contributions),
    )


def _days_factor(customer: WorklistCustomer, weights: WorklistWeights) -> Contribution:
    days = min(max(customer.days_late, ZERO), Decimal(weights.days_cap))
    factor = _two_places(1 + days / weights.days_per_point)
    capped = ", capped" if customer.days_late > weights.days_cap else ""
    explanation = (
        f"{customer.days_late} days late on average → 1 + {days}/{weights.days_per_point}{capped} "
        f"(at most {weights.days_cap} days)"
    )
    return Contribution(name="days late", factor=factor, explanation=explanation)


def _risk_factor(customer: WorklistCustomer, weights: WorklistWeights) -> Contribution:
    parts: list[tuple[Decimal, str]] = []
    if customer.grade is not None:
        grade = customer.grade.strip().upper()
        if grade not in weights.grade_factors:
            raise ValidationFailed(f"{customer.name}: unknown risk grade {customer.grade!r}")
        parts.append((weights.grade_factors[grade], f"grade {grade} → {weights.grade_factors[grade]}"))
    if customer.late_payment_probability is not None:
        p = customer.late_payment_probability
        if not 0 <= p <= 1:
            raise ValidationFailed(f"{customer.name}: late-payment probability {p} outside [0, 1]")
        value = weights.probability_floor + weights.probability_span * Decimal(str(round(p, 4)))
        parts.append((value, f"late-payment probability {p:.0%} → {_two_places(value)}"))
    if not parts:
        return Contribution(
            name="risk", factor=Decimal("1.00"), explanation="no grade nor late-payment probability: neutral"
        )
    factor = _two_places(sum((value for value, _ in parts), ZERO) / len(parts))
    how = " and ".join(text for _, text in parts) + (", averaged" if len(parts) > 1 else "")
    return Contribution(name="risk", factor=factor, explanation=how)


def _strategic_factor(customer: WorklistCustomer, weights: WorklistWeights) -> Contribution:
    if customer.strategic_weight is not None:
        weight = min(max(customer.strategic_weight, weights.weight_min), weights.weight_max)
        bounds = f"{weights.weight_min}–{weights.weight_max}"
        explanation = f"customer weight {customer.strategic_weight} (kept within {bounds})"
    elif customer.is_strategic:
        weight, explanation = weights.strategic_weight, "strategic customer"
    else:
        weight, explanation = Decimal(1), "standard customer"
    return Contribution(name="strategic weight", factor=_two_places(weight), explanation=explanation)


def _boost(customer: WorklistCustomer, weights: WorklistWeights) -> Contribution:
    boost, reasons = Decimal(1), []
    if customer.broken_promises:
        boost *= weights.broken_promise_boost
        reasons.append(f"broken promise × {weights.broken_promise_boost}")
    if customer.promises_due_today:
        boost *= weights.promise_due_boost
        reasons.append(f"promise due today × {weights.promise_due_boost}")
    if customer.call_tasks_due:
        boost *= weights.call_due_boost
        reasons.append(f"call task due × {weights.call_due_boost}")
    if boost > weights.boost_cap:
        boost = weights.boost_cap
        reasons.append(f"capped at × {weights.boost_cap}")
    return Contribution(
        name="due today", factor=_two_places(boost), explanation=", ".join(reasons) or "nothing due today"
    )


def _headline(customer: WorklistCustomer, contributions: tuple[Contribution, ...]) -> str:
    """The reason shown in the list: what is due today first, then the size of the problem."""
    due = [
        label
        for count, label in (
            (customer.broken_promises, "broken promise"),
            (customer.promises_due_today, "promise due today"),
            (customer.call_tasks_due, "call due"),
        )
        if count
    ]
    facts = [f"{contributions[0].factor} {customer.currency} overdue"] if customer.overdue_amount > 0 else []
    if customer.overdue_amount > 0:
        facts.append(f"{customer.days_late} days late on average")
    risk = contributions[2]
    if risk.factor > 1:
        facts.append(f"high risk ({risk.explanation})")
    if contributions[3].factor > 1:
        facts.append("strategic")
    return "; ".join([*due, ", ".join(facts)] if facts else due)
