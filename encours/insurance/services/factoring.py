"""Factoring: debtor approvals, assignment batches (bordereaux) and their CSV, the position of
the factoring account (financed, guarantee fund, fees, availability like an overdraft line),
drawings, and the returns of unapproved or long-overdue invoices.

The account on a date: the factor finances ``advance_rate`` of the approved receivables still
open (the eligible part of each assigned invoice, as the debtor has paid it down); every
collection repays what the client drew; commissions (with VAT) and the interest estimated on
each bordereau are debited to the account. Availability = min(financeable, global limit) −
(drawn − collected + fees), never negative (``encours.core.factoring.factoring_availability``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Case, F, Max, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest, Least

from encours.accounts.models import Role
from encours.accounts.permissions import require
from encours.audit.services import audit_record
from encours.core import factoring as core
from encours.core.errors import ValidationFailed
from encours.core.formats.spreadsheet import CsvWriter
from encours.core.money import ZERO, quantize
from encours.insurance.models import AssignedInvoice, Bordereau, DebtorApproval, FactoringContract, FactoringDrawing
from encours.ledger.models import Customer, Item, ItemType
from encours.ledger.queries import open_debit_q
from encours.ledger.selectors import entities_for
from encours.ledger.sql import MONEY

BORDEREAU_COLUMNS = (
    "bordereau",
    "assigned_on",
    "invoice",
    "type",
    "customer_account",
    "customer_name",
    "customer_siren",
    "document_date",
    "due_date",
    "amount",
    "eligible",
    "ineligible",
    "reasons",
)


def core_contract(contract: FactoringContract) -> core.FactoringContract:
    return core.FactoringContract(
        factor=contract.factor,
        number=contract.number,
        service_commission_rate=contract.service_commission_rate,
        financing_margin=contract.financing_margin,
        global_limit=contract.global_limit,
        currency=contract.currency,
        advance_rate=contract.advance_rate,
        reserve_rate=contract.reserve_rate,
        max_payment_days=contract.max_payment_days,
        return_after_days_overdue=contract.return_after_days_overdue,
    )


def core_approvals(contract: FactoringContract) -> list[core.DebtorApproval]:
    return [
        core.DebtorApproval(
            debtor_id=str(a.customer_id),
            approved_amount=quantize(a.approved_amount, contract.currency),
            expires_on=a.expires_on,
        )
        for a in contract.approvals.all().order_by("customer_id")
    ]


def active_lines(contract: FactoringContract, as_of: date | None = None) -> QuerySet[AssignedInvoice]:
    """Assigned invoices not returned (on ``as_of`` when given)."""
    lines = AssignedInvoice.objects.filter(bordereau__contract=contract)
    if as_of is None:
        return lines.filter(returned_on__isnull=True)
    return lines.filter(bordereau__assigned_on__lte=as_of).filter(
        Q(returned_on__isnull=True) | Q(returned_on__gt=as_of)
    )


def _open_eligible() -> Any:
    """The part of the eligible amount the debtor still owes (credit notes: their open credit)."""
    owed = Least(Greatest(F("item__open_amount"), Value(ZERO, output_field=MONEY)), F("eligible"), output_field=MONEY)
    return Case(When(eligible__lt=0, then=F("item__open_amount")), default=owed, output_field=MONEY)


@transaction.atomic
def debtor_approval_set(
    *, contract: FactoringContract, customer: Customer, amount: Decimal, user: Any, expires_on: date | None = None
) -> DebtorApproval:
    require(user, "insurance.manage", customer=customer)
    if amount < 0:
        raise ValidationFailed("an approval cannot be negative")
    approval, _ = DebtorApproval.objects.update_or_create(
        contract=contract, customer=customer, defaults={"approved_amount": amount, "expires_on": expires_on}
    )
    audit_record(
        actor=user,
        action="factoring.approval",
        obj=approval,
        customer_id=customer.pk,
        entity_id=contract.entity_id,
        after={"approved_amount": amount, "expires_on": expires_on},
    )
    return approval


def assignable_items(contract: FactoringContract) -> QuerySet[Item]:
    """Open invoices and credit notes of the contract's entity not already with the factor."""
    assigned = AssignedInvoice.objects.filter(returned_on__isnull=True).values("item_id")
    return (
        Item.objects.filter(entity_id=contract.entity_id, type__in=[ItemType.INVOICE, ItemType.CREDIT_NOTE])
        .open()
        .exclude(pk__in=assigned)
    )


