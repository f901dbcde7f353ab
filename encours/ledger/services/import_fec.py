"""Import a French FEC: customers, items and lettrage of the 411 accounts, all or nothing."""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from encours.audit.services import audit_record
from encours.core.errors import ImportRejected, InvalidFile, PermissionDenied
from encours.core.formats.fec import OPENING_JOURNALS, FecResult, file_name_identity, parse_fec
from encours.core.identifiers import siren_error
from encours.core.terms import due_date
from encours.jobs.progress import progress_span
from encours.ledger.models import FecPeriod, LegalEntity
from encours.ledger.selectors import import_refusal
from encours.ledger.services.bulk import gc_paused
from encours.ledger.services.customers import customers_ensure
from encours.ledger.services.openings import (
    Opening,
    match_openings,
    merge_known_openings,
    predecessors,
    previous_year_known,
    split_allocations,
)
from encours.ledger.services.upsert import (
    IncomingAllocation,
    IncomingItem,
    ItemKey,
    Progress,
    _noop,
    upsert_items_and_allocations,
)


@dataclass(slots=True)
class FecImportReport:
    file_name: str
    entity_siren: str
    entity_name: str
    entity_created: bool
    lines: int
    customer_lines: int
    ignored_lines: int
    encoding: str
    delimiter: str
    customers_created: int
    items_created: int
    items_updated: int
    items_unchanged: int
    allocations_created: int
    allocations_updated: int
    allocations_removed: int
    seconds: float
    warnings: list[str] = field(default_factory=list)
    openings_linked: int = 0  # opening lines standing for previous-year items already imported
    openings_merged: int = 0  # opening lines stored earlier, replaced now by this year's items

    @property
    def changed_nothing(self) -> bool:
        return not (
            self.entity_created
            or self.customers_created
            or self.items_created
            or self.items_updated
            or self.allocations_created
            or self.allocations_updated
            or self.allocations_removed
            or self.openings_merged
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def fec_import(
    *,
    raw: bytes,
    file_name: str,
    entity_siren: str | None = None,
    user: Any = None,
    progress: Progress = _noop,
    scoped: bool = False,
) -> FecImportReport:
    """Import a whole FEC or nothing. The entity is ``entity_siren``, else the SIREN of the legal
    file name. ``scoped`` (web uploads): the user must belong to that entity, and only an admin
    may create it; the command line is the operator's tool and is not scoped.

    Progress is reported in lines: reading them is the first half of the bar, writing the second."""
    started = time.monotonic()
    name = Path(file_name).name
    siren = _target_siren(name, entity_siren, user, scoped)
    entity = LegalEntity.objects.filter(siren=siren).first()
    progress(0, None, "parsing")
    with gc_paused():
        parsed = parse_fec(
            raw,
            file_name=name,
            functional_currency=entity.currency if entity else "EUR",
            opening_journals=_opening_journals(entity),
            on_lines=lambda read, total: progress(read, 2 * total, f"parsing: {read} / {total} lines"),
        )
    if parsed.errors:
        raise ImportRejected(parsed.errors)
    lines = max(parsed.stats.lines, 1)
    writing = progress_span(progress, start=lines, end=2 * lines, total=2 * lines)
    with transaction.atomic(), gc_paused():
        _lock_entity(siren)
        writing(0, 1, f"writing: {len(parsed.customers)} customers")
        entity, created = _entity(siren, user)
        customers, customers_created = customers_ensure(
            entity=entity, accounts={c.account: c.name for c in parsed.customers}, user=user, source=name
        )
        items = _incoming_items(parsed, customers, entity)
        allocations = [
            IncomingAllocation(a.debit_key, a.credit_key, a.amount, a.date, a.letter) for a in parsed.allocations
        ]
        parsed = replace(parsed, items=(), allocations=())  # a million-line file's items are held once
        names = {customer.id: account for account, customer in customers.items()}
        warnings = list(parsed.warnings)
        items, allocations, linked = _link_openings(parsed, entity, items, allocations, names, warnings)
        upsert = upsert_items_and_allocations(
            entity=entity,
            items=items,
            allocations=allocations,
            source="fec",
            source_file=name,
            actor=user,
            progress=writing,
        )
        merged = _record_period(entity, parsed, name, user, names, warnings)
        report = FecImportReport(
            file_name=name,
            entity_siren=entity.siren,
            entity_name=entity.name,
            entity_created=created,
            lines=parsed.stats.lines,
            customer_lines=parsed.stats.customer_lines,
            ignored_lines=parsed.stats.ignored_lines,
            encoding=parsed.stats.encoding,
            delimiter=parsed.stats.delimiter,
            customers_created=customers_created,
            items_created=upsert.items_created,
            items_updated=upsert.items_updated,
            items_unchanged=upsert.items_unchanged,
            allocations_created=upsert.allocations_created,
            allocations_updated=upsert.allocations_updated,
            allocations_removed=upsert.allocations_removed,
            seconds=round(time.monotonic() - started, 3),
            warnings=warnings,
            openings_linked=linked,
            openings_merged=merged,
        )
        audit_record(actor=user, action="import.fec", obj=entity, entity_id=entity.pk, after=report.as_dict())
    progress(2 * lines, 2 * lines, "done")
    return report


def _lock_entity(siren: str) -> None:
    """Two imports for one entity at once (the same FEC twice, two years of a new entity) run one
    after the other: the second waits for the first to commit, then finds its work done instead
    of failing on a duplicate key. SQLite needs no lock: it lets one writer in at a time."""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(f"ledger.fec_import:{siren}".encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)])


