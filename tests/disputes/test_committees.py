"""Unpaid committees: the pack, decisions with attendees, follow-up, sign-off, PDF."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from encours.audit.models import AuditEntry
from encours.core.errors import PermissionDenied, ValidationFailed
from encours.disputes.committees import (
    CaseDecision,
    committee_pack,
    committee_prepare,
    committee_record,
    committee_sign,
)
from encours.disputes.models import Committee
from tests.disputes.conftest import open_dispute
from tests.factories import CustomerFactory, ItemFactory
from tests.pdf import pdf_text

AS_OF = date(2026, 10, 31)


@pytest.fixture
def book(entity, credit_manager, reasons):
    late = CustomerFactory(entity=entity, name="Garage Dupont", region="Bretagne")
    ItemFactory(customer=late, amount=Decimal("20000.00"), document_date=date(2026, 6, 1), due_date=date(2026, 7, 1))
    small = CustomerFactory(entity=entity, name="Petit Client", region="Bretagne")
    ItemFactory(customer=small, amount=Decimal("900.00"), document_date=date(2026, 6, 1), due_date=date(2026, 7, 1))
    recent = CustomerFactory(entity=entity, name="Client Récent", region="Bretagne")
    ItemFactory(customer=recent, amount=Decimal("9000.00"), document_date=date(2026, 9, 1), due_date=date(2026, 10, 1))
    contested = CustomerFactory(entity=entity, name="Litige SA", region="Bretagne")
    invoice = ItemFactory(
        customer=contested, amount=Decimal("8000.00"), document_date=date(2026, 6, 1), due_date=date(2026, 7, 15)
    )
    open_dispute(credit_manager, contested, reasons["quality"], [(invoice, None)], opened_on=date(2026, 8, 1))
    CustomerFactory(entity=entity, name="Ailleurs", region="Occitanie")
    return late, contested


def _prepare(user, month=date(2026, 10, 1), as_of=AS_OF):
    return committee_prepare(
        user=user, month=month, as_of=as_of, region="Bretagne", min_days_late=60, min_amount=Decimal(5000)
    )


def test_pack_holds_the_customers_over_both_thresholds_with_proposals(book, credit_manager):
    committee = _prepare(credit_manager)
    cases = {case.customer.name: case for case in committee.cases.select_related("customer")}
    assert set(cases) == {"Garage Dupont", "Litige SA"}
    assert (cases["Garage Dupont"].max_days_late, cases["Garage Dupont"].proposed) == (122, "litigation")
    assert (cases["Litige SA"].disputed_amount, cases["Litige SA"].proposed) == (Decimal("8000.000"), "continue")
    pack = committee_pack(committee=committee, user=credit_manager)
    assert not pack.dunning_known  # no collections provider: the pack says so
    assert [d.reason.code for d in pack.cases[1].disputes] == ["quality"]


def test_decisions_are_recorded_and_followed_up_at_the_next_committee(book, credit_manager):
    committee = _prepare(credit_manager)
    garage = committee.cases.get(customer__name="Garage Dupont")
    with pytest.raises(ValidationFailed, match="percentage"):
        committee_record(
            committee=committee,
            user=credit_manager,
            held_on=AS_OF,
            attendees="DAF",
            decisions={garage.pk: CaseDecision("provision")},
        )
    committee_record(
        committee=committee,
        user=credit_manager,
        held_on=date(2026, 11, 5),
        attendees="S. Marchand (crédit), B. Vidal (directeur régional)",
        decisions={garage.pk: CaseDecision("formal_notice", note="LRAR cette semaine")},
    )
    garage.refresh_from_db()
    assert garage.decision == "formal_notice"
    assert AuditEntry.objects.filter(action="committee.record").count() == 1
    following = _prepare(credit_manager, month=date(2026, 11, 1), as_of=date(2026, 11, 30))
    again = following.cases.get(customer__name="Garage Dupont")
    assert following.previous == committee and again.previous_case == garage
    assert again.proposed == "litigation"  # a formal notice that did not work: next step


def test_regional_director_signs_their_region_only(book, credit_manager, regional_director, entity):
    from encours.accounts.models import Role
    from tests.factories import UserFactory

    committee = _prepare(credit_manager)
    with pytest.raises(ValidationFailed, match="before signing"):
        committee_sign(committee=committee, user=regional_director)
    committee_record(committee=committee, user=credit_manager, held_on=AS_OF, attendees="DAF, DR", decisions={})
    other = UserFactory(username="dr-occ", role=Role.REGIONAL_DIRECTOR, region="Occitanie", entities=[entity])
    with pytest.raises(PermissionDenied):
        committee_sign(committee=committee, user=other)
    signed = committee_sign(committee=committee, user=regional_director)
    assert (signed.state, signed.signed_by) == ("signed", regional_director)
    with pytest.raises(ValidationFailed, match="signed off"):
        committee_record(committee=signed, user=credit_manager, held_on=AS_OF, attendees="x", decisions={})


def test_director_of_another_region_cannot_open_the_pack(client, book, credit_manager, entity):
    from encours.accounts.models import Role
    from tests.factories import UserFactory

    committee = _prepare(credit_manager)
    other = UserFactory(username="dr-occ", role=Role.REGIONAL_DIRECTOR, region="Occitanie", entities=[entity])
    client.force_login(other)
    assert client.get(reverse("disputes:committee", args=[committee.pk])).status_code == 404


def test_pages_prepare_record_and_sign(client, book, credit_manager, regional_director):
    client.force_login(credit_manager)
    response = client.post(
        reverse("disputes:committees"),
        {"month": "2026-10", "region": "Bretagne", "min_days_late": "60", "min_amount": "5000"},
    )
    committee = Committee.objects.get()
    assert response.url == reverse("disputes:committee", args=[committee.pk])
    cases = list(committee.cases.all())
    data = {"held_on": "2026-11-05", "attendees": "DAF"}
    data.update({f"decision_{case.pk}": "provision" for case in cases})
    data.update({f"percent_{case.pk}": "50" for case in cases})
    client.post(reverse("disputes:committee_record", args=[committee.pk]), data)
    committee.refresh_from_db()
    assert committee.state == "held" and {c.provision_percent for c in committee.cases.all()} == {Decimal("50.00")}
    client.force_login(regional_director)
    assert "Garage Dupont" in client.get(reverse("disputes:committee", args=[committee.pk])).content.decode()
    client.post(reverse("disputes:committee_sign", args=[committee.pk]))
    committee.refresh_from_db()
    assert committee.signed_by == regional_director


def test_pack_pdf_holds_the_customers_and_decisions(client, book, credit_manager, tmp_path):
    committee = _prepare(credit_manager)
    client.force_login(credit_manager)
    response = client.get(reverse("disputes:committee_pdf", args=[committee.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Garage Dupont" in text and "Litige SA" in text
    assert "Bretagne" in text
