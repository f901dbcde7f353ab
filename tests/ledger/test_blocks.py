"""Customer blocks: a record per block with its reason, lifted by whom the reason allows, always audited."""

from __future__ import annotations

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps

from encours.audit.models import AuditEntry
from encours.core.errors import PermissionDenied, ValidationFailed
from encours.ledger.models import BlockReason, Customer, CustomerBlock
from encours.ledger.services.blocks import block_lift, customer_block, customer_unblock
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(entity, sales_rep):
    return CustomerFactory(entity=entity, sales_rep=sales_rep, name="Boulangerie Martin")


def block(customer, kind, reason="cause", **kwargs):
    return customer_block(customer=customer, by=None, reason=reason, kind=kind, **kwargs)


def test_a_block_is_a_record_that_blocks_the_customer_and_is_audited(customer, credit_manager):
    made = customer_block(customer=customer, by=credit_manager, reason="chèque impayé")
    customer.refresh_from_db()
    assert customer.is_blocked and customer.blocked_reason == "chèque impayé"
    assert (made.reason, made.blocked_by, made.blocked_by_label, made.is_active) == (
        BlockReason.MANUAL,
        credit_manager,
        "cm",
        True,
    )
    entry = AuditEntry.objects.get(action="customer.block")
    assert entry.actor == credit_manager and entry.after["reason"] == "manual" and entry.before["is_blocked"] is False


def test_blocking_again_for_the_same_reason_writes_nothing(customer):
    first = block(customer, BlockReason.DUNNING, "dunning step account_on_hold on 01/10/2026")
    again = block(customer, BlockReason.DUNNING, "dunning step account_on_hold on 15/10/2026")
    assert again.pk == first.pk and CustomerBlock.objects.count() == 1
    assert AuditEntry.objects.filter(action="customer.block").count() == 1


def test_blocks_of_different_reasons_pile_up(customer):
    block(customer, BlockReason.DUNNING, "dunning step account_on_hold")
    block(customer, BlockReason.INSOLVENCY, "receivership published 2026-10-20")
    customer.refresh_from_db()
    assert customer.blocked_reason == "dunning step account_on_hold; receivership published 2026-10-20"


def test_a_reason_is_required_and_a_sales_rep_may_not_block(customer, sales_rep, credit_manager):
    with pytest.raises(ValidationFailed, match="reason is required"):
        customer_block(customer=customer, by=credit_manager, reason="  ")
    with pytest.raises(PermissionDenied):
        customer_block(customer=customer, by=sales_rep, reason="il ne paie pas")
    customer.refresh_from_db()
    assert not customer.is_blocked and not CustomerBlock.objects.exists() and not AuditEntry.objects.exists()


def test_lifting_takes_a_reason_and_unblocks_the_customer(customer, credit_manager):
    made = block(customer, BlockReason.MANUAL)
    with pytest.raises(ValidationFailed, match="say why"):
        block_lift(block=made, by=credit_manager, reason=" ")
    lifted = block_lift(block=made, by=credit_manager, reason="garantie bancaire reçue")
    customer.refresh_from_db()
    assert not customer.is_blocked and customer.blocked_reason == ""
    assert lifted.lifted_by == credit_manager and lifted.lift_reason == "garantie bancaire reçue"
    assert not lifted.lifted_automatically
    entry = AuditEntry.objects.get(action="customer.unblock")
    assert entry.note == "garantie bancaire reçue" and entry.before["active"] is True and entry.after["active"] is False


def test_a_lifted_block_cannot_be_lifted_again(customer, credit_manager):
    made = block(customer, BlockReason.MANUAL)
    block_lift(block=made, by=credit_manager, reason="réglé")
    with pytest.raises(ValidationFailed, match="already lifted"):
        block_lift(block=made, by=credit_manager, reason="réglé")


def test_customer_stays_blocked_while_another_block_is_active(customer, credit_manager):
    dunning = block(customer, BlockReason.DUNNING, "dunning step account_on_hold")
    block(customer, BlockReason.INSOLVENCY, "liquidation published 2026-10-20")
    block_lift(block=dunning, by=credit_manager, reason="payé")
    customer.refresh_from_db()
    assert customer.is_blocked and customer.blocked_reason == "liquidation published 2026-10-20"


@pytest.mark.parametrize(
    ("reason", "collector_may"),
    [
        (BlockReason.DUNNING, True),
        (BlockReason.MANUAL, False),
        (BlockReason.COMMITTEE, False),
        (BlockReason.INSOLVENCY, False),
    ],
)
def test_who_may_lift_which_block(customer, collector, credit_manager, sales_rep, reason, collector_may):
    made = block(customer, reason)
    with pytest.raises(PermissionDenied):
        block_lift(block=made, by=sales_rep, reason="vu avec le client")
    if collector_may:
        block_lift(block=made, by=collector, reason="promesse de paiement tenue")
    else:
        with pytest.raises(PermissionDenied):
            block_lift(block=made, by=collector, reason="promesse de paiement tenue")
        block_lift(block=made, by=credit_manager, reason="décision du crédit manager")
    assert not Customer.objects.get(pk=customer.pk).is_blocked


def test_a_credit_manager_of_another_entity_may_not_lift(customer, outsider):
    made = block(customer, BlockReason.MANUAL)
    with pytest.raises(PermissionDenied, match="outside their scope"):
        block_lift(block=made, by=outsider, reason="erreur")


def test_unblock_is_all_or_nothing(customer, collector, credit_manager):
    block(customer, BlockReason.DUNNING, "dunning step account_on_hold")
    block(customer, BlockReason.INSOLVENCY, "receivership published 2026-10-20")
    with pytest.raises(PermissionDenied):
        customer_unblock(customer=customer, by=collector, reason="payé")
    assert CustomerBlock.objects.filter(lifted_at__isnull=True).count() == 2
    assert len(customer_unblock(customer=customer, by=collector, reason="payé", kinds=["dunning"])) == 1
    customer.refresh_from_db()
    assert customer.is_blocked
    with pytest.raises(ValidationFailed, match="no active block of dunning"):
        customer_unblock(customer=customer, by=collector, reason="payé", kinds=["dunning"])


def test_migration_gives_each_blocked_customer_a_block_record(entity):
    migration = importlib.import_module("encours.ledger.migrations.0008_blocks_of_blocked_customers")
    text = "dunning step account_on_hold on 01/09/2026"
    dunned = CustomerFactory(entity=entity, is_blocked=True, blocked_reason=text)
    insolvent = CustomerFactory(entity=entity, is_blocked=True, blocked_reason="receivership published 2026-06-02")
    by_hand = CustomerFactory(entity=entity, is_blocked=True, blocked_reason="")
    CustomerFactory(entity=entity)
    migration.forwards(apps, None)
    found = {b.customer_id: b for b in CustomerBlock.objects.all()}
    assert set(found) == {dunned.pk, insolvent.pk, by_hand.pk}
    assert (found[dunned.pk].reason, found[dunned.pk].lift_below) == ("dunning", Decimal(0))
    assert (found[insolvent.pk].reason, found[insolvent.pk].lift_below) == ("insolvency", None)
    assert (found[by_hand.pk].reason, found[by_hand.pk].detail) == ("manual", "blocked before block records")
    assert all(b.blocked_by_label == "migration" and b.blocked_on <= date.today() for b in found.values())