def _opening_journals(entity: LegalEntity | None) -> tuple[str, ...]:
    codes = tuple(code.strip() for code in (entity.opening_journals if entity else "").split(",") if code.strip())
    return codes or OPENING_JOURNALS


def _link_openings(
    parsed: FecResult,
    entity: LegalEntity,
    items: list[IncomingItem],
    allocations: list[IncomingAllocation],
    names: dict[int, str],
    warnings: list[str],
) -> tuple[list[IncomingItem], list[IncomingAllocation], int]:
    """Opening lines whose previous year is imported are not items: they stand for that year's
    open items, and the allocations made to them go to those items (see ledger.services.openings)."""
    on = parsed.first_date
    openings = [item for item in items if item.is_opening]
    if not openings or on is None or not previous_year_known(entity, on):
        return items, allocations, 0
    shares, found = match_openings(
        [Opening(o.key, o.customer_id, o.amount, o.reference, o.label) for o in openings],
        predecessors(entity, {o.customer_id for o in openings}, on),
        names=names,
        on=on,
    )
    warnings += found
    if not shares:
        return items, allocations, 0
    line_of = {item.key: (item.source_line or 0, item.number) for item in items}
    kept = [a for a in allocations if a.debit_key not in shares and a.credit_key not in shares]
    pairs: dict[tuple[ItemKey, ItemKey], IncomingAllocation] = {}
    for opening in openings:
        if opening.key not in shares:
            continue

        def other(allocation: IncomingAllocation, key: ItemKey = opening.key) -> ItemKey:
            return allocation.credit_key if allocation.debit_key == key else allocation.debit_key

        own = [a for a in allocations if opening.key in (a.debit_key, a.credit_key)]
        own.sort(key=lambda a: (a.date, *line_of.get(other(a), (0, ""))))
        for index, predecessor, amount in split_allocations((a.amount for a in own), shares[opening.key]):
            if predecessor is None:
                warnings.append(
                    f"customer {names.get(opening.customer_id)}: {amount} allocated to the opening balance of "
                    f"{on.isoformat()} exceeds the previous year's open items: not carried"
                )
                continue
            source = own[index]
            pair = (predecessor.key, other(source)) if opening.amount > 0 else (other(source), predecessor.key)
            current = pairs.get(pair)
            if current is None:
                pairs[pair] = IncomingAllocation(pair[0], pair[1], amount, source.date, source.letter)
            else:
                current.amount += amount
                current.date = max(current.date, source.date)
    return [item for item in items if item.key not in shares], kept + list(pairs.values()), len(shares)


def _record_period(
    entity: LegalEntity, parsed: FecResult, name: str, user: Any, names: dict[int, str], warnings: list[str]
) -> int:
    """Remember the dates this FEC covers; opening lines stored earlier whose previous year it
    is are now replaced by its items. Returns how many were."""
    if parsed.first_date is None or parsed.last_date is None:
        return 0
    last = max(filter(None, (parsed.last_date, parsed.closing_date)))
    period, created = FecPeriod.objects.get_or_create(
        entity=entity, first_date=parsed.first_date, defaults={"last_date": last, "file_name": name[:200]}
    )
    if not created and period.last_date < last:
        period.last_date, period.file_name = last, name[:200]
        period.save(update_fields=["last_date", "file_name", "imported_at"])
    merged = merge_known_openings(entity, parsed.first_date, last, user, names)
    warnings += merged.warnings or []
    return merged.openings


def _target_siren(name: str, entity_siren: str | None, user: Any, scoped: bool) -> str:
    """Checked before the file is even parsed: a refused upload costs nothing and writes nothing."""
    siren = entity_siren or file_name_identity(name)[0]
    if not siren:
        raise InvalidFile(f"{name}: no SIREN; give the entity or use the legal name <SIREN>FEC<YYYYMMDD>.txt")
    if siren_error(siren):
        raise InvalidFile(f"{name}: {siren_error(siren)} ({siren})")
    refusal = import_refusal(user=user, siren=siren) if scoped else None
    if refusal:
        raise PermissionDenied(refusal)
    return siren


def _entity(siren: str, user: Any) -> tuple[LegalEntity, bool]:
    entity = LegalEntity.objects.filter(siren=siren).first()
    if entity:
        return entity, False
    entity = LegalEntity.objects.create(siren=siren, name=f"Entité {siren}")
    audit_record(
        actor=user,
        action="entity.create",
        obj=entity,
        entity_id=entity.pk,
        after={"siren": siren},
        note="created by a FEC import",
    )
    return entity, True


def _incoming_items(parsed: FecResult, customers: dict[str, Any], entity: LegalEntity) -> list[IncomingItem]:
    items = []
    for item in parsed.items:
        customer = customers[item.customer_account]
        # credits (payments, credit notes) are due when issued; debits after the customer's terms
        due = item.due_date or (due_date(item.document_date, customer.terms) if item.amount > 0 else item.document_date)
        items.append(
            IncomingItem(
                type=item.type,
                number=item.number,
                customer_id=customer.id,
                document_date=item.document_date,
                due_date=due,
                amount=item.amount,
                currency=item.currency,
                amount_functional=item.amount_functional,
                label=item.label,
                reference=item.reference,
                source_line=item.line,
                entry=item.entry,
                is_opening=item.opening,
            )
        )
    return items
