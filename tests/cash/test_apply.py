"""Applying bank lines: accept, split, on account, not a customer receipt, undo, learning;
the bulk path of an import; the allocation bounds as properties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from encours.audit.models import AuditEntry
from encours.cash import selectors
from encours.cash.models import Application, BankLine, LineStatus, PayerAlias
from encours.cash.services.apply import line_accept, line_apply, line_assign, line_set_not_customer, line_undo
from encours.cash.services.imports import bank_file_import
from encours.cash.services.plans import PAYMENT, Part, letter_code, plan
from encours.core.errors import EncoursError, InvalidTransition, ValidationFailed
from encours.ledger.models import Item, ItemType
from tests.cash.conftest import camt, credit
from tests.factories import CustomerFactory, ItemFactory

pytestmark = pytest.mark.django_db
PAYER_IBAN = "FR7647506223018558463641272"


@pytest.fixture
def customer(entity):
    return CustomerFactory(entity=entity, name="Quincaillerie Fontaine SA", account_number="C01001")


@pytest.fixture
def invoices(customer):
    return [
        ItemFactory(customer=customer, number=f"FA2026-0{n}", amount=Decimal(a), document_date=date(2026, 9, n - 100))
        for n, a in ((101, "500.00"), (102, "500.00"), (103, "250.00"))
    ]


def review_line(entity, bank_account, *, amount="500.00", text="reglement septembre") -> BankLine:
    raw = camt(credit("NT1", amount, name="QUINCAILLERIE FONTAINE", iban=PAYER_IBAN, text=text))
    bank_file_import(raw=raw, user=None, entity=entity)
    return BankLine.objects.get(entry_ref="NT1")


def test_a_line_two_invoices_could_settle_waits_in_review_with_ranked_reasons(entity, bank_account, invoices) -> None:
    line = review_line(entity, bank_account)
    assert line.status == LineStatus.REVIEW
    proposals = list(line.proposals.all())
    assert len(proposals) >= 2
    assert [p.rank for p in proposals] == list(range(1, len(proposals) + 1))
    assert all(p.reason for p in proposals)
    assert {a["number"] for p in proposals[:2] for a in p.allocations} == {"FA2026-0101", "FA2026-0102"}


def test_accepting_a_suggestion_applies_learns_the_payer_and_undo_restores_everything(
    entity, bank_account, invoices, customer, credit_manager
) -> None:
    line = review_line(entity, bank_account)
    proposal = line.proposals.get(rank=1)
    application = line_accept(line=line, proposal=proposal, user=credit_manager)
    line.refresh_from_db()
    assert (line.status, line.customer_id) == (LineStatus.APPLIED, customer.pk)
    payment = Item.objects.get(pk=application.payment_id)
    assert (payment.type, payment.amount, payment.open_amount) == (ItemType.PAYMENT, Decimal("-500"), Decimal(0))
    settled = Item.objects.get(pk=int(proposal.allocations[0]["item"]))
    assert settled.open_amount == 0 and settled.settled_on == date(2026, 11, 2)
    assert PayerAlias.objects.filter(customer=customer, kind="iban", value=PAYER_IBAN).exists()
    assert PayerAlias.objects.filter(customer=customer, kind="name", value="QUINCAILLERIE FONTAINE").count() == 0
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"item.create", "allocation.create", "cash.apply", "cash.learn_alias"} <= actions

    line_undo(line=line, user=credit_manager, reason="wrong invoice")
    line.refresh_from_db()
    settled.refresh_from_db()
    assert (line.status, line.customer_id) == (LineStatus.REVIEW, None)
    assert settled.open_amount == Decimal("500") and settled.settled_on is None
    assert not Item.objects.filter(pk=payment.pk).exists()
    application.refresh_from_db()
    assert application.undone_at is not None and application.undone_by == credit_manager
    assert {"allocation.delete", "item.delete", "cash.undo"} <= set(AuditEntry.objects.values_list("action", flat=True))
    with pytest.raises(InvalidTransition):
        line_undo(line=line, user=credit_manager)


def test_the_learned_iban_identifies_the_payer_next_time(
    entity, bank_account, invoices, customer, credit_manager
) -> None:
    line = review_line(entity, bank_account)
    line_accept(line=line, proposal=line.proposals.get(rank=1), user=credit_manager)
    index = selectors.matching_index(entity.pk)
    assert index.customers_by_iban(PAYER_IBAN) == frozenset({str(customer.pk)})


def test_a_split_across_invoices_leaves_the_rest_on_account(entity, bank_account, invoices, collector) -> None:
    line = review_line(entity, bank_account, amount="800.00", text="")
    a, _, c = invoices
    line_apply(
        line=line,
        customer_id=a.customer_id,
        parts=[Part(a.pk, Decimal("500")), Part(c.pk, Decimal("200"))],
        user=collector,
    )
    a.refresh_from_db(), c.refresh_from_db()
    assert (a.open_amount, c.open_amount) == (Decimal(0), Decimal("50"))
    application = Application.objects.get(line=line)
    assert (application.amount_applied, application.unapplied) == (Decimal("700"), Decimal("100"))
    assert Item.objects.get(pk=application.payment_id).open_amount == Decimal("-100")


@pytest.mark.parametrize(
    "parts,message",
    [
        (lambda i: [Part(i[0].pk, Decimal("500")), Part(i[1].pk, Decimal("400"))], "more than the line"),
        (lambda i: [Part(i[2].pk, Decimal("300"))], "exceeds the open amount"),
        (lambda i: [Part(i[0].pk, Decimal("100")), Part(i[0].pk, Decimal("100"))], "twice"),
    ],
)
def test_a_split_beyond_the_line_or_an_items_open_amount_is_refused_and_writes_nothing(
    entity, bank_account, invoices, collector, parts, message
) -> None:
    line = review_line(entity, bank_account, amount="800.00", text="")
    items_before = Item.objects.count()
    with pytest.raises(ValidationFailed, match=message):
        line_apply(line=line, customer_id=invoices[0].customer_id, parts=parts(invoices), user=collector)
    assert Item.objects.count() == items_before
    assert BankLine.objects.get(pk=line.pk).status == LineStatus.REVIEW


def test_items_of_another_customer_cannot_be_applied(entity, bank_account, invoices, collector) -> None:
    stranger = ItemFactory(customer=CustomerFactory(entity=entity), amount=Decimal("500"))
    line = review_line(entity, bank_account)
    with pytest.raises(ValidationFailed, match="another customer"):
        line_apply(
            line=line, customer_id=invoices[0].customer_id, parts=[Part(stranger.pk, Decimal("500"))], user=collector
        )


def test_assign_on_account_and_not_a_customer_receipt_then_undo(entity, bank_account, invoices, customer, collector):
    line = review_line(entity, bank_account)
    line_assign(line=line, customer=customer, user=collector, note="awaiting remittance advice")
    line.refresh_from_db()
    assert line.status == LineStatus.ON_ACCOUNT
    payment = Item.objects.get(pk=Application.objects.get(line=line).payment_id)
    assert payment.open_amount == Decimal("-500")
    line_undo(line=line, user=collector)
    line_set_not_customer(line=BankLine.objects.get(pk=line.pk), user=collector, note="tax refund")
    assert BankLine.objects.get(pk=line.pk).status == LineStatus.NOT_CUSTOMER
    line_undo(line=line, user=collector)
    assert BankLine.objects.get(pk=line.pk).status == LineStatus.REVIEW


def test_an_applied_line_cannot_be_applied_again(entity, bank_account, invoices, collector) -> None:
    line = review_line(entity, bank_account)
    line_accept(line=line, proposal=line.proposals.get(rank=1), user=collector)
    with pytest.raises(InvalidTransition):
        line_accept(line=line, proposal=line.proposals.get(rank=2), user=collector)


def test_an_import_applies_many_lines_in_bulk_with_write_offs_and_bounded_queries(
    entity, bank_account, customer, django_assert_max_num_queries
) -> None:
    items = [
        ItemFactory(
            customer=customer, number=f"FA2026-{n:05d}", amount=Decimal("1000.00") + n, document_date=date(2026, 10, 1)
        )
        for n in range(1, 41)
    ]
    entries = "".join(
        credit(
            f"B{i.pk}",
            str(i.amount - (Decimal("4.50") if n % 10 == 0 else 0)),
            name="QUINCAILLERIE FONTAINE SA",
            text=f"FACTURE {i.number}",
        )
        for n, i in enumerate(items)
    )
    with django_assert_max_num_queries(80):
        result = bank_file_import(raw=camt(entries), user=None, entity=entity)
    assert result.counts == {"lines": 40, "applied": 40, "review": 0, "other": 0}
    assert set(Item.objects.filter(pk__in=[i.pk for i in items]).values_list("open_amount", flat=True)) == {Decimal(0)}
    fees = Item.objects.filter(type=ItemType.ADJUSTMENT)
    assert fees.count() == 4 and {f.amount for f in fees} == {Decimal("-4.50")}
    assert AuditEntry.objects.filter(action="cash.apply").count() == 40
    # undo works the same on a bulk-applied line
    line = BankLine.objects.get(entry_ref=f"B{items[1].pk}")
    line_undo(line=line, user=None)
    assert Item.objects.get(pk=items[1].pk).open_amount == items[1].amount
    assert Item.objects.filter(type=ItemType.ADJUSTMENT).count() == 4  # items[1] had no fee
    line = BankLine.objects.get(entry_ref=f"B{items[10].pk}")
    line_undo(line=line, user=None)
    assert Item.objects.filter(type=ItemType.ADJUSTMENT).count() == 3


def test_a_user_cannot_read_a_line_of_another_entity(entity, bank_account, invoices, outsider, credit_manager) -> None:
    line = review_line(entity, bank_account)
    assert selectors.line_get(user=credit_manager, pk=line.pk) == line
    with pytest.raises(Http404):
        selectors.line_get(user=outsider, pk=line.pk)
    assert not selectors.lines_for(outsider).exists()


def test_letter_codes_are_three_letters_then_grow() -> None:
    assert [letter_code(i) for i in (0, 1, 25, 26, 17575, 17576)] == ["AAA", "AAB", "AAZ", "ABA", "ZZZ", "BAAA"]


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)


@given(
    line_amount=amounts,
    parts=st.lists(st.tuples(amounts, st.sampled_from([Decimal(0), Decimal("1.50")]), st.booleans()), max_size=6),
)
def test_a_plan_never_allocates_more_than_the_line_or_any_part(line_amount, parts) -> None:
    made = [
        Part(n, -a if is_credit else a, Decimal(0) if is_credit else w) for n, (a, w, is_credit) in enumerate(parts)
    ]
    try:
        result = plan(line_id=1, line_amount=line_amount, customer_id=1, parts=tuple(made), kind="split")
    except ValidationFailed:
        assert sum(p.amount for p in made) > line_amount or sum(p.amount for p in made) < 0
        return
    from_payment = sum(p.amount for p in result.pairs if p.credit == PAYMENT)
    assert from_payment <= line_amount and result.unapplied >= 0
    assert from_payment + result.unapplied == line_amount
    for part in made:
        if part.amount > 0:
            settled = sum(p.amount for p in result.pairs if p.debit_id == part.item_id)
            assert settled == part.amount + part.write_off
        else:
            assert sum(p.amount for p in result.pairs if p.credit == part.item_id) <= -part.amount


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    shares=st.lists(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("700"), places=2), min_size=1, max_size=3)
)
def test_applying_never_takes_more_than_a_lines_amount_or_an_items_open_amount(
    shares, entity, bank_account, invoices, collector
) -> None:
    line = BankLine.objects.filter(entry_ref="NT1").first() or review_line(entity, bank_account, amount="800.00")
    before = {i.pk: Item.objects.get(pk=i.pk).open_amount for i in invoices}
    parts = [Part(i.pk, amount) for i, amount in zip(invoices, shares, strict=False)]
    try:
        line_apply(line=line, customer_id=invoices[0].customer_id, parts=parts, user=collector, learn=False)
    except EncoursError:
        assert all(Item.objects.get(pk=pk).open_amount == amount for pk, amount in before.items())
        return
    after = {i.pk: Item.objects.get(pk=i.pk).open_amount for i in invoices}
    assert all(0 <= after[pk] <= before[pk] for pk in before)
    assert sum(before.values()) - sum(after.values()) <= line.amount
    line_undo(line=line, user=collector)
    assert {i.pk: Item.objects.get(pk=i.pk).open_amount for i in invoices} == before
