"""import_bank / export_allocations / matching_eval on real files: idempotence, accounts, errors."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from encours.audit.models import AuditEntry
from encours.cash.models import BankAccount, BankLine, LineStatus, Statement
from encours.cash.services.imports import bank_file_import
from encours.core.errors import EncoursError
from encours.ledger.models import Allocation, Item, ItemType
from tests.cash.conftest import ACCOUNT, BANK_DATA, CORE_FIXTURES, SAMPLE, camt, counts, credit
from tests.core.test_bank_corpus import PARAMS as CORPUS_PARAMS
from tests.core.test_bank_corpus import corpus_file

pytestmark = pytest.mark.django_db


def run(*args: str) -> list[str]:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_import_bank_refuses_an_unknown_account_without_entity_and_writes_nothing(sample_ledger) -> None:
    with pytest.raises(CommandError, match=r"unknown bank account FR7630004000031234567890143.*--entity"):
        run("import_bank", str(SAMPLE / "camt053_nov.xml"))
    assert counts() == (0, 0, 0)


def test_import_bank_applies_the_november_sample_as_expected_and_exports_the_lettrage(sample_ledger, tmp_path) -> None:
    out = run("import_bank", str(SAMPLE / "camt053_nov.xml"), "--entity", "595401761")
    assert out[0] == "created bank account FR7630004000031234567890143 for Entité 595401761 (595401761)"
    assert out[-1] == "lines=45 applied=30 review=0 other=15"
    target = tmp_path / "alloc.csv"
    run("export_allocations", "--entity", "595401761", "--format", "csv", "--output", str(target))
    with target.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["entry_ref", "customer", "invoice", "amount"]
        exported = {(r["entry_ref"], r["customer"], r["invoice"], Decimal(r["amount"])) for r in reader}
    with (SAMPLE / "expected_bank.csv").open(encoding="utf-8") as handle:
        expected = {
            (r["entry_ref"], r["customer"], r["invoices"], Decimal(r["amount"]))
            for r in csv.DictReader(handle)
            if r["customer"]
        }
    assert exported == expected
    # the payments are in the ledger, every applied invoice is settled
    invoices = Item.objects.filter(number__in=[e[2] for e in expected], type=ItemType.INVOICE)
    assert set(invoices.values_list("open_amount", flat=True)) == {Decimal(0)}
    assert Item.objects.filter(type=ItemType.PAYMENT, number__startswith="BQ").count() == 30


def test_reimporting_a_statement_adds_nothing_and_reports_the_counts_already_there(sample_ledger) -> None:
    run("import_bank", str(SAMPLE / "camt053_nov.xml"), "--entity", "595401761")
    before = (counts(), Allocation.objects.count(), Item.objects.count())
    out = run("import_bank", str(SAMPLE / "camt053_nov.xml"))
    assert "already imported: 1 statement(s), nothing added" in out
    assert out[-1] == "lines=45 applied=30 review=0 other=15"
    assert (counts(), Allocation.objects.count(), Item.objects.count()) == before


@pytest.mark.parametrize("path", sorted(p for p in BANK_DATA.iterdir() if p.is_file()), ids=lambda p: p.name)
def test_import_bank_reads_every_shared_bank_file(path: Path, entity) -> None:
    out = run("import_bank", str(path), "--entity", entity.siren)
    lines, applied, review, other = (int(part.split("=")[1]) for part in out[-1].split())
    assert lines == applied + review + other
    assert BankLine.objects.count() == lines > 0
    assert run("import_bank", str(path))[-1] == out[-1]
    assert BankLine.objects.count() == lines


@pytest.mark.parametrize("expected", CORPUS_PARAMS)
def test_import_bank_imports_every_corpus_file_once(expected, entity, tmp_path) -> None:
    path = tmp_path / expected.name
    path.write_bytes(corpus_file(expected))
    out = run("import_bank", str(path), "--entity", entity.siren)
    assert out[-1].startswith(f"lines={expected.lines} ")
    assert (Statement.objects.count(), BankLine.objects.count()) == (expected.statements, expected.lines)
    assert run("import_bank", str(path))[-1] == out[-1]
    assert (Statement.objects.count(), BankLine.objects.count()) == (expected.statements, expected.lines)


def test_the_sepa_mt940_sample_gives_one_line_per_61_and_old_style_accounts(entity) -> None:
    out = run("import_bank", str(BANK_DATA / "sepa_mt940_sample.sta"), "--entity", entity.siren)
    assert out[-1].startswith("lines=97 ")
    assert Statement.objects.count() == 26
    account = BankAccount.objects.get(account_id="50880050/0194774600888")
    assert account.iban == ""  # a bank code / account number, not an IBAN
    line = BankLine.objects.get(entry_ref="0724710345313905")
    assert line.amount == Decimal("300")
    # nothing there is a customer receipt of this (empty) ledger: reversals, debits or review
    assert not BankLine.objects.filter(status=LineStatus.APPLIED).exists()


@pytest.mark.parametrize(
    "name,lines",
    [
        ("camt053_v02_batch.xml", None),
        ("camt054_v08_notification.xml", None),
        ("mt940_preamble_french.sta", None),
        ("mt940_swift_two_statements.sta", None),
    ],
)
def test_import_bank_reads_the_core_fixtures(name: str, lines: int | None, entity) -> None:
    from encours.core.formats.bank import read_bank_file

    raw = (CORE_FIXTURES / name).read_bytes()
    parsed = read_bank_file(raw)
    out = run("import_bank", str(CORE_FIXTURES / name), "--entity", entity.siren)
    assert out[-1].startswith(f"lines={sum(len(s.lines) for s in parsed)} ")
    assert Statement.objects.count() == len(parsed)
    # entry references are kept as the export needs them
    refs = {line.entry_ref for s in parsed for line in s.lines}
    assert set(BankLine.objects.values_list("entry_ref", flat=True)) == refs


def test_a_camt_batch_entry_gives_one_line_per_transaction_details(entity) -> None:
    from encours.core.formats.bank import read_bank_file

    raw = (CORE_FIXTURES / "camt053_v02_batch.xml").read_bytes()
    parsed = read_bank_file(raw)
    bank_file_import(raw=raw, user=None, entity=entity)
    keys = [line.key for s in parsed for line in s.lines]
    assert sorted(BankLine.objects.values_list("key", flat=True)) == sorted(keys)


def test_a_csv_statement_is_read_through_the_accounts_saved_mapping(entity) -> None:
    from tests.core.test_bank_csv import FRENCH

    account = BankAccount.objects.create(entity=entity, account_id=ACCOUNT, iban=ACCOUNT, csv_mapping=FRENCH.as_dict())
    raw = (CORE_FIXTURES / "bank_export_fr.csv").read_bytes()
    result = bank_file_import(raw=raw, user=None, account=account)
    assert result.counts["lines"] == BankLine.objects.filter(account=account).count() > 0
    assert run("import_bank", str(CORE_FIXTURES / "bank_export_fr.csv"), "--entity", entity.siren)[-1] == result.summary


def test_a_csv_without_a_saved_mapping_is_refused(entity, tmp_path) -> None:
    path = tmp_path / "releve.csv"
    path.write_bytes((CORE_FIXTURES / "bank_export_fr.csv").read_bytes())
    with pytest.raises(CommandError, match="column mapping"):
        run("import_bank", str(path), "--entity", entity.siren)
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize(
    "raw,message",
    [
        (b"", "empty"),
        (b"%PDF-1.4 ...", "PDF"),
        (b"<xml><foo/></xml>", "camt"),
        (camt(credit("E1", "12,50")), "E1|Amt|amount"),
        (camt(credit("E1", "10.00")).replace(b"</Document>", b""), "XML|line"),
    ],
)
def test_bad_files_get_a_clear_error_and_nothing_is_written(raw: bytes, message: str, entity, tmp_path) -> None:
    path = tmp_path / "bad.xml"
    path.write_bytes(raw)
    with pytest.raises(CommandError, match=message):
        run("import_bank", str(path), "--entity", entity.siren)
    assert counts() == (0, 0, 0)


def test_a_statement_account_failing_the_iban_checksum_is_kept_as_its_identifier(entity, tmp_path) -> None:
    path = tmp_path / "releve.xml"
    path.write_bytes(camt(credit("E1", "10.00"), account="FR7630004000031234567890199"))
    out = run("import_bank", str(path), "--entity", entity.siren)
    assert out[0] == f"created bank account FR7630004000031234567890199 for {entity.name} ({entity.siren})"
    assert any(line.startswith("warning: account FR7630004000031234567890199 is not a valid IBAN") for line in out)
    assert out[-1] == "lines=1 applied=0 review=1 other=0"
    account = BankAccount.objects.get()
    assert (account.account_id, account.iban) == ("FR7630004000031234567890199", "")
    assert "not a valid IBAN" in Statement.objects.get().warnings[0]
    # the next statement of that account finds it
    path.write_bytes(camt(credit("E2", "20.00"), statement_id="S2", account="FR7630004000031234567890199"))
    assert run("import_bank", str(path))[-1] == "lines=1 applied=0 review=1 other=0"
    assert counts() == (2, 2, 1)


def test_an_iban_we_send_to_is_still_checked(entity, credit_manager) -> None:
    from encours.cash.forms import BankAccountForm
    from encours.ledger.selectors import entities_for

    data = {"entity": entity.pk, "label": "Compte", "iban": "FR7630004000031234567890199", "currency": "EUR"}
    form = BankAccountForm(data, entities=entities_for(credit_manager))
    assert not form.is_valid()
    assert "iban" in form.errors


def test_a_camt_whose_entries_are_all_imported_already_records_nothing(entity, tmp_path) -> None:
    first = tmp_path / "s1.xml"
    first.write_bytes(camt(credit("E1", "10.00") + credit("E2", "20.00")))
    run("import_bank", str(first), "--entity", entity.siren)
    before = (counts(), AuditEntry.objects.count())
    again = tmp_path / "s1-bis.xml"  # the same entries under another statement id
    again.write_bytes(camt(credit("E1", "10.00") + credit("E2", "20.00"), statement_id="S1-BIS"))
    out = run("import_bank", str(again))
    assert "already imported: 1 statement(s), nothing added" in out
    assert out[0] == f"statement S1 (camt.053) on {ACCOUNT}"
    assert out[-1] == "lines=2 applied=0 review=2 other=0"
    assert (counts(), AuditEntry.objects.count()) == before


def test_a_camt_sharing_some_entries_adds_only_the_new_ones(entity, tmp_path) -> None:
    path = tmp_path / "s.xml"
    path.write_bytes(camt(credit("E1", "10.00")))
    run("import_bank", str(path), "--entity", entity.siren)
    path.write_bytes(camt(credit("E1", "10.00") + credit("E3", "30.00"), statement_id="S2"))
    out = run("import_bank", str(path))
    assert (
        "warning: statement S2: 1 line(s) stored already from an earlier statement of the account, not added again"
        in out
    )
    assert out[-1] == "lines=1 applied=0 review=1 other=0"
    assert counts() == (2, 2, 1)


def test_import_bank_reads_a_cfonb_120_file_onto_the_accounts_iban(entity, tmp_path) -> None:
    from tests.core.test_cfonb import IBAN, record, statement

    path = tmp_path / "releve.cfo"
    path.write_bytes(
        statement(
            record("04", amount="0000000009180H", label="VIR SEPA DUPONT", reference="REF-1"),
            record("05", qualifier="LCC", text="FACTURE FA2026-01229"),
            record("04", amount="0000000000079}", label="F COMMISSION"),
            closing="0000000019101H",
        )
    )
    out = run("import_bank", str(path), "--entity", entity.siren)
    assert out[0] == f"created bank account {IBAN} for {entity.name} ({entity.siren})"
    assert out[1:] == [f"statement 2026-11-02 (cfonb120) on {IBAN}", "lines=2 applied=0 review=1 other=1"]
    assert out[-1] == "lines=2 applied=0 review=1 other=1"
    assert BankAccount.objects.get().iban == IBAN
    assert BankLine.objects.get(entry_ref="REF-1").remittance_text == "FACTURE FA2026-01229"
    assert run("import_bank", str(path))[-2:] == ["already imported: 1 statement(s), nothing added", out[-1]]


def test_an_error_in_the_second_statement_rolls_back_the_first(entity, tmp_path) -> None:
    good = (CORE_FIXTURES / "mt940_swift_two_statements.sta").read_text(encoding="utf-8", errors="replace")
    bad = good + "\n:20:BROKEN\n:25:FR7630004000031234567890143\n:28C:9/1\n:60F:C261101EUR1OO,00\n:61:26110X\n"
    path = tmp_path / "two.sta"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(CommandError):
        run("import_bank", str(path), "--entity", entity.siren)
    assert counts() == (0, 0, 0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(lambda t: t.encode("utf-8")),
        st.sampled_from([":20:X\n:25:Y\n:28C:1\n:61:", "<Document><BkToCstmrStmt><Stmt>", "a;b\n1;2\n"]).flatmap(
            lambda head: st.text(max_size=120).map(lambda tail: (head + tail).encode("cp1252", "replace"))
        ),
    )
)
def test_fuzzed_files_raise_the_projects_error_or_import_but_never_crash(data: bytes, entity) -> None:
    before = counts()
    try:
        bank_file_import(raw=data, user=None, entity=entity)
    except EncoursError:
        assert counts() == before


def test_matching_eval_says_it_built_a_synthetic_portfolio_when_the_database_is_empty(db) -> None:
    out = run("matching_eval", "--lines", "300", "--seed", "7")
    assert out[0].startswith("portfolio: synthetic")
    assert any(line.startswith("precision of auto-applied: ") for line in out)
    assert any(line.startswith("top-3 recall of suggestions: ") for line in out)


def test_matching_eval_draws_lines_from_the_database_portfolio(sample_ledger) -> None:
    out = run("matching_eval", "--lines", "200", "--seed", "3")
    assert out[0].startswith("portfolio: database, Entité 595401761 (595401761)")
    precision = next(line for line in out if line.startswith("precision of auto-applied"))
    assert precision.startswith("precision of auto-applied: 100.00%")


def test_export_allocations_rejects_a_bad_date(db, tmp_path) -> None:
    with pytest.raises(CommandError, match="not a date"):
        run("export_allocations", "--since", "31/12/2026", "--format", "csv", "--output", str(tmp_path / "x.csv"))


def test_the_fec_lettrage_export_pairs_invoice_and_payment_under_one_code(sample_ledger, tmp_path) -> None:
    run("import_bank", str(SAMPLE / "camt053_nov.xml"), "--entity", "595401761")
    target = tmp_path / "let.txt"
    run("export_allocations", "--format", "fec", "--output", str(target), "--since", "2026-11-01")
    rows = [line.split("|") for line in target.read_text(encoding="utf-8").splitlines()]
    assert rows[0][13] == "EcritureLet"
    body = rows[1:]
    from encours.cash.models import AppliedAllocation

    assert len(body) == 2 * AppliedAllocation.objects.count() >= 60  # fees and discounts written off too
    letters = {row[13] for row in body}
    assert len(letters) == 30 and all(len(code) == 3 and code.isalpha() for code in letters)
    assert all(row[14] for row in body)
