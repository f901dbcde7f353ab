"""Applying a payment that brings the customer below the dunning step's minimum lifts its dunning block."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from encours.cash.models import BankLine
from encours.cash.services.apply import line_apply
from encours.cash.services.imports import bank_file_import
from encours.cash.services.plans import Part
from encours.ledger.models import BlockReason, Customer
from encours.ledger.services.blocks import customer_block
from tests.cash.conftest import camt, credit
from tests.factories import CustomerFactory, ItemFactory

pytestmark = pytest.mark.django_db


def test_cash_application_lifts_the_paid_dunning_block(entity, bank_account, collector):
    customer = CustomerFactory(entity=entity, name="Quincaillerie Fontaine SA", account_number="C01001")
    due = timezone.localdate() - timedelta(days=50)
    invoice = ItemFactory(customer=customer, number="FA-9", amount=Decimal("3000.00"), due_date=due,
                          document_date=due - timedelta(days=30))  # fmt: skip
    block = customer_block(customer=customer, by=None, reason="dunning step account_on_hold",
                           kind=BlockReason.DUNNING, lift_below=Decimal(500))  # fmt: skip
    bank_file_import(raw=camt(credit("NT1", "2700.00", name="QUINCAILLERIE FONTAINE")), user=None, entity=entity)
    line = BankLine.objects.get(entry_ref="NT1")
    line_apply(line=line, customer_id=customer.pk, parts=[Part(invoice.pk, Decimal("2700.00"))], user=collector)
    block.refresh_from_db()
    assert block.lifted_automatically and "300.00 overdue" in block.lift_reason
    assert not Customer.objects.get(pk=customer.pk).is_blocked


def _blocked_with_a_later_invoice(entity, name, account):
    from datetime import date

    customer = CustomerFactory(entity=entity, name=name, account_number=account)
    paid = ItemFactory(customer=customer, number=f"FA-{account}", amount=Decimal("3000.00"),
                       due_date=date(2026, 9, 1), document_date=date(2026, 8, 1))  # fmt: skip
    # due ten days after the payment was booked: not overdue on the booking date, whatever today is
    ItemFactory(customer=customer, number=f"FB-{account}", amount=Decimal("2000.00"), due_date=date(2026, 11, 12),
                document_date=date(2026, 10, 13))  # fmt: skip
    block = customer_block(customer=customer, by=None, reason="dunning step account_on_hold",
                           kind=BlockReason.DUNNING, lift_below=Decimal(500), on=date(2026, 10, 30))  # fmt: skip
    return customer, paid, block


@pytest.mark.parametrize("automatic", [False, True])
def test_the_lift_is_judged_on_the_payments_booking_date_not_today(entity, bank_account, collector, automatic):
    customer, paid, block = _blocked_with_a_later_invoice(entity, "Menuiserie Arnaud SARL", "C01002")
    name = "MENUISERIE ARNAUD" if automatic else ""  # named: the import applies it by itself
    bank_file_import(raw=camt(credit("NT2", "3000.00", name=name, text="FA-C01002" if automatic else "",
                                     day="2026-11-02")), user=None, entity=entity)  # fmt: skip
    line = BankLine.objects.get(entry_ref="NT2")
    if automatic:
        assert line.status == "applied" and line.customer_id == customer.pk
    else:
        line_apply(line=line, customer_id=customer.pk, parts=[Part(paid.pk, Decimal("3000.00"))], user=collector)
    block.refresh_from_db()
    assert block.lifted_automatically and block.lift_reason == "paid: nothing overdue on 02/11/2026"
    assert not Customer.objects.get(pk=customer.pk).is_blocked
