"""The evaluation on the shared sample portfolio (FEC, 150 customers, two years): paid
invoices are read from the lettered 411 lines, due date = document date + 30 days."""

import csv
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from encours.core.forecast.evaluation import evaluate_payment_model
from encours.core.forecast.records import InvoiceRecord

FEC = Path("/work/shared/data/sample-portfolio/595401761FEC20261031.txt")


def _day(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


def _invoices_from_fec(path: Path) -> list[InvoiceRecord]:
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [row for row in csv.DictReader(handle, delimiter="|") if row["CompteNum"] == "411000"]
    receipts = defaultdict(list)  # letters are per customer account
    for row in lines:
        if row["EcritureLet"] and row["JournalCode"] == "BQ":
            receipts[(row["CompAuxNum"], row["EcritureLet"])].append(_day(row["EcritureDate"]))
    invoices = []
    for row in lines:
        if row["JournalCode"] != "VT" or not row["PieceRef"].startswith("FA"):
            continue
        paid_on = receipts.get((row["CompAuxNum"], row["EcritureLet"])) if row["EcritureLet"] else None
        issued = _day(row["PieceDate"])
        invoices.append(
            InvoiceRecord(
                invoice_id=row["PieceRef"],
                customer_id=row["CompAuxNum"],
                invoice_date=issued,
                due_date=issued + timedelta(days=30),
                amount=Decimal(row["Debit"].replace(",", ".")),
                settled_date=max(paid_on) if paid_on else None,
            )
        )
    return invoices


@pytest.mark.skipif(not FEC.exists(), reason="shared sample data not mounted")
def test_sample_portfolio_evaluation_beats_terms_and_picks_the_better_of_model_and_mean():
    invoices = _invoices_from_fec(FEC)
    report = evaluate_payment_model(invoices=invoices)
    assert report.split_date == date(2026, 8, 1)
    assert report.n_test == sum(1 for i in invoices if i.settled_date and i.settled_date >= date(2026, 8, 1))
    assert report.mae_model < report.mae_terms / 2
    assert report.mae_customer_mean < report.mae_terms / 2
    assert report.use_model == (report.mae_model < report.mae_customer_mean)
    assert report.auc_model > 0.8
