"""The SQL aged balance: as the books stood on the date, cut by any dimension, equal to the
core's reference on random ledgers."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from encours import contracts
from encours.core.aging import age_items_by_customer
from encours.core.open_items import Allocation as CoreAllocation
from encours.core.open_items import LedgerItem, open_amounts_as_of
from encours.ledger.models import Allocation, Customer, CustomerGroup, Item
from encours.reports.selectors.aging import aged_balance, aged_items
from tests.factories import EntityFactory, UserFactory
from tests.reports.factories import Book

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 10, 31)
START = date(2025, 9, 1)


def _report(as_of=AS_OF, **options):
    options.setdefault("by", "customer")
    return aged_balance(customers=Customer.objects.all(), as_of=as_of, **options)


def _row(report, key):
    return next(row.balance for row in report.rows if row.key == key)


def test_due_date_on_the_as_of_date_is_not_due_and_the_day_before_is_one_day_late(book):
    customer = book.customer(account_number="C1")
    book.invoice(customer, "100.00", date(2026, 9, 1), due=AS_OF)
    book.invoice(customer, "200.00", date(2026, 9, 1), due=AS_OF - timedelta(days=1))
    book.invoice(customer, "300.00", date(2026, 8, 1), due=AS_OF - timedelta(days=30))
    book.invoice(customer, "400.00", date(2026, 8, 1), due=AS_OF - timedelta(days=31))
    book.invoice(customer, "500.00", date(2026, 1, 1), due=AS_OF - timedelta(days=121))
    balance = _row(_report(), "C1")
    assert balance.buckets == (
        Decimal("100.00"),
        Decimal("500.00"),
        Decimal("400.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("500.00"),
    )
    assert balance.total == Decimal("1500.00")


def test_configurable_edges_cut_the_same_items_differently(book):
    customer = book.customer(account_number="C1")
    for days, amount in ((10, "10.00"), (20, "20.00"), (50, "50.00")):
        book.invoice(customer, amount, date(2026, 6, 1), due=AS_OF - timedelta(days=days))
    balance = _row(_report(edges=(15, 45)), "C1")
    assert [b.key for b in _report(edges=(15, 45)).buckets] == ["not_due", "d1_15", "d16_45", "over_45"]
    assert balance.buckets == (Decimal("0.00"), Decimal("10.00"), Decimal("20.00"), Decimal("50.00"))


def test_unapplied_credits_are_apart_and_negative_and_count_in_the_total(book):
    customer = book.customer(account_number="C1")
    book.invoice(customer, "1000.00", date(2026, 10, 1))
    book.payment(customer, "300.00", date(2026, 10, 20))  # on account, not lettered
    credit_note = book.credit_note(customer, "50.00", date(2026, 10, 25))
    balance = _row(_report(), "C1")
    assert balance.unapplied == Decimal("-350.00")
    assert balance.open_debits == Decimal("1000.00")
    assert balance.total == Decimal("650.00")
    assert credit_note.open_amount == Decimal("-50.00")


def test_an_invoice_paid_after_the_date_is_still_open_on_it_and_later_items_do_not_exist(book):
    customer = book.customer(account_number="C1")
    invoice = book.invoice(customer, "1200.00", date(2026, 9, 1))
    book.pay(invoice, "1200.00", date(2026, 11, 10))
    book.invoice(customer, "99.00", date(2026, 11, 5))
    assert _row(_report(), "C1").total == Decimal("1200.00")
    assert _report(as_of=date(2026, 11, 30)).rows[0].balance.total == Decimal("99.00")


def test_not_due_amounts_by_horizon_are_cumulative(book):
    customer = book.customer(account_number="C1")
    for days, amount in ((0, "1.00"), (7, "2.00"), (8, "4.00"), (30, "8.00"), (31, "16.00")):
        book.invoice(customer, amount, date(2026, 10, 1), due=AS_OF + timedelta(days=days))
    balance = _row(_report(), "C1")
    assert balance.not_due == Decimal("31.00")
    assert balance.due_within == (Decimal("3.00"), Decimal("15.00"))


def test_amounts_are_in_the_functional_currency_and_by_currency_in_the_currency_view(book):
    customer = book.customer(account_number="C1")
    book.invoice(customer, "1000.00", date(2026, 10, 1))
    book.invoice(customer, "500.00", date(2026, 10, 1), currency="USD", fx_rate="0.9")
    assert _row(_report(), "C1").total == Decimal("1450.00")
    by_currency = {row.key: row.balance for row in _report(by="currency").rows}
    assert by_currency["USD"].total == Decimal("500.00") and by_currency["USD"].currency == "USD"
    assert by_currency["EUR"].total == Decimal("1000.00")


def test_entities_in_two_currencies_are_never_added_up(book):
    swiss = EntityFactory(name="Durand Suisse SA", siren="552100554")
    swiss.currency = "CHF"
    swiss.save()
    book.invoice(book.customer(account_number="C1"), "100.00", date(2026, 10, 1))
    book.invoice(book.customer(account_number="S1", entity=swiss), "70.00", date(2026, 10, 1))
    report = _report(by="entity")
    assert {currency: balance.total for currency, balance in report.totals.items()} == {
        "CHF": Decimal("70.00"),
        "EUR": Decimal("100.00"),
    }
    assert {row.key for row in report.rows} == {book.entity.siren, "552100554"}


def test_a_group_is_consolidated_across_entities_and_a_customer_without_group_is_itself(book):
    other = EntityFactory(name="Durand Ouest SAS")
    group = CustomerGroup.objects.create(code="GRP-CARREF", name="Groupe Carrefour")
    book.invoice(book.customer(account_number="C1", group=group), "100.00", date(2026, 10, 1))
    book.invoice(book.customer(account_number="W1", group=group, entity=other), "250.00", date(2026, 10, 1))
    book.invoice(book.customer(account_number="C2", name="Garage Solo"), "40.00", date(2026, 10, 1))
    rows = {row.key: row for row in _report(by="group").rows}
    assert set(rows) == {"GRP-CARREF", "C2"}
    assert rows["GRP-CARREF"].balance.total == Decimal("350.00")
    assert rows["GRP-CARREF"].name == "Groupe Carrefour"
    assert rows["C2"].name == "Garage Solo" and rows["C2"].balance.total == Decimal("40.00")


def test_region_rep_and_category_cut_the_book(book):
    rep = UserFactory(username="marc", first_name="Marc", last_name="Lemoine")
    book.invoice(book.customer(region="Bretagne", sales_rep=rep, category="public"), "100.00", date(2026, 10, 1))
    book.invoice(book.customer(region="Occitanie", category="sme"), "30.00", date(2026, 10, 1))
    assert {r.key: r.balance.total for r in _report(by="region").rows} == {
        "Bretagne": Decimal("100.00"),
        "Occitanie": Decimal("30.00"),
    }
    reps = {r.name: r.balance.total for r in _report(by="rep").rows}
    assert reps["Marc Lemoine"] == Decimal("100.00") and len(reps) == 2
    assert {r.key: r.name for r in _report(by="category").rows}["public"] in {"Public sector", "Secteur public"}


def test_disputed_amounts_come_from_the_provider_capped_at_the_open_amount(book):
    customer = book.customer(account_number="C1")
    contested = book.invoice(customer, "1000.00", date(2026, 9, 1))
    book.pay(contested, "400.00", date(2026, 10, 10))
    book.invoice(customer, "500.00", date(2026, 9, 1))

    @contracts.DISPUTED_AMOUNTS.register
    def whole_invoice_disputed(*, as_of, item_ids=None):
        return {contested.pk: contested.amount}  # disputes its 1000.00

    report = _report()
    assert report.disputes_known
    assert _row(report, "C1").disputed == Decimal("600.00")  # capped at the 600.00 still open


def test_drill_down_lists_exactly_the_items_of_a_cell(book):
    customer = book.customer(account_number="C1")
    late = book.invoice(customer, "300.00", date(2026, 8, 1), due=AS_OF - timedelta(days=45))
    book.invoice(customer, "100.00", date(2026, 10, 1))
    partly = book.invoice(customer, "800.00", date(2026, 7, 1), due=AS_OF - timedelta(days=50))
    book.pay(partly, "200.00", date(2026, 9, 1))
    report = _report(by="customer")
    cell = aged_items(
        customers=Customer.objects.all(), as_of=AS_OF, by="customer", ident=report.rows[0].ident, column="d31_60"
    )
    assert [(item.number, item.open_on) for item in cell] == [
        (partly.number, Decimal("600.000")),
        (late.number, Decimal("300.000")),
    ]
    assert sum(item.open_on for item in cell) == report.rows[0].balance.buckets[2]
    assert [item.days_late for item in cell] == [50, 45]


def test_drill_down_of_a_group_spanning_two_currencies_lists_the_items_of_the_rows_currency(book):
    swiss = EntityFactory(name="Durand Suisse SA", siren="552100554", currency="CHF")
    group = CustomerGroup.objects.create(code="GRP", name="Groupe Martin")
    euro = book.invoice(book.customer(account_number="C1", group=group), "100.00", date(2026, 10, 1))
    franc = book.invoice(book.customer(account_number="S1", group=group, entity=swiss), "70.00", date(2026, 10, 1))
    rows = _report(by="group").rows
    assert [(row.key, row.currency) for row in rows] == [("GRP", "CHF"), ("GRP", "EUR")]
    for row, item in zip(rows, (franc, euro), strict=True):
        cell = aged_items(
            customers=Customer.objects.all(), as_of=AS_OF, by="group", ident=row.ident, currency=row.currency
        )
        assert [listed.pk for listed in cell] == [item.pk]
    chf_total = aged_items(customers=Customer.objects.all(), as_of=AS_OF, column="not_due", currency="CHF")
    assert [listed.pk for listed in chf_total] == [franc.pk]


def test_drill_down_of_the_disputed_column_lists_the_disputed_items_with_their_disputed_part(book):
    customer = book.customer(account_number="C1")
    contested = book.invoice(customer, "1000.00", date(2026, 9, 1))
    book.pay(contested, "400.00", date(2026, 10, 10))
    book.invoice(customer, "500.00", date(2026, 9, 1))
    ident = _report().rows[0].ident
    assert not aged_items(customers=Customer.objects.all(), as_of=AS_OF, by="customer", ident=ident, column="disputed")

    @contracts.DISPUTED_AMOUNTS.register
    def whole_invoice_disputed(*, as_of, item_ids=None):
        return {contested.pk: contested.amount}

    cell = aged_items(customers=Customer.objects.all(), as_of=AS_OF, by="customer", ident=ident, column="disputed")
    assert [(item.pk, item.disputed) for item in cell] == [(contested.pk, Decimal("600.000"))]
    assert sum(item.disputed for item in cell) == _row(_report(), "C1").disputed


kinds = st.sampled_from(["invoice", "invoice", "credit_note", "payment", "adjustment+", "adjustment-"])
ledger_items = st.lists(
    st.tuples(st.integers(0, 2), kinds, st.integers(1, 500_000), st.integers(0, 400), st.integers(0, 90)),
    min_size=1,
    max_size=12,
)
letterings = st.lists(
    st.tuples(st.integers(0, 11), st.integers(0, 11), st.floats(0.05, 1.0), st.integers(0, 450)), max_size=10
)


def _write(items_spec, letters_spec, entity):
    book = Book(entity)
    customers = [book.customer(account_number=f"H{index}") for index in range(3)]
    items = []
    for customer_index, kind, cents, day, terms in items_spec:
        amount = Decimal(cents) / 100
        signed = -amount if kind in {"credit_note", "payment", "adjustment-"} else amount
        items.append(
            book.item(customers[customer_index], kind.rstrip("+-"), signed, START + timedelta(days=day), terms=terms)
        )
    left = {item.pk: abs(item.amount) for item in items}
    for debit_index, credit_index, share, day in letters_spec:
        if debit_index >= len(items) or credit_index >= len(items):
            continue
        debit, credit = items[debit_index], items[credit_index]
        if debit.amount <= 0 or credit.amount >= 0 or debit.customer_id != credit.customer_id:
            continue
        if Allocation.objects.filter(debit=debit, credit=credit).exists():
            continue
        amount = (min(left[debit.pk], left[credit.pk]) * Decimal(str(share))).quantize(Decimal("0.01"))
        if amount > 0:
            book.letter(debit, credit, str(amount), START + timedelta(days=day))
            left[debit.pk] -= amount
            left[credit.pk] -= amount
    return items


def _core(items):
    ledger = [
        LedgerItem(
            key=i.pk,
            kind=i.type,
            customer=i.customer.account_number,
            document_date=i.document_date,
            due_date=i.due_date,
            amount=i.amount.quantize(Decimal("0.01")),
        )
        for i in items
    ]
    allocations = [
        CoreAllocation(
            debit_key=a.debit_id, credit_key=a.credit_id, amount=a.amount.quantize(Decimal("0.01")), allocated_on=a.date
        )
        for a in Allocation.objects.all()
    ]
    return ledger, allocations


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items_spec=ledger_items, letters_spec=letterings, offset=st.integers(-10, 460))
def test_sql_aged_balance_equals_the_core_reference_on_random_ledgers(entity, items_spec, letters_spec, offset):
    as_of = START + timedelta(days=offset)
    with transaction.atomic():
        items = _write(items_spec, letters_spec, entity)
        ledger, allocations = _core(items)
        reference = age_items_by_customer(items=ledger, allocations=allocations, as_of=as_of)
        report = _report(as_of=as_of, by="customer")
        assert {row.key: row.balance for row in report.rows} == {key: b for (key, _), b in reference.items()}
        open_total = sum(open_amounts_as_of(items=ledger, allocations=allocations, as_of=as_of).values(), Decimal(0))
        assert sum((b.total for b in report.totals.values()), Decimal(0)) == open_total
        for row in report.rows:
            assert sum(row.balance.buckets) + row.balance.unapplied == row.balance.total
        transaction.set_rollback(True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items_spec=ledger_items, letters_spec=letterings, later=ledger_items, offset=st.integers(0, 400))
def test_items_and_allocations_after_the_date_change_nothing_on_it(entity, items_spec, letters_spec, later, offset):
    as_of = START + timedelta(days=offset)
    with transaction.atomic():
        _write(items_spec, letters_spec, entity)
        before = _report(as_of=as_of, by="customer")
        book = Book(entity)
        customer = Customer.objects.order_by("pk").first()
        for _, kind, cents, day, _terms in later:
            amount = Decimal(cents) / 100
            signed = -amount if kind in {"credit_note", "payment", "adjustment-"} else amount
            book.item(customer, kind.rstrip("+-"), signed, as_of + timedelta(days=1 + day % 30))
        for item in Item.objects.filter(open_amount__gt=0, document_date__lte=as_of)[:3]:
            book.pay(item, str(item.open_amount.quantize(Decimal("0.01"))), as_of + timedelta(days=2))
        after = _report(as_of=as_of, by="customer")
        assert after.rows == before.rows
        transaction.set_rollback(True)


def test_the_current_state_shortcut_and_the_allocation_subqueries_agree(book):
    customer = book.customer(account_number="C1")
    first = book.invoice(customer, "700.00", date(2026, 8, 1))
    book.pay(first, "250.00", date(2026, 9, 15))
    book.invoice(customer, "90.00", date(2026, 10, 2))
    book.payment(customer, "40.00", date(2026, 10, 3))
    fast = _report(current_state=True, by="customer")
    slow = _report(current_state=False, by="customer")
    assert fast.rows == slow.rows


def test_an_empty_scope_gives_an_empty_report_on_every_database(book):
    book.invoice(book.customer(), "100.00", date(2026, 10, 1))
    assert aged_balance(customers=Customer.objects.none(), as_of=AS_OF, by="customer").rows == ()
    assert aged_balance(customers=Customer.objects.filter(pk__in=[]), as_of=AS_OF).totals == {}
