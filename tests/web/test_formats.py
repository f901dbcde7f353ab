"""The one formatting path: money, dates, percentages, day counts and amount inputs in both languages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.template import Context, Template
from django.utils import translation

from encours.web import formats


def test_money_dates_percentages_and_days_in_french():
    with translation.override("fr"):
        assert formats.money(Decimal("9458539.56")) == "9\u202f458\u202f539,56\u00a0€"
        assert formats.money(Decimal("44254.500"), "USD") == "44\u202f254,50\u00a0USD"
        assert formats.money(None) == "—"
        assert formats.money0(Decimal("9458539.56")) == "9\u202f458\u202f540\u00a0€"
        assert formats.short_date(date(2026, 11, 30)) == "30/11/2026"
        assert formats.pct(Decimal("0.3545")) == "35,5\u00a0%"
        assert formats.days(Decimal("41.328")) == "41,3"
        assert formats.number(Decimal("12345.6")) == "12\u00a0346"


def test_money_dates_and_percentages_in_english():
    with translation.override("en"):
        assert formats.money(Decimal("9458539.56")) == "€9,458,539.56"
        assert formats.money(Decimal("-10"), "CHF") == "-CHF\u00a010.00"
        assert formats.pct(Decimal("0.3545")) == "35.5%"
        assert formats.number(Decimal("12345.6")) == "12,346"
        assert "2026" in formats.short_date(date(2026, 11, 30)) and "-" not in formats.short_date(date(2026, 11, 30))


def test_the_template_filters_are_the_same_path():
    template = Template("{% load encours %}{{ a|money }} {{ a|money:'USD' }} {{ d|short_date }} {{ a|score }}")
    with translation.override("fr"):
        text = template.render(Context({"a": Decimal("17916.820"), "d": date(2025, 11, 14)}))
    assert text == "17\u202f916,82\u00a0€ 17\u202f916,82\u00a0USD 14/11/2025 17\u00a0917"


class _Form(forms.Form):
    amount = formats.AmountField(max_digits=18, decimal_places=2)


def test_the_amount_field_shows_and_reads_french_amounts():
    with translation.override("fr"):
        html = str(_Form(initial={"amount": Decimal("150000.000")})["amount"])
        assert 'value="150000,00"' in html and "150000.000" not in html
        for typed, expected in (("17 916,82", "17916.82"), ("17\u202f916,82", "17916.82"), ("17916.82", "17916.82")):
            form = _Form({"amount": typed})
            assert form.is_valid(), form.errors
            assert form.cleaned_data["amount"] == Decimal(expected)
        assert not _Form({"amount": "douze"}).is_valid()
    with translation.override("en"):
        assert 'value="150000.00"' in str(_Form(initial={"amount": Decimal("150000.000")})["amount"])
