"""The collectors' productivity report: each figure equals a direct count of a seeded period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from encours.accounts.models import Role
from encours.collections.models import CallTask, DunningMessage, ExecutedStep, Promise
from encours.collections.productivity import collector_productivity
from encours.ledger.models import Customer, ItemType
from encours.reports.selectors.aging import aged_balance
from tests.factories import CustomerFactory, ItemFactory, UserFactory

pytestmark = pytest.mark.django_db
START, END = date(2026, 10, 1), date(2026, 10, 31)
SEPT = date(2026, 9, 20)


@pytest.fixture
def seeded(entity, collector):
    other = UserFactory(username="collector2", role=Role.COLLECTOR, entities=[entity], first_name="Léa",
                        last_name="Roux")  # fmt: skip
    c1 = CustomerFactory(entity=entity, collector=collector, name="Boulangerie Martin")
    CustomerFactory(entity=entity, collector=collector, name="Garage Dupont")
    c3 = CustomerFactory(entity=entity, collector=other, name="Menuiserie Lebrun")
    CustomerFactory(entity=entity, collector=None, name="Sans recouvreur")
    inv1 = ItemFactory(
        customer=c1, amount=Decimal("3000.00"), document_date=date(2026, 8, 1), due_date=date(2026, 9, 1)
    )
    inv2 = ItemFactory(customer=c1, amount=Decimal("500.00"), document_date=date(2026, 10, 30),
                       due_date=date(2026, 11, 30))  # fmt: skip
    ItemFactory(customer=c3, amount=Decimal("800.00"), document_date=date(2026, 7, 1), due_date=date(2026, 8, 1))
    for done_on in (date(2026, 10, 5), date(2026, 10, 20), SEPT):
        CallTask.objects.create(customer=c1, title="relance", due_on=done_on, done_on=done_on, done_by=collector)
    CallTask.objects.create(customer=c1, title="à faire", due_on=END)  # not done
    CallTask.objects.create(customer=c3, title="relance", due_on=END, done_on=END, done_by=other)
    on = date(2026, 10, 3)
    sent = DunningMessage.objects.create(customer=c1, step_code="reminder", channel="email", executed_on=on,
                                         status=DunningMessage.Status.SENT)  # fmt: skip
    DunningMessage.objects.create(customer=c1, step_code="reminder", channel="email", executed_on=date(2026, 10, 3),
                                  status=DunningMessage.Status.FAILED)  # fmt: skip
    for item in (inv1, inv2):
        ExecutedStep.objects.create(item=item, scenario_code="std", step_code="reminder", executed_on=date(2026, 10, 3),
                                    message=sent)  # fmt: skip
    kept = Promise.objects.create(customer=c1, amount=Decimal(1000), promised_date=date(2026, 10, 15),
                                  created_on=date(2026, 10, 6), status=Promise.Status.KEPT)  # fmt: skip
    kept.items.set([inv1])
    Promise.objects.create(customer=c1, amount=Decimal(500), promised_date=date(2026, 10, 25),
                           created_on=date(2026, 10, 21), status=Promise.Status.BROKEN)  # fmt: skip
    Promise.objects.create(customer=c1, amount=Decimal(500), promised_date=SEPT, created_on=SEPT,
                           status=Promise.Status.KEPT)  # before the period  # fmt: skip
    ItemFactory(customer=c1, type=ItemType.PAYMENT, amount=Decimal("-1000.00"), document_date=date(2026, 10, 14))
    ItemFactory(customer=c1, type=ItemType.PAYMENT, amount=Decimal("-250.00"), document_date=SEPT)
    ItemFactory(customer=c3, type=ItemType.PAYMENT, amount=Decimal("-120.50"), document_date=END)
    return collector, other


def test_the_figures_equal_a_direct_count_of_the_period(seeded):
    collector, other = seeded
    report = collector_productivity(customers=Customer.objects.all(), start=START, end=END)
    rows = {row.ident: row for row in report.rows}
    mine, theirs, nobody = rows[str(collector.pk)], rows[str(other.pk)], rows["none"]
    assert (mine.customers, mine.handled_customers, mine.handled_invoices) == (2, 1, 2)
    assert (mine.calls, mine.messages, mine.promises, mine.promises_kept) == (2, 1, 2, 1)
    assert mine.collected == Decimal("1000.00") and mine.kept_rate == Decimal("0.500")
    assert mine.overdue == Decimal("3000.00") and mine.currency == "EUR"
    assert (theirs.name, theirs.customers, theirs.handled_customers, theirs.calls) == ("Léa Roux", 1, 1, 1)
    assert (theirs.messages, theirs.promises, theirs.collected, theirs.overdue) == (
        0,
        0,
        Decimal("120.50"),
        Decimal("800.00"),
    )
    assert (nobody.customers, nobody.handled_customers, nobody.calls) == (1, 0, 0)
    # the same counts straight from the tables
    assert mine.calls == CallTask.objects.filter(customer__collector=collector, done_on__range=(START, END)).count()
    assert mine.promises_kept == Promise.objects.filter(customer__collector=collector, created_on__range=(START, END),
                                                        status="kept").count()  # fmt: skip


def test_the_aged_balance_has_a_collector_dimension(seeded):
    collector, other = seeded
    report = aged_balance(customers=Customer.objects.all(), as_of=END, by="collector")
    totals = {row.ident: row.balance.overdue for row in report.rows}
    assert totals[str(collector.pk)] == Decimal("3000.00") and totals[str(other.pk)] == Decimal("800.00")


def test_the_page_and_its_files(client, seeded, credit_manager):
    from django.urls import reverse
    from openpyxl import load_workbook

    collector, _ = seeded
    client.force_login(credit_manager)
    query = "?start=2026-10-01&end=2026-10-31"
    page = client.get(reverse("collections:productivity") + query).content.decode()
    assert f'data-collector="{collector.pk}"' in page and "Léa Roux" in page
    csv = client.get(reverse("collections:productivity_export", args=["csv"]) + query).content.decode()
    header, *lines = csv.splitlines()
    assert header.startswith("collector_id,collector,customers,customers_handled,invoices_handled,calls")
    mine = next(line for line in lines if line.startswith(f"{collector.pk},"))
    assert ",2,1,2,2,1,2,1,1000.00,3000.00," in mine
    xlsx = client.get(reverse("collections:productivity_export", args=["xlsx"]) + query)
    import io

    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["Léa Roux"][1:8] == (1, 1, 0, 1, 0, 0, 0)
    assert client.get(reverse("collections:productivity") + "?start=2026-11-01&end=2026-10-31").status_code == 400


def test_the_weekly_report_has_a_line_per_collector(seeded):
    from encours.reports.selectors.weekly import weekly_report

    collector, _ = seeded
    report = weekly_report(customers=Customer.objects.all(), as_of=date(2026, 10, 21))
    (section,) = [s for s in report.sections if s.key == "productivity"]
    lines = dict(section.lines)
    # the week 15–21 October: the call of the 20th and the broken promise of the 21st
    assert "1 clients traités, 1 appels, 0 messages, 1 promesses (0 tenues)" in lines[collector.get_full_name()]
