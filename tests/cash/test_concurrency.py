"""Two bank imports at once on PostgreSQL (one after the other on SQLite): the second waits
for the first and then finds its work done: no IntegrityError, no line stored twice."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from encours.cash.models import BankAccount, BankLine, Statement
from encours.cash.services.imports import ImportResult, bank_file_import
from tests.cash.conftest import ACCOUNT, camt, credit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def import_together(files: list[bytes], entity) -> tuple[list[ImportResult], list[Exception]]:
    """Import the files in as many threads started at the same instant."""
    barrier = threading.Barrier(len(files))
    results: list[ImportResult] = []
    errors: list[Exception] = []

    def work(raw: bytes) -> None:
        try:
            barrier.wait()
            results.append(bank_file_import(raw=raw, user=None, entity=entity))
        except Exception as exc:  # surfaced by the assertions
            errors.append(exc)
        finally:
            connection.close()

    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=work, args=(raw,)) for raw in files]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    else:  # SQLite lets one writer in at a time: the same imports one after the other
        results = [bank_file_import(raw=raw, user=None, entity=entity) for raw in files]
    return results, errors


def test_the_same_statement_imported_twice_at_once_is_stored_once(entity) -> None:
    raw = camt(credit("E1", "10.00") + credit("E2", "20.00"))
    results, errors = import_together([raw, raw], entity)
    assert errors == []
    assert sorted(r.already for r in results) == [0, 1]
    assert [r.summary for r in results] == ["lines=2 applied=0 review=2 other=0"] * 2
    assert (BankAccount.objects.count(), Statement.objects.count(), BankLine.objects.count()) == (1, 1, 2)


def test_two_statements_of_a_new_account_imported_at_once_create_it_once(entity) -> None:
    first = camt(credit("E1", "10.00") + credit("E2", "20.00"), statement_id="S1")
    second = camt(credit("E2", "20.00") + credit("E3", "30.00"), statement_id="S2")
    results, errors = import_together([first, second], entity)
    assert errors == []
    assert sorted(len(r.created_accounts) for r in results) == [0, 1]
    assert BankAccount.objects.get().account_id == ACCOUNT
    assert Statement.objects.count() == 2
    assert sorted(BankLine.objects.values_list("key", flat=True)) == ["E1", "E2", "E3"]
