from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from encours import contracts
from encours.core.errors import InvalidTransition
from encours.insurance.models import CoverRequest, InsurancePolicy
from encours.insurance.services.covers import decisions_import
from encours.insurance.services.requests import (
    cover_request_approve,
    cover_requests_csv,
    cover_requests_prepare,
)
from encours.ledger.models import Customer
from tests.pdf import pdf_text

AS_OF = date(2026, 10, 31)


def test_prepare_when_exposure_approaches_cover(imported):
    created = cover_requests_prepare(customers=Customer.objects.all(), as_of=AS_OF)
    # only A has cover in force (4000) and exposure 4300 ≥ 90 %: 4300 × 1.25 = 5375 → 10 000 (step 5000)
    assert [r.customer.account_number for r in created] == ["C-A"]
    request = created[0]
    assert (request.current_cover, request.requested_amount, request.exposure) == (
        Decimal("4000"),
        Decimal("10000.00"),
        Decimal("4300.00"),
    )
    assert request.outstanding == Decimal("1300.00") and request.open_orders == Decimal("3000.00")
    assert request.overdue == Decimal("1000.00")
    assert request.grade == ""  # no grade computed for this buyer: not available, never a guess
    assert cover_requests_prepare(customers=Customer.objects.all(), as_of=AS_OF) == []  # one open request per buyer


def test_grade_comes_from_the_risk_hook(imported, monkeypatch):
    monkeypatch.setattr(
        contracts.GRADES,
        "provider",
        lambda *, customer_ids, as_of: {i: contracts.GradeInfo(letter="B") for i in customer_ids},
    )
    (request,) = cover_requests_prepare(customers=Customer.objects.all(), as_of=AS_OF)
    assert request.grade == "B"


def test_approve_by_email_sends_a_pdf_over_smtp(imported, credit_manager, smtp_sink):
    InsurancePolicy.objects.update(insurer_email="agrements@coface.example")
    (request,) = cover_requests_prepare(customers=Customer.objects.all(), as_of=AS_OF)
    cover_request_approve(request=request, user=credit_manager, channel="email")
    request.refresh_from_db()
    assert request.status == CoverRequest.Status.SENT and request.approved_by == credit_manager
    ((_, recipients, message),) = smtp_sink.messages
    assert recipients == ("agrements@coface.example",)
    attachment = next(part for part in message.iter_attachments() if part.get_content_type() == "application/pdf")
    text = pdf_text(attachment.get_content())
    assert "Alpha Négoce" in text and "10 000,00" in text
    with pytest.raises(InvalidTransition):
        cover_request_approve(request=request, user=credit_manager, channel="email")


def test_export_then_decision_import_closes_the_request(imported, credit_manager, entity):
    (request,) = cover_requests_prepare(customers=Customer.objects.all(), as_of=AS_OF)
    cover_request_approve(request=request, user=credit_manager, channel="export")
    csv_text = cover_requests_csv([request]).decode()
    assert csv_text.splitlines()[1].startswith("P-77,C-A,Alpha Négoce,")
    decisions = (
        b"customer,decision,requested_amount,granted_amount,currency,effective_date,expiry_date,decision_ref\n"
        b"C-A,partial,10000,8000,EUR,2026-11-05,,D-9\n"
    )
    report = decisions_import(
        raw=decisions, file_name="r.csv", entity_siren=entity.siren, policy_number="P-77", today=date(2026, 11, 5)
    )
    assert report.requests_closed == 1
    request.refresh_from_db()
    assert request.status == CoverRequest.Status.DECIDED and request.decision.granted_amount == 8000
