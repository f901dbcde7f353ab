"""The basis of a policy's premium for a period, in one grouped query.

Turnover: invoices and credit notes dated in the period (functional currency) of the buyers the
policy covers (its countries and categories). Outstanding: their open receivables at the end of
the period. Flat: the annual flat premium, one twelfth a month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet

from encours.core.insurance import code_list
from encours.core.money import ZERO, quantize
from encours.insurance.models import InsurancePolicy
from encours.ledger.models import Customer, Item, ItemType
from encours.ledger.sql import functional, items_open_on, money_sum

TURNOVER_TYPES = (ItemType.INVOICE, ItemType.CREDIT_NOTE)
MONTHS_A_YEAR = 12


@dataclass(frozen=True, slots=True)
class PremiumBasis:
    policy: InsurancePolicy
    period_start: date
    period_end: date
    basis: str
    base_amount: Decimal
    rate: Decimal
    premium: Decimal
    buyers: int  # insured buyers with an amount in the basis
    excluded_buyers: int  # buyers outside the policy's countries or categories with such an amount
    excluded_amount: Decimal

    @property
    def rate_percent(self) -> Decimal:
        return self.rate * 100


def covered_filter(policy: InsurancePolicy) -> Q:
    """Customers inside the policy's countries and categories (an empty list covers all)."""
    condition = Q()
    countries, categories = code_list(policy.covered_countries), code_list(policy.covered_categories)
    if countries:
        condition &= Q(country__in=sorted(countries))
    if categories:
        condition &= Q(category__in=sorted(c.lower() for c in categories))
    return condition


def _split(items: QuerySet[Item], amount: object, policy: InsurancePolicy) -> dict[bool, tuple[Decimal, int]]:
    covered = Customer.objects.filter(entity=policy.entity).filter(covered_filter(policy)).values("pk")
    inside = Q(customer_id__in=covered)
    row = items.aggregate(
        inside_amount=money_sum(amount, filter=inside),
        outside_amount=money_sum(amount, filter=~inside),
        inside_buyers=Count("customer_id", distinct=True, filter=inside),
        outside_buyers=Count("customer_id", distinct=True, filter=~inside),
    )
    return {
        True: (Decimal(row["inside_amount"]), row["inside_buyers"]),
        False: (Decimal(row["outside_amount"]), row["outside_buyers"]),
    }


def premium_basis(*, policy: InsurancePolicy, period_start: date, period_end: date) -> PremiumBasis:
    """The premium of ``policy`` for the period: its basis amount × the policy's rate."""
    customers = Customer.objects.filter(entity=policy.entity)
    basis = policy.premium_basis
    if basis == InsurancePolicy.PremiumBasis.OUTSTANDING:
        items = items_open_on(customers=customers, as_of=period_end)
        split = _split(items, functional(F("open_on")), policy)
    else:
        items = Item.objects.filter(
            customer__in=customers, type__in=TURNOVER_TYPES, document_date__range=(period_start, period_end)
        )
        split = _split(items, functional(F("amount")), policy)
    (inside, buyers), (outside, excluded) = split[True], split[False]
    currency = policy.currency
    if basis == InsurancePolicy.PremiumBasis.FLAT:
        base, rate = policy.flat_premium, ZERO
        premium = quantize(policy.flat_premium / MONTHS_A_YEAR, currency)
    else:
        base, rate = quantize(inside, currency), policy.premium_rate
        premium = quantize(max(ZERO, base) * rate, currency)
    return PremiumBasis(
        policy, period_start, period_end, basis, base, rate, premium, buyers, excluded, quantize(outside, currency)
    )
