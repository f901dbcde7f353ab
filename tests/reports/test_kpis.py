"""KPIs from the SQL aggregates, on ledgers whose figures are computed by hand in the docstrings."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from encours import contracts
from encours.core.kpi import countback_dso, round_kpi
from encours.core.periods import Month
from encours.ledger.models import Customer, Item
from encours.reports.selectors.aging import aged_balance
from encours.reports.selectors.kpis import kpis, scope_figures
from encours.reports.selectors.series import kpi_series
from tests.factories import EntityFactory

pytestmark = pytest.mark.django_db
MARCH = date(2026, 3, 31)


@pytest.fixture
def quarter(book):
    """Dec 20 000 (paid 15 Jan), Jan 31 000 (paid 20 Feb), Feb 28 000 (19 000 paid 20 Mar),
    Mar 31 000 open. On 31 March: AR 40 000, of which 31 000 not due (Mar, due 9 Apr)."""
    customer = book.customer(account_number="C1")
    december = book.invoice(customer, "20000.00", date(2025, 12, 10))
    january = book.invoice(customer, "31000.00", date(2026, 1, 10))
    february = book.invoice(customer, "28000.00", date(2026, 2, 10))
    book.invoice(customer, "31000.00", date(2026, 3, 10))
    book.pay(december, "20000.00", date(2026, 1, 15))
    book.pay(january, "31000.00", date(2026, 2, 20))
    book.pay(february, "19000.00", date(2026, 3, 20))
    return customer


def _kpi_file(tmp_path, *args):
    out = tmp_path / "kpis.csv"
    call_command("kpis", "--as-of", "2026-03-31", "--format", "csv", "--output", str(out), *args, stdout=io.StringIO())
    return {row["kpi"]: row["value"] for row in csv.DictReader(out.open(encoding="utf-8"))}


def test_kpis_of_a_hand_computed_quarter(quarter, tmp_path):
    """Countback: March 31 000 → 31 days, 9 000 left of February's 28 000 → 9 of its 28 days: 40.
    Simple DSO 40 000 / 90 000 × 90 = 40; BPDSO 31 000 / 90 000 × 90 = 31; ADD 9.
    CEI (20 000 + 90 000/3 − 40 000) / (20 000 + 30 000 − 31 000) = 10 000 / 19 000 = 52.63 %."""
    assert _kpi_file(tmp_path) == {
        "open_ar": "40000.00",
        "current_ar": "31000.00",
        "overdue": "9000.00",
        "unapplied": "0.00",
        "disputed": "0.00",
        "dso_countback": "40.00",
        "dso_simple": "40.00",
        "bpdso": "31.00",
        "add": "9.00",
        "cei": "52.63",
        "overdue_rate": "22.50",
        "unpaid_rate": "0.00",
        "written_off": "0.00",
        "litigation": "0.00",  # the collections app provides the litigation items
        "sales_period": "90000.00",
        "ar_share_of_assets": "",
    }


def test_share_of_total_assets_when_the_balance_sheet_is_known(quarter, tmp_path, entity):
    entity.total_assets = Decimal("400000")
    entity.save()
    assert _kpi_file(tmp_path, "--entity", entity.siren)["ar_share_of_assets"] == "10.00"


def test_cei_with_nothing_collectable_is_empty_not_an_error(book, tmp_path):
    """Only a March invoice of 1 000 due in April: collectable = 0 + 1 000/3 − 1 000 current < 0.
    The AR is all of March's sales: 31 days."""
    book.invoice(book.customer(), "1000.00", date(2026, 3, 25))
    figures = _kpi_file(tmp_path)
    assert figures["cei"] == "" and figures["dso_countback"] == "31.00" and figures["overdue_rate"] == "0.00"


def test_an_empty_book_gives_zeros_and_empty_ratios(entity, tmp_path):
    figures = _kpi_file(tmp_path)
    assert figures["open_ar"] == "0.00" and figures["dso_countback"] == "0.00"
    assert figures["dso_simple"] == figures["cei"] == figures["overdue_rate"] == ""