@transaction.atomic
def bordereau_create(*, contract: FactoringContract, items: Sequence[Item], assigned_on: date, user: Any) -> Bordereau:
    """Assign a batch of invoices: each split into its eligible and ineligible parts (core rules)."""
    require(user, "insurance.manage")
    contract = FactoringContract.objects.select_for_update().get(pk=contract.pk)
    ids = [i.pk for i in items]
    items = list(assignable_items(contract).filter(pk__in=ids).select_related("customer"))
    if len(items) != len(set(ids)):
        raise ValidationFailed("some invoices are settled, of another entity or already assigned to the factor")
    if not items:
        raise ValidationFailed("select at least one open invoice")
    outstanding = {
        str(row["item__customer_id"]): row["total"]
        for row in active_lines(contract)
        .values("item__customer_id")
        .annotate(total=Sum(_open_eligible(), output_field=MONEY))
        .order_by()
    }
    position = factoring_position(contract=contract, as_of=assigned_on)
    batch = core.assignment_batch(
        contract=core_contract(contract),
        receivables=[
            core.ReceivableToAssign(
                reference=i.number,
                debtor_id=str(i.customer_id),
                amount=quantize(i.open_amount, i.currency),
                invoice_date=i.document_date,
                due_date=i.due_date,
            )
            for i in items
        ],
        approvals=core_approvals(contract),
        assigned_on=assigned_on,
        index_rate=contract.index_rate,
        debtor_outstanding=outstanding,
        already_drawn=position.used,
    )
    number = (contract.bordereaux.aggregate(top=Max("number"))["top"] or 0) + 1
    bordereau = Bordereau.objects.create(
        contract=contract,
        number=number,
        assigned_on=assigned_on,
        assigned_total=batch.assigned_total,
        eligible_total=batch.eligible_total,
        financed=batch.financed,
        reserve=batch.reserve,
        service_commission=batch.service_commission,
        commission_vat=batch.commission_vat,
        estimated_interest=batch.estimated_interest,
        net_payable=batch.net_payable,
        created_by=user,
    )
    by_number = {i.number: i for i in items}
    AssignedInvoice.objects.bulk_create(
        [
            AssignedInvoice(
                bordereau=bordereau,
                item=by_number[line.reference],
                amount=line.amount,
                eligible=line.eligible,
                reasons="; ".join(line.reasons)[:300],
                estimated_interest=line.estimated_interest,
            )
            for line in batch.lines
        ]
    )
    audit_record(
        actor=user,
        action="factoring.bordereau",
        obj=bordereau,
        entity_id=contract.entity_id,
        after={
            "lines": len(items),
            "assigned": batch.assigned_total,
            "eligible": batch.eligible_total,
            "financed": batch.financed,
            "commission": batch.service_commission,
        },
    )
    return bordereau


def bordereau_csv(bordereau: Bordereau) -> bytes:
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    writer.row(BORDEREAU_COLUMNS)
    lines = bordereau.lines.select_related("item", "item__customer").order_by("item__number")
    for line in lines:
        item = line.item
        writer.row(
            [
                str(bordereau),
                bordereau.assigned_on.isoformat(),
                item.number,
                item.type,
                item.customer.account_number,
                item.customer.name,
                item.customer.siren,
                item.document_date.isoformat(),
                item.due_date.isoformat(),
                f"{line.amount:.2f}",
                f"{line.eligible:.2f}",
                f"{line.amount - line.eligible:.2f}",
                line.reasons,
            ]
        )
    return buffer.getvalue().encode()


@dataclass(frozen=True, slots=True)
class FactoringPosition:
    contract: FactoringContract
    as_of: date
    assigned: Decimal  # open amount of the invoices with the factor
    approved_outstanding: Decimal  # their eligible part still owed by the debtors
    collected: Decimal  # eligible parts the debtors have paid (repays the drawings)
    drawings: Decimal
    fees: Decimal  # commissions + VAT + interest of the bordereaux
    availability: core.Availability

    @property
    def drawn(self) -> Decimal:
        return max(ZERO, self.drawings - self.collected)

    @property
    def used(self) -> Decimal:
        return self.availability.used


