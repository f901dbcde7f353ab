"""Sorting report rows by a column named in the URL (``total``, ``-overdue``, ``d31_60``…)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from encours.reports.selectors.aging import AgedRow
from encours.reports.selectors.kpis import KpiRow

T = TypeVar("T")
LOWEST = Decimal("-1e30")


def _sorted(rows: Sequence[T], sort: str, keys: dict[str, Callable[[T], Any]], default: str) -> list[T]:
    name = sort.removeprefix("-")
    key = keys.get(name) or keys[default]
    ordered = sorted(rows, key=lambda row: (key(row), keys[default](row)))
    return ordered[::-1] if sort.startswith("-") and name in keys else ordered


def _or_lowest(value: Decimal | None) -> Decimal:
    return LOWEST if value is None else value


def sort_aged_rows(rows: Sequence[AgedRow], sort: str) -> list[AgedRow]:
    keys: dict[str, Callable[[AgedRow], Any]] = {
        "key": lambda row: row.key,
        "name": lambda row: row.name.lower(),
        "total": lambda row: row.balance.total,
        "overdue": lambda row: row.balance.overdue,
        "unapplied": lambda row: row.balance.unapplied,
        "disputed": lambda row: row.balance.disputed,
    }
    if rows:
        for position, bucket in enumerate(rows[0].balance.by_key()):
            keys[bucket] = lambda row, i=position: row.balance.buckets[i]
    return _sorted(rows, sort, keys, "key")


def sort_kpi_rows(rows: Sequence[KpiRow], sort: str) -> list[KpiRow]:
    keys: dict[str, Callable[[KpiRow], Any]] = {
        "key": lambda row: row.key,
        "name": lambda row: row.name.lower(),
        "open_ar": lambda row: row.figures.open_ar,
        "overdue": lambda row: row.figures.overdue,
        "overdue_rate": lambda row: _or_lowest(row.figures.overdue_rate),
        "dso": lambda row: row.figures.countback.days,
        "dso_simple": lambda row: _or_lowest(row.figures.dso_simple),
        "bpdso": lambda row: _or_lowest(row.figures.bpdso),
        "add": lambda row: _or_lowest(row.figures.add),
        "cei": lambda row: _or_lowest(row.figures.cei),
        "unpaid_rate": lambda row: _or_lowest(row.figures.unpaid_rate),
    }
    return _sorted(rows, sort, keys, "key")
