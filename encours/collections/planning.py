"""Read the ledger and the collections tables into the dunning planner's plain values.

One query per kind of row (customers, contacts, open items, history, promises, payments,
disputes), whatever the number of customers: the planner itself is pure Python
(``encours.core.dunning.planner``). A customer's ``timing_shift_days`` moves its invoices' due
dates for the planner only (a positive shift chases later), never the penalties.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from encours import contracts
from encours.collections.models import (
    CustomerDunning,
    DunningScenario,
    ExecutedStep,
    PenaltyRate,
    Promise,
)
from encours.core.dunning import planner as core
from encours.core.dunning.penalties import PenaltyRegime, PenaltyTerms, RateEntry, RateTable
from encours.core.dunning.penalty_rates import ECB_MRO_RATES, LEGAL_RATES_PROFESSIONALS, HalfYear
from encours.core.dunning.promises import PromisePayment, PromiseToPay
from encours.core.money import quantize
from encours.ledger.models import Allocation, Contact, Customer, Item

PROMISE_LOOKBACK_DAYS = 400


def scenarios_load() -> tuple[core.Scenario, ...]:
    """The active scenarios as the planner reads them (the shipped defaults when none)."""
    rows = DunningScenario.objects.filter(is_active=True).prefetch_related("steps").order_by("pk")
    scenarios = []
    for row in rows:
        steps = tuple(
            core.Step(
                code=s.code,
                order=s.order,
                offset_days=s.offset_days,
                channel=core.Channel(s.channel),
                template_code=s.template_code,
                action=core.StepAction(s.action),
                min_amount=quantize(s.min_amount, "EUR"),
            )
            for s in row.steps.all()
        )
        if steps:
            scenarios.append(core.Scenario(code=row.code, name=row.name, categories=tuple(row.categories), steps=steps))
    return tuple(scenarios) or core.DEFAULT_SCENARIOS


def rate_tables() -> tuple[RateTable, RateTable]:
    """The MRO and legal-rate tables from the database (the core's tables when empty)."""
    entries: dict[str, list[RateEntry]] = {"mro": [], "legal": []}
    for rate in PenaltyRate.objects.all():
        entries[rate.table].append(
            RateEntry(half_year=HalfYear.parse(rate.half_year), rate_pct=rate.rate_pct, source=rate.source)
        )
    mro = RateTable(name=ECB_MRO_RATES.name, entries=tuple(entries["mro"])) if entries["mro"] else ECB_MRO_RATES
    legal = (
        RateTable(name=LEGAL_RATES_PROFESSIONALS.name, entries=tuple(entries["legal"]))
        if entries["legal"]
        else LEGAL_RATES_PROFESSIONALS
    )
    return mro, legal


def dunning_settings(currency: str = "EUR") -> core.DunningSettings:
    mro, legal = rate_tables()
    return core.DunningSettings(functional_currency=currency, mro_rates=mro, legal_rates=legal)


def penalty_terms_for(category: str) -> PenaltyTerms:
    if category == "public":
        return PenaltyTerms(regime=PenaltyRegime.PUBLIC_PROCUREMENT)
    return PenaltyTerms()


def disputed_by_item(*, as_of: date, item_ids: Any = None) -> dict[int, Decimal]:
    """Disputed amount per invoice from the disputes app (nothing disputed without it)."""
    return dict(contracts.disputed_amounts(as_of=as_of, item_ids=item_ids) or {})


@dataclass
class PlanInputs:
    as_of: date
    customers: list[core.DunningCustomer]
    items: list[core.OpenItem]
    history: list[core.ExecutedStep]
    promises: list[PromiseToPay]
    payments: list[PromisePayment]
    scenarios: tuple[core.Scenario, ...]
    settings: core.DunningSettings


def plan_inputs(*, as_of: date, customers: QuerySet[Customer]) -> PlanInputs:
    overrides = {
        row.customer_id: row
        for row in CustomerDunning.objects.filter(customer__in=customers).select_related("scenario")
    }
    contacts: dict[int, list[core.Contact]] = defaultdict(list)
    for c in Contact.objects.filter(customer__in=customers).values(
        "id", "customer_id", "name", "email", "phone", "is_dunning_contact"
    ):
        contacts[c["customer_id"]].append(
            core.Contact(
                contact_id=c["id"],
                name=c["name"],
                email=c["email"],
                phone=c["phone"],
                is_dunning_contact=c["is_dunning_contact"],
            )
        )
    dunning_customers, shifts = [], {}
    for row in customers.values("id", "name", "category", "language", "address", "city"):
        override = overrides.get(row["id"])
        shifts[row["id"]] = override.timing_shift_days if override else 0
        dunning_customers.append(
            core.DunningCustomer(
                customer_id=row["id"],
                name=row["name"],
                category=row["category"],
                language=row["language"] or "fr",
                contacts=tuple(contacts.get(row["id"], ())),
                has_postal_address=bool(row["address"] and row["city"]),
                override=_override(override),
                penalty_terms=penalty_terms_for(row["category"]),
            )
        )
    open_items = Item.objects.filter(customer__in=customers).open().exclude(open_amount=0)
    disputed = disputed_by_item(as_of=as_of, item_ids=open_items.open_debits().values("id"))
    items = [
        core.OpenItem(
            item_id=r["id"],
            customer_id=r["customer_id"],
            number=r["number"],
            document_date=r["document_date"],
            due_date=r["due_date"] + timedelta(days=shifts.get(r["customer_id"], 0)),
            open_amount=r["open_amount"],
            currency=r["currency"],
            open_amount_functional=r["open_amount"] * r["fx_rate"],
            disputed_amount=min(disputed.get(r["id"], Decimal(0)), max(r["open_amount"], 0)),
        )
        for r in open_items.filter(document_date__lte=as_of).values(
            "id", "customer_id", "number", "document_date", "due_date", "open_amount", "currency", "fx_rate"
        )
    ]
    history = [
        core.ExecutedStep(item_id=r[0], scenario_code=r[1], step_code=r[2], executed_on=r[3], skipped=r[4])
        for r in ExecutedStep.objects.filter(item__in=open_items.values("id")).values_list(
            "item_id", "scenario_code", "step_code", "executed_on", "skipped"
        )
    ]
    promises, payments = promise_inputs(as_of=as_of, customers=customers)
    currency = _functional_currency(customers)
    return PlanInputs(
        as_of, dunning_customers, items, history, promises, payments, scenarios_load(), dunning_settings(currency)
    )


def _override(row: CustomerDunning | None) -> core.DunningOverride:
    if row is None:
        return core.DunningOverride()
    return core.DunningOverride(
        scenario_code=row.scenario.code if row.scenario_id else None,
        paused_until=row.paused_until,
        preferred_contact_id=row.preferred_contact_id,
        language=row.language or None,
    )


def _functional_currency(customers: QuerySet[Customer]) -> str:
    currencies = set(customers.order_by().values_list("entity__currency", flat=True).distinct()[:2])
    return currencies.pop() if len(currencies) == 1 else "EUR"


def promise_inputs(*, as_of: date, customers: QuerySet[Customer]) -> tuple[list[PromiseToPay], list[PromisePayment]]:
    """Recent promises (any status: failed ones make dunning resume) and the cash on their invoices."""
    rows = list(
        Promise.objects.filter(
            customer__in=customers,
            created_on__lte=as_of,
            promised_date__gte=as_of - timedelta(days=PROMISE_LOOKBACK_DAYS),
        ).prefetch_related("items")
    )
    promises = [promise_value(row) for row in rows if row.items.all()]
    item_ids = {item_id for promise in promises for item_id in promise.item_ids}
    payments = [
        PromisePayment(item_id=debit_id, received_on=on, amount=amount)
        for debit_id, on, amount in Allocation.objects.filter(debit_id__in=item_ids, date__lte=as_of).values_list(
            "debit_id", "date", "amount"
        )
    ]
    return promises, payments


def promise_value(row: Promise) -> PromiseToPay:
    return PromiseToPay(
        promise_id=row.pk,
        customer_id=row.customer_id,
        amount=row.amount,
        promised_date=row.promised_date,
        item_ids=tuple(item.pk for item in row.items.all()),
        created_on=row.created_on,
        grace_days=row.grace_days,
        currency=row.currency,
    )


def plan_for(
    *,
    as_of: date,
    customers: QuerySet[Customer],
    excluded_customer_ids: Any = (),
    excluded_item_ids: Any = (),
) -> core.DunningPlan:
    inputs = plan_inputs(as_of=as_of, customers=customers)
    return core.plan_dunning(
        as_of=as_of,
        customers=inputs.customers,
        items=inputs.items,
        history=inputs.history,
        promises=inputs.promises,
        promise_payments=inputs.payments,
        scenarios=inputs.scenarios,
        excluded_customer_ids=excluded_customer_ids,
        excluded_item_ids=excluded_item_ids,
        settings=inputs.settings,
    )


def run_customers(*, entity_id: int | None = None, base: QuerySet[Customer] | None = None) -> QuerySet[Customer]:
    customers = base if base is not None else Customer.objects.all()
    return customers.filter(Q(entity_id=entity_id) if entity_id else Q())
