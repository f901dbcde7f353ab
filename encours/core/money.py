"""Money helpers: every amount is a ``Decimal`` quantised to its currency's minor unit.

>>> D("1 234,5")
Decimal('1234.5')
>>> quantize(D("10.005"), "EUR")
Decimal('10.01')
>>> quantize(D("10.4"), "JPY")
Decimal('10')
>>> Money(amount=D("12.3"), currency="EUR") + Money(amount=D("0.7"), currency="EUR")
Money(amount=Decimal('13.00'), currency='EUR')
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from encours.core.errors import InvalidAmount

ZERO = Decimal("0")
CENT = Decimal("0.01")

# ISO 4217 minor units that differ from 2; every other currency has 2.
_MINOR_UNITS = {
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
}


def minor_unit(currency: str) -> int:
    return _MINOR_UNITS.get(currency.upper(), 2)


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit(currency))


def quantize(amount: Decimal, currency: str = "EUR") -> Decimal:
    """Round half up to the currency's minor unit (the commercial rounding of invoices)."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def D(value: str | int | Decimal | None) -> Decimal:
    """Parse an amount written the French or the English way: '1 234,56', '1234.56', '-12'.

    Raises InvalidAmount on anything that is not a finite number; never goes through float.
    """
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif value is None:
        raise InvalidAmount("empty amount")
    else:
        text = str(value).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        if not text:
            raise InvalidAmount("empty amount")
        if text.endswith("-"):  # some ERPs write trailing minus signs: '12,50-'
            text = "-" + text[:-1]
        if "," in text and "." in text:
            # the last separator is the decimal one: '1.234,56' or '1,234.56'
            if text.rfind(",") > text.rfind("."):
                text = text.replace(".", "").replace(",", ".")
            else:
                text = text.replace(",", "")
        else:
            text = text.replace(",", ".")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise InvalidAmount(f"not a number: {value!r}") from None
    if not result.is_finite():
        raise InvalidAmount(f"not a finite number: {value!r}")
    return result


@dataclass(frozen=True, slots=True, kw_only=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", quantize(self.amount, self.currency))

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(amount=self.amount + other.amount, currency=self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(amount=self.amount - other.amount, currency=self.currency)

    def __neg__(self) -> Money:
        return Money(amount=-self.amount, currency=self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise InvalidAmount(f"cannot mix {self.currency} and {other.currency}")


def format_amount(amount: Decimal, currency: str = "EUR", *, lang: str = "fr") -> str:
    """'1 234,56 €' in French, '€1,234.56' in English; any other currency by its ISO code
    ('1 234,56 USD', 'USD 1,234.56'), never a symbol two currencies share."""
    q = quantize(amount, currency)
    digits = minor_unit(currency)
    text = f"{abs(q):,.{digits}f}"
    code = currency.upper()
    sign = "-" if q < 0 else ""
    if lang.startswith("fr"):
        text = text.replace(",", "\u202f").replace(".", ",")
        return f"{sign}{text}\u00a0{'€' if code == 'EUR' else code}"
    return f"{sign}€{text}" if code == "EUR" else f"{sign}{code}\u00a0{text}"
