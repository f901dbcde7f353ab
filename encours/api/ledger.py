"""Customers and items: list/filter/get scoped like the UI, and bulk upserts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from encours.accounts.permissions import can
from encours.api.params import Limit, Offset
from encours.core.errors import EncoursError, ImportRejected, PermissionDenied
from encours.ledger import selectors
from encours.ledger.models import CustomerGroup, ItemType, LegalEntity
from encours.ledger.services import batches
from encours.ledger.services import blocks as block_services

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
    q: str = Field("", description="name, account number, SIREN (prefix) or group name")
    entity: str = Field("", description="SIREN of the legal entity")
    group: str = Field("", description="customer group code")
    category: str = ""
    region: str = ""
    sales_rep: str = Field("", description="username of the sales rep")
    overdue_only: bool = False
    blocked_only: bool = False
    limit: Limit = 100
    offset: Offset = 0


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
    customer: str = Field("", description="account number of the customer")
    customer_id: int | None = None
    entity: str = Field("", description="SIREN of the legal entity")
    type: str = ""
    open_only: bool = False
    due_before: date | None = Field(None, description="due strictly before this date")
    due_after: date | None = Field(None, description="due strictly after this date")
    limit: Limit = 100
    offset: Offset = 0


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
    amount_functional: Decimal | None = Field(
        None, description="the amount in the entity's currency; required when currency is another one"
    )
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


class RowErrorOut(Schema):
    index: int = Field(..., description="0-based position of the row in the batch")
    field: str
    value: str
    reason: str


class CustomerRowErrorOut(RowErrorOut):
    account_number: str


class ItemRowErrorOut(RowErrorOut):
    type: str
    number: str


class CustomerBulkErrorOut(Schema):
    detail: str
    errors: list[CustomerRowErrorOut] = []


class ItemBulkErrorOut(Schema):
    detail: str
    errors: list[ItemRowErrorOut] = []


def _entity_for_write(request: HttpRequest, siren: str) -> LegalEntity:
    if not can(request.user, "ledger.import"):
        raise HttpError(403, "your role may not write customers or items")
    entity = selectors.entities_for(request.user).filter(siren=siren).first()
    if entity is None:
        raise Http404("unknown entity")
    return entity


def _id_matching(queryset: QuerySet, **lookup: str) -> int | None:
    """The id of the one row a filter names, -1 (matches nothing) if unknown, None if no filter."""
    if not any(lookup.values()):
        return None
    return queryset.filter(**lookup).values_list("id", flat=True).first() or -1


def _rejected(exc: ImportRejected, keys: list[dict[str, str]]) -> dict:
    """Each bad row with its index, natural key and field; the detail names the first one."""
    errors = [
        {"index": e.line, "field": e.column, "value": e.value, "reason": e.reason, **keys[e.line]} for e in exc.errors
    ]
    first = errors[0]
    key = ", ".join(f"{name} {first[name]}" for name in keys[first["index"]])
    return {
        "detail": f"{len(errors)} invalid row(s), nothing written; first: row {first['index']} ({key}), "
        f"{first['field']}: {first['reason']}",
        "errors": errors,
    }


@router.get("/customers", response=list[CustomerOut])
def list_customers(request: HttpRequest, filters: Query[CustomerFilter]):
    customers = selectors.customer_list(
        user=request.user,
        filters=selectors.CustomerFilters(
            q=filters.q,
            entity=_id_matching(selectors.entities_for(request.user), siren=filters.entity),
            group=_id_matching(CustomerGroup.objects.all(), code=filters.group),
            category=filters.category,
            region=filters.region,
            sales_rep=_id_matching(get_user_model().objects.all(), username=filters.sales_rep),
            overdue_only=filters.overdue_only,
            blocked_only=filters.blocked_only,
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
    if filters.customer_id:
        items = items.filter(customer_id=filters.customer_id)
    if filters.entity:
        items = items.filter(entity__siren=filters.entity)
    if filters.type:
        items = items.filter(type=filters.type)
    if filters.open_only:
        items = items.open()
    if filters.due_before:
        items = items.due(before=filters.due_before)
    if filters.due_after:
        items = items.filter(due_date__gt=filters.due_after)
    return items.order_by("id")[filters.offset : filters.offset + filters.limit]


@router.get("/items/{int:item_id}", response=ItemOut)
def get_item(request: HttpRequest, item_id: int):
    return get_object_or_404(selectors.items_for(request.user).select_related("entity", "customer"), pk=item_id)


@router.post("/customers/bulk", response={200: BulkOut, 400: CustomerBulkErrorOut, 403: ErrorOut})
def upsert_customers(request: HttpRequest, payload: CustomerBulkIn):
    """Create or update customers by account number, all or nothing; an empty field keeps the stored value."""
    entity = _entity_for_write(request, payload.entity)
    try:
        counts = batches.customers_upsert(entity=entity, rows=[c.dict() for c in payload.customers], user=request.user)
    except ImportRejected as exc:
        return Status(400, _rejected(exc, [{"account_number": c.account_number} for c in payload.customers]))
    except (EncoursError, ValidationError) as exc:
        return Status(400, {"detail": str(exc)})
    return counts


@router.post("/items/bulk", response={200: BulkOut, 400: ItemBulkErrorOut, 403: ErrorOut})
def upsert_items(request: HttpRequest, payload: ItemBulkIn):
    """Create or update items by type and number, all or nothing; amounts are sent positive."""
    entity = _entity_for_write(request, payload.entity)
    try:
        counts = batches.items_upsert(
            entity=entity, rows=[batches.ItemRow(**i.dict()) for i in payload.items], user=request.user
        )
    except ImportRejected as exc:
        return Status(400, _rejected(exc, [{"type": i.type, "number": i.number} for i in payload.items]))
    except EncoursError as exc:
        return Status(400, {"detail": str(exc)})
    return counts


class BlockOut(Schema):
    id: int
    customer_id: int
    reason: str = Field(..., description="dunning, insolvency, committee or manual")
    detail: str
    source: str
    lift_below: Decimal | None = Field(None, description="dunning: lifted automatically below this overdue amount")
    blocked_on: date
    blocked_by: str = Field(..., alias="blocked_by_label")
    active: bool = Field(..., alias="is_active")
    lifted_at: datetime | None
    lifted_by: str = Field(..., alias="lifted_by_label")
    lift_reason: str
    lifted_automatically: bool


class BlockIn(Schema):
    reason: str = Field(..., description="why the customer is blocked (required)")


class LiftIn(Schema):
    reason: str = Field(..., description="why the block is lifted (required)")


@router.get("/customers/{int:customer_id}/blocks", response=list[BlockOut])
def list_blocks(request: HttpRequest, customer_id: int):
    """The customer's blocks, active first, with who set and who lifted each."""
    return selectors.blocks_of(customer=selectors.customer_get(user=request.user, pk=customer_id))


@router.post("/customers/{int:customer_id}/blocks", response={200: BlockOut, 400: ErrorOut, 403: ErrorOut})
def block_customer(request: HttpRequest, customer_id: int, payload: BlockIn):
    """Block the customer by hand (a manual block), saying why."""
    customer = selectors.customer_get(user=request.user, pk=customer_id)
    try:
        return block_services.customer_block(customer=customer, by=request.user, reason=payload.reason)
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc)})
    except EncoursError as exc:
        return Status(400, {"detail": str(exc)})


@router.post("/blocks/{int:block_id}/lift", response={200: BlockOut, 400: ErrorOut, 403: ErrorOut})
def lift_block(request: HttpRequest, block_id: int, payload: LiftIn):
    """Lift one block, saying why: a dunning block by a credit manager or a collector, a manual or committee
    block by a credit manager, an insolvency block by a credit manager."""
    block = selectors.block_get(user=request.user, pk=block_id)
    try:
        return block_services.block_lift(block=block, by=request.user, reason=payload.reason)
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc)})
    except EncoursError as exc:
        return Status(400, {"detail": str(exc)})
