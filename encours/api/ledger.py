"""Customers and items: list/filter/get scoped like the UI, and bulk upserts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from encours.accounts.permissions import can
from encours.core.errors import EncoursError, ImportRejected
from encours.core.money import quantize
from encours.core.terms import due_date as compute_due_date
from encours.ledger import selectors
from encours.ledger.models import Customer, ItemType, LegalEntity
from encours.ledger.services.customers import customer_update, customers_ensure
from encours.ledger.services.upsert import IncomingItem, upsert_items_and_allocations

router = Router(tags=["ledger"])


class CustomerOut(Schema):
    id: int
    entity: str = Field(..., alias="entity.siren")
    account_number: str
    name: str
    siren: str
    group: str | None = Field(None, alias="group.code")
    category: str
    region: str
    naf_code: str
    sales_rep: str | None = Field(None, alias="sales_rep.username")
    terms_days: int | None
    is_strategic: bool
    is_blocked: bool
    open_ar: Decimal | None = None
    overdue: Decimal | None = None


class CustomerFilter(Schema):
    q: str = ""
    entity: str = ""
    category: str = ""
    region: str = ""
    overdue_only: bool = False
    limit: int = Field(100, le=1000)
    offset: int = 0


class ItemOut(Schema):
    id: int
    entity: str = Field(..., alias="entity.siren")
    customer: str = Field(..., alias="customer.account_number")
    type: str
    number: str
    document_date: date
    due_date: date
    amount: Decimal
    currency: str
    open_amount: Decimal
    settled_on: date | None
    reference: str


class ItemFilter(Schema):
    customer: str = ""
    entity: str = ""
    type: str = ""
    open_only: bool = False
    due_before: date | None = None
    limit: int = Field(100, le=1000)
    offset: int = 0


class CustomerIn(Schema):
    account_number: str
    name: str
    siren: str = ""
    category: str = ""
    region: str = ""
    naf_code: str = ""
    terms_days: int | None = None
    language: str = ""


class CustomerBulkIn(Schema):
    entity: str
    customers: list[CustomerIn]


class ItemIn(Schema):
    type: str = ItemType.INVOICE
    number: str
    customer: str
    document_date: date
    due_date: date | None = None
    amount: Decimal = Field(..., description="positive; credit notes and payments are stored as credits")
    currency: str = "EUR"
    reference: str = ""
    label: str = ""


class ItemBulkIn(Schema):
    entity: str
    items: list[ItemIn]


class BulkOut(Schema):
    created: int
    updated: int
    unchanged: int


class ErrorOut(Schema):
    detail: str
    errors: list[dict] = []


def _entity_for_write(request: HttpRequest, siren: str) -> LegalEntity:
    if not can(request.user, "ledger.import"):
        raise Http404("not found")
    entity = selectors.entities_for(request.user).filter(siren=siren).first()
    if entity is None:
        raise Http404("unknown entity")
    return entity


@router.get("/customers", response=list[CustomerOut])
def list_customers(request: HttpRequest, filters: Query[CustomerFilter]):
    entity_id = None
    if filters.entity:
        entity_id = (
            selectors.entities_for(request.user).filter(siren=filters.entity).values_list("id", flat=True).first() or -1
        )
    customers = selectors.customer_list(
        user=request.user,
        filters=selectors.CustomerFilters(
            q=filters.q,
            entity=entity_id,
            category=filters.category,
            region=filters.region,
            overdue_only=filters.overdue_only,
            sort="account",
        ),
        as_of=timezone.localdate(),
    )
    return customers[filters.offset : filters.offset + filters.limit]


@router.get("/customers/{int:customer_id}", response=CustomerOut)
def get_customer(request: HttpRequest, customer_id: int):
    customer = selectors.customer_get(user=request.user, pk=customer_id)
    summary = selectors.customer_summary(customer=customer, as_of=timezone.localdate())
    customer.open_ar, customer.overdue = summary.open_ar, summary.overdue
    return customer


@router.get("/items", response=list[ItemOut])
def list_items(request: HttpRequest, filters: Query[ItemFilter]):
    items = selectors.items_for(request.user).select_related("entity", "customer")
    if filters.customer:
        items = items.filter(customer__account_number=filters.customer)
    if filters.entity:
        items = items.filter(entity__siren=filters.entity)
    if filters.type:
        items = items.filter(type=filters.type)
    if filters.open_only:
        items = items.filter(settled_on__isnull=True)
    if filters.due_before:
        items = items.filter(due_date__lt=filters.due_before)
    return items.order_by("id")[filters.offset : filters.offset + filters.limit]


@router.get("/items/{int:item_id}", response=ItemOut)
def get_item(request: HttpRequest, item_id: int):
    return get_object_or_404(selectors.items_for(request.user).select_related("entity", "customer"), pk=item_id)


@router.post("/customers/bulk", response={200: BulkOut, 400: ErrorOut})
def upsert_customers(request: HttpRequest, payload: CustomerBulkIn):
    entity = _entity_for_write(request, payload.entity)
    updated = unchanged = 0
    known = set(Customer.objects.filter(entity=entity).values_list("account_number", flat=True))
    try:
        with transaction.atomic():
            refs, created = customers_ensure(
                entity=entity,
                accounts={c.account_number: c.name for c in payload.customers},
                user=request.user,
                source="api",
            )
            for incoming in payload.customers:
                customer = Customer.objects.get(pk=refs[incoming.account_number].id)
                changes = {
                    k: v
                    for k, v in incoming.dict(exclude={"account_number"}).items()
                    if v not in ("", None) and getattr(customer, k) != v
                }
                if changes:
                    customer_update(customer=customer, user=request.user, **changes)
                updated += int(bool(changes) and incoming.account_number in known)
                unchanged += int(not changes and incoming.account_number in known)
    except (EncoursError, ValidationError) as exc:  # an invalid customer rolls the whole batch back
        return 400, {"detail": str(exc)}
    return {"created": created, "updated": updated, "unchanged": unchanged}


@router.post("/items/bulk", response={200: BulkOut, 400: ErrorOut})
def upsert_items(request: HttpRequest, payload: ItemBulkIn):
    entity = _entity_for_write(request, payload.entity)
    wanted = {i.customer for i in payload.items}
    customers = {
        c.account_number: c
        for c in Customer.objects.filter(entity=entity, account_number__in=wanted).select_related("entity")
    }
    errors = []
    incoming = []
    for index, item in enumerate(payload.items):
        customer = customers.get(item.customer)
        if customer is None or item.type not in ItemType.values or item.amount <= 0:
            reason = (
                "unknown customer"
                if customer is None
                else ("unknown type" if item.type not in ItemType.values else "amount must be positive")
            )
            errors.append({"index": index, "number": item.number, "reason": reason})
            continue
        sign = -1 if item.type in (ItemType.CREDIT_NOTE, ItemType.PAYMENT) else 1
        amount = quantize(sign * item.amount, item.currency)
        due = item.due_date or (
            compute_due_date(item.document_date, customer.payment_terms()) if sign > 0 else item.document_date
        )
        incoming.append(
            IncomingItem(
                type=item.type,
                number=item.number,
                customer_id=customer.pk,
                document_date=item.document_date,
                due_date=due,
                amount=amount,
                currency=item.currency,
                amount_functional=amount,
                label=item.label,
                reference=item.reference,
            )
        )
    if errors:
        return 400, {"detail": f"{len(errors)} invalid item(s): nothing written", "errors": errors}
    try:
        with transaction.atomic():
            report = upsert_items_and_allocations(
                entity=entity, items=incoming, allocations=[], source="api", source_file="api", actor=request.user
            )
    except (EncoursError, ImportRejected) as exc:
        return 400, {"detail": str(exc)}
    return {"created": report.items_created, "updated": report.items_updated, "unchanged": report.items_unchanged}
