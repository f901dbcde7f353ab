"""Financial scores and ratios of a buyer, each with the inputs it was computed from.

Scores are ``Decimal`` (unrounded; the CSV output shows 4 decimals). A missing input is
never read as zero: the score is not computed and ``reason`` says which field is missing.

>>> from decimal import Decimal as Dec
>>> from encours.core.statements import FinancialStatement
>>> statement = FinancialStatement(
...     siren="732829320", year=2025, total_assets=Dec(1000), current_assets=Dec(600),
...     current_liabilities=Dec(300), retained_earnings=Dec(200), ebit=Dec(100), equity=Dec(400),
... )
>>> altman = altman_z_double_prime(statement=statement)
>>> f"{altman.value:.4f}", altman.zone
('3.9920', <AltmanZone.SAFE: 'safe'>)
>>> conan = conan_holder_score(statement=statement)
>>> conan.value is None, conan.reason.split(", ")[:3]
(True, ['missing: ebitda', 'total_debt', 'long_term_debt'])
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from itertools import pairwise

from encours.core.errors import ValidationFailed
from encours.core.statements import FinancialStatement

Input = tuple[str, Decimal | None]
DAYS_PER_YEAR = Decimal(365)
FOUR_PLACES = Decimal("0.0001")
POSITIVE_ASSETS = "total_assets must be positive"


@dataclass(frozen=True, slots=True, kw_only=True)
class Ratio:
    """A ratio with its formula and inputs; ``value`` is None when ``reason`` says why."""

    name: str
    formula: str
    value: Decimal | None
    unit: str
    inputs: tuple[Input, ...]
    reason: str | None = None

    @property
    def computed(self) -> bool:
        return self.value is not None


class AltmanZone(StrEnum):
    SAFE = "safe"
    GREY = "grey"
    DISTRESS = "distress"


class ConanZone(StrEnum):
    SAFE = "safe"
    GREY = "grey"
    ALERT = "alert"
    DANGER = "danger"


@dataclass(frozen=True, slots=True, kw_only=True)
class AltmanThresholds:
    """Altman (2000) Z'' zones: safe above ``safe_above``, grey from ``grey_from``, else distress."""

    safe_above: Decimal = Decimal("2.60")
    grey_from: Decimal = Decimal("1.10")

    def __post_init__(self) -> None:
        if self.grey_from > self.safe_above:
            raise ValidationFailed("Altman grey zone must start below the safe threshold")

    def zone(self, z: Decimal) -> AltmanZone:
        if z > self.safe_above:
            return AltmanZone.SAFE
        return AltmanZone.GREY if z >= self.grey_from else AltmanZone.DISTRESS


@dataclass(frozen=True, slots=True, kw_only=True)
class ConanHolderThresholds:
    """Conan & Holder (1979) bands with the three-year failure probability each one reads as."""

    safe_above: Decimal = Decimal("0.16")
    grey_from: Decimal = Decimal("0.09")
    alert_from: Decimal = Decimal("0.04")
    failure_probability: tuple[tuple[ConanZone, str], ...] = (
        (ConanZone.SAFE, "< 10 %"),
        (ConanZone.GREY, "10–30 %"),
        (ConanZone.ALERT, "30–65 %"),
        (ConanZone.DANGER, "> 65 %"),
    )

    def __post_init__(self) -> None:
        if not self.alert_from <= self.grey_from <= self.safe_above:
            raise ValidationFailed("Conan-Holder thresholds must rise: alert ≤ grey ≤ safe")

    def zone(self, z: Decimal) -> ConanZone:
        if z > self.safe_above:
            return ConanZone.SAFE
        if z >= self.grey_from:
            return ConanZone.GREY
        return ConanZone.ALERT if z >= self.alert_from else ConanZone.DANGER

    def probability_of(self, zone: ConanZone) -> str:
        return dict(self.failure_probability).get(zone, "")


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoreTerm:
    """One weighted ratio of a linear score: ``contribution = coefficient × ratio``."""

    ratio: Ratio
    coefficient: Decimal
    contribution: Decimal | None


@dataclass(frozen=True, slots=True, kw_only=True)
class AltmanZScore:
    value: Decimal | None
    zone: AltmanZone | None
    terms: tuple[ScoreTerm, ...]
    thresholds: AltmanThresholds
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ConanHolderScore:
    value: Decimal | None
    zone: ConanZone | None
    failure_probability: str
    terms: tuple[ScoreTerm, ...]
    thresholds: ConanHolderThresholds
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FinancialAnalysis:
    statement: FinancialStatement
    altman: AltmanZScore
    conan_holder: ConanHolderScore
    ratios: tuple[Ratio, ...] = ()

    def ratio(self, name: str) -> Ratio:
        for ratio in self.ratios:
            if ratio.name == name:
                return ratio
        raise ValidationFailed(f"no ratio named {name!r}")


def piecewise_linear(*, knots: tuple[tuple[Decimal, Decimal], ...], x: Decimal) -> Decimal:
    """Interpolate ``x`` along ``(x, y)`` knots sorted by x; flat beyond the first and last."""
    if not knots:
        raise ValidationFailed("a piecewise-linear scale needs at least one knot")
    if x <= knots[0][0]:
        return knots[0][1]
    for (x0, y0), (x1, y1) in pairwise(knots):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return knots[-1][1]


def _ratio(
    *,
    name: str,
    formula: str,
    unit: str,
    inputs: tuple[Input, ...],
    numerator: Decimal | None,
    denominator: Decimal | None,
    scale: Decimal = Decimal(1),
    denominator_must_be_positive: str | None = None,
) -> Ratio:
    """Divide with explicit reasons: missing inputs, zero or (if told) non-positive denominator."""
    missing = [label for label, value in inputs if value is None]
    if missing:
        return Ratio(
            name=name, formula=formula, value=None, unit=unit, inputs=inputs, reason="missing: " + ", ".join(missing)
        )
    assert numerator is not None and denominator is not None
    if denominator_must_be_positive and denominator <= 0:
        return Ratio(
            name=name, formula=formula, value=None, unit=unit, inputs=inputs, reason=denominator_must_be_positive
        )
    if denominator == 0:
        return Ratio(
            name=name,
            formula=formula,
            value=None,
            unit=unit,
            inputs=inputs,
            reason=f"{formula.split(' / ')[-1]} is zero",
        )
    return Ratio(name=name, formula=formula, value=numerator / denominator * scale, unit=unit, inputs=inputs)


def _sub(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a - b


def _add(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a + b


def _inputs(statement: FinancialStatement, *names: str) -> tuple[Input, ...]:
    return tuple((name, statement.amount(name)) for name in names)


def altman_ratios(*, statement: FinancialStatement) -> tuple[Ratio, Ratio, Ratio, Ratio]:
    """X1..X4 of Altman's Z'' for non-manufacturing and private firms."""
    s = statement
    positive_assets = POSITIVE_ASSETS
    x1 = _ratio(
        name="altman_x1", formula="(current_assets - current_liabilities) / total_assets", unit="ratio",
        inputs=_inputs(s, "current_assets", "current_liabilities", "total_assets"),
        numerator=_sub(s.current_assets, s.current_liabilities), denominator=s.total_assets,
        denominator_must_be_positive=positive_assets,
    )  # fmt: skip
    x2 = _ratio(
        name="altman_x2", formula="retained_earnings / total_assets", unit="ratio",
        inputs=_inputs(s, "retained_earnings", "total_assets"),
        numerator=s.retained_earnings, denominator=s.total_assets,
        denominator_must_be_positive=positive_assets,
    )  # fmt: skip
    x3 = _ratio(
        name="altman_x3", formula="ebit / total_assets", unit="ratio",
        inputs=_inputs(s, "ebit", "total_assets"), numerator=s.ebit, denominator=s.total_assets,
        denominator_must_be_positive=positive_assets,
    )  # fmt: skip
    x4 = _ratio(
        name="altman_x4", formula="equity / (total_assets - equity)", unit="ratio",
        inputs=_inputs(s, "equity", "total_assets"),
        numerator=s.equity, denominator=_sub(s.total_assets, s.equity),
        denominator_must_be_positive="total_assets - equity (total liabilities) must be positive",
    )  # fmt: skip
    return x1, x2, x3, x4


