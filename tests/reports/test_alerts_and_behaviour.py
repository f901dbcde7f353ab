"""The dashboard's alerts from the ledger itself, the provider registry, and payment behaviour."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from encours import contracts
from encours.contracts import Alert
from encours.core.payment_behaviour import PaymentRecord, days_late_trend
from encours.core.payment_behaviour import days_late_by_customer as core_days_late
from encours.core.payment_behaviour import days_late_by_sector as core_sector
from encours.ledger.models import Customer
from encours.reports.selectors.behaviour import days_late_by_customer, days_late_by_sector
from tests.reports.factories import Book

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 10, 31)


def _alerts(user=None):
    return contracts.alerts(customers=Customer.objects.all(), user=user, as_of=AS_OF)


def test_an_invoice_crossing_sixty_days_overdue_this_week_raises_an_alert(book):
    crossed = book.customer(name="Garage Dupont")
    book.invoice(crossed, "900.00", date(2026, 7, 1), due=AS_OF - timedelta(days=63))
    book.invoice(book.customer(name="Long Overdue SA"), "500.00", date(2026, 5, 1), due=AS_OF - timedelta(days=90))
    book.invoice(book.customer(name="Just Late SA"), "500.00", date(2026, 8, 1), due=AS_OF - timedelta(days=60))
    alerts = [a for a in _alerts() if a.source == "ledger" and a.severity == "bad"]
    assert len(alerts) == 1 and alerts[0].count == 1
    assert "Garage Dupont" in alerts[0].detail and "Long Overdue" not in alerts[0].detail


def test_payment_terms_beyond_the_legal_cap_are_flagged(book, entity):
    book.customer(name="Soixante Jours SA", terms_days=60)
    book.customer(name="Quatre-vingt-dix SA", terms_days=90)
    book.customer(name="Fin de Mois SA", terms_days=50, terms_end_of_month=True)
    titles = {a.detail for a in _alerts() if a.severity == "warn"}
    assert titles == {"Fin de Mois SA, Quatre-vingt-dix SA"}
    entity.default_terms_days = 75
    entity.save()
    book.customer(name="Par Défaut SA")
    assert any("Par Défaut SA" in a.detail for a in _alerts() if a.severity == "warn")


def test_old_unapplied_cash_is_reported_with_its_amount(book):
    customer = book.customer()
    book.payment(customer, "1500.00", AS_OF - timedelta(days=45))
    book.payment(customer, "99.00", AS_OF - timedelta(days=5))
    (alert,) = [a for a in _alerts() if a.severity == "info"]
    assert alert.count == 1 and alert.detail == "1\u202f500,00\u00a0€"


def test_no_alert_when_the_ledger_has_nothing_to_say(book):
    book.invoice(book.customer(terms_days=30), "100.00", AS_OF - timedelta(days=3))
    assert _alerts() == []


def test_other_apps_alerts_come_in_their_order(book):
    def broken_promises(*, customers, user, as_of):
        yield Alert("bad", "2 promises to pay broken", source="collections")

    def risk(*, customers, user, as_of):
        return [Alert("warn", "Insolvency proceedings: Garage Dupont", source="risk")]

    contracts.ALERTS.register(broken_promises, order=10)
    contracts.ALERTS.register(risk, order=200)

    book.customer(name="Long SA", terms_days=120)
    assert [a.source for a in _alerts()] == ["collections", "ledger", "risk"]


def test_weighted_days_late_by_hand(book):
    """Paid 1 000 ten days late and 3 000 two days early: (10 000 − 6 000) / 4 000 = 1 day."""
    customer = book.customer()
    first = book.invoice(customer, "1000.00", date(2026, 8, 1), due=date(2026, 9, 30))
    second = book.invoice(customer, "3000.00", date(2026, 8, 1), due=date(2026, 10, 15))
    book.pay(first, "1000.00", date(2026, 10, 10))
    book.pay(second, "3000.00", date(2026, 10, 13))
    year, trend = days_late_by_customer(customers=Customer.objects.all(), as_of=AS_OF)[customer.pk]
    assert year.weighted_days_late == Decimal(1) and year.paid_amount == Decimal("4000") and year.payment_count == 2
    assert trend.recent == year and trend.previous is None and trend.change is None


payments = st.lists(
    st.tuples(st.integers(0, 2), st.integers(1, 90_000), st.integers(0, 500), st.integers(-20, 120)),
    min_size=1,
    max_size=15,
)


def _micro(value):
    """Decimals to a millionth of a day (or cent), recursively: SQLite sums in binary floating
    point, so the SQL average and the core's exact Decimal may differ in the 20th digit."""
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.000001"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return type(value)(**{f.name: _micro(getattr(value, f.name)) for f in dataclasses.fields(value)})
    if isinstance(value, dict):
        return {key: _micro(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(_micro(item) for item in value)
    return value


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    spec=payments, naf=st.lists(st.sampled_from(["47.11D", "4711A", "10.71C", "", "86.10Z"]), min_size=3, max_size=3)
)
def test_sql_days_late_equal_the_core_on_random_payments(entity, spec, naf):
    with transaction.atomic():
        book = Book(entity)
        customers = [book.customer(naf_code=code) for code in naf]
        records = []
        for index, cents, day, late in spec:
            amount = Decimal(cents) / 100
            due = date(2025, 6, 1) + timedelta(days=day)
            invoice = book.invoice(customers[index], str(amount), due - timedelta(days=30), due=due)
            paid_on = due + timedelta(days=late)
            book.pay(invoice, str(amount), paid_on)
            records.append(
                PaymentRecord(customer=str(customers[index].pk), amount=amount, due_date=due, paid_on=paid_on)
            )
        ours = days_late_by_customer(customers=Customer.objects.all(), as_of=AS_OF)
        theirs = core_days_late(payments=records, as_of=AS_OF)
        assert _micro({str(pk): year for pk, (year, _) in ours.items() if year}) == _micro(theirs)
        for pk, (_, trend) in ours.items():
            expected_trend = days_late_trend(payments=[r for r in records if r.customer == str(pk)], as_of=AS_OF)
            assert _micro(trend) == _micro(expected_trend)
        sectors = days_late_by_sector(customers=Customer.objects.all(), as_of=AS_OF)
        expected = core_sector(payments=records, naf_codes={str(c.pk): c.naf_code for c in customers}, as_of=AS_OF)
        assert _micro(sectors) == _micro(expected)
        transaction.set_rollback(True)
