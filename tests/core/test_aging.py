from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encours.core.aging import (
    DEFAULT_EDGES,
    AgedBalance,
    CurrencyMismatch,
    Dispute,
    age_items,
    age_items_by,
    age_items_by_customer,
    aged_open_items,
    aging_buckets,
    bucket_for,
    bucket_keys,
    consolidate_by_currency,
    days_past_due,
    validate_edges,
)
from encours.core.errors import EncoursError, ValidationFailed
from encours.core.money import ZERO
from encours.core.open_items import (
    Allocation,
    ItemKind,
    LedgerItem,
    open_amount_as_of,
    open_amounts_as_of,
)

AS_OF = date(2026, 10, 31)


def invoice(key, amount, *, due, customer="C1", currency="EUR", issued=None):
    return LedgerItem(
        key=key,
        kind=ItemKind.INVOICE,
        customer=customer,
        document_date=issued or due - timedelta(days=30),
        due_date=due,
        amount=Decimal(amount),
        currency=currency,
    )


def payment(key, amount, *, on, customer="C1", currency="EUR", kind=ItemKind.PAYMENT):
    return LedgerItem(
        key=key,
        kind=kind,
        customer=customer,
        document_date=on,
        due_date=on,
        amount=-Decimal(amount),
        currency=currency,
    )


def allocation(debit, credit, amount, on):
    return Allocation(debit_key=debit, credit_key=credit, amount=Decimal(amount), allocated_on=on)


def eur_balance(items, allocations=(), **options):
    return age_items(items=items, allocations=allocations, as_of=AS_OF, **options)["EUR"]


# days past due and buckets


def test_days_past_due_is_zero_on_the_due_date_so_not_due():
    assert days_past_due(due_date=AS_OF, as_of=AS_OF) == 0
    assert bucket_for(days_past_due=0) == 0


def test_days_past_due_is_one_the_day_after_the_due_date():
    assert days_past_due(due_date=date(2026, 10, 30), as_of=AS_OF) == 1


def test_days_past_due_is_negative_before_the_due_date():
    assert days_past_due(due_date=date(2026, 11, 3), as_of=AS_OF) == -3


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(-10, 0), (1, 1), (30, 1), (31, 2), (60, 2), (61, 3), (90, 3), (91, 4), (120, 4), (121, 5), (999, 5)],
)
def test_bucket_for_puts_edge_days_in_the_lower_bucket(days, bucket):
    assert bucket_for(days_past_due=days, edges=DEFAULT_EDGES) == bucket


def test_default_bucket_keys_are_the_product_names():
    assert bucket_keys() == ("not_due", "d1_30", "d31_60", "d61_90", "d91_120", "over_120")


def test_bucket_keys_and_labels_follow_custom_edges():
    buckets = aging_buckets(edges=(15, 45))
    assert [b.key for b in buckets] == ["not_due", "d1_15", "d16_45", "over_45"]
    assert [b.label for b in buckets] == ["not due", "1–15", "16–45", "> 45"]
    assert (buckets[2].first_day, buckets[2].last_day, buckets[3].last_day) == (16, 45, None)


@pytest.mark.parametrize("edges", [(), (30, 30), (0, 30), (60, 30), (30, -5)])
def test_aging_buckets_refuse_edges_that_are_not_increasing_positive_days(edges):
    with pytest.raises(EncoursError):
        aging_buckets(edges=edges)


@given(
    a=st.integers(min_value=-400, max_value=400),
    b=st.integers(min_value=-400, max_value=400),
    edges=st.lists(st.integers(min_value=1, max_value=365), min_size=1, max_size=8, unique=True).map(
        lambda e: tuple(sorted(e))
    ),
)
def test_bucket_for_never_puts_a_later_item_in_an_earlier_bucket(a, b, edges):
    low, high = sorted((a, b))
    assert bucket_for(days_past_due=low, edges=edges) <= bucket_for(days_past_due=high, edges=edges)
    assert 0 <= bucket_for(days_past_due=high, edges=edges) <= len(edges) + 1


# items, allocations and open amounts


def test_ledger_item_refuses_a_negative_invoice():
    with pytest.raises(EncoursError):
        invoice("FA1", "-10.00", due=AS_OF)


def test_ledger_item_refuses_a_positive_payment():
    with pytest.raises(EncoursError):
        payment("VIR1", "-10.00", on=AS_OF)


