"""Reports figures on the bench portfolio: aged balance and DSO for the whole book, the pages,
and the same aged balance computed the way a user would otherwise do it, with pandas."""

from __future__ import annotations

import random
import time
import warnings
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from encours.accounts.models import Role
from encours.ledger.models import Customer
from encours.ledger.selectors import customers_for
from encours.reports.dimensions import CUSTOMER
from encours.reports.selectors.aging import aged_balance
from encours.reports.selectors.kpis import COUNTBACK_WINDOWS, countbacks_by
from encours.reports.selectors.movements import sales_window
from encours.web.bench import BenchContext, Figure, p95, stopwatch

PAGE_SAMPLES = 200
DASHBOARD_SAMPLES = 20


def portfolio_figures(context: BenchContext) -> Iterator[Figure]:
    customers = Customer.objects.all()
    with stopwatch() as first_time:
        aged_balance(customers=customers, as_of=context.as_of, by="customer")
    with stopwatch() as aged_time:
        report = aged_balance(customers=customers, as_of=context.as_of, by="customer")
    total = sum((row.balance.total for row in report.rows), Decimal(0))
    yield Figure(
        "aged balance, whole portfolio by customer",
        aged_time[0],
        "s",
        detail=f"{len(report.rows)} customers, open AR {total:,.2f}; first run {first_time[0]:.2f} s",
    )
    receivables = {(row.ident, row.currency): row.balance.total for row in report.rows}
    with stopwatch() as dso_time:
        window = sales_window(
            customers=customers, dim=CUSTOMER, as_of=context.as_of, months=COUNTBACK_WINDOWS[0], labels=False
        )
        dso = countbacks_by(customers=customers, dim=CUSTOMER, receivables=receivables, window=window)
    floors = sum(1 for result in dso.values() if result.history_exhausted)
    yield Figure("DSO (countback) for all customers", dso_time[0], "s", detail=f"{len(dso)} customers, {floors} floors")
    yield Figure("aged balance + DSO, whole portfolio", aged_time[0] + dso_time[0], "s", "< 2 s")
    context.state["reports_aged"] = (aged_time[0], report)


def _credit_manager() -> Any:
    users = get_user_model().objects
    return users.filter(username="credit").first() or users.filter(role=Role.CREDIT_MANAGER).first()


def pages(context: BenchContext) -> Iterator[Figure]:
    user = _credit_manager()
    client = Client()
    client.force_login(user)
    as_of = context.as_of.isoformat()
    with override_settings(DEBUG=False):
        first = _timed(client, f"{reverse('reports:dashboard')}?as_of={as_of}")
        samples = [_timed(client, f"{reverse('reports:dashboard')}?as_of={as_of}") for _ in range(DASHBOARD_SAMPLES)]
        yield Figure("dashboard page p95", p95(samples) * 1000, "ms", "< 200 ms", detail=f"first {first * 1000:.0f} ms")
        ids = list(customers_for(user).values_list("pk", flat=True))
        chosen = random.Random(context.seed).sample(ids, min(PAGE_SAMPLES, len(ids)))
        samples = [_timed(client, reverse("ledger:customer", args=[pk])) for pk in chosen]
        yield Figure(
            f"customer page p95 over {len(chosen)} random customers",
            p95(samples) * 1000,
            "ms",
            "< 200 ms",
            detail=f"median {sorted(samples)[len(samples) // 2] * 1000:.0f} ms",
        )


def _timed(client: Client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return elapsed


PANDAS_ITEMS = (
    "SELECT i.id, i.customer_id, i.document_date, i.due_date, CAST(i.amount AS DOUBLE PRECISION) AS amount, "
    "CAST(i.fx_rate AS DOUBLE PRECISION) AS fx_rate FROM ledger_item i WHERE i.document_date <= {as_of}"
)
PANDAS_ALLOCATIONS = (
    "SELECT debit_id, credit_id, CAST(amount AS DOUBLE PRECISION) AS amount "
    "FROM ledger_allocation WHERE date <= {as_of}"
)


def pandas_aged_balance(as_of: date) -> Any:
    """The aged balance by customer as a user would write it: read both tables, net, bucket, pivot."""
    import numpy as np
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pandas prefers SQLAlchemy; a DB-API connection works
        raw = connection.connection
        placeholder = "%(as_of)s" if connection.vendor == "postgresql" else ":as_of"
        params = {"as_of": as_of if connection.vendor == "postgresql" else as_of.isoformat()}
        items = pd.read_sql_query(PANDAS_ITEMS.format(as_of=placeholder), raw, params=params, parse_dates=["due_date"])
        allocations = pd.read_sql_query(PANDAS_ALLOCATIONS.format(as_of=placeholder), raw, params=params)
    paid = allocations.groupby("debit_id")["amount"].sum()
    used = allocations.groupby("credit_id")["amount"].sum()
    items["open"] = items["amount"] - items["id"].map(paid).fillna(0) + items["id"].map(used).fillna(0)
    open_items = items[items["open"].round(2) != 0].copy()
    late = (pd.Timestamp(as_of) - open_items["due_date"]).dt.days
    buckets = np.select(
        [open_items["amount"] < 0, late <= 0, late <= 30, late <= 60, late <= 90, late <= 120],
        ["unapplied", "not_due", "d1_30", "d31_60", "d61_90", "d91_120"],
        default="over_120",
    )
    open_items["bucket"] = buckets
    open_items["functional"] = open_items["open"] * open_items["fx_rate"]
    return open_items.pivot_table(
        index="customer_id", columns="bucket", values="functional", aggfunc="sum", fill_value=0
    )


def pandas_reference(context: BenchContext) -> Iterator[Figure]:
    sql_time, report = context.state.get("reports_aged") or (None, None)
    if report is None:
        return
    connection.ensure_connection()
    with stopwatch() as elapsed:
        pivot = pandas_aged_balance(context.as_of)
    ours = float(sum(row.balance.total for row in report.rows))
    theirs = float(pivot.to_numpy().sum())
    same = abs(ours - theirs) < 0.01 * max(1, len(report.rows))
    yield Figure(
        "aged balance with a plain pandas script (reference)",
        elapsed[0],
        "s",
        detail=f"{elapsed[0] / sql_time:.1f}× the SQL aged balance; same total: {'yes' if same else 'NO'} "
        f"({theirs:,.2f})",
    )


BENCHMARKS = [(60, portfolio_figures), (61, pages), (62, pandas_reference)]
