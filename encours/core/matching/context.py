"""What the matching rules share: the line's context, how a set of items is settled
(exactly, with a fee or discount written off, partially in due-date order, with a
remainder on account), the bounded combination search, and the words of the reasons.

>>> round(support_bonus(payer_confidence=0.97, partial=False), 3)
0.03
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from encours.core.formats.bank import BankLine
from encours.core.matching.amounts import AmountFit, find_subsets, to_minor
from encours.core.matching.evidence import Evidence, PayerHit
from encours.core.matching.index import MatchingIndex, OpenBalances
from encours.core.matching.values import Allocation, MatchingConfig, Proposal, WriteOffReason
from encours.core.money import ZERO, format_amount, quantize

_MAX_CREDIT_NOTES = 3
_MAX_LISTED = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    line: BankLine
    index: MatchingIndex
    balances: OpenBalances
    config: MatchingConfig
    evidence: Evidence
    deadline: float
    _open_items: dict[str, list[str]] = field(default_factory=dict)
    _nodes_spent: list[int] = field(default_factory=lambda: [0])

    @property
    def paid(self) -> Decimal:
        return self.line.amount

    def early(self, item_ids: Iterable[str]) -> bool:
        """Booked in time for an early-payment discount on every item."""
        booked = self.line.booking_date or self.line.value_date
        if booked is None:
            return False
        grace = timedelta(days=self.config.discount_grace_days)
        return all(booked <= self.index.items[i].due_date + grace for i in item_ids)

    def open_items(self, customer_id: str) -> list[str]:
        """The customer's open items in the line's currency, oldest due first (cached for
        the line: balances only change between lines)."""
        cached = self._open_items.get(customer_id)
        if cached is None:
            currency, items, balances = self.line.currency, self.index.items, self.balances
            cached = [
                i for i in self.index.items_of(customer_id) if items[i].currency == currency and balances.is_open(i)
            ]
            self._open_items[customer_id] = cached
        return cached

    def number(self, item_id: str) -> str:
        return self.index.items[item_id].number

    def money(self, amount: Decimal) -> str:
        return format_amount(amount, self.line.currency, lang="en")


def clamp(confidence: float) -> float:
    return round(min(0.995, max(0.0, confidence)), 3)


def support_bonus(*, payer_confidence: float, partial: bool) -> float:
    """A payer identified as the items' customer (or its group) confirms a reference; it
    matters more when the amount does not."""
    if payer_confidence < 0.8:
        return 0.0
    return (0.07 if partial else 0.03) * min(1.0, payer_confidence / 0.97)


# --- allocations ---------------------------------------------------------------------


def _full(ctx: Context, item_ids: Iterable[str]) -> list[Allocation]:
    return [
        Allocation(
            item_id=i,
            customer_id=ctx.index.items[i].customer_id,
            item_number=ctx.number(i),
            amount=ctx.balances.receivable(i),
        )
        for i in item_ids
    ]


def _with_write_off(ctx: Context, item_ids: list[str], fit: AmountFit) -> list[Allocation]:
    """Close every item; the fee goes on the largest invoice, a discount on each invoice
    pro rata (the last one taking the rounding)."""
    allocations = _full(ctx, item_ids)
    invoices = [k for k, a in enumerate(allocations) if a.amount > ZERO]
    if fit.kind == "early_payment_discount":
        shares = [quantize(allocations[k].amount * fit.discount_percent / Decimal(100)) for k in invoices]
        shares[-1] += fit.difference - sum(shares, ZERO)
        if all(ZERO <= s <= allocations[k].amount for s, k in zip(shares, invoices, strict=True)):
            return [_write(a, shares[invoices.index(k)]) if k in invoices else a for k, a in enumerate(allocations)]
    largest = max(invoices, key=lambda k: allocations[k].amount)
    return [_write(a, fit.difference) if k == largest else a for k, a in enumerate(allocations)]


def _write(allocation: Allocation, write_off: Decimal) -> Allocation:
    return Allocation(
        item_id=allocation.item_id,
        customer_id=allocation.customer_id,
        item_number=allocation.item_number,
        amount=allocation.amount - write_off,
        write_off=write_off,
    )


def _in_order(ctx: Context, item_ids: list[str], paid: Decimal) -> tuple[list[Allocation], Decimal]:
    """Credit notes first (they add to the cash), then invoices oldest first, the last one
    partially; what is left stays unapplied."""
    ordered = sorted(item_ids, key=lambda i: (ctx.index.items[i].kind == "invoice", ctx.index.items[i].due_date))
    left = paid
    allocations = []
    for item_id in ordered:
        receivable = ctx.balances.receivable(item_id)
        amount = receivable if receivable < ZERO else min(receivable, left)
        if amount == ZERO:
            break
        left -= amount
        item = ctx.index.items[item_id]
        allocations.append(
            Allocation(item_id=item_id, customer_id=item.customer_id, item_number=item.number, amount=amount)
        )
    return allocations, left


def build(
    ctx: Context,
    item_ids: list[str],
    fit: AmountFit,
    *,
    confidence: float,
    rule: str,
    reasons: list[str],
    customer_id: str = "",
) -> Proposal:
    unapplied = ZERO
    reason: WriteOffReason = ""
    if fit.kind in ("bank_fee", "early_payment_discount"):
        allocations = _with_write_off(ctx, item_ids, fit)
        reason = fit.kind
    elif fit.kind == "partial":
        allocations, unapplied = _in_order(ctx, item_ids, ctx.paid)
    else:
        allocations = _full(ctx, item_ids)
        unapplied = ctx.paid - sum((a.amount for a in allocations), ZERO)
    customers = {a.customer_id for a in allocations}
    if not customer_id:
        payer = ctx.evidence.payers[0].customer_id if ctx.evidence.payers else ""
        customer_id = customers.pop() if len(customers) == 1 else payer or allocations[0].customer_id
    return Proposal(
        customer_id=customer_id,
        allocations=tuple(allocations),
        unapplied=unapplied,
        confidence=clamp(confidence),
        rule=rule,
        reason="; ".join(reasons),
        write_off_reason=reason,
    )


def describe_fit(ctx: Context, fit: AmountFit, count: int) -> str:
    what = "open amount" if count == 1 else f"total of the {count} open items"
    if fit.kind == "exact":
        return f"amount equals {what}"
    if fit.kind == "bank_fee":
        return f"bank fee of {ctx.money(fit.difference)} deducted from {what}"
    if fit.kind == "early_payment_discount":
        return f"early-payment discount of {fit.discount_percent}% ({ctx.money(fit.difference)}) taken on {what}"
    if fit.kind == "partial":
        return f"partial payment, {ctx.money(fit.difference)} stays open"
    return f"{ctx.money(-fit.difference)} more than {what}, kept on account"


def listed(ctx: Context, item_ids: list[str]) -> str:
    numbers = [ctx.number(i) for i in item_ids[:_MAX_LISTED]]
    more = f" and {len(item_ids) - _MAX_LISTED} more" if len(item_ids) > _MAX_LISTED else ""
    return ", ".join(numbers) + more


def payer_support(ctx: Context, item_ids: list[str]) -> PayerHit | None:
    """The strongest payer hit on the items' customers or their group."""
    owners = {ctx.index.items[i].customer_id for i in item_ids}
    for hit in ctx.evidence.payers:
        if any(ctx.index.same_group(hit.customer_id, owner) for owner in owners):
            return hit
    return None