def test_ledger_item_refuses_a_float_amount():
    with pytest.raises(EncoursError):
        LedgerItem(
            key="FA1",
            kind=ItemKind.INVOICE,
            customer="C1",
            document_date=AS_OF,
            due_date=AS_OF,
            amount=10.5,  # type: ignore[arg-type]
        )


def test_ledger_item_accepts_the_kind_as_its_django_string_and_refuses_unknown_ones():
    item = LedgerItem(
        key=1, kind="credit_note", customer="C1", document_date=AS_OF, due_date=AS_OF, amount=Decimal("-5")
    )  # type: ignore[arg-type]
    assert item.kind is ItemKind.CREDIT_NOTE
    with pytest.raises(EncoursError):
        LedgerItem(key=2, kind="bill", customer="C1", document_date=AS_OF, due_date=AS_OF, amount=Decimal(5))  # type: ignore[arg-type]


def test_allocation_refuses_a_zero_amount():
    with pytest.raises(EncoursError):
        allocation("FA1", "VIR1", "0", AS_OF)


def test_open_amount_of_an_invoice_subtracts_allocations_dated_up_to_as_of():
    fa = invoice("FA1", "1000.00", due=date(2026, 10, 1))
    allocations = [
        allocation("FA1", "VIR1", "300.00", date(2026, 10, 31)),
        allocation("FA1", "AV1", "200.00", date(2026, 11, 1)),
    ]
    assert open_amount_as_of(item=fa, allocations=allocations, as_of=AS_OF) == Decimal("700.00")
    assert open_amount_as_of(item=fa, allocations=allocations, as_of=date(2026, 11, 1)) == Decimal("500.00")


def test_open_amount_of_a_payment_is_negative_until_fully_allocated():
    vir = payment("VIR1", "500.00", on=date(2026, 10, 5))
    allocations = [allocation("FA1", "VIR1", "350.00", date(2026, 10, 5))]
    assert open_amount_as_of(item=vir, allocations=allocations, as_of=AS_OF) == Decimal("-150.00")


def test_open_amount_of_an_item_issued_after_as_of_is_zero():
    fa = invoice("FA9", "100.00", due=date(2026, 12, 15), issued=date(2026, 11, 15))
    assert open_amount_as_of(item=fa, allocations=(), as_of=AS_OF) == ZERO


def test_open_amounts_as_of_lists_only_items_existing_on_as_of():
    items = [
        invoice("FA1", "100.00", due=date(2026, 11, 5), issued=date(2026, 10, 6)),
        invoice("FA2", "50.00", due=date(2026, 12, 5), issued=date(2026, 11, 5)),
    ]
    assert open_amounts_as_of(items=items, allocations=(), as_of=AS_OF) == {"FA1": Decimal("100.00")}


# aged balance


def test_age_items_puts_each_invoice_in_its_bucket_by_days_past_due():
    items = [
        invoice("FA1", "100.00", due=date(2026, 11, 5)),  # not due
        invoice("FA2", "200.00", due=date(2026, 10, 1)),  # 30 days
        invoice("FA3", "300.00", due=date(2026, 9, 30)),  # 31 days
        invoice("FA4", "400.00", due=date(2026, 8, 2)),  # 90 days
        invoice("FA5", "500.00", due=date(2026, 7, 3)),  # 120 days
        invoice("FA6", "600.00", due=date(2026, 7, 2)),  # 121 days
    ]
    balance = eur_balance(items)
    assert balance.buckets == tuple(Decimal(x) for x in ("100.00", "200.00", "300.00", "400.00", "500.00", "600.00"))
    assert balance.total == Decimal("2100.00")
    assert balance.overdue == Decimal("2000.00")


def test_age_items_keeps_open_an_invoice_paid_after_as_of():
    items = [
        invoice("FA1", "800.00", due=date(2026, 10, 10)),
        payment("VIR1", "800.00", on=date(2026, 11, 3)),
    ]
    balance = eur_balance(items, [allocation("FA1", "VIR1", "800.00", date(2026, 11, 3))])
    assert balance.by_key()["d1_30"] == Decimal("800.00")
    assert balance.unapplied == ZERO


