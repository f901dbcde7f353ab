"""Generic CSV/XLSX imports through a saved mapping: customers, items, payments,
allocations and open orders. All or nothing, each bad cell reported with its line."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from encours.audit.services import audit_record, audit_record_many
from encours.core import identifiers
from encours.core.errors import ImportRejected, InvalidFile, PermissionDenied, RowError
from encours.core.formats.tabular import MappingSpec, Record, map_rows, read_table
from encours.core.money import quantize
from encours.core.terms import PaymentTerms, due_date
from encours.jobs.progress import progress_span
from encours.ledger.models import (
    Category,
    Contact,
    Customer,
    CustomerBankAccount,
    CustomerGroup,
    ImportMapping,
    Item,
    ItemType,
    LegalEntity,
    OpenOrder,
)
from encours.ledger.selectors import import_refusal
from encours.ledger.services.bulk import chunks
from encours.ledger.services.changes import ledger_changed
from encours.ledger.services.locks import import_lock
from encours.ledger.services.upsert import (
    IncomingAllocation,
    IncomingItem,
    Progress,
    _noop,
    upsert_items_and_allocations,
)

CREDIT_TYPES = {ItemType.CREDIT_NOTE, ItemType.PAYMENT}


@dataclass(slots=True)
class TabularImportReport:
    file_name: str
    mapping: str
    kind: str
    entity_siren: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    details: dict[str, int] = field(default_factory=dict)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def changed_nothing(self) -> bool:
        return not (self.created or self.updated)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def mapping_spec(mapping: ImportMapping, currency: str = "EUR") -> MappingSpec:
    options = mapping.options or {}
    return MappingSpec(
        currency=currency,
        kind=mapping.kind,
        columns=mapping.columns or {},
        date_format=options.get("date_format", ""),
        values=options.get("values", {}),
        defaults=options.get("defaults", {}),
        negate_credits=options.get("negate_credits", True),
    )


def tabular_import(
    *,
    raw: bytes,
    file_name: str,
    entity_siren: str,
    mapping_name: str,
    user: Any = None,
    progress: Progress = _noop,
    scoped: bool = False,
) -> TabularImportReport:
    """Import a whole file or nothing. ``scoped`` (web uploads): the user must belong to the entity;
    the command line is the operator's tool and is not scoped. Progress is reported in rows:
    reading them is the first half of the bar, writing the second."""
    started = time.monotonic()
    mapping = ImportMapping.objects.filter(name=mapping_name).first()
    if mapping is None:
        known = ", ".join(ImportMapping.objects.values_list("name", flat=True))
        raise InvalidFile(f"unknown mapping {mapping_name!r} (known: {known})")
    refusal = import_refusal(user=user, siren=entity_siren) if scoped else None
    if refusal:
        raise PermissionDenied(refusal)
    entity = LegalEntity.objects.filter(siren=entity_siren).first()
    if entity is None:
        raise InvalidFile(f"unknown legal entity SIREN {entity_siren}")
    name = Path(file_name).name
    progress(0, None, "reading")
    options = mapping.options or {}
    table = read_table(raw, file_name=name, delimiter=options.get("delimiter", ""), sheet=options.get("sheet", ""))
    rows = max(len(table.rows), 1)
    spec = mapping_spec(mapping, entity.currency)
    records, cell_errors = map_rows(
        table, spec, on_rows=lambda read, total: progress(read, 2 * rows, f"reading: {read} / {total} rows")
    )
    bad_lines = {error.line for error in cell_errors}
    clean = [record for record in records if record.line not in bad_lines]
    report = TabularImportReport(name, mapping.name, mapping.kind, entity.siren, len(records))
    handler = _HANDLERS[mapping.kind]
    writing = progress_span(progress, start=rows, end=2 * rows, total=2 * rows)
    with transaction.atomic():
        import_lock(f"entity:{entity.pk}")  # a concurrent import of this entity: wait for it, then see its rows
        try:
            handler(entity, clean, spec, report, user, writing)
        except ImportRejected as rejected:  # report cell and business errors together, by line
            raise ImportRejected(sorted([*cell_errors, *rejected.errors], key=lambda e: e.line)) from None
        if cell_errors:
            raise ImportRejected(cell_errors)  # rolls back what the clean rows wrote
        ledger_changed(f"import.{mapping.kind}")
        report.seconds = round(time.monotonic() - started, 3)
        audit_record(
            actor=user, action=f"import.{mapping.kind}", obj=entity, entity_id=entity.pk, after=report.as_dict()
        )
    progress(2 * rows, 2 * rows, "done")
    return report


def _rows_progress(progress: Progress, what: str, total: int) -> Any:
    """A per-row counter for the handlers that write row by row, heard every 5000 rows."""

    def count(done: int) -> None:
        if not done % 5000 or done == total:
            progress(done, total, f"writing {what}: {done} / {total}")

    return count


def _reject_if(errors: Sequence[RowError]) -> None:
    if errors:
        raise ImportRejected(errors)


def _customer_ids(entity: LegalEntity, records: Sequence[Record], field_name: str = "customer") -> dict[str, Customer]:
    numbers = sorted({r.values[field_name] for r in records if field_name in r.values})
    found: dict[str, Customer] = {}
    for part in chunks(numbers):
        for customer in Customer.objects.filter(entity=entity, account_number__in=part).select_related("entity"):
            found[customer.account_number] = customer
    return found


# --- customers ------------------------------------------------------------------------------

_CUSTOMER_FIELDS = (
    "name",
    "siren",
    "siret",
    "vat_number",
    "naf_code",
    "category",
    "region",
    "country",
    "terms_days",
    "terms_end_of_month",
    "language",
    "currency",
    "is_strategic",
    "is_blocked",
    "address",
    "postal_code",
    "city",
)


def _import_customers(entity, records, spec, report, user, progress) -> None:  # type: ignore[no-untyped-def]
    errors: list[RowError] = []
    users = _users_by_login(records)
    for record in records:
        errors.extend(_customer_row_errors(record, spec, users))
    _reject_if(errors)
    existing = _customer_ids(entity, records, "account_number")
    audits = []
    written = _rows_progress(progress, "customers", len(records))
    for done, record in enumerate(records, start=1):
        written(done)
        values = _customer_values(record, users)
        customer = existing.get(record.values["account_number"])
        if customer is None:
            customer = Customer.objects.create(entity=entity, account_number=record.values["account_number"], **values)
            existing[customer.account_number] = customer
            report.created += 1
            audits.append(_audit("customer.create", user, customer, None, values))
        else:
            before = {k: getattr(customer, k) for k, v in values.items() if getattr(customer, k) != v}
            if before:
                for key in before:
                    setattr(customer, key, values[key])
                customer.save(update_fields=list(before))
                report.updated += 1
                audits.append(_audit("customer.update", user, customer, before, {k: values[k] for k in before}))
            else:
                report.unchanged += 1
        _customer_extras(customer, record, report)
    audit_record_many(audits)


def _audit(action: str, user: Any, customer: Customer, before: Any, after: Any) -> dict[str, Any]:
    return {
        "actor": user,
        "action": action,
        "obj": customer,
        "customer_id": customer.pk,
        "entity_id": customer.entity_id,
        "before": before,
        "after": after,
        "note": "import",
    }


def _users_by_login(records: Sequence[Record]) -> dict[str, Any]:
    logins = {r.values[f] for r in records for f in ("sales_rep", "collector") if f in r.values}
    if not logins:
        return {}
    users = get_user_model().objects.filter(Q(username__in=logins) | Q(email__in=logins))
    return {key: u for u in users for key in (u.username, u.email) if key}


def _customer_row_errors(record: Record, spec: MappingSpec, users: dict[str, Any]) -> list[RowError]:
    checks = {"siren": identifiers.siren_error, "siret": identifiers.siret_error, "vat_number": identifiers.vat_error}
    errors = []
    for name, check in checks.items():
        value = record.values.get(name)
        message = check(value.replace(" ", "")) if value else None
        if message:
            errors.append(RowError(line=record.line, column=spec.columns.get(name, name), value=value, reason=message))
    naf = record.values.get("naf_code")
    if naf:
        try:
            identifiers.normalize_naf(naf)
        except ValueError as exc:
            errors.append(
                RowError(line=record.line, column=spec.columns.get("naf_code", "naf_code"), value=naf, reason=str(exc))
            )
    category = record.values.get("category")
    if category and category not in Category.values:
        errors.append(
            RowError(
                line=record.line,
                column=spec.columns.get("category", "category"),
                value=category,
                reason=f"unknown category (expected one of {', '.join(Category.values)})",
            )
        )
    for name in ("sales_rep", "collector"):
        login = record.values.get(name)
        if login and login not in users:
            errors.append(
                RowError(line=record.line, column=spec.columns.get(name, name), value=login, reason="unknown user")
            )
    terms = record.values.get("terms_days")
    if terms is not None and not 0 <= terms <= 365:
        errors.append(
            RowError(
                line=record.line,
                column=spec.columns.get("terms_days", "terms_days"),
                value=str(terms),
                reason="terms out of range",
            )
        )
    return errors


def _customer_values(record: Record, users: dict[str, Any]) -> dict[str, Any]:
    values = {k: record.values[k] for k in _CUSTOMER_FIELDS if k in record.values}
    if "naf_code" in values:
        values["naf_code"] = identifiers.normalize_naf(values["naf_code"])
    for key in ("siren", "siret"):
        if key in values:
            values[key] = values[key].replace(" ", "")
    for name in ("sales_rep", "collector"):
        if record.values.get(name):
            values[name] = users[record.values[name]]
    group_code = record.values.get("group_code")
    if group_code:
        values["group"], _ = CustomerGroup.objects.get_or_create(
            code=group_code, defaults={"name": record.values.get("group_name", group_code)}
        )
    return values


def _customer_extras(customer: Customer, record: Record, report: TabularImportReport) -> None:
    iban = record.values.get("iban")
    if iban:
        iban = identifiers.normalize_iban(iban)
        problem = identifiers.iban_error(iban)
        if problem:  # kept to recognise the payer, flagged for a human to check: never blocks the master data
            report.warnings.append(
                RowError(line=record.line, column="iban", value=iban, reason=f"{problem}; kept but flagged").as_dict()
            )
        _, created = CustomerBankAccount.objects.get_or_create(
            customer=customer, iban=iban, defaults={"checksum_ok": problem is None}
        )
        report.details["ibans_added"] = report.details.get("ibans_added", 0) + int(created)
    email = record.values.get("contact_email")
    if email:
        _, created = Contact.objects.get_or_create(
            customer=customer,
            email=email,
            defaults={
                "name": record.values.get("contact_name", email),
                "phone": record.values.get("contact_phone", ""),
                "role": Contact.Role.ACCOUNTS_PAYABLE,
                "is_dunning_contact": not customer.contacts.exists(),
            },
        )
        report.details["contacts_added"] = report.details.get("contacts_added", 0) + int(created)


# --- items and payments ------------------------------------------------------------------


def _import_items(entity, records, spec, report, user, progress, *, default_type: str = "invoice") -> None:  # type: ignore[no-untyped-def]
    customers = _customer_ids(entity, records)
    errors: list[RowError] = []
    items: list[IncomingItem] = []
    seen: dict[tuple[str, str], int] = {}
    for record in records:
        item, row_errors = _incoming_item(entity, record, spec, customers, default_type)
        if item and item.key in seen:
            row_errors.append(
                RowError(
                    line=record.line,
                    column=spec.columns.get("number", "number"),
                    value=item.number,
                    reason=f"duplicate of line {seen[item.key]}",
                )
            )
        errors.extend(row_errors)
        if item:
            seen[item.key] = record.line
            items.append(item)
    _reject_if(errors)
    upsert = upsert_items_and_allocations(
        entity=entity,
        items=items,
        allocations=[],
        source="import",
        source_file=report.file_name,
        actor=user,
        progress=progress,
    )
    report.created, report.updated, report.unchanged = (
        upsert.items_created,
        upsert.items_updated,
        upsert.items_unchanged,
    )


def _import_payments(entity, records, spec, report, user, progress) -> None:  # type: ignore[no-untyped-def]
    _import_items(entity, records, spec, report, user, progress, default_type=ItemType.PAYMENT)


def _incoming_item(
    entity: LegalEntity, record: Record, spec: MappingSpec, customers: dict[str, Customer], default_type: str
) -> tuple[IncomingItem | None, list[RowError]]:
    values = record.values
    column = spec.columns.get
    errors: list[RowError] = []
    item_type = values.get("type", default_type)
    if item_type not in ItemType.values:
        errors.append(
            RowError(
                line=record.line,
                column=column("type", "type"),
                value=item_type,
                reason=f"unknown item type (expected one of {', '.join(ItemType.values)}; map the file's values)",
            )
        )
    customer = customers.get(values.get("customer", ""))
    if customer is None and "customer" in values:
        errors.append(
            RowError(
                line=record.line,
                column=column("customer", "customer"),
                value=values["customer"],
                reason="unknown customer account",
            )
        )
    currency = values.get("currency", entity.currency).upper()
    if "amount_functional" not in values and currency != entity.currency and "amount" in values:
        errors.append(
            RowError(
                line=record.line,
                column=column("amount_functional", "amount_functional"),
                value="",
                reason=f"required for an amount in {currency}",
            )
        )
    if errors or not {"number", "document_date", "amount"} <= set(values):
        return None, errors
    amount = quantize(values["amount"], currency)
    functional = quantize(values.get("amount_functional", amount), entity.currency)
    if item_type in CREDIT_TYPES and spec.negate_credits:
        amount, functional = -abs(amount), -abs(functional)
    if amount == 0:
        return None, [RowError(line=record.line, column=column("amount", "amount"), value="0", reason="zero amount")]
    terms = customer.payment_terms() if customer else PaymentTerms()
    due = values.get("due_date") or (
        due_date(values["document_date"], terms) if amount > 0 else values["document_date"]
    )
    if due < values["document_date"]:
        errors.append(
            RowError(
                line=record.line,
                column=column("due_date", "due_date"),
                value=str(due),
                reason="due date before the document date",
            )
        )
    item = IncomingItem(
        type=item_type,
        number=values["number"][:60],
        customer_id=customer.pk,
        document_date=values["document_date"],
        due_date=due,
        amount=amount,
        currency=currency,
        amount_functional=functional,
        label=values.get("label", ""),
        reference=values.get("reference", ""),
        source_line=record.line,
    )
    return item, errors


# --- allocations ---------------------------------------------------------------------------


def _import_allocations(entity, records, spec, report, user, progress) -> None:  # type: ignore[no-untyped-def]
    keys = {(r.values.get("debit_type", ItemType.INVOICE), r.values["debit_number"]) for r in records} | {
        (r.values.get("credit_type", ItemType.PAYMENT), r.values["credit_number"]) for r in records
    }
    found: dict[tuple[str, str], Item] = {}
    for item_type in {k[0] for k in keys}:
        numbers = sorted(k[1] for k in keys if k[0] == item_type)
        for part in chunks(numbers):
            for item in Item.objects.filter(entity=entity, type=item_type, number__in=part):
                found[(item.type, item.number)] = item
    errors: list[RowError] = []
    allocations: list[IncomingAllocation] = []
    remaining = {key: item.open_amount for key, item in found.items()}
    for record in records:
        allocation, row_errors = _incoming_allocation(record, spec, found, remaining)
        errors.extend(row_errors)
        if allocation:
            allocations.append(allocation)
    _reject_if(errors)
    upsert = upsert_items_and_allocations(
        entity=entity,
        items=[],
        allocations=allocations,
        source="import",
        source_file=report.file_name,
        actor=user,
        progress=progress,
    )
    report.created, report.updated = upsert.allocations_created, upsert.allocations_updated
    report.unchanged = len(allocations) - report.created - report.updated


def _incoming_allocation(
    record: Record, spec: MappingSpec, found: dict[tuple[str, str], Item], remaining: dict[tuple[str, str], Decimal]
) -> tuple[IncomingAllocation | None, list[RowError]]:
    values = record.values
    debit_key = (values.get("debit_type", ItemType.INVOICE), values["debit_number"])
    credit_key = (values.get("credit_type", ItemType.PAYMENT), values["credit_number"])
    errors = [
        RowError(
            line=record.line, column=spec.columns.get(name, name), value=key[1], reason=f"no {key[0]} with this number"
        )
        for name, key in (("debit_number", debit_key), ("credit_number", credit_key))
        if key not in found
    ]
    amount = values.get("amount", Decimal(0))
    if amount <= 0:
        errors.append(
            RowError(
                line=record.line,
                column=spec.columns.get("amount", "amount"),
                value=str(amount),
                reason="must be positive",
            )
        )
    if errors:
        return None, errors
    debit, credit = found[debit_key], found[credit_key]
    if debit.customer_id != credit.customer_id and debit.customer.group_id is None:
        errors.append(
            RowError(
                line=record.line,
                column=spec.columns.get("credit_number", "credit_number"),
                value=credit.number,
                reason="belongs to another customer outside any group",
            )
        )
    if amount > remaining[debit_key] or amount > -remaining[credit_key]:
        errors.append(
            RowError(
                line=record.line,
                column=spec.columns.get("amount", "amount"),
                value=str(amount),
                reason=f"exceeds the open amount ({debit.number}: {remaining[debit_key]}, "
                f"{credit.number}: {-remaining[credit_key]})",
            )
        )
        return None, errors
    remaining[debit_key] -= amount
    remaining[credit_key] += amount
    return IncomingAllocation(debit_key, credit_key, amount, values["date"], values.get("letter", "")), errors


# --- open orders ----------------------------------------------------------------------------


def _import_open_orders(entity, records, spec, report, user, progress) -> None:  # type: ignore[no-untyped-def]
    customers = _customer_ids(entity, records)
    errors = [
        RowError(
            line=r.line,
            column=spec.columns.get("customer", "customer"),
            value=r.values["customer"],
            reason="unknown customer account",
        )
        for r in records
        if r.values.get("customer") not in customers
    ]
    errors += [
        RowError(
            line=r.line, column=spec.columns.get("status", "status"), value=r.values["status"], reason="unknown status"
        )
        for r in records
        if r.values.get("status", "open") not in OpenOrder.Status.values
    ]
    _reject_if(errors)
    existing = {
        o.number: o for o in OpenOrder.objects.filter(entity=entity, number__in=[r.values["number"] for r in records])
    }
    written = _rows_progress(progress, "open orders", len(records))
    for done, record in enumerate(records, start=1):
        written(done)
        values = record.values
        currency = values.get("currency", entity.currency)
        fields = {
            "customer": customers[values["customer"]],
            "order_date": values.get("order_date"),
            "expected_ship_date": values.get("expected_ship_date"),
            "amount": quantize(values["amount"], currency),
            "currency": currency,
            "amount_functional": quantize(values["amount"], entity.currency),
            "status": values.get("status", OpenOrder.Status.OPEN),
            "source_file": report.file_name,
            "source_line": record.line,
        }
        order = existing.get(values["number"])
        if order is None:
            OpenOrder.objects.create(entity=entity, number=values["number"], **fields)
            report.created += 1
            continue
        compared = ("customer", "order_date", "expected_ship_date", "amount", "currency", "status")
        before = {k: getattr(order, k) for k in compared if getattr(order, k) != fields[k]}
        if before:
            for key, value in fields.items():
                setattr(order, key, value)
            order.save()
            report.updated += 1
            audit_record(
                actor=user,
                action="open_order.update",
                obj=order,
                customer_id=order.customer_id,
                entity_id=entity.pk,
                before={k: str(v) for k, v in before.items()},
                after={k: str(fields[k]) for k in before},
            )
        else:
            report.unchanged += 1


_HANDLERS = {
    "customers": _import_customers,
    "items": _import_items,
    "payments": _import_payments,
    "allocations": _import_allocations,
    "open_orders": _import_open_orders,
}
