"""Late-payment penalties: interest (L441-10 Code de commerce) and the €40 indemnity (D441-5).

Interest runs from the day after the due date, without any reminder, up to the payment
date (that day included) or ``as_of``, on the amount actually overdue each day. It is
simple interest, pro rata temporis, split into one line per half-year and per change of
the overdue amount, because the rate is fixed per half-year: ECB MRO rate in force on
1 January / 1 July + 10 points, or a contractual rate never below 3 × the legal rate.
Day count: actual days over 365 (French practice, even in leap years) unless
``DayCount.ACTUAL_ACTUAL`` is chosen. Each line is rounded to the cent and the invoice's
interest is the sum of its printed lines, so a formal notice always adds up.

>>> from datetime import date
>>> from encours.core.money import D
>>> invoice = LateInvoice(item_id=1, number="F-001", due_date=date(2026, 1, 31), amount=D("1000"))
>>> penalty = invoice_penalty(invoice=invoice, as_of=date(2026, 3, 2))
>>> penalty.days_late, penalty.interest, penalty.indemnity_eur
(30, Decimal('9.99'), Decimal('40.00'))
>>> print(penalty.lines[0].describe(lang="en"))
from 01/02/2026 to 02/03/2026: €1,000.00 × 12.15 % × 30/365 = €9.99
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from encours.core.dunning.penalty_rates import (
    ECB_MRO_RATES,
    LEGAL_RATES_PROFESSIONALS,
    HalfYear,
    MissingRate,
    RateEntry,
    RateLookup,
    RateTable,
    rate_table_from_rows,
)
from encours.core.errors import ValidationFailed
from encours.core.money import ZERO, Money, format_amount, quantize

__all__ = [
    "ECB_MRO_RATES",
    "LEGAL_RATES_PROFESSIONALS",
    "RECOVERY_INDEMNITY_EUR",
    "AppliedRate",
    "DayCount",
    "HalfYear",
    "InterestLine",
    "InvoicePenalty",
    "InvoiceSettlement",
    "LateInvoice",
    "MissingRate",
    "PenaltyDebit",
    "PenaltyRegime",
    "PenaltyStatement",
    "PenaltyTerms",
    "RateEntry",
    "RateLookup",
    "RateTable",
    "applicable_rate",
    "invoice_penalty",
    "penalty_debits",
    "penalty_statement",
    "rate_table_from_rows",
]

# D441-5 Code de commerce: fixed recovery indemnity per invoice paid late, in euros whatever
# the invoice currency.
RECOVERY_INDEMNITY_EUR = Decimal("40.00")
# L441-10 Code de commerce: ECB MRO + 10 points; contractual rate ≥ 3 × legal interest rate.
COMMERCIAL_MARGIN_POINTS = Decimal("10")
CONTRACTUAL_FLOOR_MULTIPLE = Decimal("3")
# R2192-31 Code de la commande publique: MRO in force on the first day of the half-year in
# which interest started + 8 points, for the whole delay.
PUBLIC_MARGIN_POINTS = Decimal("8")


class PenaltyRegime(StrEnum):
    COMMERCIAL = "commercial"
    PUBLIC_PROCUREMENT = "public_procurement"


class DayCount(StrEnum):
    ACTUAL_365 = "actual/365"
    ACTUAL_ACTUAL = "actual/actual"


@dataclass(frozen=True, slots=True, kw_only=True)
class PenaltyTerms:
    """How penalties are computed for a customer.

    ``contractual_rate_pct`` (percent, e.g. ``Decimal('9')``) replaces MRO + 10 in the
    commercial regime; it is raised to 3 × the legal rate when below. A public buyer owes
    moratory interest under the public-procurement regime instead (no contractual rate).
    """

    regime: PenaltyRegime = PenaltyRegime.COMMERCIAL
    contractual_rate_pct: Decimal | None = None
    day_count: DayCount = DayCount.ACTUAL_365
    indemnity_eur: Decimal = RECOVERY_INDEMNITY_EUR

    def __post_init__(self) -> None:
        if self.regime is PenaltyRegime.PUBLIC_PROCUREMENT and self.contractual_rate_pct is not None:
            raise ValidationFailed("public-procurement interest has a legal rate, not a contractual one")
        if self.contractual_rate_pct is not None and self.contractual_rate_pct < 0:
            raise ValidationFailed(f"negative contractual rate: {self.contractual_rate_pct}")
        if self.indemnity_eur < 0:
            raise ValidationFailed(f"negative recovery indemnity: {self.indemnity_eur}")


@dataclass(frozen=True, slots=True, kw_only=True)
class AppliedRate:
    """The annual rate in percent for one day, how it was obtained, and whether a table
    entry was missing (carried forward from the last known half-year)."""

    rate_pct: Decimal
    basis: str
    provisional: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceSettlement:
    """Cash or credit allocated to the invoice on ``on`` (the day counts as late)."""

    on: date
    amount: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class LateInvoice:
    """An invoice as penalties see it: original amount (incl. VAT) and what settled it.

    ``interest_invoiced_until`` / ``indemnity_invoiced`` record penalties already charged
    as a debit item, so a later statement only claims what is new.
    """

    item_id: int | str
    number: str
    due_date: date
    amount: Decimal
    currency: str = "EUR"
    settlements: tuple[InvoiceSettlement, ...] = ()
    interest_invoiced_until: date | None = None
    indemnity_invoiced: bool = False

    def __post_init__(self) -> None:
        if self.amount <= 0:
            raise ValidationFailed(f"invoice {self.number}: penalties need a positive amount")
        for settlement in self.settlements:
            if settlement.amount <= 0:
                raise ValidationFailed(f"invoice {self.number}: settlement of {settlement.amount}")


@dataclass(frozen=True, slots=True, kw_only=True)
class InterestLine:
    """``base`` overdue at ``rate_pct`` % from ``start`` to ``end`` (both included).

    ``interest_exact`` is unrounded (for sums and checks); ``interest`` is printed.
    """

    start: date
    end: date
    days: int
    year_days: int
    base: Decimal
    currency: str
    rate_pct: Decimal
    rate_basis: str
    provisional_rate: bool
    interest_exact: Decimal
    interest: Decimal

    def describe(self, lang: str = "fr") -> str:
        """One printable line for a formal notice."""
        amount = format_amount(self.base, self.currency, lang=lang)
        result = format_amount(self.interest, self.currency, lang=lang)
        if lang.startswith("fr"):
            rate = f"{self.rate_pct:f}".replace(".", ",")
            period = f"du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y} :"
        else:
            rate = f"{self.rate_pct:f}"
            period = f"from {self.start:%d/%m/%Y} to {self.end:%d/%m/%Y}:"
        return f"{period} {amount} × {rate} % × {self.days}/{self.year_days} = {result}"


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoicePenalty:
    """Penalties on one invoice as of a date: interest lines, their sum, the indemnity."""

    item_id: int | str
    number: str
    currency: str
    due_date: date
    days_late: int
    settled_on: date | None
    lines: tuple[InterestLine, ...]
    interest: Decimal
    indemnity_eur: Decimal
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PenaltyStatement:
    """Penalties of several invoices (a formal notice, a customer page): interest per
    currency, indemnities in euros, and the grand totals per currency."""

    as_of: date
    invoices: tuple[InvoicePenalty, ...]
    interest_totals: tuple[Money, ...]
    indemnity_total: Money
    totals: tuple[Money, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class PenaltyDebit:
    """A debit item to invoice penalties in one currency (no VAT: damages, not the price of
    a supply). After issuing it, record ``interest_invoiced_until = invoiced_until`` and
    ``indemnity_invoiced`` on the listed invoices."""

    currency: str
    interest: Decimal
    indemnity: Decimal
    amount: Decimal
    invoiced_until: date
    item_ids: tuple[int | str, ...]
    indemnity_item_ids: tuple[int | str, ...]
    label: str


def applicable_rate(
    *,
    on: date,
    terms: PenaltyTerms = PenaltyTerms(),
    interest_started_on: date | None = None,
    mro_rates: RateTable = ECB_MRO_RATES,
    legal_rates: RateTable = LEGAL_RATES_PROFESSIONALS,
) -> AppliedRate:
    """The annual penalty rate (percent) for a day of delay falling on ``on``."""
    if terms.regime is PenaltyRegime.PUBLIC_PROCUREMENT:
        fixed_at = HalfYear.of(interest_started_on or on)
        mro = mro_rates.rate_for(fixed_at)
        basis = f"ECB MRO {mro.rate_pct} % on {fixed_at.start:%d/%m/%Y} + {PUBLIC_MARGIN_POINTS} points"
        return AppliedRate(rate_pct=mro.rate_pct + PUBLIC_MARGIN_POINTS, basis=basis, provisional=mro.provisional)
    half_year = HalfYear.of(on)
    if terms.contractual_rate_pct is None:
        mro = mro_rates.rate_for(half_year)
        basis = f"ECB MRO {mro.rate_pct} % on {half_year.start:%d/%m/%Y} + {COMMERCIAL_MARGIN_POINTS} points"
        return AppliedRate(rate_pct=mro.rate_pct + COMMERCIAL_MARGIN_POINTS, basis=basis, provisional=mro.provisional)
    legal = legal_rates.rate_for(half_year)
    floor = CONTRACTUAL_FLOOR_MULTIPLE * legal.rate_pct
    if terms.contractual_rate_pct >= floor:
        return AppliedRate(rate_pct=terms.contractual_rate_pct, basis="contractual rate", provisional=False)
    basis = f"contractual {terms.contractual_rate_pct} % raised to 3 × legal rate {legal.rate_pct} % ({half_year})"
    return AppliedRate(rate_pct=floor, basis=basis, provisional=legal.provisional)


def _overdue_base(invoice: LateInvoice, day: date) -> Decimal:
    """Amount still unpaid during ``day``: a settlement stops interest the day after it."""
    paid = sum((s.amount for s in invoice.settlements if s.on < day), ZERO)
    return max(invoice.amount - paid, ZERO)


def _settled_on(invoice: LateInvoice) -> date | None:
    paid = ZERO
    for settlement in sorted(invoice.settlements, key=lambda s: s.on):
        paid += settlement.amount
        if paid >= invoice.amount:
            return settlement.on
    return None


def _segment_starts(invoice: LateInvoice, first: date, last: date) -> list[date]:
    """Days where the base or the rate may change: half-year starts and days after payments."""
    starts = {first}
    half_year = HalfYear.of(first).next()
    while half_year.start <= last:
        starts.add(half_year.start)
        half_year = half_year.next()
    for settlement in invoice.settlements:
        day_after = settlement.on + timedelta(days=1)
        if first < day_after <= last:
            starts.add(day_after)
    return sorted(starts)


def _year_days(day: date, day_count: DayCount) -> int:
    if day_count is DayCount.ACTUAL_365:
        return 365
    return 366 if date(day.year, 12, 31).timetuple().tm_yday == 366 else 365


def _interest_lines(
    invoice: LateInvoice,
    first: date,
    last: date,
    terms: PenaltyTerms,
    mro_rates: RateTable,
    legal_rates: RateTable,
) -> tuple[InterestLine, ...]:
    lines: list[InterestLine] = []
    starts = _segment_starts(invoice, first, last)
    interest_started_on = invoice.due_date + timedelta(days=1)
    for start, next_start in zip(starts, [*starts[1:], last + timedelta(days=1)], strict=True):
        end = next_start - timedelta(days=1)
        base = _overdue_base(invoice, start)
        if base <= 0:
            continue
        rate = applicable_rate(
            on=start,
            terms=terms,
            interest_started_on=interest_started_on,
            mro_rates=mro_rates,
            legal_rates=legal_rates,
        )
        days = (end - start).days + 1
        year_days = _year_days(start, terms.day_count)
        # L441-10: simple interest pro rata temporis, base × rate × days / days in year.
        exact = base * rate.rate_pct * days / (100 * year_days)
        lines.append(
            InterestLine(
                start=start,
                end=end,
                days=days,
                year_days=year_days,
                base=base,
                currency=invoice.currency,
                rate_pct=rate.rate_pct,
                rate_basis=rate.basis,
                provisional_rate=rate.provisional,
                interest_exact=exact,
                interest=quantize(exact, invoice.currency),
            )
        )
    return tuple(lines)


def invoice_penalty(
    *,
    invoice: LateInvoice,
    as_of: date,
    terms: PenaltyTerms = PenaltyTerms(),
    mro_rates: RateTable = ECB_MRO_RATES,
    legal_rates: RateTable = LEGAL_RATES_PROFESSIONALS,
) -> InvoicePenalty:
    """Interest lines and indemnity owed on one invoice as of ``as_of``.

    Settlements dated after ``as_of`` are ignored. Raises ``MissingRate`` when a rate
    table does not reach back to the start of the delay.
    """
    settled_on = _settled_on(invoice)
    if settled_on is not None and settled_on > as_of:
        settled_on = None
    end = min(as_of, settled_on) if settled_on is not None else as_of
    days_late = max((end - invoice.due_date).days, 0)
    first = invoice.due_date + timedelta(days=1)
    if invoice.interest_invoiced_until is not None:
        first = max(first, invoice.interest_invoiced_until + timedelta(days=1))
    lines = _interest_lines(invoice, first, end, terms, mro_rates, legal_rates) if first <= end else ()
    late = days_late > 0 and _overdue_base(invoice, invoice.due_date + timedelta(days=1)) > 0
    indemnity = quantize(terms.indemnity_eur, "EUR") if late and not invoice.indemnity_invoiced else ZERO
    interest = sum((line.interest for line in lines), ZERO)
    return InvoicePenalty(
        item_id=invoice.item_id,
        number=invoice.number,
        currency=invoice.currency,
        due_date=invoice.due_date,
        days_late=days_late if late else 0,
        settled_on=settled_on,
        lines=lines,
        interest=quantize(interest, invoice.currency),
        indemnity_eur=quantize(indemnity, "EUR"),
        reason=_penalty_reason(invoice, late, days_late, settled_on),
    )


def _penalty_reason(invoice: LateInvoice, late: bool, days_late: int, settled_on: date | None) -> str:
    if not late:
        return f"invoice {invoice.number} not late: no penalty"
    paid = f"paid on {settled_on:%d/%m/%Y}" if settled_on else "still unpaid"
    already = " (indemnity already invoiced)" if invoice.indemnity_invoiced else ""
    return f"invoice {invoice.number} due {invoice.due_date:%d/%m/%Y}, {days_late} days late, {paid}{already}"


def _totals_by_currency(amounts: Iterable[tuple[str, Decimal]]) -> tuple[Money, ...]:
    totals: dict[str, Decimal] = {}
    for currency, amount in amounts:
        totals[currency] = totals.get(currency, ZERO) + amount
    return tuple(Money(amount=amount, currency=currency) for currency, amount in sorted(totals.items()))


def penalty_statement(
    *,
    invoices: Sequence[LateInvoice],
    as_of: date,
    terms: PenaltyTerms = PenaltyTerms(),
    mro_rates: RateTable = ECB_MRO_RATES,
    legal_rates: RateTable = LEGAL_RATES_PROFESSIONALS,
) -> PenaltyStatement:
    """Penalties of a set of invoices, with totals per currency (indemnities in euros)."""
    penalties = tuple(
        invoice_penalty(invoice=inv, as_of=as_of, terms=terms, mro_rates=mro_rates, legal_rates=legal_rates)
        for inv in invoices
    )
    interest_totals = _totals_by_currency((p.currency, p.interest) for p in penalties)
    indemnity = Money(amount=sum((p.indemnity_eur for p in penalties), ZERO), currency="EUR")
    totals = _totals_by_currency([*((m.currency, m.amount) for m in interest_totals), ("EUR", indemnity.amount)])
    return PenaltyStatement(
        as_of=as_of, invoices=penalties, interest_totals=interest_totals, indemnity_total=indemnity, totals=totals
    )


def penalty_debits(*, statement: PenaltyStatement, lang: str = "fr") -> tuple[PenaltyDebit, ...]:
    """The debit items that invoice a statement's penalties, one per currency with an amount.

    Indemnities are in euros, so they join the euro debit even for foreign-currency invoices.
    """
    currencies = sorted({p.currency for p in statement.invoices if p.interest > 0} | {"EUR"})
    debits: list[PenaltyDebit] = []
    for currency in currencies:
        with_interest = [p for p in statement.invoices if p.currency == currency and p.interest > 0]
        with_indemnity = [p for p in statement.invoices if p.indemnity_eur > 0] if currency == "EUR" else []
        interest = sum((p.interest for p in with_interest), ZERO)
        indemnity = sum((p.indemnity_eur for p in with_indemnity), ZERO)
        if interest + indemnity <= 0:
            continue
        numbers = ", ".join(sorted({p.number for p in [*with_interest, *with_indemnity]}))
        label = (
            f"Pénalités de retard au {statement.as_of:%d/%m/%Y} (factures {numbers})"
            if lang.startswith("fr")
            else f"Late-payment penalties as of {statement.as_of:%d/%m/%Y} (invoices {numbers})"
        )
        debits.append(
            PenaltyDebit(
                currency=currency,
                interest=quantize(interest, currency),
                indemnity=quantize(indemnity, "EUR"),
                amount=quantize(interest + indemnity, currency),
                invoiced_until=statement.as_of,
                item_ids=tuple(p.item_id for p in with_interest),
                indemnity_item_ids=tuple(p.item_id for p in with_indemnity),
                label=label,
            )
        )
    return tuple(debits)
