"""Dunning planner: the rules a credit manager relies on, one per test, and a day-by-day
simulation proving a step never fires twice for an invoice."""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from encours.core.dunning.penalties import InvoiceSettlement, PenaltyRegime, PenaltyTerms, RateTable
from encours.core.dunning.planner import (
    DEFAULT_SCENARIOS,
    Channel,
    Contact,
    Decision,
    DunningCustomer,
    DunningOverride,
    DunningPlan,
    DunningSettings,
    ExecutedStep,
    OpenItem,
    Scenario,
    Step,
    StepAction,
    history_rows_for,
    message_actions,
    plan_dunning,
    scenario_for_category,
)
from encours.core.dunning.promises import PromisePayment, PromiseToPay, assess_promises, protected_item_ids
from encours.core.errors import ValidationFailed
from encours.core.money import D, Money

AS_OF = date(2026, 3, 2)
AP = Contact(
    contact_id=1,
    name="Accounts payable",
    email="ap@acme.fr",
    phone="+33 1 23 45 67 89",
    is_dunning_contact=True,
)


def customer(customer_id: int = 1, category: str = "sme", **kwargs: object) -> DunningCustomer:
    fields: dict[str, object] = {"contacts": (AP,), **kwargs}
    return DunningCustomer(customer_id=customer_id, name=f"Customer {customer_id}", category=category, **fields)  # type: ignore[arg-type]


def item(item_id: int, days_past_due: int, amount: str = "1000", customer_id: int = 1, **kwargs: object) -> OpenItem:
    return OpenItem(
        item_id=item_id,
        customer_id=customer_id,
        number=f"F-{item_id}",
        document_date=AS_OF - timedelta(days=90),
        due_date=AS_OF - timedelta(days=days_past_due),
        open_amount=D(amount),
        **kwargs,  # type: ignore[arg-type]
    )


def done(
    item_id: int, step_code: str, days_ago: int, scenario: str = "standard", skipped: bool = False
) -> ExecutedStep:
    return ExecutedStep(
        item_id=item_id,
        scenario_code=scenario,
        step_code=step_code,
        executed_on=AS_OF - timedelta(days=days_ago),
        skipped=skipped,
    )


def plan(items: list[OpenItem], customers: list[DunningCustomer] | None = None, **kwargs: object) -> DunningPlan:
    return plan_dunning(as_of=AS_OF, customers=customers or [customer()], items=items, **kwargs)  # type: ignore[arg-type]


def planned_steps(result: DunningPlan) -> list[tuple[object, str, tuple[object, ...]]]:
    return [(m.customer_id, m.step_code, tuple(i.item_id for i in m.invoices)) for m in result.messages]


# --- which step ---------------------------------------------------------------------------


def test_first_step_fires_on_its_offset() -> None:
    result = plan([item(1, 3)])
    assert planned_steps(result) == [(1, "friendly_reminder", (1,))]
    assert result.decision_for(1).decision is Decision.PLANNED  # type: ignore[union-attr]


def test_no_step_before_the_first_offset_and_the_reason_says_when() -> None:
    result = plan([item(1, 2)])
    assert result.messages == ()
    decision = result.decision_for(1)
    assert decision is not None and decision.decision is Decision.NO_STEP_DUE
    assert (decision.next_step_code, decision.next_step_on) == (
        "friendly_reminder",
        AS_OF + timedelta(days=1),
    )


def test_late_import_sends_only_the_highest_due_step_and_skips_the_lower_ones() -> None:
    result = plan([item(1, 22)])
    (message,) = result.messages
    assert message.step_code == "call_task"
    assert message.invoices[0].skipped_step_codes == ("friendly_reminder", "second_reminder")


def test_history_rows_record_the_step_and_the_skipped_ones() -> None:
    (message,) = plan([item(1, 22)]).messages
    rows = history_rows_for(message=message, executed_on=AS_OF)
    assert [(r.step_code, r.skipped) for r in rows] == [
        ("call_task", False),
        ("friendly_reminder", True),
        ("second_reminder", True),
    ]


