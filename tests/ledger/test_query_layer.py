"""The ledger query layer (encours/ledger/queries.py): one definition of open, overdue and the aging
columns, used everywhere, equal to the core's bucket cut."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import Q

from encours.core.aging import aging_buckets, bucket_for, days_past_due
from encours.ledger.models import Customer, Item, ItemType
from encours.ledger.queries import (
    aging_columns,
    open_debit_q,
    open_q,
    overdue_on_q,
    overdue_q,
)
from tests.factories import CustomerFactory, ItemFactory, allocate

ENCOURS = Path(__file__).resolve().parents[2] / "encours"
LEDGER = ENCOURS / "ledger"

# The ad-hoc spellings of the ledger's reading rules: outside encours/ledger they go through
# encours.ledger.queries (open(), overdue(as_of), open_debit_q(prefix=…), FUNCTIONAL_OPEN…).
FORBIDDEN = re.compile(
    r"due_date__lt|open_amount__gt|settled_on__isnull"
    r"""|F\(\s*["']open_amount["']\s*\)\s*\*\s*F\(\s*["']fx_rate["']\s*\)"""
)


def _ad_hoc_rules(text: str) -> list[str]:
    return [match.group(0) for match in FORBIDDEN.finditer(text)]


def test_the_scan_finds_each_ad_hoc_spelling() -> None:
    sample = """
Item.objects.filter(settled_on__isnull=True, open_amount__gt=0, due_date__lt=as_of)
Q(items__due_date__lte=cutoff)
Sum(F("open_amount") * F("fx_rate"))
Sum(F('open_amount')*F('fx_rate'))
Item.objects.open().overdue(as_of)
"""
    assert _ad_hoc_rules(sample) == [
        "settled_on__isnull",
        "open_amount__gt",
        "due_date__lt",
        "due_date__lt",
        'F("open_amount") * F("fx_rate")',
        "F('open_amount')*F('fx_rate')",
    ]


def test_no_app_outside_the_ledger_types_open_or_overdue_again() -> None:
    found = []
    for path in sorted(ENCOURS.rglob("*.py")):
        if path.is_relative_to(LEDGER):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if _ad_hoc_rules(line):
                found.append(f"{path.relative_to(ENCOURS.parent)}:{number}: {line.strip()}")
    assert not found, "use encours.ledger.queries instead:\n" + "\n".join(found)


AS_OF = date(2026, 6, 30)


@pytest.fixture
def ledger(entity) -> dict[str, Item]:
    customer = CustomerFactory(entity=entity)
    items = {
        "late": ItemFactory(customer=customer, due_date=AS_OF - timedelta(days=10), fx_rate=Decimal("2")),
        "late_partly_paid": ItemFactory(customer=customer, due_date=AS_OF - timedelta(days=45)),
        "due_today": ItemFactory(customer=customer, due_date=AS_OF),
        "not_due": ItemFactory(customer=customer, due_date=AS_OF + timedelta(days=5)),
        "paid": ItemFactory(customer=customer, due_date=AS_OF - timedelta(days=60)),
        # dated after AS_OF (a later invoice, already due by its terms): not overdue on AS_OF
        "future": ItemFactory(
            customer=customer, document_date=AS_OF + timedelta(days=1), due_date=AS_OF - timedelta(1)
        ),
        "unapplied": ItemFactory(customer=customer, type=ItemType.PAYMENT, amount=Decimal("-300.00"), due_date=AS_OF),
        "payment": ItemFactory(customer=customer, type=ItemType.PAYMENT, amount=Decimal("-1400.00"), due_date=AS_OF),
    }
    allocate(items["late_partly_paid"], items["payment"], Decimal("200.00"), AS_OF - timedelta(days=3))
    allocate(items["paid"], items["payment"], Decimal("1200.00"), AS_OF - timedelta(days=2))
    for item in items.values():
        item.refresh_from_db()
    return items


def _names(ledger: dict[str, Item], queryset) -> set[str]:
    pks = set(queryset.values_list("pk", flat=True))
    return {name for name, item in ledger.items() if item.pk in pks}


@pytest.mark.django_db
def test_open_open_debits_overdue_not_due_and_unapplied(ledger) -> None:
    items = Item.objects.all()
    assert _names(ledger, items.open()) == {
        "late", "late_partly_paid", "due_today", "not_due", "future", "unapplied",
    }  # fmt: skip
    assert _names(ledger, items.open_debits()) == {"late", "late_partly_paid", "due_today", "not_due", "future"}
    assert _names(ledger, items.overdue(AS_OF)) == {"late", "late_partly_paid"}
    assert _names(ledger, items.overdue(AS_OF, more_than_days=10)) == {"late_partly_paid"}
    assert _names(ledger, items.overdue(AS_OF, more_than_days=45)) == set()
    assert _names(ledger, items.not_due(AS_OF)) == {"due_today", "not_due"}
    assert _names(ledger, items.unapplied()) == {"unapplied"}
    # the paid invoice fell due before AS_OF too: "due" says nothing of the state (penalties)
    assert _names(ledger, items.filter(amount__gt=0).due(before=AS_OF)) == {
        "late", "late_partly_paid", "paid", "future",
    }  # fmt: skip
    # related managers have the rules too
    customer = ledger["late"].customer
    assert _names(ledger, customer.items.overdue(AS_OF)) == {"late", "late_partly_paid"}


@pytest.mark.django_db
def test_functional_sum_and_the_prefixed_conditions(ledger) -> None:
    # late 1200 × 2, the partly paid 1000, due today 1200, not due 1200, future 1200, unapplied −300
    assert Item.objects.open().functional_sum() == Decimal("6700")
    assert Item.objects.overdue(AS_OF).functional_sum() == Decimal("3400")
    assert Item.objects.none().functional_sum() == Decimal("0")
    customer = ledger["late"].customer
    assert Customer.objects.filter(overdue_q(AS_OF, prefix="items__"), pk=customer.pk).exists()
    assert not Customer.objects.filter(overdue_q(AS_OF, more_than_days=45, prefix="items__")).exists()
    assert Customer.objects.filter(open_q(prefix="items__")).distinct().count() == 1
    assert Customer.objects.filter(open_debit_q(prefix="items__"), items__due_date__gt=AS_OF).distinct().count() == 1


@pytest.mark.django_db
def test_open_on_a_past_date_counts_only_the_allocations_dated_by_then(ledger) -> None:
    before_payments = AS_OF - timedelta(days=4)
    past = {item.pk: item.open_on for item in Item.objects.open_on(before_payments)}
    assert past[ledger["paid"].pk] == Decimal("1200")  # paid two days before AS_OF: open on AS_OF − 4
    assert past[ledger["late_partly_paid"].pk] == Decimal("1200")
    assert past[ledger["payment"].pk] == Decimal("-1400")
    assert ledger["future"].pk not in past  # did not exist yet
    now = {item.pk: item.open_on for item in Item.objects.open_on(AS_OF)}
    assert ledger["paid"].pk not in now and ledger["payment"].pk not in now
    assert now[ledger["late_partly_paid"].pk] == Decimal("1000")
    late_then = Item.objects.open_on(before_payments).filter(overdue_on_q(before_payments))
    assert {item.pk for item in late_then} == {ledger[name].pk for name in ("late", "late_partly_paid", "paid")}


@pytest.mark.parametrize("edges", [(30, 60, 90, 120), (15, 45), (1,), (7, 8, 9)])
@pytest.mark.django_db
def test_the_sql_aging_columns_cut_like_the_core_bucket_for(entity, edges) -> None:
    """Every due date from 10 days ahead to 40 days past the last edge lands in exactly the
    column ``core.aging.bucket_for`` gives, and in the horizons the core counts it in."""
    horizons = (0, 7, 30)
    customer = CustomerFactory(entity=entity)
    offsets = range(-(edges[-1] + 40), 11)
    items = {
        ItemFactory(
            customer=customer, document_date=AS_OF - timedelta(days=400), due_date=AS_OF + timedelta(days=k)
        ).pk: k
        for k in offsets
    }
    columns = aging_columns(as_of=AS_OF, edges=edges, horizons=horizons)
    assert len([name for name in columns if name.startswith("b")]) == len(aging_buckets(edges=edges))
    member_of: dict[int, list[str]] = {pk: [] for pk in items}
    for name, condition in columns.items():
        for pk in Item.objects.filter(condition, customer=customer).values_list("pk", flat=True):
            member_of[pk].append(name)
    for pk, offset in items.items():
        late = days_past_due(due_date=AS_OF + timedelta(days=offset), as_of=AS_OF)
        expected = [f"b{bucket_for(days_past_due=late, edges=edges)}"]
        expected += [f"h{i}" for i, horizon in enumerate(horizons) if late <= 0 and -late <= horizon]
        assert member_of[pk] == expected, (offset, member_of[pk], expected)
    credit = ItemFactory(customer=customer, type=ItemType.PAYMENT, amount=Decimal("-5.00"), due_date=AS_OF)
    assert list(Item.objects.filter(columns["unapplied"], customer=customer)) == [credit]
    overdue_pks = set(Item.objects.filter(overdue_on_q(AS_OF), customer=customer).values_list("pk", flat=True))
    assert overdue_pks == {pk for pk, names in member_of.items() if names[0] != "b0"}


def test_aging_columns_are_conditions_on_due_dates_only() -> None:
    columns = aging_columns(as_of=AS_OF, edges=(30,), horizons=(7,))
    assert set(columns) == {"b0", "b1", "b2", "h0", "unapplied"}
    assert all(isinstance(condition, Q) for condition in columns.values())