# Altman (2000), "Predicting financial distress", Z'' model for non-manufacturers.
ALTMAN_COEFFICIENTS = (Decimal("6.56"), Decimal("3.26"), Decimal("6.72"), Decimal("1.05"))
# Conan & Holder (1979), Banque de France reading: Z = 0.24 R1 + 0.22 R2 + 0.16 R3 - 0.87 R4 - 0.10 R5.
CONAN_HOLDER_COEFFICIENTS = (
    Decimal("0.24"), Decimal("0.22"), Decimal("0.16"), Decimal("-0.87"), Decimal("-0.10"),
)  # fmt: skip


def _linear_score(
    ratios: tuple[Ratio, ...], coefficients: tuple[Decimal, ...]
) -> tuple[Decimal | None, tuple[ScoreTerm, ...], str | None]:
    terms = tuple(
        ScoreTerm(ratio=r, coefficient=c, contribution=None if r.value is None else c * r.value)
        for r, c in zip(ratios, coefficients, strict=True)
    )
    reasons = [t.ratio for t in terms if t.contribution is None]
    if reasons:
        return None, terms, _merge_reasons(reasons)
    return sum((t.contribution for t in terms if t.contribution is not None), Decimal(0)), terms, None


def _merge_reasons(ratios: list[Ratio]) -> str:
    """One readable reason: all missing fields once, then the other problems by ratio."""
    missing: list[str] = []
    other: list[str] = []
    for ratio in ratios:
        reason = ratio.reason or ""
        if reason.startswith("missing: "):
            missing += [f for f in reason.removeprefix("missing: ").split(", ") if f not in missing]
        elif f"{ratio.name}: {reason}" not in other:
            other.append(f"{ratio.name}: {reason}")
    parts = (["missing: " + ", ".join(missing)] if missing else []) + other
    return "; ".join(parts)


