"""Opening entries (à-nouveaux) of a FEC linked to the previous year's items (issue 16).

A FEC's opening entries carry last year's open items forward: one line per item (often under
a piece of their own, ``RAN2026``, the item named in the label) or one balance per customer.
While the previous year is not imported, each such line is an open item (``is_opening``): a
year imported alone shows its opening balances. Once the previous year is known, the opening
line stands for that year's items still open on the opening date, and is replaced by them:

1. a line is the item of the same customer with the same open amount whose number is its
   piece or is named in its label; else 2. the item of the same customer with that amount;
3. what is left of a customer's opening lines must add up to what is left of its open items
   (a warning names the difference, and the lines then stay as they are).

Allocations made to an opening line (next year's receipts lettered with it) go to the items it
stands for, oldest due first. The same matching runs whichever year is imported first: when
the later year comes first, its opening lines are items until the earlier year arrives, and
are then merged into that year's items; importing years in any order gives one ledger.

>>> from decimal import Decimal as D
>>> shares, warnings = match_openings(
...     [Opening("O1", 1, D("360"), "RAN2026", "Report FA7")],
...     [Predecessor(7, ("invoice", "FA7"), 1, D("360"), "FA7"), Predecessor(8, ("invoice", "FA8"), 1, D("0"), "FA8")],
...     names={1: "C1"},
... )
>>> [(p.number, amount) for p, amount in shares["O1"]], warnings
([('FA7', Decimal('360'))], [])
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum

from encours.audit.services import audit_record_many
from encours.ledger.models import Allocation, FecPeriod, Item, LegalEntity
from encours.ledger.services.bulk import chunks
from encours.ledger.services.items import items_refresh_open

ENTRY = "entry"
ZERO = Decimal(0)
# a year's last entries are often before its last day: a period ending within this many days of
# an opening date counts as the year before it
PERIOD_SLACK = timedelta(days=31)


@dataclass(frozen=True, slots=True)
class Opening:
    ref: Hashable  # the item's key in a file, or its id in the database
    customer_id: int
    amount: Decimal  # signed: a debit balance is positive
    piece: str
    label: str


@dataclass(frozen=True, slots=True)
class Predecessor:
    id: int
    key: tuple[str, str]
    customer_id: int
    open_at: Decimal  # signed open amount on the opening date
    number: str


Shares = dict[Hashable, list[tuple[Predecessor, Decimal]]]


def match_openings(
    openings: Sequence[Opening], predecessors: Sequence[Predecessor], *, names: dict[int, str], on: date | None = None
) -> tuple[Shares, list[str]]:
    """Which previous-year items (and how much of each) every opening line stands for.
    Lines left out of the result stay items of their own."""
    by_customer: dict[int, list[Predecessor]] = defaultdict(list)
    for predecessor in predecessors:
        if predecessor.open_at:
            by_customer[predecessor.customer_id].append(predecessor)
    lines: dict[int, list[Opening]] = defaultdict(list)
    for opening in openings:
        lines[opening.customer_id].append(opening)
    shares: Shares = {}
    warnings: list[str] = []
    for customer_id, own in lines.items():
        candidates = by_customer.get(customer_id, [])
        if not candidates:
            continue  # nothing of this customer was open: a new customer's balance, or an unknown year
        remaining = {p.id: p.open_at for p in candidates}
        rest = []
        for opening in own:
            found = _same_piece(opening, candidates, remaining) or _same_amount(opening, candidates, remaining)
            if found is None:
                rest.append(opening)
                continue
            remaining[found.id] = ZERO
            shares[opening.ref] = [(found, opening.amount.copy_abs())]
        if not rest:
            continue
        wanted = sum((o.amount for o in rest), ZERO)
        left = sum(remaining.values(), ZERO)
        if wanted != left:
            day = f" on {on.isoformat()}" if on else ""
            warnings.append(
                f"customer {names.get(customer_id, customer_id)}: opening balance{day} {wanted:.2f}, previous "
                f"year's open items {left:.2f}: difference {wanted - left:.2f}; the opening lines are kept as items"
            )
            continue
        for opening in rest:
            sign = 1 if opening.amount > 0 else -1
            shares[opening.ref] = [(p, remaining[p.id].copy_abs()) for p in candidates if remaining[p.id] * sign > 0]
    return shares, warnings


def _same_piece(opening: Opening, candidates: list[Predecessor], remaining: dict[int, Decimal]) -> Predecessor | None:
    for p in candidates:
        if remaining[p.id] == opening.amount and p.number and (p.number == opening.piece or p.number in opening.label):
            return p
    return None


def _same_amount(opening: Opening, candidates: list[Predecessor], remaining: dict[int, Decimal]) -> Predecessor | None:
    return next((p for p in candidates if remaining[p.id] == opening.amount), None)


def split_allocations(
    amounts: Iterable[Decimal], shares: list[tuple[Predecessor, Decimal]]
) -> Iterator[tuple[int, Predecessor | None, Decimal]]:
    """(index of the allocation, item it goes to, amount): allocations in their order use the
    items' open amounts oldest first; what exceeds them comes out with no item."""
    left = [amount for _, amount in shares]
    position = 0
    for index, amount in enumerate(amounts):
        while amount > 0 and position < len(shares):
            take = min(amount, left[position])
            if take > 0:
                yield index, shares[position][0], take
                amount -= take
                left[position] -= take
            if left[position] <= 0:
                position += 1
        if amount > 0:
            yield index, None, amount


