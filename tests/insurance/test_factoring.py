"""Factoring figures hand-computed: advance 90 %, fund 10 %, commission 1 % + 20 % VAT,
Euribor 2 % + 1.5 % margin ACT/360, global limit 20 000."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from encours import contracts
from encours.core.errors import ValidationFailed
from encours.insurance.models import AssignedInvoice, FactoringContract
from encours.insurance.services.factoring import (
    bordereau_create,
    bordereau_csv,
    debtor_approval_set,
    drawing_record,
    factoring_position,
    returns_apply,
)
from tests.factories import CustomerFactory, ItemFactory, allocate

ON = date(2026, 10, 31)


@pytest.fixture
def factored(entity, credit_manager):
    contract = FactoringContract.objects.create(
        entity=entity,
        factor="BNP Paribas Factor",
        number="F-1",
        iban="FR7630004000031234567890143",
        start_date=date(2026, 1, 1),
        global_limit=Decimal("20000"),
    )
    a = CustomerFactory(entity=entity, account_number="FA", name="Approuvé SA")
    b = CustomerFactory(entity=entity, account_number="FB", name="Non agréé SARL")
    debtor_approval_set(contract=contract, customer=a, amount=Decimal("10000"), user=credit_manager)
    items = [
        ItemFactory(
            customer=a,
            number="A1",
            amount=Decimal("6000.00"),
            document_date=date(2026, 10, 1),
            due_date=date(2026, 11, 30),
        ),
        ItemFactory(
            customer=a,
            number="A2",
            amount=Decimal("6000.00"),
            document_date=date(2026, 10, 5),
            due_date=date(2026, 12, 4),
        ),
        ItemFactory(
            customer=b,
            number="B1",
            amount=Decimal("2000.00"),
            document_date=date(2026, 10, 1),
            due_date=date(2026, 11, 30),
        ),
    ]
    bordereau = bordereau_create(contract=contract, items=items, assigned_on=ON, user=credit_manager)
    return {"contract": contract, "a": a, "b": b, "items": items, "bordereau": bordereau}


def test_bordereau_figures(factored):
    b = factored["bordereau"]
    assert (b.assigned_total, b.eligible_total, b.financed, b.reserve) == (
        Decimal("14000.00"),
        Decimal("10000.00"),
        Decimal("9000.00"),
        Decimal("1000.00"),
    )
    # 1 % of 14 000 incl. VAT, plus 20 % VAT on the commission
    assert (b.service_commission, b.commission_vat) == (Decimal("140.00"), Decimal("28.00"))
    # 5400 × 3.5 % × 30/360 = 15.75 and 3600 × 3.5 % × 34/360 = 11.90
    assert b.estimated_interest == Decimal("27.65")
    assert b.net_payable == Decimal("8832.00")
    reasons = dict(AssignedInvoice.objects.values_list("item__number", "reasons"))
    assert reasons == {"A1": "", "A2": "over debtor approval: 4000.00 left", "B1": "unapproved debtor"}


def test_bordereau_csv(factored):
    rows = list(csv.DictReader(io.StringIO(bordereau_csv(factored["bordereau"]).decode())))
    assert [r["invoice"] for r in rows] == ["A1", "A2", "B1"]
    assert rows[1]["eligible"] == "4000.00" and rows[1]["ineligible"] == "2000.00"
    assert rows[0]["bordereau"] == "F-1-0001"


def test_availability_like_an_overdraft(factored, credit_manager):
    contract = factored["contract"]
    position = factoring_position(contract=contract, as_of=ON)
    # financeable 10 000 × 90 % = 9000 within the 20 000 limit, fees 140 + 28 + 27.65 = 195.65
    assert position.availability.ceiling == Decimal("9000.00")
    assert position.availability.reserve == Decimal("1000.00")
    assert position.availability.available == Decimal("8804.35")
    drawing_record(contract=contract, amount=Decimal("5000"), drawn_on=ON, user=credit_manager)
    assert factoring_position(contract=contract, as_of=ON).availability.available == Decimal("3804.35")
    with pytest.raises(ValidationFailed, match="available"):
        drawing_record(contract=contract, amount=Decimal("4000"), drawn_on=ON, user=credit_manager)
    # the debtor pays A1: 6000 collected repays the 5000 drawn; 4000 still financed at 90 %
    a1 = factored["items"][0]
    payment = ItemFactory(
        customer=factored["a"],
        type="payment",
        number="P1",
        amount=Decimal("-6000.00"),
        document_date=date(2026, 11, 30),
        due_date=date(2026, 11, 30),
    )
    allocate(a1, payment, Decimal("6000.00"), date(2026, 11, 30))
    later = factoring_position(contract=contract, as_of=date(2026, 11, 30))
    assert later.approved_outstanding == Decimal("4000.00") and later.drawn == 0
    assert later.availability.available == Decimal("3404.35")  # 3600 − 195.65


def test_global_limit_caps_the_financing(entity, credit_manager):
    contract = FactoringContract.objects.create(
        entity=entity, factor="Eurofactor", number="F-2", start_date=date(2026, 1, 1), global_limit=Decimal("5000")
    )
    a = CustomerFactory(entity=entity)
    debtor_approval_set(contract=contract, customer=a, amount=Decimal("50000"), user=credit_manager)
    item = ItemFactory(
        customer=a, amount=Decimal("10000.00"), document_date=date(2026, 10, 1), due_date=date(2026, 11, 30)
    )
    b = bordereau_create(contract=contract, items=[item], assigned_on=ON, user=credit_manager)
    assert b.financed == Decimal("5000")


def test_an_invoice_is_assigned_once(factored, credit_manager):
    with pytest.raises(ValidationFailed, match="already assigned"):
        bordereau_create(
            contract=factored["contract"], items=factored["items"][:1], assigned_on=ON, user=credit_manager
        )


def test_long_overdue_invoices_are_returned(factored, credit_manager):
    contract = factored["contract"]
    # A2 due 2026-12-04 is 101 days overdue on 2027-03-15 (> 90): returned; A1 (due 11-30) too
    assert returns_apply(contract=contract, as_of=date(2027, 3, 15), user=credit_manager) == 2
    returned = AssignedInvoice.objects.filter(returned_on=date(2027, 3, 15))
    assert {line.item.number for line in returned} == {"A1", "A2"}
    assert factoring_position(contract=contract, as_of=date(2027, 3, 15)).approved_outstanding == 0


def test_factored_items_hook_says_pay_the_factor(factored):
    ids = [i.pk for i in factored["items"]]
    info = contracts.factored_items(item_ids=ids, as_of=ON)
    assert set(info) == set(ids)
    assert info[ids[0]].factor_name == "BNP Paribas Factor" and info[ids[0]].iban.startswith("FR76")
    assert contracts.factored_items(item_ids=ids, as_of=date(2026, 10, 30)) == {}
