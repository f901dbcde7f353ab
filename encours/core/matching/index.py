"""The lookup structures the matcher builds once per run over customers and open items.

Invoice numbers are indexed three ways (whole, digits, unpadded digit groups) plus a
sorted list for truncated prefixes; customers by IBAN, account number and name; items by
customer and by amount. ``OpenBalances`` tracks what a batch has already applied, so two
lines of one statement never settle the same invoice twice.

>>> from datetime import date
>>> from decimal import Decimal
>>> customers = [Customer(id="C1", account_number="C01001", name="Quincaillerie Fontaine SA",
...                       ibans=("FR76 5987 4717 4292 4741 1667 737",))]
>>> items = [OpenItem(id="I1", customer_id="C1", number="FA2026-01195", open_amount=Decimal("1434.10"),
...                   currency="EUR", due_date=date(2026, 10, 11), document_date=date(2026, 9, 11))]
>>> index = MatchingIndex(customers=customers, items=items)
>>> index.items_by_digits("202601195"), index.customers_by_iban("FR7659874717429247411667737")
(('I1',), frozenset({'C1'}))
"""

from __future__ import annotations

import bisect
import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal

from encours.core.identifiers import normalize_iban
from encours.core.matching.amounts import to_minor
from encours.core.matching.names import NameIndex
from encours.core.matching.refs import NumberKeys, compact, number_keys
from encours.core.matching.values import Allocation, Customer, OpenItem
from encours.core.money import ZERO

