"""Demo disputes: the portfolio's disputes with owners, plausible timelines, comments, credit
notes linked, every reason and status; and one past unpaid committee, decided and signed."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from encours.audit.services import audit_record_many
from encours.core import disputes as rules
from encours.disputes.committees import CaseDecision, committee_prepare, committee_record, committee_sign
from encours.disputes.models import Dispute, DisputeLine, Event, Notification, ReasonCode, Status
from encours.disputes.services import credit_notes_link, reasons_ensure
from encours.ledger.models import Item, ItemType
from encours.ledger.services.demo import DemoContext, demo_hook
from encours.synthetic.demo import REGIONS

OUTCOMES = {
    "credit_note": Status.RESOLVED_CREDIT_NOTE,
    "customer_pays": Status.RESOLVED_PAYS,
    "rejected": Status.REJECTED,
}
ACTIVE_CYCLE = (Status.OPEN, Status.IN_PROGRESS, Status.WAITING_CUSTOMER, Status.IN_PROGRESS)
DEPARTMENT_USERS = {"logistics": "logistics", "quality": "quality", "billing": "billing", "customer_service": "service"}
COMMENTS = {
    "price": "Le client applique l'ancien tarif ; @{owner} peux-tu confirmer la remise négociée ?",
    "quantity": "Écart de quantité sur le bon de livraison, @{owner} merci de vérifier le BL signé.",
    "quality": "Photos des produits abîmés reçues, @{owner} pour avis qualité.",
    "delivery": "Livraison partielle selon le client, @{owner} peux-tu vérifier avec le transporteur ?",
    "not_received": "Le client dit ne pas avoir reçu la marchandise ; @{owner} preuve de livraison ?",
    "duplicate": "Facture émise deux fois, @{owner} merci d'annuler le doublon par avoir.",
    "vat_error": "Taux de TVA erroné, @{owner} avoir et refacturation à prévoir.",
    "credit_note": "Avoir promis par le commercial, @{owner} merci de l'émettre.",
    "other": "Désaccord sur les conditions de paiement, @{owner} pour suite à donner.",
}


@demo_hook(60)
def demo_disputes(context: DemoContext) -> None:
    rng = random.Random(6)
    reasons_ensure()
    reasons = {reason.code: reason for reason in ReasonCode.objects.all()}
    users = context.users
    with transaction.atomic():
        disputes, plans = _disputes(context, reasons, rng)
        _timelines(disputes, plans, users, context.as_of, rng)
    credit_notes_link(actor="seed_demo")
    _committee(context)


def _owner(users: dict[str, Any], department: str, sales_rep: Any) -> Any:
    if department == "sales":
        return sales_rep
    return users.get(DEPARTMENT_USERS.get(department, ""))


def _disputes(
    context: DemoContext, reasons: dict[str, ReasonCode], rng: random.Random
) -> tuple[list[Dispute], list[tuple[str, date, date | None]]]:
    numbers = [(context.entities[d.entity].pk, d.invoice) for d in context.portfolio.disputes]
    invoices = {
        (entity_id, number): pk
        for pk, entity_id, number in Item.objects.filter(
            type=ItemType.INVOICE, number__in=[number for _, number in numbers]
        ).values_list("pk", "entity_id", "number")
    }
    disputes, lines, plans = [], [], []
    active_index = 0
    for index, demo in enumerate(context.portfolio.disputes):
        item_id = invoices.get((context.entities[demo.entity].pk, demo.invoice))
        if item_id is None:
            continue
        customer = context.customers[demo.customer]
        code = "other" if index % 17 == 5 and demo.outcome != "credit_note" else demo.reason
        reason = reasons[code]
        if demo.resolved_on is None:
            status = ACTIVE_CYCLE[active_index % len(ACTIVE_CYCLE)]
            active_index += 1
        else:
            status = OUTCOMES[demo.outcome]
        department = reason.department
        owner = _owner(context.users, department, customer.sales_rep)
        sla_due = rules.sla_due_on(demo.opened_on, reason.sla_days)
        disputes.append(
            Dispute(
                entity_id=customer.entity_id,
                customer=customer,
                reason=reason,
                status=status,
                department=department,
                owner=owner,
                opened_on=demo.opened_on,
                expected_resolution_on=sla_due + timedelta(days=rng.choice((0, 0, 5, 10))),
                sla_due_on=sla_due,
                resolved_on=demo.resolved_on,
                amount_disputed=demo.amount,
                amount_credited=demo.amount
                if demo.outcome == "credit_note"
                else (Decimal(0) if demo.outcome else None),
                escalation_level=(
                    rules.escalation_level(due_on=sla_due, as_of=context.as_of) if demo.resolved_on is None else 0
                ),
                description=f"{reason.label} — {demo.invoice}",
            )
        )
        lines.append((item_id, demo.amount))
        plans.append((status, demo.opened_on, demo.resolved_on))
    created = Dispute.objects.bulk_create(disputes, batch_size=1000)
    if created and created[0].pk is None:
        created = list(Dispute.objects.order_by("pk"))
    DisputeLine.objects.bulk_create(
        [
            DisputeLine(dispute=d, item_id=item_id, amount=amount)
            for d, (item_id, amount) in zip(created, lines, strict=True)
        ],
        batch_size=2000,
    )
    audit_record_many(
        {
            "actor": "seed_demo",
            "action": "dispute.create",
            "obj": d,
            "customer_id": d.customer_id,
            "entity_id": d.entity_id,
            "after": {"status": d.status, "reason": d.reason.code, "amount_disputed": d.amount_disputed},
            "note": "demo dispute",
        }
        for d in created
    )
    return created, plans


def _timelines(
    disputes: list[Dispute],
    plans: list[tuple[str, date, date | None]],
    users: dict[str, Any],
    as_of: date,
    rng: random.Random,
) -> None:
    events, notifications = [], []
    opener = users["collector1"]
    for dispute, (status, opened, resolved) in zip(disputes, plans, strict=True):
        events.append(
            Event(
                dispute=dispute,
                kind=Event.Kind.CREATED,
                on=opened,
                actor=opener,
                actor_label=opener.username,
                to_status=Status.OPEN,
            )
        )
        owner = dispute.owner
        if owner is not None:
            text = COMMENTS[dispute.reason.code].format(owner=owner.username)
            events.append(
                Event(
                    dispute=dispute,
                    kind=Event.Kind.COMMENT,
                    on=opened + timedelta(days=1),
                    actor=opener,
                    actor_label=opener.username,
                    body=text,
                )
            )
            if resolved is None:
                notifications.append(
                    Notification(
                        user=owner, dispute=dispute, kind="mention", message=f"{opener.username}: {text[:200]}"
                    )
                )
        end = resolved or as_of
        path: list[str] = []
        if status != Status.OPEN:
            path.append(Status.IN_PROGRESS)
        if status == Status.WAITING_CUSTOMER or (resolved is not None and rng.random() < 0.4):
            path.append(Status.WAITING_CUSTOMER)
        if resolved is not None:
            path.append(status)
        previous = Status.OPEN
        span = max((end - opened).days, len(path))
        for step, target in enumerate(path, start=1):
            on = (
                resolved
                if target == status and resolved is not None
                else opened + timedelta(days=span * step // (len(path) + 1))
            )
            actor = owner or opener
            events.append(
                Event(
                    dispute=dispute,
                    kind=Event.Kind.STATUS,
                    on=min(on, as_of),
                    actor=actor,
                    actor_label=actor.username,
                    from_status=previous,
                    to_status=target,
                )
            )
            previous = target
        if resolved is None and dispute.escalation_level:
            events.append(
                Event(
                    dispute=dispute,
                    kind=Event.Kind.ESCALATED,
                    on=dispute.sla_due_on + timedelta(days=1),
                    actor_label="celery-beat",
                    body=f"{dispute.escalation_level}",
                )
            )
    Event.objects.bulk_create(events, batch_size=2000)
    Notification.objects.bulk_create(notifications, batch_size=2000)


def _committee(context: DemoContext) -> None:
    """Last month's committee of the first region: decided by the proposals and signed off."""
    users = context.users
    credit, director = users.get("credit"), users.get("director-idf")
    if credit is None or director is None:
        return
    month_start = context.as_of.replace(day=1)
    previous_end = month_start - timedelta(days=1)
    committee = committee_prepare(
        user=credit,
        month=previous_end,
        as_of=previous_end,
        region=REGIONS[0][0],
        min_days_late=60,
        min_amount=Decimal(3000),
    )
    decisions = {
        case.pk: CaseDecision(case.proposed, case.provision_percent, "proposition retenue")
        for case in committee.cases.all()
    }
    committee_record(
        committee=committee,
        user=credit,
        held_on=previous_end,
        attendees="Sophie Marchand (crédit), Bruno Vidal (directeur régional), Alice Admin (DAF)",
        decisions=decisions,
    )
    committee_sign(committee=committee, user=director)
