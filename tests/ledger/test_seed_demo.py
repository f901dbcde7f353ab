"""`manage.py seed_demo` says what it is doing: one line as each stage starts, one as it ends."""

from __future__ import annotations

import re
from io import StringIO

from django.core.management import call_command

from encours.ledger.models import Customer, Item


def test_seed_demo_on_a_small_portfolio_prints_every_stage_with_its_time(db):
    out, err = StringIO(), StringIO()
    call_command("seed_demo", "--customers=30", "--invoices=300", "--as-of=2026-10-31", stdout=out, stderr=err)
    lines = err.getvalue().splitlines()
    started = [re.fullmatch(r"\[ *\d+\.\d s\] (\d+)/(\d+) (.+)…", line) for line in lines]
    stages = [(int(m[1]), int(m[2]), m[3]) for m in started if m]
    total = stages[0][1]
    assert [number for number, _, _ in stages] == list(range(1, total + 1))
    names = [name for _, _, name in stages]
    assert names[:2] == ["entities and staff", "customers"]
    assert any(name.startswith("ledger of ") for name in names)
    assert {"risk", "collections", "disputes", "cash", "insurance", "forecast"} <= set(names)
    for name in names:  # every stage that started says how long it took
        assert any(re.fullmatch(rf"\[ *\d+\.\d s\] {re.escape(name)}: \d+\.\d s", line) for line in lines), name
    assert Customer.objects.count() == 30
    assert "customers" in out.getvalue() and Item.objects.exists()


def test_seed_demo_if_empty_leaves_a_loaded_database_alone(db):
    quiet = {"stdout": StringIO(), "stderr": StringIO()}
    call_command("seed_demo", "--customers=20", "--invoices=150", "--as-of=2026-10-31", "--no-extras", **quiet)
    out, err = StringIO(), StringIO()
    call_command("seed_demo", if_empty=True, stdout=out, stderr=err)
    assert "not loaded" in out.getvalue() and err.getvalue() == ""
    assert Customer.objects.count() == 20
