"""Provision entries for the accountants: the page's rows and the CSV/XLSX export (one writer each,
``core.formats.spreadsheet``), one line per invoice with its accounts, amount excl. VAT and VAT, in
the invoice's currency and in the entity's functional currency (at the invoice's booked rate, the
rate its receivable is carried at in the books)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from django.db.models import DecimalField, F, QuerySet, Sum

from encours.core.formats.spreadsheet import Cell, CsvWriter, XlsxBook
from encours.core.money import ZERO, quantize
from encours.core.provisions import EXPENSE_ACCOUNT, PROVISION_ACCOUNT
from encours.disputes.models import ProvisionEntry
from encours.ledger.selectors import customers_for

COLUMNS = (
    "recorded_on", "committee", "entity", "account", "customer", "invoice", "document_date", "due_date", "currency",
    "open_amount", "vat_rate", "amount_ht", "vat", "rate", "provision", "debit_account", "credit_account",
    "functional_currency", "fx_rate", "amount_ht_functional", "vat_functional", "provision_functional",
)  # fmt: skip
FUNCTIONAL = DecimalField(max_digits=28, decimal_places=8)
MONEY = "#,##0.00"


def provisions_for(user: Any, *, committee_id: int | None = None) -> QuerySet[ProvisionEntry]:
    """The provision entries of the customers the user sees, oldest first."""
    entries = ProvisionEntry.objects.filter(customer__in=customers_for(user))
    if committee_id is not None:
        entries = entries.filter(case__committee_id=committee_id)
    return entries.select_related("case__committee", "customer__entity", "item").order_by("recorded_on", "pk")


def provision_totals(entries: QuerySet[ProvisionEntry]) -> list[dict[str, Any]]:
    """Totals in each functional currency (one per entity currency): invoices of other currencies
    are counted at their booked rate, never added up as they are."""

    def functional(name: str) -> Sum:
        return Sum(F(name) * F("item__fx_rate"), output_field=FUNCTIONAL)

    rows = (
        entries.order_by()
        .values("customer__entity__currency")
        .annotate(amount_ht=functional("amount_ht"), vat=functional("vat"), provision=functional("provision"))
        .order_by("customer__entity__currency")
    )
    return [
        {"currency": (currency := row["customer__entity__currency"])}
        | {name: quantize(row[name] or ZERO, currency) for name in ("amount_ht", "vat", "provision")}
        for row in rows
    ]


def provision_rows(entries: QuerySet[ProvisionEntry]) -> Iterator[tuple[Any, ...]]:
    for e in entries.iterator(chunk_size=2000):
        money = [quantize(amount, e.currency) for amount in (e.open_amount, e.amount_ht, e.vat, e.provision)]
        home, fx = e.customer.entity.currency, e.item.fx_rate
        functional = [quantize(amount * fx, home) for amount in (e.amount_ht, e.vat, e.provision)]
        yield (
            e.recorded_on, e.case.committee_id, e.customer.entity.siren, e.customer.account_number, e.customer.name,
            e.item.number, e.item.document_date, e.item.due_date, e.currency, money[0], e.vat_rate, money[1],
            money[2], e.rate, money[3], EXPENSE_ACCOUNT, PROVISION_ACCOUNT, home, fx, *functional,
        )  # fmt: skip


def provisions_csv(handle: IO[str], entries: QuerySet[ProvisionEntry]) -> int:
    writer = CsvWriter(handle)
    writer.row(COLUMNS)
    count = 0
    for row in provision_rows(entries):
        writer.row(row)
        count += 1
    return count


def provisions_xlsx(entries: QuerySet[ProvisionEntry]) -> bytes:
    book = XlsxBook()
    sheet = book.sheet("Provisions")
    sheet.widths([12, 10, 12, 12, 30, 16, 12, 12, 8, 14, 8, 14, 12, 8, 14, 10, 10, 10, 12, 14, 12, 14])
    sheet.freeze("A2")
    sheet.header(COLUMNS)
    money_columns = {
        COLUMNS.index(name)
        for name in ("open_amount", "amount_ht", "vat", "provision", "amount_ht_functional", "vat_functional",
                     "provision_functional")
    }  # fmt: skip
    for row in provision_rows(entries):
        sheet.row(
            [
                Cell(value=value, number_format=MONEY) if index in money_columns else value
                for index, value in enumerate(row)
            ]
        )
    return book.to_bytes()
