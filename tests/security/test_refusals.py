"""A refusal of rights is the styled 403 page, a business rule's refusal a message on the page.

Views catch ``EncoursError`` to show a service's refusal; ``encours.web.refusals.refusal_text`` lets a
``PermissionDenied`` (an ``EncoursError`` too) go on to the 403 page instead of a flash message.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from encours.core.errors import PermissionDenied, ValidationFailed
from encours.risk.models import LimitStatus
from encours.risk.services import limit_request
from encours.web.refusals import refusal_text
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_refusal_text_shows_a_business_rule_and_reraises_a_refusal_of_rights():
    assert refusal_text(ValidationFailed("this limit was already approved")) == "this limit was already approved"
    with pytest.raises(PermissionDenied):
        refusal_text(PermissionDenied("m-director may approve limits up to 50000 only"))


@pytest.fixture
def big_request(entity, credit_manager):
    customer = CustomerFactory(entity=entity, region="Bretagne")
    return limit_request(customer=customer, amount=Decimal(80000), user=credit_manager)  # above 50 000


def test_a_director_approving_above_his_ceiling_gets_the_403_page_and_nothing_changes(
    client, regional_director, big_request
):
    client.force_login(regional_director)
    client.raise_request_exception = False
    response = client.post(reverse("risk:limit_decide", args=[big_request.pk]), {"action": "approve"})
    assert response.status_code == 403
    assert 'class="panel error-page"' in response.content.decode() and 'data-status="403"' in response.content.decode()
    big_request.refresh_from_db()
    assert big_request.status == LimitStatus.REQUESTED and big_request.decided_by is None


def test_signing_a_committee_not_yet_held_is_a_message_not_a_403(client, entity, credit_manager):
    from encours.disputes.committees import committee_prepare

    CustomerFactory(entity=entity, region="Bretagne")
    committee = committee_prepare(
        user=credit_manager, month=date(2026, 10, 1), as_of=date(2026, 10, 31), entity=entity, region="Bretagne",
        min_amount=Decimal(5000), min_days_late=30,
    )  # fmt: skip
    client.force_login(credit_manager)
    response = client.post(reverse("disputes:committee_sign", args=[committee.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("disputes:committee", args=[committee.pk])
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == ["record the committee's decisions before signing it off"]
    committee.refresh_from_db()
    assert committee.state != committee.State.SIGNED
