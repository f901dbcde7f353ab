"""How a paid amount fits amounts due: exactly, short of a bank fee, net of an early
payment discount, or as a combination of open items (a bounded subset sum).

Amounts are compared in integer minor units (cents), so the search never meets a float.

>>> from decimal import Decimal as D_
>>> from encours.core.matching.values import MatchingConfig
>>> fit_amount(paid=D_("577.94"), due=D_("580.44"), config=MatchingConfig(), early=False).kind
'bank_fee'
>>> fit_amount(paid=D_("980.00"), due=D_("1000.00"), config=MatchingConfig(), early=True).kind
'early_payment_discount'
>>> find_subsets([12000, 4550, 3000, 1450], low=7550, high=7550).solutions
((1, 2),)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from encours.core.matching.values import MatchingConfig
from encours.core.money import ZERO, minor_unit, quantize

FitKind = Literal["exact", "bank_fee", "early_payment_discount", "partial", "over"]
_ROUNDING_SLACK = Decimal("0.02")  # a discount computed line by line may differ by a cent or two


@dataclass(frozen=True, slots=True, kw_only=True)
class AmountFit:
    """``difference`` = due - paid: what a fee or discount write-off closes (fits) or what
    stays open (partial); negative when more was paid than due."""

    kind: FitKind
    difference: Decimal
    discount_percent: Decimal = ZERO


def fit_amount(*, paid: Decimal, due: Decimal, config: MatchingConfig, early: bool) -> AmountFit:
    """Classify a payment against an amount due. ``early`` says the payment was booked in
    time for an early-payment discount."""
    difference = due - paid
    if difference == ZERO:
        return AmountFit(kind="exact", difference=ZERO)
    if difference < ZERO:
        return AmountFit(kind="over", difference=difference)
    if difference <= config.fee_tolerance(due):
        return AmountFit(kind="bank_fee", difference=difference)
    if early:
        for rate in config.early_payment_discount_percents:
            # escompte: the customer deducts rate % of the amount due, rounded to the cent
            discount = quantize(due * rate / Decimal(100))
            if abs(difference - discount) <= _ROUNDING_SLACK:
                return AmountFit(kind="early_payment_discount", difference=difference, discount_percent=rate)
    return AmountFit(kind="partial", difference=difference)


_MINOR_DIGITS: dict[str, int] = {}


def to_minor(amount: Decimal, currency: str) -> int:
    """12.345 EUR -> 1235 (cents, rounded half up like invoices)."""
    digits = _MINOR_DIGITS.get(currency)
    if digits is None:
        digits = _MINOR_DIGITS[currency] = minor_unit(currency)
    return int(amount.scaleb(digits).to_integral_value(rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True, kw_only=True)
class SubsetSearch:
    """Index tuples of the values found to sum within the target; ``complete`` is False when
    a cap stopped the search, so that a single solution is not proof of uniqueness;
    ``nodes`` is the work done, charged to the line's budget."""

    solutions: tuple[tuple[int, ...], ...]
    complete: bool
    nodes: int = 0


def find_subsets(
    values: list[int],
    *,
    low: int,
    high: int,
    max_size: int = 8,
    max_nodes: int = 20_000,
    max_seconds: float = 0.025,
    limit: int = 2,
    min_size: int = 2,
) -> SubsetSearch:
    """Subsets of positive ``values`` (``min_size`` to ``max_size`` of them) whose sum lies in
    [low, high]: depth-first over values sorted large to small, pruned when the largest
    values still allowed cannot reach ``low``, stopped after ``limit`` solutions,
    ``max_nodes`` steps or ``max_seconds``."""
    order = sorted((i for i, v in enumerate(values) if 0 < v <= high), key=lambda i: -values[i])
    ordered = [values[i] for i in order]
    prefix = [0] * (len(ordered) + 1)
    for i, value in enumerate(ordered):
        prefix[i + 1] = prefix[i] + value
    deadline = time.perf_counter() + max_seconds
    search = _Search(ordered, prefix, (low, high), (min_size, max_size, max_nodes, limit), deadline)
    search.walk(0, 0)
    solutions = tuple(tuple(sorted(order[j] for j in found)) for found in search.found)
    return SubsetSearch(solutions=solutions, complete=not search.stopped, nodes=search.nodes)


class _Search:
    """Depth-first state; a class rather than a closure, so that no reference cycle is
    left for the garbage collector (matching runs with it paused)."""

    def __init__(
        self,
        values: list[int],
        prefix: list[int],
        target: tuple[int, int],
        caps: tuple[int, int, int, int],
        deadline: float,
    ) -> None:
        self.values, self.prefix = values, prefix
        self.low, self.high = target
        self.min_size, self.max_size, self.max_nodes, self.limit = caps
        self.deadline = deadline
        self.nodes = 0
        self.stopped = False
        self.found: list[tuple[int, ...]] = []
        self.chosen: list[int] = []

    def walk(self, start: int, total: int) -> None:
        values, prefix, low, high, chosen = self.values, self.prefix, self.low, self.high, self.chosen
        count = len(values)
        slots = self.max_size - len(chosen)
        for i in range(start, count):
            # the largest values still allowed are the next `slots` ones (sorted large to small)
            if total + prefix[min(i + slots, count)] - prefix[i] < low:
                return  # the target is out of reach from here on
            self.nodes += 1
            if self.nodes >= self.max_nodes or (self.nodes & 255 == 0 and time.perf_counter() > self.deadline):
                self.stopped = True
                return
            reached = total + values[i]
            if reached > high:
                continue
            chosen.append(i)
            if reached >= low and len(chosen) >= self.min_size:
                self.found.append(tuple(chosen))
            elif len(chosen) < self.max_size:
                self.walk(i + 1, reached)
            chosen.pop()
            if self.stopped or len(self.found) >= self.limit:
                return
