"""Penalties with the database's rate tables: hand-computed across a half-year rate change."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from encours.collections.documents import penalties_for
from encours.collections.models import PenaltyInvoicing, PenaltyRate
from encours.collections.services import penalties_invoice, penalty_rate_set
from encours.core.errors import ValidationFailed
from encours.ledger.models import Item
from tests.collections.conftest import invoice
from tests.factories import ItemFactory, allocate

pytestmark = pytest.mark.django_db


def test_default_rate_tables_are_shipped_by_the_migration():
    assert PenaltyRate.objects.get(table="mro", half_year="2025-H2").rate_pct == Decimal("2.150")
    assert PenaltyRate.objects.get(table="legal", half_year="2026-H1").rate_pct == Decimal("2.620")


def test_penalty_across_a_half_year_rate_change(acme, credit_manager):
    # the MRO rate of 1 July 2026 set to 3.00 %: 13.00 % from then on, 12.15 % before
    penalty_rate_set(table="mro", half_year="2026-H2", rate_pct=Decimal("3.00"), user=credit_manager, source="ECB")
    item = invoice(acme, "FA-001", date(2026, 6, 15), "1000.00")
    statement = penalties_for(items=[item], as_of=date(2026, 7, 15), category="sme")
    penalty = statement.invoices[0]
    # 16/06–30/06: 1 000 × 12.15 % × 15/365 = 4.99; 01/07–15/07: 1 000 × 13.00 % × 15/365 = 5.34
    assert [(line.days, line.rate_pct, line.interest) for line in penalty.lines] == [
        (15, Decimal("12.15"), Decimal("4.99")),
        (15, Decimal("13.00"), Decimal("5.34")),
    ]
    assert penalty.interest == Decimal("10.33") and penalty.indemnity_eur == Decimal("40.00")


def test_partial_payment_lowers_the_base_from_the_next_day(acme):
    item = invoice(acme, "FA-001", date(2026, 1, 31), "1000.00")
    payment = ItemFactory(customer=acme, type="payment", number="VIR-1", amount=Decimal("-400"),
                          document_date=date(2026, 2, 10))  # fmt: skip
    allocate(item, payment, Decimal("400"), date(2026, 2, 10))
    penalty = penalties_for(items=[item], as_of=date(2026, 3, 2), category="sme").invoices[0]
    # 01/02–10/02: 1 000 × 12.15 % × 10/365 = 3.33; 11/02–02/03: 600 × 12.15 % × 20/365 = 3.99
    assert [line.interest for line in penalty.lines] == [Decimal("3.33"), Decimal("3.99")]


def test_rate_edit_is_checked_and_audited(credit_manager):
    from encours.audit.models import AuditEntry

    with pytest.raises(ValidationFailed):
        penalty_rate_set(table="mro", half_year="2027-H3", rate_pct=Decimal("2"), user=credit_manager)
    penalty_rate_set(table="mro", half_year="2026-S2", rate_pct=Decimal("2.40"), user=credit_manager)
    assert PenaltyRate.objects.get(table="mro", half_year="2026-H2").rate_pct == Decimal("2.400")
    entry = AuditEntry.objects.filter(action="penalty_rate.set").latest("pk")
    assert entry.before["rate_pct"] == "2.150" and entry.after["rate_pct"] == "2.40"


def test_invoicing_penalties_creates_a_debit_and_is_not_charged_twice(acme, credit_manager):
    item = invoice(acme, "FA-001", date(2026, 1, 31), "1000.00")
    created = penalties_invoice(customer=acme, as_of=date(2026, 3, 2), user=credit_manager)
    assert [(i.number, i.amount) for i in created] == [("PEN-411ACME-20260302-1", Decimal("49.99"))]
    assert PenaltyInvoicing.objects.get(item=item).indemnity_invoiced
    later = penalties_invoice(customer=acme, as_of=date(2026, 4, 1), user=credit_manager)
    # only the 30 new days: 1 000 × 12.15 % × 30/365 = 9.99, no second indemnity
    assert later[0].amount == Decimal("9.99")
    assert Item.objects.filter(number__startswith="PEN-").count() == 2
