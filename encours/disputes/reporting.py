"""The disputes report as rows and CSV (``manage.py disputes_report``).

Columns: reason, open_count, open_amount (disputes active on the date: opened on or before
it, not resolved by then), resolved_count, resolved_amount (disputes resolved on or before
the date, since ``since`` when given; amounts are the disputed amounts), avg_resolution_days
(mean of resolved_on − opened_on, one decimal) and p90_resolution_days (nearest-rank 90th
percentile: the ⌈0.9 n⌉-th smallest resolution time, always an observed value).
"""

from __future__ import annotations

from datetime import date
from typing import IO

from django.db.models import QuerySet

from encours.core.formats.spreadsheet import CsvWriter
from encours.disputes.models import Dispute
from encours.disputes.selectors import ReasonFigures, figures_by

COLUMNS = (
    "reason",
    "open_count",
    "open_amount",
    "resolved_count",
    "resolved_amount",
    "avg_resolution_days",
    "p90_resolution_days",
)


def report_rows(
    *, as_of: date, since: date | None = None, disputes: QuerySet[Dispute] | None = None
) -> list[ReasonFigures]:
    return figures_by(disputes=Dispute.objects.all() if disputes is None else disputes, as_of=as_of, since=since)


def write_csv(rows: list[ReasonFigures], out: IO[str]) -> None:
    writer = CsvWriter(out)
    writer.row(COLUMNS)
    for row in rows:
        writer.row(
            (
                row.reason,
                row.open_count,
                f"{row.open_amount:.2f}",
                row.resolved_count,
                f"{row.resolved_amount:.2f}",
                "" if row.average_days is None else f"{row.average_days:.1f}",
                "" if row.p90_days is None else row.p90_days,
            )
        )
