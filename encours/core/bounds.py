"""Bounds on every number that enters: one place says what an amount or a statement figure may
be, so every parser (CLI, web upload, API) refuses the same values with the same words.

An amount is finite, below 10^13 in absolute value (the database holds 20 digits; a ledger of
ten thousand billion is not a ledger) and has at most its currency's decimals: ``10.005 EUR`` is
refused, not rounded. ``1e30``, ``NaN``, ``Infinity`` and ``1E+400`` never reach a
``quantize`` (which raises ``InvalidOperation`` past 28 digits) nor the database.

>>> amount_problem(Decimal("1234.50"), "EUR") is None
True
>>> amount_problem(Decimal("1e30"), "EUR")
'amount out of range: 10^13 or more in absolute value'
>>> amount_problem(Decimal("10.005"), "EUR")
'more than 2 decimals for EUR'
>>> amount_problem(Decimal("12.5"), "JPY")
'more than 0 decimals for JPY'
>>> amount_problem(Decimal("NaN"), "EUR")
'not a finite number'
>>> bounded_amount("1 234,50", "EUR")
Decimal('1234.50')
>>> sign_problem("invoice", Decimal("-100"))
'an invoice is a positive amount (a negative one is a credit note)'
>>> figure_problem("equity", Decimal("-1e13"))
'figure out of range: 10^13 or more in absolute value'
"""

from __future__ import annotations

from decimal import Decimal

from encours.core.errors import InvalidAmount
from encours.core.money import D, minor_unit

MAX_AMOUNT = Decimal(10) ** 13
MAX_FIGURE = Decimal(10) ** 13  # a statement figure: the yearly revenue of the largest groups is ~10^12
FIGURE_DECIMALS = 2  # statement figures are stored with two decimals

SIGNS = {
    "invoice": (1, "an invoice is a positive amount (a negative one is a credit note)"),
    "credit_note": (-1, "a credit note is a negative amount (written positive, the import negates it)"),
    "payment": (-1, "a payment is a negative amount (written positive, the import negates it)"),
}


def _too_many_decimals(value: Decimal, decimals: int) -> bool:
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent >= -decimals:
        return False
    return value != value.quantize(Decimal(1).scaleb(-decimals))  # 10.500 has two decimals that count


def amount_problem(value: Decimal, currency: str | None = "EUR") -> str | None:
    """Why this amount cannot be stored, or ``None``; ``currency`` None: any number of decimals
    (a data set whose currency is unknown)."""
    if not isinstance(value, Decimal) or not value.is_finite():
        return "not a finite number"
    if value.copy_abs() >= MAX_AMOUNT:
        return "amount out of range: 10^13 or more in absolute value"
    if currency is None:
        return None
    decimals = minor_unit(currency)
    if _too_many_decimals(value, decimals):
        return f"more than {decimals} decimals for {currency.upper()}"
    return None


def bounded_amount(text: str | Decimal, currency: str | None = "EUR") -> Decimal:
    """The amount written in ``text`` (French or English way), or ``InvalidAmount`` saying why not."""
    value = D(text)
    problem = amount_problem(value, currency)
    if problem:
        raise InvalidAmount(problem)
    return value


def sign_problem(item_type: str, amount: Decimal) -> str | None:
    """An invoice is positive, a credit note and a payment negative, an adjustment either; none is zero."""
    if amount == 0:
        return "zero amount"
    sign, reason = SIGNS.get(item_type, (0, ""))
    if sign and (amount > 0) != (sign > 0):
        return reason
    return None


def figure_problem(name: str, value: Decimal, *, non_negative: bool = False) -> str | None:
    """A yearly-accounts figure: finite, below 10^13, two decimals at most, not negative where it cannot be."""
    if not isinstance(value, Decimal) or not value.is_finite():
        return "not a finite number"
    if value.copy_abs() >= MAX_FIGURE:
        return "figure out of range: 10^13 or more in absolute value"
    if _too_many_decimals(value, FIGURE_DECIMALS):
        return f"more than {FIGURE_DECIMALS} decimals"
    if non_negative and value < 0:
        return f"{name} cannot be negative"
    return None
