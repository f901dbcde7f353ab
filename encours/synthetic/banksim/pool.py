"""The raw material of the bank-line simulator: the pool of unpaid items, payer names and
references spelt the way people write them.

Each scenario draws from a ``Pool`` of unpaid items and returns a ``SimulatedLine``: the
``BankLine`` a bank would report and the truth (customer, items paid). Names are printed
the way banks print them (upper case, accents often lost, legal form sometimes dropped,
cut at 35 characters, the odd typo); references are spelt the many ways people type them.

>>> import random
>>> spell_reference(random.Random(4), "FA2026-01229", noisy=True)
'FA-2026-01229'
>>> bank_name(random.Random(4), "Électricité Mercier SASU")
'ELECTRICITE MERCIER'
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from encours.core.formats.bank import BankLine
from encours.core.matching.values import Customer, OpenItem
from encours.core.money import ZERO, quantize
from encours.synthetic.banksim.portfolio import french_iban

_KNOWN_IBAN_RATE = 0.8
_SEPA_TEXT_LIMIT = 140
_NAME_LIMIT = 35
_PICK_ATTEMPTS = 60


@dataclass(frozen=True, slots=True)
class SimulatedLine:
    line: BankLine
    scenario: str
    customer_id: str
    item_ids: tuple[str, ...]


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def bank_name(rng: random.Random, name: str) -> str:
    """A customer's name as it reaches us on a transfer."""
    text = name.upper()
    if rng.random() < 0.6:
        text = _strip_accents(text)
    words = text.split()
    if rng.random() < 0.15 and len(words) > 2:
        words = words[:-1]  # legal form left out
    if rng.random() < 0.03:
        words = ["STE", *words]
    if rng.random() < 0.05:
        words = _typo(rng, words)
    text = " ".join(words)
    if len(text) > _NAME_LIMIT and rng.random() < 0.4:
        text = text[:_NAME_LIMIT]
    return text


def _typo(rng: random.Random, words: list[str]) -> list[str]:
    candidates = [k for k, w in enumerate(words) if len(w) >= 5]
    if not candidates:
        return words
    k = rng.choice(candidates)
    word = words[k]
    p = rng.randrange(1, len(word) - 1)
    word = word[:p] + word[p + 1] + word[p] + word[p + 2 :] if rng.random() < 0.5 else word[:p] + word[p + 1 :]
    return [*words[:k], word, *words[k + 1 :]]


_CLEAN_SPELLINGS: tuple[Callable[[str, str, str], str], ...] = (
    lambda p, y, n: f"{p}{y}-{n}",
    lambda p, y, n: f"{p}{y}-{n}",
    lambda p, y, n: f"{p}{y}-{n}",
    lambda p, y, n: f"{p}{y}{n}",
    lambda p, y, n: f"{p}{y}-{n}".lower(),
)
_NOISY_SPELLINGS: tuple[Callable[[str, str, str], str], ...] = (
    lambda p, y, n: f"{p} {y} {n}",
    lambda p, y, n: f"{p}{y}{n}".lower(),
    lambda p, y, n: f"{p}{y} {n}",
    lambda p, y, n: f"{p}-{y}-{n}",
    lambda p, y, n: f"{p}{y}/{n}",
    lambda p, y, n: f"{y}-{n}",
    lambda p, y, n: f"{y} {n}",
    lambda p, y, n: f"{p}{y}-{n.lstrip('0')}",
    lambda p, y, n: f"{p[0]}{y}-{n.lstrip('0')}",
    lambda p, y, n: f"{p[0]} {y}/{n.lstrip('0')}",
    lambda p, y, n: f"{p}.{y}.{n}",
    lambda p, y, n: f"N° {p}{y}-{n}",
    lambda p, y, n: f"Fact {y}-{n}",
)


def spell_reference(rng: random.Random, number: str, *, noisy: bool) -> str:
    """An invoice number 'FA2026-01229' as a payer writes it."""
    prefix, _, rest = number.partition("2")
    year, _, sequence = ("2" + rest).partition("-")
    if not sequence:
        return number
    spellings = _NOISY_SPELLINGS if noisy else _CLEAN_SPELLINGS
    return rng.choice(spellings)(prefix, year, sequence)


