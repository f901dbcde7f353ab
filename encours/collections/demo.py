"""Demo data of collections: a few past runs really executed (emails kept as .eml, letters as
PDF), promises kept, broken and pending, calls logged and calls due, so the worklist and the
customer timelines look like a working month. Bounded samples: fast on the bench portfolio too."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db.models import Q
from django.test.utils import override_settings

from encours.collections.execution import run_create, run_execute
from encours.collections.models import CallTask, Letterhead
from encours.collections.services import call_log, promise_create, promises_refresh
from encours.ledger.models import Contact, Customer, Item
from encours.ledger.queries import overdue_q
from encours.ledger.services.demo import DemoContext, demo_hook

RUN_CUSTOMERS = 10
PROMISES = 12
CALLS = 30
NOTES = (
    "AP manager on holiday, back next week",
    "Invoice approved, in the next payment run",
    "Asked for a copy of the invoice",
    "Cash-flow issue, asked for a schedule",
    "Payment blocked pending delivery note",
)


@demo_hook(40)
def collections_demo(context: DemoContext) -> None:
    as_of, rng = context.as_of, random.Random(5)
    _letterheads(context)
    _dunning_contacts(context)
    overdue = (
        Customer.objects.filter(overdue_q(as_of, prefix="items__"))
        .exclude(contacts__email="")
        .distinct()
        .order_by("pk")
    )
    sample = list(overdue.values_list("pk", flat=True)[: RUN_CUSTOMERS * 4])
    rng.shuffle(sample)
    base = Customer.objects.filter(pk__in=sample[:RUN_CUSTOMERS])
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        for days_ago in (21, 7):
            run = run_create(as_of=as_of - timedelta(days=days_ago), user=context.users["credit"])
            run_execute(run=run, user=context.users["credit"], base=base)
    _promises(context, sample, rng)
    _calls(context, sample, rng)


def _letterheads(context: DemoContext) -> None:
    for entity in context.entities:
        Letterhead.objects.get_or_create(
            entity=entity,
            defaults={
                "sender_name": entity.name,
                "signatory": "Sophie Marchand",
                "signatory_title": "Credit manager",
                "footer": f"{entity.name} · SIREN {entity.siren}",
            },
        )


def _dunning_contacts(context: DemoContext) -> None:
    """Every demo customer has a dunning contact with an email on a reserved domain."""
    missing = Customer.objects.exclude(contacts__is_dunning_contact=True).exclude(
        contacts__email__endswith=".example.fr"
    )
    Contact.objects.bulk_create(
        [
            Contact(customer_id=pk, name="Service comptabilité", email=f"compta-{account.lower()}@example.fr",
                    role=Contact.Role.ACCOUNTS_PAYABLE, is_dunning_contact=True)
            for pk, account in missing.values_list("pk", "account_number")
        ],
        batch_size=2000,
    )  # fmt: skip


def _promises(context: DemoContext, sample: list[int], rng: random.Random) -> None:
    as_of, user = context.as_of, context.users["collector1"]
    kept = Item.objects.filter(
        type="invoice", settled_on__gte=as_of - timedelta(days=40), settled_on__lte=as_of - timedelta(days=2)
    ).order_by("pk")[:PROMISES]
    for item in kept:
        promise_create(
            customer=item.customer, items=[item], amount=item.amount, promised_date=item.settled_on,
            made_on=item.settled_on - timedelta(days=6), user=user, note=rng.choice(NOTES),
        )  # fmt: skip
    open_items = Item.objects.filter(customer_id__in=sample[RUN_CUSTOMERS:]).overdue(as_of).order_by("pk")
    for index, item in enumerate(open_items[:PROMISES]):
        broken = index % 2 == 0
        made = as_of - timedelta(days=25 if broken else 2)
        made = max(made, item.document_date)
        promised = made + timedelta(days=7 if broken else 6)
        promise_create(
            customer=item.customer, items=[item], amount=item.open_amount, promised_date=promised, made_on=made,
            user=user, note=rng.choice(NOTES),
        )  # fmt: skip
    promises_refresh(as_of=as_of, user="seed_demo")


def _calls(context: DemoContext, sample: list[int], rng: random.Random) -> None:
    as_of = context.as_of
    customers = list(Customer.objects.filter(Q(pk__in=sample)).select_related("collector")[:CALLS])
    outcomes = ("reached", "no_answer", "wrong_contact", "reached", "call_back")
    for index, customer in enumerate(customers):
        when = as_of - timedelta(days=rng.randint(1, 20))
        task = CallTask.objects.create(
            customer=customer, assigned_to=customer.collector, title=f"Call {customer.name}", due_on=when
        )
        if index % 3 == 2:
            task.due_on = as_of
            task.save(update_fields=["due_on"])
            continue  # due today in the worklist
        outcome = outcomes[index % len(outcomes)]
        call_log(
            customer=customer, user=customer.collector, outcome=outcome, on=when, note=rng.choice(NOTES), task=task,
            call_back_on=when + timedelta(days=3) if outcome == "call_back" else None,
        )  # fmt: skip
