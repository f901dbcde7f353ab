"""Two runs at once on PostgreSQL (one after the other on SQLite): the unique (item, step)
constraint lets one send each message, never both; the one-message-per-customer-and-day
constraint keeps a customer from getting two letters even when the two runs planned
different messages for it."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.db import connection

from encours.collections.execution import run_create, run_exclude, run_execute
from encours.collections.models import DunningMessage, ExecutedStep
from tests.collections.conftest import invoice
from tests.factories import ContactFactory, CustomerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
AS_OF = date(2026, 3, 20)


def execute_together(runs):
    """Execute the runs at the same time (PostgreSQL) or one after the other (SQLite)."""
    barrier = threading.Barrier(len(runs))
    outcomes, errors = [], []

    def work(run):
        try:
            barrier.wait()
            outcomes.append(run_execute(run=run, user=None))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=work, args=(run,)) for run in runs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(180)
    else:  # SQLite serialises writers: the same runs one after the other
        outcomes = [run_execute(run=run, user=None) for run in runs]
    assert errors == []
    return outcomes


def test_two_concurrent_runs_send_nothing_twice(lettered_entity, smtp_sink):
    for number in range(6):
        customer = CustomerFactory(entity=lettered_entity, name=f"Client {number}")
        ContactFactory(customer=customer)
        for index in range(3):
            invoice(customer, f"FA-{number}-{index}", AS_OF - timedelta(days=4 + index))
    outcomes = execute_together([run_create(as_of=AS_OF, user=None) for _ in range(2)])
    assert sum(o.sent for o in outcomes) == 6
    assert len(smtp_sink.messages) == 6
    recipients = [rcpt for _, (rcpt,), _ in smtp_sink.messages]
    assert len(recipients) == len(set(recipients))
    assert DunningMessage.objects.filter(status="sent").count() == 6
    assert ExecutedStep.objects.count() == 18


def test_two_concurrent_runs_send_each_customer_one_letter_at_its_highest_step(lettered_entity, smtp_sink):
    """Each customer has invoices at three stages: one formal notice each, listing all three."""
    for number in range(4):
        customer = CustomerFactory(
            entity=lettered_entity, name=f"Client {number}", address="1 rue du Port", postal_code="44000",
            city="Nantes",
        )  # fmt: skip
        ContactFactory(customer=customer)
        for days in (4, 17, 31):
            invoice(customer, f"FA-{number}-{days}", AS_OF - timedelta(days=days))
    outcomes = execute_together([run_create(as_of=AS_OF, user=None) for _ in range(2)])
    assert sum(o.sent for o in outcomes) == 4 and sum(o.failed for o in outcomes) == 0
    sent = DunningMessage.objects.filter(status="sent")
    assert sent.count() == 4 and sent.values("customer").distinct().count() == 4
    assert set(sent.values_list("step_code", flat=True)) == {"formal_notice"}
    assert all(len(m.item_ids) == 3 for m in sent)
    assert len(smtp_sink.messages) == 4  # the copies of the letters, one per customer
    assert len({rcpt for _, (rcpt,), _ in smtp_sink.messages}) == 4
    done = ExecutedStep.objects.filter(skipped=False)
    assert done.count() == 12 and done.filter(covered=True).count() == 8
    assert done.values("item", "step_code").distinct().count() == 12  # no step twice for an invoice


def test_two_runs_planning_different_messages_for_a_customer_send_only_one(lettered_entity, smtp_sink):
    customer = CustomerFactory(entity=lettered_entity, name="Client A")
    ContactFactory(customer=customer)
    first = invoice(customer, "FA-1", AS_OF - timedelta(days=4))
    second = invoice(customer, "FA-2", AS_OF - timedelta(days=5))
    runs = [run_create(as_of=AS_OF, user=None) for _ in range(2)]
    run_exclude(run=runs[0], user=None, item_id=first.pk)  # the two plans share no invoice
    run_exclude(run=runs[1], user=None, item_id=second.pk)
    outcomes = execute_together(runs)
    assert sorted(o.sent for o in outcomes) == [0, 1]
    assert sorted(o.already_done for o in outcomes) == [0, 1]
    assert DunningMessage.objects.filter(status="sent").count() == 1
    assert len(smtp_sink.messages) == 1
    assert not DunningMessage.objects.filter(status="failed").exists()
