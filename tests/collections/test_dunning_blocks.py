"""The credit-block step of a dunning run records a dunning block carrying the step's minimum."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from encours.collections.execution import run_create, run_execute
from encours.ledger.models import BlockReason, CustomerBlock
from tests.collections.conftest import invoice

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 20)


def execute(as_of=AS_OF):
    run = run_create(as_of=as_of, user=None)
    return run_execute(run=run, user=None)


def test_account_on_hold_step_records_a_dunning_block_with_the_steps_minimum(acme, smtp_sink):
    invoice(acme, "FA-001", AS_OF - timedelta(days=46), "3000.00")
    execute()  # +46: account_on_hold (credit block, minimum 500 €) in the standard scenario
    block = CustomerBlock.objects.get(customer=acme)
    assert (block.reason, block.lift_below, block.blocked_on) == (BlockReason.DUNNING, Decimal(500), AS_OF)
    assert block.source == "dunning step standard/account_on_hold" and block.detail.startswith("dunning step")
    acme.refresh_from_db()
    assert acme.is_blocked
