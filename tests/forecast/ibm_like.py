"""A CSV shaped like IBM's public accounts-receivable sample ("Finance Factoring: IBM Late Payment
Histories", WA_Fn-UseC_-Accounts-Receivable.csv, see tests/corpus/ibm/README.md), written by us
from its column list: the real file cannot be committed. Same columns, same date format
(%m/%d/%Y), invoices of 2012-2013 on 30-day terms from a hundred customers in five countries,
most paid within a few days of the due date and none more than 30 days late after mid-2013 (the
real file's test side, which made ``payment_model_eval`` crash with 0 overdue invoices)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

COLUMNS = (
    "customer=customerID,invoice_date=InvoiceDate,due_date=DueDate,amount=InvoiceAmount,"
    "settled_date=SettledDate,disputed=Disputed,channel=PaperlessBill,country=countryCode"
)
HEADER = (
    "countryCode,customerID,PaperlessBill,invoiceNumber,InvoiceDate,DueDate,InvoiceAmount,Disputed,"
    "SettledDate,PaperlessDate,DaysToSettle,DaysLate"
)
SPLIT = date(2013, 7, 1)


def _day(value: date) -> str:
    return f"{value.month}/{value.day}/{value.year}"


def ibm_like_rows(invoices: int = 2466, seed: int = 16) -> list[dict[str, object]]:
    rng = random.Random(seed)
    customers = []
    for n in range(100):
        habit = rng.choice([-8, -3, 0, 2, 5, 9, 14])  # days late or early this customer usually pays
        country = rng.choice([391, 406, 770, 818, 897])
        customers.append((f"{n:04d}-{''.join(rng.choices('ABCDEFGHJKLMNPQRSTUVWXYZ', k=5))}", habit, country))
    rows = []
    for number in range(invoices):
        customer, habit, country = rng.choice(customers)
        issued = date(2012, 1, 1) + timedelta(days=rng.randrange(730))
        due = issued + timedelta(days=30)
        disputed = rng.random() < 0.2
        delay = habit + rng.randint(-4, 4) + (rng.randint(5, 15) if disputed else 0)
        if due >= SPLIT - timedelta(days=20):
            delay = min(delay, 25)  # the test side: nobody is still unpaid 30 days after the due date
        settled = max(issued + timedelta(days=1), due + timedelta(days=delay))
        paperless = rng.random() < 0.5
        rows.append({
            "countryCode": country, "customerID": customer,
            "PaperlessBill": "Electronic" if paperless else "Paper", "invoiceNumber": 611365 + number,
            "InvoiceDate": _day(issued), "DueDate": _day(due), "InvoiceAmount": f"{rng.uniform(5, 130):.2f}",
            "Disputed": "Yes" if disputed else "No", "SettledDate": _day(settled),
            "PaperlessDate": _day(date(2012, 1, 1) + timedelta(days=rng.randrange(700))) if paperless else "0",
            "DaysToSettle": (settled - issued).days, "DaysLate": max(0, (settled - due).days),
            "_settled": settled,
        })  # fmt: skip
    return rows


def write_ibm_like(path: Path, **options: int) -> list[dict[str, object]]:
    rows = ibm_like_rows(**options)
    names = HEADER.split(",")
    lines = [HEADER, *(",".join(str(row[name]) for name in names) for row in rows)]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return rows