def test_executed_step_is_never_planned_again() -> None:
    result = plan([item(1, 10)], history=[done(1, "friendly_reminder", 7)])
    assert result.messages == ()
    assert result.decision_for(1).next_step_code == "second_reminder"  # type: ignore[union-attr]


def test_dunning_never_goes_back_to_a_lower_step() -> None:
    result = plan([item(1, 40)], history=[done(1, "formal_notice", 10)])
    assert result.messages == ()
    assert result.decision_for(1).next_step_code == "account_on_hold"  # type: ignore[union-attr]


def test_scenario_change_does_not_send_earlier_steps_of_the_new_scenario() -> None:
    key_account = customer(category="key_account")
    result = plan([item(1, 40)], [key_account], history=[done(1, "formal_notice", 10, scenario="standard")])
    assert result.messages == ()


def test_skipped_steps_are_never_planned_later() -> None:
    history = [done(1, "call_task", 8), done(1, "friendly_reminder", 8, skipped=True)]
    result = plan([item(1, 30)], history=history)
    assert planned_steps(result) == [(1, "formal_notice", (1,))]


def test_no_new_step_within_the_minimum_gap_after_the_last_message() -> None:
    result = plan([item(1, 33)], history=[done(1, "second_reminder", 3)])
    decision = result.decision_for(1)
    assert result.messages == ()
    assert decision is not None and decision.decision is Decision.TOO_SOON
    assert decision.next_step_on == AS_OF + timedelta(days=2)


def test_all_steps_done_means_scenario_complete() -> None:
    result = plan([item(1, 200)], history=[done(1, "litigation_handover", 100)])
    assert result.decision_for(1).decision is Decision.SCENARIO_COMPLETE  # type: ignore[union-attr]


# --- pre-due steps -------------------------------------------------------------------------


def test_key_accounts_get_a_pre_due_reminder_five_days_before_the_due_date() -> None:
    result = plan([item(1, -5)], [customer(category="key_account")])
    assert planned_steps(result) == [(1, "pre_due_reminder", (1,))]


def test_pre_due_reminder_is_not_sent_for_an_overdue_invoice() -> None:
    result = plan([item(1, 1)], [customer(category="key_account")])
    assert result.messages == ()
    assert result.decision_for(1).next_step_code == "friendly_reminder"  # type: ignore[union-attr]


def test_smes_get_no_pre_due_reminder() -> None:
    result = plan([item(1, -5)])
    assert result.messages == ()
    assert "not yet due" in result.decision_for(1).reason  # type: ignore[union-attr]


# --- disputes, promises, pauses, user edits -------------------------------------------------


def test_fully_disputed_invoice_is_left_out() -> None:
    result = plan([item(1, 20, disputed_amount=D("1000"))])
    assert result.messages == ()
    assert result.decision_for(1).decision is Decision.DISPUTED  # type: ignore[union-attr]


def test_only_the_undisputed_part_of_an_invoice_is_dunned() -> None:
    (message,) = plan([item(1, 20, disputed_amount=D("300"))]).messages
    assert message.invoices[0].dunned_amount == D("700.00")
    assert message.total_functional == D("700.00")
    assert "in dispute left out" in message.invoices[0].reason


def promise_on(item_ids: tuple[int, ...], promised: date, made: date = AS_OF - timedelta(days=10)) -> PromiseToPay:
    return PromiseToPay(
        promise_id=9,
        customer_id=1,
        amount=D("1000"),
        promised_date=promised,
        item_ids=item_ids,
        created_on=made,
    )


def test_invoice_under_a_pending_promise_is_left_out_until_date_plus_grace() -> None:
    result = plan([item(1, 20), item(2, 20)], promises=[promise_on((1,), AS_OF - timedelta(days=3))])
    decision = result.decision_for(1)
    assert decision is not None and decision.decision is Decision.PROMISED
    assert decision.next_step_on == AS_OF + timedelta(days=1)
    assert planned_steps(result) == [(1, "call_task", (2,))]


