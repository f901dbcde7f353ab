"""Keeping computed figures (reports, dunning, risk) while the ledger has not changed.

A dashboard reads a year and a half of movements; recomputing it on every page view would
cost a second on a million invoices. Figures are kept in the cache under the ledger's
version, read in one indexed query: the highest mark of ``LedgerChange``, which every write
service of the ledger leaves in its transaction and again after it commits
(``ledger.services.changes``), so a ledger write moves the version whether or not it is
audited. The highest ids of items, allocations and customers are read too (a row added
without a service), and that of the audit trail for what other apps write and the figures
show (disputes, promises, grades). A time limit bounds what a write made outside the
services could leave stale.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.utils import translation

from encours.audit.models import AuditEntry
from encours.ledger.models import Allocation, Customer, Item, LedgerChange

T = TypeVar("T")
KEEP_SECONDS = 600


def ledger_version() -> tuple[int, ...]:
    """The highest ledger change mark, the highest id of each ledger table and of the audit
    trail, in one indexed query."""
    tables = [model._meta.db_table for model in (LedgerChange, Item, Allocation, Customer, AuditEntry)]
    sql = "SELECT " + ", ".join(f"(SELECT MAX(id) FROM {connection.ops.quote_name(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return tuple(value or 0 for value in row)


def scope_key(customers: QuerySet[Customer]) -> str:
    """A short name for a scope: the SQL that selects its customers (user, entities, region…)."""
    try:
        sql, params = customers.values("pk").query.sql_with_params()
    except EmptyResultSet:  # an empty scope (``none()``) has no SQL
        return "empty"
    return hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()[:24]


def kept(
    name: str, *, customers: QuerySet[Customer], parts: tuple[Any, ...], compute: Callable[[], T], fresh: bool = False
) -> T:
    """``compute()``, or what it returned for the same scope, parts, language and ledger version
    (``fresh`` recomputes anyway)."""
    language = translation.get_language() or ""
    version = ".".join(str(number) for number in ledger_version())
    key = f"reports:{name}:{scope_key(customers)}:{language}:{version}:" + ":".join(str(part) for part in parts)
    value = None if fresh else cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, KEEP_SECONDS)
    return value