_MIN_DIGITS_KEY = 5
_MIN_ACCOUNT_KEY = 4


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk job. It walks every live object,
    and with 200 000 items in memory its runs would take half the time of a matching
    batch, which creates no reference cycles (reference counting frees everything)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class MatchingIndex:
    """Built once from plain values; ``add_iban``/``add_alias`` record what a confirmed
    match taught without a rebuild."""

    def __init__(self, *, customers: Iterable[Customer], items: Iterable[OpenItem]) -> None:
        self.customers: dict[str, Customer] = {}
        self.items: dict[str, OpenItem] = {}
        self.names = NameIndex()
        self._by_iban: dict[str, set[str]] = defaultdict(set)
        self._by_account: dict[str, str] = {}
        self._members: dict[str, set[str]] = defaultdict(set)
        self._by_compact: dict[str, list[str]] = defaultdict(list)
        self._by_digits: dict[str, list[str]] = defaultdict(list)
        self._by_groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
        self._by_rf: dict[str, str] = {}
        self._by_customer: dict[str, list[str]] = defaultdict(list)
        self._by_amount: dict[tuple[str, int], list[str]] | None = None
        self._sorted: tuple[list[str], list[str]] | None = None
        self.keys: dict[str, NumberKeys] = {}
        with collector_paused():
            for customer in customers:
                self._add_customer(customer)
            self._add_items(items)
        self._unsorted: set[str] = set(self._by_customer)

    def _add_customer(self, customer: Customer) -> None:
        self.customers[customer.id] = customer
        self.names.add(customer.id, customer.name)
        for alias in customer.aliases:
            self.names.add(customer.id, alias)
        for iban in customer.ibans:
            self._by_iban[normalize_iban(iban)].add(customer.id)
        account = compact(customer.account_number)
        if len(account) >= _MIN_ACCOUNT_KEY:
            self._by_account[account] = customer.id
        for key in (customer.group_id, customer.parent_id):
            if key:
                self._members[key].add(customer.id)
        if customer.parent_id:
            self._members[customer.parent_id].add(customer.parent_id)

    def _add_items(self, items: Iterable[OpenItem]) -> None:
        # one tight loop: 200 000 items must index in a couple of seconds
        by_id, keys_of, read_keys = self.items, self.keys, number_keys.__wrapped__  # no caching at build
        by_compact, by_digits, by_groups = self._by_compact, self._by_digits, self._by_groups
        by_rf, by_customer = self._by_rf, self._by_customer
        for item in items:
            item_id = item.id
            by_id[item_id] = item
            keys = keys_of[item_id] = read_keys(item.number)
            by_compact[keys.compact].append(item_id)
            if len(keys.digits) >= _MIN_DIGITS_KEY:
                by_digits[keys.digits].append(item_id)
            if len(keys.groups) >= 2:
                by_groups[keys.groups].append(item_id)
            if item.rf_reference:
                by_rf[compact(item.rf_reference)] = item_id
            by_customer[item.customer_id].append(item_id)

    # --- learning ------------------------------------------------------------------

    def add_iban(self, customer_id: str, iban: str) -> None:
        self._by_iban[normalize_iban(iban)].add(customer_id)

    def add_alias(self, customer_id: str, alias: str) -> None:
        self.names.add(customer_id, alias)

    # --- lookups -------------------------------------------------------------------

    def customers_by_iban(self, iban: str) -> frozenset[str]:
        if not iban:
            return frozenset()
        return frozenset(self._by_iban.get(normalize_iban(iban), ()))

    def customer_by_account(self, key: str) -> str | None:
        return self._by_account.get(key)

    def group_scope(self, customer_id: str) -> frozenset[str]:
        """The customer, and the customers of its group: parent and subsidiaries."""
        customer = self.customers.get(customer_id)
        if customer is None:
            return frozenset({customer_id})
        scope = {customer_id}
        for key in (customer.group_id, customer.parent_id, customer_id):
            if key:
                scope |= self._members.get(key, set())
        return frozenset(scope)

    def same_group(self, first: str, second: str) -> bool:
        return first == second or second in self.group_scope(first)

    def items_of(self, customer_id: str) -> tuple[str, ...]:
        """Open items of a customer, oldest due date first (sorted on first use)."""
        ids = self._by_customer.get(customer_id)
        if ids is None:
            return ()
        if customer_id in self._unsorted:
            ids.sort(key=lambda i: (self.items[i].due_date, self.items[i].number))
            self._unsorted.discard(customer_id)
        return tuple(ids)

    def items_by_compact(self, key: str) -> tuple[str, ...]:
        return tuple(self._by_compact.get(key, ()))

    def items_by_digits(self, key: str) -> tuple[str, ...]:
        return tuple(self._by_digits.get(key, ()))

    def items_by_groups(self, key: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(self._by_groups.get(key, ()))

    def item_by_rf(self, reference: str) -> str | None:
        return self._by_rf.get(compact(reference))

    def items_with_amount(self, currency: str, amount: Decimal) -> tuple[str, ...]:
        if self._by_amount is None:
            # built on first use: only lines without payer nor reference ask for it
            self._by_amount = defaultdict(list)
            for item in self.items.values():
                self._by_amount[(item.currency, to_minor(item.receivable, item.currency))].append(item.id)
        return tuple(self._by_amount.get((currency, to_minor(amount, currency)), ()))

    def items_by_prefix(self, prefix: str, *, limit: int) -> tuple[str, ...]:
        """Items whose whole number or digits start with a (truncated) reference; empty when
        more than ``limit`` keys share the prefix, as such a prefix says too little."""
        found: list[str] = []
        if self._sorted is None:
            self._sorted = (sorted(self._by_compact), sorted(self._by_digits))
        for keys, index in ((self._sorted[0], self._by_compact), (self._sorted[1], self._by_digits)):
            start = bisect.bisect_left(keys, prefix)
            end = bisect.bisect_left(keys, prefix + "\uffff")
            if end - start > limit:
                return ()
            for key in keys[start:end]:
                if key != prefix:
                    found.extend(index[key])
        return tuple(dict.fromkeys(found))


class OpenBalances:
    """What remains open on each item during a matching run (the ledger is read once)."""

    def __init__(self, index: MatchingIndex) -> None:
        self._index = index
        self._open: dict[str, Decimal] = {}

    def open_amount(self, item_id: str) -> Decimal:
        remaining = self._open.get(item_id)
        if remaining is None:
            remaining = self._open[item_id] = self._index.items[item_id].open_amount
        return remaining

    def receivable(self, item_id: str) -> Decimal:
        remaining = self.open_amount(item_id)
        return remaining if self._index.items[item_id].kind == "invoice" else -remaining

    def is_open(self, item_id: str) -> bool:
        return self.open_amount(item_id) > ZERO

    def apply(self, allocations: Iterable[Allocation]) -> None:
        for allocation in allocations:
            settled = abs(allocation.amount) + allocation.write_off
            self._open[allocation.item_id] = self.open_amount(allocation.item_id) - settled