def test_broken_promise_resumes_at_the_step_after_the_last_executed_one() -> None:
    history = [done(1, "friendly_reminder", 20)]
    result = plan([item(1, 23)], promises=[promise_on((1,), AS_OF - timedelta(days=4))], history=history)
    (message,) = result.messages
    assert message.step_code == "second_reminder"  # not the call task, though its +20 offset has passed
    assert message.invoices[0].resumed_after_promise_id == 9
    assert [a.promise.promise_id for a in result.failed_promises] == [9]


def test_after_the_resumed_step_the_normal_rule_applies_again() -> None:
    history = [done(1, "friendly_reminder", 30), done(1, "second_reminder", 6)]
    result = plan([item(1, 33)], promises=[promise_on((1,), AS_OF - timedelta(days=10))], history=history)
    assert planned_steps(result) == [(1, "formal_notice", (1,))]


def test_kept_promise_no_longer_protects_the_remaining_balance() -> None:
    promise = promise_on((1,), AS_OF + timedelta(days=5))
    payments = [PromisePayment(item_id=1, received_on=AS_OF - timedelta(days=1), amount=D("1000"))]
    result = plan([item(1, 20, amount="500")], promises=[promise], promise_payments=payments)
    assert planned_steps(result) == [(1, "call_task", (1,))]


def test_paused_customer_gets_nothing_through_the_pause_day() -> None:
    paused = customer(override=DunningOverride(paused_until=AS_OF))
    result = plan([item(1, 20)], [paused])
    assert result.messages == ()
    assert result.decision_for(1).decision is Decision.CUSTOMER_PAUSED  # type: ignore[union-attr]


def test_after_a_pause_the_highest_due_step_is_sent() -> None:
    paused = customer(override=DunningOverride(paused_until=AS_OF - timedelta(days=1)))
    (message,) = plan([item(1, 31)], [paused], history=[done(1, "friendly_reminder", 28)]).messages
    assert message.step_code == "formal_notice"
    assert message.invoices[0].skipped_step_codes == ("second_reminder", "call_task")


def test_customer_excluded_by_the_user_gets_nothing() -> None:
    result = plan([item(1, 20)], excluded_customer_ids=[1])
    assert result.messages == ()
    assert result.decision_for(1).decision is Decision.EXCLUDED_CUSTOMER  # type: ignore[union-attr]


def test_invoice_excluded_by_the_user_leaves_the_others_in_the_message() -> None:
    result = plan([item(1, 20), item(2, 20)], excluded_item_ids=[2])
    assert planned_steps(result) == [(1, "call_task", (1,))]
    assert result.decision_for(2).decision is Decision.EXCLUDED_ITEM  # type: ignore[union-attr]


def test_invoice_of_a_customer_missing_from_the_run_is_reported() -> None:
    result = plan([item(1, 20, customer_id=42)])
    assert result.decision_for(1).decision is Decision.UNKNOWN_CUSTOMER  # type: ignore[union-attr]


def test_override_to_an_unknown_scenario_is_reported() -> None:
    result = plan([item(1, 20)], [customer(override=DunningOverride(scenario_code="gone"))])
    assert result.decision_for(1).decision is Decision.NO_SCENARIO  # type: ignore[union-attr]


def test_override_scenario_beats_the_category() -> None:
    key = customer(override=DunningOverride(scenario_code="key_accounts"))
    assert planned_steps(plan([item(1, -5)], [key])) == [(1, "pre_due_reminder", (1,))]


# --- grouping, minimum, credits -------------------------------------------------------------


def test_one_message_per_customer_at_its_highest_step_lists_all_its_invoices() -> None:
    items = [item(1, 20), item(2, 21), item(3, 4), item(4, 3, customer_id=2)]
    result = plan(items, [customer(1), customer(2)])
    assert planned_steps(result) == [
        (1, "call_task", (2, 1, 3)),
        (2, "friendly_reminder", (4,)),
    ]
    invoices = {i.item_id: i for i in result.messages[0].invoices}
    assert (invoices[3].step_code, invoices[3].covered) == ("friendly_reminder", True)
    assert (invoices[1].step_code, invoices[1].covered) == ("call_task", False)
    assert "covered by the customer's call_task message" in invoices[3].reason
    assert result.decision_for(3).step_code == "friendly_reminder"  # type: ignore[union-attr]


