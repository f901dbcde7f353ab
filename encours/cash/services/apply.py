"""Applying bank lines: payment items and allocations in the ledger, all audited.

A user's action (accept a suggestion, split, assign on account) goes through the ledger
services one row at a time; an import's automatic applications are set-based
(``applications_bulk``): bulk inserts of payment items, allocations and audit entries and
one ``items_refresh_open``. ``line_undo`` removes what an application made.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from encours.accounts.permissions import require
from encours.audit.services import audit_record, audit_record_many
from encours.cash.models import (
    Application,
    AppliedAllocation,
    BankLine,
    LineStatus,
    PayerAlias,
    Proposal,
)
from encours.cash.services.plans import PAYMENT, Pair, Part, Plan, letter_code, plan
from encours.core.errors import InvalidTransition, ValidationFailed
from encours.core.identifiers import normalize_iban
from encours.core.matching.names import split_company_name
from encours.core.money import ZERO
from encours.ledger.models import Allocation, Customer, CustomerBankAccount, Item, ItemType
from encours.ledger.services.blocks import blocks_lift_paid
from encours.ledger.services.items import allocation_create, allocation_delete, item_create, items_refresh_open

SOURCE = "cash"


def payment_number(line_id: int) -> str:
    return f"BQ{line_id:09d}"


def writeoff_number(line_id: int, item_id: int) -> str:
    return f"EC{line_id:09d}-{item_id}"


def _actor(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


def _booked_on(line: BankLine) -> date:
    return line.booking_date or timezone.localdate()


# --- the rows an application writes, built once for one line (``line_apply``) and in bulk ---


def _payment_fields(line: BankLine) -> dict[str, Any]:
    """The ledger fields of the payment item a line makes (the customer is set by the caller)."""
    return {
        "type": ItemType.PAYMENT,
        "number": payment_number(line.pk),
        "document_date": _booked_on(line),
        "amount": -line.amount,
        "currency": line.currency,
        "reference": line.entry_ref,
        "label": (line.counterparty_name or line.remittance_text)[:200],
        "source_file": f"bank:{line.statement_id}",
    }


def _writeoff_fields(line: BankLine, *, invoice_id: int, amount: Decimal, reason: str) -> dict[str, Any]:
    """The ledger fields of the adjustment that writes off ``amount`` of an invoice."""
    return {
        "type": ItemType.ADJUSTMENT,
        "number": writeoff_number(line.pk, invoice_id),
        "document_date": _booked_on(line),
        "amount": -amount,
        "currency": line.currency,
        "label": str(reason or "write-off"),
    }


def _application(the_plan: Plan, *, line: BankLine, payment: Item, kind: str, user: Any) -> Application:
    """The (unsaved) application row of a plan."""
    return Application(
        line=line,
        customer_id=the_plan.customer_id,
        payment=payment,
        kind=kind,
        amount_applied=the_plan.applied,
        unapplied=the_plan.unapplied,
        write_off=the_plan.write_off,
        reason=the_plan.reason[:500],
        created_by=_actor(user),
    )


def _applied(application: Application, allocation: Allocation, pair: Pair, credit: Item) -> AppliedAllocation:
    """The (unsaved) row tying an application to one of its ledger allocations."""
    return AppliedAllocation(
        application=application,
        allocation=allocation,
        invoice_id=pair.debit_id,
        credit=credit,
        amount=pair.amount,
        from_payment=pair.credit == PAYMENT,
    )


def _open_line(line: BankLine) -> BankLine:
    line = BankLine.objects.select_for_update().select_related("entity").get(pk=line.pk)
    if line.status not in (LineStatus.REVIEW, LineStatus.NEW, LineStatus.NOT_CUSTOMER):
        raise InvalidTransition(f"line {line.entry_ref or line.key} is already {line.get_status_display()}")
    if line.amount <= ZERO:
        raise InvalidTransition("only a receipt can be applied")
    return line


def _customer_of(line: BankLine, customer_id: int) -> Customer:
    customer = Customer.objects.select_related("entity").filter(pk=customer_id, entity_id=line.entity_id).first()
    if customer is None:
        raise ValidationFailed("the customer is not one of this bank account's legal entity")
    return customer


def _check_items(line: BankLine, customer: Customer, parts: Sequence[Part]) -> dict[int, Item]:
    """The items exist in the line's entity, are open enough, and belong to the customer or its group."""
    rows = Item.objects.select_for_update(of=("self",)).select_related("customer")
    items = {i.pk: i for i in rows.filter(pk__in=[p.item_id for p in parts])}
    for part in parts:
        item = items.get(part.item_id)
        if item is None or item.entity_id != line.entity_id:
            raise ValidationFailed("an allocated item is not an open item of this legal entity")
        same_group = customer.group_id and item.customer.group_id == customer.group_id
        if item.customer_id != customer.pk and not same_group:
            raise ValidationFailed(f"{item.number} belongs to another customer")
        room = abs(item.open_amount)
        if abs(part.amount) + part.write_off > room:
            raise ValidationFailed(f"{part.amount} exceeds the open amount of {item.number} ({room})")
        if (item.open_amount > 0) != (part.amount > 0):
            raise ValidationFailed(f"{item.number}: an invoice takes a positive amount, a credit note a negative one")
    return items


