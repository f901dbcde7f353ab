"""Several fiscal years of FEC (issue 16): opening entries (à-nouveaux) carry last year's open
items under their own piece; imported in any order, the years give the aged balance of one FEC
spanning them, never a second invoice."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from encours.ledger.models import Customer, Item, LegalEntity
from encours.ledger.services.import_fec import fec_import
from encours.reports.selectors.aging import aged_balance
from encours.synthetic.demo import luhn_complete

pytestmark = pytest.mark.django_db
HEADER = (
    "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|PieceRef|"
    "PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise"
)
AS_OF = date(2026, 12, 31)


@dataclass(frozen=True)
class Invoice:
    number: str
    customer: str
    on: date
    amount: Decimal
    paid: tuple[tuple[date, Decimal], ...] = ()  # payments of this invoice


D = Decimal
# the truth: who owes what, and which receipt paid what (a receipt of a carried item pays the
# oldest one first, as a per-customer opening balance can only tell that much)
INVOICES = (
    Invoice("FA24-1", "C1", date(2024, 3, 10), D("100.00"), ((date(2024, 4, 10), D("100.00")),)),
    Invoice("FA24-2", "C1", date(2024, 11, 15), D("200.00"), ((date(2025, 1, 20), D("200.00")),)),
    Invoice(
        "FA24-3",
        "C2",
        date(2024, 12, 1),
        D("300.00"),
        ((date(2024, 12, 20), D("120.00")), (date(2025, 2, 1), D("100.00")), (date(2026, 3, 1), D("80.00"))),
    ),
    Invoice("FA24-4", "C3", date(2024, 10, 1), D("50.00"), ((date(2026, 2, 1), D("30.00")),)),
    Invoice("FA25-1", "C1", date(2025, 6, 1), D("400.00"), ((date(2026, 1, 15), D("400.00")),)),
    Invoice("FA25-2", "C2", date(2025, 12, 20), D("150.00"), ((date(2025, 12, 28), D("150.00")),)),
    Invoice("FA25-3", "C3", date(2025, 9, 1), D("70.00")),
    Invoice("FA26-1", "C1", date(2026, 5, 1), D("500.00")),
    Invoice("FA26-2", "C2", date(2026, 4, 1), D("90.00"), ((date(2026, 4, 30), D("90.00")),)),
)


def _amount(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def _day(value: date | None) -> str:
    return value.strftime("%Y%m%d") if value else ""


class _Writer:
    """FEC lines of one file: entries numbered from 1, receipts of a day under one bank piece."""

    def __init__(self) -> None:
        self.lines = [HEADER]
        self.number = 0

    def entry(self, journal: str, on: date, rows: list[tuple[str, str, str, str, Decimal, Decimal, str, date | None]]):
        self.number += 1
        for account, customer, piece, label, debit, credit, letter, let_date in rows:
            aux, aux_name = (customer, f"Client {customer}") if account == "411000" else ("", "")
            self.lines.append(
                f"{journal}|{journal}|{self.number}|{_day(on)}|{account}|Compte {account}|{aux}|{aux_name}|{piece}|"
                f"{_day(on)}|{label}|{_amount(debit)}|{_amount(credit)}|{letter}|{_day(let_date)}|{_day(on)}||"
            )

    def raw(self) -> bytes:
        return ("\r\n".join(self.lines) + "\r\n").encode()


def _letter(index: int, settled: bool) -> str:
    code = f"A{chr(65 + index // 26)}{chr(65 + index % 26)}"
    return code if settled else code.lower()


def fec_for(first: date, last: date, *, openings: str | None) -> bytes:
    """The FEC of ``first``–``last``: entries of the period, lettering as known at its end,
    and (``openings`` = "item" or "customer") the open balances carried from before it."""
    out = _Writer()
    carried = [(inv, inv.amount - sum((a for on, a in inv.paid if on < first), D(0))) for inv in INVOICES]
    carried = [(inv, left) for inv, left in carried if inv.on < first and left]
    letters = {inv.number: index for index, inv in enumerate(INVOICES)}

    def group(inv: Invoice) -> tuple[str, date | None]:
        paid_here = [on for on, _ in inv.paid if first <= on <= last]
        left = inv.amount - sum((a for on, a in inv.paid if on <= last), D(0))
        return (_letter(letters[inv.number], not left), max(paid_here)) if paid_here else ("", None)

    customer_letter: dict[str, tuple[str, date | None]] = {}
    if carried and openings == "item":
        for inv, left in carried:
            letter, let_date = group(inv)
            out.entry(
                "AN",
                first,
                [
                    ("411000", inv.customer, f"RAN{first.year}", f"Report {inv.number}", left, D(0), letter, let_date),
                    ("890000", "", f"RAN{first.year}", f"Report {inv.number}", D(0), left, "", None),
                ],
            )
    elif carried:
        by_customer: dict[str, list[tuple[Invoice, Decimal]]] = defaultdict(list)
        for inv, left in carried:
            by_customer[inv.customer].append((inv, left))
        for index, (customer, owed) in enumerate(sorted(by_customer.items())):
            total = sum((left for _, left in owed), D(0))
            paid = [(on, a) for inv, _ in owed for on, a in inv.paid if first <= on <= last]
            settled = sum((a for _, a in paid), D(0)) == total
            letter = (f"R{chr(65 + index)}" if settled else f"r{chr(97 + index)}") if paid else ""
            customer_letter[customer] = (letter, max((on for on, _ in paid), default=None))
            out.entry(
                "AN",
                first,
                [
                    ("411000", customer, "AN", "A nouveau", total, D(0), *customer_letter[customer]),
                    ("890000", "", "AN", "A nouveau", D(0), total, "", None),
                ],
            )
    events: list[tuple[date, int, str, Invoice, Decimal]] = []
    for inv in INVOICES:
        if first <= inv.on <= last:
            events.append((inv.on, 0, "invoice", inv, inv.amount))
        events += [(on, 1, "receipt", inv, a) for on, a in inv.paid if first <= on <= last]
    for on, _, kind, inv, amount in sorted(events, key=lambda e: (e[0], e[1], e[3].number)):
        letter, let_date = group(inv)
        if inv.on < first and openings == "customer":
            letter, let_date = customer_letter[inv.customer]
        if kind == "invoice":
            out.entry(
                "VT",
                on,
                [
                    ("411000", inv.customer, inv.number, f"Facture {inv.number}", amount, D(0), letter, let_date),
                    ("706000", "", inv.number, f"Facture {inv.number}", D(0), amount, "", None),
                ],
            )
        else:  # all receipts of a day share the bank's piece
            piece = f"REL{_day(on)}"
            out.entry(
                "BQ",
                on,
                [
                    ("411000", inv.customer, piece, f"Reglement {inv.number}", D(0), amount, letter, let_date),
                    ("512000", "", piece, f"Reglement {inv.number}", amount, D(0), "", None),
                ],
            )
    return out.raw()


YEARS = {year: (date(year, 1, 1), date(year, 12, 31)) for year in (2024, 2025, 2026)}


def _siren(index: int) -> str:
    return luhn_complete(f"{80000000 + index:08d}")


def _import(siren: str, year: int, openings: str) -> None:
    first, last = YEARS[year]
    fec_import(raw=fec_for(first, last, openings=openings), file_name=f"{siren}FEC{_day(last)}.txt")


def _aging(siren: str) -> dict[str, tuple]:
    customers = Customer.objects.filter(entity__siren=siren)
    report = aged_balance(customers=customers, as_of=AS_OF, by="customer")
    return {row.key: (row.balance.buckets, row.balance.unapplied) for row in report.rows}


def _spanning(years: tuple[int, ...], openings: str | None = None) -> tuple[str, dict[str, tuple]]:
    """One FEC of the whole period, with the opening entries of its first day if any."""
    siren = _siren(10 + len(years))
    if not LegalEntity.objects.filter(siren=siren).exists():
        first, last = YEARS[years[0]][0], YEARS[years[-1]][1]
        fec_import(raw=fec_for(first, last, openings=openings), file_name=f"{siren}FEC{_day(last)}.txt")
    return siren, _aging(siren)


def _truth_open() -> dict[str, Decimal]:
    owed: dict[str, Decimal] = defaultdict(Decimal)
    for inv in INVOICES:
        owed[inv.customer] += inv.amount - sum((a for _, a in inv.paid), D(0))
    return dict(owed)


def test_one_fec_spanning_the_years_ages_the_truth():
    _, aging = _spanning((2024, 2025, 2026))
    assert {customer: sum(buckets) + unapplied for customer, (buckets, unapplied) in aging.items()} == {
        customer: total for customer, total in _truth_open().items() if total
    }


@pytest.mark.parametrize("openings", ["item", "customer"])
@pytest.mark.parametrize(
    "order",
    [
        (2025, 2026),
        (2026, 2025),
        *itertools.permutations((2024, 2025, 2026)),
    ],
    ids=lambda order: "-".join(map(str, order)) if isinstance(order, tuple) else order,
)
def test_years_imported_in_any_order_age_like_one_fec_spanning_them(order, openings):
    years = tuple(sorted(order))
    siren = _siren(1)
    for year in order:
        _import(siren, year, openings)
    spanning_siren, spanning = _spanning(years, openings)
    assert _aging(siren) == spanning
    # only the openings of the first year imported stay items, as in the spanning FEC
    opening = Item.objects.filter(is_opening=True).values_list("customer__account_number", "open_amount")
    assert sorted(opening.filter(entity__siren=siren)) == sorted(opening.filter(entity__siren=spanning_siren))
    # and again, in the same order: nothing changes
    for year in order:
        first, last = YEARS[year]
        again = fec_import(raw=fec_for(first, last, openings=openings), file_name=f"{siren}FEC{_day(last)}.txt")
        assert again.changed_nothing, (year, again)
    assert _aging(siren) == spanning


@pytest.mark.parametrize("openings", ["item", "customer"])
def test_a_year_imported_alone_shows_its_opening_balances_as_open_items(openings):
    siren = _siren(2)
    _import(siren, 2026, openings)
    opening = Item.objects.filter(entity__siren=siren, is_opening=True)
    assert opening.exists()
    totals = dict(
        Item.objects.filter(entity__siren=siren)
        .values_list("customer__account_number")
        .annotate(Sum("open_amount"))
        .order_by()
    )
    assert totals == _truth_open()


def test_a_per_customer_opening_that_differs_from_last_years_open_items_is_named_and_kept():
    siren = _siren(3)
    _import(siren, 2025, "customer")
    first, last = YEARS[2026]
    raw = fec_for(first, last, openings="customer").replace(b"|400,00|0,00|", b"|410,00|0,00|", 1)
    raw = raw.replace(b"|0,00|400,00|", b"|0,00|410,00|", 1)  # the 890 counterpart: the entry still balances
    report = fec_import(raw=raw, file_name=f"{siren}FEC20261231.txt")
    assert report.warnings == [
        "customer C1: opening balance on 2026-01-01 410.00, previous year's open items 400.00: difference 10.00; "
        "the opening lines are kept as items"
    ]
    kept = Item.objects.filter(entity__siren=siren, is_opening=True, entry__startswith="20260101|")
    assert list(kept.values_list("customer__account_number", "amount")) == [("C1", Decimal("410.000"))]
