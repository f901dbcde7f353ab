"""A synthetic French B2B portfolio for the bank-line simulator: customers and open items.

Names follow what French ledgers hold: trade + family or region + legal form, so many
customers share a core name and differ by legal form ('Transports de l'Ouest SAS' and
'... SASU'), exactly what makes name matching hard. About one customer in ten belongs to
a group whose parent also buys; one in eight pays a subscription (identical amounts);
invoice numbers run ``FA2026-00001``..., credit notes ``AV2026-00001``..., each with its
RF creditor reference; IBANs are valid French ones.

>>> from datetime import date
>>> portfolio = generate_portfolio(seed=7, customers=40, items=200, as_of=date(2026, 10, 31))
>>> len(portfolio.customers), len(portfolio.items)
(40, 200)
>>> portfolio.items[0].number
'FA2026-00001'
>>> french_iban(random.Random(1))[:4]
'FR76'
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from encours.core.matching.refs import rf_for
from encours.core.matching.values import Customer, OpenItem
from encours.core.money import quantize

TRADES = (
    "Boulangerie", "Quincaillerie", "Imprimerie", "Transports", "Plomberie", "Électricité", "Garage",
    "Pharmacie", "Librairie", "Hôtel", "Clinique", "Laboratoire", "Bâtiment", "Menuiserie", "Jardinerie",
    "Fromagerie", "Charcuterie", "Boucherie", "Maçonnerie", "Peinture", "Carrosserie", "Restaurant",
    "Papeterie", "Optique", "Chauffage", "Couverture", "Serrurerie", "Informatique", "Nettoyage", "Traiteur",
)  # fmt: skip
FAMILIES = (
    "Picard", "Fontaine", "Roux", "Moreau", "Mercier", "Girard", "Dupont", "Lefèvre", "Garnier", "Martin",
    "Bernard", "Petit", "Durand", "Leroy", "Lambert", "Bonnet", "François", "Legrand", "Garcia", "Faure",
    "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Chevalier", "Gauthier", "Perrin", "Morin", "Clément",
    "Saint-Michel", "de l'Ouest", "du Nord", "des Alpes", "de Bretagne", "du Rhône", "de Provence",
    "du Centre", "de Normandie", "d'Alsace", "du Midi", "de la Loire", "des Vosges", "du Sud-Ouest",
)  # fmt: skip
CITIES = (
    "Lyon",
    "Nantes",
    "Lille",
    "Rennes",
    "Dijon",
    "Tours",
    "Reims",
    "Metz",
    "Caen",
    "Brest",
    "Nîmes",
    "Pau",
)
LEGAL_FORM_WEIGHTS = (("SAS", 34), ("SARL", 30), ("SASU", 11), ("EURL", 10), ("SA", 10), ("SNC", 5))
_GROUP_SHARE = 0.10
_SUBSCRIPTION_SHARE = 0.12
_SECOND_IBAN_SHARE = 0.15
_ALIAS_SHARE = 0.10
_CREDIT_NOTE_SHARE = 0.04
_TERMS = (30, 30, 30, 45, 45, 60)
_HISTORY_DAYS = 150


@dataclass(frozen=True, slots=True)
class Portfolio:
    customers: tuple[Customer, ...]
    items: tuple[OpenItem, ...]


def french_iban(rng: random.Random) -> str:
    """A valid French IBAN: bank, branch, account and RIB key, then the ISO 13616 check."""
    bank, branch = rng.randrange(10000, 99999), rng.randrange(10000, 99999)
    account = rng.randrange(10**10, 10**11)
    # clé RIB: 97 - (89 x bank + 15 x branch + 3 x account) mod 97
    key = 97 - (89 * bank + 15 * branch + 3 * account) % 97
    bban = f"{bank:05d}{branch:05d}{account:011d}{key:02d}"
    # ISO 13616: check digits = 98 - (BBAN + "FR00" as digits) mod 97
    check = 98 - int(bban + "152700") % 97
    return f"FR{check:02d}{bban}"


def _legal_form(rng: random.Random) -> str:
    forms = [form for form, _ in LEGAL_FORM_WEIGHTS]
    weights = [weight for _, weight in LEGAL_FORM_WEIGHTS]
    chosen: str = rng.choices(forms, weights=weights)[0]
    return chosen


def _unique_name(rng: random.Random, taken: set[str], family: str | None = None) -> str:
    for attempt in range(200):
        name = f"{rng.choice(TRADES)} {family or rng.choice(FAMILIES)}"
        if attempt >= 20:
            name += f" {rng.choice(CITIES)}"
        full = f"{name} {_legal_form(rng)}"
        if full not in taken:
            taken.add(full)
            return full
    full = f"{rng.choice(TRADES)} {rng.choice(FAMILIES)} {len(taken)} {_legal_form(rng)}"
    taken.add(full)
    return full


def _alias(rng: random.Random, name: str) -> str:
    words = name.split()
    return rng.choice((f"ETS {' '.join(words[1:-1])}", f"{' '.join(words[:-1])}", f"{words[0]} {words[1]} & FILS"))


def generate_customers(rng: random.Random, count: int) -> list[Customer]:
    taken: set[str] = set()
    customers: list[Customer] = []
    while len(customers) < count:
        number = len(customers) + 1
        if rng.random() < _GROUP_SHARE and count - len(customers) >= 3:
            customers += _group(rng, taken, number, min(rng.randint(2, 5), count - len(customers) - 1))
            continue
        customers.append(_customer(rng, taken, number))
    return customers[:count]


def _customer(rng: random.Random, taken: set[str], number: int, **extra: str) -> Customer:
    name = extra.pop("name", "") or _unique_name(rng, taken)
    ibans = [french_iban(rng)] + ([french_iban(rng)] if rng.random() < _SECOND_IBAN_SHARE else [])
    aliases = (_alias(rng, name),) if rng.random() < _ALIAS_SHARE else ()
    return Customer(
        id=f"C{number:06d}",
        account_number=f"411C{number:05d}",
        name=name,
        aliases=aliases,
        ibans=tuple(ibans),
        **extra,
    )


def _group(rng: random.Random, taken: set[str], number: int, subsidiaries: int) -> list[Customer]:
    family = rng.choice(FAMILIES[:30])
    parent_name = f"Groupe {family} {rng.choice(CITIES)} SA"
    while parent_name in taken:
        parent_name = f"Groupe {family} {rng.choice(CITIES)} {len(taken)} SA"
    taken.add(parent_name)
    parent_id = f"C{number:06d}"
    group_id = f"G{number:06d}"
    members = [_customer(rng, taken, number, name=parent_name, group_id=group_id)]
    for k in range(1, subsidiaries + 1):
        name = _unique_name(rng, taken, family=family)
        members.append(_customer(rng, taken, number + k, name=name, group_id=group_id, parent_id=parent_id))
    return members


def _invoice_amount(rng: random.Random) -> Decimal:
    """TTC amount of a B2B invoice: log-normal around 1 400 EUR excluding VAT, plus 20 % VAT."""
    excluding_vat = min(250_000.0, max(25.0, math.exp(rng.gauss(math.log(1400), 0.95))))
    cents = Decimal(round(excluding_vat * 100)) / 100
    return quantize(cents * Decimal("1.2"))


def generate_items(rng: random.Random, customers: list[Customer], count: int, as_of: date) -> list[OpenItem]:
    """Open items spread over customers with a heavy tail (a few customers owe many)."""
    weights = [rng.paretovariate(1.4) for _ in customers]
    owners = rng.choices(range(len(customers)), weights=weights, k=count)
    subscription = {i: _invoice_amount(rng) for i in range(len(customers)) if rng.random() < _SUBSCRIPTION_SHARE}
    width = max(5, len(str(count)))
    dated = sorted((as_of - timedelta(days=rng.randrange(_HISTORY_DAYS)), owner) for owner in owners)
    items: list[OpenItem] = []
    sequence = {"invoice": 0, "credit_note": 0}
    for document_date, owner in dated:
        kind = "credit_note" if rng.random() < _CREDIT_NOTE_SHARE else "invoice"
        sequence[kind] += 1
        prefix = "FA" if kind == "invoice" else "AV"
        number = f"{prefix}{as_of.year}-{sequence[kind]:0{width}d}"
        amount = subscription.get(owner) or _invoice_amount(rng)
        if kind == "credit_note":
            amount = quantize(amount * Decimal(rng.choice(("0.1", "0.2", "0.5"))))
        items.append(
            OpenItem(
                id=f"I-{number}",
                customer_id=customers[owner].id,
                number=number,
                open_amount=amount,
                currency="EUR",
                due_date=document_date + timedelta(days=rng.choice(_TERMS)),
                document_date=document_date,
                kind=kind,  # type: ignore[arg-type]
                rf_reference=rf_for(number),
            )
        )
    return items


def generate_portfolio(*, seed: int, customers: int, items: int, as_of: date) -> Portfolio:
    rng = random.Random(seed)
    people = generate_customers(rng, customers)
    return Portfolio(tuple(people), tuple(generate_items(rng, people, items, as_of)))