def test_lower_steps_due_the_same_day_are_recorded_as_covered_and_never_sent_later() -> None:
    items = [item(1, 4), item(2, 31), item(3, 61, amount="3000")]
    (message,) = plan(items).messages
    assert message.step_code == "litigation_handover"
    rows = history_rows_for(message=message, executed_on=AS_OF)
    assert {(r.item_id, r.step_code, r.covered) for r in rows if not r.skipped} == {
        (1, "friendly_reminder", True),
        (2, "formal_notice", True),
        (3, "litigation_handover", False),
    }
    # the next days: the covered reminder and notice are not sent again; invoice 1 goes on at its own pace
    later = plan(items, history=list(rows)).messages
    assert later == ()
    after = plan_dunning(
        as_of=AS_OF + timedelta(days=11), customers=[customer()], items=items, history=list(rows)
    ).messages
    assert [(m.step_code, [i.item_id for i in m.invoices]) for m in after] == [("second_reminder", [1])]


def test_a_message_covering_a_formal_notice_claims_its_penalties_and_indemnities() -> None:
    (message,) = plan([item(1, 4), item(2, 31), item(3, 61, amount="3000")]).messages
    assert message.step_code == "litigation_handover" and message.penalties is not None
    assert {p.item_id for p in message.penalties.invoices} == {1, 2, 3}  # every late invoice listed
    assert message.penalties.indemnity_total == Money(amount=D("120"), currency="EUR")  # 3 × 40 € (D441-5)
    assert message_actions(message) == {StepAction.LITIGATION, StepAction.PENALTY_CLAIM}


def test_a_higher_step_below_its_minimum_leaves_its_invoice_out_of_the_lower_message() -> None:
    # 60 days late for 300 €: litigation (minimum 1 000) is not worth it; the 4-day one gets its reminder
    result = plan([item(1, 4), item(2, 61, amount="300")], history=[done(2, "formal_notice", 31)])
    assert planned_steps(result) == [(1, "friendly_reminder", (1,))]
    assert result.decision_for(2).decision is Decision.BELOW_MINIMUM  # type: ignore[union-attr]


def test_a_lower_step_below_its_own_minimum_is_still_listed_in_the_customers_message() -> None:
    (message,) = plan([item(1, 4, amount="5"), item(2, 31)]).messages
    assert message.step_code == "formal_notice"
    assert [(i.item_id, i.covered) for i in message.invoices] == [(2, False), (1, True)]


def test_minimum_amount_applies_to_the_customers_total_at_the_step() -> None:
    result = plan([item(1, 20, amount="150"), item(2, 20, amount="60")])
    assert planned_steps(result) == [(1, "call_task", (1, 2))]  # 210 ≥ 200 though each is below
    assert result.messages[0].total_functional == D("210.00")


def test_total_below_the_step_minimum_leaves_the_invoices_out_with_the_reason() -> None:
    result = plan([item(1, 20, amount="150")])
    decision = result.decision_for(1)
    assert result.messages == ()
    assert decision is not None and decision.decision is Decision.BELOW_MINIMUM
    assert "below its minimum of 200" in decision.reason


def test_minimum_is_checked_in_the_functional_currency() -> None:
    usd = item(1, 20, amount="210", currency="USD", open_amount_functional=D("190"))
    result = plan([usd])
    assert result.decision_for(1).decision is Decision.BELOW_MINIMUM  # type: ignore[union-attr]


def test_message_totals_are_per_currency() -> None:
    items = [item(1, 3), item(2, 3, amount="500", currency="USD", open_amount_functional=D("460"))]
    (message,) = plan(items).messages
    assert message.totals == (Money(amount=D("1000"), currency="EUR"), Money(amount=D("500"), currency="USD"))
    assert message.total_functional == D("1460.00")


def test_credit_notes_are_shown_but_do_not_net_the_planned_invoices() -> None:
    credit = item(9, 0, amount="-250")
    (message,) = plan([item(1, 3), credit]).messages
    assert message.total_functional == D("1000.00")
    assert [c.item_id for c in message.credits] == [9]
    assert message.credit_totals == (Money(amount=D("-250"), currency="EUR"),)
    assert "not deducted" in message.reason
    assert plan([item(1, 3), credit]).decision_for(9) is None


