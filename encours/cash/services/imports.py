"""Import a bank statement file: parse (format from content), attach to the bank account,
store one line per transaction, then match and apply. Idempotent: a statement already
imported (same account and statement id/sequence/first day) adds nothing, a line already
stored under its key (overlapping statements) is not stored twice, and a statement whose
every line is stored already is "already imported" too. Two imports of one account run one
after the other (a PostgreSQL advisory lock per account): the second sees what the first
wrote instead of colliding with it."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from encours.accounts.permissions import require
from encours.audit.services import audit_record
from encours.cash import selectors
from encours.cash.models import BankAccount, BankLine, Statement
from encours.cash.services.matching import lines_match
from encours.core.errors import InvalidFile, ValidationFailed
from encours.core.formats.bank import BankStatement, read_bank_file
from encours.core.formats.bank_csv import BankCsvMapping
from encours.core.identifiers import iban_error, normalize_iban
from encours.ledger.models import LegalEntity

_IBAN_SHAPE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$")
_KEY_LENGTH = BankLine._meta.get_field("key").max_length


class UnknownBankAccount(ValidationFailed):
    """A statement names an account not yet known and no legal entity was given to create it."""

    def __init__(self, key: str) -> None:
        super().__init__(f"unknown bank account {key}: say which legal entity it belongs to, to create it")
        self.key = key


@dataclass
class ImportResult:
    statements: list[Statement] = field(default_factory=list)
    created_accounts: list[BankAccount] = field(default_factory=list)
    already: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        c = self.counts
        lines, applied, review, other = (c.get(k, 0) for k in ("lines", "applied", "review", "other"))
        return f"lines={lines} applied={applied} review={review} other={other}"


def account_key(raw: str) -> str:
    """The account as stored: a normalised IBAN, else the statement's identifier stripped."""
    compact = normalize_iban(raw or "")
    return compact if _IBAN_SHAPE.match(compact) else (raw or "").strip()


def _csv_mapping(account: BankAccount | None, entity: LegalEntity | None) -> BankCsvMapping | None:
    if account is not None and account.csv_mapping:
        return BankCsvMapping.from_dict(account.csv_mapping)
    if entity is not None:
        mapped = [a for a in BankAccount.objects.filter(entity=entity) if a.csv_mapping]
        if len(mapped) == 1:
            return BankCsvMapping.from_dict(mapped[0].csv_mapping)
    return None


