"""Combined risk grade A–E, with the contribution of each input to the score.

Five factors are each read on a 0–100 sub-score: financial scores (Altman Z'', Conan-Holder),
payer index, external rating, legal events and seniority. The score is their weighted
average over the factors that have data (weights are configurable data); each factor's
``points`` = its share of the weight × its sub-score, rounded to the cent, and the score
is exactly the sum of the points. An open insolvency proceeding forces grade E.

>>> from datetime import date
>>> from decimal import Decimal
>>> grade = grade_customer(
...     inputs=GradeInputs(payer_index=Decimal(80), company_created_on=date(2004, 5, 1)),
...     as_of=date(2026, 6, 30),
... )
>>> grade.letter, grade.score  # payer 25 × 80 + legal 10 × 100 + seniority 10 × 100, over 45
('A', Decimal('88.89'))
>>> [(c.factor.value, c.points) for c in grade.contributions if c.points]
[('payer', Decimal('44.45')), ('legal', Decimal('22.22')), ('seniority', Decimal('22.22'))]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum

from encours.core.errors import ValidationFailed
from encours.core.money import ZERO
from encours.core.scoring import AltmanZScore, ConanHolderScore, piecewise_linear

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
DAYS_PER_YEAR = Decimal("365.25")
GRADES = ("A", "B", "C", "D", "E")


class GradeFactor(StrEnum):
    FINANCIAL = "financial"
    PAYER = "payer"
    EXTERNAL_RATING = "external_rating"
    LEGAL = "legal"
    SENIORITY = "seniority"


class LegalEventKind(StrEnum):
    SAFEGUARD = "safeguard"  # procédure de sauvegarde
    RECEIVERSHIP = "receivership"  # redressement judiciaire
    LIQUIDATION = "liquidation"  # liquidation judiciaire
    CONTINUATION_PLAN = "continuation_plan"  # plan de sauvegarde ou de redressement arrêté
    PROCEEDING_CLOSED = "proceeding_closed"  # clôture de la procédure, fin du plan
    TAX_SOCIAL_LIEN = "tax_social_lien"  # inscription de privilège du Trésor ou de l'URSSAF
    DISSOLUTION = "dissolution"
    MANAGEMENT_CHANGE = "management_change"
    OTHER = "other"


INSOLVENCY_KINDS = frozenset({LegalEventKind.SAFEGUARD, LegalEventKind.RECEIVERSHIP, LegalEventKind.LIQUIDATION})
# Events that describe the state of a collective proceeding: only the latest one counts.
PROCEEDING_KINDS = INSOLVENCY_KINDS | {LegalEventKind.CONTINUATION_PLAN, LegalEventKind.PROCEEDING_CLOSED}


@dataclass(frozen=True, slots=True, kw_only=True)
class LegalEvent:
    kind: LegalEventKind
    published_on: date
    description: str = ""
    source: str = ""  # e.g. "BODACC A n°123"
    reference: str = ""

    @property
    def is_insolvency(self) -> bool:
        return self.kind in INSOLVENCY_KINDS


def open_insolvency(*, events: Iterable[LegalEvent], as_of: date) -> LegalEvent | None:
    """The insolvency proceeding in force on ``as_of``: the latest proceeding event, if it opened one."""
    proceedings = [e for e in events if e.kind in PROCEEDING_KINDS and e.published_on <= as_of]
    if not proceedings:
        return None
    latest = max(proceedings, key=lambda e: e.published_on)
    return latest if latest.is_insolvency else None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExternalRating:
    agency: str
    rating: str
    rated_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class RatingScale:
    """How one agency's ratings read on 0–100: a table of grades, or a linear numeric range."""

    agency: str
    grades: tuple[tuple[str, Decimal], ...] = ()
    numeric_range: tuple[Decimal, Decimal] | None = None  # (worst, best)

    def subscore(self, rating: str) -> Decimal | None:
        text = rating.strip().upper()
        for grade, score in self.grades:
            if grade.upper() == text:
                return score
        if self.numeric_range is None:
            return None
        worst, best = self.numeric_range
        try:
            value = Decimal(text.replace(",", "."))
        except ArithmeticError:
            return None
        if not value.is_finite() or not min(worst, best) <= value <= max(worst, best):
            return None
        return (value - worst) / (best - worst) * HUNDRED


