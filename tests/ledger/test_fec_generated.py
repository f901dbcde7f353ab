"""A generated FEC with bank pieces shared across customers and entries (issue 16): it imports,
the aged balance per customer equals the one computed while writing it, re-import changes nothing."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest

from encours.core.aging import DEFAULT_EDGES, bucket_for, days_past_due
from encours.core.formats.fec_writer import write_generated_fec
from encours.ledger.models import Customer, Item
from encours.ledger.services.import_fec import fec_import
from encours.reports.selectors.aging import aged_balance

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 12, 31)
NAME = "552100554FEC20261231.txt"


def test_a_generated_fec_with_shared_bank_pieces_ages_what_was_written(tmp_path):
    path = tmp_path / NAME
    with path.open("w", encoding="utf-8", newline="") as out:
        generated = write_generated_fec(out, lines=20_000, customers=400, seed=3)
    assert generated.lines >= 20_000 and generated.shared_pieces > 50
    raw = path.read_bytes()
    report = fec_import(raw=raw, file_name=NAME)
    assert report.lines == generated.lines and not report.warnings
    # one piece holds several customers' receipts and several entries
    pieces = defaultdict(set)
    for number, customer, entry in Item.objects.filter(type="payment").values_list("number", "customer_id", "entry"):
        pieces[number].add((customer, entry.split("|")[2]))
    assert any(len({c for c, _ in users}) > 1 for users in pieces.values())
    assert any(len({e for _, e in users}) > 1 for users in pieces.values())

    expected: dict[str, list[Decimal]] = {}
    for account, items in generated.open_items.items():
        buckets = [Decimal(0)] * (len(DEFAULT_EDGES) + 2)  # not due, one per edge, beyond the last
        for due, amount in items:
            buckets[bucket_for(days_past_due=days_past_due(due_date=due, as_of=AS_OF))] += amount
        if any(buckets):
            expected[account] = buckets
    aged = aged_balance(customers=Customer.objects.all(), as_of=AS_OF, by="customer")
    assert {row.key: list(row.balance.buckets) for row in aged.rows} == expected
    assert all(row.balance.unapplied == 0 for row in aged.rows)

    again = fec_import(raw=raw, file_name=NAME)
    assert again.changed_nothing and again.items_unchanged == report.items_created
