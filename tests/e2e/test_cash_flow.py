"""In a real Chromium: a collector opens the cash review queue, accepts a suggestion, then undoes it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from encours.cash.models import BankAccount, BankLine, LineStatus
from encours.cash.services.imports import bank_file_import
from encours.ledger.models import Item
from tests.cash.conftest import ACCOUNT, camt, credit
from tests.e2e.conftest import login
from tests.factories import CustomerFactory, ItemFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_collector_accepts_a_suggestion_from_the_queue_then_undoes_it(page, collector, entity) -> None:
    customer = CustomerFactory(entity=entity, name="Quincaillerie Fontaine SA", account_number="C01001")
    invoices = [
        ItemFactory(customer=customer, number=f"FA2026-0{n}", amount=Decimal("500.00"), document_date=date(2026, 9, d))
        for n, d in ((101, 1), (102, 2))
    ]
    BankAccount.objects.create(entity=entity, account_id=ACCOUNT, iban=ACCOUNT)
    bank_file_import(raw=camt(credit("NT1", "500.00", name="QUINCAILLERIE FONTAINE", text="reglement")), user=None)
    line = BankLine.objects.get(entry_ref="NT1")
    assert line.status == LineStatus.REVIEW

    login(page, collector.username)
    page.goto(f"{page.base_url}/cash/")
    page.click(f"tr[data-line='{line.pk}']")
    expect(page.locator("#suggestions")).to_be_visible()
    page.locator("#suggestions button.accept").first.click()
    expect(page.locator("#undo")).to_be_visible()
    line.refresh_from_db()
    assert line.status == LineStatus.APPLIED
    assert sorted(Item.objects.get(pk=i.pk).open_amount for i in invoices) == [Decimal(0), Decimal(500)]

    page.click("#undo")
    expect(page.locator("#suggestions")).to_be_visible()
    line.refresh_from_db()
    assert line.status == LineStatus.REVIEW
    assert [Item.objects.get(pk=i.pk).open_amount for i in invoices] == [Decimal(500), Decimal(500)]
