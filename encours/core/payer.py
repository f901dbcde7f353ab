"""Behavioural payer index (0–100, 80 = pays on terms), its trend and its sector benchmark.

Each payment is scored by its days late on a Paydex-like curve (early > 80, late < 80), and
the index is the amount-weighted average of those scores over the trailing 12 months.
Invoices still open past their due date count as paid "at least that late" on ``as_of``,
so a customer who stops paying sees its index fall. The index is a ``Decimal`` with one
decimal.

>>> from datetime import date, timedelta
>>> from decimal import Decimal
>>> history = (
...     PaymentExperience(reference="F1", amount=Decimal(1000), due_date=date(2026, 3, 31), paid_on=date(2026, 3, 31)),
...     PaymentExperience(reference="F2", amount=Decimal(3000), due_date=date(2026, 4, 30), paid_on=date(2026, 5, 30)),
... )
>>> index = payer_index(experiences=history, as_of=date(2026, 6, 30))
>>> index.value, index.weighted_days_late  # (1000 × 80 + 3000 × 50) / 4000; 3000 × 30 / 4000
(Decimal('57.5'), Decimal('22.5'))
"""

from __future__ import annotations

import calendar
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from encours.core.errors import ValidationFailed
from encours.core.identifiers import naf_division, normalize_naf
from encours.core.money import ZERO
from encours.core.scoring import piecewise_linear
from encours.core.terms import end_of_month

ONE_DECIMAL = Decimal("0.1")
ON_TIME_SCORE = Decimal(80)

# D&B Paydex key: 80 prompt, 70 = 15 days slow, 60 = 22, 50 = 30, 40 = 60, 30 = 90, 20 = 120.
# Early side (100 anticipates by 30 days, 90 by 15) and the fall to 0 at 180 days are ours.
PAYDEX_LIKE_KNOTS: tuple[tuple[Decimal, Decimal], ...] = tuple(
    (Decimal(days), Decimal(score))
    for days, score in (
        (-30, 100), (-15, 90), (0, 80), (15, 70), (22, 60), (30, 50), (60, 40), (90, 30), (120, 20), (180, 0),
    )
)  # fmt: skip


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later (or earlier), clamped to the month's last day: 31 Mar - 1 = 28/29 Feb."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return day.replace(year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentExperience:
    """An amount settled against an invoice (a partial payment is its own experience)."""

    reference: str
    amount: Decimal
    due_date: date
    paid_on: date

    def __post_init__(self) -> None:
        if self.amount <= 0:
            raise ValidationFailed(f"payment experience {self.reference}: amount must be positive")


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenItem:
    """An invoice (part) still unpaid today."""

    reference: str
    open_amount: Decimal
    due_date: date


@dataclass(frozen=True, slots=True, kw_only=True)
class PayerScale:
    """How days late become a 0–100 score; the curve must give 80 to a payment on its due date."""

    knots: tuple[tuple[Decimal, Decimal], ...] = PAYDEX_LIKE_KNOTS
    window_months: int = 12
    grace_days: int = 0
    count_open_overdue: bool = True

    def __post_init__(self) -> None:
        days = [d for d, _ in self.knots]
        scores = [s for _, s in self.knots]
        if days != sorted(set(days)):
            raise ValidationFailed("payer scale knots must have strictly increasing days")
        if any(not ZERO <= s <= 100 for s in scores) or scores != sorted(scores, reverse=True):
            raise ValidationFailed("payer scale scores must fall from at most 100 to at least 0")
        if piecewise_linear(knots=self.knots, x=ZERO) != ON_TIME_SCORE:
            raise ValidationFailed("a payment on its due date must score 80")
        if self.window_months < 1 or self.grace_days < 0:
            raise ValidationFailed("payer window must be at least one month and grace not negative")

    def score(self, days_late: int) -> Decimal:
        effective = 0 if 0 < days_late <= self.grace_days else days_late
        return piecewise_linear(knots=self.knots, x=Decimal(effective))


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoredExperience:
    reference: str
    amount: Decimal
    due_date: date
    paid_on: date | None  # None: still unpaid on the index date
    days_late: int
    score: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class PayerIndex:
    as_of: date
    window_start: date  # first payment date included
    value: Decimal | None
    experiences: tuple[ScoredExperience, ...]
    amount: Decimal
    weighted_days_late: Decimal | None
    on_time_share: Decimal | None  # share of the amount paid on or before the due date
    reason: str | None = None