def altman_z_double_prime(*, statement: FinancialStatement, thresholds: AltmanThresholds | None = None) -> AltmanZScore:
    """Z'' = 6.56·X1 + 3.26·X2 + 6.72·X3 + 1.05·X4 with its zone (safe / grey / distress)."""
    thresholds = thresholds or AltmanThresholds()
    value, terms, reason = _linear_score(altman_ratios(statement=statement), ALTMAN_COEFFICIENTS)
    zone = None if value is None else thresholds.zone(value)
    return AltmanZScore(value=value, zone=zone, terms=terms, thresholds=thresholds, reason=reason)


def conan_holder_ratios(*, statement: FinancialStatement) -> tuple[Ratio, Ratio, Ratio, Ratio, Ratio]:
    s = statement
    positive_assets = POSITIVE_ASSETS
    r1 = _ratio(
        name="conan_r1", formula="ebitda / total_debt", unit="ratio",
        inputs=_inputs(s, "ebitda", "total_debt"), numerator=s.ebitda, denominator=s.total_debt,
    )  # fmt: skip
    r2 = _ratio(
        name="conan_r2", formula="(equity + long_term_debt) / total_assets", unit="ratio",
        inputs=_inputs(s, "equity", "long_term_debt", "total_assets"),
        numerator=_add(s.equity, s.long_term_debt), denominator=s.total_assets,
        denominator_must_be_positive=positive_assets,
    )  # fmt: skip
    r3 = _ratio(
        name="conan_r3", formula="(current_assets - inventories) / total_assets", unit="ratio",
        inputs=_inputs(s, "current_assets", "inventories", "total_assets"),
        numerator=_sub(s.current_assets, s.inventories), denominator=s.total_assets,
        denominator_must_be_positive=positive_assets,
    )  # fmt: skip
    r4 = _ratio(
        name="conan_r4", formula="financial_expenses / revenue", unit="ratio",
        inputs=_inputs(s, "financial_expenses", "revenue"),
        numerator=s.financial_expenses, denominator=s.revenue,
    )  # fmt: skip
    # A negative value added would turn the personnel-cost penalty into a bonus.
    r5 = _ratio(
        name="conan_r5", formula="personnel_expenses / value_added", unit="ratio",
        inputs=_inputs(s, "personnel_expenses", "value_added"),
        numerator=s.personnel_expenses, denominator=s.value_added,
        denominator_must_be_positive="value_added is not positive: R5 is not meaningful",
    )  # fmt: skip
    return r1, r2, r3, r4, r5


def conan_holder_score(
    *, statement: FinancialStatement, thresholds: ConanHolderThresholds | None = None
) -> ConanHolderScore:
    """Conan-Holder Z with its band (safe / grey / alert / danger) and failure probability."""
    thresholds = thresholds or ConanHolderThresholds()
    ratios = conan_holder_ratios(statement=statement)
    value, terms, reason = _linear_score(ratios, CONAN_HOLDER_COEFFICIENTS)
    zone = None if value is None else thresholds.zone(value)
    probability = "" if zone is None else thresholds.probability_of(zone)
    return ConanHolderScore(
        value=value, zone=zone, failure_probability=probability, terms=terms, thresholds=thresholds, reason=reason
    )


def equity_ratio(*, statement: FinancialStatement) -> Ratio:
    """Autonomie financière: the share of the balance sheet funded by the owners."""
    s = statement
    return _ratio(
        name="equity_ratio", formula="equity / total_assets", unit="ratio",
        inputs=_inputs(s, "equity", "total_assets"), numerator=s.equity, denominator=s.total_assets,
        denominator_must_be_positive=POSITIVE_ASSETS,
    )  # fmt: skip


def gearing(*, statement: FinancialStatement) -> Ratio:
    """Net financial debt over equity; meaningless (not computed) when equity is not positive."""
    s = statement
    return _ratio(
        name="gearing", formula="(financial_debt - cash) / equity", unit="ratio",
        inputs=_inputs(s, "financial_debt", "cash", "equity"),
        numerator=_sub(s.financial_debt, s.cash), denominator=s.equity,
        denominator_must_be_positive="equity is not positive (negative equity): gearing is not meaningful",
    )  # fmt: skip


