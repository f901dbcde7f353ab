from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from encours.cash.models import BankAccount, BankLine, Statement

SAMPLE = Path("/work/shared/data/sample-portfolio")
BANK_DATA = Path("/work/shared/data/bank")
CORE_FIXTURES = Path(__file__).parent.parent / "core" / "fixtures" / "bank"
ACCOUNT = "FR7630004000031234567890143"


@pytest.fixture
def sample_ledger(db):
    """The sample portfolio's FEC loaded through the ledger import (entity 595401761)."""
    from encours.ledger.models import LegalEntity
    from encours.ledger.services.import_fec import fec_import

    fec_import(raw=(SAMPLE / "595401761FEC20261031.txt").read_bytes(), file_name="595401761FEC20261031.txt")
    return LegalEntity.objects.get(siren="595401761")


def camt(entries: str, *, statement_id: str = "S1", account: str = ACCOUNT) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
<BkToCstmrStmt><GrpHdr><MsgId>M-{statement_id}</MsgId><CreDtTm>2026-11-30T20:00:00</CreDtTm></GrpHdr>
<Stmt><Id>{statement_id}</Id><ElctrncSeqNb>1</ElctrncSeqNb>
<Acct><Id><IBAN>{account}</IBAN></Id><Ccy>EUR</Ccy></Acct>
{entries}
</Stmt></BkToCstmrStmt></Document>""".encode()


def credit(ref: str, amount: str, *, name: str = "", iban: str = "", text: str = "", day: str = "2026-11-02") -> str:
    party = f"<Dbtr><Pty><Nm>{name}</Nm></Pty></Dbtr>" if name else ""
    account = f"<DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct>" if iban else ""
    return (
        f'<Ntry><NtryRef>{ref}</NtryRef><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        f"<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>"
        f'<NtryDtls><TxDtls><Amt Ccy="EUR">{amount}</Amt><RltdPties>{party}{account}</RltdPties>'
        f"<RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
    )


def counts() -> tuple[int, int, int]:
    return Statement.objects.count(), BankLine.objects.count(), BankAccount.objects.count()


@pytest.fixture
def bank_account(entity):
    return BankAccount.objects.create(entity=entity, account_id=ACCOUNT, iban=ACCOUNT, label="Compte principal")


def money(value: str) -> Decimal:
    return Decimal(value)