def payer_index(
    *,
    experiences: Iterable[PaymentExperience],
    open_items: Iterable[OpenItem] = (),
    as_of: date,
    scale: PayerScale | None = None,
) -> PayerIndex:
    """The amount-weighted payer index over the trailing window ending on ``as_of``."""
    scale = scale or PayerScale()
    window_start = add_months(as_of, -scale.window_months) + timedelta(days=1)
    scored = _scored_experiences(experiences, open_items, as_of, window_start, scale)
    amount = sum((s.amount for s in scored), ZERO)
    if not scored:
        reason = f"no payment between {window_start.isoformat()} and {as_of.isoformat()}"
        return PayerIndex(
            as_of=as_of,
            window_start=window_start,
            value=None,
            experiences=(),
            amount=ZERO,
            weighted_days_late=None,
            on_time_share=None,
            reason=reason,
        )
    value = sum((s.score * s.amount for s in scored), ZERO) / amount
    days = sum((s.days_late * s.amount for s in scored), ZERO) / amount
    on_time = sum((s.amount for s in scored if s.days_late <= 0), ZERO) / amount
    return PayerIndex(
        as_of=as_of,
        window_start=window_start,
        value=value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP),
        experiences=scored,
        amount=amount,
        weighted_days_late=days.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP),
        on_time_share=on_time,
    )


def _scored_experiences(
    experiences: Iterable[PaymentExperience],
    open_items: Iterable[OpenItem],
    as_of: date,
    window_start: date,
    scale: PayerScale,
) -> tuple[ScoredExperience, ...]:
    scored: list[ScoredExperience] = []
    for e in experiences:
        if window_start <= e.paid_on <= as_of:
            late = (e.paid_on - e.due_date).days
            scored.append(
                ScoredExperience(
                    reference=e.reference,
                    amount=e.amount,
                    due_date=e.due_date,
                    paid_on=e.paid_on,
                    days_late=late,
                    score=scale.score(late),
                )
            )
        elif e.paid_on > as_of and e.due_date < as_of and scale.count_open_overdue:
            # Paid later, but unpaid and overdue on as_of: as late as it was then.
            late = (as_of - e.due_date).days
            scored.append(
                ScoredExperience(
                    reference=e.reference,
                    amount=e.amount,
                    due_date=e.due_date,
                    paid_on=None,
                    days_late=late,
                    score=scale.score(late),
                )
            )
    if scale.count_open_overdue:
        for item in open_items:
            if item.due_date < as_of and item.open_amount > 0:
                late = (as_of - item.due_date).days
                scored.append(
                    ScoredExperience(
                        reference=item.reference,
                        amount=item.open_amount,
                        due_date=item.due_date,
                        paid_on=None,
                        days_late=late,
                        score=scale.score(late),
                    )
                )
    return tuple(scored)


class TrendDirection(StrEnum):
    IMPROVING = "improving"
    STABLE = "stable"
    DETERIORATING = "deteriorating"


@dataclass(frozen=True, slots=True, kw_only=True)
class PayerIndexPoint:
    on: date
    value: Decimal | None
    amount: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class PayerIndexTrend:
    points: tuple[PayerIndexPoint, ...]  # oldest first, the last one on as_of
    slope_per_month: Decimal | None  # least-squares over all points, index points per month
    change_over_year: Decimal | None  # latest minus the value 12 month ends earlier
    direction: TrendDirection | None

    @property
    def latest(self) -> Decimal | None:
        return self.points[-1].value if self.points else None

    def average_before_latest(self, *, months: int = 3) -> Decimal | None:
        """Mean of the ``months`` month-end values before the latest one (unknown ones skipped)."""
        values = [p.value for p in self.points[-1 - months : -1] if p.value is not None]
        if not values:
            return None
        return (sum(values, ZERO) / len(values)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def payer_index_trend(
    *,
    experiences: Iterable[PaymentExperience],
    open_items: Iterable[OpenItem] = (),
    as_of: date,
    months: int = 24,
    scale: PayerScale | None = None,
    stable_band: Decimal = Decimal(5),
) -> PayerIndexTrend:
    """The index as it stood at each of the last ``months`` month ends (the last point on as_of).

    The direction reads the change over the last 12 months: beyond ``stable_band`` index
    points either way the payer is improving or deteriorating.
    """
    history = tuple(experiences)
    still_open = tuple(open_items)
    dates = [end_of_month(add_months(as_of, -back)) for back in range(months - 1, 0, -1)] + [as_of]
    points = []
    for on in dates:
        index = payer_index(experiences=history, open_items=still_open, as_of=on, scale=scale)
        points.append(PayerIndexPoint(on=on, value=index.value, amount=index.amount))
    slope = _least_squares_slope(points)
    change = _difference(points[-1].value, points[-13].value) if len(points) >= 13 else None
    direction = None
    if change is not None:
        direction = TrendDirection.STABLE
        if change > stable_band:
            direction = TrendDirection.IMPROVING
        elif change < -stable_band:
            direction = TrendDirection.DETERIORATING
    return PayerIndexTrend(points=tuple(points), slope_per_month=slope, change_over_year=change, direction=direction)


def _least_squares_slope(points: list[PayerIndexPoint]) -> Decimal | None:
    known = [(Decimal(i), p.value) for i, p in enumerate(points) if p.value is not None]
    if len(known) < 3:
        return None
    mean_x = sum((x for x, _ in known), ZERO) / len(known)
    mean_y = sum((y for _, y in known), ZERO) / len(known)
    covariance = sum(((x - mean_x) * (y - mean_y) for x, y in known), ZERO)
    variance = sum(((x - mean_x) ** 2 for x, _ in known), ZERO)
    return (covariance / variance).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True, kw_only=True)
