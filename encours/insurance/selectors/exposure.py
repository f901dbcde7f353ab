"""Exposure against cover per buyer, for a whole portfolio in a handful of queries.

Exposure = open AR on the date (functional currency, credits net) + open orders (open or
delivered, ordered on or before the date). Cover = the granted amount of the latest decision
effective on or before the date, unless it is a refusal or a cancellation or has expired
by then (``encours.core.insurance.cover_on``). The declaration deadline is that of the
oldest overdue invoice open on the date: its original due date + the policy's days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import F, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from encours.core.insurance import buyer_outside_policy, uncovered_exposure
from encours.core.money import ZERO, quantize
from encours.insurance.models import CoverDecision, InsurancePolicy
from encours.ledger.models import Customer, ItemType, OpenOrder
from encours.ledger.queries import overdue_on_q
from encours.ledger.sql import MONEY, Rounder, fetch, functional, items_open_on, money_sum

OPEN_ORDER_STATUSES = (OpenOrder.Status.OPEN, OpenOrder.Status.DELIVERED)


@dataclass(frozen=True, slots=True)
class BuyerExposure:
    customer_id: int
    account_number: str
    name: str
    entity_id: int
    currency: str
    outstanding: Decimal
    open_orders: Decimal
    overdue: Decimal
    cover: Decimal
    decision: CoverDecision | None
    policy: InsurancePolicy | None
    oldest_overdue_due: date | None
    declaration_deadline: date | None
    outside_policy: str = ""  # why the policy gives this buyer no cover (country, category)

    @property
    def exposure(self) -> Decimal:
        return self.outstanding + self.open_orders

    @property
    def uncovered(self) -> Decimal:
        return uncovered_exposure(exposure=self.exposure, cover=self.cover)

    @property
    def usage(self) -> Decimal | None:
        return self.exposure / self.cover if self.cover > 0 else None


def latest_decision_ids(*, customers: QuerySet[Customer], as_of: date) -> dict[int, int]:
    """customer id → id of its latest decision effective on or before ``as_of``."""
    latest = CoverDecision.objects.filter(customer=OuterRef("pk"), effective_on__lte=as_of).order_by(
        "-effective_on", "-decided_on", "-pk"
    )
    rows = customers.annotate(decision_id=Subquery(latest.values("pk")[:1])).filter(decision_id__isnull=False)
    return dict(rows.values_list("pk", "decision_id"))


def cover_of(decision: CoverDecision | None, as_of: date, *, outside_policy: str = "") -> Decimal:
    """The decision's cover on the date; 0 for a buyer outside the policy's countries or categories."""
    if decision is None or not decision.gives_cover or outside_policy:
        return ZERO
    if decision.expires_on is not None and decision.expires_on < as_of:
        return ZERO
    return quantize(decision.granted_amount, decision.currency)


def policies_in_force(*, entity_ids: Iterable[int], as_of: date) -> dict[int, InsurancePolicy]:
    """entity id → its policy in force on the date (latest start), for buyers without a decision."""
    policies = InsurancePolicy.objects.filter(entity_id__in=set(entity_ids), start_date__lte=as_of).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=as_of)
    )
    found: dict[int, InsurancePolicy] = {}
    for policy in policies.order_by("entity_id", "-start_date", "-pk"):
        found.setdefault(policy.entity_id, policy)
    return found


def _receivables(customers: QuerySet[Customer], as_of: date) -> dict[int, dict[str, Any]]:
    open_items = items_open_on(customers=customers, as_of=as_of)
    overdue = overdue_on_q(as_of)
    rows = (
        open_items.values("customer_id")
        .annotate(
            outstanding=money_sum(functional(F("open_on"))),
            overdue=money_sum(functional(F("open_on")), filter=overdue),
            oldest_due=Min("due_date", filter=overdue & Q(type=ItemType.INVOICE)),
        )
        .order_by()
    )
    return {row["customer_id"]: row for row in fetch(rows)}


def _open_orders(customers: QuerySet[Customer], as_of: date) -> dict[int, Decimal]:
    rows = (
        OpenOrder.objects.filter(customer__in=customers, status__in=OPEN_ORDER_STATUSES)
        .filter(Q(order_date__isnull=True) | Q(order_date__lte=as_of))
        .values("customer_id")
        .annotate(total=Coalesce(Sum("amount_functional"), ZERO, output_field=MONEY))
        .order_by()
    )
    return {row["customer_id"]: row["total"] for row in fetch(rows)}


def buyer_exposures(*, customers: QuerySet[Customer], as_of: date, include_idle: bool = False) -> list[BuyerExposure]:
    """Every buyer with exposure or a decision, by account number; ``include_idle`` keeps the rest."""
    receivables = _receivables(customers, as_of)
    orders = _open_orders(customers, as_of)
    decision_ids = latest_decision_ids(customers=customers, as_of=as_of)
    decisions = CoverDecision.objects.in_bulk(list(decision_ids.values()))
    wanted = set(receivables) | set(orders) | set(decision_ids)
    rows = customers.values(
        "pk", "account_number", "name", "entity_id", "entity__currency", "country", "category"
    ).order_by("account_number", "pk")
    people = list(rows)
    policies = policies_in_force(entity_ids={row["entity_id"] for row in people}, as_of=as_of)
    policy_by_id = {p.pk: p for p in policies.values()}
    missing = {d.policy_id for d in decisions.values()} - set(policy_by_id)
    policy_by_id.update(InsurancePolicy.objects.in_bulk(list(missing)))
    round_to = Rounder()
    result = []
    for row in people:
        if not include_idle and row["pk"] not in wanted:
            continue
        money = receivables.get(row["pk"], {})
        decision = decisions.get(decision_ids.get(row["pk"], 0))
        policy = policy_by_id.get(decision.policy_id) if decision else policies.get(row["entity_id"])
        oldest = money.get("oldest_due")
        deadline = oldest + timedelta(days=policy.declaration_deadline_days) if oldest and policy else None
        currency = row["entity__currency"]
        outside = _outside(policy, row)
        result.append(
            BuyerExposure(
                customer_id=row["pk"],
                account_number=row["account_number"],
                name=row["name"],
                entity_id=row["entity_id"],
                currency=currency,
                outstanding=round_to(Decimal(money.get("outstanding", ZERO)), currency),
                open_orders=round_to(Decimal(orders.get(row["pk"], ZERO)), currency),
                overdue=round_to(Decimal(money.get("overdue", ZERO)), currency),
                cover=cover_of(decision, as_of, outside_policy=outside),
                decision=decision,
                policy=policy,
                oldest_overdue_due=oldest,
                declaration_deadline=deadline,
                outside_policy=outside,
            )
        )
    return result


def _outside(policy: InsurancePolicy | None, row: dict[str, Any]) -> str:
    if policy is None:
        return ""
    return buyer_outside_policy(
        country=row["country"],
        category=row["category"],
        covered_countries=policy.covered_countries,
        covered_categories=policy.covered_categories,
    )


@dataclass(frozen=True, slots=True)
class PortfolioTotals:
    buyers: int
    exposure: Decimal
    cover: Decimal
    uncovered: Decimal
    covered_buyers: int
    over_cover: int


def portfolio_totals(rows: Iterable[BuyerExposure]) -> PortfolioTotals:
    rows = list(rows)
    return PortfolioTotals(
        buyers=len(rows),
        exposure=sum((r.exposure for r in rows), ZERO),
        cover=sum((r.cover for r in rows), ZERO),
        uncovered=sum((r.uncovered for r in rows), ZERO),
        covered_buyers=sum(1 for r in rows if r.cover > 0),
        over_cover=sum(1 for r in rows if r.cover > 0 and r.uncovered > 0),
    )
