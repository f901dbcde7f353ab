"""Batches of customers or items sent by another system (the API): checked whole, written whole.

Rows are matched on their natural key (account number; item type and number), so sending the
same batch again changes nothing. Any bad row rejects the batch: ``ImportRejected`` carries a
``RowError`` per problem whose ``line`` is the row's 0-based index in the batch.
"""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from encours.accounts.permissions import require
from encours.audit.services import audit_record, audit_record_many
from encours.core import identifiers
from encours.core.bounds import amount_problem
from encours.core.errors import ImportRejected, RowError, ValidationFailed
from encours.core.money import quantize
from encours.core.terms import due_date as compute_due_date
from encours.ledger.models import Customer, ItemType, LegalEntity
from encours.ledger.selectors import customers_for
from encours.ledger.services.changes import ledger_changed
from encours.ledger.services.customers import EDITABLE, customer_change
from encours.ledger.services.upsert import IncomingItem, upsert_items_and_allocations

CUSTOMER_FIELDS = tuple(name for name in EDITABLE if not name.endswith("_id"))
CREDIT_TYPES = (ItemType.CREDIT_NOTE, ItemType.PAYMENT)
_CURRENCY = re.compile(r"^[A-Z]{3}$")
RACED = "another request wrote some of these rows at the same time: nothing written, send the batch again"


@dataclass(frozen=True, slots=True)
class BatchCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True, slots=True)
class ItemRow:
    """An item as another system sends it: a positive amount, the customer's account number."""

    type: str
    number: str
    customer: str
    document_date: date
    amount: Decimal
    due_date: date | None = None
    currency: str = ""
    amount_functional: Decimal | None = None
    reference: str = ""
    label: str = ""


# --- customers ----------------------------------------------------------------------------------


def customers_upsert(*, entity: LegalEntity, rows: Sequence[Mapping[str, Any]], user: Any) -> BatchCounts:
    """Create or update customers by account number; an empty value keeps the stored one."""
    require(user, "ledger.import", entity=entity)
    wanted = [_customer_values(row) for row in rows]
    numbers = [values["account_number"] for values in wanted]
    existing = {c.account_number: c for c in Customer.objects.filter(entity=entity, account_number__in=numbers)}
    errors = _customer_errors(entity, wanted, existing, user)
    if errors:
        raise ImportRejected(errors)
    try:
        with transaction.atomic():
            return _customers_write(entity, wanted, existing, user)
    except IntegrityError:  # the unique account number per entity: a concurrent batch created one first
        raise ValidationFailed(RACED) from None


def _customer_values(row: Mapping[str, Any]) -> dict[str, Any]:
    values = {
        name: value.strip() if isinstance(value, str) else value
        for name, value in row.items()
        if name in ("account_number", *CUSTOMER_FIELDS)
    }
    values = {name: value for name, value in values.items() if value not in ("", None) or name == "account_number"}
    for name in ("siren", "siret"):
        if name in values:
            values[name] = values[name].replace(" ", "")
    if "naf_code" in values:
        with contextlib.suppress(ValueError):  # left as sent: the model's validator names the problem
            values["naf_code"] = identifiers.normalize_naf(values["naf_code"])
    values.setdefault("account_number", "")
    return values


def _customer_errors(
    entity: LegalEntity, wanted: Sequence[dict[str, Any]], existing: dict[str, Customer], user: Any
) -> list[RowError]:
    visible = set(customers_for(user).filter(pk__in=[c.pk for c in existing.values()]).values_list("pk", flat=True))
    first_index: dict[str, int] = {}
    errors: list[RowError] = []
    for index, values in enumerate(wanted):
        number = values["account_number"]
        customer = existing.get(number)
        if number in first_index:
            errors.append(
                RowError(
                    line=index,
                    column="account_number",
                    value=number,
                    reason=f"already sent at index {first_index[number]}",
                )
            )
            continue
        first_index[number] = index
        if customer is not None and customer.pk not in visible:
            errors.append(
                RowError(line=index, column="account_number", value=number, reason="a customer outside your portfolio")
            )
            continue
        errors.extend(_model_errors(index, entity, customer, values))
    return errors


