"""Columnar view of invoices and the prefix queries that make history features fast.

Features must be computed "as of" a moment for hundreds of thousands of invoices; a
Python loop per invoice over its customer's history would be quadratic. Instead every
kind of event (a settlement, an issue, a due date) is sorted once by (key, time) and a
question such as "how many of this customer's invoices were settled strictly before t,
and what was their total lateness" becomes two binary searches and a cumulative-sum
difference, vectorised over all queries at once.

>>> import numpy as np
>>> timeline = KeyedTimeline(keys=np.array([0, 0, 1, 0]), times=np.array([10, 20, 15, 30]))
>>> start, end = timeline.bounds(keys=np.array([0, 0, 1]), times=np.array([20, 31, 15]))
>>> (end - start).tolist()
[1, 3, 0]
>>> timeline.window_sum(np.array([1.0, 2.0, 5.0, 4.0]), start, end).tolist()
[1.0, 7.0, 0.0]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from encours.core.forecast.records import InvoiceRecord, grade_ordinal

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# Far beyond any real date ordinal (date.max is 3 652 059): marks "never happened".
NEVER = 10_000_000


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceTable:
    """The invoices as parallel numpy arrays (dates as ordinals, NEVER when absent)."""

    invoice_ids: tuple[str, ...]
    customer: IntArray
    group: IntArray
    sector: IntArray
    invoice: IntArray
    due: IntArray
    settled: IntArray
    amount: FloatArray
    terms: FloatArray
    grade: FloatArray
    dispute_start: IntArray
    dispute_end: IntArray
    invoice_month: IntArray
    due_month: IntArray
    due_day: IntArray
    channel: tuple[str | None, ...]
    country: tuple[str | None, ...]
    step_invoice: IntArray
    step_time: IntArray
    step_stage: IntArray

    @property
    def size(self) -> int:
        return len(self.invoice_ids)

    @property
    def paid(self) -> BoolArray:
        return self.settled < NEVER

    @property
    def days_late(self) -> FloatArray:
        """Settled minus due in days; NaN for invoices still open."""
        late = (self.settled - self.due).astype(np.float64)
        late[~self.paid] = math.nan
        return late


def _codes(values: Sequence[str | None]) -> IntArray:
    """Dense integer codes for identifiers; -1 for a missing one."""
    index: dict[str, int] = {}
    codes = np.empty(len(values), dtype=np.int64)
    for position, value in enumerate(values):
        codes[position] = -1 if value is None or value == "" else index.setdefault(value, len(index))
    return codes


def _ordinals(days: Sequence[object]) -> IntArray:
    return np.fromiter(
        (NEVER if day is None else day.toordinal() for day in days),  # type: ignore[attr-defined]
        dtype=np.int64,
        count=len(days),
    )


def invoice_table(invoices: Sequence[InvoiceRecord]) -> InvoiceTable:
    """Convert records once; every feature computation then works on arrays."""
    steps = [(row, step) for row, inv in enumerate(invoices) for step in inv.dunning_steps]
    return InvoiceTable(
        invoice_ids=tuple(inv.invoice_id for inv in invoices),
        customer=_codes([inv.customer_id for inv in invoices]),
        group=_codes([inv.group_id for inv in invoices]),
        sector=_codes([inv.sector for inv in invoices]),
        invoice=_ordinals([inv.invoice_date for inv in invoices]),
        due=_ordinals([inv.due_date for inv in invoices]),
        settled=_ordinals([inv.settled_date for inv in invoices]),
        amount=np.fromiter((float(inv.amount) for inv in invoices), np.float64, len(invoices)),
        terms=np.fromiter((inv.effective_terms_days for inv in invoices), np.float64, len(invoices)),
        grade=np.fromiter((grade_ordinal(inv.grade) for inv in invoices), np.float64, len(invoices)),
        dispute_start=_ordinals([inv.dispute_start for inv in invoices]),
        dispute_end=_ordinals([inv.dispute_end for inv in invoices]),
        invoice_month=np.fromiter((inv.invoice_date.month for inv in invoices), np.int64, len(invoices)),
        due_month=np.fromiter((inv.due_date.month for inv in invoices), np.int64, len(invoices)),
        due_day=np.fromiter((inv.due_date.day for inv in invoices), np.int64, len(invoices)),
        channel=tuple(inv.channel for inv in invoices),
        country=tuple(inv.country for inv in invoices),
        step_invoice=np.fromiter((row for row, _ in steps), np.int64, len(steps)),
        step_time=_ordinals([step.executed_on for _, step in steps]),
        step_stage=np.fromiter((step.stage for _, step in steps), np.int64, len(steps)),
    )


class KeyedTimeline:
    """Events sorted by (key, time): counts and sums of one key's events before a time.

    ``bounds`` returns, for each query, the slice [start, end) of sorted events having
    the query's key and a time strictly before the query's time. A query key of -1
    (unknown group, sector...) matches nothing.
    """

    def __init__(self, *, keys: IntArray, times: IntArray) -> None:
        self.order = np.lexsort((times, keys))
        self.times = times[self.order]
        self._base = int(self.times.min()) - 1 if len(times) else 0
        self._span = int(self.times.max()) - self._base + 2 if len(times) else 2
        self._composite = keys[self.order] * self._span + (self.times - self._base)

    def bounds(self, *, keys: IntArray, times: IntArray) -> tuple[IntArray, IntArray]:
        offset = np.clip(times - self._base, 0, self._span - 1)
        start = np.searchsorted(self._composite, keys * self._span, side="left")
        end = np.searchsorted(self._composite, keys * self._span + offset, side="left")
        end = np.where(keys < 0, start, end)
        return start.astype(np.int64), end.astype(np.int64)

    def sorted_values(self, values: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
        """``values`` (in original event order) rearranged into the timeline's order."""
        return values[self.order]

    def cumulative(self, values: FloatArray) -> FloatArray:
        """Running sums of ``values`` (original event order) in timeline order, from 0."""
        result: FloatArray = np.concatenate(([0.0], np.cumsum(values[self.order], dtype=np.float64)))
        return result

    def window_sum(self, values: FloatArray, start: IntArray, end: IntArray) -> FloatArray:
        """Sum of ``values`` (original event order) over each query's [start, end) slice."""
        cumulative = self.cumulative(values)
        result: FloatArray = cumulative[end] - cumulative[start]
        return result

    def last_values(self, values: FloatArray, start: IntArray, end: IntArray, width: int) -> FloatArray:
        """The last ``width`` values before each query, most recent first, NaN-padded."""
        ordered = values[self.order].astype(np.float64)
        lags = np.arange(1, width + 1, dtype=np.int64)
        index = end[:, None] - lags[None, :]
        valid = index >= start[:, None]
        gathered = ordered[np.where(valid, index, 0)] if len(ordered) else np.zeros(index.shape)
        result: FloatArray = np.where(valid, gathered, math.nan)
        return result


def row_quantiles(matrix: FloatArray, quantile: float) -> FloatArray:
    """Per-row quantile (linear interpolation, numpy's default) ignoring NaN; NaN if empty."""
    ordered = np.sort(matrix, axis=1)
    counts = np.sum(~np.isnan(ordered), axis=1)
    position = quantile * np.maximum(counts - 1, 0)
    low = np.floor(position).astype(np.int64)
    high = np.minimum(low + 1, np.maximum(counts - 1, 0))
    low_value = np.take_along_axis(ordered, low[:, None], axis=1)[:, 0]
    high_value = np.take_along_axis(ordered, high[:, None], axis=1)[:, 0]
    result: FloatArray = low_value + (high_value - low_value) * (position - low)
    result[counts == 0] = math.nan
    return result
