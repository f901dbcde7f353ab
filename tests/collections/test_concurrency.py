"""Two runs at once on PostgreSQL (one after the other on SQLite): the unique (item, step)
constraint lets one send each message, never both."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.db import connection

from encours.collections.execution import run_create, run_execute
from encours.collections.models import DunningMessage, ExecutedStep
from tests.collections.conftest import invoice
from tests.factories import ContactFactory, CustomerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
AS_OF = date(2026, 3, 20)


def test_two_concurrent_runs_send_nothing_twice(lettered_entity, smtp_sink):
    for number in range(6):
        customer = CustomerFactory(entity=lettered_entity, name=f"Client {number}")
        ContactFactory(customer=customer)
        for index in range(3):
            invoice(customer, f"FA-{number}-{index}", AS_OF - timedelta(days=4 + index))
    runs = [run_create(as_of=AS_OF, user=None) for _ in range(2)]
    barrier = threading.Barrier(2)
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
            thread.join(120)
    else:  # SQLite serialises writers: the same two runs one after the other
        outcomes = [run_execute(run=run, user=None) for run in runs]
    assert errors == []
    assert sum(o.sent for o in outcomes) == 6
    assert len(smtp_sink.messages) == 6
    recipients = [rcpt for _, (rcpt,), _ in smtp_sink.messages]
    assert len(recipients) == len(set(recipients))
    assert DunningMessage.objects.filter(status="sent").count() == 6
    assert ExecutedStep.objects.count() == 18
