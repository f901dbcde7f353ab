"""Ledger figures: portfolio generation and load, FEC import throughput and memory."""

from __future__ import annotations

import re
import resource
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from django.db import connection

from encours.core.formats.fec_writer import FecEntry, fec_lines, letter_code, write_generated_fec
from encours.ledger.services.demo import demo_load
from encours.ledger.services.import_fec import fec_import
from encours.synthetic.demo import generate_portfolio, luhn_complete
from encours.web.bench import BenchContext, Figure, stopwatch


def portfolio(context: BenchContext) -> Iterator[Figure]:
    with stopwatch() as generated:
        demo = generate_portfolio(
            customers=context.customers, invoices=context.invoices, seed=context.seed, as_of=context.as_of
        )
    invoices = sum(1 for item in demo.items if item.type == "invoice")
    yield Figure("generate portfolio", invoices / generated[0], "invoices/s", detail=f"{invoices} invoices")
    rows = len(demo.items) + len(demo.allocations)
    with stopwatch() as loaded:
        # the forecast's demo data is two model trainings: its own benchmark trains and times one
        context.state["demo"] = demo_load(portfolio=demo, apps=context.only, skip={"forecast"})
    yield Figure(
        "load portfolio (items + allocations + app demo data)",
        rows / loaded[0],
        "rows/s",
        detail=f"{rows} rows in {loaded[0]:.1f} s",
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    context.state["portfolio"] = demo


def fec_import_rate(context: BenchContext) -> Iterator[Figure]:
    """Write a FEC of about 550 000 lines (55 000 when small) from the portfolio, import it."""
    demo = context.state["portfolio"]
    path = Path(context.workdir) / f"{luhn_complete('99887766')}FEC{context.as_of:%Y%m%d}.txt"
    target_lines = 55_000 if context.small else 550_000
    _write_fec(demo, path, target_lines)
    lines = sum(1 for _ in path.open(encoding="utf-8")) - 1
    with stopwatch() as elapsed:
        report = fec_import(raw=path.read_bytes(), file_name=path.name)
    yield Figure(
        "FEC import",
        lines / elapsed[0],
        "lines/s",
        ">= 50,000",
        detail=f"{lines} lines, {report.items_created} items, {report.allocations_created} allocations, "
        f"{elapsed[0]:.1f} s",
    )
    with stopwatch() as again:
        fec_import(raw=path.read_bytes(), file_name=path.name)
    yield Figure("FEC re-import (no change)", lines / again[0], "lines/s")


def _write_fec(demo, path: Path, target_lines: int) -> None:
    """The first entity's items up to ``target_lines``; settled groups (items linked by
    allocations that cancel out) share a letter code dated by their last allocation."""
    items = []
    count = 0
    for item in demo.items:
        if item.entity == 0:
            items.append(item)
            count += 2 if item.type == "payment" else 3
            if count >= target_lines:
                break
    kept = {(i.type, i.number) for i in items}
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def root(key):
        while parent.get(key, key) != key:
            key = parent[key]
        return key

    last_date = {}
    for allocation in demo.allocations:
        if allocation.entity == 0 and allocation.debit in kept and allocation.credit in kept:
            a, b = root(allocation.debit), root(allocation.credit)
            parent[a] = b
            last_date[b] = max(allocation.date, last_date.get(a, allocation.date), last_date.get(b, allocation.date))
    balance: dict[tuple[str, str], object] = defaultdict(int)
    for item in items:
        balance[root((item.type, item.number))] += item.amount
    names = {c.index: (c.account, c.name) for c in demo.customers}
    codes: dict[tuple[str, str], str] = {}
    per_customer: dict[int, int] = defaultdict(int)
    entries = []
    for item in items:
        group = root((item.type, item.number))
        letter, when = "", None
        if group in last_date and balance[group] == 0:
            if group not in codes:
                per_customer[item.customer] += 1
                codes[group] = letter_code(per_customer[item.customer])
            letter, when = codes[group], last_date[group]
        account, name = names[item.customer]
        entries.append(
            FecEntry(
                type=item.type,
                number=item.number,
                customer=account,
                customer_name=name,
                on=item.document_date,
                amount=abs(item.amount),
                letter=letter,
                letter_date=when,
            )
        )
    with path.open("w", encoding="utf-8", newline="") as out:
        for line in fec_lines(entries):
            out.write(line + "\r\n")


def fec_generated(context: BenchContext) -> Iterator[Figure]:
    """A generated FEC of 1 000 000 lines for 20 000 customers (100 000 / 2 000 when small) whose
    bank receipts share the day's statement reference across customers and entries: imported by
    the command in a process of its own (its peak memory is the import's), then again here."""
    lines, customers = (100_000, 2_000) if context.small else (1_000_000, 20_000)
    path = Path(context.workdir) / f"{luhn_complete('55210055')}FEC{context.as_of.year}1231.txt"
    with path.open("w", encoding="utf-8", newline="") as out:
        generated = write_generated_fec(
            out, lines=lines, customers=customers, seed=context.seed, year=context.as_of.year
        )
    command = [sys.executable, str(Path(__file__).resolve().parents[2] / "manage.py"), "import_fec", str(path)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = child.communicate()
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if child.returncode:
        raise RuntimeError(f"import_fec failed: {err.strip()[-2000:]}")
    seconds = float(re.search(r"^time: ([\d.]+) s", out, re.MULTILINE)[1])
    items = re.search(r"^items: (\d+) created", out, re.MULTILINE)[1]
    yield Figure(
        "FEC import, generated (bank pieces shared by customers and entries)",
        generated.lines / seconds,
        "lines/s",
        ">= 50,000",
        detail=f"{generated.lines} lines, {customers} customers, {generated.entries} entries, {items} items, "
        f"{seconds:.1f} s",
    )
    yield Figure(
        "FEC import peak memory (import_fec process)",
        peak_kb / 1024,
        "MB",
        "< 1,024 for 1 M lines",
        detail=f"{generated.lines} lines, {path.stat().st_size / 2**20:.0f} MB file",
    )
    with stopwatch() as again:
        report = fec_import(raw=path.read_bytes(), file_name=path.name)
    if not report.changed_nothing:
        raise RuntimeError(f"re-importing the generated FEC changed something: {report.as_dict()}")
    yield Figure("FEC re-import, generated (no change)", generated.lines / again[0], "lines/s")


BENCHMARKS = [(10, portfolio), (20, fec_import_rate), (25, fec_generated)]
