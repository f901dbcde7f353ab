"""In a real Chromium, a credit manager: a customer blocked by a dunning step pays and the block lifts
itself; an unpaid committee decides a credit block and the customer is blocked."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from encours.cash.models import BankAccount, BankLine, LineStatus, MatchingSettings
from encours.cash.services.imports import bank_file_import
from encours.collections.execution import run_create, run_execute
from encours.ledger.models import BlockReason, Customer, CustomerBlock
from tests.cash.conftest import ACCOUNT, camt, credit
from tests.e2e.conftest import login
from tests.factories import ContactFactory, CustomerFactory, ItemFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_dunning_block_lifts_once_the_customer_has_paid(page, credit_manager, entity):
    today = timezone.localdate()
    customer = CustomerFactory(entity=entity, name="Quincaillerie Fontaine SA", account_number="C01001")
    ContactFactory(customer=customer)
    due = today - timedelta(days=46)
    invoice = ItemFactory(customer=customer, number="FA2026-0460", amount=Decimal("3000.00"), due_date=due,
                          document_date=due - timedelta(days=30))  # fmt: skip
    run_execute(run=run_create(as_of=today, user=credit_manager), user=credit_manager)  # +46: account_on_hold
    block = CustomerBlock.objects.get(customer=customer)
    assert block.reason == BlockReason.DUNNING

    login(page, credit_manager.username)
    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    row = page.locator("#customer-blocks tr.block-row[data-active='1']")
    expect(row).to_contain_text("Étape de relance")
    expect(page.locator("#customer-blocks .badge.bad")).to_have_text("Bloqué")

    # the customer pays: its transfer comes in the bank statement, the credit manager applies it
    MatchingSettings.objects.create(entity=entity, auto_apply_threshold=Decimal("1.000"))  # always reviewed
    BankAccount.objects.create(entity=entity, account_id=ACCOUNT, iban=ACCOUNT)
    raw = camt(credit("NT1", "3000.00", name="QUINCAILLERIE FONTAINE", text="FA2026-0460", day=today.isoformat()))
    bank_file_import(raw=raw, user=None)
    line = BankLine.objects.get(entry_ref="NT1")
    assert line.status == LineStatus.REVIEW
    page.goto(f"{page.base_url}/cash/")
    page.click(f"tr[data-line='{line.pk}']")
    page.locator("#suggestions button.accept").first.click()
    expect(page.locator("#undo")).to_be_visible()
    invoice.refresh_from_db()
    assert invoice.open_amount == 0

    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    expect(page.locator("#customer-blocks .badge.ok")).to_have_text("Non bloqué")
    lifted = page.locator("#customer-blocks tr.block-row[data-active='0']")
    expect(lifted).to_contain_text("automatiquement")
    expect(lifted).to_contain_text("nothing overdue")
    assert not Customer.objects.get(pk=customer.pk).is_blocked


def test_a_committee_decides_a_credit_block_and_the_customer_is_blocked(page, credit_manager, entity):
    today = timezone.localdate()
    customer = CustomerFactory(entity=entity, name="Garage Dupont", region="Bretagne")
    due = today - timedelta(days=75)
    ItemFactory(customer=customer, number="FA2026-0750", amount=Decimal("20000.00"), due_date=due,
                document_date=due - timedelta(days=30))  # fmt: skip

    login(page, credit_manager.username)
    page.goto(f"{page.base_url}/disputes/committees/")
    page.fill("input[name=month]", f"{today:%Y-%m}")
    page.select_option("select[name=region]", "Bretagne")
    page.fill("input[name=min_days_late]", "60")
    page.fill("input[name=min_amount]", "5000")
    page.locator(".panel form.filters button[type=submit]").click()
    page.wait_for_selector("text=Garage Dupont")
    page.locator("select[name^=decision_]").select_option("credit_block")
    page.fill("input[name=attendees]", "S. Marchand (crédit), B. Vidal (directeur régional)")
    page.click("text=Enregistrer les décisions")
    expect(page.locator("#sign")).to_be_visible()
    page.click("#sign")
    expect(page.locator(".enacted")).to_contain_text("customer blocked")

    expect(page.locator("tr", has_text="Garage Dupont").locator(".badge.bad")).to_have_text("bloqué")
    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    row = page.locator("#customer-blocks tr.block-row[data-active='1']")
    expect(row).to_contain_text("Décision du comité impayés")
    expect(row).to_contain_text("unpaid committee Bretagne")
    block = CustomerBlock.objects.get(customer=customer)
    assert block.reason == BlockReason.COMMITTEE and Customer.objects.get(pk=customer.pk).is_blocked
    # the credit manager may lift it from here, with a reason
    expect(row.locator("button", has_text="Lever le blocage")).to_have_count(1)
