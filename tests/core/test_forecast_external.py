from datetime import date
from decimal import Decimal

import pytest

from encours.core.errors import ImportRejected, InvalidFile, ValidationFailed
from encours.core.forecast.estimators import TrainingSettings
from encours.core.forecast.evaluation import evaluate_payment_model
from encours.core.forecast.external import evaluate_external_csv, load_paid_invoices_csv, parse_column_mapping
from encours.synthetic.forecast import synthetic_portfolio

MAPPING = "customer=client,invoice_date=date_facture,due_date=echeance,amount=montant,settled_date=date_reglement"
HEADER = "client;date_facture;echeance;montant;date_reglement;litige;canal;pays"


def _load(lines, **options):
    content = "\n".join([HEADER, *lines]) + "\n"
    columns = parse_column_mapping(MAPPING + ",disputed=litige,channel=canal,country=pays")
    return load_paid_invoices_csv(content=content, columns=columns, date_format="%d/%m/%Y", **options)


def test_mapping_parses_name_column_pairs():
    assert parse_column_mapping(MAPPING + ", disputed = litige ")["disputed"] == "litige"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("customer=client", "missing invoice_date"),
        (MAPPING + ",colour=rouge", "unknown name 'colour'"),
        (MAPPING + ",amount=autre", "mapped twice"),
        (MAPPING + ",disputed", "expected NAME=COLUMN"),
    ],
)
def test_bad_mappings_are_refused(text, message):
    with pytest.raises(ValidationFailed, match=message):
        parse_column_mapping(text)


def test_rows_are_read_with_french_dates_and_decimal_comma():
    rows, errors = _load(["ACME;05/01/2026;04/02/2026;1 234,56;14/02/2026;oui;papier;FR"])
    assert errors == ()
    [row] = rows
    assert (row.customer_id, row.invoice_date, row.due_date) == ("ACME", date(2026, 1, 5), date(2026, 2, 4))
    assert (row.amount, row.days_late, row.terms_days) == (Decimal("1234.56"), 10, 30)
    assert (row.disputed, row.channel, row.country) == (True, "papier", "FR")
    assert row.invoice_id == "line-2"


def test_each_bad_value_is_reported_with_its_line_and_file_column():
    _, errors = _load(
        [
            "ACME;05/01/2026;04/02/2026;100;14/02/2026;non;;",
            "ACME;32/01/2026;04/02/2026;abc;;peut-être;;",
            ";05/01/2026;01/01/2026;-5;01/01/2025;;;",
        ]
    )
    found = {(e.line, e.column) for e in errors}
    assert found == {
        (3, "date_facture"), (3, "montant"), (3, "date_reglement"), (3, "litige"),
        (4, "client"), (4, "montant"), (4, "echeance"), (4, "date_reglement"),
    }  # fmt: skip
    assert next(e for e in errors if e.column == "montant" and e.line == 4).reason == "not a positive amount"


def test_explicit_decimal_point_reads_thousands_commas():
    rows, _ = _load(['ACME;05/01/2026;04/02/2026;"1,234.50";14/02/2026;;;'], decimal_separator=".")
    assert rows[0].amount == Decimal("1234.50")


def test_missing_mapped_column_rejects_the_file_naming_the_column():
    columns = parse_column_mapping(MAPPING.replace("montant", "amount_eur"))
    with pytest.raises(InvalidFile) as caught:
        load_paid_invoices_csv(content=HEADER + "\n", columns=columns)
    assert [(e.line, e.column) for e in caught.value.errors] == [(1, "amount_eur")]


def test_empty_file_is_refused():
    with pytest.raises(InvalidFile, match="empty"):
        load_paid_invoices_csv(content="", columns=parse_column_mapping(MAPPING))


def test_latin1_bytes_are_decoded():
    content = (HEADER + "\nSociété Générale;05/01/2026;04/02/2026;10;04/02/2026;;;\n").encode("latin-1")
    rows, _ = load_paid_invoices_csv(content=content, columns=parse_column_mapping(MAPPING), date_format="%d/%m/%Y")
    assert rows[0].customer_id == "Société Générale"


def _synthetic_csv():
    invoices = [
        i
        for i in synthetic_portfolio(customers=30, start=date(2024, 1, 1), as_of=date(2025, 1, 1)).invoices
        if i.settled_date
    ]
    lines = ["customerID,InvoiceDate,DueDate,InvoiceAmount,SettledDate,Disputed,PaperlessBill,countryCode"]
    for i in invoices:
        lines.append(
            f"{i.customer_id},{i.invoice_date:%m/%d/%Y},{i.due_date:%m/%d/%Y},{i.amount},"
            f"{i.settled_date:%m/%d/%Y},{'Yes' if i.disputed else 'No'},{i.channel},{i.country}"
        )
    columns = parse_column_mapping(
        "customer=customerID,invoice_date=InvoiceDate,due_date=DueDate,amount=InvoiceAmount,"
        "settled_date=SettledDate,disputed=Disputed,channel=PaperlessBill,country=countryCode"
    )
    return "\n".join(lines), columns, invoices


def test_external_csv_is_evaluated_like_the_ledger():
    content, columns, invoices = _synthetic_csv()
    settings = TrainingSettings(max_iter=30)
    report = evaluate_external_csv(content=content, columns=columns, date_format="%m/%d/%Y", settings=settings)
    rows, _ = load_paid_invoices_csv(content=content, columns=columns, date_format="%m/%d/%Y")
    assert report == evaluate_payment_model(invoices=rows, settings=settings)
    assert report.n_train + report.n_test <= len(invoices)


def test_external_csv_with_bad_rows_is_rejected_unless_told_to_skip_them():
    content, columns, _ = _synthetic_csv()
    broken = content + "\nX1,13/45/2024,01/01/2025,10,01/02/2025,No,email,FR"
    with pytest.raises(ImportRejected, match="nothing imported"):
        evaluate_external_csv(content=broken, columns=columns, date_format="%m/%d/%Y")
    report = evaluate_external_csv(
        content=broken, columns=columns, date_format="%m/%d/%Y", skip_invalid_rows=True,
        settings=TrainingSettings(max_iter=30),
    )  # fmt: skip
    assert report.n_test > 0
