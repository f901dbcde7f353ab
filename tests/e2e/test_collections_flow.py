"""In a real Chromium: a collector opens the worklist, logs a call whose outcome is a promise,
and records the promise; dunning of that invoice then pauses."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import ContactFactory, CustomerFactory, ItemFactory

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_collector_logs_a_call_and_records_a_promise_from_the_worklist(page, collector, entity):
    from encours.collections.models import CallTask, Promise
    from encours.collections.planning import plan_for, run_customers

    today = timezone.localdate()
    customer = CustomerFactory(entity=entity, name="Menuiserie Lefort", collector=collector)
    ContactFactory(customer=customer)
    item = ItemFactory(customer=customer, number="FA-E2E-1", amount=Decimal("4800.00"),
                       document_date=today - timedelta(days=50), due_date=today - timedelta(days=20))  # fmt: skip
    login(page, collector.username)
    page.goto(f"{page.base_url}/collections/")
    row = page.locator("#worklist tr", has_text="Menuiserie Lefort")
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Noter un appel").click()
    form = page.locator("tr.inline-form form")
    form.locator("select[name=outcome]").select_option("promise")
    form.locator("input[name=note]").fill("Paiement vendredi")
    form.get_by_role("button", name="Enregistrer l'appel").click()
    promise_form = page.locator("tr.inline-form form", has_text="Promesse de règlement")
    promise_form.locator("input[name=items]").first.check()
    promise_form.locator("input[name=amount]").fill("4800")
    promise_form.get_by_role("button", name="Enregistrer la promesse").click()
    expect(page.locator("tr.action-done")).to_contain_text("Promesse enregistrée")
    assert CallTask.objects.get().outcome == "promise"
    promise = Promise.objects.get()
    assert list(promise.items.all()) == [item]
    assert plan_for(as_of=today, customers=run_customers()).decision_for(item.pk).decision == "promised"
