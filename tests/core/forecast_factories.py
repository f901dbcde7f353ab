"""Small builders for the forecast tests: readable invoices with sensible defaults."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from encours.core.forecast.records import DunningStep, InvoiceRecord


def invoice(
    number: str,
    *,
    customer: str = "C1",
    issued: date = date(2026, 1, 1),
    terms: int = 30,
    late: int | None = None,
    amount: str = "100.00",
    **fields: object,
) -> InvoiceRecord:
    """An invoice issued on ``issued``, due ``terms`` days later, paid ``late`` days after
    its due date (None: still open)."""
    due = issued + timedelta(days=terms)
    settled = None if late is None else due + timedelta(days=late)
    return InvoiceRecord(
        invoice_id=number,
        customer_id=customer,
        invoice_date=issued,
        due_date=due,
        amount=Decimal(amount),
        settled_date=settled,
        **fields,  # type: ignore[arg-type]
    )


def step(stage: int, executed_on: date, channel: str = "email") -> DunningStep:
    return DunningStep(stage=stage, executed_on=executed_on, channel=channel)


def monthly(
    customer: str, lateness: list[int], *, start: date = date(2025, 1, 1), **fields: object
) -> list[InvoiceRecord]:
    """One invoice a month from ``start``, each paid with the given days late."""
    return [
        invoice(
            f"{customer}-{k}",
            customer=customer,
            issued=date(start.year + (start.month - 1 + k) // 12, (start.month - 1 + k) % 12 + 1, start.day),
            late=late,
            **fields,
        )
        for k, late in enumerate(lateness)
    ]
