"""Calendar months and reporting periods for KPIs, as of a date.

A KPI "as of" a date never looks past it: a period that ends in the month of ``as_of`` ends
on ``as_of`` itself, so a half-elapsed month counts only its elapsed days (the same rule the
countback DSO applies to the month of ``as_of``).

>>> from datetime import date
>>> period = calendar_months_period(as_of=date(2026, 10, 31), months=3)
>>> period.start, period.end, period.days
(datetime.date(2026, 8, 1), datetime.date(2026, 10, 31), 92)
>>> calendar_months_period(as_of=date(2026, 10, 15), months=3).days
76
>>> trailing_window(as_of=date(2026, 10, 15), months=3).start
datetime.date(2026, 7, 16)
>>> Month.of(date(2024, 2, 10)).days, str(Month(year=2026, month=1).shifted(-1))
(29, '2025-12')
>>> month_ends_between(start=date(2026, 1, 15), end=date(2026, 4, 10))
(datetime.date(2026, 1, 31), datetime.date(2026, 2, 28), datetime.date(2026, 3, 31))
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from encours.core.errors import ValidationFailed


@dataclass(frozen=True, slots=True, order=True, kw_only=True)
class Month:
    """A calendar month; ordered, hashable, usable as a key of monthly aggregates."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValidationFailed(f"month must be 1 to 12, got {self.month}")
        if not 1 <= self.year <= 9999:
            raise ValidationFailed(f"year out of range: {self.year}")

    @classmethod
    def of(cls, day: date) -> Month:
        return _shifted(day.year, day.month, 0)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, self.days)

    @property
    def days(self) -> int:
        return _days_in(self.year, self.month)

    def shifted(self, months: int) -> Month:
        """The month ``months`` later (earlier when negative)."""
        return _shifted(self.year, self.month, months)

    def previous(self) -> Month:
        return self.shifted(-1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


# Countbacks over thousands of customers walk the same few months again and again: a month and
# its length are computed once.
@lru_cache(maxsize=4096)
def _shifted(year: int, month: int, months: int) -> Month:
    index = year * 12 + (month - 1) + months
    return Month(year=index // 12, month=index % 12 + 1)


@lru_cache(maxsize=4096)
def _days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


@dataclass(frozen=True, slots=True, kw_only=True)
class Period:
    """A closed interval of days, both ends included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValidationFailed(f"period starts after it ends: {self.start} > {self.end}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def months(self) -> tuple[Month, ...]:
        """The calendar months the period touches, oldest first."""
        first, last = Month.of(self.start), Month.of(self.end)
        count = (last.year - first.year) * 12 + last.month - first.month + 1
        return tuple(first.shifted(offset) for offset in range(count))


def monday_of(day: date) -> date:
    """The Monday of the ISO week holding ``day`` (weeks of the cash forecast start on Monday)."""
    return day - timedelta(days=day.weekday())


def add_months(*, day: date, months: int) -> date:
    """Same day ``months`` later, clamped to the end of shorter months (31 Jan + 1 → 28/29 Feb)."""
    target = Month.of(day).shifted(months)
    return date(target.year, target.month, min(day.day, target.days))


def _require_positive_months(months: int) -> None:
    if months < 1:
        raise ValidationFailed(f"a period needs at least one month, got {months}")


def calendar_months_period(*, as_of: date, months: int) -> Period:
    """The ``months`` calendar months ending with the month of ``as_of``, cut at ``as_of``.

    The period DSO, BPDSO and CEI use: Aug 1 – Oct 31 (92 days) for 3 months as of Oct 31.
    """
    _require_positive_months(months)
    return Period(start=Month.of(as_of).shifted(-(months - 1)).first_day, end=as_of)


def trailing_window(*, as_of: date, months: int) -> Period:
    """The rolling ``months`` months ending on ``as_of``: Jul 16 – Oct 15 for 3 months.

    Starting from the day after ``as_of`` keeps month ends aligned on calendar months
    (as of Nov 30, three months start on Sep 1, not Aug 31).
    """
    _require_positive_months(months)
    return Period(start=add_months(day=as_of + timedelta(days=1), months=-months), end=as_of)


def month_ends_between(*, start: date, end: date, include_end: bool = False) -> tuple[date, ...]:
    """Every month end in [start, end], oldest first: the points of an "over time" chart.

    With ``include_end`` the series closes on ``end`` even when it is not a month end, so a
    chart drawn mid-month shows today's figure as its last point.
    """
    if start > end:
        raise ValidationFailed(f"start {start} is after end {end}")
    ends = [month.last_day for month in Period(start=start, end=end).months() if start <= month.last_day <= end]
    if include_end and (not ends or ends[-1] != end):
        ends.append(end)
    return tuple(ends)
