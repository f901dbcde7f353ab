"""Reference rates for late-payment penalties, by half-year, as editable data.

Two tables matter in France: the ECB main refinancing operations (MRO) rate in force on
1 January / 1 July (L441-10 Code de commerce: it applies to the whole half-year), and the
legal interest rate for professional creditors ("autres cas", published each half-year by
arrêté), whose triple is the floor of any contractual penalty rate. Each entry carries its
source so that a formal notice can say where a figure comes from; editing returns a new
table, the app stores the history.

>>> ECB_MRO_RATES.rate_for(HalfYear(year=2025, half=2)).rate_pct
Decimal('2.15')
>>> LEGAL_RATES_PROFESSIONALS.rate_for(HalfYear(year=2026, half=1)).rate_pct * 3
Decimal('7.86')
>>> HalfYear.parse("2026-S2"), HalfYear.of(date(2026, 7, 1)).start
(HalfYear(year=2026, half=2), datetime.date(2026, 7, 1))
>>> table, errors = rate_table_from_rows(name="MRO", rows=[("2027-H1", "2,40", "ECB")])
>>> table.rate_for(HalfYear(year=2027, half=1)).rate_pct, errors
(Decimal('2.40'), ())
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from itertools import pairwise

from encours.core.errors import EncoursError, InvalidAmount, RowError, ValidationFailed
from encours.core.money import D

_HALF_YEAR = re.compile(r"^\s*(\d{4})\s*[-/ ]?\s*[HS]([12])\s*$", re.IGNORECASE)


class MissingRate(EncoursError):
    """No rate is known for a half-year before the first entry of a table."""


@dataclass(frozen=True, slots=True, order=True, kw_only=True)
class HalfYear:
    """A calendar half-year: H1 = 1 January to 30 June, H2 = 1 July to 31 December."""

    year: int
    half: int

    def __post_init__(self) -> None:
        if self.half not in (1, 2):
            raise ValidationFailed(f"half must be 1 or 2, not {self.half}")

    @classmethod
    def of(cls, day: date) -> HalfYear:
        return cls(year=day.year, half=1 if day.month <= 6 else 2)

    @classmethod
    def parse(cls, text: str) -> HalfYear:
        """Read '2026-H1', '2026-S2' (French "semestre"), '2026 H2'."""
        match = _HALF_YEAR.match(text)
        if match is None:
            raise ValidationFailed(f"not a half-year (expected e.g. 2026-H1): {text!r}")
        return cls(year=int(match.group(1)), half=int(match.group(2)))

    @property
    def start(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    def next(self) -> HalfYear:
        return HalfYear(year=self.year, half=2) if self.half == 1 else HalfYear(year=self.year + 1, half=1)

    def __str__(self) -> str:
        return f"{self.year}-H{self.half}"


@dataclass(frozen=True, slots=True, kw_only=True)
class RateEntry:
    """A rate in percent (``Decimal('2.15')`` means 2.15 %) for one half-year, with its source."""

    half_year: HalfYear
    rate_pct: Decimal
    source: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLookup:
    """The rate found for ``half_year``; ``provisional`` when carried forward from ``taken_from``
    because the table has no entry yet for that half-year (it is behind the news)."""

    half_year: HalfYear
    rate_pct: Decimal
    taken_from: HalfYear
    source: str

    @property
    def provisional(self) -> bool:
        return self.taken_from != self.half_year


@dataclass(frozen=True, slots=True, kw_only=True)
class RateTable:
    """A named table half-year → rate in percent, kept sorted, one entry per half-year."""

    name: str
    entries: tuple[RateEntry, ...]
    _index: dict[HalfYear, RateEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.entries, key=lambda entry: entry.half_year))
        for previous, current in pairwise(ordered):
            if previous.half_year == current.half_year:
                raise ValidationFailed(f"{self.name}: two rates for {current.half_year}")
        for entry in ordered:
            if entry.rate_pct < -100 or entry.rate_pct > 100:
                raise ValidationFailed(f"{self.name}: absurd rate {entry.rate_pct} % for {entry.half_year}")
        object.__setattr__(self, "entries", ordered)
        object.__setattr__(self, "_index", {entry.half_year: entry for entry in ordered})

    def rate_for(self, half_year: HalfYear, *, carry_forward: bool = True) -> RateLookup:
        """The rate of ``half_year``; past the last entry, the last rate flagged provisional
        (unless ``carry_forward`` is False); before the first entry or in a gap, ``MissingRate``."""
        entry = self._index.get(half_year)
        if entry is not None:
            return RateLookup(half_year=half_year, rate_pct=entry.rate_pct, taken_from=half_year, source=entry.source)
        if not self.entries or half_year < self.entries[0].half_year:
            raise MissingRate(f"{self.name}: no rate for {half_year}; add it to the table")
        if half_year < self.entries[-1].half_year:
            raise MissingRate(f"{self.name}: gap in the table, no rate for {half_year}")
        if not carry_forward:
            raise MissingRate(f"{self.name}: no rate for {half_year} yet; add it to the table")
        last = self.entries[-1]
        return RateLookup(half_year=half_year, rate_pct=last.rate_pct, taken_from=last.half_year, source=last.source)

    def with_rate(self, half_year: HalfYear, rate_pct: Decimal, source: str = "") -> RateTable:
        """A copy where ``half_year`` has ``rate_pct`` (added or replaced)."""
        kept = tuple(entry for entry in self.entries if entry.half_year != half_year)
        return replace(self, entries=(*kept, RateEntry(half_year=half_year, rate_pct=rate_pct, source=source)))

    @property
    def last_half_year(self) -> HalfYear:
        return self.entries[-1].half_year


def rate_table_from_rows(*, name: str, rows: Iterable[Sequence[str]]) -> tuple[RateTable, tuple[RowError, ...]]:
    """Read rows ``(half-year, rate in percent[, source])`` as typed by an administrator.

    Bad rows come back as errors (line numbers from 1) and are left out of the table.
    """
    entries: dict[HalfYear, RateEntry] = {}
    errors: list[RowError] = []
    for line, row in enumerate(rows, start=1):
        if len(row) < 2:
            errors.append(RowError(line=line, column="", value=";".join(row), reason="expected a half-year and a rate"))
            continue
        try:
            half_year = HalfYear.parse(row[0])
        except ValidationFailed as exc:
            errors.append(RowError(line=line, column="half_year", value=row[0], reason=str(exc)))
            continue
        try:
            rate = D(row[1].replace("%", ""))
        except InvalidAmount as exc:
            errors.append(RowError(line=line, column="rate", value=row[1], reason=str(exc)))
            continue
        if half_year in entries:
            errors.append(RowError(line=line, column="half_year", value=row[0], reason="half-year given twice"))
            continue
        entries[half_year] = RateEntry(
            half_year=half_year, rate_pct=rate, source=row[2].strip() if len(row) > 2 else ""
        )
    return RateTable(name=name, entries=tuple(entries.values())), tuple(errors)


def _entries(rows: Sequence[tuple[str, str, str]]) -> tuple[RateEntry, ...]:
    return tuple(
        RateEntry(half_year=HalfYear.parse(hy), rate_pct=Decimal(rate), source=source) for hy, rate, source in rows
    )


# ECB key rates history; the L441-10 half-yearly reference applies since 2013 (loi 2012-387).
ECB_MRO_RATES = RateTable(
    name="ECB main refinancing operations rate",
    entries=_entries(
        [
            ("2013-H1", "0.75", "ECB MRO in force since 11 July 2012"),
            ("2013-H2", "0.50", "ECB MRO in force since 8 May 2013"),
            ("2014-H1", "0.25", "ECB MRO in force since 13 November 2013"),
            ("2014-H2", "0.15", "ECB MRO in force since 11 June 2014"),
            ("2015-H1", "0.05", "ECB MRO in force since 10 September 2014"),
            ("2015-H2", "0.05", "ECB MRO in force since 10 September 2014"),
            ("2016-H1", "0.05", "ECB MRO in force since 10 September 2014"),
            ("2016-H2", "0.00", "ECB MRO in force since 16 March 2016"),
            ("2017-H1", "0.00", "ECB MRO in force since 16 March 2016"),
            ("2017-H2", "0.00", "ECB MRO in force since 16 March 2016"),
            ("2018-H1", "0.00", "ECB MRO in force since 16 March 2016"),
            ("2018-H2", "0.00", "ECB MRO in force since 16 March 2016"),
            ("2019-H1", "0.00", "ECB MRO in force since 16 March 2016"),
            ("2019-H2", "0.00", "ECB MRO in force since 16 March 2016"),
            ("2020-H1", "0.00", "ECB MRO in force since 16 March 2016"),
            ("2020-H2", "0.00", "ECB MRO in force since 16 March 2016"),
            ("2021-H1", "0.00", "ECB MRO in force since 16 March 2016"),
            ("2021-H2", "0.00", "ECB MRO in force since 16 March 2016"),
            ("2022-H1", "0.00", "ECB MRO in force since 16 March 2016"),
            ("2022-H2", "0.00", "ECB MRO on 1 July 2022 (raised to 0.50 % only on 27 July 2022)"),
            ("2023-H1", "2.50", "ECB MRO in force since 21 December 2022"),
            ("2023-H2", "4.00", "ECB MRO in force since 21 June 2023"),
            ("2024-H1", "4.50", "ECB MRO in force since 20 September 2023"),
            ("2024-H2", "4.25", "ECB MRO in force since 12 June 2024"),
            ("2025-H1", "3.15", "ECB MRO in force since 18 December 2024"),
            ("2025-H2", "2.15", "ECB MRO in force since 11 June 2025"),
            ("2026-H1", "2.15", "ECB MRO in force since 11 June 2025"),
            ("2026-H2", "2.15", "ECB MRO on 1 July 2026: to be confirmed against the ECB"),
        ]
    ),
)

# Arrêtés fixing the "taux de l'intérêt légal", autres cas (creditor is a professional);
# a single annual rate before 2015 (décret), two half-yearly rates since (ordonnance 2014-947).
LEGAL_RATES_PROFESSIONALS = RateTable(
    name="French legal interest rate, professional creditors",
    entries=_entries(
        [
            ("2013-H1", "0.04", "décret, single rate for 2013"),
            ("2013-H2", "0.04", "décret, single rate for 2013"),
            ("2014-H1", "0.04", "décret, single rate for 2014"),
            ("2014-H2", "0.04", "décret, single rate for 2014"),
            ("2015-H1", "0.93", "arrêté, first half of 2015"),
            ("2015-H2", "0.99", "arrêté, second half of 2015"),
            ("2016-H1", "1.01", "arrêté, first half of 2016"),
            ("2016-H2", "0.93", "arrêté, second half of 2016"),
            ("2017-H1", "0.90", "arrêté, first half of 2017"),
            ("2017-H2", "0.90", "arrêté, second half of 2017"),
            ("2018-H1", "0.89", "arrêté, first half of 2018"),
            ("2018-H2", "0.88", "arrêté, second half of 2018"),
            ("2019-H1", "0.86", "arrêté, first half of 2019"),
            ("2019-H2", "0.87", "arrêté, second half of 2019"),
            ("2020-H1", "0.87", "arrêté, first half of 2020"),
            ("2020-H2", "0.84", "arrêté, second half of 2020"),
            ("2021-H1", "0.79", "arrêté, first half of 2021"),
            ("2021-H2", "0.76", "arrêté, second half of 2021"),
            ("2022-H1", "0.76", "arrêté, first half of 2022"),
            ("2022-H2", "0.77", "arrêté, second half of 2022"),
            ("2023-H1", "2.06", "arrêté, first half of 2023"),
            ("2023-H2", "4.22", "arrêté of 27 June 2023"),
            ("2024-H1", "5.07", "arrêté of 21 December 2023"),
            ("2024-H2", "4.92", "arrêté, second half of 2024"),
            ("2025-H1", "3.71", "arrêté, first half of 2025"),
            ("2025-H2", "2.76", "arrêté of 19 June 2025"),
            ("2026-H1", "2.62", "arrêté, first half of 2026"),
        ]
    ),
)
