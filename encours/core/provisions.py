"""Provisions for doubtful debt (dépréciation des créances douteuses) decided by an unpaid committee.

The provision is computed on the amount before VAT: the VAT of an unpaid invoice is recovered from
the tax office once the loss is final (CGI art. 272), so it is not provisioned (PCG art. 214-25 ff.,
Mémento comptable: base HT). An invoice to a French customer carries the standard rate (CGI art.
278, 20 %); one to a customer abroad carries no French VAT (intra-EU reverse charge, export).
The entry debits 6817 (dotations aux dépréciations des actifs circulants) and credits 491
(dépréciations des comptes de clients).

>>> line = provision_line(item_id=1, number="FA-1", open_amount=Decimal("1200.00"), vat_rate=Decimal(20),
...                       rate=Decimal(50))
>>> (line.amount_ht, line.vat, line.provision)
(Decimal('1000.00'), Decimal('200.00'), Decimal('500.00'))
>>> provision_line(item_id=2, number="FA-2", open_amount=Decimal("999.99"), vat_rate=Decimal(0),
...                rate=Decimal(100)).provision
Decimal('999.99')
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from encours.core.money import quantize

DOMESTIC_VAT_RATE = Decimal(20)
EXPENSE_ACCOUNT = "6817"
PROVISION_ACCOUNT = "491"


@dataclass(frozen=True, slots=True, kw_only=True)
class ProvisionLine:
    item_id: int
    number: str
    open_amount: Decimal  # VAT included, as the customer owes it
    vat_rate: Decimal  # percent
    amount_ht: Decimal
    vat: Decimal
    rate: Decimal  # percent of the amount before VAT provisioned
    provision: Decimal


def vat_rate_for(country: str) -> Decimal:
    return DOMESTIC_VAT_RATE if country.upper() == "FR" else Decimal(0)


def provision_line(
    *, item_id: int, number: str, open_amount: Decimal, vat_rate: Decimal, rate: Decimal, currency: str = "EUR"
) -> ProvisionLine:
    if not 0 < rate <= 100:
        raise ValueError(f"a provision rate is between 0 and 100 %, not {rate}")
    amount_ht = quantize(open_amount * 100 / (100 + vat_rate), currency)
    return ProvisionLine(
        item_id=item_id,
        number=number,
        open_amount=open_amount,
        vat_rate=vat_rate,
        amount_ht=amount_ht,
        vat=open_amount - amount_ht,
        rate=rate,
        provision=quantize(amount_ht * rate / 100, currency),
    )
