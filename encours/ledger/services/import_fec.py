"""Import a French FEC: customers, items and lettrage of the 411 accounts, all or nothing."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from encours.audit.services import audit_record
from encours.core.errors import ImportRejected, InvalidFile, PermissionDenied
from encours.core.formats.fec import FecResult, file_name_identity, parse_fec
from encours.core.identifiers import siren_error
from encours.core.terms import due_date
from encours.jobs.progress import progress_span
from encours.ledger.models import LegalEntity
from encours.ledger.selectors import import_refusal
from encours.ledger.services.bulk import gc_paused
from encours.ledger.services.customers import customers_ensure
from encours.ledger.services.upsert import (
    IncomingAllocation,
    IncomingItem,
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
            on_lines=lambda read, total: progress(read, 2 * total, f"parsing: {read} / {total} lines"),
        )
    if parsed.errors:
        raise ImportRejected(parsed.errors)
    lines = max(parsed.stats.lines, 1)
    writing = progress_span(progress, start=lines, end=2 * lines, total=2 * lines)
    with transaction.atomic(), gc_paused():
        writing(0, 1, f"writing: {len(parsed.customers)} customers")
        entity, created = _entity(siren, user)
        customers, customers_created = customers_ensure(
            entity=entity, accounts={c.account: c.name for c in parsed.customers}, user=user, source=name
        )
        items = _incoming_items(parsed, customers, entity)
        allocations = [
            IncomingAllocation(a.debit_key, a.credit_key, a.amount, a.date, a.letter) for a in parsed.allocations
        ]
        upsert = upsert_items_and_allocations(
            entity=entity,
            items=items,
            allocations=allocations,
            source="fec",
            source_file=name,
            actor=user,
            progress=writing,
        )
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
            warnings=list(parsed.warnings),
        )
        audit_record(actor=user, action="import.fec", obj=entity, entity_id=entity.pk, after=report.as_dict())
    progress(2 * lines, 2 * lines, "done")
    return report


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
