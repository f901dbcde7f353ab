"""Lettrage exports for the ERP: the allocations made from bank lines."""

from __future__ import annotations

from datetime import date
from typing import IO

from django.db.models import QuerySet

from encours.cash.models import AppliedAllocation
from encours.core.formats.fec_writer import HEADER
from encours.core.formats.spreadsheet import CsvWriter
from encours.ledger.models import LegalEntity

CSV_COLUMNS = ("entry_ref", "customer", "invoice", "amount")


def applied_allocations(
    *, entity: LegalEntity | None = None, since: date | None = None, entities: QuerySet[LegalEntity] | None = None
) -> QuerySet[AppliedAllocation]:
    rows = AppliedAllocation.objects.filter(application__undone_at__isnull=True, allocation__isnull=False)
    if entity is not None:
        rows = rows.filter(invoice__entity=entity)
    if entities is not None:
        rows = rows.filter(invoice__entity__in=entities)
    if since is not None:
        rows = rows.filter(allocation__date__gte=since)
    return rows.order_by("application_id", "id")


def allocations_csv(
    handle: IO[str],
    *,
    entity: LegalEntity | None = None,
    since: date | None = None,
    entities: QuerySet[LegalEntity] | None = None,
) -> int:
    """One row per allocation of cash from a bank line: entry_ref,customer,invoice,amount."""
    writer = CsvWriter(handle)
    writer.row(CSV_COLUMNS)
    count = 0
    rows = applied_allocations(entity=entity, since=since, entities=entities).filter(from_payment=True)
    for entry_ref, key, account, number, amount in rows.values_list(
        "application__line__entry_ref",
        "application__line__key",
        "invoice__customer__account_number",
        "invoice__number",
        "amount",
    ).iterator(chunk_size=5000):
        writer.row((entry_ref or key, account, number, f"{amount:.2f}"))
        count += 1
    return count


def _fec_amount(value: object) -> str:
    return f"{value:.2f}".replace(".", ",")


def allocations_fec(
    handle: IO[str],
    *,
    entity: LegalEntity | None = None,
    since: date | None = None,
    entities: QuerySet[LegalEntity] | None = None,
) -> int:
    """FEC-style lettrage lines on the customer account (411): the invoice and the credit
    (bank payment, credit note, write-off) that settles it share the application's
    EcritureLet code, dated by the allocation (DateLet)."""
    handle.write(HEADER + "\n")
    count = 0
    rows = applied_allocations(entity=entity, since=since, entities=entities).values_list(
        "application__letter",
        "application__line__entry_ref",
        "invoice__customer__account_number",
        "invoice__customer__name",
        "invoice__number",
        "invoice__document_date",
        "credit__number",
        "credit__document_date",
        "amount",
        "allocation__date",
    )
    for number, (letter, entry_ref, account, name, invoice, invoice_date, credit, credit_date, amount, on) in enumerate(
        rows.iterator(chunk_size=5000), start=1
    ):
        name = (name or "").replace("|", " ")
        let_date = on.strftime("%Y%m%d")
        for journal, piece, piece_date, debit, credit_amount, label in (
            ("VT", invoice, invoice_date, amount, 0, f"Facture {invoice}"),
            ("BQ", credit, credit_date, 0, amount, f"Règlement {entry_ref or credit}"),
        ):
            day = piece_date.strftime("%Y%m%d")
            handle.write(
                f"{journal}|{'Ventes' if journal == 'VT' else 'Banque'}|L{number:08d}|{day}|411000|Clients|{account}|"
                f"{name}|{piece}|{day}|{label}|{_fec_amount(debit)}|{_fec_amount(credit_amount)}|{letter}|{let_date}|"
                f"{day}||\n"
            )
        count += 1
    return count