# --- contact, channel, language, action -----------------------------------------------------


def test_preferred_contact_receives_the_email() -> None:
    boss = Contact(contact_id=2, name="CFO", email="cfo@acme.fr")
    chosen = customer(contacts=(AP, boss), override=DunningOverride(preferred_contact_id=2))
    (message,) = plan([item(1, 3)], [chosen]).messages
    assert message.contact == boss and message.warnings == ()


def test_preferred_contact_without_email_falls_back_with_a_warning() -> None:
    boss = Contact(contact_id=2, name="CFO", phone="+33 6 00 00 00 00")
    chosen = customer(contacts=(boss, AP), override=DunningOverride(preferred_contact_id=2))
    (message,) = plan([item(1, 3)], [chosen]).messages
    assert message.contact == AP
    assert "has no email" in message.warnings[0]


def test_email_step_without_any_email_is_planned_but_not_deliverable() -> None:
    nobody = customer(contacts=(Contact(contact_id=3, name="Switchboard", phone="+33 1 00 00 00 00"),))
    (message,) = plan([item(1, 3)], [nobody]).messages
    assert not message.deliverable
    assert "no email" in message.warnings[0]


def test_call_task_goes_to_a_contact_with_a_phone() -> None:
    mail_only = Contact(contact_id=4, name="Mail", email="m@acme.fr", is_dunning_contact=True)
    phone = Contact(contact_id=5, name="Phone", phone="+33 1 11 11 11 11")
    (message,) = plan([item(1, 20)], [customer(contacts=(mail_only, phone))]).messages
    assert (message.channel, message.contact) == (Channel.CALL, phone)


def test_letter_needs_a_postal_address() -> None:
    (message,) = plan([item(1, 30)], [customer(has_postal_address=False)]).messages
    assert message.channel is Channel.LETTER and not message.deliverable


def test_language_override_beats_the_customer_language() -> None:
    english = customer(language="fr", override=DunningOverride(language="en"))
    assert plan([item(1, 3)], [english]).messages[0].language == "en"


def test_formal_notice_carries_the_penalties_to_print() -> None:
    (message,) = plan([item(1, 30)]).messages
    assert message.action is StepAction.PENALTY_CLAIM
    assert message.penalties is not None
    # 1000 × 12.15 % × 30/365 = 9.9863, plus the 40 € indemnity
    assert message.penalties.totals == (Money(amount=D("49.99"), currency="EUR"),)


def test_penalties_follow_partial_payments_when_the_history_is_given() -> None:
    partly_paid = item(
        1,
        30,
        amount="600",
        original_amount=D("1000"),
        settlements=(InvoiceSettlement(on=AS_OF - timedelta(days=20), amount=D("400")),),
    )
    (message,) = plan([partly_paid]).messages
    assert message.penalties is not None
    # 10 days on 1000 = 3.3288 → 3.33; 20 days on 600 = 3.9945 → 3.99
    assert message.penalties.interest_totals == (Money(amount=D("7.32"), currency="EUR"),)


def test_public_buyer_formal_notice_claims_moratory_interest_at_mro_plus_eight() -> None:
    public = customer(category="public", penalty_terms=PenaltyTerms(regime=PenaltyRegime.PUBLIC_PROCUREMENT))
    (message,) = plan([item(1, 60)], [public], history=[done(1, "call_task", 20, scenario="public_sector")]).messages
    assert message.step_code == "formal_notice" and message.penalties is not None
    # 02/01–02/03/2026, 60 days at 2.15 + 8 = 10.15 %: 1000 × 10.15 % × 60/365 = 16.6849
    assert message.penalties.interest_totals == (Money(amount=D("16.68"), currency="EUR"),)


def test_penalties_that_cannot_be_computed_become_a_warning_not_a_failed_run() -> None:
    no_rates = DunningSettings(mro_rates=RateTable(name="empty", entries=()))
    (message,) = plan([item(1, 30)], settings=no_rates).messages
    assert message.penalties is None
    assert message.warnings[0].startswith("penalties not computed")


