"""Reads of the ledger, always scoped by the user who asks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import (
    DecimalField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from encours.accounts.models import Role
from encours.accounts.permissions import can
from encours.ledger.models import Allocation, Customer, CustomerBlock, Item, LegalEntity, OpenOrder
from encours.ledger.queries import FUNCTIONAL_OPEN, functional_open_by_customer, not_due_q, overdue_q, unapplied_q

MONEY = DecimalField(max_digits=20, decimal_places=3)
ZERO = Value(Decimal(0), output_field=MONEY)


def entities_for(user: Any) -> QuerySet[LegalEntity]:
    if not user.is_authenticated:
        return LegalEntity.objects.none()
    if user.sees_all_entities:
        return LegalEntity.objects.all()
    return LegalEntity.objects.filter(users=user)


def import_refusal(*, user: Any, siren: str) -> str | None:
    """Why this user may not upload a file into the legal entity with this SIREN (None: they may).

    A user imports only into the entities they belong to; only an admin may create an entity by
    importing a file. Web uploads only: the command line is the operator's tool."""
    if user is None or not can(user, "ledger.import"):
        return _("You may not import files.")
    if user.is_admin:
        return None
    if not LegalEntity.objects.filter(siren=siren).exists():
        return _(
            "There is no legal entity with SIREN %(siren)s: only an administrator may create one by importing "
            "a file. Nothing was imported."
        ) % {"siren": siren}
    if not entities_for(user).filter(siren=siren).exists():
        return _("You do not belong to legal entity %(siren)s: you may not import into it. Nothing was imported.") % {
            "siren": siren
        }
    return None


def customers_for(user: Any) -> QuerySet[Customer]:
    """The customers a user may see: their entities, then their portfolio or region."""
    if not user.is_authenticated or not user.is_active:
        return Customer.objects.none()
    customers = Customer.objects.all()
    if not user.sees_all_entities:
        customers = customers.filter(entity__in=user.entities.all())
    if user.is_admin:
        return customers
    if user.role == Role.SALES_REP:
        return customers.filter(sales_rep=user)
    if user.role == Role.REGIONAL_DIRECTOR:
        return customers.filter(region=user.region) if user.region else customers.none()
    if user.role == Role.DEPARTMENT:
        return customers.none()
    return customers


def customer_get(*, user: Any, pk: int) -> Customer:
    customer = customers_for(user).select_related("entity", "group", "sales_rep", "collector").filter(pk=pk).first()
    if customer is None:
        raise Http404("customer not found")
    return customer


def blocks_for(user: Any) -> QuerySet[CustomerBlock]:
    return CustomerBlock.objects.filter(customer__in=customers_for(user))


def block_get(*, user: Any, pk: int) -> CustomerBlock:
    block = blocks_for(user).select_related("customer").filter(pk=pk).first()
    if block is None:
        raise Http404("block not found")
    return block


def blocks_of(*, customer: Customer) -> list[CustomerBlock]:
    """The customer's blocks, active first then the lifted ones, newest first."""
    return sorted(customer.blocks.all(), key=lambda b: (not b.is_active, -b.blocked_at.timestamp(), -b.pk))


def items_for(user: Any) -> QuerySet[Item]:
    return Item.objects.filter(customer__in=customers_for(user))


SORTS = {
    "name": "name",
    "-name": "-name",
    "account": "account_number",
    "-account": "-account_number",
    "open": "open_ar",
    "-open": "-open_ar",
    "overdue": "overdue",
    "-overdue": "-overdue",
    "region": "region",
    "-region": "-region",
    "category": "category",
    "-category": "-category",
}


@dataclass(frozen=True, slots=True)
class CustomerFilters:
    q: str = ""
    entity: int | None = None
    group: int | None = None
    category: str = ""
    region: str = ""
    sales_rep: int | None = None
    overdue_only: bool = False
    blocked_only: bool = False
    sort: str = "-overdue"


