"""Customer blocks: set for a reason, lifted by whom the reason allows (or by itself once paid), audited.

``Customer.is_blocked`` / ``blocked_reason`` (read by the credit check and the lists) follow the
customer's active blocks: blocked while one is active, its reason the detail of each.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from encours.accounts.permissions import is_system, require
from encours.audit.services import audit_record
from encours.core.errors import ValidationFailed
from encours.ledger.models import BlockReason, Customer, CustomerBlock, Item, ItemType
from encours.ledger.queries import FUNCTIONAL_OPEN
from encours.ledger.services.changes import ledger_changed

# who may lift a block, by its reason (the actions are in encours/accounts/permissions.py RULES)
BLOCK_LIFT_ACTIONS = {
    BlockReason.DUNNING: "ledger.lift_dunning_block",
    BlockReason.MANUAL: "ledger.block_customer",
    BlockReason.COMMITTEE: "ledger.block_customer",
    BlockReason.INSOLVENCY: "ledger.lift_insolvency_block",
}
AUTO_LIFT_ACTOR = "auto-lift"


def lift_action(block: CustomerBlock) -> str:
    return BLOCK_LIFT_ACTIONS[BlockReason(block.reason)]


def _user(actor: Any) -> Any:
    return None if is_system(actor) else actor


def _label(actor: Any) -> str:
    return "system" if actor is None else actor if isinstance(actor, str) else actor.get_username()


def _sync_customer(customer: Customer) -> None:
    """The customer's flag and reason from its active blocks (oldest first)."""
    active = list(customer.blocks.filter(lifted_at__isnull=True).order_by("blocked_at", "pk").values_list("detail"))
    customer.is_blocked = bool(active)
    customer.blocked_reason = "; ".join(detail for (detail,) in active)[:200]
    customer.save(update_fields=["is_blocked", "blocked_reason"])


def _block_state(block: CustomerBlock) -> dict[str, Any]:
    return {
        "reason": block.reason,
        "detail": block.detail,
        "source": block.source,
        "lift_below": block.lift_below,
        "active": block.is_active,
    }


@transaction.atomic
def customer_block(
    *,
    customer: Customer,
    by: Any,
    reason: str,
    kind: str = BlockReason.MANUAL,
    capability: str = "ledger.block_customer",
    source: str = "",
    lift_below: Decimal | None = None,
    on: date | None = None,
) -> CustomerBlock:
    """Block a customer for ``kind`` (a dunning step, an insolvency, a committee, by hand); ``capability``
    names the action it is part of (a dunning run, a risk import, a committee) when not a block by hand.

    A customer already blocked for the same kind keeps that block: nothing is written twice."""
    require(by, capability, customer=customer)
    if kind not in BlockReason.values:
        raise ValidationFailed(f"unknown block reason {kind!r}")
    if not reason.strip():
        raise ValidationFailed("a reason is required to block a customer")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    active = customer.blocks.filter(reason=kind, lifted_at__isnull=True).first()
    if active is not None:
        return active
    try:
        with transaction.atomic():
            block = CustomerBlock.objects.create(
                customer=customer,
                reason=kind,
                detail=reason.strip()[:200],
                source=source[:80],
                lift_below=lift_below,
                blocked_on=on or timezone.localdate(),
                blocked_by=_user(by),
                blocked_by_label=_label(by),
            )
    except IntegrityError:  # a concurrent block of the same kind won the race
        return customer.blocks.get(reason=kind, lifted_at__isnull=True)
    before = {"is_blocked": customer.is_blocked, "blocked_reason": customer.blocked_reason}
    _sync_customer(customer)
    ledger_changed("blocks")
    audit_record(
        actor=by,
        action="customer.block",
        obj=customer,
        customer_id=customer.pk,
        entity_id=customer.entity_id,
        before=before,
        after={"is_blocked": customer.is_blocked, "blocked_reason": customer.blocked_reason, "block": block.pk}
        | _block_state(block),
        note=reason.strip(),
    )
    return block


@transaction.atomic
def block_lift(*, block: CustomerBlock, by: Any, reason: str) -> CustomerBlock:
    """Lift one block, by an actor the block's reason allows, saying why."""
    require(by, lift_action(block), customer=block.customer_id)
    if not reason.strip():
        raise ValidationFailed("say why the block is lifted")
    ledger_changed("blocks")
    return _lift(block=block, by=by, reason=reason.strip(), automatically=False)


