"""Exposure against cover, hand-computed on the ``book`` fixture (as of 2026-10-31)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from encours.insurance.selectors.exposure import buyer_exposures
from encours.ledger.models import Customer, Item
from tests.factories import ItemFactory, allocate

AS_OF = date(2026, 10, 31)


def _csv(entity, as_of, tmp_path):
    out = tmp_path / "exposure.csv"
    call_command(
        "insurance_exposure",
        "--as-of",
        as_of.isoformat(),
        "--entity",
        entity.siren,
        "--format",
        "csv",
        "--output",
        str(out),
    )
    return list(csv.reader(io.StringIO(out.read_text())))


def test_exposure_csv_hand_computed(imported, entity, tmp_path):
    rows = _csv(entity, AS_OF, tmp_path)
    assert rows[0] == ["customer", "exposure", "cover", "uncovered", "declaration_deadline"]
    by = {row[0]: row[1:] for row in rows[1:]}
    # A: 1000 + 500 − 200 open, + 3000 ordered by the date (the 999 order comes later) = 4300 against 4000
    # oldest overdue invoice due 2026-08-31 + 60 days = 2026-10-30
    assert by["C-A"] == ["4300.00", "4000.00", "300.00", "2026-10-30"]
    # B: cancelled by the insurer with effect on the date itself: all 7000 uncovered, nothing overdue
    assert by["C-B"] == ["7000.00", "0.00", "7000.00", ""]
    # C: cover expired on 2026-09-30; the invoice due on the date is not overdue yet
    assert by["C-C"] == ["2500.00", "0.00", "2500.00", ""]
    # D: refused; due 2026-06-30 + 60 = 2026-08-29
    assert by["C-D"] == ["800.00", "0.00", "800.00", "2026-08-29"]


def test_cancellation_takes_effect_on_its_day(imported, entity, tmp_path):
    before = {row[0]: row for row in _csv(entity, date(2026, 10, 30), tmp_path)}
    assert before["C-B"][2:4] == ["10000.00", "0.00"]
    on = {row[0]: row for row in _csv(entity, AS_OF, tmp_path)}
    assert on["C-B"][2:4] == ["0.00", "7000.00"]


def test_expiry_day_still_covered(imported):
    rows = {r.account_number: r for r in buyer_exposures(customers=Customer.objects.all(), as_of=date(2026, 9, 30))}
    assert rows["C-C"].cover == Decimal("5000")


def test_deadline_across_month_ends(imported, entity):
    # due 2026-12-31 + 60 days: January has 31 days, February 2027 has 28 → 2027-03-01
    b = imported["b"]
    rows = {r.account_number: r for r in buyer_exposures(customers=Customer.objects.all(), as_of=date(2027, 1, 10))}
    assert rows["C-B"].declaration_deadline == date(2027, 3, 1)
    # due 2026-08-31 + 60 = 2026-10-30 (September 30 days, October 31)
    assert rows["C-A"].declaration_deadline == date(2026, 10, 30)
    assert b.pk == rows["C-B"].customer_id


def test_payment_after_the_date_still_counts_as_open(imported, entity):
    invoice = Item.objects.get(number="FA-A1")
    payment = ItemFactory(
        customer=imported["a"],
        type="payment",
        number="RG-1",
        amount=Decimal("-1000.00"),
        document_date=date(2026, 11, 10),
        due_date=date(2026, 11, 10),
    )
    allocate(invoice, payment, Decimal("1000.00"), date(2026, 11, 10))
    rows = {r.account_number: r for r in buyer_exposures(customers=Customer.objects.all(), as_of=AS_OF)}
    assert rows["C-A"].exposure == Decimal("4300.00")
    later = {r.account_number: r for r in buyer_exposures(customers=Customer.objects.all(), as_of=date(2026, 11, 10))}
    # paid: 500 − 200 + 3000 + 999 (ordered 11-05) = 4299, no overdue invoice left
    assert later["C-A"].exposure == Decimal("4299.00")
    assert later["C-A"].declaration_deadline is None


@pytest.mark.django_db
def test_exposure_whole_portfolio_in_few_queries(imported, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        rows = buyer_exposures(customers=Customer.objects.all(), as_of=AS_OF)
    assert len(rows) == 4


def test_unknown_entity_is_a_clear_error(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="unknown legal entity"):
        call_command(
            "insurance_exposure",
            "--as-of",
            "2026-10-31",
            "--entity",
            "123456789",
            "--format",
            "csv",
            "--output",
            str(tmp_path / "x.csv"),
        )
