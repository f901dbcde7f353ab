"""Realistic bank lines with their ground truth, to measure the matcher honestly.

``generate_bank_lines`` draws receipts from a portfolio's open items (each item paid at
most once) following a scenario mix; ``evaluate`` scores the matcher's answers:

* precision of auto-applied matches = auto-applied lines whose best proposal is right
  / all auto-applied lines (a non-customer line auto-applied counts as wrong);
* auto-match rate = auto-applied customer receipts / customer receipts;
* top-3 recall = customer receipts with a right proposal among the first three
  / customer receipts.

A proposal is right when it settles exactly the truth's items of the truth's customer
(for a payment on account: no item, the right customer). The default mix (``DEFAULT_MIX``)
is built from what French B2B receipts look like: most are SEPA transfers quoting an
invoice number, often misspelt; about one in five is grouped, short-paid or discounted;
one in ten is not from a customer at all. Payers pay from an IBAN already confirmed four
times in five (the rest: new accounts, factoring companies, payment platforms).

>>> from datetime import date
>>> portfolio = generate_portfolio(seed=3, customers=60, items=400, as_of=date(2026, 10, 31))
>>> simulated = generate_bank_lines(customers=portfolio.customers, items=portfolio.items, count=50,
...                                 seed=3, as_of=date(2026, 10, 31))
>>> len(simulated), sum(1 for s in simulated if s.customer_id) > 30
(50, True)
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from encours.core.errors import ValidationFailed
from encours.core.matching.engine import DEFAULT_CONFIG, match_lines
from encours.core.matching.index import MatchingIndex
from encours.core.matching.values import Customer, LineMatch, MatchingConfig, OpenItem, Proposal
from encours.synthetic.banksim.pool import Pool, SimulatedLine
from encours.synthetic.banksim.portfolio import Portfolio, generate_portfolio
from encours.synthetic.banksim.scenarios import SCENARIOS

__all__ = [
    "DEFAULT_MIX",
    "Benchmark",
    "Evaluation",
    "Portfolio",
    "SimulatedLine",
    "benchmark_matching",
    "evaluate",
    "generate_bank_lines",
    "generate_portfolio",
    "is_right",
    "run_evaluation",
]

# Weights in % of all bank lines of a French B2B collection account.
DEFAULT_MIX: tuple[tuple[str, float], ...] = (
    ("clean_reference", 30.0),
    ("noisy_reference", 14.0),
    ("structured_reference", 4.0),
    ("grouped_with_references", 9.0),
    ("grouped_without_references", 4.0),
    ("fee_deducted", 5.0),
    ("early_payment_discount", 3.0),
    ("partial_payment", 4.0),
    ("truncated_reference", 4.0),
    ("wrong_reference", 3.0),
    ("parent_pays_subsidiary", 3.0),
    ("payer_name_only", 5.0),
    ("payment_on_account", 1.0),
    ("non_customer_receipt", 6.0),
    ("unknown_payer", 2.0),
    ("outgoing_payment", 3.0),
)


def generate_bank_lines(
    *,
    customers: Sequence[Customer],
    items: Sequence[OpenItem],
    count: int,
    seed: int,
    as_of: date,
    mix: tuple[tuple[str, float], ...] = DEFAULT_MIX,
) -> tuple[SimulatedLine, ...]:
    """``count`` bank lines booked in the month after ``as_of``, with ground truth. A
    scenario that finds no suitable open item left falls back to a clean reference."""
    unknown = [name for name, _ in mix if name not in SCENARIOS]
    if unknown:
        raise ValidationFailed(f"unknown scenario(s): {', '.join(unknown)}")
    rng = random.Random(seed)
    pool = Pool(rng, customers, items, as_of)
    names, weights = zip(*mix, strict=True)
    lines: list[SimulatedLine] = []
    for index in range(count):
        scenario = rng.choices(names, weights=weights)[0]
        made = SCENARIOS[scenario](pool, index) or SCENARIOS["clean_reference"](pool, index)
        if made is None:
            made = SCENARIOS["non_customer_receipt"](pool, index)
        assert made is not None
        lines.append(made)
    return tuple(lines)


def is_right(proposal: Proposal, simulated: SimulatedLine) -> bool:
    """Right = exactly the truth's items; for a payment on account, the truth's customer."""
    if not simulated.customer_id:
        return False
    if proposal.item_ids != frozenset(simulated.item_ids):
        return False
    return bool(simulated.item_ids) or proposal.customer_id == simulated.customer_id


@dataclass(frozen=True, slots=True)
class ScenarioScore:
    scenario: str
    lines: int
    auto_applied: int
    auto_right: int
    top3: int


@dataclass(frozen=True, slots=True)
class Evaluation:
    lines: int
    customer_receipts: int
    auto_applied: int
    auto_right: int
    auto_on_customer_receipts: int
    top3_hits: int
    by_scenario: tuple[ScenarioScore, ...]

    @property
    def precision(self) -> float:
        return self.auto_right / self.auto_applied if self.auto_applied else 1.0

    @property
    def auto_match_rate(self) -> float:
        return self.auto_on_customer_receipts / self.customer_receipts if self.customer_receipts else 0.0

    @property
    def top3_recall(self) -> float:
        return self.top3_hits / self.customer_receipts if self.customer_receipts else 0.0

    def report(self) -> tuple[str, ...]:
        """The figures as printable lines, overall then per scenario."""
        receipts = self.customer_receipts
        lines = [
            f"lines: {self.lines}, customer receipts: {receipts}",
            f"precision of auto-applied: {self.precision:.2%} ({self.auto_right}/{self.auto_applied})",
            f"auto-match rate: {self.auto_match_rate:.2%} ({self.auto_on_customer_receipts}/{receipts})",
            f"top-3 recall of suggestions: {self.top3_recall:.2%} ({self.top3_hits}/{receipts})",
        ]
        for s in self.by_scenario:
            counts = f"auto {s.auto_applied:>6} (right {s.auto_right}), top-3 {s.top3}"
            lines.append(f"  {s.scenario:<28} {s.lines:>6} lines, {counts}")
        return tuple(lines)


def evaluate(*, simulated: Sequence[SimulatedLine], results: Sequence[LineMatch]) -> Evaluation:
    if len(simulated) != len(results):
        raise ValidationFailed("one result per simulated line is expected")
    counts: dict[str, Counter[str]] = {}
    for truth, result in zip(simulated, results, strict=True):
        tally = counts.setdefault(truth.scenario, Counter())
        tally["lines"] += 1
        best_right = result.best is not None and is_right(result.best, truth)
        if result.auto_apply:
            tally["auto"] += 1
            tally["auto_right"] += best_right
        if truth.customer_id:
            tally["receipts"] += 1
            tally["auto_receipts"] += result.auto_apply
            tally["top3"] += any(is_right(p, truth) for p in result.proposals[:3])
    total: Counter[str] = sum(counts.values(), Counter())
    return Evaluation(
        lines=len(simulated),
        customer_receipts=total["receipts"],
        auto_applied=total["auto"],
        auto_right=total["auto_right"],
        auto_on_customer_receipts=total["auto_receipts"],
        top3_hits=total["top3"],
        by_scenario=tuple(
            ScenarioScore(name, c["lines"], c["auto"], c["auto_right"], c["top3"]) for name, c in sorted(counts.items())
        ),
    )


def run_evaluation(
    *,
    seed: int = 2026,
    customers: int = 1500,
    items: int = 15_000,
    lines: int = 5_000,
    as_of: date = date(2026, 10, 31),
    config: MatchingConfig = DEFAULT_CONFIG,
    portfolio: Portfolio | None = None,
) -> Evaluation:
    """The default generated set (or lines drawn from a given portfolio), matched and scored:
    what ``manage.py matching_eval`` prints."""
    portfolio = portfolio or generate_portfolio(seed=seed, customers=customers, items=items, as_of=as_of)
    simulated = generate_bank_lines(
        customers=portfolio.customers, items=portfolio.items, count=lines, seed=seed, as_of=as_of
    )
    index = MatchingIndex(customers=portfolio.customers, items=portfolio.items)
    results = match_lines([s.line for s in simulated], index=index, config=config)
    return evaluate(simulated=simulated, results=results)


@dataclass(frozen=True, slots=True)
class Benchmark:
    items: int
    customers: int
    lines: int
    index_seconds: float
    match_seconds: float
    cpu_seconds: float = 0.0

    @property
    def lines_per_second(self) -> float:
        return self.lines / self.match_seconds if self.match_seconds else float("inf")


def benchmark_matching(
    *, items: int = 200_000, lines: int = 10_000, customers: int | None = None, seed: int = 2026
) -> Benchmark:
    """Time building the index and matching ``lines`` generated lines against ``items``
    open items (the target: 10 000 lines against 200 000 items in under 10 s)."""
    as_of = date(2026, 10, 31)
    customers = customers or max(10, items // 10)
    portfolio = generate_portfolio(seed=seed, customers=customers, items=items, as_of=as_of)
    simulated = generate_bank_lines(
        customers=portfolio.customers, items=portfolio.items, count=lines, seed=seed, as_of=as_of
    )
    cpu, started = time.process_time(), time.perf_counter()
    index = MatchingIndex(customers=portfolio.customers, items=portfolio.items)
    built = time.perf_counter()
    match_lines([s.line for s in simulated], index=index)
    finished = time.perf_counter()
    # CPU time too: on a shared machine wall time also counts the neighbours' work
    return Benchmark(items, customers, lines, built - started, finished - built, time.process_time() - cpu)
