"""A signed-off committee's decisions are enacted: block, limit change, hand-over, provisions — each audited."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from encours.audit.models import AuditEntry
from encours.collections.models import LitigationCase
from encours.core.errors import ValidationFailed
from encours.disputes.committees import CaseDecision, committee_prepare, committee_record, committee_sign
from encours.disputes.enactment import committee_enact
from encours.disputes.models import ProvisionEntry
from encours.ledger.models import BlockReason, CustomerBlock
from encours.risk.models import CreditLimit
from tests.factories import CustomerFactory, ItemFactory

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 10, 31)
SIGNED_ON = date(2026, 11, 10)


@pytest.fixture
def garage(entity, sales_rep):
    customer = CustomerFactory(entity=entity, name="Garage Dupont", region="Bretagne", sales_rep=sales_rep)
    for number, amount, due in (("FA-1", "12000.00", date(2026, 7, 1)), ("FA-2", "600.00", date(2026, 8, 1))):
        ItemFactory(customer=customer, number=number, amount=Decimal(amount), due_date=due,
                    document_date=date(2026, 6, 1))  # fmt: skip
    ItemFactory(customer=customer, number="FA-3", amount=Decimal("900.00"), due_date=date(2026, 12, 1),
                document_date=date(2026, 11, 1))  # not yet due when signed: not provisioned nor handed over # fmt: skip
    return customer


def decide(user, decision: CaseDecision, signer=None):
    committee = committee_prepare(user=user, month=date(2026, 10, 1), as_of=AS_OF, region="Bretagne",
                                  min_days_late=60, min_amount=Decimal(5000))  # fmt: skip
    case = committee.cases.get()
    committee_record(committee=committee, user=user, held_on=AS_OF, attendees="DAF, crédit",
                     decisions={case.pk: decision})  # fmt: skip
    committee_sign(committee=committee, user=signer or user, on=SIGNED_ON)
    case.refresh_from_db()
    return committee, case


def test_a_credit_block_decision_blocks_the_customer(garage, credit_manager):
    committee, case = decide(credit_manager, CaseDecision("credit_block"))
    garage.refresh_from_db()
    block = CustomerBlock.objects.get(customer=garage)
    assert garage.is_blocked and (block.reason, block.source) == (BlockReason.COMMITTEE, f"committee {committee.pk}")
    assert block.blocked_on == SIGNED_ON and block.blocked_by == credit_manager
    assert case.enacted_at is not None and case.enactment == f"customer blocked (block {block.pk})"
    entry = AuditEntry.objects.get(action="committee.enact")
    assert entry.customer_id == garage.pk and entry.after["decision"] == "credit_block"


def test_enacting_again_does_nothing(garage, credit_manager):
    committee, _ = decide(credit_manager, CaseDecision("credit_block"))
    assert committee_enact(committee=committee, user=credit_manager, on=SIGNED_ON) == 0
    assert CustomerBlock.objects.count() == 1 and AuditEntry.objects.filter(action="committee.enact").count() == 1


def test_a_limit_change_needs_the_new_limit(garage, credit_manager):
    committee = committee_prepare(user=credit_manager, month=date(2026, 10, 1), as_of=AS_OF, region="Bretagne",
                                  min_days_late=60, min_amount=Decimal(5000))  # fmt: skip
    case = committee.cases.get()
    with pytest.raises(ValidationFailed, match="new limit"):
        committee_record(committee=committee, user=credit_manager, held_on=AS_OF, attendees="DAF",
                         decisions={case.pk: CaseDecision("limit_change")})  # fmt: skip


def test_a_limit_change_sets_the_limit_through_the_limit_service(garage, credit_manager):
    _, case = decide(credit_manager, CaseDecision("limit_change", new_limit=Decimal("5000")))
    limit = CreditLimit.objects.get(customer=garage)
    assert (limit.amount, limit.status, limit.decided_by, limit.valid_from) == (
        Decimal("5000.000"), "approved", credit_manager, SIGNED_ON,
    )  # fmt: skip
    assert case.enactment == f"credit limit set to 5000.00 (limit {limit.pk})"
    assert {"risk.limit.request", "risk.limit.approve"} <= set(AuditEntry.objects.values_list("action", flat=True))


def test_a_limit_above_the_signers_ceiling_waits_for_a_higher_approver(garage, credit_manager, regional_director):
    _, case = decide(credit_manager, CaseDecision("limit_change", new_limit=Decimal("80000")), regional_director)
    limit = CreditLimit.objects.get(customer=garage)
    assert limit.status == "requested" and "awaiting approval" in case.enactment


@pytest.mark.parametrize(("decision", "kind"), [("litigation", "litigation"), ("agency", "collection_agency")])
def test_a_hand_over_decision_hands_the_overdue_invoices_over(garage, credit_manager, decision, kind):
    _, case = decide(credit_manager, CaseDecision(decision))
    handed = LitigationCase.objects.filter(customer=garage).order_by("item__number")
    expected = [("FA-1", kind, SIGNED_ON), ("FA-2", kind, SIGNED_ON)]
    assert [(c.item.number, c.kind, c.opened_on) for c in handed] == expected
    assert case.enactment.startswith("2 invoice(s) handed over")
    assert AuditEntry.objects.get(action="collections.hand_over").after["invoices"] == ["FA-1", "FA-2"]


def test_a_provision_decision_records_one_entry_per_overdue_invoice(garage, credit_manager):
    _, case = decide(credit_manager, CaseDecision("provision", provision_percent=Decimal(50)))
    entries = list(ProvisionEntry.objects.order_by("item__number"))
    # 12 000 TTC at 20 % VAT: 10 000 HT, 2 000 VAT, 50 % → 5 000; 600 TTC: 500 HT, 100 VAT → 250
    assert [(e.item.number, e.amount_ht, e.vat, e.provision) for e in entries] == [
        ("FA-1", Decimal("10000.000"), Decimal("2000.000"), Decimal("5000.000")),
        ("FA-2", Decimal("500.000"), Decimal("100.000"), Decimal("250.000")),
    ]
    assert case.enactment == "provision 50 % on 2 invoice(s): 5250.00 excl. VAT"


def test_a_customer_abroad_is_provisioned_without_vat(entity, credit_manager):
    customer = CustomerFactory(entity=entity, name="Autohaus Berg", region="Bretagne", country="DE")
    ItemFactory(customer=customer, number="FA-9", amount=Decimal("8000.00"), due_date=date(2026, 7, 1))
    decide(credit_manager, CaseDecision("provision", provision_percent=Decimal(100)))
    entry = ProvisionEntry.objects.get()
    assert (entry.vat_rate, entry.amount_ht, entry.vat, entry.provision) == (0, 8000, 0, 8000)


@pytest.fixture
def provisioned(garage, credit_manager):
    decide(credit_manager, CaseDecision("provision", provision_percent=Decimal(50)))
    return garage


def test_provision_export_csv_has_accounts_amounts_and_vat(client, provisioned, credit_manager):
    client.force_login(credit_manager)
    page = client.get(reverse("disputes:provisions")).content.decode()
    assert "FA-1" in page and "FA-2" in page
    response = client.get(reverse("disputes:provisions_export", kwargs={"fmt": "csv"}))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["account"], r["invoice"], r["amount_ht"], r["vat"], r["rate"], r["provision"]) for r in rows] == [
        (provisioned.account_number, "FA-1", "10000.00", "2000.00", "50.00", "5000.00"),
        (provisioned.account_number, "FA-2", "500.00", "100.00", "50.00", "250.00"),
    ]
    assert {(r["debit_account"], r["credit_account"]) for r in rows} == {("6817", "491")}


def test_provision_export_xlsx_and_command(client, provisioned, credit_manager, tmp_path):
    client.force_login(credit_manager)
    content = client.get(reverse("disputes:provisions_export", kwargs={"fmt": "xlsx"})).content
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][3] == "account" and rows[1][5] == "FA-1" and rows[1][11] == 10000
    out = io.StringIO()
    path = tmp_path / "provisions.csv"
    call_command("export_provisions", "--format", "csv", "--output", str(path), stdout=out)
    assert "2 provision entries written" in out.getvalue()
    assert path.read_text().splitlines()[1].split(",")[5] == "FA-1"


def test_provisions_are_scoped_like_the_customers(client, provisioned, other_rep, sales_rep):
    client.force_login(other_rep)
    response = client.get(reverse("disputes:provisions_export", kwargs={"fmt": "csv"}))
    assert response.content.decode().splitlines()[1:] == []
    client.force_login(sales_rep)
    assert "FA-1" in client.get(reverse("disputes:provisions")).content.decode()


def test_a_customer_name_like_a_formula_is_exported_as_text(client, entity, credit_manager):
    customer = CustomerFactory(entity=entity, name='=HYPERLINK("http://x")', region="Bretagne")
    ItemFactory(customer=customer, number="FA-7", amount=Decimal("6000.00"), due_date=date(2026, 7, 1))
    decide(credit_manager, CaseDecision("provision", provision_percent=Decimal(50)))
    client.force_login(credit_manager)
    text = client.get(reverse("disputes:provisions_export", kwargs={"fmt": "csv"})).content.decode()
    assert "'=HYPERLINK" in text


def test_record_page_takes_the_new_limit(client, garage, credit_manager):
    committee = committee_prepare(user=credit_manager, month=date(2026, 10, 1), as_of=AS_OF, region="Bretagne",
                                  min_days_late=60, min_amount=Decimal(5000))  # fmt: skip
    case = committee.cases.get()
    client.force_login(credit_manager)
    data = {"held_on": "2026-11-05", "attendees": "DAF", f"decision_{case.pk}": "limit_change",
            f"limit_{case.pk}": "7 500,00"}  # fmt: skip
    client.post(reverse("disputes:committee_record", args=[committee.pk]), data)
    case.refresh_from_db()
    assert (case.decision, case.new_limit) == ("limit_change", Decimal("7500.000"))


def test_provisions_of_a_foreign_currency_invoice_are_also_in_the_functional_currency(client, entity, credit_manager):
    customer = CustomerFactory(entity=entity, name="Boston Tools Inc", region="Bretagne", country="US")
    ItemFactory(customer=customer, number="FA-US", amount=Decimal("10000.00"), currency="USD",
                fx_rate=Decimal("0.92"), amount_functional=Decimal("9200.00"), due_date=date(2026, 7, 1),
                document_date=date(2026, 6, 1))  # fmt: skip
    decide(credit_manager, CaseDecision("provision", provision_percent=Decimal(50)))
    client.force_login(credit_manager)
    response = client.get(reverse("disputes:provisions_export", kwargs={"fmt": "csv"}))
    (row,) = csv.DictReader(io.StringIO(response.content.decode()))
    # abroad: no VAT; 10 000 USD × 50 % = 5 000 USD, at the booked rate 0.92 → 4 600 EUR
    assert (row["currency"], row["amount_ht"], row["provision"]) == ("USD", "10000.00", "5000.00")
    assert (row["functional_currency"], row["fx_rate"]) == ("EUR", "0.92000000")
    assert (row["amount_ht_functional"], row["vat_functional"], row["provision_functional"]) == (
        "9200.00", "0.00", "4600.00",
    )  # fmt: skip
    page = client.get(reverse("disputes:provisions")).content.decode()
    total = page.split('id="provision-total">')[1].split("<")[0]
    assert "4" in total and "600" in total and "€" in total and "5 000" not in total
