"""A synthetic portfolio with known payment behaviours, for tests and benchmarks.

Each customer follows one behaviour: ``on_time``, ``chronic_late``, ``deteriorating``
(from a break date, lateness grows by 5 days a month, up to 80 days more), ``disputes`` (a quarter of its
invoices disputed and paid two months late), ``partial`` (big invoices paid in instalments,
so settled late in proportion to their size), ``reminder_responder`` (waits for the first
reminder, then pays within days) and ``call_responder`` (ignores emails, pays after the
call). On top of that everybody pays later when the due date falls in August or in the
last days of December. Dunning runs every Monday: email at due + 7, email at due + 21,
call at due + 35, formal notice letter at due + 50 (no reminder while a dispute is open).

>>> from datetime import date
>>> portfolio = synthetic_portfolio(customers=12, start=date(2025, 1, 1), as_of=date(2025, 7, 1), seed=3)
>>> len(portfolio.invoices) > 50, all(i.invoice_date <= date(2025, 7, 1) for i in portfolio.invoices)
(True, True)
>>> portfolio == synthetic_portfolio(customers=12, start=date(2025, 1, 1), as_of=date(2025, 7, 1), seed=3)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from encours.core.forecast.records import DunningStep, InvoiceRecord, OpenOrder
from encours.core.money import quantize
from encours.core.terms import PaymentTerms, due_date

BEHAVIOURS = (
    "on_time", "chronic_late", "deteriorating", "disputes", "partial",
    "reminder_responder", "call_responder",
)  # fmt: skip
BEHAVIOUR_WEIGHTS = (0.30, 0.18, 0.14, 0.10, 0.10, 0.10, 0.08)
DUNNING_SCENARIO = ((1, 7, "email"), (2, 21, "email"), (3, 35, "call"), (4, 50, "letter"))
SECTORS = ("41", "43", "45", "46", "47", "49", "56", "62", "70", "86")
COUNTRIES = ("FR", "FR", "FR", "FR", "BE", "DE", "ES", "IT")
CHANNELS = ("email", "paper", "portal")


@dataclass(frozen=True, slots=True)
class SyntheticCustomer:
    customer_id: str
    behaviour: str
    entity: str
    currency: str
    group_id: str | None
    sector: str
    grade: str
    channel: str
    country: str
    terms: PaymentTerms
    monthly_invoices: float
    typical_amount: float
    base_days_late: float
    break_day: date


@dataclass(frozen=True, slots=True)
class SyntheticPortfolio:
    customers: tuple[SyntheticCustomer, ...]
    invoices: tuple[InvoiceRecord, ...]
    orders: tuple[OpenOrder, ...]
    as_of: date


def _make_customer(position: int, rng: np.random.Generator, start: date, as_of: date) -> SyntheticCustomer:
    behaviour = str(rng.choice(BEHAVIOURS, p=BEHAVIOUR_WEIGHTS))
    base = {"on_time": -1.0, "chronic_late": float(rng.uniform(20, 50)), "partial": 10.0}.get(behaviour, 3.0)
    grade_by_behaviour = {"on_time": "AB", "chronic_late": "CD", "deteriorating": "BC", "disputes": "BC"}
    span = (as_of - start).days
    group = f"G{position // 4:03d}" if position % 3 == 0 else None  # a third of customers belong to groups
    usd = position % 10 == 9
    return SyntheticCustomer(
        customer_id=f"C{position:05d}",
        behaviour=behaviour,
        entity="E2" if usd else "E1",
        currency="USD" if usd else "EUR",
        group_id=group,
        sector=str(rng.choice(SECTORS)),
        grade=str(rng.choice(list(grade_by_behaviour.get(behaviour, "BCD")))),
        channel=str(rng.choice(CHANNELS)),
        country=str(rng.choice(COUNTRIES)),
        terms=PaymentTerms(days=int(rng.choice([30, 30, 45, 60])), end_of_month=bool(rng.random() < 0.2)),
        monthly_invoices=float(rng.uniform(1.0, 6.0)),
        typical_amount=float(np.exp(rng.uniform(np.log(300), np.log(30_000)))),
        base_days_late=base,
        break_day=start + timedelta(days=int(rng.uniform(0.3, 0.7) * span)),
    )


def _dunning_date(due: date, offset: int) -> date:
    planned = due + timedelta(days=offset)
    return planned + timedelta(days=(7 - planned.weekday()) % 7)  # the next Monday run


def _natural_days_late(
    customer: SyntheticCustomer, invoice_day: date, due: date, amount_ratio: float, rng: np.random.Generator
) -> float:
    late = customer.base_days_late + float(rng.normal(0, 3))
    if customer.behaviour == "deteriorating" and invoice_day > customer.break_day:
        late += min(5.0 * (invoice_day - customer.break_day).days / 30, 80.0)
    if customer.behaviour == "partial":
        late += 25.0 * max(amount_ratio - 1.0, 0.0) + float(rng.normal(0, 5))
    if customer.behaviour == "chronic_late":
        late += float(rng.normal(0, 5))
    if due.month == 8 or (due.month == 12 and due.day >= 20):
        late += 12.0  # holidays: the payables department is away
    if customer.channel == "portal":
        late -= 2.0
    return late


def _settlement(
    customer: SyntheticCustomer,
    invoice_day: date,
    due: date,
    amount_ratio: float,
    disputed: bool,
    rng: np.random.Generator,
) -> date:
    late = _natural_days_late(customer, invoice_day, due, amount_ratio, rng)
    if disputed:
        late += float(rng.uniform(40, 90))
    elif customer.behaviour == "reminder_responder" and rng.random() < 0.85:
        reminder = _dunning_date(due, DUNNING_SCENARIO[0][1])
        return reminder + timedelta(days=int(rng.integers(1, 4)))
    elif customer.behaviour == "call_responder" and rng.random() < 0.85:
        call = _dunning_date(due, DUNNING_SCENARIO[2][1])
        return call + timedelta(days=int(rng.integers(0, 3)))
    return max(invoice_day, due + timedelta(days=round(late)))


def _steps(due: date, settled: date | None, as_of: date, dispute: tuple[date, date] | None) -> tuple[DunningStep, ...]:
    steps = []
    for stage, offset, channel in DUNNING_SCENARIO:
        executed = _dunning_date(due, offset)
        if executed > as_of or (settled is not None and executed >= settled):
            break
        if dispute is not None and dispute[0] <= executed < dispute[1]:
            continue  # dunning pauses while the dispute is open
        steps.append(DunningStep(stage=stage, executed_on=executed, channel=channel))
    return tuple(steps)


def _invoice(
    customer: SyntheticCustomer, number: int, invoice_day: date, as_of: date, rng: np.random.Generator
) -> InvoiceRecord:
    amount_ratio = float(np.exp(rng.normal(0, 0.6)))
    amount = quantize(Decimal(str(round(customer.typical_amount * amount_ratio, 2))), customer.currency)
    due = due_date(invoice_day, customer.terms)
    disputed = rng.random() < (0.25 if customer.behaviour == "disputes" else 0.02)
    settled: date | None = _settlement(customer, invoice_day, due, amount_ratio, disputed, rng)
    disputed_on = due - timedelta(days=int(rng.integers(-10, 6))) if disputed else None
    if disputed_on is not None and settled is not None:
        disputed_on = min(max(disputed_on, invoice_day), settled)
    if settled is not None and settled >= as_of:
        settled = None
    if disputed_on is not None and disputed_on >= as_of:
        disputed, disputed_on = False, None  # not raised yet on the cut-off date
    dispute = (disputed_on, settled or as_of) if disputed_on is not None else None
    open_amount = None
    if settled is None and customer.behaviour == "partial" and rng.random() < 0.5:
        open_amount = quantize(amount * Decimal(str(round(float(rng.uniform(0.3, 0.8)), 2))), customer.currency)
    return InvoiceRecord(
        invoice_id=f"{customer.customer_id}-{number:05d}", customer_id=customer.customer_id,
        invoice_date=invoice_day, due_date=due, amount=amount, currency=customer.currency,
        entity=customer.entity, settled_date=settled, open_amount=open_amount,
        terms_days=customer.terms.days, group_id=customer.group_id, sector=customer.sector,
        grade=customer.grade, channel=customer.channel, country=customer.country,
        disputed=disputed, disputed_on=disputed_on,
        dunning_steps=_steps(due, settled, as_of, dispute),
    )  # fmt: skip


def _orders(customer: SyntheticCustomer, as_of: date, rng: np.random.Generator) -> list[OpenOrder]:
    return [
        OpenOrder(
            order_id=f"{customer.customer_id}-O{k}",
            customer_id=customer.customer_id,
            expected_ship_date=as_of + timedelta(days=int(rng.integers(0, 60))),
            amount=quantize(Decimal(str(round(customer.typical_amount * float(rng.uniform(0.5, 2)), 2)))),
            currency=customer.currency,
            entity=customer.entity,
            terms=customer.terms,
        )
        for k in range(int(rng.integers(0, 3)))
    ]


def synthetic_portfolio(
    *, customers: int = 200, start: date = date(2024, 1, 1), as_of: date = date(2026, 1, 1), seed: int = 0
) -> SyntheticPortfolio:
    """Invoices issued between ``start`` and ``as_of``; those settled on or after ``as_of`` are open."""
    rng = np.random.default_rng(seed)
    span = (as_of - start).days
    people = tuple(_make_customer(position, rng, start, as_of) for position in range(customers))
    invoices: list[InvoiceRecord] = []
    orders: list[OpenOrder] = []
    for customer in people:
        count = int(rng.poisson(customer.monthly_invoices * span / 30.4))
        offsets = np.sort(rng.integers(0, span + 1, size=count))
        for number, offset in enumerate(offsets):
            invoices.append(_invoice(customer, number, start + timedelta(days=int(offset)), as_of, rng))
        orders.extend(_orders(customer, as_of, rng))
    return SyntheticPortfolio(customers=people, invoices=tuple(invoices), orders=tuple(orders), as_of=as_of)
