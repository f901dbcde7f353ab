"""Idempotent bulk upsert of items and allocations by natural key: (entity, type, number), or
(entity, entry) for an item identified by its accounting entry (a FEC receipt).

Re-importing the same rows changes nothing; a changed row is updated and audited; new rows
are inserted in bulk with their open amount derived from the allocations of the same file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from encours.audit.services import audit_record_many
from encours.ledger.models import Allocation, Item, LegalEntity
from encours.ledger.services.bulk import chunks, insert_rows, reserve_ids
from encours.ledger.services.changes import ledger_changed
from encours.ledger.services.items import items_refresh_open

ItemKey = tuple[str, str]
Progress = Callable[[int, int | None, str], None]
COMPARED = (
    "customer_id",
    "document_date",
    "due_date",
    "amount",
    "currency",
    "amount_functional",
    "label",
    "reference",
    "type",
    "number",
    "entry",
    "is_opening",
)
ENTRY = "entry"  # first element of the key of an item identified by its entry
LEGACY = "legacy|"  # entry of a receipt imported when receipts were keyed by number (migration 0005)


@dataclass(slots=True)
class IncomingItem:
    type: str
    number: str
    customer_id: int
    document_date: date
    due_date: date
    amount: Decimal
    currency: str
    amount_functional: Decimal
    label: str = ""
    reference: str = ""
    source_line: int | None = None
    entry: str = ""
    is_opening: bool = False

    @property
    def key(self) -> ItemKey:
        return (ENTRY, self.entry) if self.entry else (self.type, self.number)

    @property
    def fx_rate(self) -> Decimal:
        if not self.amount:
            return Decimal(1)
        return (self.amount_functional / self.amount).quantize(Decimal("0.00000001"))


@dataclass(slots=True)
class IncomingAllocation:
    debit_key: ItemKey
    credit_key: ItemKey
    amount: Decimal
    date: date
    letter: str = ""


@dataclass(slots=True)
class UpsertReport:
    items_created: int = 0
    items_updated: int = 0
    items_unchanged: int = 0
    allocations_created: int = 0
    allocations_updated: int = 0
    allocations_removed: int = 0
    key_to_id: dict[ItemKey, int] = field(default_factory=dict)


def _noop(done: int, total: int | None = None, message: str = "") -> None:
    return None


def upsert_items_and_allocations(
    *,
    entity: LegalEntity,
    items: Sequence[IncomingItem],
    allocations: Sequence[IncomingAllocation],
    source: str,
    source_file: str,
    actor: Any,
    progress: Progress = _noop,
) -> UpsertReport:
    """Must run inside a transaction. Progress counts the rows written: new items, then allocations."""
    report = UpsertReport()
    ledger_changed("items")
    progress(0, 1, f"writing: looking up {len(items)} items")
    existing = _existing_items(entity, items)
    new_items = [item for item in items if item.key not in existing]
    new_ids = reserve_ids(Item, len(new_items))
    report.key_to_id = {key: row["id"] for key, row in existing.items()}
    report.key_to_id.update({item.key: pk for item, pk in zip(new_items, new_ids, strict=True)})
    _add_referenced_keys(entity, allocations, report.key_to_id)
    changed_ids = _update_changed(entity, items, existing, report, actor)
    wanted = _wanted_allocations(allocations, report.key_to_id)
    new_id_set = set(new_ids)
    total = len(new_items) + len(wanted) + 1

    def items_written(count: int) -> None:
        progress(count, total, f"writing items: {count} / {len(new_items)} new")

    def allocations_written(count: int) -> None:
        progress(len(new_items) + count, total, f"writing allocations: {count} / {len(wanted)}")

    items_written(0)
    _insert_new_items(entity, new_items, report, wanted, source_file, items_written)
    report.items_created = len(new_items)
    allocations_written(0)
    touched = _sync_allocations(wanted, existing, new_id_set, report, source, actor, entity, allocations_written)
    progress(total - 1, total, "writing: open amounts")
    items_refresh_open(touched | changed_ids)
    progress(total, total, "written")
    return report


def _existing_items(entity: LegalEntity, items: Sequence[IncomingItem]) -> dict[ItemKey, dict[str, Any]]:
    if not Item.objects.filter(entity=entity).exists():
        return {}
    found = _items_by_key(entity, {item.key for item in items}, ("id", *COMPARED))
    _adopt_legacy(entity, [item for item in items if item.entry and item.key not in found], found)
    return found


def _items_by_key(entity: LegalEntity, keys: Iterable[ItemKey], fields: Sequence[str]) -> dict[ItemKey, dict[str, Any]]:
    """The stored items with these keys, as rows of ``fields``."""
    by_type: dict[str, list[str]] = defaultdict(list)
    for item_type, number in keys:
        by_type[item_type].append(number)
    found: dict[ItemKey, dict[str, Any]] = {}
    fields = tuple(dict.fromkeys((*fields, "type", "number", "entry")))
    for item_type, numbers in by_type.items():
        for part in chunks(numbers):
            if item_type == ENTRY:
                rows = Item.objects.filter(entity=entity, entry__in=part).values(*fields)
                found.update({(ENTRY, row["entry"]): row for row in rows})
            else:
                rows = Item.objects.filter(entity=entity, type=item_type, number__in=part, entry="").values(*fields)
                found.update({(row["type"], row["number"]): row for row in rows})
    return found


def _adopt_legacy(entity: LegalEntity, missing: Sequence[IncomingItem], found: dict[ItemKey, dict[str, Any]]) -> None:
    """A receipt stored when receipts were keyed by number becomes the first of the file's
    receipts of the same customer, type and number: re-keyed and updated, never doubled."""
    by_number: dict[tuple[int, str, str], list[IncomingItem]] = defaultdict(list)
    for item in missing:
        by_number[(item.customer_id, item.type, item.number)].append(item)
    if not by_number:
        return
    legacy_keys = sorted({f"{LEGACY}{item_type}|{number}"[:80] for _, item_type, number in by_number})
    for part in chunks(legacy_keys):
        for row in Item.objects.filter(entity=entity, entry__in=part).values("id", *COMPARED):
            incoming = by_number.get((row["customer_id"], row["type"], row["number"]))
            if incoming:
                first = min(incoming, key=lambda item: item.source_line or 0)
                found[first.key] = row


def _add_referenced_keys(
    entity: LegalEntity, allocations: Sequence[IncomingAllocation], key_to_id: dict[ItemKey, int]
) -> None:
    """Allocations may point at items imported earlier (a payment of an old invoice)."""
    missing = {key for a in allocations for key in (a.debit_key, a.credit_key) if key not in key_to_id}
    for key, row in _items_by_key(entity, sorted(missing), ("id",)).items():
        key_to_id[key] = row["id"]


def _update_changed(
    entity: LegalEntity,
    items: Sequence[IncomingItem],
    existing: dict[ItemKey, dict[str, Any]],
    report: UpsertReport,
    actor: Any,
) -> set[int]:
    changed: list[Item] = []
    audits = []
    for item in items:
        row = existing.get(item.key)
        if row is None:
            continue
        before = {name: row[name] for name in COMPARED if row[name] != getattr(item, name)}
        if not before:
            report.items_unchanged += 1
            continue
        after = {name: getattr(item, name) for name in before}
        changed.append(
            Item(
                id=row["id"],
                **{name: getattr(item, name) for name in COMPARED},
                fx_rate=item.fx_rate,
                source_line=item.source_line,
                updated_at=timezone.now(),
            )
        )
        audits.append(
            {
                "actor": actor,
                "action": "item.update",
                "object_type": "ledger.item",
                "object_id": row["id"],
                "object_repr": f"{item.type} {item.number}",
                "customer_id": item.customer_id,
                "entity_id": entity.pk,
                "before": before,
                "after": after,
                "note": "import",
            }
        )
    if changed:
        Item.objects.bulk_update(changed, [*COMPARED, "fx_rate", "source_line", "updated_at"], batch_size=1000)
        audit_record_many(audits)
    report.items_updated = len(changed)
    return {item.pk for item in changed}


def _wanted_allocations(
    allocations: Sequence[IncomingAllocation], key_to_id: dict[ItemKey, int]
) -> dict[tuple[int, int], IncomingAllocation]:
    wanted: dict[tuple[int, int], IncomingAllocation] = {}
    for allocation in allocations:
        pair = (key_to_id[allocation.debit_key], key_to_id[allocation.credit_key])
        wanted[pair] = allocation
    return wanted


def _insert_new_items(
    entity: LegalEntity,
    new_items: Sequence[IncomingItem],
    report: UpsertReport,
    wanted: dict[tuple[int, int], IncomingAllocation],
    source_file: str,
    on_rows: Callable[[int], None],
) -> None:
    """New items have no allocation but those of this file: their open amount is computed here."""
    open_amount = {report.key_to_id[item.key]: item.amount for item in new_items}
    last_date: dict[int, date] = {}
    for (debit_id, credit_id), allocation in wanted.items():
        for pk, sign in ((debit_id, -1), (credit_id, 1)):
            if pk in open_amount:
                open_amount[pk] += sign * allocation.amount
                last_date[pk] = max(last_date.get(pk, allocation.date), allocation.date)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    columns = (
        "id",
        "entity_id",
        "customer_id",
        "type",
        "number",
        "document_date",
        "due_date",
        "amount",
        "currency",
        "amount_functional",
        "fx_rate",
        "open_amount",
        "settled_on",
        "reference",
        "label",
        "source_file",
        "source_line",
        "entry",
        "is_opening",
        "created_at",
        "updated_at",
    )

    def rows() -> Any:
        for item in new_items:
            pk = report.key_to_id[item.key]
            remaining = open_amount[pk]
            yield (
                pk,
                entity.pk,
                item.customer_id,
                item.type,
                item.number,
                item.document_date,
                item.due_date,
                item.amount,
                item.currency,
                item.amount_functional,
                item.fx_rate,
                remaining,
                last_date.get(pk) if remaining == 0 else None,
                item.reference[:140],
                item.label[:200],
                source_file[:200],
                item.source_line,
                item.entry,
                item.is_opening,
                now,
                now,
            )

    insert_rows(Item, columns, rows(), on_rows)


def _sync_allocations(
    wanted: dict[tuple[int, int], IncomingAllocation],
    existing_items: dict[ItemKey, dict[str, Any]],
    new_ids: set[int],
    report: UpsertReport,
    source: str,
    actor: Any,
    entity: LegalEntity,
    on_rows: Callable[[int], None],
) -> set[int]:
    """Make this source's allocations between the file's items what the file says; returns
    the pre-existing items whose allocations changed (their open amount must be recomputed)."""
    old_ids = [row["id"] for row in existing_items.values()]
    current: dict[tuple[int, int], Allocation] = {}
    for part in chunks(old_ids):
        for allocation in Allocation.objects.filter(source=source, debit_id__in=part):
            current[(allocation.debit_id, allocation.credit_id)] = allocation
        for allocation in Allocation.objects.filter(source=source, credit_id__in=part):
            current[(allocation.debit_id, allocation.credit_id)] = allocation
    touched: set[int] = set()
    file_ids = set(old_ids) | new_ids
    to_delete = [a for pair, a in current.items() if pair not in wanted and pair[0] in file_ids and pair[1] in file_ids]
    to_update = [
        (a, wanted[pair])
        for pair, a in current.items()
        if pair in wanted and (a.amount != wanted[pair].amount or a.date != wanted[pair].date)
    ]
    to_create = [(pair, allocation) for pair, allocation in wanted.items() if pair not in current]
    if to_delete:
        Allocation.objects.filter(pk__in=[a.pk for a in to_delete]).delete()
    for allocation, incoming in to_update:
        allocation.amount, allocation.date = incoming.amount, incoming.date
    Allocation.objects.bulk_update([a for a, _ in to_update], ["amount", "date"], batch_size=1000)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    insert_rows(
        Allocation,
        ("debit_id", "credit_id", "amount", "date", "letter", "source", "created_at"),
        ((pair[0], pair[1], a.amount, a.date, a.letter[:10], source, now) for pair, a in to_create),
        on_rows,
    )
    for pair in (
        [a_pair for a_pair, _ in to_create]
        + [(a.debit_id, a.credit_id) for a in to_delete]
        + [(a.debit_id, a.credit_id) for a, _ in to_update]
    ):
        touched.update(pk for pk in pair if pk not in new_ids)
    audit_record_many(
        {
            "actor": actor,
            "action": "allocation.delete",
            "object_type": "ledger.allocation",
            "object_id": a.pk,
            "entity_id": entity.pk,
            "before": {"debit_id": a.debit_id, "credit_id": a.credit_id, "amount": a.amount},
            "note": "no longer lettered in the imported file",
        }
        for a in to_delete
    )
    report.allocations_created = len(to_create)
    report.allocations_updated = len(to_update)
    report.allocations_removed = len(to_delete)
    return touched
