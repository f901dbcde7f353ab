"""Two imports of the same or overlapping files at once (issue 16) on PostgreSQL (one after the
other on SQLite): the second waits for the first, then finds its rows: no IntegrityError trace,
nothing doubled. Customers and items files, financial statements, cover decisions."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection

from encours.insurance.models import CoverDecision
from encours.insurance.services.covers import decisions_import
from encours.ledger.models import Customer, ImportMapping, Item
from encours.ledger.services.import_tabular import tabular_import
from encours.risk.imports import import_ratings, import_statements
from encours.risk.models import Company, FinancialStatement, Rating
from tests.factories import CustomerFactory
from tests.risk.conftest import DISTRESSED, HEALTHY, statements_csv

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def together(*jobs: Callable[[], Any]) -> tuple[list[Any], list[Exception]]:
    """Run the jobs in as many threads started at the same instant (in turn on SQLite)."""
    if connection.vendor != "postgresql":  # SQLite lets one writer in at a time
        return [job() for job in jobs], []
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = []
    errors: list[Exception] = []

    def work(job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results.append(job())
        except Exception as exc:  # surfaced by the assertions
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results, errors


@pytest.fixture
def mappings(db):
    """The default mappings (a data migration's rows; a transactional test flushes them after)."""
    defaults = importlib.import_module("encours.ledger.migrations.0002_default_mappings").DEFAULTS
    for kind, columns in defaults.items():
        ImportMapping.objects.get_or_create(
            name=f"default-{kind.replace('_', '-')}", defaults={"kind": kind, "columns": columns, "options": {}}
        )


CUSTOMERS = ("account,name,siren\n" + "".join(f"C{n},Client {n},\n" for n in range(1, 40))).encode()
ITEMS = (
    "type,number,customer,date,amount\n" + "".join(f"invoice,FA{n},C1,2026-01-10,{n}00\n" for n in range(1, 40))
).encode()


def _tabular(entity, raw: bytes, mapping: str) -> Callable[[], Any]:
    return lambda: tabular_import(raw=raw, file_name="f.csv", entity_siren=entity.siren, mapping_name=mapping)


def test_the_same_customer_file_imported_twice_at_once_creates_each_customer_once(entity, mappings):
    results, errors = together(
        _tabular(entity, CUSTOMERS, "default-customers"), _tabular(entity, CUSTOMERS, "default-customers")
    )
    assert errors == []
    assert sorted((r.created, r.unchanged) for r in results) == [(0, 39), (39, 0)]
    assert Customer.objects.filter(entity=entity).count() == 39


def test_two_item_files_of_the_same_invoices_at_once_store_them_once(entity, mappings):
    CustomerFactory(entity=entity, account_number="C1")
    results, errors = together(_tabular(entity, ITEMS, "default-items"), _tabular(entity, ITEMS, "default-items"))
    assert errors == []
    assert sorted((r.created, r.unchanged) for r in results) == [(0, 39), (39, 0)]
    assert Item.objects.count() == 39


def test_statements_and_ratings_of_new_companies_at_once_create_each_company_once(credit_manager):
    ratings = b"siren,agency,rating,rated_on\n552100554,BdF,4+,2026-01-15\n542051180,BdF,5,2026-01-15\n"
    raw = statements_csv(HEALTHY, DISTRESSED)
    results, errors = together(
        lambda: import_statements(raw=raw, file_name="s.csv", user=credit_manager),
        lambda: import_statements(raw=raw, file_name="s.csv", user=credit_manager),
        lambda: import_ratings(raw=ratings, file_name="r.csv", user=credit_manager),
    )
    assert errors == []
    assert sorted((r.kind, r.created, r.unchanged) for r in results) == [
        ("ratings", 2, 0), ("statements", 0, 2), ("statements", 2, 0)
    ]  # fmt: skip
    assert (Company.objects.count(), FinancialStatement.objects.count(), Rating.objects.count()) == (2, 2, 2)


def test_the_same_decision_file_imported_twice_at_once_creates_the_policy_and_decisions_once(entity, credit_manager):
    CustomerFactory(entity=entity, account_number="C1")
    raw = b"customer,decision,requested_amount,granted_amount,effective_date,decision_ref\n"
    raw += b"C1,approved,5000,4000,2026-01-15,D1\n"

    def run():
        return decisions_import(raw=raw, file_name="d.csv", entity_siren=entity.siren, policy_number="P-1",
                                user=credit_manager, today=date(2026, 10, 31))  # fmt: skip

    results, errors = together(run, run)
    assert errors == []
    assert sorted((r.created, r.unchanged, r.policy_created) for r in results) == [(0, 1, False), (1, 0, True)]
    assert CoverDecision.objects.count() == 1
