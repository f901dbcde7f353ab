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

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

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
