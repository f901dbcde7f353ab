"""The demo hook leaves a live review queue; the bench figures run end to end."""

from __future__ import annotations

from datetime import date

import pytest

from encours.cash.bench import BENCHMARKS
from encours.cash.models import BankAccount, BankLine, LineStatus
from encours.ledger.models import LegalEntity
from encours.ledger.services.demo import demo_load
from encours.synthetic.demo import generate_portfolio
from encours.web.bench import BenchContext

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_bank_account_per_entity_and_statements_mostly_applied(tmp_path) -> None:
    as_of = date(2026, 10, 31)
    demo_load(portfolio=generate_portfolio(customers=60, invoices=900, seed=3, as_of=as_of))
    assert BankAccount.objects.count() == LegalEntity.objects.count()
    lines = BankLine.objects.all()
    applied = lines.filter(status__in=[LineStatus.APPLIED, LineStatus.ON_ACCOUNT]).count()
    assert lines.count() >= 60 and applied > lines.count() // 2
    assert lines.filter(status=LineStatus.REVIEW).exists()
    assert lines.filter(status=LineStatus.NOT_CUSTOMER).exists()
    assert lines.filter(booking_date__gt=as_of).count() == 0  # recent statements, not future ones

    context = BenchContext(customers=60, invoices=900, seed=3, as_of=as_of, small=True, workdir=str(tmp_path))
    figures = [figure for _, function in BENCHMARKS for figure in function(context)]
    names = [figure.name for figure in figures]
    assert names == ["matching 2 000 lines × 40 000 open items", "bank lines stored, matched and applied (500 lines)"]
    assert all(figure.value > 0 for figure in figures)