def _lift(*, block: CustomerBlock, by: Any, reason: str, automatically: bool) -> CustomerBlock:
    customer = Customer.objects.select_for_update().get(pk=block.customer_id)
    block = CustomerBlock.objects.select_for_update().get(pk=block.pk)
    if not block.is_active:
        raise ValidationFailed(f"this block was already lifted on {timezone.localtime(block.lifted_at):%d/%m/%Y}")
    state = _block_state(block)
    block.lifted_at, block.lifted_by, block.lifted_by_label = timezone.now(), _user(by), _label(by)
    block.lift_reason, block.lifted_automatically = reason, automatically
    block.save(update_fields=["lifted_at", "lifted_by", "lifted_by_label", "lift_reason", "lifted_automatically"])
    before = {"is_blocked": customer.is_blocked, "blocked_reason": customer.blocked_reason} | state
    _sync_customer(customer)
    audit_record(
        actor=by,
        action="customer.unblock",
        obj=customer,
        customer_id=customer.pk,
        entity_id=customer.entity_id,
        before=before,
        after={"is_blocked": customer.is_blocked, "blocked_reason": customer.blocked_reason, "block": block.pk}
        | _block_state(block),
        note=reason,
    )
    return block


def customer_unblock(*, customer: Customer, by: Any, reason: str, kinds: Iterable[str] = ()) -> list[CustomerBlock]:
    """Lift the customer's active blocks of ``kinds`` (every kind when empty), all or none: the actor
    must be allowed to lift each of them."""
    with transaction.atomic():
        blocks = customer.blocks.filter(lifted_at__isnull=True).order_by("blocked_at", "pk")
        kinds = list(kinds)
        if kinds:
            blocks = blocks.filter(reason__in=kinds)
        found = list(blocks)
        if not found:
            which = f" of {', '.join(kinds)}" if kinds else ""
            raise ValidationFailed(f"{customer.name} has no active block{which}")
        return [block_lift(block=block, by=by, reason=reason) for block in found]


def overdue_amounts(customer_ids: Iterable[int], *, as_of: date) -> dict[int, Decimal]:
    """Overdue open invoices per customer in the functional currency, one grouped query."""
    rows = (
        Item.objects.filter(customer_id__in=list(customer_ids), type__in=(ItemType.INVOICE, ItemType.ADJUSTMENT))
        .overdue(as_of)
        .values("customer_id")
        .annotate(total=Sum(FUNCTIONAL_OPEN))
        .values_list("customer_id", "total")
        .order_by()
    )
    return dict(rows)


def blocks_lift_paid(
    *, as_of: date, customer_ids: Iterable[int] | None = None, later_blocks: bool = False
) -> list[CustomerBlock]:
    """Lift the dunning blocks whose cause is gone: the customer's overdue amount on ``as_of`` fell
    below the step's minimum (or to nothing). Run by the daily risk run and after each cash
    application, as of the payment's booking date; a payment booked before the block was placed
    (a statement imported late) judges that block too (``later_blocks``)."""
    candidates = CustomerBlock.objects.filter(
        reason=BlockReason.DUNNING, lifted_at__isnull=True, lift_below__isnull=False
    )
    if not later_blocks:  # a run as of an earlier day (a replay, the demo's history) does not judge a later block
        candidates = candidates.filter(blocked_on__lte=as_of)
    if customer_ids is not None:
        candidates = candidates.filter(customer_id__in=list(customer_ids))
    blocks = list(candidates.order_by("pk"))
    if not blocks:
        return []
    overdue = overdue_amounts({b.customer_id for b in blocks}, as_of=as_of)
    lifted = []
    for block in blocks:
        owed = overdue.get(block.customer_id) or Decimal(0)
        if owed > 0 and owed >= block.lift_below:
            continue
        why = (
            f"paid: nothing overdue on {as_of:%d/%m/%Y}"
            if owed <= 0
            else f"paid: {owed:.2f} overdue on {as_of:%d/%m/%Y}, below the step's minimum of {block.lift_below:.2f}"
        )
        try:
            with transaction.atomic():
                lifted.append(_lift(block=block, by=AUTO_LIFT_ACTOR, reason=why, automatically=True))
        except ValidationFailed:  # lifted by hand meanwhile
            continue
    if lifted:
        ledger_changed("blocks")  # once for the run, after the lifts
    return lifted
