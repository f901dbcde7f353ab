"""A deterministic, realistic French receivables portfolio for the demo and the benchmarks.

Three legal entities of one group sell to customers in groups and categories (key accounts,
SMEs, public sector, distributors). Each customer has a payment behaviour (on time, slow,
chronic late, deteriorating, disputes, partial payer, early payer) that drives when its
invoices are paid; volumes are seasonal. Everything is drawn from ``random.Random(seed)``,
so the same arguments give the same portfolio.

>>> from datetime import date
>>> portfolio = generate_portfolio(customers=30, invoices=300, seed=7, as_of=date(2026, 10, 31))
>>> len(portfolio.entities), len(portfolio.customers)
(3, 30)
>>> invoices = [i for i in portfolio.items if i.type == "invoice"]
>>> 250 <= len(invoices) <= 350
True
>>> generate_portfolio(customers=30, invoices=300, seed=7, as_of=date(2026, 10, 31)) == portfolio
True
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from encours.core.terms import PaymentTerms, due_date

CENT = Decimal("0.01")
HISTORY_DAYS = 730
# Monthly weight of invoiced volume (French B2B: quiet August, busy spring and December).
SEASON = (0.95, 0.95, 1.1, 1.05, 1.05, 1.1, 1.0, 0.6, 1.0, 1.1, 1.05, 1.05)
REGIONS = (
    ("Île-de-France", "Paris", "75"),
    ("Auvergne-Rhône-Alpes", "Lyon", "69"),
    ("Nouvelle-Aquitaine", "Bordeaux", "33"),
    ("Occitanie", "Toulouse", "31"),
    ("Hauts-de-France", "Lille", "59"),
    ("Grand Est", "Strasbourg", "67"),
    ("Provence-Alpes-Côte d'Azur", "Marseille", "13"),
    ("Bretagne", "Rennes", "35"),
    ("Pays de la Loire", "Nantes", "44"),
    ("Normandie", "Rouen", "76"),
)
REGION_WEIGHTS = (24, 14, 10, 10, 9, 8, 9, 6, 6, 4)
# (NAF code, trade used in the company name, typical invoice size in euros)
TRADES = (
    ("41.20A", "Bâtiment", 6000),
    ("43.21A", "Électricité", 2500),
    ("43.22A", "Plomberie", 1800),
    ("46.69B", "Fournitures Industrielles", 4000),
    ("46.73A", "Matériaux", 5000),
    ("47.11D", "Supermarché", 3000),
    ("49.41A", "Transports", 3500),
    ("56.10A", "Restaurant", 900),
    ("62.01Z", "Informatique", 4500),
    ("25.62B", "Mécanique", 3200),
    ("10.71C", "Boulangerie", 700),
    ("45.20A", "Garage", 1500),
    ("55.10Z", "Hôtel", 2000),
    ("71.12B", "Ingénierie", 5500),
    ("86.10Z", "Clinique", 6500),
    ("81.21Z", "Nettoyage", 1600),
    ("18.12Z", "Imprimerie", 1900),
    ("47.61Z", "Librairie", 800),
)
TRADE_SIZE = {naf: size for naf, _, size in TRADES}
PUBLIC_BODIES = (
    ("84.11Z", "Mairie de"),
    ("84.11Z", "Communauté de communes de"),
    ("85.31Z", "Lycée de"),
    ("86.10Z", "Centre hospitalier de"),
)
SURNAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefebvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Picard",
    "Colin",
    "Lemaire",
)
FIRST_NAMES = (
    "Camille",
    "Claire",
    "Julien",
    "Nicolas",
    "Sophie",
    "Thomas",
    "Isabelle",
    "Marc",
    "Nathalie",
    "Pierre",
    "Céline",
    "Laurent",
    "Sandrine",
    "Olivier",
    "Valérie",
    "Stéphane",
    "Émilie",
    "Antoine",
)
LEGAL_FORMS = ("SARL", "SAS", "SA", "EURL", "SASU")
STREETS = ("de la République", "Victor Hugo", "Pasteur", "Jean Jaurès", "du Commerce", "des Lilas")
GROUP_NAMES = ("Holding", "Groupe", "Compagnie", "Financière")
CATEGORIES = (("key_account", 6), ("sme", 58), ("public", 9), ("distributor", 27))
BEHAVIOURS = (
    ("on_time", 36),
    ("slow", 20),
    ("chronic_late", 14),
    ("deteriorating", 10),
    ("disputes", 6),
    ("partial", 6),
    ("early", 5),
    ("defaulting", 3),
)
DISPUTE_REASONS = ("price", "quantity", "quality", "delivery", "not_received", "duplicate", "vat_error", "credit_note")


@dataclass(frozen=True, slots=True)
class DemoEntity:
    siren: str
    name: str
    city: str
    postal_code: str
    address: str
    iban: str


@dataclass(frozen=True, slots=True)
class DemoGroup:
    code: str
    name: str
    siren: str


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    index: int
    entity: int
    account: str
    name: str
    siren: str
    naf_code: str
    category: str
    region: str
    city: str
    postal_code: str
    address: str
    group: str  # group code, empty when independent
    terms: PaymentTerms
    behaviour: str
    language: str
    is_strategic: bool
    iban: str
    contact_name: str
    contact_email: str
    contact_phone: str
    since: date
    rep: int  # index of the sales rep in the demo staff
    collector: int


@dataclass(frozen=True, slots=True)
class DemoItem:
    entity: int
    customer: int
    type: str
    number: str
    document_date: date
    due_date: date
    amount: Decimal  # signed: debits positive
    label: str


@dataclass(frozen=True, slots=True)
class DemoAllocation:
    entity: int
    debit: tuple[str, str]  # (type, number)
    credit: tuple[str, str]
    amount: Decimal
    date: date


@dataclass(frozen=True, slots=True)
class DemoOrder:
    entity: int
    customer: int
    number: str
    order_date: date
    expected_ship_date: date
    amount: Decimal
    status: str


@dataclass(frozen=True, slots=True)
class DemoDispute:
    """An invoice disputed by the customer; ``resolved_on`` empty while open."""

    entity: int
    customer: int
    invoice: str
    reason: str
    amount: Decimal
    opened_on: date
    resolved_on: date | None
    outcome: str  # credit_note | customer_pays | rejected | "" while open


@dataclass(frozen=True, slots=True)
class DemoPortfolio:
    as_of: date
    entities: tuple[DemoEntity, ...]
    groups: tuple[DemoGroup, ...]
    customers: tuple[DemoCustomer, ...]
    items: tuple[DemoItem, ...]
    allocations: tuple[DemoAllocation, ...]
    orders: tuple[DemoOrder, ...]
    disputes: tuple[DemoDispute, ...]


REP_REGIONS = (  # each sales rep covers some regions (index in REGIONS)
    (0,),
    (0, 9),
    (1,),
    (1, 5),
    (2, 3),
    (4, 5),
    (6, 3),
    (7, 8),
)
COLLECTORS = 3


def luhn_complete(digits: str) -> str:
    """Append the Luhn key that makes a valid SIREN/SIRET."""
    for key in "0123456789":
        candidate = digits + key
        total = 0
        for position, char in enumerate(reversed(candidate)):
            value = int(char) * (2 if position % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return candidate
    raise AssertionError("a Luhn key always exists")


def french_iban(bank: int, branch: int, account: int) -> str:
    """A valid French IBAN (RIB key and IBAN check digits computed)."""
    account_text = f"{account:011d}"
    rib_key = 97 - ((89 * bank + 15 * branch + 3 * account) % 97)
    bban = f"{bank:05d}{branch:05d}{account_text}{rib_key:02d}"
    numeric = int(bban + "152700")  # "FR00" moved to the end, letters as numbers (F=15, R=27)
    return f"FR{98 - numeric % 97:02d}{bban}"


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _entities() -> tuple[DemoEntity, ...]:
    return (
        DemoEntity(
            luhn_complete("59540176"),
            "Durand Matériaux SAS",
            "Lyon",
            "69007",
            "12 rue de Gerland",
            french_iban(30004, 1234, 56789012345),
        ),
        DemoEntity(
            luhn_complete("81234567"),
            "Durand Services SAS",
            "Paris",
            "75011",
            "48 boulevard Voltaire",
            french_iban(30002, 4567, 11223344556),
        ),
        DemoEntity(
            luhn_complete("43345678"),
            "Durand Distribution Ouest SARL",
            "Nantes",
            "44000",
            "3 quai de la Fosse",
            french_iban(10278, 3601, 99887766554),
        ),
    )


def generate_portfolio(*, customers: int = 1000, invoices: int = 24000, seed: int = 42, as_of: date) -> DemoPortfolio:
    rng = random.Random(seed)
    entities = _entities()
    groups = _groups(rng, max(1, customers // 25))
    people = tuple(_customer(rng, index, groups, as_of) for index in range(customers))
    items, allocations, disputes = _ledger(rng, people, invoices, as_of)
    orders = _orders(rng, people, as_of)
    return DemoPortfolio(as_of, entities, groups, people, items, allocations, orders, disputes)


def _groups(rng: random.Random, count: int) -> tuple[DemoGroup, ...]:
    return tuple(
        DemoGroup(
            f"G{index:04d}",
            f"{rng.choice(GROUP_NAMES)} {rng.choice(SURNAMES)}",
            luhn_complete(f"{rng.randrange(30_000_000, 99_999_999):08d}"),
        )
        for index in range(count)
    )


def _customer(rng: random.Random, index: int, groups: tuple[DemoGroup, ...], as_of: date) -> DemoCustomer:
    entity = rng.choices((0, 1, 2), weights=(50, 30, 20))[0]
    category = _weighted(rng, CATEGORIES)
    region_index = rng.choices(range(len(REGIONS)), weights=REGION_WEIGHTS)[0]
    region, city, department = REGIONS[region_index]
    surname = rng.choice(SURNAMES)
    if category == "public":
        naf, prefix = rng.choice(PUBLIC_BODIES)
        name = f"{prefix} {city}" if rng.random() < 0.3 else f"{prefix} {surname}ville"
    else:
        naf, trade, _ = rng.choice(TRADES)
        name = f"{trade} {surname} {rng.choice(LEGAL_FORMS)}"
    siren = luhn_complete(f"{(index * 7919 + 10_000_019) % 90_000_000 + 10_000_000:08d}")
    terms = _terms(rng, category)
    behaviour = _weighted(rng, BEHAVIOURS)
    if category == "public" and behaviour in {"early", "partial"}:
        behaviour = "slow"
    first = rng.choice(FIRST_NAMES)
    domain = f"{surname.lower().replace('è', 'e').replace('é', 'e').replace('ç', 'c')}{index}.example.fr"
    reps = [r for r, regions in enumerate(REP_REGIONS) if region_index in regions] or [0]
    return DemoCustomer(
        index=index,
        entity=entity,
        account=f"C{index + 10000:05d}",
        name=name,
        siren=siren,
        naf_code=naf,
        category=category,
        region=region,
        city=city,
        postal_code=f"{department}{rng.randrange(0, 999):03d}",
        address=f"{rng.randrange(1, 180)} rue {rng.choice(STREETS)}",
        group=rng.choice(groups).code if rng.random() < 0.2 else "",
        terms=terms,
        behaviour=behaviour,
        language="en" if rng.random() < 0.06 else "fr",
        is_strategic=category == "key_account" or rng.random() < 0.03,
        iban=french_iban(
            rng.choice((30004, 30002, 10278, 20041, 30003, 18206)),
            rng.randrange(1, 99999),
            rng.randrange(1, 99_999_999_999),
        ),
        contact_name=f"{first} {rng.choice(SURNAMES)}",
        contact_email=f"comptabilite@{domain}",
        contact_phone=f"0{rng.randrange(1, 6)} " + " ".join(f"{rng.randrange(10, 99)}" for _ in range(4)),
        since=as_of - timedelta(days=rng.randrange(HISTORY_DAYS, 12 * 365)),
        rep=rng.choice(reps),
        collector=index % COLLECTORS,
    )


def _terms(rng: random.Random, category: str) -> PaymentTerms:
    if category == "public":
        return PaymentTerms(days=30)  # public buyers: 30 days (Code de la commande publique)
    if category == "key_account":
        return rng.choice((PaymentTerms(days=45, end_of_month=True), PaymentTerms(days=60), PaymentTerms(days=60)))
    # mostly 30 days; a few beyond the legal cap (75 days) to be flagged
    return rng.choice(
        (
            PaymentTerms(days=30),
            PaymentTerms(days=30),
            PaymentTerms(days=30),
            PaymentTerms(days=45),
            PaymentTerms(days=30, end_of_month=True),
            PaymentTerms(days=60),
            PaymentTerms(days=75),
        )
    )


def _days_late(rng: random.Random, customer: DemoCustomer, due: date, as_of: date) -> int:
    age = 1 - (as_of - due).days / HISTORY_DAYS  # 0 two years ago, 1 today
    behaviour = customer.behaviour
    if behaviour == "on_time":
        base = rng.gauss(1, 3)
    elif behaviour == "early":
        base = rng.gauss(-6, 3)
    elif behaviour == "slow":
        base = rng.gauss(12, 6)
    elif behaviour == "chronic_late":
        base = rng.gauss(45, 15)
    elif behaviour == "deteriorating":
        base = rng.gauss(2 + 75 * max(0.0, age) ** 2, 6)
    elif behaviour == "disputes":
        base = rng.gauss(10, 8)
    elif behaviour == "defaulting":
        base = rng.gauss(30 + 60 * max(0.0, age), 10)
    else:  # partial
        base = rng.gauss(18, 8)
    if customer.category == "public":
        base += 10  # public accounting circuits
    if due.month in (7, 8):
        base += 4  # summer holidays
    return max(-20, round(base))


def _invoice_weights(people: tuple[DemoCustomer, ...], rng: random.Random) -> list[float]:
    size = {"key_account": 4.0, "distributor": 2.0, "sme": 1.0, "public": 1.5}
    return [size[c.category] * rng.lognormvariate(0, 0.5) for c in people]


def _ledger(
    rng: random.Random, people: tuple[DemoCustomer, ...], invoices: int, as_of: date
) -> tuple[tuple[DemoItem, ...], tuple[DemoAllocation, ...], tuple[DemoDispute, ...]]:
    weights = _invoice_weights(people, rng)
    total_weight = sum(weights)
    start = as_of - timedelta(days=HISTORY_DAYS)
    month_weight = [SEASON[(start + timedelta(days=d)).month - 1] for d in range(HISTORY_DAYS)]
    builder = _LedgerBuilder(rng, as_of)
    for customer, weight in zip(people, weights, strict=True):
        count = max(1, round(invoices * weight / total_weight))
        days = rng.choices(range(HISTORY_DAYS), weights=month_weight, k=count)
        for offset in sorted(days):
            builder.invoice(customer, start + timedelta(days=offset + 1))
    builder.flush_grouped_payments()
    for customer in people:
        if customer.behaviour == "partial" or rng.random() < 0.02:
            builder.payment_on_account(customer)
    return tuple(builder.items), tuple(builder.allocations), tuple(builder.disputes)


class _LedgerBuilder:
    """Turns each invoice into its life: credit note, dispute, payment(s), allocations."""

    def __init__(self, rng: random.Random, as_of: date) -> None:
        self.rng, self.as_of = rng, as_of
        self.items: list[DemoItem] = []
        self.allocations: list[DemoAllocation] = []
        self.disputes: list[DemoDispute] = []
        self.sequence: dict[tuple[int, str, int], int] = defaultdict(int)
        self.grouped: dict[tuple[int, int, date], list[tuple[DemoItem, Decimal]]] = defaultdict(list)
        self.customers: dict[int, DemoCustomer] = {}

    def number(self, entity: int, prefix: str, day: date) -> str:
        key = (entity, prefix, day.year)
        self.sequence[key] += 1
        return f"{prefix}{day.year}-{self.sequence[key]:06d}"

    def invoice(self, customer: DemoCustomer, day: date) -> None:
        size = TRADE_SIZE.get(customer.naf_code, 3000)
        size *= 2 if customer.category == "key_account" else 1
        amount = Decimal(str(round(size * self.rng.lognormvariate(0, 0.6) * 1.2, 2))).quantize(CENT)
        number = self.number(customer.entity, "FA", day)
        invoice = DemoItem(
            customer.entity,
            customer.index,
            "invoice",
            number,
            day,
            due_date(day, customer.terms),
            amount,
            f"Facture {number}",
        )
        self.items.append(invoice)
        self.customers[customer.index] = customer
        remaining = self._credit_note_or_dispute(customer, invoice)
        if remaining > 0:
            self._pay(customer, invoice, remaining)

    def _credit_note_or_dispute(self, customer: DemoCustomer, invoice: DemoItem) -> Decimal:
        rate = 0.12 if customer.behaviour == "disputes" else 0.02
        if self.rng.random() >= rate:
            return invoice.amount
        opened = invoice.document_date + timedelta(days=self.rng.randrange(5, 40))
        reason = self.rng.choice(DISPUTE_REASONS)
        disputed = invoice.amount if self.rng.random() < 0.6 else (invoice.amount * Decimal("0.3")).quantize(CENT)
        if opened > self.as_of:
            return invoice.amount
        resolution = opened + timedelta(days=max(3, round(self.rng.lognormvariate(3.1, 0.9))))
        if resolution > self.as_of:
            self.disputes.append(
                DemoDispute(invoice.entity, customer.index, invoice.number, reason, disputed, opened, None, "")
            )
            return Decimal(0)  # stays open while disputed
        outcome = self.rng.choices(("credit_note", "customer_pays", "rejected"), weights=(55, 25, 20))[0]
        self.disputes.append(
            DemoDispute(invoice.entity, customer.index, invoice.number, reason, disputed, opened, resolution, outcome)
        )
        if outcome != "credit_note":
            return invoice.amount
        number = self.number(invoice.entity, "AV", resolution)
        self.items.append(
            DemoItem(
                invoice.entity,
                customer.index,
                "credit_note",
                number,
                resolution,
                resolution,
                -disputed,
                f"Avoir {number} sur {invoice.number}",
            )
        )
        self.allocations.append(
            DemoAllocation(invoice.entity, ("invoice", invoice.number), ("credit_note", number), disputed, resolution)
        )
        return invoice.amount - disputed

    def _pay(self, customer: DemoCustomer, invoice: DemoItem, amount: Decimal) -> None:
        if (
            customer.behaviour == "defaulting"
            and (self.as_of - invoice.document_date).days < 150 + customer.index % 120
        ):
            return  # in difficulty: has stopped paying some months ago
        late = _days_late(self.rng, customer, invoice.due_date, self.as_of)
        paid_on = max(invoice.document_date + timedelta(days=1), invoice.due_date + timedelta(days=late))
        if customer.behaviour == "partial" and self.rng.random() < 0.35:
            first = (amount * Decimal(self.rng.choice(("0.3", "0.5", "0.6")))).quantize(CENT)
            self._payment(customer, invoice, first, paid_on)
            self._payment(customer, invoice, amount - first, paid_on + timedelta(days=self.rng.randrange(15, 60)))
            return
        if customer.category in {"key_account", "distributor"} and self.rng.random() < 0.7:
            # monthly payment runs: one transfer for all invoices due in the month
            run_day = date(paid_on.year, paid_on.month, min(28, 10 + customer.index % 15))
            if run_day > self.as_of:
                return
            self.grouped[(customer.entity, customer.index, run_day)].append((invoice, amount))
            return
        self._payment(customer, invoice, amount, paid_on)

    def _payment(self, customer: DemoCustomer, invoice: DemoItem, amount: Decimal, on: date) -> None:
        if on > self.as_of:
            return
        number = self.number(customer.entity, "RG", on)
        self.items.append(
            DemoItem(
                customer.entity,
                customer.index,
                "payment",
                number,
                on,
                on,
                -amount,
                f"Virement {customer.name[:40]} {invoice.number}",
            )
        )
        self.allocations.append(
            DemoAllocation(customer.entity, ("invoice", invoice.number), ("payment", number), amount, on)
        )

    def payment_on_account(self, customer: DemoCustomer) -> None:
        """A transfer the customer sent without saying what it pays: unapplied cash."""
        on = self.as_of - timedelta(days=self.rng.randrange(1, 60))
        number = self.number(customer.entity, "RG", on)
        amount = Decimal(self.rng.choice((500, 1000, 1500, 2000, 5000)))
        self.items.append(
            DemoItem(
                customer.entity,
                customer.index,
                "payment",
                number,
                on,
                on,
                -amount,
                f"Virement {customer.name[:40]} acompte",
            )
        )

    def flush_grouped_payments(self) -> None:
        for (entity, customer_index, on), paid in sorted(self.grouped.items(), key=lambda kv: kv[0]):
            number = self.number(entity, "RG", on)
            total = sum((amount for _, amount in paid), Decimal(0))
            name = self.customers[customer_index].name
            self.items.append(
                DemoItem(
                    entity, customer_index, "payment", number, on, on, -total, f"Virement {name[:40]} relevé {on:%m/%Y}"
                )
            )
            for invoice, amount in paid:
                self.allocations.append(
                    DemoAllocation(entity, ("invoice", invoice.number), ("payment", number), amount, on)
                )


def _orders(rng: random.Random, people: tuple[DemoCustomer, ...], as_of: date) -> tuple[DemoOrder, ...]:
    orders = []
    sequence: dict[int, int] = defaultdict(int)
    for customer in people:
        if rng.random() > 0.3:
            continue
        for _ in range(rng.randint(1, 3)):
            sequence[customer.entity] += 1
            ordered = as_of - timedelta(days=rng.randrange(0, 30))
            amount = Decimal(str(round(rng.lognormvariate(math.log(4000), 0.8), 2))).quantize(CENT)
            status = "delivered" if rng.random() < 0.15 else "open"
            orders.append(
                DemoOrder(
                    customer.entity,
                    customer.index,
                    f"CMD{sequence[customer.entity]:06d}",
                    ordered,
                    ordered + timedelta(days=rng.randrange(5, 60)),
                    amount,
                    status,
                )
            )
    return tuple(orders)