def previous_year_known(entity: LegalEntity, on: date) -> bool:
    """A FEC imported for the entity ends on the eve of ``on`` (within PERIOD_SLACK)."""
    return FecPeriod.objects.filter(
        entity=entity, first_date__lt=on, last_date__gte=on - timedelta(days=1) - PERIOD_SLACK
    ).exists()


def predecessors(entity: LegalEntity, customer_ids: Iterable[int], on: date) -> list[Predecessor]:
    """Items of these customers dated before ``on`` and still open on it, oldest due first;
    the opening lines dated ``on`` themselves excluded."""
    rows: list[dict[str, Any]] = []
    for part in chunks(sorted(set(customer_ids))):
        rows += (
            Item.objects.filter(entity=entity, customer_id__in=part, document_date__lt=on)
            .filter(~Q(open_amount=0) | Q(settled_on__gte=on))
            .exclude(is_opening=True, entry__startswith=f"{on:%Y%m%d}|")
            .values("id", "type", "number", "entry", "customer_id", "amount", "due_date", "document_date")
        )
    ids = [row["id"] for row in rows]
    before: dict[int, Decimal] = defaultdict(Decimal)
    for part in chunks(ids):
        earlier = Allocation.objects.filter(date__lt=on)
        for pk, total in earlier.filter(debit_id__in=part).values_list("debit_id").annotate(Sum("amount")):
            before[pk] -= total
        for pk, total in earlier.filter(credit_id__in=part).values_list("credit_id").annotate(Sum("amount")):
            before[pk] += total
    rows.sort(key=lambda row: (row["due_date"], row["document_date"], row["id"]))
    return [
        Predecessor(
            row["id"],
            (ENTRY, row["entry"]) if row["entry"] else (row["type"], row["number"]),
            row["customer_id"],
            row["amount"] + before.get(row["id"], ZERO),
            row["number"],
        )
        for row in rows
    ]


@dataclass(slots=True)
class Merged:
    openings: int = 0
    warnings: list[str] | None = None


def merge_known_openings(entity: LegalEntity, first: date, last: date, actor: Any, names: dict[int, str]) -> Merged:
    """After a FEC covering ``first``–``last`` is written: the opening lines already stored
    whose previous year it is are replaced by its items (their allocations moved to them)."""
    result = Merged(warnings=[])
    days = (
        Item.objects.filter(entity=entity, is_opening=True)
        .exclude(entry__startswith=f"{first:%Y%m%d}|")
        .values_list("entry", flat=True)
    )
    dates = set()
    for entry in days:
        with_date = _entry_date(entry)
        if with_date and first < with_date <= last + timedelta(days=1) + PERIOD_SLACK:
            dates.add(with_date)
    for on in sorted(dates):
        result.openings += _merge_on(entity, on, actor, names, result.warnings)
    return result


