"""Regression tests of the leaks found by the attacker's probe of issue 17.

(a) a sales rep read other reps' customers through unpaid committees (page and PDF);
(b) the read-only auditor wrote through the API (a dispute comment, a held order by credit check).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from encours.accounts.models import Role
from encours.api.auth import api_token_create
from encours.audit.models import AuditEntry
from encours.core.errors import PermissionDenied
from encours.disputes.committees import committee_pack, committee_prepare, committees_for
from encours.disputes.models import Event, Notification
from encours.risk.models import HeldOrder
from tests.disputes.conftest import open_dispute
from tests.factories import CustomerFactory, ItemFactory, UserFactory
from tests.pdf import pdf_text

AS_OF = date(2026, 10, 31)


def _late(customer, amount):
    ItemFactory(customer=customer, amount=Decimal(amount), document_date=date(2026, 6, 1), due_date=date(2026, 7, 1))


@pytest.fixture
def reps(entity):
    return (
        UserFactory(username="rep1", role=Role.SALES_REP, entities=[entity]),
        UserFactory(username="rep2", role=Role.SALES_REP, entities=[entity]),
        UserFactory(username="rep3", role=Role.SALES_REP, entities=[entity]),
    )


@pytest.fixture
def breton_committee(entity, credit_manager, reps):
    """One Breton committee: rep1 has one customer in it (20 000 overdue), rep2 two (30 000 + 6 000)."""
    rep1, rep2, _ = reps
    _late(CustomerFactory(entity=entity, sales_rep=rep1, name="Boulangerie Martin", region="Bretagne"), "20000.00")
    _late(CustomerFactory(entity=entity, sales_rep=rep2, name="Garage Dupont", region="Bretagne"), "30000.00")
    _late(CustomerFactory(entity=entity, sales_rep=rep2, name="Menuiserie Le Gall", region="Bretagne"), "6000.00")
    return committee_prepare(
        user=credit_manager, month=date(2026, 10, 1), as_of=AS_OF, region="Bretagne", min_amount=Decimal(5000)
    )


def test_rep_sees_only_his_own_lines_of_a_committee_and_totals_on_them(breton_committee, reps, credit_manager):
    rep1, rep2, _ = reps
    mine = committee_pack(committee=breton_committee, user=rep1)
    assert [v.case.customer.name for v in mine.cases] == ["Boulangerie Martin"]
    assert mine.totals["overdue"] == Decimal("20000.00")
    theirs = committee_pack(committee=breton_committee, user=rep2)
    assert [v.case.customer.name for v in theirs.cases] == ["Garage Dupont", "Menuiserie Le Gall"]
    assert theirs.totals["overdue"] == Decimal("36000.00")
    whole = committee_pack(committee=breton_committee, user=credit_manager)
    assert whole.totals["overdue"] == Decimal("56000.00") and len(whole.cases) == 3


def test_rep_without_a_customer_in_the_committee_does_not_see_it(client, breton_committee, reps):
    rep3 = reps[2]
    assert not committees_for(rep3).exists()
    client.force_login(rep3)
    assert client.get(f"/disputes/committees/{breton_committee.pk}/").status_code == 404
    assert client.get(f"/disputes/committees/{breton_committee.pk}/pdf/").status_code == 404
    assert b"Bretagne" not in client.get("/disputes/committees/").content


def test_committee_page_and_pdf_hold_none_of_the_other_reps_customers(client, breton_committee, reps):
    client.force_login(reps[0])
    page = client.get(f"/disputes/committees/{breton_committee.pk}/")
    assert page.status_code == 200
    assert b"Boulangerie Martin" in page.content
    assert b"Garage Dupont" not in page.content and b"Le Gall" not in page.content
    pdf = client.get(f"/disputes/committees/{breton_committee.pk}/pdf/")
    text = pdf_text(pdf.content)
    assert "Boulangerie Martin" in text
    assert "Garage Dupont" not in text and "Le Gall" not in text
    assert "56 000" not in text and "20 000,00" in text


def test_rep_cannot_record_decisions_on_a_committee(client, breton_committee, reps):
    client.force_login(reps[0])
    response = client.post(
        f"/disputes/committees/{breton_committee.pk}/record/", {"held_on": "2026-11-05", "attendees": "moi"}
    )
    assert response.status_code == 403
    breton_committee.refresh_from_db()
    assert breton_committee.state == "draft" and not breton_committee.attendees


@pytest.fixture
def dispute(entity, credit_manager, rep_customer):
    from encours.disputes.services import reasons_ensure

    reasons_ensure()
    from encours.disputes.models import ReasonCode

    invoice = ItemFactory(customer=rep_customer, amount=Decimal("1200.00"), document_date=date(2026, 9, 1))
    return open_dispute(credit_manager, rep_customer, ReasonCode.objects.get(code="quality"), [(invoice, None)])


def test_auditor_cannot_comment_a_dispute_through_the_api(client, auditor, credit_manager, dispute):
    token = api_token_create(user=auditor)
    events, audits = Event.objects.count(), AuditEntry.objects.count()
    response = client.patch(
        f"/api/v1/disputes/{dispute.pk}",
        json.dumps({"comment": "@cm regardez"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 403
    assert (Event.objects.count(), AuditEntry.objects.count()) == (events, audits)
    assert not Notification.objects.filter(user=credit_manager, kind="mention").exists()


def test_auditor_cannot_comment_or_attach_in_the_service_either(auditor, dispute):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from encours.disputes.attachments import attachment_add
    from encours.disputes.services import comment_add

    with pytest.raises(PermissionDenied):
        comment_add(dispute=dispute, user=auditor, body="note")
    with pytest.raises(PermissionDenied):
        attachment_add(dispute=dispute, user=auditor, upload=SimpleUploadedFile("a.txt", b"x", "text/plain"))


def test_auditor_credit_check_is_refused_and_holds_no_order(client, auditor, rep_customer):
    ItemFactory(customer=rep_customer, amount=Decimal("90000.00"), document_date=date(2026, 1, 1))
    body = {"customer": rep_customer.account_number, "entity": rep_customer.entity.siren, "amount": "50000.00"}
    response = client.post(
        "/api/v1/credit-check",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=auditor)}",
    )
    assert response.status_code == 403
    assert not HeldOrder.objects.exists()
