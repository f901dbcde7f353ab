"""Load the generated demo portfolio: entities, staff with one login per role, customers,
ledger. Other apps add their demo data (scenarios, disputes, covers…) through hooks."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from encours.accounts.models import Department, Role
from encours.audit.services import audit_record
from encours.ledger.models import (
    Contact,
    Customer,
    CustomerBankAccount,
    CustomerGroup,
    LegalEntity,
    OpenOrder,
)
from encours.ledger.services.upsert import (
    IncomingAllocation,
    IncomingItem,
    Progress,
    _noop,
    upsert_items_and_allocations,
)
from encours.synthetic.demo import REGIONS, REP_REGIONS, DemoPortfolio

DEMO_PASSWORD = "encours-demo"
# (username, first name, last name, role, department, region index or None)
STAFF = (
    ("admin", "Alice", "Admin", Role.ADMIN, Department.FINANCE, None),
    ("credit", "Sophie", "Marchand", Role.CREDIT_MANAGER, Department.FINANCE, None),
    ("collector1", "Julien", "Roy", Role.COLLECTOR, Department.FINANCE, None),
    ("collector2", "Inès", "Caron", Role.COLLECTOR, Department.FINANCE, None),
    ("collector3", "Hugo", "Perret", Role.COLLECTOR, Department.FINANCE, None),
    *(
        (f"rep{number}", first, last, Role.SALES_REP, Department.SALES, None)
        for number, (first, last) in enumerate(
            (
                ("Marc", "Lemoine"),
                ("Léa", "Barbier"),
                ("Paul", "Renaud"),
                ("Emma", "Giraud"),
                ("Louis", "Brun"),
                ("Chloé", "Noël"),
                ("Hélène", "Aubert"),
                ("Tom", "Rey"),
            ),
            start=1,
        )
    ),
    ("director-idf", "Bruno", "Vidal", Role.REGIONAL_DIRECTOR, Department.SALES, 0),
    ("director-ara", "Agnès", "Colas", Role.REGIONAL_DIRECTOR, Department.SALES, 1),
    ("auditor", "Denis", "Leclerc", Role.AUDITOR, Department.FINANCE, None),
    ("logistics", "Karim", "Benali", Role.DEPARTMENT, Department.LOGISTICS, None),
    ("quality", "Nadia", "Ferreira", Role.DEPARTMENT, Department.QUALITY, None),
    ("billing", "Yves", "Lacroix", Role.DEPARTMENT, Department.BILLING, None),
    ("service", "Lucie", "Marty", Role.DEPARTMENT, Department.CUSTOMER_SERVICE, None),
)

DemoHook = Callable[["DemoContext"], None]
_HOOKS: list[tuple[int, DemoHook]] = []


def demo_hook(order: int) -> Callable[[DemoHook], DemoHook]:
    """Register an app's demo loader; it runs after the ledger is loaded, in order."""

    def decorator(hook: DemoHook) -> DemoHook:
        if all(h is not hook for _, h in _HOOKS):
            _HOOKS.append((order, hook))
            _HOOKS.sort(key=lambda pair: pair[0])
        return hook

    return decorator


@dataclass
class DemoContext:
    portfolio: DemoPortfolio
    entities: list[LegalEntity]
    customers: list[Customer]  # by portfolio index
    users: dict[str, Any]
    as_of: date
    progress: Progress = _noop
    notes: list[str] = field(default_factory=list)


def demo_load(
    *,
    portfolio: DemoPortfolio,
    progress: Progress = _noop,
    hooks: bool = True,
    apps: Collection[str] = (),
    skip: Collection[str] = (),
) -> DemoContext:
    """Load the portfolio, then every app's demo data (only the apps labelled in ``apps`` when
    given, never those in ``skip``). ``progress(stage, stages, name)`` is called as each stage
    starts, and ``progress(stages, stages, "done")`` at the end."""
    chosen = [
        (label, hook)
        for label, hook in ((_app_label(hook), hook) for _, hook in (_HOOKS if hooks else ()))
        if (not apps or label in apps) and label not in skip
    ]
    stages = 3 + len(portfolio.entities) + len(chosen)
    with transaction.atomic():
        progress(0, stages, "entities and staff")
        entities = _entities(portfolio)
        users = _staff(entities)
        groups = {
            g.code: CustomerGroup.objects.create(code=g.code, name=g.name, siren=g.siren) for g in portfolio.groups
        }
        progress(1, stages, "customers")
        customers = _customers(portfolio, entities, groups, users)
        _ledger(portfolio, entities, customers, lambda index, name: progress(2 + index, stages, name))
        progress(2 + len(entities), stages, "open orders")
        _orders(portfolio, entities, customers)
        audit_record(
            actor="seed_demo",
            action="demo.load",
            object_type="demo",
            after={"customers": len(customers), "items": len(portfolio.items), "as_of": portfolio.as_of},
        )
    context = DemoContext(portfolio, entities, customers, users, portfolio.as_of)
    for number, (label, hook) in enumerate(chosen):
        progress(3 + len(entities) + number, stages, label)
        hook(context)
    progress(stages, stages, "done")
    return context


def demo_apps() -> list[str]:
    """The labels of the apps that add demo data, in the order they load."""
    return [_app_label(hook) for _, hook in _HOOKS]