def _entry_date(entry: str) -> date | None:
    try:
        return date(int(entry[0:4]), int(entry[4:6]), int(entry[6:8]))
    except ValueError:
        return None


def _merge_on(entity: LegalEntity, on: date, actor: Any, names: dict[int, str], warnings: list[str]) -> int:
    stored = list(
        Item.objects.filter(entity=entity, is_opening=True, entry__startswith=f"{on:%Y%m%d}|").order_by(
            "source_line", "id"
        )
    )
    openings = [Opening(o.id, o.customer_id, o.amount, o.reference, o.label) for o in stored]
    shares, found = match_openings(
        openings, predecessors(entity, {o.customer_id for o in stored}, on), names=names, on=on
    )
    warnings += found
    if not shares:
        return 0
    merged = [o for o in stored if o.id in shares]
    moved = list(
        Allocation.objects.filter(Q(debit_id__in=shares) | Q(credit_id__in=shares))
        .select_related("debit", "credit")
        .order_by("date", "id")
    )
    touched: set[int] = set()
    pairs: dict[tuple[int, int], Allocation] = {}
    for opening in merged:
        own = [a for a in moved if opening.id in (a.debit_id, a.credit_id)]
        own.sort(key=lambda a: (a.date, _other(a, opening.id).source_line or 0, _other(a, opening.id).number))
        for index, predecessor, amount in split_allocations((a.amount for a in own), shares[opening.id]):
            allocation = own[index]
            other = _other(allocation, opening.id)
            touched.add(other.id)
            if predecessor is None:
                warnings.append(
                    f"customer {names.get(opening.customer_id, opening.customer_id)}: {amount} allocated to the "
                    f"opening balance of {on.isoformat()} exceeds the previous year's open items: not carried"
                )
                continue
            touched.add(predecessor.id)
            pair = (predecessor.id, other.id) if opening.amount > 0 else (other.id, predecessor.id)
            _add_pair(pairs, pair, amount, allocation)
    Allocation.objects.filter(pk__in=[a.pk for a in moved]).delete()
    _write_pairs(pairs)
    Item.objects.filter(pk__in=[o.id for o in merged]).delete()
    items_refresh_open(touched)
    audit_record_many(
        {
            "actor": actor,
            "action": "item.delete",
            "object_type": "ledger.item",
            "object_id": o.id,
            "object_repr": f"{o.type} {o.number}",
            "customer_id": o.customer_id,
            "entity_id": entity.pk,
            "before": {"amount": o.amount, "entry": o.entry},
            "note": "opening balance: the previous year's items it carries are imported",
        }
        for o in merged
    )
    return len(merged)


def _other(allocation: Allocation, opening_id: int) -> Item:
    return allocation.credit if allocation.debit_id == opening_id else allocation.debit


def _add_pair(pairs: dict[tuple[int, int], Allocation], pair: tuple[int, int], amount: Decimal, source: Any) -> None:
    current = pairs.get(pair)
    if current is None:
        pairs[pair] = Allocation(
            debit_id=pair[0],
            credit_id=pair[1],
            amount=amount,
            date=source.date,
            letter=source.letter,
            source=source.source,
            created_by_id=source.created_by_id,
        )
    else:
        current.amount += amount
        current.date = max(current.date, source.date)


def _write_pairs(pairs: dict[tuple[int, int], Allocation]) -> None:
    """New pairs are created; a pair already stored (the receipt also paid that item) adds up."""
    existing = {}
    for part in chunks(sorted(pairs)):
        query = Q()
        for debit_id, credit_id in part:
            query |= Q(debit_id=debit_id, credit_id=credit_id)
        existing.update({(a.debit_id, a.credit_id): a for a in Allocation.objects.filter(query)})
    for pair, allocation in pairs.items():
        if pair in existing:
            stored = existing[pair]
            stored.amount += allocation.amount
            stored.date = max(stored.date, allocation.date)
            stored.save(update_fields=["amount", "date"])
        else:
            allocation.save()
