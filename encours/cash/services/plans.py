"""How one bank line's application turns into ledger rows: which credit pays which invoice.

Pure: the services below create the rows (one by one through the ledger services for a
user's action, in bulk for an import's automatic applications).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from encours.core.errors import ValidationFailed
from encours.core.money import ZERO

PAYMENT = "payment"


@dataclass(frozen=True, slots=True)
class Part:
    """Cash (or a credit note when negative) applied to one open item, plus a write-off."""

    item_id: int
    amount: Decimal
    write_off: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Pair:
    """``credit`` is 'payment', 'writeoff:<invoice id>' or a credit note's id."""

    debit_id: int
    credit: str | int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Plan:
    line_id: int
    customer_id: int
    parts: tuple[Part, ...]
    unapplied: Decimal
    kind: str
    reason: str = ""
    write_off_reason: str = ""
    pairs: tuple[Pair, ...] = field(default=())

    @property
    def applied(self) -> Decimal:
        return sum((p.amount for p in self.parts), ZERO)

    @property
    def write_off(self) -> Decimal:
        return sum((p.write_off for p in self.parts), ZERO)

    @property
    def uses_credit_notes(self) -> bool:
        return any(p.amount < ZERO for p in self.parts)


def plan(
    *,
    line_id: int,
    line_amount: Decimal,
    customer_id: int,
    parts: tuple[Part, ...],
    kind: str,
    reason: str = "",
    write_off_reason: str = "",
) -> Plan:
    """Check the parts against the line and pair credits with invoices (credit notes first,
    then the payment); never more than the line's amount."""
    applied = sum((p.amount for p in parts), ZERO)
    if any(p.amount == ZERO or p.write_off < ZERO for p in parts):
        raise ValidationFailed("every allocated amount must be non-zero and write-offs positive")
    if applied < ZERO:
        raise ValidationFailed("credit notes cannot exceed the invoices they are used against")
    if applied > line_amount:
        raise ValidationFailed(f"{applied} allocated is more than the line's {line_amount}")
    if len({p.item_id for p in parts}) != len(parts):
        raise ValidationFailed("an item appears twice in the allocation")
    debits = [[p.item_id, p.amount] for p in parts if p.amount > ZERO]
    credits: list[tuple[str | int, Decimal]] = [(p.item_id, -p.amount) for p in parts if p.amount < ZERO]
    credits.append((PAYMENT, applied))
    pairs: list[Pair] = []
    position = 0
    for credit, available in credits:
        while available > ZERO and position < len(debits):
            debit = debits[position]
            taken = min(available, debit[1])
            pairs.append(Pair(int(debit[0]), credit, taken))
            available -= taken
            debit[1] -= taken
            if debit[1] == ZERO:
                position += 1
    pairs.extend(Pair(p.item_id, f"writeoff:{p.item_id}", p.write_off) for p in parts if p.write_off > ZERO)
    return Plan(
        line_id=line_id,
        customer_id=customer_id,
        parts=parts,
        unapplied=line_amount - applied,
        kind=kind,
        reason=reason,
        write_off_reason=write_off_reason,
        pairs=tuple(pairs),
    )


def letter_code(index: int) -> str:
    """AAA, AAB, … ZZZ, then BAAA…: a lettering code per application, as French ERPs write them."""
    letters = []
    while True:
        index, rest = divmod(index, 26)
        letters.append(chr(65 + rest))
        if index == 0 and len(letters) >= 3:
            break
    return "".join(reversed(letters))