def net_debt_to_ebitda(*, statement: FinancialStatement) -> Ratio:
    """Years of EBE needed to repay the net financial debt (bank covenants: usually ≤ 3.5)."""
    s = statement
    return _ratio(
        name="net_debt_to_ebitda", formula="(financial_debt - cash) / ebitda", unit="years",
        inputs=_inputs(s, "financial_debt", "cash", "ebitda"),
        numerator=_sub(s.financial_debt, s.cash), denominator=s.ebitda,
        denominator_must_be_positive="ebitda is not positive: debt cannot be repaid from operations",
    )  # fmt: skip


def interest_cover(*, statement: FinancialStatement) -> Ratio:
    s = statement
    return _ratio(
        name="interest_cover", formula="ebit / financial_expenses", unit="times",
        inputs=_inputs(s, "ebit", "financial_expenses"),
        numerator=s.ebit, denominator=s.financial_expenses,
    )  # fmt: skip


def current_ratio(*, statement: FinancialStatement) -> Ratio:
    s = statement
    return _ratio(
        name="current_ratio", formula="current_assets / current_liabilities", unit="ratio",
        inputs=_inputs(s, "current_assets", "current_liabilities"),
        numerator=s.current_assets, denominator=s.current_liabilities,
    )  # fmt: skip


def cash_days_of_revenue(*, statement: FinancialStatement) -> Ratio:
    s = statement
    return _ratio(
        name="cash_days_of_revenue", formula="cash × 365 / revenue", unit="days",
        inputs=_inputs(s, "cash", "revenue"), numerator=s.cash, denominator=s.revenue,
        scale=DAYS_PER_YEAR,
    )  # fmt: skip


def pge_repayment_years(*, statement: FinancialStatement) -> Ratio:
    """Years of EBE the state-guaranteed loan absorbs; PGE are amortised over at most 6 years."""
    s = statement
    return _ratio(
        name="pge_repayment_years", formula="pge_outstanding / ebitda", unit="years",
        inputs=_inputs(s, "pge_outstanding", "ebitda"), numerator=s.pge_outstanding, denominator=s.ebitda,
        denominator_must_be_positive="ebitda is not positive: the PGE cannot be repaid from operations",
    )  # fmt: skip


def pge_cash_cover(*, statement: FinancialStatement) -> Ratio:
    """Share of the outstanding PGE that cash on hand could repay today."""
    s = statement
    return _ratio(
        name="pge_cash_cover", formula="cash / pge_outstanding", unit="ratio",
        inputs=_inputs(s, "cash", "pge_outstanding"), numerator=s.cash, denominator=s.pge_outstanding,
    )  # fmt: skip


def analyst_ratios(*, statement: FinancialStatement) -> tuple[Ratio, ...]:
    """The ratios a French credit analyst reads, in the order the UI shows them."""
    return tuple(
        ratio(statement=statement)
        for ratio in (
            equity_ratio, gearing, net_debt_to_ebitda, interest_cover, current_ratio,
            cash_days_of_revenue, pge_repayment_years, pge_cash_cover,
        )
    )  # fmt: skip


def analyse_statement(
    *,
    statement: FinancialStatement,
    altman_thresholds: AltmanThresholds | None = None,
    conan_thresholds: ConanHolderThresholds | None = None,
) -> FinancialAnalysis:
    """Both scores and every analyst ratio of one statement."""
    return FinancialAnalysis(
        statement=statement,
        altman=altman_z_double_prime(statement=statement, thresholds=altman_thresholds),
        conan_holder=conan_holder_score(statement=statement, thresholds=conan_thresholds),
        ratios=analyst_ratios(statement=statement),
    )


def format_score(value: Decimal | None) -> str:
    """Four decimals for the CSV output; empty when not computable."""
    return "" if value is None else str(value.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP))


RATIO_NAMES = (
    "equity_ratio", "gearing", "net_debt_to_ebitda", "interest_cover", "current_ratio",
    "cash_days_of_revenue", "pge_repayment_years", "pge_cash_cover",
)  # fmt: skip
SCORE_CSV_COLUMNS = ("siren", "year", "altman_z", "altman_zone", "conan_z", "conan_zone", *RATIO_NAMES)


def score_csv_row(analysis: FinancialAnalysis) -> dict[str, str]:
    """One output CSV row: scores and ratios with 4 decimals, zones lower case, empty if unknown."""
    row = {
        "siren": analysis.statement.siren,
        "year": str(analysis.statement.year),
        "altman_z": format_score(analysis.altman.value),
        "altman_zone": analysis.altman.zone.value if analysis.altman.zone else "",
        "conan_z": format_score(analysis.conan_holder.value),
        "conan_zone": analysis.conan_holder.zone.value if analysis.conan_holder.zone else "",
    }
    row.update({r.name: format_score(r.value) for r in analysis.ratios})
    return row
