from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encours.core.errors import InvalidAmount
from encours.core.money import D, Money, format_amount, quantize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("12,50-", "-12.50"),
        ("-7", "-7"),
        ("0,1", "0.1"),
        ("1\u00a0000,00", "1000.00"),
    ],
)
def test_amounts_are_parsed_in_french_and_english_notation(text, expected):
    assert D(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "1,2,3.4.5", "NaN", "Infinity", "12€"])
def test_garbage_is_refused_not_guessed(text):
    with pytest.raises(InvalidAmount):
        D(text)


def test_quantisation_follows_the_currency_minor_unit():
    assert quantize(Decimal("10.005"), "EUR") == Decimal("10.01")
    assert quantize(Decimal("10.5"), "JPY") == Decimal("11")
    assert quantize(Decimal("1.2345"), "TND") == Decimal("1.235")


def test_money_refuses_mixed_currencies():
    with pytest.raises(InvalidAmount):
        Money(amount=Decimal(1), currency="EUR") + Money(amount=Decimal(1), currency="USD")


def test_formatting_in_both_languages():
    assert format_amount(Decimal("-1234.5"), "EUR", lang="fr") == "-1\u202f234,50\u00a0€"
    assert format_amount(Decimal("1234.5"), "EUR", lang="en") == "€1,234.50"


def test_other_currencies_show_their_iso_code():
    assert format_amount(Decimal("9458539.555"), "USD", lang="fr") == "9\u202f458\u202f539,56\u00a0USD"
    assert format_amount(Decimal("-9458539.5"), "GBP", lang="en") == "-GBP\u00a09,458,539.50"
    assert format_amount(Decimal("1234"), "JPY", lang="en") == "JPY\u00a01,234"


@given(st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, places=4))
def test_quantised_amounts_have_two_decimals_and_move_by_at_most_half_a_cent(amount):
    rounded = quantize(amount, "EUR")
    assert rounded.as_tuple().exponent == -2
    assert abs(rounded - amount) <= Decimal("0.005")