def test_age_items_shows_an_unallocated_payment_as_negative_unapplied_cash():
    items = [
        invoice("FA1", "800.00", due=date(2026, 10, 10)),
        payment("VIR1", "1000.00", on=date(2026, 10, 20)),
    ]
    balance = eur_balance(items, [allocation("FA1", "VIR1", "800.00", date(2026, 10, 20))])
    assert balance.open_debits == ZERO
    assert balance.unapplied == Decimal("-200.00")
    assert balance.total == Decimal("-200.00")


def test_age_items_ages_the_remaining_part_of_a_partly_paid_invoice():
    items = [
        invoice("FA1", "1000.00", due=date(2026, 9, 15)),
        payment("VIR1", "400.00", on=date(2026, 10, 1)),
    ]
    balance = eur_balance(items, [allocation("FA1", "VIR1", "400.00", date(2026, 10, 1))])
    assert balance.by_key()["d31_60"] == Decimal("600.00")


def test_age_items_with_custom_edges_uses_their_buckets():
    items = [invoice("FA1", "10.00", due=date(2026, 10, 16)), invoice("FA2", "20.00", due=date(2026, 10, 15))]
    balance = eur_balance(items, edges=(15, 45))
    assert balance.by_key() == {
        "not_due": ZERO,
        "d1_15": Decimal("10.00"),
        "d16_45": Decimal("20.00"),
        "over_45": ZERO,
    }


def test_not_due_horizons_are_cumulative_and_count_the_due_date_itself():
    items = [
        invoice("FA1", "1.00", due=AS_OF),  # due today: within 7
        invoice("FA2", "10.00", due=date(2026, 11, 7)),  # in 7 days
        invoice("FA3", "100.00", due=date(2026, 11, 8)),  # in 8 days
        invoice("FA4", "1000.00", due=date(2026, 11, 30)),  # in 30 days
        invoice("FA5", "10000.00", due=date(2026, 12, 1), issued=date(2026, 10, 2)),  # in 31 days
    ]
    balance = eur_balance(items)
    assert balance.due_within == (Decimal("11.00"), Decimal("1111.00"))
    assert balance.not_due == Decimal("11111.00")


def test_disputed_amount_counts_disputes_open_on_as_of_only():
    items = [invoice(f"FA{i}", "500.00", due=date(2026, 9, 1)) for i in range(1, 4)]
    disputes = [
        Dispute(item_key="FA1", amount=Decimal("120.00"), opened_on=date(2026, 10, 1)),
        Dispute(
            item_key="FA2",
            amount=Decimal("80.00"),
            opened_on=date(2026, 9, 1),
            resolved_on=date(2026, 10, 31),
        ),
        Dispute(item_key="FA3", amount=Decimal("50.00"), opened_on=date(2026, 11, 2)),
    ]
    assert eur_balance(items, disputes=disputes).disputed == Decimal("120.00")


def test_disputed_amount_is_capped_at_the_open_amount():
    items = [invoice("FA1", "500.00", due=date(2026, 9, 1)), payment("VIR1", "450.00", on=date(2026, 10, 2))]
    disputes = [Dispute(item_key="FA1", amount=Decimal("500.00"), opened_on=date(2026, 9, 10))]
    balance = eur_balance(items, [allocation("FA1", "VIR1", "450.00", date(2026, 10, 2))], disputes=disputes)
    assert balance.disputed == Decimal("50.00")


def test_aged_open_items_lists_open_lines_oldest_due_first_without_settled_ones():
    items = [
        invoice("FA2", "200.00", due=date(2026, 10, 20)),
        invoice("FA1", "100.00", due=date(2026, 8, 20)),
        invoice("FA3", "300.00", due=date(2026, 9, 20)),
        payment("VIR1", "300.00", on=date(2026, 10, 1)),
    ]
    aged = aged_open_items(
        items=items, allocations=[allocation("FA3", "VIR1", "300.00", date(2026, 10, 1))], as_of=AS_OF
    )
    assert [(a.item.key, a.days_past_due, a.bucket) for a in aged] == [("FA1", 72, 3), ("FA2", 11, 1)]


def test_age_items_returns_one_balance_per_currency():
    items = [invoice("FA1", "100.00", due=AS_OF), invoice("US1", "70.00", due=AS_OF, currency="USD")]
    balances = age_items(items=items, allocations=(), as_of=AS_OF)
    assert {c: b.total for c, b in balances.items()} == {"EUR": Decimal("100.00"), "USD": Decimal("70.00")}