def test_unpaid_rate_counts_write_offs_and_litigation_over_twelve_months_of_sales(book):
    """Sales 100 000 + 20 000; 2 000 written off as a bad debt; 5 000 of the second invoice in
    litigation: (2 000 + 5 000) / 120 000 = 5.83 %."""
    customer = book.customer()
    first = book.invoice(customer, "100000.00", date(2025, 6, 1))
    second = book.invoice(customer, "20000.00", date(2026, 1, 5))
    write_off = book.item(customer, "adjustment", "-2000.00", date(2026, 2, 1), label="Créance irrécouvrable")
    book.letter(first, write_off, "2000.00", date(2026, 2, 1))
    book.pay(first, "98000.00", date(2025, 8, 1))
    book.pay(second, "15000.00", date(2026, 2, 10))

    @contracts.LITIGATION.register
    def handed_over(*, until):
        return [contracts.LitigationSpan(item_id=second.pk, opened_on=date.min)]  # always

    figures = scope_figures(customers=Customer.objects.all(), as_of=MARCH)
    assert figures.written_off == Decimal("2000.00")
    assert figures.litigation == Decimal("5000.00")
    assert round_kpi(figures.unpaid_rate * 100) == Decimal("5.83")


def test_only_bad_debt_write_offs_count_as_written_off_not_fees_discounts_or_other_adjustments(book):
    """Of five credit adjustments only the two labelled as bad debts (300 + 700) are written off."""
    customer = book.customer()
    book.invoice(customer, "50000.00", date(2026, 1, 5))
    for amount, label in (
        ("300.00", "CRÉANCE IRRÉCOUVRABLE Dupont"),  # FEC 654, upper case
        ("700.00", "Perte sur créances 2025 (6714)"),
        ("4.50", "bank_fee"),  # the payment matcher's write-off of bank fees
        ("120.00", "early_payment_discount"),
        ("2500.00", "Transfert en clients douteux 416"),
    ):
        book.item(customer, "adjustment", f"-{amount}", date(2026, 2, 1), label=label)
    figures = scope_figures(customers=Customer.objects.all(), as_of=MARCH)
    assert figures.written_off == Decimal("1000.00")
    assert figures.unpaid_rate == Decimal("1000.00") / Decimal("50000.00")


def test_two_currencies_give_two_rows_and_the_kpi_file_asks_for_an_entity(book, tmp_path):
    swiss = EntityFactory(name="Durand Suisse SA", siren="552100554")
    swiss.currency = "CHF"
    swiss.save()
    book.invoice(book.customer(), "100.00", date(2026, 3, 1))
    book.invoice(book.customer(entity=swiss), "70.00", date(2026, 3, 1))
    report = kpis(customers=Customer.objects.all(), as_of=MARCH)
    assert {row.figures.currency: row.figures.open_ar for row in report.rows} == {
        "CHF": Decimal("70.00"),
        "EUR": Decimal("100.00"),
    }
    with pytest.raises(CommandError, match="mixes currencies"):
        _kpi_file(tmp_path)
    assert _kpi_file(tmp_path, "--entity", "552100554")["open_ar"] == "70.00"


def test_a_customer_with_sales_but_nothing_open_has_a_zero_dso_row(quarter, book):
    paid_up = book.customer(account_number="C2")
    book.pay(book.invoice(paid_up, "500.00", date(2026, 3, 1)), "500.00", date(2026, 3, 15))
    rows = {row.key: row.figures for row in kpis(customers=Customer.objects.all(), as_of=MARCH, by="customer").rows}
    assert rows["C2"].open_ar == Decimal("0.00") and rows["C2"].countback.days == 0
    assert rows["C2"].period_sales == Decimal("500.00")
    assert round_kpi(rows["C1"].countback.days) == Decimal("40.00")


