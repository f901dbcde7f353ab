"""The ledger's version (the key of the figure cache) moves on every write of a ledger service,
audited or not: each leaves a ``LedgerChange`` mark in its transaction and one after it commits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from encours.ledger import caching
from encours.ledger.models import Allocation, Customer, Item, LedgerChange
from encours.ledger.services import changes
from encours.ledger.services.batches import ItemRow, customers_upsert, items_upsert
from encours.ledger.services.blocks import block_lift, customer_block
from encours.ledger.services.customers import customer_update, customers_ensure
from encours.ledger.services.items import allocation_create, allocation_delete, item_create, items_refresh_open
from tests.factories import CustomerFactory, ItemFactory

pytestmark = pytest.mark.django_db
ON = date(2026, 3, 2)


@pytest.fixture
def silent_audit(monkeypatch):
    """No audit entry at all: the version must move without one."""
    import encours.audit.services as audit_services

    def nothing(*args, **kwargs):
        return None

    for module in (
        "encours.ledger.services.items",
        "encours.ledger.services.customers",
        "encours.ledger.services.blocks",
        "encours.ledger.services.batches",
        "encours.ledger.services.upsert",
    ):
        for name in ("audit_record", "audit_record_many"):
            monkeypatch.setattr(f"{module}.{name}", nothing, raising=False)
    monkeypatch.setattr(audit_services, "audit_record", nothing)
    monkeypatch.setattr(audit_services, "audit_record_many", nothing)


def _mark() -> int:
    return caching.ledger_version()[0]


def _writes(customer, user):
    """Each ledger write service, on the same customer, in turn (name, call)."""
    invoice = ItemFactory(customer=customer, amount=Decimal("500.00"))
    state: dict[str, object] = {}

    def payment():
        state["payment"] = item_create(
            customer=customer, type="payment", number="VIR-1", document_date=ON, amount=Decimal("-500.00"), user=user
        )

    def allocate():
        state["allocation"] = allocation_create(
            debit=invoice, credit=state["payment"], amount=Decimal("200.00"), on=ON, user=user
        )

    def unallocate():
        allocation_delete(allocation=state["allocation"], user=user, reason="wrong invoice")

    def block():
        state["block"] = customer_block(customer=customer, by=user, reason="waiting for a guarantee")

    def lift():
        block_lift(block=state["block"], by=user, reason="guarantee received")

    return [
        ("item_create", payment),
        ("allocation_create", allocate),
        ("allocation_delete", unallocate),
        ("customer_update", lambda: customer_update(customer=customer, user=user, terms_days=45)),
        ("customer_block", block),
        ("block_lift", lift),
        ("items_refresh_open", lambda: items_refresh_open([invoice.pk])),
        (
            "customers_ensure",
            lambda: customers_ensure(entity=customer.entity, accounts={"C-NEW": "Nouveau"}, user=user, source="t"),
        ),
        (
            "customers_upsert",
            lambda: customers_upsert(
                entity=customer.entity, rows=[{"account_number": "C-API", "name": "Client API"}], user=user
            ),
        ),
        (
            "items_upsert",
            lambda: items_upsert(
                entity=customer.entity,
                rows=[
                    ItemRow(
                        type="invoice",
                        number="FA-API-1",
                        customer=customer.account_number,
                        document_date=ON,
                        amount=Decimal("80.00"),
                    )
                ],
                user=user,
            ),
        ),
    ]


def test_every_ledger_write_service_moves_the_version_without_an_audit_entry(entity, admin_user, silent_audit) -> None:
    from encours.audit.models import AuditEntry

    customer = CustomerFactory(entity=entity)
    audits = AuditEntry.objects.count()
    for name, write in _writes(customer, admin_user):
        before = _mark()
        write()
        assert _mark() > before, f"{name} left the ledger version where it was"
    assert AuditEntry.objects.count() == audits  # nothing was audited: the marks alone moved it
    assert Customer.objects.filter(account_number__in=["C-NEW", "C-API"]).count() == 2
    assert Item.objects.filter(number="FA-API-1").exists() and not Allocation.objects.exists()


def test_a_kept_figure_is_recomputed_after_each_ledger_write(entity, admin_user, silent_audit) -> None:
    customer = CustomerFactory(entity=entity)
    customers = Customer.objects.filter(pk=customer.pk)
    computed = []

    def figure() -> int:
        computed.append(1)
        return len(computed)

    def view() -> int:
        return caching.kept("test-figure", customers=customers, parts=(ON,), compute=figure)

    first = view()
    assert view() == first  # kept while nothing changes
    for name, write in _writes(customer, admin_user):
        seen = view()
        write()
        assert view() == seen + 1, f"{name}: the kept figure was served although the ledger changed"


def test_a_second_mark_after_commit_and_only_the_latest_marks_are_kept(
    entity, admin_user, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    monkeypatch.setattr(changes, "KEEP_ROWS", 3)
    customer = CustomerFactory(entity=entity)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        customer_update(customer=customer, user=admin_user, terms_days=60)
    assert len(callbacks) == 1
    whats = list(LedgerChange.objects.order_by("id").values_list("what", flat=True))
    assert whats[-2:] == ["customers", "customers (committed)"]
    for days in (61, 62, 63, 64):
        with django_capture_on_commit_callbacks(execute=True):
            customer_update(customer=customer, user=admin_user, terms_days=days)
    ids = list(LedgerChange.objects.order_by("id").values_list("id", flat=True))
    assert len(ids) == 3 and ids == list(range(ids[0], ids[0] + 3))
    assert caching.ledger_version()[0] == ids[-1]