def factoring_position(*, contract: FactoringContract, as_of: date) -> FactoringPosition:
    """The factoring account on ``as_of`` in three aggregate queries."""
    lines = active_lines(contract, as_of).aggregate(
        assigned=Coalesce(Sum("item__open_amount"), ZERO, output_field=MONEY),
        open_eligible=Coalesce(Sum(_open_eligible(), output_field=MONEY), ZERO, output_field=MONEY),
        eligible=Coalesce(Sum("eligible"), ZERO, output_field=MONEY),
    )
    fees = Bordereau.objects.filter(contract=contract, assigned_on__lte=as_of).aggregate(
        total=Coalesce(
            Sum(F("service_commission") + F("commission_vat") + F("estimated_interest"), output_field=MONEY),
            ZERO,
            output_field=MONEY,
        )
    )["total"]
    drawings = FactoringDrawing.objects.filter(contract=contract, drawn_on__lte=as_of).aggregate(
        total=Coalesce(Sum("amount"), ZERO, output_field=MONEY)
    )["total"]
    q = contract.currency
    lines = {key: quantize(Decimal(value), q) for key, value in lines.items()}
    fees, drawings = quantize(Decimal(fees), q), quantize(Decimal(drawings), q)
    collected = lines["eligible"] - lines["open_eligible"]
    account = core.FactoringAccount(
        approved_outstanding=Decimal(lines["open_eligible"]),
        drawn=max(ZERO, Decimal(drawings) - collected),
        unpaid_fees=Decimal(fees),
    )
    return FactoringPosition(
        contract=contract,
        as_of=as_of,
        assigned=Decimal(lines["assigned"]),
        approved_outstanding=Decimal(lines["open_eligible"]),
        collected=collected,
        drawings=Decimal(drawings),
        fees=Decimal(fees),
        availability=core.factoring_availability(account=account, contract=core_contract(contract)),
    )


@transaction.atomic
def drawing_record(
    *, contract: FactoringContract, amount: Decimal, drawn_on: date, user: Any, note: str = ""
) -> FactoringDrawing:
    """Draw funds (or pay back, negative): never beyond what is available that day."""
    require(user, "insurance.manage")
    contract = FactoringContract.objects.select_for_update().get(pk=contract.pk)
    if amount == 0:
        raise ValidationFailed("a drawing is a non-zero amount")
    available = factoring_position(contract=contract, as_of=drawn_on).availability.available
    if amount > available:
        raise ValidationFailed(f"only {available} available on {drawn_on.isoformat()}")
    drawing = FactoringDrawing.objects.create(contract=contract, amount=amount, drawn_on=drawn_on, note=note)
    audit_record(
        actor=user,
        action="factoring.drawing",
        obj=drawing,
        entity_id=contract.entity_id,
        after={"amount": amount, "available_before": available},
    )
    return drawing


def returns_due(*, contract: FactoringContract, as_of: date) -> tuple[core.ReturnedReceivable, ...]:
    """What the factor hands back on ``as_of``: unapproved debtors, long overdue, over approval."""
    lines = (
        active_lines(contract, as_of)
        .filter(open_debit_q(prefix="item__"), eligible__gt=0)
        .annotate(open_eligible=_open_eligible())
        .values("pk", "item__customer_id", "open_eligible", "item__due_date")
    )
    receivables = [
        core.AssignedReceivable(
            reference=str(r["pk"]),
            debtor_id=str(r["item__customer_id"]),
            open_amount=Decimal(r["open_eligible"]),
            due_date=r["item__due_date"],
        )
        for r in lines
    ]
    return core.factoring_returns(
        receivables=receivables, approvals=core_approvals(contract), as_of=as_of, contract=core_contract(contract)
    )


@transaction.atomic
def returns_apply(*, contract: FactoringContract, as_of: date, user: Any) -> int:
    """Record the returns due: a line returned in full leaves the factor, a partial one keeps the rest."""
    require(user, "insurance.manage")
    returned = returns_due(contract=contract, as_of=as_of)
    lines = AssignedInvoice.objects.select_for_update().in_bulk([int(r.reference) for r in returned])
    for r in returned:
        line = lines[int(r.reference)]
        open_eligible = min(max(line.item.open_amount, ZERO), line.eligible)
        line.returned_amount += r.amount
        line.return_reason = r.reason[:200]
        if r.amount >= open_eligible:
            line.returned_on = as_of
        else:
            line.eligible -= r.amount
        line.save(update_fields=["returned_on", "returned_amount", "return_reason", "eligible"])
    if returned:
        audit_record(
            actor=user,
            action="factoring.returns",
            obj=contract,
            entity_id=contract.entity_id,
            after={"lines": len(returned), "amount": sum((r.amount for r in returned), ZERO)},
        )
    return len(returned)


FACTORING_READERS = frozenset({Role.CREDIT_MANAGER, Role.COLLECTOR, Role.AUDITOR})


def contracts_for(user: Any) -> QuerySet[FactoringContract]:
    """Factoring accounts are entity-wide (every assigned invoice): credit staff and auditors of
    the entity only, never a portfolio-scoped role such as a sales rep."""
    if not user.is_authenticated or not (user.is_admin or user.role in FACTORING_READERS):
        return FactoringContract.objects.none()
    return FactoringContract.objects.filter(entity__in=entities_for(user))
