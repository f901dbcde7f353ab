"""The aging and DSO core reproduce the figures expected for the sample FEC, to the cent.

The loader reads only what the KPIs need from the FEC's 411 lines; the real FEC parser
lives elsewhere. Conventions (data README): due date = document date + 30 days; a debit is
an invoice, a credit in VT a credit note, a credit in BQ a payment; lines lettered together
(same customer and EcritureLet) settle each other on their DateLet; an unlettered credit
note "Avoir AVx sur FAy" cancels invoice FAy.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from encours.core.aging import age_items, age_items_by_customer, aged_open_items
from encours.core.kpi import countback_dso, period_dso, round_kpi, sales_by_month, sales_in_period
from encours.core.money import ZERO, D
from encours.core.open_items import Allocation, ItemKind, LedgerItem
from encours.core.periods import calendar_months_period
from tests.conftest import SAMPLE as SAMPLE_DIR
from tests.conftest import need

SAMPLE = Path(SAMPLE_DIR)
FEC = SAMPLE / "595401761FEC20261031.txt"
CUT_OFF = date(2026, 10, 31)
TERMS = timedelta(days=30)
CANCELS = re.compile(r"\bsur\s+(\S+)")


@pytest.fixture(autouse=True)
def _sample_available():
    need(FEC.exists(), f"sample portfolio {SAMPLE} missing (../shared beside the clone)")


Lettered = tuple[LedgerItem, date]


def _day(text: str) -> date:
    return datetime.strptime(text, "%Y%m%d").date()


def _item_of(row: dict[str, str]) -> LedgerItem:
    debit, credit = D(row["Debit"]), D(row["Credit"])
    if debit > 0:
        kind, amount = ItemKind.INVOICE, debit
    else:
        kind = ItemKind.CREDIT_NOTE if row["JournalCode"] == "VT" else ItemKind.PAYMENT
        amount = -credit
    document_date = _day(row["PieceDate"])
    return LedgerItem(
        key=row["PieceRef"],
        kind=kind,
        customer=row["CompAuxNum"],
        document_date=document_date,
        due_date=document_date + TERMS if kind == ItemKind.INVOICE else document_date,
        amount=amount,
    )


def _allocate_group(lines: list[Lettered]) -> list[Allocation]:
    """Pairs the debits and credits of one lettered group, oldest first (the group nets to 0)."""
    ordered = sorted(lines, key=lambda line: line[0].document_date)
    debits = [[item, abs(item.amount), lettered] for item, lettered in ordered if item.is_debit]
    allocations = []
    for credit, credit_lettered in (line for line in ordered if line[0].is_credit):
        left = -credit.amount
        for debit in debits:
            take = min(left, debit[1])
            if take > 0:
                allocations.append(
                    Allocation(
                        debit_key=debit[0].key,
                        credit_key=credit.key,
                        amount=take,
                        allocated_on=max(debit[2], credit_lettered),
                    )
                )
                debit[1] -= take
                left -= take
    return allocations


def _cancellations(credit_notes: list[tuple[LedgerItem, str]], by_key: dict[str, LedgerItem]) -> list[Allocation]:
    allocations = []
    for note, label in credit_notes:
        invoice = by_key[CANCELS.search(label)[1]]  # type: ignore[index]
        amount = min(-note.amount, invoice.amount)
        allocations.append(
            Allocation(
                debit_key=invoice.key,
                credit_key=note.key,
                amount=amount,
                allocated_on=max(invoice.document_date, note.document_date),
            )
        )
    return allocations


@cache
def sample_ledger() -> tuple[tuple[LedgerItem, ...], tuple[Allocation, ...]]:
    items: list[LedgerItem] = []
    groups: defaultdict[tuple[str, str], list[Lettered]] = defaultdict(list)
    unlettered_notes: list[tuple[LedgerItem, str]] = []
    with FEC.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="|"):
            if not row["CompteNum"].startswith("411"):
                continue
            item = _item_of(row)
            items.append(item)
            if row["EcritureLet"]:
                groups[(item.customer, row["EcritureLet"])].append((item, _day(row["DateLet"])))
            elif item.kind == ItemKind.CREDIT_NOTE:
                unlettered_notes.append((item, row["EcritureLib"]))
    allocations = [a for lines in groups.values() for a in _allocate_group(lines)]
    allocations += _cancellations(unlettered_notes, {str(i.key): i for i in items})
    return tuple(items), tuple(allocations)


def _expected_kpis() -> dict[str, Decimal]:
    with (SAMPLE / "expected_kpis.csv").open(encoding="utf-8", newline="") as handle:
        return {row["kpi"]: Decimal(row["value"]) for row in csv.DictReader(handle)}


def test_sample_ledger_loader_reads_every_customer_line_and_letters_balance():
    items, allocations = sample_ledger()
    assert len(items) == 2581
    assert sum(a.amount for a in allocations) == sum(i.amount for i in items if i.is_debit) - D("155031.92")


def test_sample_open_ar_and_current_ar_match_expected_to_the_cent():
    items, allocations = sample_ledger()
    balance = age_items(items=items, allocations=allocations, as_of=CUT_OFF)["EUR"]
    expected = _expected_kpis()
    assert balance.total == expected["open_ar"]
    assert balance.not_due == expected["current_ar"]
    assert balance.unapplied == ZERO


def test_sample_countback_dso_matches_expected():
    items, allocations = sample_ledger()
    ar = age_items(items=items, allocations=allocations, as_of=CUT_OFF)["EUR"].total
    result = countback_dso(receivables=ar, monthly_sales=sales_by_month(items=items, as_of=CUT_OFF), as_of=CUT_OFF)
    assert round_kpi(result.days) == _expected_kpis()["dso_countback"]
    assert not result.history_exhausted
    assert result.months_counted == 2


def test_sample_simple_dso_bpdso_and_add_over_august_to_october_match_expected():
    items, allocations = sample_ledger()
    balance = age_items(items=items, allocations=allocations, as_of=CUT_OFF)["EUR"]
    period = calendar_months_period(as_of=CUT_OFF, months=3)
    figures = period_dso(
        receivables=balance.total,
        current_receivables=balance.not_due,
        period_sales=sales_in_period(items=items, period=period),
        period=period,
    )
    expected = _expected_kpis()
    assert figures is not None
    assert period.days == 92
    assert round_kpi(figures.dso) == expected["dso_simple_92d"]
    assert round_kpi(figures.best_possible_dso) == expected["bpdso_92d"]
    assert round_kpi(figures.average_days_delinquent) == expected["add_92d"]


def test_sample_aged_balance_per_customer_matches_expected_aging():
    items, allocations = sample_ledger()
    rows = age_items_by_customer(items=items, allocations=allocations, as_of=CUT_OFF)
    with (SAMPLE / "expected_aging.csv").open(encoding="utf-8", newline="") as handle:
        expected = {row["customer"]: row for row in csv.DictReader(handle) if row["customer"] != "TOTAL"}
    assert {customer for customer, _ in rows} == set(expected)
    columns = ("not_due", "1-30", "31-60", "61-90", "91-120", ">120")
    for (customer, _), balance in rows.items():
        assert balance.buckets == tuple(Decimal(expected[customer][c]) for c in columns), customer
        assert balance.total == Decimal(expected[customer]["total"]), customer


def test_sample_open_invoices_and_days_past_due_match_expected_open_items():
    items, allocations = sample_ledger()
    aged = aged_open_items(items=items, allocations=allocations, as_of=CUT_OFF)
    with (SAMPLE / "expected_open_items.csv").open(encoding="utf-8", newline="") as handle:
        expected = {
            row["invoice"]: (Decimal(row["open_amount"]), int(row["days_past_due"])) for row in csv.DictReader(handle)
        }
    assert {line.item.key: (line.open_amount, line.days_past_due) for line in aged} == expected


def test_sample_aged_total_a_month_earlier_equals_the_net_of_items_existing_then():
    items, allocations = sample_ledger()
    as_of = date(2026, 9, 30)
    balance = age_items(items=items, allocations=allocations, as_of=as_of)["EUR"]
    assert balance.total == sum((i.amount for i in items if i.document_date <= as_of), ZERO)
    assert balance.total != D("155031.92")
