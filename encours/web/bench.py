"""`make bench`: each app contributes timed figures through ``encours/<app>/bench.py``.

An app's bench module defines ``BENCHMARKS = [(order, function)]``; each function takes the
shared ``BenchContext`` and yields ``Figure`` lines. The ledger's benchmark runs first and
loads the synthetic portfolio every other one measures against.
"""

from __future__ import annotations

import importlib
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.apps import apps


@dataclass(frozen=True, slots=True)
class Figure:
    name: str
    value: float
    unit: str
    target: str = ""
    detail: str = ""

    def line(self) -> str:
        number = f"{self.value:,.0f}" if self.value >= 100 else f"{self.value:.3f}"
        target = f"  (target {self.target})" if self.target else ""
        detail = f"  [{self.detail}]" if self.detail else ""
        return f"{self.name}: {number} {self.unit}{target}{detail}"


@dataclass
class BenchContext:
    customers: int
    invoices: int
    seed: int
    as_of: date
    small: bool
    workdir: str
    state: dict[str, Any] = field(default_factory=dict)
    # app labels asked for with --only (empty: all); the portfolio loads only their demo data
    only: frozenset[str] = frozenset()


Benchmark = Callable[[BenchContext], Iterator[Figure]]


def benchmarks() -> list[tuple[int, str, Benchmark]]:
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("encours.") or config.name == "encours.web":
            continue  # encours.web.bench is this module: the helpers, not a benchmark
        try:
            module = importlib.import_module(f"{config.name}.bench")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.bench":
                raise
            continue
        found += [(order, config.label, function) for order, function in module.BENCHMARKS]
    return sorted(found, key=lambda entry: entry[0])


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    elapsed: list[float] = []
    started = time.perf_counter()
    try:
        yield elapsed
    finally:
        elapsed.append(time.perf_counter() - started)


def p95(samples: list[float]) -> float:
    if len(samples) < 2:
        return samples[0] if samples else 0.0
    return statistics.quantiles(samples, n=20, method="inclusive")[18]
