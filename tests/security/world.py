"""The small portfolio every cell of the authorization matrix runs against, built once per module.

Two legal entities: the staff belong to ``ours`` only; ``theirs`` holds objects nobody but the admin
may see. In ``ours``, one customer of rep1 in Île-de-France (the director's region) and one of rep2 in
Bretagne: rep1 and the director see the first, not the second. Every kind of object a URL names exists
on each customer (a dispute, an alert, a bank line…), so each role meets one inside and one outside
its scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from encours.accounts.models import Department, Role

AS_OF = date(2026, 10, 31)
PERSONAS = ("admin", "credit", "collector", "rep", "director", "auditor", "department")


@dataclass
class World:
    users: dict[str, Any]
    ours: Any
    theirs: Any
    objects: dict[str, list[Any]] = field(default_factory=dict)  # kind -> one object per customer/entity
    media_root: str = ""

    def add(self, kind: str, obj: Any) -> None:
        self.objects.setdefault(kind, []).append(obj)


def build() -> World:
    from tests.factories import EntityFactory, UserFactory

    ours = EntityFactory(name="Durand Matériaux SAS", siren="732829320")
    theirs = EntityFactory(name="Autre Groupe SA", siren="552100554")
    users = {
        "admin": UserFactory(username="m-admin", role=Role.ADMIN, is_staff=True, is_superuser=True, entities=[ours]),
        "credit": UserFactory(username="m-credit", role=Role.CREDIT_MANAGER, entities=[ours]),
        "collector": UserFactory(username="m-collector", role=Role.COLLECTOR, entities=[ours]),
        "rep": UserFactory(username="m-rep1", role=Role.SALES_REP, entities=[ours]),
        "director": UserFactory(
            username="m-director", role=Role.REGIONAL_DIRECTOR, region="Île-de-France", entities=[ours]
        ),
        "auditor": UserFactory(username="m-auditor", role=Role.AUDITOR, entities=[ours]),
        "department": UserFactory(
            username="m-logistics", role=Role.DEPARTMENT, department=Department.LOGISTICS, entities=[ours]
        ),
    }
    rep2 = UserFactory(username="m-rep2", role=Role.SALES_REP, entities=[ours])
    world = World(users, ours, theirs)
    customers = [
        _customer(ours, users["rep"], "Île-de-France", "Boulangerie Martin"),
        _customer(ours, rep2, "Bretagne", "Garage Dupont"),
        _customer(theirs, None, "Île-de-France", "Client Ailleurs"),
    ]
    for customer in customers:
        world.add("customer", customer)
        world.add("item", customer.items.order_by("number").first())
    admin = users["admin"]  # sees both entities: builds what belongs to either
    _disputes(world, customers, admin)
    _committees(world, customers, admin)
    _risk(world, customers, admin)
    _collections(world, customers)
    _cash(world, (ours, theirs))
    _insurance(world, customers)
    _jobs(world, users)
    _forecast(world, customers)
    _blocks(world, customers)
    _sales(world)
    from encours.ledger.models import ImportMapping

    world.add("mapping", ImportMapping.objects.create(name="m-customers", kind="customers", columns={}))
    return world


def _customer(entity: Any, rep: Any, region: str, name: str) -> Any:
    from tests.factories import ContactFactory, CustomerFactory, ItemFactory

    customer = CustomerFactory(entity=entity, sales_rep=rep, region=region, name=name)
    ContactFactory(customer=customer)
    for number, amount in ((1, "24000.00"), (2, "800.00")):
        ItemFactory(
            customer=customer,
            number=f"{customer.account_number}-{number}",
            amount=Decimal(amount),
            document_date=date(2026, 5, 1),
            due_date=date(2026, 6, 1),
        )
    return customer


def _disputes(world: World, customers: list[Any], admin: Any) -> None:
    from encours.disputes.attachments import attachment_add
    from encours.disputes.models import ReasonCode
    from encours.disputes.services import DisputedPart, dispute_create, reasons_ensure

    reasons_ensure()
    delivery = ReasonCode.objects.get(code="delivery")  # logistics: the department user sees these
    for customer in customers:
        invoice = customer.items.order_by("number").first()
        dispute = dispute_create(user=admin, customer=customer, reason=delivery, parts=[DisputedPart(invoice)])
        world.add("dispute", dispute)
        world.add("attachment", attachment_add(dispute=dispute, user=admin, upload=_upload()))


def _upload() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("bon-livraison.txt", b"BL 4521 signe", content_type="text/plain")


def _committees(world: World, customers: list[Any], admin: Any) -> None:
    from encours.disputes.committees import committee_prepare

    for customer in customers:
        world.add(
            "committee",
            committee_prepare(
                user=admin, month=date(2026, 10, 1), as_of=AS_OF, entity=customer.entity, region=customer.region,
                min_amount=Decimal(5000), min_days_late=30,
            ),
        )  # fmt: skip


def _risk(world: World, customers: list[Any], admin: Any) -> None:
    from encours.risk.models import Company, HeldOrder, RiskAlert
    from encours.risk.services import limit_request

    for customer in customers:
        world.add("limit", limit_request(user=admin, customer=customer, amount=Decimal(30000)))
        world.add(
            "held_order",
            HeldOrder.objects.create(
                customer=customer, entity_id=customer.entity_id, reference="CMD-1", amount=Decimal(9000),
                currency="EUR", reasons=[], exposure=Decimal(24800), limit=None,
            ),
        )  # fmt: skip
        world.add(
            "alert",
            RiskAlert.objects.create(
                customer=customer, kind="overdue", severity=RiskAlert.Severity.WARNING, message="retard",
                key=f"matrix-{customer.pk}", raised_on=AS_OF,
            ),
        )  # fmt: skip
        world.add("company", Company.objects.get_or_create(siren=customer.siren)[0])


def _collections(world: World, customers: list[Any]) -> None:
    from encours.collections.models import DunningMessage, DunningRun, DunningScenario, DunningText

    for customer in customers:
        world.add(
            "message",
            DunningMessage.objects.create(customer=customer, step_code="friendly", channel="email", executed_on=AS_OF),
        )
    for entity in (customers[0].entity, customers[2].entity):
        world.add("run", DunningRun.objects.create(as_of=AS_OF, entity=entity))
    scenario = DunningScenario.objects.order_by("pk").first()
    world.add("scenario", scenario)
    world.add("step", scenario.steps.order_by("pk").first())
    world.add("text", DunningText.objects.create(step_code="friendly_reminder", language="fr", version=1,
                                                 subject="Relance", body="Bonjour"))  # fmt: skip


def _cash(world: World, entities: tuple[Any, Any]) -> None:
    from encours.cash.models import BankAccount, BankLine, LineStatus, Statement

    for number, entity in enumerate(entities):
        account = BankAccount.objects.create(entity=entity, account_id=f"FR76300060000112345678901{number}")
        statement = Statement.objects.create(account=account, format="camt.053", natural_key=f"matrix-{number}")
        line = BankLine.objects.create(
            statement=statement, account=account, entity=entity, position=1, key=f"l{number}", amount=Decimal(800),
            status=LineStatus.REVIEW,
        )  # fmt: skip
        world.add("bank_account", account)
        world.add("statement", statement)
        world.add("line", line)


def _insurance(world: World, customers: list[Any]) -> None:
    from encours.insurance.models import CoverRequest, FactoringContract, InsurancePolicy

    for customer in customers:
        policy, _ = InsurancePolicy.objects.get_or_create(
            entity=customer.entity, number=f"P-{customer.entity.siren}",
            defaults={"insurer": "Allianz Trade", "start_date": date(2026, 1, 1)},
        )  # fmt: skip
        world.add(
            "cover_request",
            CoverRequest.objects.create(
                policy=policy, customer=customer, prepared_on=AS_OF, current_cover=Decimal(10000),
                requested_amount=Decimal(30000), exposure=Decimal(24800), outstanding=Decimal(24800),
                open_orders=Decimal(0), overdue=Decimal(24800),
            ),
        )  # fmt: skip
    for entity in (customers[0].entity, customers[2].entity):
        world.add(
            "contract",
            FactoringContract.objects.create(
                entity=entity, factor="BNP Factor", number=f"F-{entity.siren}", start_date=date(2026, 1, 1),
                global_limit=Decimal(500000),
            ),
        )  # fmt: skip


JOB_KINDS = {
    "ledger_job": "ledger.import_fec",
    "cash_job": "cash.import_bank",
    "risk_job": "risk.daily_run",
    "insurance_job": "insurance.import_decisions",
    "forecast_job": "forecast.train",
    "run_job": "collections.dunning_run",
}


def _jobs(world: World, users: dict[str, Any]) -> None:
    from encours.jobs.models import Job

    for kind, job_kind in JOB_KINDS.items():
        for persona in ("credit", "admin"):
            world.add(kind, Job.objects.create(kind=job_kind, created_by=users[persona], params={}))


def _forecast(world: World, customers: list[Any]) -> None:
    from encours.forecast.models import DunningSuggestion

    for customer in customers:
        world.add(
            "suggestion",
            DunningSuggestion.objects.create(
                customer=customer, computed_on=AS_OF, kind="earlier", stage=1, current_channel="email",
                proposed_channel="email", current_offset_days=15, proposed_offset_days=10,
                expected_days_saved=Decimal(4), share_affected=Decimal("0.5"), n_invoices=6, evidence="matrix",
            ),
        )  # fmt: skip


def _blocks(world: World, customers: list[Any]) -> None:
    from encours.ledger.models import BlockReason
    from encours.ledger.services.blocks import customer_block

    for customer in customers:
        world.add(
            "block",
            customer_block(
                customer=customer, by=None, reason="dunning step account_on_hold", kind=BlockReason.DUNNING,
                lift_below=Decimal(0), on=AS_OF,
            ),
        )  # fmt: skip


def _sales(world: World) -> None:
    from encours.sales.models import ReleaseRequest

    for order in world.objects["held_order"]:
        world.add(
            "release_request",
            ReleaseRequest.objects.create(
                order=order, customer_id=order.customer_id, justification="client historique, paiement annoncé",
                requested_by=world.users["rep"],
            ),
        )  # fmt: skip