def _app_label(hook: DemoHook) -> str:
    """``encours.forecast.demo`` → ``forecast``."""
    parts = hook.__module__.split(".")
    return parts[1] if len(parts) > 2 else parts[-1]


def _entities(portfolio: DemoPortfolio) -> list[LegalEntity]:
    return [
        LegalEntity.objects.create(
            siren=e.siren,
            name=e.name,
            city=e.city,
            postal_code=e.postal_code,
            address=e.address,
            iban=e.iban,
            legal_form=e.name.rsplit(" ", 1)[-1],
            share_capital="1 500 000 €",
            rcs=f"RCS {e.city} {e.siren}",
            vat_number=f"FR{(12 + 3 * (int(e.siren) % 97)) % 97:02d}{e.siren}",
            email=f"credit@{e.city.lower()}.durand.example",
            phone="04 72 00 00 00",
            total_assets=None,
        )
        for e in portfolio.entities
    ]


def _staff(entities: list[LegalEntity]) -> dict[str, Any]:
    model = get_user_model()
    users: dict[str, Any] = {}
    password = make_password(DEMO_PASSWORD)  # hashed once: PBKDF2 is slow on purpose
    for username, first, last, role, department, region in STAFF:
        user = model(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@durand.example",
            role=role,
            department=department,
            region=REGIONS[region][0] if region is not None else "",
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        user.password = password
        user.save()
        user.entities.set(entities)
        users[username] = user
    for username in ("logistics", "quality", "billing", "service", "collector1", "collector2", "collector3"):
        users[username].manager = users["credit"]
        users[username].save(update_fields=["manager"])
    return users


def _customers(
    portfolio: DemoPortfolio, entities: list[LegalEntity], groups: dict[str, CustomerGroup], users: dict[str, Any]
) -> list[Customer]:
    rows = [
        Customer(
            entity=entities[c.entity],
            account_number=c.account,
            name=c.name,
            siren=c.siren,
            naf_code=c.naf_code,
            category=c.category,
            region=c.region,
            city=c.city,
            postal_code=c.postal_code,
            address=c.address,
            group=groups.get(c.group),
            terms_days=c.terms.days,
            terms_end_of_month=c.terms.end_of_month,
            language=c.language,
            is_strategic=c.is_strategic,
            created_on=c.since,
            sales_rep=users[f"rep{c.rep + 1}"],
            collector=users[f"collector{c.collector + 1}"],
        )
        for c in portfolio.customers
    ]
    customers = Customer.objects.bulk_create(rows, batch_size=2000)
    if customers and customers[0].pk is None:
        by_key = {(c.entity_id, c.account_number): c for c in Customer.objects.all()}
        customers = [by_key[(c.entity_id, c.account_number)] for c in rows]
    Contact.objects.bulk_create(
        [
            Contact(
                customer=customer,
                name=c.contact_name,
                email=c.contact_email,
                phone=c.contact_phone,
                role=Contact.Role.ACCOUNTS_PAYABLE,
                is_dunning_contact=True,
            )
            for customer, c in zip(customers, portfolio.customers, strict=True)
        ],
        batch_size=2000,
    )
    CustomerBankAccount.objects.bulk_create(
        [
            CustomerBankAccount(customer=customer, iban=c.iban, label="RIB")
            for customer, c in zip(customers, portfolio.customers, strict=True)
        ],
        batch_size=2000,
    )
    return customers


def _ledger(
    portfolio: DemoPortfolio,
    entities: list[LegalEntity],
    customers: list[Customer],
    starting: Callable[[int, str], None],
) -> None:
    for index, entity in enumerate(entities):
        starting(index, f"ledger of {entity.name}")
        items = [
            IncomingItem(
                type=i.type,
                number=i.number,
                customer_id=customers[i.customer].pk,
                document_date=i.document_date,
                due_date=i.due_date,
                amount=i.amount,
                currency="EUR",
                amount_functional=i.amount,
                label=i.label,
                reference=i.number,
            )
            for i in portfolio.items
            if i.entity == index
        ]
        allocations = [
            IncomingAllocation(a.debit, a.credit, a.amount, a.date) for a in portfolio.allocations if a.entity == index
        ]
        upsert_items_and_allocations(
            entity=entity,
            items=items,
            allocations=allocations,
            source="demo",
            source_file="seed_demo",
            actor="seed_demo",
        )


def _orders(portfolio: DemoPortfolio, entities: list[LegalEntity], customers: list[Customer]) -> None:
    OpenOrder.objects.bulk_create(
        [
            OpenOrder(
                entity=entities[o.entity],
                customer=customers[o.customer],
                number=o.number,
                order_date=o.order_date,
                expected_ship_date=o.expected_ship_date,
                amount=o.amount,
                amount_functional=o.amount,
                status=o.status,
                source_file="seed_demo",
            )
            for o in portfolio.orders
        ],
        batch_size=2000,
    )


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, role, what they see) for the printed table."""
    model = get_user_model()
    found = {u.username: u for u in model.objects.filter(username__in=[s[0] for s in STAFF])}
    rows = []
    for username, *_ in STAFF:
        user = found.get(username)
        if user:
            scope = user.region or user.get_department_display()
            rows.append((username, user.get_role_display(), str(scope)))
    return rows


__all__ = ["DEMO_PASSWORD", "REP_REGIONS", "demo_apps", "demo_hook", "demo_load", "demo_logins"]
