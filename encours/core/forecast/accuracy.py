"""Forecast accuracy: what a stored weekly forecast said against what actually came in.

Only weeks that are over at ``as_of`` are compared. WAPE = Σ|forecast − actual| / Σ actual
(the cash manager's error, not distorted by small weeks); MAPE = mean of |forecast −
actual| / actual over weeks with receipts (weeks with none have no percentage error);
bias = Σ(forecast − actual) / Σ actual (positive: we expected more than came in).
Ratios are floats; amounts stay Decimal.

>>> from datetime import date
>>> from decimal import Decimal
>>> stored = {date(2026, 3, 2): Decimal("1000"), date(2026, 3, 9): Decimal("500")}
>>> receipts = [(date(2026, 3, 3), Decimal("600")), (date(2026, 3, 8), Decimal("200")),
...             (date(2026, 3, 12), Decimal("1000"))]
>>> result = forecast_accuracy(forecast=stored, receipts=receipts, as_of=date(2026, 3, 16))
>>> [(w.actual, w.error) for w in result.weeks]
[(Decimal('800'), Decimal('200')), (Decimal('1000'), Decimal('-500'))]
>>> round(result.wape, 4), round(result.mape, 4), round(result.bias, 4)
(0.3889, 0.375, -0.1667)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from encours.core.errors import ValidationFailed
from encours.core.money import ZERO


@dataclass(frozen=True, slots=True, kw_only=True)
class WeekAccuracy:
    week_start: date
    forecast: Decimal
    actual: Decimal
    error: Decimal
    absolute_percentage_error: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ForecastAccuracy:
    """Per-week comparison and the summary ratios (None when there is nothing to divide by)."""

    weeks: tuple[WeekAccuracy, ...]
    total_forecast: Decimal
    total_actual: Decimal
    wape: float | None
    mape: float | None
    bias: float | None


def _week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def forecast_accuracy(
    *, forecast: Mapping[date, Decimal], receipts: Iterable[tuple[date, Decimal]], as_of: date
) -> ForecastAccuracy:
    """Compare ``forecast`` (Monday week start -> amount) with ``receipts`` (date, amount)."""
    for week_start in forecast:
        if week_start.weekday() != 0:
            raise ValidationFailed(f"forecast week {week_start.isoformat()} does not start on a Monday")
    closed = sorted(w for w in forecast if w + timedelta(days=7) <= as_of)
    actual = dict.fromkeys(closed, ZERO)
    for day, amount in receipts:
        week = _week_of(day)
        if week in actual:
            actual[week] += amount
    weeks = tuple(
        WeekAccuracy(
            week_start=week,
            forecast=forecast[week],
            actual=actual[week],
            error=forecast[week] - actual[week],
            absolute_percentage_error=float(abs(forecast[week] - actual[week]) / actual[week])
            if actual[week] > 0
            else None,
        )
        for week in closed
    )
    total_forecast = sum((w.forecast for w in weeks), ZERO)
    total_actual = sum((w.actual for w in weeks), ZERO)
    percentage_errors = [w.absolute_percentage_error for w in weeks if w.absolute_percentage_error is not None]
    return ForecastAccuracy(
        weeks=weeks,
        total_forecast=total_forecast,
        total_actual=total_actual,
        wape=float(sum(abs(w.error) for w in weeks) / total_actual) if total_actual > 0 else None,
        mape=sum(percentage_errors) / len(percentage_errors) if percentage_errors else None,
        bias=float((total_forecast - total_actual) / total_actual) if total_actual > 0 else None,
    )
