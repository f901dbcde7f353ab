"""The axes a report is cut by: customer, group, entity, region, sales rep, collector, category, currency.

Each dimension says which columns of an item (through its customer) the SQL groups by (ids,
cheap to hash), which labels it reads alongside (one value per group, taken with MAX rather
than grouped on, since sorting text by collation is what made grouping slow), how a result row
becomes a key and a name (the CSV's ``key,name``), the identifier a drill-down URL carries, and
the filter that brings back the items behind a cell. Amounts are in the entity's functional
currency, except along the currency axis (transaction currency).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, F, Max, Q, QuerySet, When
from django.utils.translation import gettext_lazy as _

from encours.core.errors import ValidationFailed
from encours.ledger.models import Category, Customer, Item

Row = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Dimension:
    name: str
    label: Any
    fields: Mapping[str, Any]
    labels: Mapping[str, Any]
    key: Callable[[Row], str]
    title: Callable[[Row], str]
    ident: Callable[[Row], str]
    filter: Callable[[str], Q]
    functional: bool = True

    @property
    def currency_field(self) -> str:
        return "entity__currency" if self.functional else "currency"

    def label_aggregates(self) -> dict[str, Max]:
        return {alias: Max(expression) for alias, expression in self.labels.items()}


def _int_filter(field: str) -> Callable[[str], Q]:
    def build(ident: str) -> Q:
        if not ident.isdigit():
            raise ValidationFailed(f"not an identifier: {ident!r}")
        return Q(**{field: int(ident)})

    return build


def _group_filter(ident: str) -> Q:
    kind, number = ident[:1], ident[1:]
    if kind not in {"g", "c"} or not number.isdigit():
        raise ValidationFailed(f"not a group or customer identifier: {ident!r}")
    return Q(customer__group_id=int(number)) if kind == "g" else Q(customer_id=int(number), customer__group=None)


def _rep_filter(ident: str) -> Q:
    if ident == "none":
        return Q(customer__sales_rep=None)
    return _int_filter("customer__sales_rep_id")(ident)


def _rep_title(row: Row) -> str:
    full = f"{row['rep_first'] or ''} {row['rep_last'] or ''}".strip()
    return full or row["rep_username"] or str(_("(no sales rep)"))


def _collector_filter(ident: str) -> Q:
    if ident == "none":
        return Q(customer__collector=None)
    return _int_filter("customer__collector_id")(ident)


def _collector_title(row: Row) -> str:
    full = f"{row['collector_first'] or ''} {row['collector_last'] or ''}".strip()
    return full or row["collector_username"] or str(_("(no collector)"))


def _solo(field: str) -> Case:
    return Case(When(customer__group__isnull=True, then=F(field)), default=None)


CUSTOMER = Dimension(
    name="customer",
    label=_("Customer"),
    fields={"customer_pk": F("customer_id")},
    labels={"account": F("customer__account_number"), "customer_name": F("customer__name")},
    key=lambda row: row["account"],
    title=lambda row: row["customer_name"],
    ident=lambda row: str(row["customer_pk"]),
    filter=_int_filter("customer_id"),
)
GROUP = Dimension(
    name="group",
    label=_("Customer group"),
    fields={"group_pk": F("customer__group_id"), "solo_pk": _solo("customer_id")},
    labels={
        "group_code": F("customer__group__code"),
        "group_name": F("customer__group__name"),
        "solo_account": _solo("customer__account_number"),
        "solo_name": _solo("customer__name"),
    },
    key=lambda row: row["group_code"] or row["solo_account"],
    title=lambda row: row["group_name"] or row["solo_name"],
    ident=lambda row: f"g{row['group_pk']}" if row["group_pk"] else f"c{row['solo_pk']}",
    filter=_group_filter,
)
ENTITY = Dimension(
    name="entity",
    label=_("Legal entity"),
    fields={"entity_pk": F("entity_id")},
    labels={"siren": F("entity__siren"), "entity_name": F("entity__name")},
    key=lambda row: row["siren"],
    title=lambda row: row["entity_name"],
    ident=lambda row: str(row["entity_pk"]),
    filter=_int_filter("entity_id"),
)
REGION = Dimension(
    name="region",
    label=_("Region"),
    fields={"region": F("customer__region")},
    labels={},
    key=lambda row: row["region"],
    title=lambda row: row["region"] or str(_("(no region)")),
    ident=lambda row: row["region"],
    filter=lambda ident: Q(customer__region=ident),
)
REP = Dimension(
    name="rep",
    label=_("Sales rep"),
    fields={"rep_pk": F("customer__sales_rep_id")},
    labels={
        "rep_username": F("customer__sales_rep__username"),
        "rep_first": F("customer__sales_rep__first_name"),
        "rep_last": F("customer__sales_rep__last_name"),
    },
    key=lambda row: row["rep_username"] or "",
    title=_rep_title,
    ident=lambda row: str(row["rep_pk"]) if row["rep_pk"] else "none",
    filter=_rep_filter,
)
COLLECTOR = Dimension(
    name="collector",
    label=_("Collector"),
    fields={"collector_pk": F("customer__collector_id")},
    labels={
        "collector_username": F("customer__collector__username"),
        "collector_first": F("customer__collector__first_name"),
        "collector_last": F("customer__collector__last_name"),
    },
    key=lambda row: row["collector_username"] or "",
    title=_collector_title,
    ident=lambda row: str(row["collector_pk"]) if row["collector_pk"] else "none",
    filter=_collector_filter,
)
CATEGORY = Dimension(
    name="category",
    label=_("Category"),
    fields={"category": F("customer__category")},
    labels={},
    key=lambda row: row["category"],
    title=lambda row: str(dict(Category.choices).get(row["category"], row["category"])),
    ident=lambda row: row["category"],
    filter=lambda ident: Q(customer__category=ident),
)
CURRENCY = Dimension(
    name="currency",
    label=_("Currency"),
    fields={"item_currency": F("currency")},
    labels={},
    key=lambda row: row["item_currency"],
    title=lambda row: row["item_currency"],
    ident=lambda row: row["item_currency"],
    filter=lambda ident: Q(currency=ident),
    functional=False,
)
TOTAL = Dimension(
    name="total",
    label=_("Total"),
    fields={},
    labels={},
    key=lambda row: "TOTAL",
    title=lambda row: str(_("Total")),
    ident=lambda row: "all",
    filter=lambda ident: Q(),
)

DIMENSIONS: dict[str, Dimension] = {
    d.name: d for d in (CUSTOMER, GROUP, ENTITY, REGION, REP, COLLECTOR, CATEGORY, CURRENCY)
}
COMMAND_DIMENSIONS = ("customer", "group", "entity", "region", "rep", "category", "collector")


def dimension(name: str | None) -> Dimension:
    if not name:
        return TOTAL
    try:
        return DIMENSIONS[name]
    except KeyError:
        raise ValidationFailed(f"unknown dimension {name!r}: choose one of {', '.join(DIMENSIONS)}") from None


def customers_in(dim: Dimension, ident: str, customers: QuerySet[Customer]) -> QuerySet[Customer]:
    """The customers of one group of ``dim`` (a region, a rep, a customer group…) within ``customers``."""
    condition = dim.filter(ident)
    translated = Q()
    for child in condition.children:
        if not isinstance(child, tuple):
            break
        lookup, value = child
        if lookup.startswith("customer__"):
            translated &= Q(**{lookup.removeprefix("customer__"): value})
        elif lookup == "customer_id":
            translated &= Q(pk=value)
        elif lookup == "entity_id":
            translated &= Q(entity_id=value)
        else:
            break
    else:
        return customers.filter(translated)
    # an item-level cut (the currency): the customers with items in it
    return customers.filter(pk__in=Item.objects.filter(condition).values("customer_id"))
