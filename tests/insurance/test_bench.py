from __future__ import annotations

from datetime import date

import pytest

from encours.insurance.bench import BENCHMARKS
from encours.ledger.services.demo import demo_load
from encours.synthetic.demo import generate_portfolio
from encours.web.bench import BenchContext

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_insurance_benchmark_prints_its_lines(tmp_path):
    as_of = date(2026, 10, 31)
    demo_load(portfolio=generate_portfolio(customers=40, invoices=600, seed=3, as_of=as_of))
    context = BenchContext(customers=40, invoices=600, seed=3, as_of=as_of, small=True, workdir=str(tmp_path))
    lines = [figure.line() for _, function in BENCHMARKS for figure in function(context)]
    assert [line.split(":")[0] for line in lines] == [
        "insurance_exposure CSV, whole portfolio",
        "insured portfolio page (median)",
        "factoring position",
    ]