def test_litigation_hand_over_at_sixty_days() -> None:
    (message,) = plan([item(1, 60)], history=[done(1, "account_on_hold", 15)]).messages
    assert (message.step_code, message.action) == ("litigation_handover", StepAction.LITIGATION)


def test_decisions_by_item_covers_every_open_invoice() -> None:
    result = plan([item(1, 3), item(2, 1), item(3, 20, disputed_amount=D("1000"))])
    assert {k: d.decision for k, d in result.decisions_by_item().items()} == {
        1: Decision.PLANNED,
        2: Decision.NO_STEP_DUE,
        3: Decision.DISPUTED,
    }


def test_a_message_under_a_retired_scenario_still_counts_for_the_minimum_gap() -> None:
    result = plan([item(1, 3)], history=[done(1, "old_step", 1, scenario="retired")])
    assert result.decision_for(1).decision is Decision.TOO_SOON  # type: ignore[union-attr]


# --- scenarios ------------------------------------------------------------------------------


def test_each_default_category_has_a_scenario() -> None:
    for category in ("key_account", "sme", "distributor", "public", "other"):
        assert scenario_for_category(category) is not None
    assert scenario_for_category("unheard_of") is scenario_for_category("other")


def test_public_sector_is_softer_and_never_blocks_credit() -> None:
    public = scenario_for_category("public")
    standard = scenario_for_category("sme")
    assert public is not None and standard is not None
    assert public.steps[0].offset_days > standard.steps[0].offset_days
    assert all(step.action is not StepAction.CREDIT_BLOCK for step in public.steps)


def test_scenario_refuses_steps_whose_offsets_do_not_increase() -> None:
    with pytest.raises(ValidationFailed):
        Scenario(
            code="x",
            name="X",
            categories=("sme",),
            steps=(
                Step(code="a", order=1, offset_days=10, channel=Channel.EMAIL, template_code="t"),
                Step(code="b", order=2, offset_days=10, channel=Channel.EMAIL, template_code="t"),
            ),
        )


def test_scenario_refuses_duplicate_step_codes() -> None:
    with pytest.raises(ValidationFailed):
        Scenario(
            code="x",
            name="X",
            categories=("sme",),
            steps=(
                Step(code="a", order=1, offset_days=3, channel=Channel.EMAIL, template_code="t"),
                Step(code="a", order=2, offset_days=10, channel=Channel.EMAIL, template_code="t"),
            ),
        )


# --- simulation: consecutive daily runs ---------------------------------------------------

START = date(2026, 1, 1)
CATEGORIES = ("key_account", "sme", "distributor", "public")


@st.composite
def portfolios(
    draw: st.DrawFn,
) -> tuple[list[DunningCustomer], list[OpenItem], list[PromiseToPay], list[PromisePayment]]:
    customers = [
        DunningCustomer(
            customer_id=c,
            name=f"C{c}",
            category=draw(st.sampled_from(CATEGORIES)),
            contacts=(AP,),
            override=DunningOverride(paused_until=draw(st.none() | st.dates(START, START + timedelta(days=60)))),
        )
        for c in range(draw(st.integers(1, 4)))
    ]
    items = []
    for i in range(draw(st.integers(1, 10))):
        amount = draw(st.decimals(min_value=D("5"), max_value=D("5000"), places=2))
        disputed = draw(st.sampled_from([D(0), amount / 2, amount]))
        items.append(
            OpenItem(
                item_id=i,
                customer_id=draw(st.integers(0, len(customers) - 1)),
                number=f"F{i}",
                document_date=START - timedelta(days=60),
                due_date=START + timedelta(days=draw(st.integers(-90, 60))),
                open_amount=amount,
                disputed_amount=quantize_half(disputed),
            )
        )
    promises, payments = [], []
    for p in range(draw(st.integers(0, 3))):
        made = START + timedelta(days=draw(st.integers(0, 60)))
        covered = tuple(draw(st.sets(st.integers(0, len(items) - 1), min_size=1, max_size=3)))
        promises.append(
            PromiseToPay(
                promise_id=p,
                customer_id=0,
                amount=D("1000"),
                promised_date=made + timedelta(days=draw(st.integers(0, 20))),
                item_ids=covered,
                created_on=made,
            )
        )
        if draw(st.booleans()):
            payments.append(
                PromisePayment(
                    item_id=covered[0], received_on=made + timedelta(days=draw(st.integers(0, 30))), amount=D("600")
                )
            )
    return customers, items, promises, payments