def test_countback_reads_older_months_only_when_the_receivables_need_them(book):
    """A slow payer owing 14 monthly invoices of 1 000 and a fast one owing April's 5 000: the first
    needs 14 months of sales, found by widening the window (equal to the core countback on the
    full history); the second, April's 30 days."""
    slow, fast = book.customer(account_number="SLOW"), book.customer(account_number="FAST")
    sales = {}
    for offset in range(16):
        month = Month(year=2025, month=1).shifted(offset)
        paid_next_month = book.invoice(fast, "5000.00", month.first_day)
        if offset < 15:
            book.pay(paid_next_month, "5000.00", month.shifted(1).first_day)
        invoice = book.invoice(slow, "1000.00", month.first_day)
        if offset < 2:
            book.pay(invoice, "1000.00", month.last_day)
        sales[month] = Decimal("1000.00")
    as_of = Month(year=2026, month=4).last_day
    rows = {row.key: row.figures for row in kpis(customers=Customer.objects.all(), as_of=as_of, by="customer").rows}
    expected = countback_dso(receivables=Decimal("14000.00"), monthly_sales=sales, as_of=as_of)
    assert rows["SLOW"].countback == expected
    assert rows["SLOW"].countback.months_counted == 14 and not rows["SLOW"].countback.history_exhausted
    assert round_kpi(rows["FAST"].countback.days) == Decimal("30.00")


def test_receivables_older_than_every_sale_make_a_floor_not_a_figure(book):
    customer = book.customer(account_number="C1")
    book.item(customer, "adjustment", "900.00", date(2026, 3, 1))  # a debit, not a sale
    figures = scope_figures(customers=Customer.objects.all(), as_of=MARCH)
    assert figures.countback.history_exhausted


def test_the_monthly_series_matches_the_aged_balance_at_each_month_end(quarter):
    series = kpi_series(customers=Customer.objects.all(), as_of=MARCH, months=4, full=True)["EUR"]
    cheap = kpi_series(customers=Customer.objects.all(), as_of=MARCH, months=4)["EUR"]
    assert [point.on for point in series.points] == [date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 28), MARCH]
    for point, light in zip(series.points, cheap.points, strict=True):
        aged = aged_balance(customers=Customer.objects.all(), as_of=point.on).totals["EUR"]
        assert point.receivables == light.receivables == aged.total
        assert point.countback == light.countback
    assert [p.receivables for p in series.points] == [
        Decimal("20000.00"),
        Decimal("31000.00"),
        Decimal("28000.00"),
        Decimal("40000.00"),
    ]
    assert round_kpi(series.points[-1].countback.days) == Decimal("40.00")
    assert round_kpi(series.points[-1].best_possible_dso) == Decimal("31.00")


def test_the_full_series_has_the_unpaid_rate_and_the_share_of_assets_of_each_month_end(quarter, book):
    """A 2 000 bad-debt write-off in February and the February invoice in litigation from
    March: each point's unpaid rate is the KPI table's as of that date; AR / total assets uses
    the one balance sheet known (400 000) at every point."""
    february = Item.objects.get(number__startswith="FA", amount=Decimal("28000.00"))
    write_off = book.item(quarter, "adjustment", "-2000.00", date(2026, 2, 25), label="Créance irrécouvrable")
    book.letter(february, write_off, "2000.00", date(2026, 2, 25))

    @contracts.LITIGATION.register
    def handed_over(*, until):  # handed over 40 days after the invoice
        return [contracts.LitigationSpan(item_id=february.pk, opened_on=february.document_date + timedelta(days=40))]

    customers = Customer.objects.all()
    series = kpi_series(customers=customers, as_of=MARCH, months=4, full=True, total_assets={"EUR": Decimal(400000)})
    points = series["EUR"].points
    assert series["EUR"].litigation_known and series["EUR"].total_assets == Decimal(400000)
    for point in points:
        assert point.unpaid_rate == scope_figures(customers=customers, as_of=point.on).unpaid_rate, point.on
        assert point.share_of_assets == point.receivables / Decimal(400000)
    # on 31 March: (2 000 + 7 000 still open of February) / 110 000 of sales since April 2025
    assert points[-1].unpaid_rate == Decimal(9000) / Decimal(110000)
    assert points[1].unpaid_rate == 0  # January: nothing written off, nothing in litigation yet
    assert kpi_series(customers=customers, as_of=MARCH, months=4)["EUR"].points[-1].unpaid_rate is None