@transaction.atomic
def line_apply(
    *,
    line: BankLine,
    customer_id: int,
    parts: Sequence[Part],
    user: Any,
    kind: str = Application.Kind.SPLIT,
    reason: str = "",
    write_off_reason: str = "",
    learn: bool = True,
) -> Application:
    """Apply one line to a customer's items (what is left stays on the customer's account)."""
    require(user, "cash.apply", customer=customer_id, entity=line.entity_id)
    line = _open_line(line)
    customer = _customer_of(line, customer_id)
    items = _check_items(line, customer, parts)
    the_plan = plan(
        line_id=line.pk,
        line_amount=line.amount,
        customer_id=customer.pk,
        parts=tuple(parts),
        kind=kind,
        reason=reason,
        write_off_reason=write_off_reason,
    )
    on = _booked_on(line)
    payment = item_create(customer=customer, user=user, **_payment_fields(line))
    application = _application(the_plan, line=line, payment=payment, kind=kind, user=user)
    application.customer = customer
    application.save(force_insert=True)
    application.letter = letter_code(application.pk - 1)
    application.save(update_fields=["letter"])
    credits: dict[str | int, Item] = {PAYMENT: payment}
    applied = []
    for pair in the_plan.pairs:
        credit = credits.get(pair.credit)
        if credit is None and isinstance(pair.credit, str):  # a write-off adjustment
            invoice = items[pair.debit_id]
            credit = item_create(
                customer=invoice.customer,
                user=user,
                **_writeoff_fields(line, invoice_id=invoice.pk, amount=pair.amount, reason=write_off_reason),
            )
            credits[pair.credit] = credit
        elif credit is None:
            credit = items[int(pair.credit)]
        allocation = allocation_create(
            debit=items[pair.debit_id],
            credit=credit,
            amount=pair.amount,
            on=on,
            user=user,
            source=SOURCE,
            letter=application.letter,
        )
        applied.append(_applied(application, allocation, pair, credit))
    AppliedAllocation.objects.bulk_create(applied)
    status = LineStatus.ON_ACCOUNT if not parts else LineStatus.APPLIED
    BankLine.objects.filter(pk=line.pk).update(status=status, customer=customer, reason=reason[:300])
    if learn:
        payer_learn(line=line, customer=customer, user=user)
    audit_record(
        actor=user,
        action="cash.apply",
        obj=line,
        customer_id=customer.pk,
        entity_id=line.entity_id,
        after={
            "kind": kind,
            "customer": customer.account_number,
            "applied": the_plan.applied,
            "unapplied": the_plan.unapplied,
            "items": [items[p.item_id].number for p in parts],
        },
        note=reason,
    )
    blocks_lift_paid(as_of=on, customer_ids=[customer.pk], later_blocks=True)  # paid enough: a dunning block lifts
    return application


