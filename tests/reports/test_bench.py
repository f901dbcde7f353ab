"""The reports' benchmark runs end to end on a tiny portfolio, and its pandas reference agrees."""

from __future__ import annotations

from datetime import date

import pytest

from encours.ledger.services.demo import demo_load
from encours.reports.bench import BENCHMARKS
from encours.synthetic.demo import generate_portfolio
from encours.web.bench import BenchContext

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_reports_benchmark_prints_its_lines_and_pandas_finds_the_same_total(tmp_path):
    as_of = date(2026, 10, 31)
    demo_load(portfolio=generate_portfolio(customers=40, invoices=600, seed=3, as_of=as_of))
    context = BenchContext(customers=40, invoices=600, seed=3, as_of=as_of, small=True, workdir=str(tmp_path))
    lines = [figure.line() for _, function in BENCHMARKS for figure in function(context)]
    names = [line.split(":")[0] for line in lines]
    assert names == [
        "aged balance, whole portfolio by customer",
        "DSO (countback) for all customers",
        "aged balance + DSO, whole portfolio",
        "dashboard page p95",
        "customer page p95 over 40 random customers",
        "aged balance with a plain pandas script (reference)",
    ]
    assert "same total: yes" in lines[-1]