def _model_errors(index: int, entity: LegalEntity, customer: Customer | None, values: dict[str, Any]) -> list[RowError]:
    """The model's own validators (SIREN key, NAF, category, lengths…) on the customer as it would become."""
    candidate = copy.copy(customer) if customer is not None else Customer(entity=entity)
    for name, value in values.items():
        setattr(candidate, name, value)
    try:
        candidate.full_clean(
            exclude=["entity", "group", "sales_rep", "collector"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        with translation.override("en"):  # read by the sending program's developers, like the rest of the API
            return [
                RowError(line=index, column=name, value=str(values.get(name, "")), reason=_reason(name, messages))
                for name, messages in exc.message_dict.items()
            ]
    return []


def _reason(name: str, messages: list[str]) -> str:
    choices = Customer._meta.get_field(name).choices if name in CUSTOMER_FIELDS else None
    allowed = f" (one of {', '.join(str(value) for value, _ in choices)})" if choices else ""
    return " ".join(str(message) for message in messages) + allowed


def _customers_write(
    entity: LegalEntity, wanted: Sequence[dict[str, Any]], existing: dict[str, Customer], user: Any
) -> BatchCounts:
    created: list[tuple[Customer, dict[str, Any]]] = []
    updated = unchanged = 0
    for values in wanted:
        customer = existing.get(values["account_number"])
        if customer is None:
            customer = Customer.objects.create(entity=entity, **values)
            ledger_changed("customers")
            created.append((customer, values))
            continue
        changes = {name: value for name, value in values.items() if getattr(customer, name) != value}
        if changes:
            customer_change(customer=customer, user=user, **changes)
        updated += bool(changes)
        unchanged += not changes
    audit_record_many(
        {
            "actor": user,
            "action": "customer.create",
            "obj": customer,
            "customer_id": customer.pk,
            "entity_id": entity.pk,
            "after": values,
            "note": "created through the API",
        }
        for customer, values in created
    )
    return BatchCounts(created=len(created), updated=updated, unchanged=unchanged)


# --- items --------------------------------------------------------------------------------------


def items_upsert(*, entity: LegalEntity, rows: Sequence[ItemRow], user: Any) -> BatchCounts:
    """Create or update items by (type, number); credit notes and payments are stored as credits."""
    require(user, "ledger.import", entity=entity)
    customers = {
        c.account_number: c
        for c in customers_for(user)
        .filter(entity=entity, account_number__in={row.customer for row in rows})
        .select_related("entity")
    }
    incoming: list[IncomingItem] = []
    errors: list[RowError] = []
    first_index: dict[tuple[str, str], int] = {}
    for index, row in enumerate(rows):
        key = (row.type, row.number.strip())
        if key in first_index:
            errors.append(
                RowError(
                    line=index, column="number", value=row.number, reason=f"already sent at index {first_index[key]}"
                )
            )
            continue
        first_index[key] = index
        item, row_errors = _incoming_item(index, row, entity, customers.get(row.customer))
        errors.extend(row_errors)
        if item is not None:
            incoming.append(item)
    if errors:
        raise ImportRejected(errors)
    try:
        with transaction.atomic():
            report = upsert_items_and_allocations(
                entity=entity, items=incoming, allocations=[], source="api", source_file="api", actor=user
            )
            counts = BatchCounts(report.items_created, report.items_updated, report.items_unchanged)
            if counts.created or counts.updated:  # updates are audited item by item, the batch once
                audit_record(
                    actor=user, action="import.api_items", obj=entity, entity_id=entity.pk, after=asdict(counts)
                )
    except IntegrityError:  # the unique (entity, type, number): a concurrent batch created one first
        raise ValidationFailed(RACED) from None
    return counts


def _incoming_item(
    index: int, row: ItemRow, entity: LegalEntity, customer: Customer | None
) -> tuple[IncomingItem | None, list[RowError]]:
    errors = _item_identity_errors(index, row, customer)
    currency = (row.currency or entity.currency).upper()
    amount_errors, amount, functional = _item_amounts(index, row, currency, entity.currency)
    errors += amount_errors
    if errors or customer is None:
        return None, errors
    credit = row.type in CREDIT_TYPES
    due = row.due_date or (
        row.document_date if credit else compute_due_date(row.document_date, customer.payment_terms())
    )
    if due < row.document_date:
        return None, [
            RowError(line=index, column="due_date", value=str(due), reason="due date before the document date")
        ]
    sign = -1 if credit else 1
    item = IncomingItem(
        type=row.type,
        number=row.number.strip(),
        customer_id=customer.pk,
        document_date=row.document_date,
        due_date=due,
        amount=sign * amount,
        currency=currency,
        amount_functional=sign * functional,
        label=row.label[:200],
        reference=row.reference[:140],
    )
    return item, []


def _item_identity_errors(index: int, row: ItemRow, customer: Customer | None) -> list[RowError]:
    errors = []
    if row.type not in ItemType.values:
        errors.append(
            RowError(
                line=index,
                column="type",
                value=row.type,
                reason=f"unknown item type (one of {', '.join(ItemType.values)})",
            )
        )
    number = row.number.strip()
    if not number or len(number) > 60:
        errors.append(RowError(line=index, column="number", value=row.number, reason="required, at most 60 characters"))
    if customer is None:
        errors.append(RowError(line=index, column="customer", value=row.customer, reason="unknown customer account"))
    return errors


def _item_amounts(
    index: int, row: ItemRow, currency: str, functional_currency: str
) -> tuple[list[RowError], Decimal, Decimal]:
    """The amount in its currency and in the entity's, both positive and quantised, or the errors."""
    if not _CURRENCY.match(currency):
        return (
            [
                RowError(
                    line=index, column="currency", value=row.currency, reason="not an ISO 4217 code (three letters)"
                )
            ],
            Decimal(0),
            Decimal(0),
        )
    errors = []
    amount = _positive(index, "amount", row.amount, currency, errors)
    if currency == functional_currency:
        if row.amount_functional is not None and row.amount_functional != row.amount:
            errors.append(
                RowError(
                    line=index,
                    column="amount_functional",
                    value=str(row.amount_functional),
                    reason=f"differs from amount in {currency}",
                )
            )
        return errors, amount, amount
    if row.amount_functional is None:
        errors.append(
            RowError(line=index, column="amount_functional", value="", reason=f"required for an amount in {currency}")
        )
        return errors, amount, Decimal(0)
    functional = _positive(index, "amount_functional", row.amount_functional, functional_currency, errors)
    return errors, amount, functional


def _positive(index: int, field: str, value: Decimal, currency: str, errors: list[RowError]) -> Decimal:
    problem = amount_problem(value, currency)
    if problem:
        errors.append(RowError(line=index, column=field, value=str(value), reason=problem))
    elif value <= 0:
        errors.append(
            RowError(
                line=index, column=field, value=str(value), reason="must be positive (credits are sent positive too)"
            )
        )
    else:
        return quantize(value, currency)
    return Decimal(0)
