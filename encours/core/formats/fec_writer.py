"""Write a FEC (pipe-separated, UTF-8) from plain ledger values: used to build the large
files of the import benchmark from the demo portfolio, and by tests.

Invoices give three lines (411 / 706 / 44571), credit notes three, payments two (411 / 512);
allocated items share a letter code per customer, dated by their last allocation.

>>> from datetime import date
>>> from decimal import Decimal
>>> rows = [FecEntry(type="invoice", number="FA1", customer="C1", customer_name="Durand", on=date(2026, 1, 5),
...                  amount=Decimal("120.00"), letter="A", letter_date=date(2026, 2, 1))]
>>> lines = list(fec_lines(rows))
>>> len(lines), lines[1].split("|")[11]
(4, '120,00')
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

HEADER = (
    "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|PieceRef|"
    "PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise"
)
VAT_RATE = Decimal("0.20")


@dataclass(frozen=True, slots=True, kw_only=True)
class FecEntry:
    type: str  # invoice | credit_note | payment
    number: str
    customer: str
    customer_name: str
    on: date
    amount: Decimal  # absolute value
    letter: str = ""
    letter_date: date | None = None


def _amount(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def letter_code(index: int) -> str:
    """AAA, AAB, … : three letters per lettering group, as most French ERPs write them."""
    letters = []
    for _ in range(3):
        index, rest = divmod(index, 26)
        letters.append(chr(65 + rest))
    return "".join(reversed(letters))


def fec_lines(entries: Iterable[FecEntry]) -> Iterator[str]:
    yield HEADER
    for number, entry in enumerate(entries, start=1):
        day = entry.on.strftime("%Y%m%d")
        let_date = entry.letter_date.strftime("%Y%m%d") if entry.letter_date else ""
        name = entry.customer_name.replace("|", " ")
        sides: tuple[tuple[str, str, Decimal, Decimal, bool], ...]
        if entry.type == "payment":
            journal, label = ("BQ", "Banque"), f"Règlement {entry.customer}"
            sides = (
                ("411000", "Clients", Decimal(0), entry.amount, True),
                ("512000", "Banque", entry.amount, Decimal(0), False),
            )
        else:
            invoice = entry.type == "invoice"
            journal, label = ("VT", "Ventes"), f"{'Facture' if invoice else 'Avoir'} {entry.number}"
            net = (entry.amount / (1 + VAT_RATE)).quantize(Decimal("0.01"))
            vat = entry.amount - net
            sign = (lambda a: (a, Decimal(0))) if invoice else (lambda a: (Decimal(0), a))
            opposite = (lambda a: (Decimal(0), a)) if invoice else (lambda a: (a, Decimal(0)))
            sides = (
                ("411000", "Clients", *sign(entry.amount), True),
                ("706000", "Prestations de services", *opposite(net), False),
                ("445710", "TVA collectée", *opposite(vat), False),
            )
        for account, account_label, debit, credit, customer_line in sides:
            aux, aux_name = (entry.customer, name) if customer_line else ("", "")
            letter, when = (entry.letter, let_date) if customer_line else ("", "")
            yield (
                f"{journal[0]}|{journal[1]}|{journal[0]}{number:08d}|{day}|{account}|{account_label}|{aux}|{aux_name}|"
                f"{entry.number}|{day}|{label}|{_amount(debit)}|{_amount(credit)}|{letter}|{when}|{day}||"
            )


# --- a generated FEC for the import benchmark and its acceptance test (issue 16) -------------------

BANK_RECEIPTS_PER_ENTRY = (1, 1, 2, 3, 5)  # a remittance entry holds several customers' receipts
TERMS_DAYS = 30  # due dates: the entity's default terms (the file has no due date column)


@dataclass(slots=True, kw_only=True)
class GeneratedFec:
    lines: int
    customers: int
    entries: int
    shared_pieces: int  # bank pieces used by more than one customer line
    # what each customer still owes: (due date, open amount) per invoice, computed as the file is
    # written, never by reading it back
    open_items: dict[str, list[tuple[date, Decimal]]]


def write_generated_fec(out: Any, *, lines: int, customers: int, seed: int = 7, year: int = 2026) -> GeneratedFec:
    """Write to ``out`` a FEC of about ``lines`` lines for ``customers`` customers over one year:
    invoices (411/706/44571), and bank entries of one to five customers' receipts under the
    day's statement reference — one PieceRef shared by customers and by entries. A receipt pays
    one invoice, in full (upper-case letter) or half of it (lower-case); some invoices stay open."""
    rng = random.Random(seed)
    start, end = date(year, 1, 1), date(year, 12, 31)
    accounts = [f"C{index:06d}" for index in range(1, customers + 1)]
    names = [f"Client {account} {'Élise' if index % 3 else 'Durand'} SARL" for index, account in enumerate(accounts)]
    open_items: dict[str, list[tuple[date, Decimal]]] = {account: [] for account in accounts}
    letters = [0] * customers
    due: dict[date, list[tuple[int, str, Decimal, str]]] = defaultdict(list)  # day → (customer, invoice, paid, code)
    per_day = max(1, -(-lines // (4 * 300)))
    written = entries = number = shared = 0
    out.write(HEADER + "\r\n")
    on = start
    while on <= end and (written < lines or due):
        day = on.strftime("%Y%m%d")
        for _ in range(per_day if written < lines else 0):
            customer = rng.randrange(customers)
            account = accounts[customer]
            amount = Decimal(rng.randrange(5_000, 500_000)) / 100
            number += 1
            entries += 1
            invoice = f"FA{year}-{number:07d}"
            pay_on = on + timedelta(days=rng.randrange(5, 120))
            fate = rng.random()
            code, let_day = "", ""
            if fate < 0.8 and pay_on <= end:
                letters[customer] += 1
                partial = fate < 0.1
                paid = (amount / 2).quantize(Decimal("0.01")) if partial else amount
                code = letter_code(letters[customer])
                code = code.lower() if partial else code
                let_day = pay_on.strftime("%Y%m%d")
                due[pay_on].append((customer, invoice, paid, code))
                if partial:
                    open_items[account].append((on + timedelta(days=TERMS_DAYS), amount - paid))
            else:
                open_items[account].append((on + timedelta(days=TERMS_DAYS), amount))
            net = (amount / (1 + VAT_RATE)).quantize(Decimal("0.01"))
            head = f"VT|Ventes|VT{number:08d}|{day}|"
            tail = f"{invoice}|{day}|Facture {invoice}|"
            out.write(
                f"{head}411000|Clients|{account}|{names[customer]}|{tail}{_amount(amount)}|0,00|{code}|{let_day}|{day}||\r\n"
                f"{head}706000|Ventes|||{tail}0,00|{_amount(net)}|||{day}||\r\n"
                f"{head}445710|TVA collectée|||{tail}0,00|{_amount(amount - net)}|||{day}||\r\n"
            )
            written += 3
        receipts = due.pop(on, [])
        piece = f"RLV{day}"  # the day's bank statement: every receipt of the day shares it
        shared += len(receipts) > 1
        while receipts:
            take = rng.choice(BANK_RECEIPTS_PER_ENTRY)
            batch, receipts = receipts[:take], receipts[take:]
            number += 1
            entries += 1
            head = f"BQ|Banque|BQ{number:08d}|{day}|"
            total = Decimal(0)
            for customer, invoice, paid, code in batch:
                total += paid
                out.write(
                    f"{head}411000|Clients|{accounts[customer]}|{names[customer]}|{piece}|{day}|Remise {invoice}|"
                    f"0,00|{_amount(paid)}|{code}|{day}|{day}||\r\n"
                )
            out.write(f"{head}512000|Banque|||{piece}|{day}|Remise {piece}|{_amount(total)}|0,00|||{day}||\r\n")
            written += len(batch) + 1
        on += timedelta(days=1)
    return GeneratedFec(
        lines=written, customers=customers, entries=entries, shared_pieces=shared, open_items=open_items
    )