def test_adding_aged_balances_of_different_currencies_is_refused():
    with pytest.raises(CurrencyMismatch):
        AgedBalance.empty("EUR") + AgedBalance.empty("USD")
    assert issubclass(CurrencyMismatch, EncoursError)


def test_adding_aged_balances_with_different_edges_is_refused():
    with pytest.raises(EncoursError):
        AgedBalance.empty("EUR") + AgedBalance.empty("EUR", edges=(30, 60))


def test_adding_aged_balances_sums_every_field():
    first = AgedBalance(
        currency="EUR",
        buckets=tuple(Decimal(x) for x in "123456"),
        unapplied=Decimal(-7),
        disputed=Decimal(2),
        due_within=(Decimal(1), Decimal(1)),
    )
    second = AgedBalance(
        currency="EUR",
        buckets=tuple(Decimal(x) for x in "654321"),
        unapplied=Decimal(-3),
        disputed=Decimal(5),
        due_within=(Decimal(0), Decimal(4)),
    )
    total = first + second
    assert total.buckets == (Decimal(7),) * 6
    assert (total.unapplied, total.disputed, total.due_within) == (
        Decimal(-10),
        Decimal(7),
        (Decimal(1), Decimal(5)),
    )
    assert total.total == Decimal(32)


def test_sum_of_aged_balances_starts_from_zero():
    rows = [
        AgedBalance(currency="EUR", buckets=(Decimal(1),) * 6),
        AgedBalance(currency="EUR", buckets=(Decimal(2),) * 6),
    ]
    assert sum(rows).buckets == (Decimal(3),) * 6  # type: ignore[union-attr]


def test_aged_balance_refuses_a_bucket_count_not_matching_its_edges():
    with pytest.raises(EncoursError):
        AgedBalance(currency="EUR", buckets=(ZERO,) * 5)


def test_overdue_beyond_sums_the_buckets_past_an_edge():
    balance = AgedBalance(
        currency="EUR", buckets=tuple(Decimal(x) for x in ("1", "10", "100", "1000", "10000", "100000"))
    )
    assert balance.overdue_beyond(60) == Decimal(111000)
    assert balance.overdue_beyond(120) == Decimal(100000)
    assert balance.overdue_beyond(0) == Decimal(111110)
    with pytest.raises(EncoursError):
        balance.overdue_beyond(45)


def test_age_items_by_groups_on_any_key_such_as_region():
    region = {"C1": "Nord", "C2": "Sud", "C3": "Nord"}
    items = [
        invoice("FA1", "10.00", due=AS_OF, customer="C1"),
        invoice("FA2", "20.00", due=AS_OF, customer="C2"),
        invoice("FA3", "30.00", due=AS_OF, customer="C3"),
    ]
    rows = age_items_by(items=items, allocations=(), as_of=AS_OF, key=lambda item: region[item.customer])
    assert {k: b.total for k, b in rows.items()} == {
        ("Nord", "EUR"): Decimal("40.00"),
        ("Sud", "EUR"): Decimal("20.00"),
    }


# properties

BASE = date(2026, 1, 1)
amounts = st.integers(min_value=1, max_value=10_000_00).map(lambda cents: Decimal(cents) / 100)
offsets = st.integers(min_value=0, max_value=300)


@st.composite
def ledgers(draw):
    """Debits and credits of a few customers and two currencies, with consistent allocations."""
    items = []
    for index in range(draw(st.integers(min_value=0, max_value=12))):
        issued = BASE + timedelta(days=draw(offsets))
        items.append(
            LedgerItem(
                key=f"D{index}",
                kind=draw(st.sampled_from([ItemKind.INVOICE, ItemKind.ADJUSTMENT])),
                customer=draw(st.sampled_from(["C1", "C2", "C3"])),
                document_date=issued,
                due_date=issued + timedelta(days=draw(st.integers(min_value=0, max_value=90))),
                amount=draw(amounts),
                currency=draw(st.sampled_from(["EUR", "EUR", "USD"])),
            )
        )
    for index in range(draw(st.integers(min_value=0, max_value=8))):
        issued = BASE + timedelta(days=draw(offsets))
        items.append(
            LedgerItem(
                key=f"K{index}",
                kind=draw(st.sampled_from([ItemKind.PAYMENT, ItemKind.CREDIT_NOTE, ItemKind.ADJUSTMENT])),
                customer=draw(st.sampled_from(["C1", "C2", "C3"])),
                document_date=issued,
                due_date=issued,
                amount=-draw(amounts),
                currency=draw(st.sampled_from(["EUR", "EUR", "USD"])),
            )
        )
    return items, draw_allocations(draw, items)


