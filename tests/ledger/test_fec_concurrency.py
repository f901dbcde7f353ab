"""The same FEC imported twice at once for a new entity (issue 16): on PostgreSQL the second
waits for the first and finds everything imported, never an IntegrityError; on SQLite the
two run one after the other."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.db import connection

from encours.ledger.models import Allocation, Customer, Item, LegalEntity
from encours.ledger.services.import_fec import FecImportReport, fec_import
from tests.conftest import sample_path

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
FEC = "595401761FEC20261031.txt"


def import_together(raws: list[bytes]) -> tuple[list[FecImportReport], list[Exception]]:
    barrier = threading.Barrier(len(raws))
    reports: list[FecImportReport] = []
    errors: list[Exception] = []

    def work(raw: bytes) -> None:
        try:
            barrier.wait()
            reports.append(fec_import(raw=raw, file_name=FEC))
        except Exception as exc:  # surfaced by the assertions
            errors.append(exc)
        finally:
            connection.close()

    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=work, args=(raw,)) for raw in raws]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
    else:  # SQLite lets one writer in at a time: the same imports one after the other
        reports = [fec_import(raw=raw, file_name=FEC) for raw in raws]
    return reports, errors


def test_the_same_fec_imported_twice_at_once_is_stored_once():
    raw = Path(sample_path(FEC)).read_bytes()
    reports, errors = import_together([raw, raw])
    assert errors == []
    assert sorted(r.changed_nothing for r in reports) == [False, True]
    assert sorted(r.entity_created for r in reports) == [False, True]
    assert LegalEntity.objects.count() == 1 and Customer.objects.count() == 150
    assert Item.objects.filter(type="payment").count() == 1291
    assert Allocation.objects.count() == max(r.allocations_created for r in reports)
