"""A dunning block lifts itself once the customer's overdue amount is below the step's minimum (or nothing)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from encours.audit.models import AuditEntry
from encours.ledger.models import BlockReason, Customer, CustomerBlock
from encours.ledger.services.blocks import blocks_lift_paid, customer_block
from tests.factories import CustomerFactory, ItemFactory, allocate

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 10, 31)


@pytest.fixture
def customer(entity):
    return CustomerFactory(entity=entity, name="Garage Dupont")


def owes(customer, amount, *, days_late=40, number="FA-1"):
    due = AS_OF - timedelta(days=days_late)
    return ItemFactory(customer=customer, number=number, amount=Decimal(amount), due_date=due,
                       document_date=due - timedelta(days=30))  # fmt: skip


def pay(customer, invoice, amount):
    payment = ItemFactory(customer=customer, type="payment", amount=-Decimal(amount),
                          document_date=AS_OF - timedelta(days=1), due_date=AS_OF - timedelta(days=1))  # fmt: skip
    allocate(invoice, payment, Decimal(amount), AS_OF - timedelta(days=1))


def dunning_block(customer, minimum="500", kind=BlockReason.DUNNING, on=AS_OF - timedelta(days=5)):
    return customer_block(customer=customer, by=None, reason="dunning step account_on_hold", kind=kind,
                          lift_below=Decimal(minimum), on=on)  # fmt: skip


def test_paid_below_the_steps_minimum_lifts_the_block_and_says_why(customer):
    invoice = owes(customer, "3000.00")
    block = dunning_block(customer)
    pay(customer, invoice, "2600.00")
    assert [b.pk for b in blocks_lift_paid(as_of=AS_OF)] == [block.pk]
    block.refresh_from_db()
    assert block.lifted_automatically and block.lifted_by_label == "auto-lift" and block.lifted_by is None
    assert block.lift_reason == "paid: 400.00 overdue on 31/10/2026, below the step's minimum of 500.00"
    assert not Customer.objects.get(pk=customer.pk).is_blocked
    entry = AuditEntry.objects.get(action="customer.unblock")
    assert entry.actor_label == "auto-lift" and entry.customer_id == customer.pk


def test_still_owing_the_minimum_keeps_the_block(customer):
    invoice = owes(customer, "3000.00")
    dunning_block(customer)
    pay(customer, invoice, "2500.00")  # 500 left: the step would still fire
    assert blocks_lift_paid(as_of=AS_OF) == []
    assert Customer.objects.get(pk=customer.pk).is_blocked


def test_a_step_without_minimum_lifts_once_nothing_is_overdue(customer):
    invoice = owes(customer, "3000.00")
    owes(customer, "900.00", days_late=-10, number="FA-2")  # not yet due: does not hold the block
    dunning_block(customer, minimum="0")
    pay(customer, invoice, "2990.00")
    assert blocks_lift_paid(as_of=AS_OF) == []
    pay(customer, invoice, "10.00")
    block = blocks_lift_paid(as_of=AS_OF)[0]
    assert block.lift_reason == "paid: nothing overdue on 31/10/2026"


@pytest.mark.parametrize("kind", [BlockReason.INSOLVENCY, BlockReason.COMMITTEE, BlockReason.MANUAL])
def test_other_blocks_never_lift_by_themselves(customer, kind):
    dunning_block(customer, kind=kind)
    assert blocks_lift_paid(as_of=AS_OF) == []
    assert CustomerBlock.objects.get().is_active


def test_a_run_as_of_an_earlier_day_leaves_a_later_block_alone(customer):
    owes(customer, "3000.00", days_late=10)
    dunning_block(customer, on=AS_OF)
    assert blocks_lift_paid(as_of=AS_OF - timedelta(days=30)) == []  # nothing was overdue then


def test_lifting_is_limited_to_the_customers_asked(customer, entity):
    dunning_block(customer, minimum="0")
    other = CustomerFactory(entity=entity)
    assert blocks_lift_paid(as_of=AS_OF, customer_ids=[other.pk]) == []
    assert len(blocks_lift_paid(as_of=AS_OF, customer_ids=[customer.pk])) == 1


def test_the_daily_risk_run_lifts_the_paid_dunning_blocks(customer):
    invoice = owes(customer, "3000.00")
    dunning_block(customer)
    pay(customer, invoice, "3000.00")
    out = io.StringIO()
    call_command("risk_daily", "--as-of", AS_OF.isoformat(), "--no-digest", stdout=out)
    assert "1 dunning block(s) lifted: paid below the step's minimum" in out.getvalue()
    assert not CustomerBlock.objects.get().is_active
    assert AuditEntry.objects.get(action="risk.daily_run").after["blocks_lifted"] == 1


def test_auto_lift_costs_a_fixed_number_of_queries_per_lifted_block(customer, entity, django_assert_max_num_queries):
    for _ in range(5):
        dunning_block(CustomerFactory(entity=entity), minimum="0")
    # 2 reads, then lock, lift, resync, audit per block, and one ledger change mark for the run
    with django_assert_max_num_queries(2 + 5 * 8 + 1):
        assert len(blocks_lift_paid(as_of=AS_OF)) == 5
