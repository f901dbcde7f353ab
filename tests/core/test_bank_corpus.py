"""Statements written by others: the corpus of real test files from open-source projects in
``shared/data/bank/corpus/`` (sources, commits and licences in its README.md).

For each file, the counts below were written from reading the file (its ``:20:``/``:61:``
tags, ``<Stmt>``/``<Ntry>``/``<TxDtls>`` elements, CFONB ``01``/``04``/``07`` records), not from
running the parser; so were the gaps of the few files whose own balances do not add up.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from encours.core.formats.bank import detect_bank_format, read_bank_file
from encours.core.money import ZERO
from tests.conftest import SHARED, need

CORPUS = Path(os.path.normpath(os.path.join(SHARED, "data", "bank", "corpus")))


def in_shared(name: str) -> pytest.MarkDecorator:
    """The corpus file is not committed (written by others): its tests run where shared/ holds it."""
    return pytest.mark.shared_data(f"data/bank/corpus/{name}")


@dataclass(frozen=True)
class Expected:
    name: str
    sha256: str  # first 16 hex digits: the file is the one the README describes, byte for byte
    file_format: str
    statements: int
    lines: int
    gaps: tuple[Decimal, ...] = ()  # opening + movements - closing of statements that do not add up


FILES = (
    Expected("camt053_v02_oca.xml", "8b4959d587ee701b", "camt.053", 1, 4, (Decimal("434.16"),)),
    Expected("camt053_v04_oca_txdtls.xml", "147bcb8e7b579a0b", "camt.053", 1, 2),
    Expected("camt054_v04_oca.xml", "2a6c710eb2db8480", "camt.054", 1, 1),
    Expected("camt053_v02_genkgo_multi.xml", "4c50c6601224e212", "camt.053", 2, 2),
    Expected("camt053_v08_genkgo.xml", "792e05f38125ef6d", "camt.053", 1, 1, (Decimal("54.00"),)),
    Expected("camt054_v08_genkgo.xml", "6bce60802c5b9947", "camt.054", 1, 3),
    Expected("mt940_ing_oca.940", "7831eea8f351144d", "mt940", 1, 8),
    Expected("mt940_rabobank_jejik.txt", "5e61f47eb86863c5", "mt940", 2, 4),
    Expected("mt940_abnamro_php-mt940.txt", "d00bf494c1e327d1", "mt940", 1, 2),
    Expected("mt940_asn_wolph.txt", "f6af41ce92fd4591", "mt940", 31, 8),
    Expected("mt940_sns_jejik.txt", "3910f6d0db43fdbb", "mt940", 2, 2),
    Expected("mt940_sparkasse_jejik.txt", "fdfe2b7a8ae37640", "mt940", 2, 2),
    Expected("mt940_commerzbank_jejik.txt", "103e9c9a00d797dc", "mt940", 1, 1, (Decimal("-12.35"),)),
    Expected("mt940_triodos_php-mt940.txt", "a0a006260eccc40e", "mt940", 2, 8),
    Expected("mt940_knab_jejik.txt", "9cff89d80eb1668c", "mt940", 2, 3, (Decimal("-4500.00"),)),
    Expected("mt940_zenith_php-mt940.txt", "99670bb0b4bb8e16", "mt940", 1, 8),
    Expected("cfonb120_pennylane.txt", "9cf62e54fe53c72d", "cfonb120", 2, 6),
    Expected("cfonb120_silarhi_complex.txt", "394cb4bf8dbf1c4b", "cfonb120", 8, 5),
    Expected("cfonb120_akretion.cfo", "4f7652b552407f52", "cfonb120", 1, 4, (Decimal("-13871.06"),)),
)


PARAMS = [pytest.param(e, id=e.name, marks=in_shared(e.name)) for e in FILES]


def corpus_file(expected: Expected) -> bytes:
    path = CORPUS / expected.name
    need(path.is_file(), f"corpus file {path} missing (shared/data/bank/corpus beside the clone)")
    raw = path.read_bytes()
    assert hashlib.sha256(raw).hexdigest()[:16] == expected.sha256
    return raw


@pytest.mark.parametrize("expected", PARAMS)
def test_every_corpus_file_gives_its_statements_lines_and_balances(expected: Expected) -> None:
    raw = corpus_file(expected)
    assert detect_bank_format(raw) == expected.file_format
    statements = read_bank_file(raw)
    assert len(statements) == expected.statements
    assert sum(len(s.lines) for s in statements) == expected.lines
    gaps = []
    for statement in statements:
        if statement.opening_balance is None or statement.closing_balance is None:
            continue
        movements = sum((line.amount for line in statement.lines), ZERO)
        gap = statement.opening_balance + movements - statement.closing_balance
        if gap:
            gaps.append(gap)
    assert tuple(gaps) == expected.gaps


def test_the_corpus_covers_the_formats_and_five_mt940_banks_the_issue_asks_for() -> None:
    versions = {e.name.split("_")[1] for e in FILES if e.name.startswith("camt053")}
    assert {"v02", "v04", "v08"} <= versions
    assert any(e.file_format == "camt.054" for e in FILES)
    assert len({e.name.split("_")[1] for e in FILES if e.file_format == "mt940"}) >= 5
    assert any(e.file_format == "cfonb120" for e in FILES)
    assert len(FILES) >= 15


@in_shared("mt940_asn_wolph.txt")
def test_the_asn_corpus_file_names_the_payee_written_on_its_own_line() -> None:
    statements = read_bank_file(corpus_file(FILES[9]))
    line = next(line for s in statements for line in s.lines)
    assert (line.amount, line.counterparty_name, line.remittance_text) == (
        Decimal("-65.00"),
        "hr gjlm paulissen",
        "Betaling sieraden",
    )


@in_shared("mt940_abnamro_php-mt940.txt")
def test_the_abn_amro_corpus_file_gives_counterparty_iban_name_and_remittance() -> None:
    (statement,) = read_bank_file(corpus_file(FILES[8]))
    first = statement.lines[0]
    assert (first.counterparty_iban, first.counterparty_name, first.remittance_text) == (
        "NL75INGB0001234567",
        "HR K XXXXXXX EN/OF MW H XXXXXXX",
        "RES.NR 00042",
    )


@in_shared("mt940_zenith_php-mt940.txt")
def test_the_zenith_corpus_file_keeps_every_61_without_a_transaction_type() -> None:
    (statement,) = read_bank_file(corpus_file(FILES[15]))
    assert statement.lines[0].amount == Decimal("220000.00")
    assert statement.lines[0].entry_ref == "19239782213"
