"""Imports that could race: one at a time per key, the second waiting for the first.

Two uploads of the same customer file (or of two item files naming the same new customer)
started together would both find the rows missing and both insert them; the loser died with a
raw ``IntegrityError``. An import therefore takes, inside its transaction and before it reads
what exists, a PostgreSQL advisory lock per key (the entity, or the kind of risk data): the
second import waits until the first commits, then finds its rows and changes nothing. SQLite
needs none: it lets one writer in at a time.
"""

from __future__ import annotations

import hashlib

from django.db import connection


def import_lock(*keys: str) -> None:
    """Hold until the transaction ends one advisory lock per key, taken in a fixed order."""
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        raise RuntimeError("import_lock needs a transaction: the lock is released when it ends")
    with connection.cursor() as cursor:
        for key in sorted(set(keys)):
            digest = hashlib.blake2b(f"import:{key}".encode(), digest_size=8).digest()
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)])