def _table(*pairs: tuple[str, int]) -> tuple[tuple[str, Decimal], ...]:
    return tuple((grade, Decimal(score)) for grade, score in pairs)


# Banque de France cotation crédit (3++ best, P = collective proceeding); "0" is not a rating.
BANQUE_DE_FRANCE_GRADES = (
    ("3++", 100), ("3+", 95), ("3", 90), ("4+", 80), ("4", 70), ("5+", 60), ("5", 50),
    ("6", 35), ("7", 25), ("8", 10), ("9", 5), ("P", 0),
)  # fmt: skip
DEFAULT_RATING_SCALES = (
    RatingScale(agency="banque_de_france", grades=_table(*BANQUE_DE_FRANCE_GRADES)),
    RatingScale(agency="coface_dra", numeric_range=(Decimal(0), Decimal(10))),  # 0 = default, 10 = best
    RatingScale(agency="score_100", numeric_range=(Decimal(0), Decimal(100))),  # any 0–100 failure score
)


def _knots(*pairs: tuple[str, int]) -> tuple[tuple[Decimal, Decimal], ...]:
    return tuple((Decimal(x), Decimal(y)) for x, y in pairs)


@dataclass(frozen=True, slots=True, kw_only=True)
class GradeWeights:
    financial: Decimal = Decimal(35)
    payer: Decimal = Decimal(25)
    external_rating: Decimal = Decimal(20)
    legal: Decimal = Decimal(10)
    seniority: Decimal = Decimal(10)

    def __post_init__(self) -> None:
        weights = [self.of(f) for f in GradeFactor]
        if any(w < 0 for w in weights) or sum(weights) <= 0:
            raise ValidationFailed("grade weights must be non-negative and not all zero")

    def of(self, factor: GradeFactor) -> Decimal:
        weight: Decimal = getattr(self, factor.value)
        return weight


@dataclass(frozen=True, slots=True, kw_only=True)
class GradingConfig:
    """Everything the credit manager may tune; the defaults are a reasonable French SME policy."""

    weights: GradeWeights = field(default_factory=GradeWeights)
    # Lowest score of each grade, best first; below the last one: E.
    grade_floors: tuple[tuple[str, Decimal], ...] = (
        ("A", Decimal(80)), ("B", Decimal(65)), ("C", Decimal(50)), ("D", Decimal(35)),
    )  # fmt: skip
    min_coverage: Decimal = Decimal("0.4")  # share of the weight that must have data
    altman_knots: tuple[tuple[Decimal, Decimal], ...] = _knots(
        ("0", 0), ("1.10", 35), ("2.60", 70), ("4", 90), ("6", 100)
    )
    conan_knots: tuple[tuple[Decimal, Decimal], ...] = _knots(
        ("-0.10", 0), ("0.04", 25), ("0.09", 50), ("0.16", 75), ("0.30", 100)
    )
    # Accounts are filed up to 7 months after closing: beyond ~2 years they no longer describe the buyer.
    accounts_max_age_days: int = 730
    rating_scales: tuple[RatingScale, ...] = DEFAULT_RATING_SCALES
    rating_max_age_days: int = 456  # about 15 months: ratings are reviewed on each year's accounts
    legal_lookback_days: int = 3 * 365
    legal_subscores: tuple[tuple[LegalEventKind, Decimal], ...] = tuple(
        (kind, Decimal(score))
        for kind, score in (
            (LegalEventKind.LIQUIDATION, 0), (LegalEventKind.RECEIVERSHIP, 0),
            (LegalEventKind.SAFEGUARD, 10), (LegalEventKind.DISSOLUTION, 20),
            (LegalEventKind.CONTINUATION_PLAN, 30), (LegalEventKind.TAX_SOCIAL_LIEN, 40),
            (LegalEventKind.PROCEEDING_CLOSED, 60), (LegalEventKind.MANAGEMENT_CHANGE, 85),
            (LegalEventKind.OTHER, 90),
        )
    )  # fmt: skip
    # Young companies fail most (INSEE: about four new firms in ten are gone within five years).
    company_age_knots: tuple[tuple[Decimal, Decimal], ...] = _knots(
        ("0", 10), ("1", 25), ("3", 50), ("5", 70), ("10", 90), ("20", 100)
    )
    relationship_age_knots: tuple[tuple[Decimal, Decimal], ...] = _knots(("0", 40), ("1", 60), ("3", 80), ("5", 100))
    insolvency_grade: str = "E"

    def __post_init__(self) -> None:
        floors = [floor for _, floor in self.grade_floors]
        if floors != sorted(floors, reverse=True):
            raise ValidationFailed("grade floors must fall from the best grade to the worst")
        if not ZERO < self.min_coverage <= 1:
            raise ValidationFailed("minimum coverage must be a share between 0 and 1")

    def letter_for(self, score: Decimal) -> str:
        for letter, floor in self.grade_floors:
            if score >= floor:
                return letter
        return GRADES[-1]