def quantize_half(amount: Decimal) -> Decimal:
    return amount.quantize(D("0.01"))


def offset(code: str, scenario_code: str) -> int:
    scenario = next(s for s in DEFAULT_SCENARIOS if s.code == scenario_code)
    return scenario.step(code).offset_days


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(portfolio=portfolios(), switch_day=st.integers(0, 150), switch_to=st.sampled_from(CATEGORIES))
def test_daily_runs_never_fire_a_step_twice_nor_dun_disputed_or_promised_invoices(
    portfolio: tuple[list[DunningCustomer], list[OpenItem], list[PromiseToPay], list[PromisePayment]],
    switch_day: int,
    switch_to: str,
) -> None:
    customers, items, promises, payments = portfolio
    history: list[ExecutedStep] = []
    fired: set[tuple[object, str, str]] = set()
    sent_offsets: dict[object, list[int]] = {}
    for day in range(150):
        as_of = START + timedelta(days=day)
        if day == switch_day:  # a customer changes category: its scenario changes mid-way
            first = customers[0]
            customers[0] = DunningCustomer(
                customer_id=first.customer_id, name=first.name, category=switch_to, contacts=first.contacts
            )
        result = plan_dunning(
            as_of=as_of,
            customers=customers,
            items=items,
            history=history,
            promises=promises,
            promise_payments=payments,
        )
        protected = protected_item_ids(assess_promises(promises=promises, payments=payments, as_of=as_of))
        recipients = [message.customer_id for message in result.messages]
        assert len(recipients) == len(set(recipients)), f"a customer got two messages on {as_of}"
        for message in result.messages:
            for invoice in message.invoices:
                source = next(i for i in items if i.item_id == invoice.item_id)
                assert source.disputed_amount < source.open_amount
                assert invoice.item_id not in protected
            for row in history_rows_for(message=message, executed_on=as_of):
                key = (row.item_id, row.scenario_code, row.step_code)
                assert key not in fired, f"step fired twice: {key} on {as_of}"
                fired.add(key)
                history.append(row)
                if not row.skipped:
                    sent_offsets.setdefault(row.item_id, []).append(offset(row.step_code, row.scenario_code))
    for offsets in sent_offsets.values():
        assert offsets == sorted(set(offsets)), "dunning went backwards or repeated a level"


# --- scale ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_plan_for_20000_customers_and_200000_invoices_decides_every_invoice() -> None:
    # the time is a benchmark figure (`make bench`), not a test assertion: a loaded CI machine
    # would make a timed test fail for nothing
    customers = [
        DunningCustomer(customer_id=c, name=f"Customer {c:05d}", category=CATEGORIES[c % 4], contacts=(AP,))
        for c in range(20_000)
    ]
    items = [
        OpenItem(
            item_id=i,
            customer_id=i % 20_000,
            number=f"F{i:06d}",
            document_date=AS_OF - timedelta(days=120),
            due_date=AS_OF - timedelta(days=(i * 7) % 150 - 30),
            open_amount=D("100") + i % 5000,
            disputed_amount=D("50") if i % 37 == 0 else D(0),
        )
        for i in range(200_000)
    ]
    history = [
        ExecutedStep(
            item_id=i, scenario_code="standard", step_code="friendly_reminder", executed_on=AS_OF - timedelta(days=40)
        )
        for i in range(0, 200_000, 3)
    ]
    started = time.perf_counter()
    result = plan_dunning(as_of=AS_OF, customers=customers, items=items, history=history)
    elapsed = time.perf_counter() - started
    print(f"dunning plan: 20 000 customers, 200 000 invoices: {elapsed:.2f} s, {len(result.messages)} messages")
    assert len(result.decisions) == 200_000