def customer_list(*, user: Any, filters: CustomerFilters, as_of: date) -> QuerySet[Customer]:
    """Customers in scope with their open AR and overdue amount (current ledger state)."""
    customers = customers_for(user).select_related("entity", "group", "sales_rep")
    if filters.q:
        q = filters.q.strip()
        customers = customers.filter(
            Q(name__icontains=q)
            | Q(account_number__icontains=q)
            | Q(siren__startswith=q.replace(" ", ""))
            | Q(group__name__icontains=q)
        )
    exact = {
        "entity_id": filters.entity,
        "group_id": filters.group,
        "category": filters.category,
        "region": filters.region,
        "sales_rep_id": filters.sales_rep,
    }
    customers = customers.filter(**{k: v for k, v in exact.items() if v})
    if filters.blocked_only:
        customers = customers.filter(is_blocked=True)
    of_customer = Item.objects.filter(customer=OuterRef("pk"))
    customers = customers.annotate(
        open_ar=functional_open_by_customer(of_customer.open()),
        overdue=functional_open_by_customer(of_customer.overdue(as_of)),
    )
    if filters.overdue_only:
        customers = customers.filter(overdue__gt=0)
    return customers.order_by(SORTS.get(filters.sort, "-overdue"), "name")


@dataclass(frozen=True, slots=True)
class CustomerSummary:
    open_ar: Decimal
    overdue: Decimal
    not_due: Decimal
    unapplied: Decimal
    open_orders: Decimal
    exposure: Decimal
    oldest_due: date | None


def customer_summary(*, customer: Customer, as_of: date) -> CustomerSummary:
    open_items = customer.items.open()
    totals = open_items.aggregate(
        open_ar=Coalesce(Sum(FUNCTIONAL_OPEN), ZERO),
        overdue=Coalesce(Sum(FUNCTIONAL_OPEN, filter=overdue_q(as_of)), ZERO),
        not_due=Coalesce(Sum(FUNCTIONAL_OPEN, filter=not_due_q(as_of)), ZERO),
        unapplied=Coalesce(Sum(FUNCTIONAL_OPEN, filter=unapplied_q()), ZERO),
    )
    orders = OpenOrder.objects.filter(
        customer=customer, status__in=[OpenOrder.Status.OPEN, OpenOrder.Status.DELIVERED]
    ).aggregate(total=Coalesce(Sum("amount_functional"), ZERO))["total"]
    oldest = open_items.open_debits().order_by("due_date").values_list("due_date", flat=True).first()
    return CustomerSummary(
        open_ar=totals["open_ar"],
        overdue=totals["overdue"],
        not_due=totals["not_due"],
        unapplied=totals["unapplied"],
        open_orders=orders,
        exposure=totals["open_ar"] + orders,
        oldest_due=oldest,
    )


def open_items(*, customer: Customer) -> QuerySet[Item]:
    return customer.items.open().order_by("due_date", "number")


def paid_items(*, customer: Customer, limit: int = 100) -> QuerySet[Item]:
    return Item.objects.filter(customer=customer, settled_on__isnull=False, amount__gt=0).order_by("-settled_on")[
        :limit
    ]


def allocations_of(*, customer: Customer, limit: int = 100) -> QuerySet[Allocation]:
    return (
        Allocation.objects.filter(debit__customer=customer)
        .select_related("debit", "credit")
        .order_by("-date", "-id")[:limit]
    )


def open_orders_of(*, customer: Customer) -> QuerySet[OpenOrder]:
    return (
        OpenOrder.objects.filter(customer=customer)
        .exclude(status__in=["invoiced", "cancelled"])
        .order_by("expected_ship_date")
    )


def regions_for(user: Any) -> list[str]:
    return list(customers_for(user).exclude(region="").values_list("region", flat=True).distinct().order_by("region"))


def sales_reps_for(user: Any) -> QuerySet[Any]:
    from django.contrib.auth import get_user_model

    rep_ids = customers_for(user).exclude(sales_rep=None).values("sales_rep_id").distinct()
    return get_user_model().objects.filter(pk__in=rep_ids).order_by("last_name", "first_name")