class PortfolioPayer:
    """One customer's index and the amount behind it, as the benchmark reads it."""

    customer_id: str
    naf_code: str | None
    index: Decimal | None
    amount: Decimal

    @property
    def division(self) -> str | None:
        try:
            return naf_division(normalize_naf(self.naf_code)) if self.naf_code else None
        except ValueError:
            return None


@dataclass(frozen=True, slots=True, kw_only=True)
class PayerAverage:
    scope: str  # "portfolio" or a NAF division such as "47"
    average: Decimal | None  # amount-weighted: the index of the scope's pooled payments
    median: Decimal | None  # of the customers' indexes
    customers: int
    amount: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class PayerBenchmarks:
    portfolio: PayerAverage
    sectors: tuple[PayerAverage, ...]

    def sector(self, division: str) -> PayerAverage | None:
        return next((s for s in self.sectors if s.scope == division), None)


def _average(scope: str, members: list[PortfolioPayer]) -> PayerAverage:
    rated = [m for m in members if m.index is not None and m.amount > 0]
    amount = sum((m.amount for m in rated), ZERO)
    if not rated:
        return PayerAverage(scope=scope, average=None, median=None, customers=0, amount=ZERO)
    weighted = sum((m.index * m.amount for m in rated if m.index is not None), ZERO) / amount
    median = Decimal(statistics.median(m.index for m in rated if m.index is not None))
    return PayerAverage(
        scope=scope,
        average=weighted.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP),
        median=median.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP),
        customers=len(rated),
        amount=amount,
    )


def payer_benchmarks(*, portfolio: Iterable[PortfolioPayer]) -> PayerBenchmarks:
    """Averages for the whole portfolio and each NAF division, in one pass over the customers."""
    members = list(portfolio)
    by_division: dict[str, list[PortfolioPayer]] = {}
    for member in members:
        if member.division is not None:
            by_division.setdefault(member.division, []).append(member)
    sectors = tuple(_average(division, by_division[division]) for division in sorted(by_division))
    return PayerBenchmarks(portfolio=_average("portfolio", members), sectors=sectors)


@dataclass(frozen=True, slots=True, kw_only=True)
class PayerComparison:
    customer_id: str
    index: Decimal | None
    division: str | None
    sector: PayerAverage | None
    portfolio: PayerAverage
    versus_sector: Decimal | None  # positive: pays better than its sector
    versus_portfolio: Decimal | None
    reason: str | None = None


def compare_payer(
    *, customer: PortfolioPayer, benchmarks: PayerBenchmarks, min_sector_customers: int = 3
) -> PayerComparison:
    """The customer's index against its NAF division and the whole portfolio."""
    division = customer.division
    sector = benchmarks.sector(division) if division else None
    reasons = []
    if customer.index is None:
        reasons.append("no payer index for this customer")
    if division is None:
        reasons.append("no valid NAF code: no sector to compare with")
    elif sector is None or sector.customers < min_sector_customers:
        count = 0 if sector is None else sector.customers
        reasons.append(f"only {count} rated customer(s) in NAF division {division}: too few to compare")
        sector = None
    versus_sector = _difference(customer.index, sector.average if sector else None)
    versus_portfolio = _difference(customer.index, benchmarks.portfolio.average)
    return PayerComparison(
        customer_id=customer.customer_id,
        index=customer.index,
        division=division,
        sector=sector,
        portfolio=benchmarks.portfolio,
        versus_sector=versus_sector,
        versus_portfolio=versus_portfolio,
        reason="; ".join(reasons) or None,
    )


def _difference(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a - b