def line_accept(*, line: BankLine, proposal: Proposal, user: Any) -> Application:
    """One-click accept of a ranked suggestion."""
    if proposal.line_id != line.pk:
        raise ValidationFailed("this suggestion is for another line")
    parts = [
        Part(int(a["item"]), Decimal(a["amount"]), Decimal(a.get("write_off") or "0")) for a in proposal.allocations
    ]
    return line_apply(
        line=line,
        customer_id=proposal.customer_id,
        parts=parts,
        user=user,
        kind=Application.Kind.ACCEPTED,
        reason=proposal.reason,
        write_off_reason=proposal.write_off_reason,
    )


def line_assign(*, line: BankLine, customer: Customer, user: Any, note: str = "") -> Application:
    """Keep the whole line on the customer's account as unapplied cash."""
    return line_apply(
        line=line, customer_id=customer.pk, parts=(), user=user, kind=Application.Kind.ON_ACCOUNT, reason=note
    )


@transaction.atomic
def line_set_not_customer(*, line: BankLine, user: Any, note: str = "") -> BankLine:
    require(user, "cash.apply", entity=line.entity_id)
    line = BankLine.objects.select_for_update().get(pk=line.pk)
    if line.status not in (LineStatus.REVIEW, LineStatus.NEW):
        raise InvalidTransition(f"line {line.entry_ref or line.key} is {line.get_status_display()}")
    before = {"status": line.status}
    line.status = LineStatus.NOT_CUSTOMER
    line.reason = (note or "marked as not a customer receipt")[:300]
    line.save(update_fields=["status", "reason"])
    audit_record(
        actor=user,
        action="cash.not_customer",
        obj=line,
        entity_id=line.entity_id,
        before=before,
        after={"status": line.status},
        note=note,
    )
    return line


@transaction.atomic
def line_undo(*, line: BankLine, user: Any, reason: str = "") -> BankLine:
    """Remove the line's application (allocations, write-offs, payment item); the line goes
    back to the review queue. A line set aside as not a customer receipt comes back too."""
    require(user, "cash.apply", entity=line.entity_id)
    line = BankLine.objects.select_for_update().get(pk=line.pk)
    if line.status == LineStatus.NOT_CUSTOMER:
        line.status, line.reason = LineStatus.REVIEW, "back to review"
        line.save(update_fields=["status", "reason"])
        audit_record(actor=user, action="cash.undo", obj=line, entity_id=line.entity_id, note=reason)
        return line
    application = line.applications.filter(undone_at__isnull=True).select_related("payment").first()
    if application is None:
        raise InvalidTransition("this line has no application to undo")
    created_credits = set()
    for applied in application.applied.select_related("allocation__debit", "allocation__credit", "credit"):
        if applied.allocation is not None:
            allocation_delete(allocation=applied.allocation, user=user, reason=reason or "cash application undone")
        if applied.credit is not None and applied.credit.type == ItemType.ADJUSTMENT:
            created_credits.add(applied.credit.pk)
    if application.payment_id:
        created_credits.add(application.payment_id)
    removed = list(Item.objects.filter(pk__in=created_credits).values("pk", "number", "amount"))
    # only items this application created, and only when nothing else is lettered against them
    if Allocation.objects.filter(credit_id__in=created_credits).exists():
        raise InvalidTransition("the payment was lettered elsewhere since: undo those allocations first")
    Item.objects.filter(pk__in=created_credits).delete()
    application.undone_at = timezone.now()
    application.undone_by = user if getattr(user, "pk", None) else None
    application.save(update_fields=["undone_at", "undone_by"])
    before = {"status": line.status, "customer": line.customer_id}
    line.status, line.customer, line.reason = LineStatus.REVIEW, None, "application undone"
    line.save(update_fields=["status", "customer", "reason"])
    audit_record_many(
        [
            {
                "actor": user,
                "action": "item.delete",
                "object_type": "ledger.item",
                "object_id": r["pk"],
                "object_repr": r["number"],
                "customer_id": application.customer_id,
                "entity_id": line.entity_id,
                "before": {"number": r["number"], "amount": r["amount"]},
                "note": "cash application undone",
            }
            for r in removed
        ]
        + [
            {
                "actor": user,
                "action": "cash.undo",
                "obj": line,
                "customer_id": application.customer_id,
                "entity_id": line.entity_id,
                "before": before,
                "after": {"status": line.status},
                "note": reason,
            }
        ]
    )
    return line


