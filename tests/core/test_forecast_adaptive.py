from datetime import date, timedelta

import pytest

from encours.core.forecast.adaptive import dunning_response_profiles, suggest_dunning_changes
from encours.synthetic.forecast import synthetic_portfolio
from tests.core.forecast_factories import invoice, step


def paid(k: int, late: int, steps: tuple[tuple[int, int, str], ...], customer: str = "C1"):
    """Invoice k (due every fortnight), paid ``late`` days after due, with steps at due + offset."""
    issued = date(2025, 1, 1) + timedelta(days=14 * k)
    due = issued + timedelta(days=30)
    executed = tuple(step(stage, due + timedelta(days=offset), channel) for stage, offset, channel in steps)
    return invoice(f"{customer}-{k}", customer=customer, issued=issued, late=late, dunning_steps=executed)


def test_customer_paying_days_after_the_first_reminder_gets_it_earlier():
    history = [paid(k, 16, ((1, 14, "email"),)) for k in range(6)]
    [suggestion] = suggest_dunning_changes(invoices=history)
    assert (
        suggestion.kind,
        suggestion.stage,
        suggestion.current_offset_days,
        suggestion.proposed_offset_days,
    ) == (
        "earlier",
        1,
        14,
        1,
    )
    assert suggestion.expected_days_saved == 13.0  # reminder 13 days sooner, answered 2 days later as before
    assert suggestion.share_of_invoices_affected == 1.0
    assert "on 6 of 6 invoices" in suggestion.evidence


def test_customer_ignoring_emails_but_answering_calls_gets_a_call_first():
    steps = ((1, 7, "email"), (2, 21, "email"), (3, 35, "call"))
    history = [paid(k, 37, steps) for k in range(5)]
    [suggestion] = suggest_dunning_changes(invoices=history)
    assert (suggestion.kind, suggestion.stage, suggestion.current_channel, suggestion.proposed_channel) == (
        "switch_channel",
        1,
        "email",
        "call",
    )
    assert (suggestion.current_offset_days, suggestion.proposed_offset_days) == (7, 7)
    assert suggestion.expected_days_saved == 28.0


def test_profile_measures_trigger_rate_and_lift_on_each_side_of_the_step():
    history = [paid(k, 16, ((1, 14, "email"),)) for k in range(4)] + [paid(9, 11, ())]
    [profile] = dunning_response_profiles(invoices=history)
    [response] = profile.steps
    assert (response.n_reached, response.n_paid_within_window, response.trigger_rate) == (4, 4, 1.0)
    assert response.rate_before_step == pytest.approx(1 / 5)  # one of five unpaid at due + 10 paid before + 14
    assert response.rate_after_step == 1.0 and response.lift == pytest.approx(5.0)
    assert response.median_response_days == 2
    assert profile.share_paid_before_first_step == pytest.approx(1 / 5)
    assert profile.trigger is response


LATENESS = [0, 0, 0, 0, 2, 3, 4, 4, 6, 6, 10, 11, 12, 13]


def test_customer_paying_at_its_own_pace_close_to_terms_gets_the_reminder_later():
    history = [paid(k, late, ((1, 5, "email"),) if late > 5 else ()) for k, late in enumerate(LATENESS)]
    [suggestion] = suggest_dunning_changes(invoices=history)
    assert suggestion.kind == "later"
    assert (suggestion.current_offset_days, suggestion.proposed_offset_days) == (
        5,
        12,
    )  # p80 of 11 days late, + 1
    assert suggestion.expected_days_saved == 0.0
    assert suggestion.share_of_invoices_affected == pytest.approx(4 / 14)


def test_chronic_late_payer_is_not_offered_later_reminders():
    lateness = [late + 30 for late in LATENESS]
    history = [paid(k, late, ((1, 35, "email"),) if late > 35 else ()) for k, late in enumerate(lateness)]
    assert suggest_dunning_changes(invoices=history) == ()


def test_customers_with_too_little_history_are_left_alone():
    history = [paid(k, 16, ((1, 14, "email"),)) for k in range(3)]
    assert dunning_response_profiles(invoices=history) == ()
    assert suggest_dunning_changes(invoices=history) == ()


def test_small_savings_are_not_suggested():
    # the reminder at due + 2 triggers payment, but only 6 of 66 invoices ever need it
    history = [paid(k, 4, ((1, 2, "email"),)) for k in range(6)] + [paid(10 + k, -10, ()) for k in range(60)]
    [suggestion] = suggest_dunning_changes(invoices=history, earliest_offset_days=-3, min_days_saved=0)
    assert suggestion.expected_days_saved == pytest.approx(6 * 5 / 66)
    assert suggest_dunning_changes(invoices=history, earliest_offset_days=-3) == ()


def test_steps_executed_after_payment_are_ignored():
    history = [paid(k, 3, ((1, 10, "email"),)) for k in range(6)]
    [profile] = dunning_response_profiles(invoices=history)
    assert profile.steps == () and profile.share_paid_before_first_step == 1.0


def test_synthetic_responders_are_recognised():
    portfolio = synthetic_portfolio(customers=120, seed=3)
    behaviour = {c.customer_id: c.behaviour for c in portfolio.customers}
    kinds = {s.customer_id: s.kind for s in suggest_dunning_changes(invoices=portfolio.invoices)}
    responders = [c for c, b in behaviour.items() if b == "reminder_responder"]
    callers = [c for c, b in behaviour.items() if b == "call_responder"]
    assert all(kinds.get(c) == "earlier" for c in responders)
    assert all(kinds.get(c) == "switch_channel" for c in callers)
    on_time = [c for c, b in behaviour.items() if b == "on_time"]
    assert sum(1 for c in on_time if kinds.get(c) in {"earlier", "switch_channel"}) <= len(on_time) // 10
