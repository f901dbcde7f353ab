"""Point-in-time features for predicting when an invoice will be paid.

A prediction for invoice *i* made at moment *t* (its invoice date for training rows,
``as_of`` for open invoices) may only use what was known at *t*: the customer's, group's
and sector's invoices **settled strictly before t**, invoices issued before *t* (their
amounts and due dates), dunning steps executed before *t* and disputes opened by *t*.
Nothing about settlements on or after *t* enters, so the time split cannot leak.

Windowed statistics (median, p75, trend...) use the customer's last ``HISTORY_WINDOW``
settlements: older behaviour says little about the next invoice. Means and shares use the
whole history, the amount-weighted mean the trailing 12 months (DESIGN: weighted average
days late). Missing history is NaN, which gradient boosting routes on its own.

>>> from datetime import date
>>> from decimal import Decimal
>>> from encours.core.forecast.records import InvoiceRecord
>>> def invoice(number, issued, settled):
...     return InvoiceRecord(invoice_id=number, customer_id="C1", invoice_date=issued,
...         due_date=date.fromordinal(issued.toordinal() + 30), amount=Decimal(100),
...         settled_date=settled)
>>> ledger = [invoice("1", date(2026, 1, 1), date(2026, 2, 10)),   # 10 days late
...           invoice("2", date(2026, 2, 1), date(2026, 3, 23)),   # 20 days late
...           invoice("3", date(2026, 3, 1), None)]
>>> features = features_at(invoices=ledger, queries=[(2, date(2026, 3, 1))])
>>> row = features.row(0)
>>> row["customer_paid_count"], row["customer_mean_days_late"], row["days_past_due_at_prediction"]
(1.0, 10.0, -30.0)
>>> features_at(invoices=ledger, queries=[(2, date(2026, 4, 1))]).row(0)["customer_mean_days_late"]
15.0
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from encours.core.forecast.records import InvoiceRecord
from encours.core.forecast.table import (
    NEVER,
    FloatArray,
    IntArray,
    InvoiceTable,
    KeyedTimeline,
    invoice_table,
    row_quantiles,
)

HISTORY_WINDOW = 24
TRAILING_YEAR_DAYS = 365
RECENT_DAYS = 90
CHUNK = 200_000
MAX_CATEGORY_LEVELS = 200

FEATURE_NAMES: tuple[str, ...] = (
    "terms_days", "log_amount", "amount_to_customer_median", "invoice_month", "due_month",
    "due_day_of_month", "due_at_quarter_end", "days_past_due_at_prediction",
    "dispute_open_at_prediction", "dunning_stage_at_prediction", "grade", "channel", "country",
    "customer_paid_count", "customer_mean_days_late", "customer_weighted_days_late_12m",
    "customer_median_days_late", "customer_p10_days_late", "customer_p75_days_late",
    "customer_p90_days_late", "customer_std_days_late", "customer_last_days_late",
    "customer_last3_mean_days_late", "customer_trend_days_per_30d", "customer_share_late",
    "customer_share_late_over_30", "customer_share_disputed", "customer_days_since_last_payment",
    "customer_tenure_days", "customer_invoices_last_90d", "customer_open_count",
    "customer_overdue_count", "customer_overdue_amount_log", "customer_open_disputes",
    "group_paid_count", "group_mean_days_late", "group_share_late_over_30",
    "sector_paid_count", "sector_mean_days_late", "sector_share_late_over_30",
    "portfolio_mean_days_late_90d", "portfolio_mean_days_late",
)  # fmt: skip
CATEGORICAL_FEATURES: tuple[str, ...] = ("channel", "country")
# Features fed by a source the ledger alone does not hold. When the application has no
# such source (no disputes app, no dunning history, no grades) they are unknown (NaN), not
# zero: "no dispute" and "disputes not known" must not look alike to the model.
SOURCE_FEATURES: dict[str, tuple[str, ...]] = {
    "disputes": ("dispute_open_at_prediction", "customer_share_disputed", "customer_open_disputes"),
    "dunning": ("dunning_stage_at_prediction",),
    "grades": ("grade",),
}


def unknown_features_of(missing_sources: Sequence[str]) -> tuple[str, ...]:
    """The feature names a set of missing sources leaves unknown, in ``FEATURE_NAMES`` order."""
    names = {name for source in missing_sources for name in SOURCE_FEATURES[source]}
    return tuple(name for name in FEATURE_NAMES if name in names)


@dataclass(frozen=True, slots=True, kw_only=True)
class CategoryVocabulary:
    """Known levels of the categorical inputs; an unseen level becomes NaN (missing)."""

    channel: tuple[str, ...] = ()
    country: tuple[str, ...] = ()


NO_CATEGORIES = CategoryVocabulary()


@dataclass(frozen=True, slots=True, kw_only=True)
class FeatureMatrix:
    """One row per query, columns in ``FEATURE_NAMES`` order (float64, NaN = unknown)."""

    names: tuple[str, ...]
    values: FloatArray

    def column(self, name: str) -> FloatArray:
        result: FloatArray = self.values[:, self.names.index(name)]
        return result

    def row(self, index: int) -> dict[str, float]:
        return {name: float(value) for name, value in zip(self.names, self.values[index], strict=True)}


def learn_vocabulary(*, table: InvoiceTable, rows: IntArray) -> CategoryVocabulary:
    """The most frequent channel and country levels among the training rows."""

    def levels(values: tuple[str | None, ...]) -> tuple[str, ...]:
        counts = Counter(values[int(r)] for r in rows)
        counts.pop(None, None)
        return tuple(sorted(level for level, _ in counts.most_common(MAX_CATEGORY_LEVELS) if level))

    return CategoryVocabulary(channel=levels(table.channel), country=levels(table.country))


def _encode(values: tuple[str | None, ...], levels: tuple[str, ...], rows: IntArray) -> FloatArray:
    position = {level: float(code) for code, level in enumerate(levels)}
    return np.fromiter((position.get(values[int(r)] or "", math.nan) for r in rows), np.float64, len(rows))


class HistoryIndex:
    """Every timeline the features query, sorted once for a table."""

    def __init__(self, table: InvoiceTable) -> None:
        self.table = table
        paid = np.flatnonzero(table.paid)
        late = (table.settled[paid] - table.due[paid]).astype(np.float64)
        self.settled_late = late
        self.settled_invoice = table.invoice[paid].astype(np.float64)
        self.settled_time = table.settled[paid].astype(np.float64)
        self.customer_settled = KeyedTimeline(keys=table.customer[paid], times=table.settled[paid])
        self.group_settled = KeyedTimeline(keys=table.group[paid], times=table.settled[paid])
        self.sector_settled = KeyedTimeline(keys=table.sector[paid], times=table.settled[paid])
        self.portfolio_settled = KeyedTimeline(keys=np.zeros(len(paid), np.int64), times=table.settled[paid])
        self.sums = self._settled_sums(paid, late)
        self._index_exposure(paid)
        self.steps = KeyedTimeline(keys=table.step_invoice, times=table.step_time)
        self.stage_so_far = self._running_max_stage()

    def _index_exposure(self, paid: IntArray) -> None:
        """Timelines of open items, overdue items and disputes at any moment."""
        table = self.table
        self.customer_issued = KeyedTimeline(keys=table.customer, times=table.invoice)
        self.customer_due = KeyedTimeline(keys=table.customer, times=table.due)
        # settled and due both before t <=> max(settled, due) before t: "overdue, since paid"
        self.customer_cleared = KeyedTimeline(
            keys=table.customer[paid], times=np.maximum(table.settled[paid], table.due[paid])
        )
        self.due_amount = self.customer_due.cumulative(table.amount)
        self.cleared_amount = self.customer_cleared.cumulative(table.amount[paid])
        # issued and settled before t <=> max(invoice, settled) before t (a prepaid invoice
        # issued later is not part of the open items yet)
        self.customer_closed = KeyedTimeline(
            keys=table.customer[paid], times=np.maximum(table.settled[paid], table.invoice[paid])
        )
        # a paid invoice counts as disputed from the later of its settlement and its dispute
        disputed_paid = paid[table.dispute_start[paid] < NEVER]
        self.customer_disputed_paid = KeyedTimeline(
            keys=table.customer[disputed_paid],
            times=np.maximum(table.settled[disputed_paid], table.dispute_start[disputed_paid]),
        )
        opened = table.dispute_start < NEVER
        closed = opened & (table.dispute_end < NEVER)
        self.dispute_opened = KeyedTimeline(keys=table.customer[opened], times=table.dispute_start[opened])
        self.dispute_closed = KeyedTimeline(
            keys=table.customer[closed],
            times=np.maximum(table.dispute_start[closed], table.dispute_end[closed]),
        )

    def _settled_sums(self, paid: IntArray, late: FloatArray) -> dict[str, dict[str, FloatArray]]:
        amount = self.table.amount[paid]
        values = {
            "late": late, "late_pos": (late > 0).astype(np.float64),
            "late_30": (late > 30).astype(np.float64),
            "amount": amount, "amount_late": amount * late,
        }  # fmt: skip
        timelines = {
            "customer": self.customer_settled, "group": self.group_settled,
            "sector": self.sector_settled, "portfolio": self.portfolio_settled,
        }  # fmt: skip
        return {
            scope: {name: timeline.cumulative(value) for name, value in values.items()}
            for scope, timeline in timelines.items()
        }

    def _running_max_stage(self) -> IntArray:
        stages = self.steps.sorted_values(self.table.step_stage).astype(np.int64)
        invoices = self.steps.sorted_values(self.table.step_invoice).astype(np.int64)
        shift = invoices * (int(stages.max(initial=0)) + 1)
        # sorted by invoice, so the offset keeps each invoice's running maximum separate
        running: IntArray = np.maximum.accumulate(stages + shift) - shift if len(stages) else stages
        return np.concatenate((running, [0]))  # position -1 reads "no step yet"


def _between(cumulative: FloatArray, start: IntArray, end: IntArray) -> FloatArray:
    result: FloatArray = cumulative[end] - cumulative[start]
    return result


def _ratio(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        result: FloatArray = np.where(denominator > 0, numerator / denominator, math.nan)
    return result


def _invoice_features(
    index: HistoryIndex, rows: IntArray, moments: IntArray, vocabulary: CategoryVocabulary
) -> dict[str, FloatArray]:
    table = index.table
    now = np.maximum(moments, table.invoice[rows])  # an order's invoice lies in the future
    start, end = index.steps.bounds(keys=rows, times=moments)
    stage = index.stage_so_far[np.where(end > start, end - 1, -1)]
    due_month = table.due_month[rows]
    return {
        "terms_days": table.terms[rows],
        "log_amount": np.log1p(np.maximum(table.amount[rows], 0.0)),
        "invoice_month": table.invoice_month[rows].astype(np.float64),
        "due_month": due_month.astype(np.float64),
        "due_day_of_month": table.due_day[rows].astype(np.float64),
        "due_at_quarter_end": ((due_month % 3 == 0) & (table.due_day[rows] >= 21)).astype(np.float64),
        "days_past_due_at_prediction": (now - table.due[rows]).astype(np.float64),
        "dispute_open_at_prediction": ((table.dispute_start[rows] <= now) & (table.dispute_end[rows] >= now)).astype(
            np.float64
        ),
        "dunning_stage_at_prediction": stage.astype(np.float64),
        "grade": table.grade[rows],
        "channel": _encode(table.channel, vocabulary.channel, rows),
        "country": _encode(table.country, vocabulary.country, rows),
    }


def _window_features(index: HistoryIndex, start: IntArray, end: IntArray, now: IntArray) -> dict[str, FloatArray]:
    timeline = index.customer_settled
    late = timeline.last_values(index.settled_late, start, end, HISTORY_WINDOW)
    issued = timeline.last_values(index.settled_invoice, start, end, HISTORY_WINDOW) / 30.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows are customers without history
        counts = np.sum(~np.isnan(late), axis=1)
        x = issued - np.nanmean(issued, axis=1)[:, None]
        y = late - np.nanmean(late, axis=1)[:, None]
        # least-squares slope of days late against invoice date, in days per 30 days
        slope = np.nansum(x * y, axis=1) / np.nansum(x * x, axis=1)
        last_settled = timeline.last_values(index.settled_time, start, end, 1)[:, 0]
        return {
            "customer_median_days_late": row_quantiles(late, 0.5),
            "customer_p10_days_late": row_quantiles(late, 0.1),
            "customer_p75_days_late": row_quantiles(late, 0.75),
            "customer_p90_days_late": row_quantiles(late, 0.9),
            "customer_std_days_late": np.where(counts >= 2, np.nanstd(late, axis=1), math.nan),
            "customer_last_days_late": late[:, 0],
            "customer_last3_mean_days_late": np.nanmean(late[:, :3], axis=1),
            "customer_trend_days_per_30d": np.where((counts >= 3) & np.isfinite(slope), slope, math.nan),
            "customer_days_since_last_payment": now - last_settled,
        }


def _customer_features(index: HistoryIndex, rows: IntArray, moments: IntArray) -> dict[str, FloatArray]:
    table = index.table
    customer = table.customer[rows]
    start, end = index.customer_settled.bounds(keys=customer, times=moments)
    _, year_start = index.customer_settled.bounds(keys=customer, times=moments - TRAILING_YEAR_DAYS)
    year_start = np.maximum(year_start, start)
    sums = index.sums["customer"]
    count = (end - start).astype(np.float64)
    features = {
        "customer_paid_count": count,
        "customer_mean_days_late": _ratio(_between(sums["late"], start, end), count),
        "customer_weighted_days_late_12m": _ratio(
            _between(sums["amount_late"], year_start, end), _between(sums["amount"], year_start, end)
        ),
        "customer_share_late": _ratio(_between(sums["late_pos"], start, end), count),
        "customer_share_late_over_30": _ratio(_between(sums["late_30"], start, end), count),
    }
    disputed_start, disputed_end = index.customer_disputed_paid.bounds(keys=customer, times=moments)
    features["customer_share_disputed"] = _ratio((disputed_end - disputed_start).astype(np.float64), count)
    features.update(_window_features(index, start, end, moments.astype(np.float64)))
    features.update(_exposure_features(index, rows, moments))
    return features


def _exposure_features(index: HistoryIndex, rows: IntArray, moments: IntArray) -> dict[str, FloatArray]:
    table = index.table
    customer = table.customer[rows]
    issued_start, issued_end = index.customer_issued.bounds(keys=customer, times=moments)
    _, recent_start = index.customer_issued.bounds(keys=customer, times=moments - RECENT_DAYS)
    amounts = index.customer_issued.last_values(table.amount, issued_start, issued_end, HISTORY_WINDOW)
    due_start, due_end = index.customer_due.bounds(keys=customer, times=moments)
    cleared_start, cleared_end = index.customer_cleared.bounds(keys=customer, times=moments)
    closed_start, closed_end = index.customer_closed.bounds(keys=customer, times=moments)
    overdue_amount = _between(index.due_amount, due_start, due_end) - _between(
        index.cleared_amount, cleared_start, cleared_end
    )
    opened_start, opened_end = index.dispute_opened.bounds(keys=customer, times=moments)
    resolved_start, resolved_end = index.dispute_closed.bounds(keys=customer, times=moments)
    open_disputes = (opened_end - opened_start) - (resolved_end - resolved_start)
    first_issue = index.customer_issued.times[np.minimum(issued_start, max(table.size - 1, 0))]
    return {
        "amount_to_customer_median": _ratio(table.amount[rows], row_quantiles(amounts, 0.5)),
        "customer_tenure_days": np.where(issued_end > issued_start, moments - first_issue, math.nan).astype(np.float64),
        "customer_invoices_last_90d": (issued_end - np.maximum(recent_start, issued_start)).astype(np.float64),
        "customer_open_count": ((issued_end - issued_start) - (closed_end - closed_start)).astype(np.float64),
        "customer_overdue_count": ((due_end - due_start) - (cleared_end - cleared_start)).astype(np.float64),
        "customer_overdue_amount_log": np.log1p(np.maximum(overdue_amount, 0.0)),
        "customer_open_disputes": np.maximum(open_disputes, 0).astype(np.float64),
    }


def _peer_features(index: HistoryIndex, rows: IntArray, moments: IntArray) -> dict[str, FloatArray]:
    table = index.table
    features: dict[str, FloatArray] = {}
    for scope, keys, timeline in (
        ("group", table.group[rows], index.group_settled),
        ("sector", table.sector[rows], index.sector_settled),
    ):
        start, end = timeline.bounds(keys=keys, times=moments)
        count = (end - start).astype(np.float64)
        sums = index.sums[scope]
        features[f"{scope}_paid_count"] = count
        features[f"{scope}_mean_days_late"] = _ratio(_between(sums["late"], start, end), count)
        features[f"{scope}_share_late_over_30"] = _ratio(_between(sums["late_30"], start, end), count)
    everyone = np.zeros(len(rows), np.int64)
    start, end = index.portfolio_settled.bounds(keys=everyone, times=moments)
    _, recent = index.portfolio_settled.bounds(keys=everyone, times=moments - RECENT_DAYS)
    late = index.sums["portfolio"]["late"]
    features["portfolio_mean_days_late_90d"] = _ratio(_between(late, recent, end), (end - recent).astype(float))
    features["portfolio_mean_days_late"] = _ratio(_between(late, start, end), (end - start).astype(float))
    return features


def build_features(
    *,
    index: HistoryIndex,
    rows: IntArray,
    moments: IntArray,
    vocabulary: CategoryVocabulary = NO_CATEGORIES,
    unknown: Sequence[str] = (),
) -> FeatureMatrix:
    """Features of invoice ``rows[k]`` of the indexed table as known at ordinal ``moments[k]``;
    the ``unknown`` columns (see ``SOURCE_FEATURES``) are NaN."""
    blocks = []
    for first in range(0, len(rows), CHUNK):
        chunk_rows = rows[first : first + CHUNK].astype(np.int64)
        chunk_moments = moments[first : first + CHUNK].astype(np.int64)
        columns = _invoice_features(index, chunk_rows, chunk_moments, vocabulary)
        columns.update(_customer_features(index, chunk_rows, chunk_moments))
        columns.update(_peer_features(index, chunk_rows, chunk_moments))
        for name in unknown:
            columns[name] = np.full(len(chunk_rows), math.nan)
        blocks.append(np.column_stack([columns[name] for name in FEATURE_NAMES]))
    values = np.vstack(blocks) if blocks else np.empty((0, len(FEATURE_NAMES)))
    return FeatureMatrix(names=FEATURE_NAMES, values=values.astype(np.float64))


def features_at(
    *,
    invoices: Sequence[InvoiceRecord],
    queries: Sequence[tuple[int, date]],
    vocabulary: CategoryVocabulary = NO_CATEGORIES,
    unknown: Sequence[str] = (),
) -> FeatureMatrix:
    """Convenience form: ``queries`` are (position in ``invoices``, prediction date) pairs."""
    index = HistoryIndex(invoice_table(invoices))
    rows = np.fromiter((row for row, _ in queries), np.int64, len(queries))
    moments = np.fromiter((moment.toordinal() for _, moment in queries), np.int64, len(queries))
    return build_features(index=index, rows=rows, moments=moments, vocabulary=vocabulary, unknown=unknown)
