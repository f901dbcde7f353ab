"""Fast inserts for imports: COPY on PostgreSQL, executemany elsewhere, ids reserved up front."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, models


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Ids for rows about to be inserted, so that children can point at them before the COPY.

    Must run inside the import's transaction (on SQLite that transaction holds the write lock)."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


BATCH = 5000


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    on_rows: Callable[[int], None] | None = None,
) -> int:
    """Insert plain tuples into a model's table; the columns are database column names.
    ``on_rows(written)`` hears every BATCH rows."""
    table = model._meta.db_table
    quoted = ", ".join(f'"{c}"' for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # binary COPY with declared types: psycopg's C dumpers, no text round trip
            with cursor.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN (FORMAT BINARY)') as copy:
                copy.set_types([_pg_type(model, column) for column in columns])
                for row in rows:
                    copy.write_row(row)
                    count += 1
                    if on_rows and not count % BATCH:
                        on_rows(count)
            return count
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({placeholders})'
        batch: list[Sequence[Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
                if on_rows:
                    on_rows(count)
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


_PG_TYPES = {
    "BigAutoField": "int8",
    "BigIntegerField": "int8",
    "AutoField": "int4",
    "IntegerField": "int4",
    "PositiveIntegerField": "int4",
    "PositiveSmallIntegerField": "int2",
    "SmallIntegerField": "int2",
    "DecimalField": "numeric",
    "DateField": "date",
    "DateTimeField": "timestamptz",
    "BooleanField": "bool",
    "CharField": "text",
    "TextField": "text",
    "EmailField": "text",
    "JSONField": "jsonb",
}


def _pg_type(model: type[models.Model], column: str) -> str:
    field = next(f for f in model._meta.concrete_fields if f.column == column)
    if field.is_relation:
        field = field.target_field
    return _PG_TYPES[field.get_internal_type()]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Bulk work creates millions of short-lived objects; the cyclic collector only slows it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def chunks(values: Sequence[Any], size: int = 2000) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