_SINGLE_TEMPLATES = (
    "FACTURE {ref}",
    "FACT {ref}",
    "{ref}",
    "REGLEMENT FACTURE {ref}",
    "VIR {ref}",
    "PAIEMENT {ref} {name}",
    "{name} FACT {ref} DU {date}",
    "V/FACT {ref} N/CDE {po}",
    "REF {ref} CLIENT {account}",
    "REGLT {ref} MERCI",
)


class Pool:
    """Unpaid items by customer; every scenario takes the items it pays out of it."""

    def __init__(self, rng: random.Random, customers: Sequence[Customer], items: Sequence[OpenItem], as_of: date):
        self.rng, self.as_of = rng, as_of
        self.customers = {c.id: c for c in customers}
        self.items = {i.id: i for i in items}
        self.by_number = {i.number: i for i in items}
        self.invoices: dict[str, list[str]] = {}
        self.credit_notes: dict[str, list[str]] = {}
        for item in sorted(items, key=lambda i: (i.due_date, i.number)):
            target = self.invoices if item.kind == "invoice" else self.credit_notes
            target.setdefault(item.customer_id, []).append(item.id)
        self.with_invoices = [c for c in self.customers if self.invoices.get(c)]
        self.subsidiaries = [c.id for c in customers if c.parent_id and c.parent_id in self.customers]

    def customer(self, *, invoices: int = 1, among: Sequence[str] | None = None) -> Customer | None:
        pool = among if among is not None else self.with_invoices
        for _ in range(_PICK_ATTEMPTS):
            if not pool:
                return None
            candidate = self.rng.choice(pool)
            if len(self.invoices.get(candidate, ())) >= invoices:
                return self.customers[candidate]
        return None

    def take(self, customer_id: str, count: int, *, oldest: bool = False) -> list[OpenItem]:
        open_ids = self.invoices[customer_id]
        chosen = open_ids[:count] if oldest else self.rng.sample(open_ids, count)
        for item_id in chosen:
            open_ids.remove(item_id)
        return [self.items[i] for i in chosen]

    def take_credit_note(self, customer_id: str) -> OpenItem | None:
        notes = self.credit_notes.get(customer_id)
        return self.items[notes.pop()] if notes else None

    def payer(self, customer: Customer, *, known_iban: float = _KNOWN_IBAN_RATE) -> tuple[str, str]:
        known = customer.ibans and self.rng.random() < known_iban
        iban = self.rng.choice(customer.ibans) if known else french_iban(self.rng)
        return bank_name(self.rng, customer.name), iban

    def booked(self, *, before: date | None = None) -> date:
        day = self.as_of + timedelta(days=self.rng.randint(1, 30))
        return min(day, before) if before else day

    def text(self, template: str, customer: Customer, reference: str, name: str) -> str:
        text = template.format(
            ref=reference,
            name=name,
            date=(self.as_of - timedelta(days=self.rng.randint(20, 90))).strftime("%d/%m/%Y"),
            po=self.rng.randint(100000, 999999),
            account=customer.account_number,
        )
        return text[:_SEPA_TEXT_LIMIT]


def receipt(
    pool: Pool,
    index: int,
    *,
    amount: Decimal,
    name: str,
    iban: str,
    text: str,
    booked: date | None = None,
    code: str = "PMNT/RCDT/ESCT",
    structured: tuple[str, str] = ("", ""),
    end_to_end_id: str = "",
) -> BankLine:
    """The line a bank reports; ``structured`` is a creditor reference and its type."""
    day = booked or pool.booked()
    return BankLine(
        index=index,
        amount=quantize(amount),
        currency="EUR",
        entry_ref=f"SIM{index + 1:07d}",
        booking_date=day,
        value_date=day,
        counterparty_name=name,
        counterparty_iban=iban,
        remittance_text=text,
        bank_transaction_code=code,
        creditor_reference=structured[0],
        creditor_reference_type=structured[1],
        end_to_end_id=end_to_end_id,
    )


def total(items: Sequence[OpenItem]) -> Decimal:
    return sum((i.receivable for i in items), ZERO)