@dataclass(frozen=True, slots=True, kw_only=True)
class GradeInputs:
    """What the grade reads; anything unknown stays ``None`` or empty."""

    altman: AltmanZScore | None = None
    conan_holder: ConanHolderScore | None = None
    accounts_closed_on: date | None = None  # closing date of the statement the scores come from
    payer_index: Decimal | None = None
    external_ratings: tuple[ExternalRating, ...] = ()
    legal_events: tuple[LegalEvent, ...] = ()
    company_created_on: date | None = None
    customer_since: date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FactorReading:
    factor: GradeFactor
    subscore: Decimal | None  # 0–100, None when the factor has no data
    detail: str  # the inputs read, or why the factor is missing


@dataclass(frozen=True, slots=True, kw_only=True)
class Contribution:
    factor: GradeFactor
    subscore: Decimal | None
    weight: Decimal  # as configured
    effective_weight: Decimal  # share of the weight of the factors with data (0 if missing)
    points: Decimal  # effective_weight × subscore, to the cent; the points sum to the score
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Grade:
    letter: str | None
    score: Decimal | None
    contributions: tuple[Contribution, ...]
    coverage: Decimal  # share of the configured weight that had data
    cap: str | None = None  # why the letter was forced, if it was
    reason: str | None = None  # why there is no letter

    def contribution(self, factor: GradeFactor) -> Contribution:
        return next(c for c in self.contributions if c.factor is factor)


def financial_reading(*, inputs: GradeInputs, as_of: date, config: GradingConfig) -> FactorReading:
    closed = inputs.accounts_closed_on
    if closed is not None and (as_of - closed).days > config.accounts_max_age_days:
        detail = f"accounts closed {closed.isoformat()} are too old ({(as_of - closed).days} days)"
        return FactorReading(factor=GradeFactor.FINANCIAL, subscore=None, detail=detail)
    parts: list[tuple[Decimal, str]] = []
    missing: list[str] = []
    altman, conan = inputs.altman, inputs.conan_holder
    if altman is not None and altman.value is not None and altman.zone is not None:
        score = piecewise_linear(knots=config.altman_knots, x=altman.value)
        parts.append((score, f"Altman Z'' {altman.value:.2f} ({altman.zone.value}) → {score:.0f}"))
    else:
        missing.append(f"Altman Z'': {altman.reason if altman else 'no statement'}")
    if conan is not None and conan.value is not None and conan.zone is not None:
        score = piecewise_linear(knots=config.conan_knots, x=conan.value)
        parts.append((score, f"Conan-Holder {conan.value:.4f} ({conan.zone.value}) → {score:.0f}"))
    else:
        missing.append(f"Conan-Holder: {conan.reason if conan else 'no statement'}")
    if not parts:
        return FactorReading(factor=GradeFactor.FINANCIAL, subscore=None, detail="; ".join(missing))
    subscore = sum((s for s, _ in parts), ZERO) / len(parts)
    return FactorReading(
        factor=GradeFactor.FINANCIAL, subscore=subscore, detail="; ".join([d for _, d in parts] + missing)
    )