def payer_conflict(ctx: Context, item_ids: list[str]) -> PayerHit | None:
    """A payer identified (known IBAN, account number, exact name) as a customer outside
    the items' group, when none of the payer hits is inside it."""
    owners = {ctx.index.items[i].customer_id for i in item_ids}
    if payer_support(ctx, item_ids) is not None:
        return None
    for hit in ctx.evidence.payers:
        strong = hit.confidence >= 0.9 and hit.via in ("iban", "account", "name")
        if strong and not any(ctx.index.same_group(hit.customer_id, owner) for owner in owners):
            return hit
    return None


def customer_label(ctx: Context, customer_id: str) -> str:
    customer = ctx.index.customers.get(customer_id)
    return f"{customer_id} {customer.name}" if customer else customer_id


def combination_values(ctx: Context, item_ids: list[str]) -> tuple[list[str], list[int]]:
    """Open invoices of a set as (ids, minor-unit amounts), capped to the oldest ones."""
    invoices = [i for i in item_ids if ctx.index.items[i].kind == "invoice"]
    invoices = invoices[: ctx.config.subset_max_items]
    return invoices, [to_minor(ctx.balances.receivable(i), ctx.line.currency) for i in invoices]


def combinations(
    ctx: Context,
    item_ids: list[str],
    low: Decimal,
    high: Decimal,
    *,
    limit: int = 2,
    max_size: int = 0,
    max_nodes: int = 0,
) -> tuple[list[list[str]], bool]:
    """Sets of open invoices, possibly less one credit note, whose total lies in [low, high];
    the flag says the search was exhaustive. Every search of a line draws on one budget of
    ``subset_max_nodes`` steps and ``subset_max_milliseconds``."""
    invoices, values = combination_values(ctx, item_ids)
    credit_notes = [i for i in item_ids if ctx.index.items[i].kind == "credit_note"][-_MAX_CREDIT_NOTES:]
    found: list[list[str]] = []
    complete = True
    for used in ([], *([c] for c in credit_notes)):
        budget = ctx.config.subset_max_nodes - ctx._nodes_spent[0]
        if budget <= 0:
            return found, False
        credit = sum((ctx.balances.open_amount(c) for c in used), ZERO)
        search = find_subsets(
            values,
            low=to_minor(low + credit, ctx.line.currency),
            high=to_minor(high + credit, ctx.line.currency),
            max_size=min(max_size or ctx.config.subset_max_size, ctx.config.subset_max_size),
            max_nodes=min(max_nodes or budget, budget),
            max_seconds=max(0.0, ctx.deadline - time.perf_counter()),
            limit=limit,
            min_size=1 if used else 2,  # one invoice less a credit note is a combination too
        )
        ctx._nodes_spent[0] += search.nodes
        complete = complete and search.complete
        found += [[invoices[k] for k in solution] + used for solution in search.solutions]
        if len(found) >= limit:
            break
    return found, complete
