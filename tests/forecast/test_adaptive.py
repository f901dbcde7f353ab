"""Adaptive dunning from a (fake, test-only) collections history: suggestions, approval
through the dunning-timing contract, rejection, and the disabled approve button."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from encours import contracts
from encours.audit.models import AuditEntry
from encours.core.errors import InvalidTransition, ValidationFailed
from encours.forecast.adaptive import (
    dunning_suggestion_approve,
    dunning_suggestion_reject,
    dunning_suggestions_refresh,
)
from encours.forecast.models import DunningSuggestion
from encours.ledger.models import Item, ItemType
from tests.forecast.conftest import AS_OF

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(ledger):
    """A reminder email at due + 10 days, then a call two days before each payment of the
    chronic late payer: the call is what makes it pay."""
    customer = ledger["Retard Chronique SAS"]
    paid = Item.objects.filter(customer=customer, type=ItemType.INVOICE, settled_on__isnull=False)
    events = []
    for item in paid:
        events.append(
            contracts.DunningEvent(
                customer.pk, (item.pk,), "R1", "Reminder", 1, "email", item.due_date + timedelta(days=10)
            )
        )
        call = item.settled_on - timedelta(days=2)
        if call > item.due_date + timedelta(days=10):
            events.append(contracts.DunningEvent(customer.pk, (item.pk,), "CALL", "Call", 2, "call", call))

    @contracts.DUNNING_HISTORY.register
    def provider(*, customer_ids, since, until):
        return [e for e in events if since <= e.on <= until and (customer_ids is None or e.customer_id in customer_ids)]

    return customer


@pytest.fixture
def applied():
    calls = []

    @contracts.DUNNING_TIMING.register
    def applier(**kwargs):
        calls.append(kwargs)

    return calls


def test_no_history_no_suggestion(ledger):
    assert dunning_suggestions_refresh(as_of=AS_OF) == 0


def test_the_step_that_triggers_payment_is_suggested_earlier_with_days_saved(history):
    assert dunning_suggestions_refresh(as_of=AS_OF) >= 1
    suggestion = DunningSuggestion.objects.get(customer=history)
    assert suggestion.kind in {"earlier", "switch_channel"}
    assert suggestion.proposed_channel == "call"
    assert suggestion.proposed_offset_days < suggestion.current_offset_days or suggestion.kind == "switch_channel"
    assert suggestion.expected_days_saved > 5
    assert "paid within" in suggestion.evidence


def test_refreshing_supersedes_pending_suggestions(history):
    dunning_suggestions_refresh(as_of=AS_OF)
    first = DunningSuggestion.objects.get(customer=history)
    dunning_suggestions_refresh(as_of=AS_OF)
    first.refresh_from_db()
    assert first.status == DunningSuggestion.Status.SUPERSEDED
    assert DunningSuggestion.objects.filter(status=DunningSuggestion.Status.PENDING).count() == 1


def test_approval_applies_the_timing_through_collections_and_is_audited(history, applied, credit_manager):
    dunning_suggestions_refresh(as_of=AS_OF)
    suggestion = DunningSuggestion.objects.get(customer=history)
    dunning_suggestion_approve(suggestion=suggestion, user=credit_manager)
    [call] = applied
    assert call["customer_id"] == history.pk and call["shift_days"] == suggestion.shift_days
    assert call["user"] == credit_manager and "adaptive dunning" in call["reason"]
    suggestion.refresh_from_db()
    assert suggestion.status == DunningSuggestion.Status.APPROVED and suggestion.decided_by == credit_manager
    assert AuditEntry.objects.filter(action="forecast.dunning_suggestion_approved", customer_id=history.pk).exists()
    with pytest.raises(InvalidTransition):
        dunning_suggestion_reject(suggestion=suggestion, user=credit_manager)


def test_approval_is_refused_without_an_applier(history, credit_manager):
    contracts.DUNNING_TIMING.clear()
    dunning_suggestions_refresh(as_of=AS_OF)
    suggestion = DunningSuggestion.objects.get(customer=history)
    with pytest.raises(ValidationFailed, match="collections"):
        dunning_suggestion_approve(suggestion=suggestion, user=credit_manager)
    suggestion.refresh_from_db()
    assert suggestion.status == DunningSuggestion.Status.PENDING


def test_page_disables_approve_without_an_applier(client, history, credit_manager):
    contracts.DUNNING_TIMING.clear()
    dunning_suggestions_refresh(as_of=AS_OF)
    client.force_login(credit_manager)
    body = client.get(reverse("forecast:dunning")).content.decode()
    assert 'id="cannot-apply"' in body and "disabled" in body


def test_page_approve_and_reject(client, history, applied, credit_manager):
    dunning_suggestions_refresh(as_of=AS_OF)
    suggestion = DunningSuggestion.objects.get(customer=history)
    client.force_login(credit_manager)
    assert "disabled" not in client.get(reverse("forecast:dunning")).content.decode()
    client.post(reverse("forecast:dunning_approve", args=[suggestion.pk]))
    suggestion.refresh_from_db()
    assert suggestion.status == DunningSuggestion.Status.APPROVED and len(applied) == 1


def test_collector_cannot_decide(client, history, applied, collector):
    dunning_suggestions_refresh(as_of=AS_OF)
    suggestion = DunningSuggestion.objects.get(customer=history)
    client.force_login(collector)
    assert client.post(reverse("forecast:dunning_approve", args=[suggestion.pk])).status_code == 403


def test_suggestion_outside_the_users_entities_is_not_found(client, history, applied, outsider):
    dunning_suggestions_refresh(as_of=AS_OF)
    suggestion = DunningSuggestion.objects.get(customer=history)
    client.force_login(outsider)  # a credit manager, of another entity
    assert client.post(reverse("forecast:dunning_reject", args=[suggestion.pk])).status_code == 404
    assert list(client.get(reverse("forecast:dunning")).context["suggestions"]) == []
    suggestion.refresh_from_db()
    assert suggestion.status == DunningSuggestion.Status.PENDING and not applied