def payer_learn(*, line: BankLine, customer: Customer, user: Any) -> list[PayerAlias]:
    """Remember the payer's IBAN and name for this customer when they are new."""
    learned = []
    iban = normalize_iban(line.counterparty_iban) if line.amount > 0 and line.counterparty_iban else ""
    if iban:
        known = (
            CustomerBankAccount.objects.filter(customer=customer, iban=iban).exists()
            or PayerAlias.objects.filter(customer=customer, kind=PayerAlias.Kind.IBAN, value=iban).exists()
        )
        if not known:
            learned.append(PayerAlias(customer=customer, kind=PayerAlias.Kind.IBAN, value=iban))
    name = line.counterparty_name.strip()[:200] if line.amount > 0 else ""
    if name and split_company_name(name)[0]:
        names = [
            customer.name,
            *PayerAlias.objects.filter(customer=customer, kind="name").values_list("value", flat=True),
        ]
        if split_company_name(name)[0] not in {split_company_name(n)[0] for n in names}:
            learned.append(PayerAlias(customer=customer, kind=PayerAlias.Kind.NAME, value=name))
    for alias in learned:
        alias.created_by = user if getattr(user, "pk", None) else None
        alias.save()
        audit_record(
            actor=user,
            action="cash.learn_alias",
            obj=alias,
            customer_id=customer.pk,
            entity_id=customer.entity_id,
            after={"kind": alias.kind, "value": alias.value},
        )
    return learned


# --- set-based: an import's automatic applications ------------------------------------


