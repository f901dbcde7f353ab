"""`manage.py seed_demo` says what it is doing: one line as each stage starts, one as it ends."""

from __future__ import annotations

import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from encours.forecast.models import ForecastSnapshot, PaymentModel
from encours.ledger.models import Customer, Item


def test_seed_demo_on_a_small_portfolio_prints_every_stage_with_its_time_and_the_forecast_comes_later(db):
    out, err = StringIO(), StringIO()
    call_command(
        "seed_demo", "--customers=30", "--invoices=300", "--as-of=2026-10-31", "--skip=forecast", stdout=out, stderr=err
    )
    lines = err.getvalue().splitlines()
    started = [re.fullmatch(r"\[ *\d+\.\d s\] (\d+)/(\d+) (.+)…", line) for line in lines]
    stages = [(int(m[1]), int(m[2]), m[3]) for m in started if m]
    total = stages[0][1]
    assert [number for number, _, _ in stages] == list(range(1, total + 1))
    names = [name for _, _, name in stages]
    assert names[:2] == ["entities and staff", "customers"]
    assert any(name.startswith("ledger of ") for name in names)
    assert {"risk", "collections", "disputes", "cash", "insurance"} <= set(names)
    assert "forecast" not in names and not PaymentModel.objects.exists()
    for name in names:  # every stage that started says how long it took
        assert any(re.fullmatch(rf"\[ *\d+\.\d s\] {re.escape(name)}: \d+\.\d s", line) for line in lines), name
    assert Customer.objects.count() == 30
    assert "customers" in out.getvalue() and Item.objects.exists()

    later = StringIO()
    call_command("seed_demo_forecast", "--as-of=2026-10-31", "--if-missing", stdout=later)
    assert PaymentModel.objects.filter(is_active=True).exists(), later.getvalue()
    assert ForecastSnapshot.objects.filter(as_of=date(2026, 10, 31)).exists()
    again = StringIO()
    call_command("seed_demo_forecast", "--if-missing", stdout=again)
    assert "exists" in again.getvalue() and PaymentModel.objects.count() == 2  # the past model and today's


def test_seed_demo_refuses_an_unknown_app_to_skip(db):
    with pytest.raises(CommandError, match="no such app"):
        call_command("seed_demo", "--skip=forcast", stdout=StringIO(), stderr=StringIO())


def test_seed_demo_if_empty_leaves_a_loaded_database_alone(db):
    quiet = {"stdout": StringIO(), "stderr": StringIO()}
    call_command("seed_demo", "--customers=20", "--invoices=150", "--as-of=2026-10-31", "--no-extras", **quiet)
    out, err = StringIO(), StringIO()
    call_command("seed_demo", if_empty=True, stdout=out, stderr=err)
    assert "not loaded" in out.getvalue() and err.getvalue() == ""
    assert Customer.objects.count() == 20