def payer_reading(*, inputs: GradeInputs) -> FactorReading:
    if inputs.payer_index is None:
        return FactorReading(
            factor=GradeFactor.PAYER, subscore=None, detail="no payment history in the trailing 12 months"
        )
    return FactorReading(
        factor=GradeFactor.PAYER, subscore=inputs.payer_index, detail=f"payer index {inputs.payer_index}"
    )


def rating_reading(*, inputs: GradeInputs, as_of: date, config: GradingConfig) -> FactorReading:
    scales = {scale.agency: scale for scale in config.rating_scales}
    known = [r for r in inputs.external_ratings if r.rated_on <= as_of]
    if not known:
        return FactorReading(factor=GradeFactor.EXTERNAL_RATING, subscore=None, detail="no external rating")
    latest = max(known, key=lambda r: r.rated_on)
    label = f"{latest.agency} {latest.rating} of {latest.rated_on.isoformat()}"
    age = (as_of - latest.rated_on).days
    if age > config.rating_max_age_days:
        return FactorReading(
            factor=GradeFactor.EXTERNAL_RATING, subscore=None, detail=f"{label} is stale ({age} days old)"
        )
    scale = scales.get(latest.agency)
    subscore = scale.subscore(latest.rating) if scale else None
    if subscore is None:
        return FactorReading(
            factor=GradeFactor.EXTERNAL_RATING, subscore=None, detail=f"{label}: not on a configured scale"
        )
    return FactorReading(factor=GradeFactor.EXTERNAL_RATING, subscore=subscore, detail=f"{label} → {subscore:.0f}")


def legal_reading(*, inputs: GradeInputs, as_of: date, config: GradingConfig) -> FactorReading:
    """The worst recent event; of proceeding events only the latest (the current state) counts."""
    recent = [e for e in inputs.legal_events if 0 <= (as_of - e.published_on).days <= config.legal_lookback_days]
    proceedings = [e for e in recent if e.kind in PROCEEDING_KINDS]
    counted = [e for e in recent if e.kind not in PROCEEDING_KINDS]
    if proceedings:
        counted.append(max(proceedings, key=lambda e: e.published_on))
    if not counted:
        return FactorReading(factor=GradeFactor.LEGAL, subscore=HUNDRED, detail="no legal event in the lookback period")
    subscores = dict(config.legal_subscores)
    worst = min(counted, key=lambda e: subscores.get(e.kind, HUNDRED))
    subscore = subscores.get(worst.kind, HUNDRED)
    return FactorReading(
        factor=GradeFactor.LEGAL,
        subscore=subscore,
        detail=f"{worst.kind.value} published {worst.published_on.isoformat()}",
    )


def _years(since: date, as_of: date) -> Decimal:
    return Decimal((as_of - since).days) / DAYS_PER_YEAR


def seniority_reading(*, inputs: GradeInputs, as_of: date, config: GradingConfig) -> FactorReading:
    parts: list[tuple[Decimal, str]] = []
    if inputs.company_created_on is not None:
        years = _years(inputs.company_created_on, as_of)
        score = piecewise_linear(knots=config.company_age_knots, x=years)
        parts.append((score, f"company created {years:.1f} years ago → {score:.0f}"))
    if inputs.customer_since is not None:
        years = _years(inputs.customer_since, as_of)
        score = piecewise_linear(knots=config.relationship_age_knots, x=years)
        parts.append((score, f"customer for {years:.1f} years → {score:.0f}"))
    if not parts:
        return FactorReading(
            factor=GradeFactor.SENIORITY, subscore=None, detail="creation date and relationship start unknown"
        )
    subscore = sum((s for s, _ in parts), ZERO) / len(parts)
    return FactorReading(factor=GradeFactor.SENIORITY, subscore=subscore, detail="; ".join(d for _, d in parts))