def applications_bulk(*, plans: Sequence[Plan], lines: dict[int, BankLine], user: Any) -> int:
    """Apply many lines at once: bulk inserts, one open-amount refresh, bulk audit entries.
    Must run inside the caller's transaction. Plans using credit notes go one by one."""
    single = [p for p in plans if p.uses_credit_notes]
    plans = [p for p in plans if not p.uses_credit_notes]
    for p in single:
        line_apply(
            line=lines[p.line_id],
            customer_id=p.customer_id,
            parts=p.parts,
            user=user,
            kind=Application.Kind.AUTO,
            reason=p.reason,
            write_off_reason=p.write_off_reason,
            learn=False,
        )
    if not plans:
        return len(single)
    actor = _actor(user)
    item_ids = {pair.debit_id for p in plans for pair in p.pairs}
    debits = {
        pk: (customer_id, number, open_amount)
        for pk, customer_id, number, open_amount in Item.objects.select_for_update()
        .filter(pk__in=item_ids)
        .values_list("pk", "customer_id", "number", "open_amount")
    }
    used: dict[int, Decimal] = {}
    for p in plans:
        for pair in p.pairs:
            used[pair.debit_id] = used.get(pair.debit_id, ZERO) + pair.amount
    over = [debits[pk][1] for pk, amount in used.items() if pk not in debits or amount > debits[pk][2]]
    if over:
        raise ValidationFailed(f"allocations exceed the open amount of {', '.join(over[:5])}")
    entity_id = next(iter(lines.values())).entity_id
    new_items: list[Item] = []
    keys: list[tuple[int, str]] = []
    for p in plans:
        line = lines[p.line_id]
        new_items.append(_item(entity_id=entity_id, customer_id=p.customer_id, **_payment_fields(line)))
        keys.append((p.line_id, PAYMENT))
        for part in p.parts:
            if part.write_off > ZERO:
                writeoff = _writeoff_fields(
                    line, invoice_id=part.item_id, amount=part.write_off, reason=p.write_off_reason
                )
                new_items.append(_item(entity_id=entity_id, customer_id=debits[part.item_id][0], **writeoff))
                keys.append((p.line_id, f"writeoff:{part.item_id}"))
    Item.objects.bulk_create(new_items, batch_size=2000)
    created = dict(zip(keys, new_items, strict=True))
    auto = Application.Kind.AUTO
    applications = [
        _application(p, line=lines[p.line_id], payment=created[(p.line_id, PAYMENT)], kind=auto, user=user)
        for p in plans
    ]
    Application.objects.bulk_create(applications, batch_size=2000)
    for application in applications:
        application.letter = letter_code(application.pk - 1)
    Application.objects.bulk_update(applications, ["letter"], batch_size=2000)
    allocations: list[Allocation] = []
    applied: list[AppliedAllocation] = []
    for p, application in zip(plans, applications, strict=True):
        on = _booked_on(lines[p.line_id])
        for pair in p.pairs:
            credit = created[(p.line_id, pair.credit)]
            allocation = Allocation(
                debit_id=pair.debit_id,
                credit=credit,
                amount=pair.amount,
                date=on,
                letter=application.letter,
                source=SOURCE,
                created_by=actor,
            )
            allocations.append(allocation)
            applied.append(_applied(application, allocation, pair, credit))
    Allocation.objects.bulk_create(allocations, batch_size=2000)
    for row in applied:
        row.allocation_id = row.allocation.pk
    AppliedAllocation.objects.bulk_create(applied, batch_size=2000)
    items_refresh_open(item_ids | {item.pk for item in new_items})
    status_of = {p.line_id: LineStatus.APPLIED if p.parts else LineStatus.ON_ACCOUNT for p in plans}
    for pk, status in status_of.items():
        lines[pk].status = status
    audit_record_many(
        [
            {
                "actor": user,
                "action": "item.create",
                "obj": item,
                "customer_id": item.customer_id,
                "entity_id": entity_id,
                "after": {"type": item.type, "number": item.number, "amount": item.amount},
            }
            for item in new_items
        ]
        + [
            {
                "actor": user,
                "action": "allocation.create",
                "object_type": "ledger.allocation",
                "object_id": a.pk,
                "object_repr": f"{a.credit.number} → {debits[a.debit_id][1]}",
                "customer_id": debits[a.debit_id][0],
                "entity_id": entity_id,
                "after": {
                    "debit": debits[a.debit_id][1],
                    "credit": a.credit.number,
                    "amount": a.amount,
                    "date": a.date,
                    "source": SOURCE,
                },
            }
            for a in allocations
        ]
        + [
            {
                "actor": user,
                "action": "cash.apply",
                "obj": lines[p.line_id],
                "customer_id": p.customer_id,
                "entity_id": entity_id,
                "after": {"kind": p.kind, "applied": p.applied, "unapplied": p.unapplied},
                "note": p.reason,
            }
            for p in plans
        ]
    )
    paid_on: dict[date, set[int]] = defaultdict(set)  # each customer judged on its payment's booking date
    for p in plans:
        paid_on[_booked_on(lines[p.line_id])].add(p.customer_id)
    for on, customer_ids in sorted(paid_on.items()):
        blocks_lift_paid(as_of=on, customer_ids=customer_ids, later_blocks=True)
    return len(plans) + len(single)


def _item(
    *,
    entity_id: int,
    customer_id: int,
    type: str,
    number: str,
    document_date: date,
    amount: Decimal,
    currency: str,
    reference: str = "",
    label: str = "",
    source_file: str = "",
) -> Item:
    """An unsaved ledger item of the bulk path (``item_create`` for one line)."""
    return Item(
        entity_id=entity_id,
        customer_id=customer_id,
        type=type,
        number=number,
        document_date=document_date,
        due_date=document_date,
        amount=amount,
        currency=currency,
        amount_functional=amount,
        open_amount=amount,
        reference=reference[:140],
        label=label[:200],
        source_file=source_file[:200],
    )
