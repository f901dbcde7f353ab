"""Reads of the cash application, scoped by the user who asks, and the plain values the
matching engine is fed with (straight from SQL, no per-row ORM objects)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from encours.accounts.models import Role
from encours.cash.models import (
    APPLIED_STATUSES,
    OTHER_STATUSES,
    BankAccount,
    BankLine,
    LineStatus,
    MatchingSettings,
    PayerAlias,
    Statement,
)
from encours.core.formats.bank import BankLine as CoreLine
from encours.core.matching.engine import MatchingIndex
from encours.core.matching.values import Customer as CoreCustomer
from encours.core.matching.values import MatchingConfig
from encours.core.matching.values import OpenItem as CoreItem
from encours.ledger.models import Customer, CustomerBankAccount, Item, ItemType, LegalEntity
from encours.ledger.selectors import customers_for, entities_for

# roles that work the whole entity's bank lines; the others only see lines of their customers
_CASH_ROLES = frozenset({Role.CREDIT_MANAGER, Role.COLLECTOR, Role.AUDITOR})


def lines_for(user: Any) -> QuerySet[BankLine]:
    lines = BankLine.objects.filter(entity__in=entities_for(user))
    if not user.is_authenticated:
        return lines.none()
    if user.is_admin or user.role in _CASH_ROLES:
        return lines
    return lines.filter(customer__in=customers_for(user))


def line_get(*, user: Any, pk: int) -> BankLine:
    line = lines_for(user).select_related("statement", "account", "customer", "entity").filter(pk=pk).first()
    if line is None:
        raise Http404("bank line not found")
    return line


def statements_for(user: Any) -> QuerySet[Statement]:
    statements = Statement.objects.filter(account__entity__in=entities_for(user))
    if user.is_authenticated and (user.is_admin or user.role in _CASH_ROLES):
        return statements
    return statements.none()


def statement_get(*, user: Any, pk: int) -> Statement:
    statement = statements_for(user).select_related("account", "account__entity").filter(pk=pk).first()
    if statement is None:
        raise Http404("statement not found")
    return statement


def accounts_for(user: Any) -> QuerySet[BankAccount]:
    return BankAccount.objects.filter(entity__in=entities_for(user)).select_related("entity")


def with_counts(statements: QuerySet[Statement]) -> QuerySet[Statement]:
    return statements.annotate(
        line_count=Count("lines"),
        applied_count=Count("lines", filter=Q(lines__status__in=APPLIED_STATUSES)),
        review_count=Count("lines", filter=Q(lines__status=LineStatus.REVIEW)),
        other_count=Count("lines", filter=Q(lines__status__in=OTHER_STATUSES)),
    )


def line_counts(lines: QuerySet[BankLine]) -> dict[str, int]:
    """lines / applied / review / other over a set of lines, in one query."""
    totals = lines.aggregate(
        lines=Count("id"),
        applied=Count("id", filter=Q(status__in=APPLIED_STATUSES)),
        review=Count("id", filter=Q(status=LineStatus.REVIEW)),
        other=Count("id", filter=Q(status__in=OTHER_STATUSES)),
    )
    return {key: value or 0 for key, value in totals.items()}


def matching_config(entity: LegalEntity) -> MatchingConfig:
    settings = MatchingSettings.objects.filter(entity=entity).first()
    return settings.to_config() if settings else MatchingConfig()


def matching_index(entity_id: int) -> MatchingIndex:
    """Customers (with known IBANs and learned aliases) and open items of one entity."""
    ibans: dict[int, list[str]] = defaultdict(list)
    for customer_id, iban in CustomerBankAccount.objects.filter(customer__entity_id=entity_id).values_list(
        "customer_id", "iban"
    ):
        ibans[customer_id].append(iban)
    aliases: dict[int, list[str]] = defaultdict(list)
    for customer_id, kind, value in PayerAlias.objects.filter(customer__entity_id=entity_id).values_list(
        "customer_id", "kind", "value"
    ):
        (ibans if kind == PayerAlias.Kind.IBAN else aliases)[customer_id].append(value)
    customers = [
        CoreCustomer(
            id=str(pk),
            account_number=account,
            name=name,
            aliases=tuple(aliases.get(pk, ())),
            ibans=tuple(ibans.get(pk, ())),
            group_id=str(group_id or ""),
        )
        for pk, account, name, group_id in Customer.objects.filter(entity_id=entity_id).values_list(
            "pk", "account_number", "name", "group_id"
        )
    ]
    rows = (
        Item.objects.filter(entity_id=entity_id, type__in=(ItemType.INVOICE, ItemType.CREDIT_NOTE))
        .exclude(open_amount=0)
        .values_list(
            "pk", "customer_id", "number", "open_amount", "currency", "due_date", "document_date", "type", "reference"
        )
    )
    items = []
    for pk, customer_id, number, open_amount, currency, due, document, kind, reference in rows.iterator(
        chunk_size=5000
    ):
        amount = open_amount if kind == ItemType.INVOICE else -open_amount
        if amount <= 0:
            continue
        items.append(
            CoreItem(
                id=str(pk),
                customer_id=str(customer_id),
                number=number,
                open_amount=amount,
                currency=currency,
                due_date=due,
                document_date=document,
                kind="invoice" if kind == ItemType.INVOICE else "credit_note",
                rf_reference=reference if reference.upper().startswith("RF") else "",
            )
        )
    return MatchingIndex(customers=customers, items=items)


def core_line(line: BankLine) -> CoreLine:
    """A stored line as the engine reads it."""
    return CoreLine(
        index=line.position,
        amount=line.amount,
        currency=line.currency,
        entry_ref=line.entry_ref,
        transaction_ref=line.transaction_ref,
        end_to_end_id=line.end_to_end_id,
        booking_date=line.booking_date,
        value_date=line.value_date,
        counterparty_name=line.counterparty_name,
        counterparty_iban=line.counterparty_iban,
        counterparty_bic=line.counterparty_bic,
        ultimate_party_name=line.ultimate_party_name,
        remittance_text=line.remittance_text,
        creditor_reference=line.creditor_reference,
        creditor_reference_type=line.creditor_reference_type,
        referenced_documents=tuple(line.referenced_documents or ()),
        bank_transaction_code=line.bank_transaction_code,
        is_reversal=line.is_reversal,
        additional_info=line.additional_info,
        key=line.key,
    )


def review_queue(user: Any) -> QuerySet[BankLine]:
    return (
        lines_for(user)
        .filter(status=LineStatus.REVIEW)
        .select_related("account", "customer", "statement")
        .order_by("-booking_date", "-id")
    )
