"""The dispute workflow, SLA escalation levels, resolution statistics and credit-note matching."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encours.core import disputes as rules
from encours.core.errors import InvalidTransition


def test_open_dispute_may_move_to_any_resolution():
    for target in (rules.IN_PROGRESS, rules.WAITING_CUSTOMER, rules.RESOLVED_CREDIT_NOTE, rules.REJECTED):
        rules.check_transition(rules.OPEN, target)


def test_closed_dispute_cannot_move_and_the_error_says_so():
    with pytest.raises(InvalidTransition, match="closed"):
        rules.check_transition(rules.REJECTED, rules.IN_PROGRESS)


def test_invalid_transition_names_the_allowed_ones():
    with pytest.raises(InvalidTransition, match="allowed: waiting_customer"):
        rules.check_transition(rules.IN_PROGRESS, rules.OPEN)


def test_unknown_status_is_rejected():
    with pytest.raises(InvalidTransition, match="unknown"):
        rules.check_transition(rules.OPEN, "archived")


def test_escalation_levels_around_the_sla():
    due = rules.sla_due_on(date(2026, 10, 1), 10)
    assert due == date(2026, 10, 11)
    assert rules.escalation_level(due_on=due, as_of=date(2026, 10, 11)) == 0
    assert rules.escalation_level(due_on=due, as_of=date(2026, 10, 12)) == 1
    assert rules.escalation_level(due_on=due, as_of=date(2026, 10, 14)) == 1
    assert rules.escalation_level(due_on=due, as_of=date(2026, 10, 15)) == 2


def test_resolution_stats_on_hand_made_cases():
    stats = rules.resolution_stats([10, 2, 30, 4])
    assert stats.count == 4
    assert stats.average_days == Decimal("11.5")
    assert stats.median_days == Decimal(7)
    assert stats.p90_days == 30  # ceil(0.9 * 4) = 4th smallest
    ten = rules.resolution_stats(range(1, 11))
    assert ten.p90_days == 9  # ceil(0.9 * 10) = 9th smallest
    assert ten.average_days == Decimal("5.5")
    assert rules.resolution_stats([]).p90_days is None
    assert rules.resolution_stats([7]).p90_days == 7


@given(st.lists(st.integers(min_value=0, max_value=2000), min_size=1, max_size=200))
def test_p90_is_an_observed_value_with_at_least_90_percent_at_or_below(values):
    p90 = rules.p90_nearest_rank(values)
    assert p90 in values
    at_or_below = sum(1 for v in values if v <= p90)
    assert at_or_below >= math.ceil(0.9 * len(values))
    below = sum(1 for v in values if v < p90)
    assert below < math.ceil(0.9 * len(values))
    assert min(values) <= rules.median(values) <= max(values)


@given(st.sampled_from(rules.STATUSES), st.sampled_from(rules.STATUSES))
def test_transitions_never_leave_a_closed_status_and_never_loop(current, target):
    if current in rules.CLOSED or current == target:
        with pytest.raises(InvalidTransition):
            rules.check_transition(current, target)


def test_mentions_are_usernames_after_an_at_sign():
    text = "Vu avec @karim et @nadia.f, copie @karim; mail compta@client.fr"
    assert rules.mentions(text) == ("karim", "nadia.f")


def test_credit_note_matches_by_reference_before_amount():
    disputes = [
        rules.DisputeAwaitingCreditNote(
            dispute_id=1, customer_id=10, amount=Decimal("300.00"), references=("FA-1", "")
        ),
        rules.DisputeAwaitingCreditNote(
            dispute_id=2, customer_id=10, amount=Decimal("500.00"), references=("FA-2", "")
        ),
    ]
    notes = [
        rules.CreditNoteCandidate(
            item_id=100, customer_id=10, amount=Decimal("300.00"), reference="AV-9 avoir sur FA-2"
        ),
        rules.CreditNoteCandidate(item_id=101, customer_id=10, amount=Decimal("300.00"), reference="AV-10"),
        rules.CreditNoteCandidate(item_id=102, customer_id=11, amount=Decimal("500.00"), reference="AV-11 FA-1"),
    ]
    assert set(rules.match_credit_notes(disputes, notes)) == {(2, 100, "reference"), (1, 101, "amount")}


def test_committee_proposals_follow_the_escalation_ladder():
    from encours.core.committees import CaseFacts, propose

    def decide(**facts):
        base = {"days_late": 70, "overdue": Decimal("20000"), "disputed": Decimal(0)}
        return propose(CaseFacts(**{**base, **facts}))

    assert decide().decision == "continue"
    assert decide(previous="continue").decision == "credit_block"
    assert decide(days_late=95).decision == "formal_notice"
    assert decide(days_late=95, previous="formal_notice").decision == "litigation"
    assert decide(days_late=130, overdue=Decimal("6000")).decision == "agency"
    provision = decide(days_late=200, previous="litigation")
    assert (provision.decision, provision.provision_percent) == ("provision", Decimal(50))
    assert decide(days_late=400, previous="agency").provision_percent == Decimal(100)
    assert decide(days_late=400, previous="provision").decision == "write_off"
    assert decide(days_late=400, disputed=Decimal("12000")).decision == "continue"  # dispute first