def factor_readings(*, inputs: GradeInputs, as_of: date, config: GradingConfig) -> tuple[FactorReading, ...]:
    return (
        financial_reading(inputs=inputs, as_of=as_of, config=config),
        payer_reading(inputs=inputs),
        rating_reading(inputs=inputs, as_of=as_of, config=config),
        legal_reading(inputs=inputs, as_of=as_of, config=config),
        seniority_reading(inputs=inputs, as_of=as_of, config=config),
    )


def combine_readings(*, readings: tuple[FactorReading, ...], weights: GradeWeights) -> tuple[Contribution, ...]:
    """Weighted average over the factors with data, as points that sum exactly to the score."""
    available = sum((weights.of(r.factor) for r in readings if r.subscore is not None), ZERO)
    shares = [weights.of(r.factor) / available if r.subscore is not None and available > 0 else ZERO for r in readings]
    raw = [share * (r.subscore or ZERO) for share, r in zip(shares, readings, strict=True)]
    points = _points_summing_to_rounded_total(raw)
    return tuple(
        Contribution(
            factor=r.factor,
            subscore=r.subscore,
            weight=weights.of(r.factor),
            effective_weight=share,
            points=p,
            detail=r.detail,
        )
        for r, share, p in zip(readings, shares, points, strict=True)
    )


def _points_summing_to_rounded_total(raw: list[Decimal]) -> list[Decimal]:
    """Round each value to the cent so that they add up to their rounded total (largest remainder)."""
    total = sum(raw, ZERO).quantize(CENT, rounding=ROUND_HALF_UP)
    floors = [value.quantize(CENT, rounding=ROUND_FLOOR) for value in raw]
    cents_left = int((total - sum(floors, ZERO)) / CENT)
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - floors[i], reverse=True)
    for i in by_remainder[:cents_left]:
        floors[i] += CENT
    return floors


def grade_customer(*, inputs: GradeInputs, as_of: date, config: GradingConfig | None = None) -> Grade:
    """Grade A–E with its explanation; no letter when too little of the weight has data."""
    config = config or GradingConfig()
    readings = factor_readings(inputs=inputs, as_of=as_of, config=config)
    contributions = combine_readings(readings=readings, weights=config.weights)
    total_weight = sum((config.weights.of(f) for f in GradeFactor), ZERO)
    covered = sum((c.weight for c in contributions if c.subscore is not None), ZERO)
    coverage = covered / total_weight
    score: Decimal | None = sum((c.points for c in contributions), ZERO)
    letter = config.letter_for(score) if score is not None else None
    reason = None
    if coverage < config.min_coverage:
        score, letter = None, None
        reason = f"only {coverage:.0%} of the weight has data (minimum {config.min_coverage:.0%})"
    insolvency = open_insolvency(events=inputs.legal_events, as_of=as_of)
    cap = None
    if insolvency is not None:
        letter = config.insolvency_grade
        cap = f"open {insolvency.kind.value} published {insolvency.published_on.isoformat()}: grade {letter}"
    return Grade(letter=letter, score=score, contributions=contributions, coverage=coverage, cap=cap, reason=reason)


def grade_rank(letter: str) -> int:
    """0 for A … 4 for E, so that a larger rank is a worse grade."""
    return GRADES.index(letter)


def is_downgrade(*, previous: str | None, current: str | None) -> bool:
    return previous is not None and current is not None and grade_rank(current) > grade_rank(previous)


def contribution_changes(*, previous: Grade, current: Grade) -> tuple[tuple[GradeFactor, Decimal], ...]:
    """Which inputs moved the score: points gained or lost per factor, largest move first."""
    before = {c.factor: c.points for c in previous.contributions}
    moves = [(c.factor, c.points - before.get(c.factor, ZERO)) for c in current.contributions]
    return tuple(sorted((m for m in moves if m[1] != 0), key=lambda m: abs(m[1]), reverse=True))