def _lock_accounts(keys: Iterable[str]) -> None:
    """Hold, until the transaction ends, one advisory lock per account of the file, taken in
    a fixed order so that two files sharing accounts cannot deadlock. SQLite needs none: it
    lets one writer in at a time."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in sorted(set(keys)):
            digest = hashlib.blake2b(f"cash.import:{key}".encode(), digest_size=8).digest()
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)])


def _account_for(
    statement: BankStatement, *, entity: LegalEntity | None, account: BankAccount | None, result: ImportResult
) -> tuple[BankAccount, str | None]:
    """The statement's bank account (created when ``entity`` says whose it is), and a warning
    when the account it names is shaped like an IBAN but is not a valid one."""
    key = account_key(statement.account)
    if account is not None and (not key or key == account.account_id or key == account.iban):
        return account, None
    if not key:
        raise InvalidFile(f"statement {statement.statement_id}: no account identifier in the file")
    found = BankAccount.objects.filter(account_id=key).select_related("entity").first()
    if found is not None:
        if entity is not None and found.entity_id != entity.pk:
            raise ValidationFailed(f"bank account {key} belongs to {found.entity.name}, not to {entity.name}")
        return found, None
    if entity is None:
        raise UnknownBankAccount(key)
    # The account of a statement we receive identifies it; it is no payment instruction we
    # send: one that fails the IBAN checksum (test files, some banks' internal ids) is kept
    # as its identifier, and no IBAN is recorded for it.
    error = iban_error(key) if _IBAN_SHAPE.match(key) else None
    warning = f"account {key} is not a valid IBAN ({error}): kept as the account identifier" if error else None
    iban = key if _IBAN_SHAPE.match(key) and not error else ""
    created = BankAccount.objects.create(
        entity=entity, account_id=key, iban=iban, currency=statement.currency or entity.currency, label=key
    )
    result.created_accounts.append(created)
    return created, warning


@transaction.atomic
def bank_file_import(
    *,
    raw: bytes,
    user: Any,
    file_name: str = "",
    entity: LegalEntity | None = None,
    account: BankAccount | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Everything or nothing: a bad file, an unknown account without an entity, raise before any write."""
    require(user, "ledger.import", entity=entity)
    mapping = _csv_mapping(account, entity)
    statements = read_bank_file(raw, csv_mapping=mapping)
    if not statements:
        raise InvalidFile("the file holds no statement")
    named = [account_key(s.account) for s in statements if s.account]
    _lock_accounts([*named, account.account_id] if account else named)
    result = ImportResult()
    touched: list[int] = []
    new_lines: dict[int, list[BankLine]] = {}
    for parsed in statements:
        bank_account, account_warning = _account_for(parsed, entity=entity, account=account, result=result)
        warnings = [account_warning, *parsed.warnings] if account_warning else list(parsed.warnings)
        existing = _already_imported(bank_account, parsed)
        if existing:
            result.already += 1
            result.statements.extend(s for s in existing if s.pk not in touched)
            touched.extend(s.pk for s in existing if s.pk not in touched)
            continue
        known = _known_keys(bank_account, parsed)
        fresh = [line for line in parsed.lines if line.key[:_KEY_LENGTH] not in known]
        if len(fresh) < len(parsed.lines):
            warnings.append(
                f"statement {parsed.statement_id}: {len(parsed.lines) - len(fresh)} line(s) stored already "
                "from an earlier statement of the account, not added again"
            )
        statement = Statement.objects.create(
            account=bank_account,
            format=parsed.format,
            format_version=parsed.format_version,
            statement_id=parsed.statement_id[:80],
            sequence_number=parsed.sequence_number[:40],
            natural_key=parsed.natural_key[:300],
            from_date=parsed.from_date or parsed.opening_date,
            to_date=parsed.to_date or parsed.closing_date,
            opening_balance=parsed.opening_balance,
            closing_balance=parsed.closing_balance,
            warnings=warnings,
            file_name=file_name[:200],
            imported_by=user if getattr(user, "pk", None) else None,
        )
        result.warnings.extend(warnings)
        rows = [_line(statement, bank_account, line) for line in fresh]
        BankLine.objects.bulk_create(rows, batch_size=2000)
        new_lines.setdefault(bank_account.entity_id, []).extend(rows)
        result.statements.append(statement)
        touched.append(statement.pk)
        audit_record(
            actor=user,
            action="cash.import_statement",
            obj=statement,
            entity_id=bank_account.entity_id,
            after={"format": parsed.format, "lines": len(rows), "file": file_name},
        )
    for entity_id, rows in new_lines.items():
        lines_match(entity=LegalEntity.objects.get(pk=entity_id), lines=rows, user=user, progress=progress)
    result.counts = selectors.line_counts(BankLine.objects.filter(statement_id__in=touched))
    return result


def _known_keys(account: BankAccount, parsed: BankStatement) -> dict[str, int]:
    """The keys of the statement's lines already stored for the account, with the statement
    holding each."""
    keys = [line.key[:_KEY_LENGTH] for line in parsed.lines]
    found: dict[str, int] = {}
    for start in range(0, len(keys), 2000):
        rows = BankLine.objects.filter(account=account, key__in=keys[start : start + 2000])
        found.update(rows.values_list("key", "statement_id"))
    return found


def _already_imported(account: BankAccount, parsed: BankStatement) -> list[Statement]:
    """The stored statements holding this one: the same natural key, or — a statement with
    lines, every one of them stored already (a camt.054 after its camt.053, a statement sent
    again under a new id) — those holding its lines. Empty when something is new."""
    same = list(Statement.objects.filter(account=account, natural_key=parsed.natural_key[:300]))
    if same or not parsed.lines:
        return same
    known = _known_keys(account, parsed)
    if len(known) < len({line.key[:_KEY_LENGTH] for line in parsed.lines}):
        return []
    return list(Statement.objects.filter(pk__in=set(known.values())).order_by("pk"))


def _line(statement: Statement, account: BankAccount, line: Any) -> BankLine:
    return BankLine(
        statement=statement,
        account=account,
        entity_id=account.entity_id,
        position=line.index,
        key=line.key[:_KEY_LENGTH],
        entry_ref=line.entry_ref[:140],
        amount=line.amount,
        currency=line.currency or account.currency,
        booking_date=line.booking_date,
        value_date=line.value_date,
        counterparty_name=line.counterparty_name[:200],
        counterparty_iban=line.counterparty_iban[:40],
        counterparty_bic=line.counterparty_bic[:11],
        ultimate_party_name=line.ultimate_party_name[:200],
        remittance_text=line.remittance_text,
        creditor_reference=line.creditor_reference[:60],
        creditor_reference_type=line.creditor_reference_type[:20],
        referenced_documents=list(line.referenced_documents),
        end_to_end_id=line.end_to_end_id[:140],
        transaction_ref=line.transaction_ref[:140],
        bank_transaction_code=line.bank_transaction_code[:40],
        additional_info=line.additional_info,
        is_reversal=line.is_reversal,
    )