def draw_allocations(draw, items):
    left = {item.key: abs(item.amount) for item in items}
    allocations = []
    for debit in (i for i in items if i.is_debit):
        for credit in (i for i in items if i.is_credit):
            same_account = (debit.customer, debit.currency) == (credit.customer, credit.currency)
            room = min(left[debit.key], left[credit.key])
            if not same_account or room <= 0 or not draw(st.booleans()):
                continue
            cents = draw(st.integers(min_value=1, max_value=int(room * 100)))
            amount = Decimal(cents) / 100
            later = max(debit.document_date, credit.document_date)
            allocations.append(
                Allocation(
                    debit_key=debit.key,
                    credit_key=credit.key,
                    amount=amount,
                    allocated_on=later + timedelta(days=draw(offsets)),
                )
            )
            left[debit.key] -= amount
            left[credit.key] -= amount
    return allocations


as_of_dates = offsets.map(lambda n: BASE + timedelta(days=n))


@given(ledger=ledgers(), as_of=as_of_dates)
def test_buckets_plus_unapplied_sum_to_the_open_amounts(ledger, as_of):
    items, allocations = ledger
    balances = age_items(items=items, allocations=allocations, as_of=as_of)
    opens = open_amounts_as_of(items=items, allocations=allocations, as_of=as_of)
    for currency, balance in balances.items():
        in_currency = [opens[i.key] for i in items if i.currency == currency and i.key in opens]
        assert sum(balance.buckets, ZERO) + balance.unapplied == balance.total == sum(in_currency, ZERO)


@given(ledger=ledgers(), as_of=as_of_dates)
def test_aged_total_equals_the_net_of_the_items_existing_on_as_of(ledger, as_of):
    items, allocations = ledger
    balances = age_items(items=items, allocations=allocations, as_of=as_of)
    for currency in {"EUR", "USD"}:
        net = sum((i.amount for i in items if i.currency == currency and i.document_date <= as_of), ZERO)
        total = balances[currency].total if currency in balances else ZERO
        assert total == net


@given(ledger=ledgers(), as_of=as_of_dates)
def test_aging_as_of_a_date_ignores_items_and_allocations_dated_after_it(ledger, as_of):
    items, allocations = ledger
    known_items = [i for i in items if i.document_date <= as_of]
    known_allocations = [a for a in allocations if a.allocated_on <= as_of]
    assert age_items(items=items, allocations=allocations, as_of=as_of) == age_items(
        items=known_items, allocations=known_allocations, as_of=as_of
    )


@given(ledger=ledgers(), as_of=as_of_dates)
def test_consolidating_customer_rows_equals_aging_all_items_at_once(ledger, as_of):
    items, allocations = ledger
    rows = age_items_by_customer(items=items, allocations=allocations, as_of=as_of)
    assert consolidate_by_currency(balances=rows.values()) == age_items(
        items=items, allocations=allocations, as_of=as_of
    )


@given(ledger=ledgers(), as_of=as_of_dates, disputed_share=st.integers(min_value=1, max_value=200))
def test_disputed_and_horizon_amounts_stay_within_what_they_are_part_of(ledger, as_of, disputed_share):
    items, allocations = ledger
    disputes = [
        Dispute(item_key=i.key, amount=i.amount * disputed_share / 100, opened_on=i.document_date)
        for i in items
        if i.is_debit
    ]
    for balance in age_items(items=items, allocations=allocations, as_of=as_of, disputes=disputes).values():
        assert all(amount >= ZERO for amount in balance.buckets)
        assert ZERO <= balance.disputed <= balance.open_debits
        assert ZERO <= balance.due_within[0] <= balance.due_within[1] <= balance.not_due
        assert balance.unapplied <= ZERO


def test_edges_found_valid_once_are_still_refused_when_a_bool_or_a_wrong_order_comes_later():
    validate_edges((30, 60))
    with pytest.raises(ValidationFailed):
        validate_edges((30, True))  # True == 1 and hashes like it: the cache must not confuse them
    with pytest.raises(ValidationFailed):
        validate_edges((1, 30, 30))
    validate_edges((1, 30))
