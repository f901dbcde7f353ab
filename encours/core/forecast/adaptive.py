"""Adaptive dunning: which step actually makes each customer pay, and what to change.

For each customer and dunning stage, over its paid invoices: how many reached the stage
unpaid, how many were paid within ``response_window_days`` after it with no later step in
between (the step *triggered* the payment), and how that compares with the rate of payment
in the same number of days just *before* the stage's usual date (the lift). A step that
triggers most payments with a lift of 2 or more is the customer's trigger; one with a lift
near 1 changes nothing, the customer pays at its own pace.

Suggestions, each with its evidence and the days saved computed on the customer's history
(assuming it keeps answering the step after the same delay):

* ``earlier``: the trigger is the first step, or an intermediate one of the same channel:
  send it earlier (the day after the due date, or one response window after the step
  before it);
* ``switch_channel``: earlier steps in another channel do nothing and the trigger is, say,
  the call: make the first step a call;
* ``later``: a customer that pays close to terms anyway and does not react to the first
  reminder: send it after its usual payment day, sparing reminders (no days saved).

>>> from datetime import date, timedelta
>>> from decimal import Decimal
>>> from encours.core.forecast.records import DunningStep, InvoiceRecord
>>> def paid_after_reminder(k):
...     due = date(2026, 1, 5) + timedelta(days=14 * k)
...     reminder = due + timedelta(days=14)
...     return InvoiceRecord(invoice_id=f"F{k}", customer_id="C1", invoice_date=due - timedelta(days=30),
...         due_date=due, amount=Decimal(100), settled_date=reminder + timedelta(days=2),
...         dunning_steps=(DunningStep(stage=1, executed_on=reminder, channel="email"),))
>>> [suggestion] = suggest_dunning_changes(invoices=[paid_after_reminder(k) for k in range(6)])
>>> suggestion.kind, suggestion.current_offset_days, suggestion.proposed_offset_days
('earlier', 14, 1)
>>> suggestion.expected_days_saved, suggestion.share_of_invoices_affected
(13.0, 1.0)
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from encours.core.forecast.records import DunningStep, InvoiceRecord

TRIGGER_RATE = 0.6
TRIGGER_LIFT = 2.0
NO_EFFECT_LIFT = 1.2
LIFT_WINDOW_DAYS = 4
MIN_DAYS_GAINED = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class StepResponse:
    """How one customer answered one dunning stage (offsets and delays in days)."""

    stage: int
    channel: str
    median_offset_days: int
    n_reached: int
    n_paid_within_window: int
    trigger_rate: float
    rate_before_step: float
    rate_after_step: float
    lift: float | None  # None: nobody paid in the days before the step, any response is lift
    median_response_days: float | None

    @property
    def triggers_payment(self) -> bool:
        strong_lift = self.lift is None or self.lift >= TRIGGER_LIFT
        return self.trigger_rate >= TRIGGER_RATE and strong_lift and self.n_paid_within_window > 0

    @property
    def has_no_effect(self) -> bool:
        return self.lift is not None and self.lift < NO_EFFECT_LIFT


@dataclass(frozen=True, slots=True, kw_only=True)
class DunningResponseProfile:
    customer_id: str
    n_paid_invoices: int
    share_paid_before_first_step: float
    p80_days_late: float
    steps: tuple[StepResponse, ...]

    @property
    def trigger(self) -> StepResponse | None:
        return next((step for step in self.steps if step.triggers_payment), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class DunningSuggestion:
    """A change to one customer's dunning timing or channel, with its expected effect:
    days saved per paid invoice (over all of them) and the share of invoices it touches."""

    customer_id: str
    kind: str
    stage: int
    current_channel: str
    proposed_channel: str
    current_offset_days: int
    proposed_offset_days: int
    expected_days_saved: float
    share_of_invoices_affected: float
    n_invoices: int
    evidence: str


@dataclass(frozen=True, slots=True, kw_only=True)
class _Paid:
    """A paid invoice as the response analysis needs it (no optional settlement date)."""

    due: date
    settled: date
    steps: tuple[DunningStep, ...]

    @property
    def days_late(self) -> int:
        return (self.settled - self.due).days

    def first_execution(self, stage: int) -> date | None:
        """When ``stage`` first went out while the invoice was still unpaid."""
        dates = [s.executed_on for s in self.steps if s.stage == stage and s.executed_on < self.settled]
        return min(dates) if dates else None

    def triggered_by(self, executed: date, window: int) -> bool:
        """Paid within ``window`` days of a step executed on ``executed``, no later step between."""
        later_step = any(executed < s.executed_on < self.settled for s in self.steps)
        return (self.settled - executed).days <= window and not later_step


def _step_response(invoices: Sequence[_Paid], stage: int, window: int) -> StepResponse | None:
    reached = [(inv, day) for inv in invoices if (day := inv.first_execution(stage)) is not None]
    if not reached:
        return None
    offset = round(statistics.median((day - inv.due).days for inv, day in reached))
    answered = [(inv, day) for inv, day in reached if inv.triggered_by(day, window)]
    # The lift compares LIFT_WINDOW_DAYS on each side of the step: a step planned where the
    # customer pays anyway (a rising natural hazard) looks effective over a whole week,
    # but only a real trigger makes payments jump within days of it.
    quick = len([inv for inv, day in reached if (inv.settled - day).days < LIFT_WINDOW_DAYS])
    at_risk = [inv for inv in invoices if inv.days_late >= offset - LIFT_WINDOW_DAYS]
    before_rate = len([i for i in at_risk if i.days_late < offset]) / len(at_risk) if at_risk else 0.0
    after_rate = quick / len(reached)
    channels = Counter(s.channel for inv, _ in reached for s in inv.steps if s.stage == stage)
    delays = [(inv.settled - day).days for inv, day in answered]
    return StepResponse(
        stage=stage,
        channel=channels.most_common(1)[0][0],
        median_offset_days=offset,
        n_reached=len(reached),
        n_paid_within_window=len(answered),
        trigger_rate=len(answered) / len(reached),
        rate_before_step=before_rate,
        rate_after_step=after_rate,
        lift=after_rate / before_rate if before_rate > 0 else None,
        median_response_days=statistics.median(delays) if delays else None,
    )


def _profile(customer_id: str, invoices: Sequence[_Paid], window: int) -> DunningResponseProfile:
    stages = sorted({s.stage for inv in invoices for s in inv.steps})
    steps = tuple(r for stage in stages if (r := _step_response(invoices, stage, window)) is not None)
    unreminded = [inv for inv in invoices if not any(s.executed_on < inv.settled for s in inv.steps)]
    lateness = sorted(inv.days_late for inv in invoices)
    return DunningResponseProfile(
        customer_id=customer_id,
        n_paid_invoices=len(invoices),
        share_paid_before_first_step=len(unreminded) / len(invoices),
        p80_days_late=float(lateness[min(len(lateness) - 1, int(0.8 * len(lateness)))]),
        steps=steps,
    )


def _paid_by_customer(invoices: Sequence[InvoiceRecord]) -> dict[str, list[_Paid]]:
    grouped: dict[str, list[_Paid]] = defaultdict(list)
    for invoice in invoices:
        if invoice.settled_date is not None:
            paid = _Paid(due=invoice.due_date, settled=invoice.settled_date, steps=invoice.dunning_steps)
            grouped[invoice.customer_id].append(paid)
    return grouped


def dunning_response_profiles(
    *, invoices: Sequence[InvoiceRecord], response_window_days: int = 7, min_invoices: int = 4
) -> tuple[DunningResponseProfile, ...]:
    """Per customer with at least ``min_invoices`` paid invoices, its response to each stage."""
    grouped = _paid_by_customer(invoices)
    return tuple(
        _profile(customer, grouped[customer], response_window_days)
        for customer in sorted(grouped)
        if len(grouped[customer]) >= min_invoices
    )


def _days_saved(invoices: Sequence[_Paid], stage: int, proposed_offset: int, window: int) -> tuple[float, float]:
    """(mean days saved over all paid invoices, share of invoices improved) if ``stage``
    had gone out at due + ``proposed_offset`` and been answered after the same delay."""
    gained = []
    for invoice in invoices:
        executed = invoice.first_execution(stage)
        if executed is not None and invoice.triggered_by(executed, window):
            days = (executed - invoice.due).days - proposed_offset
            if days > 0:
                gained.append(days)
    return sum(gained) / len(invoices), len(gained) / len(invoices)


def _evidence(step: StepResponse, window: int) -> str:
    response = f", median {step.median_response_days:g} days" if step.median_response_days is not None else ""
    return (
        f"paid within {window} days of stage {step.stage} ({step.channel}) on {step.n_paid_within_window} "
        f"of {step.n_reached} invoices that reached it{response}; {step.rate_before_step:.0%} paid in the "
        f"{LIFT_WINDOW_DAYS} days before it, {step.rate_after_step:.0%} in the {LIFT_WINDOW_DAYS} days "
        f"after; it goes out at due + {step.median_offset_days} days on median"
    )


def _speed_up(
    profile: DunningResponseProfile,
    invoices: Sequence[_Paid],
    *,
    window: int,
    min_invoices: int,
    earliest_offset: int,
) -> DunningSuggestion | None:
    trigger = profile.trigger
    if trigger is None or trigger.n_paid_within_window < min_invoices:
        return None
    before = [s for s in profile.steps if s.stage < trigger.stage and s.n_reached >= min_invoices]
    if any(s.channel != trigger.channel and not s.triggers_payment for s in before):
        # the trigger's channel works where the earlier ones do not: use it from the first step
        kind, changed, proposed = "switch_channel", before[0], before[0].median_offset_days
    else:
        kind, changed = "earlier", trigger
        proposed = before[-1].median_offset_days + window if before else earliest_offset
    if trigger.median_offset_days - proposed < MIN_DAYS_GAINED:
        return None
    saved, affected = _days_saved(invoices, trigger.stage, proposed, window)
    return DunningSuggestion(
        customer_id=profile.customer_id,
        kind=kind,
        stage=changed.stage,
        current_channel=changed.channel,
        proposed_channel=trigger.channel,
        current_offset_days=changed.median_offset_days,
        proposed_offset_days=proposed,
        expected_days_saved=saved,
        share_of_invoices_affected=affected,
        n_invoices=profile.n_paid_invoices,
        evidence=_evidence(trigger, window) + ("; earlier steps show no effect" if before else ""),
    )


def _spare_reminders(
    profile: DunningResponseProfile,
    invoices: Sequence[_Paid],
    *,
    min_invoices: int,
    postpone_max_days_late: int,
) -> DunningSuggestion | None:
    if not profile.steps or profile.trigger is not None:
        return None
    first = profile.steps[0]
    proposed = int(profile.p80_days_late) + 1
    usable = first.n_reached >= min_invoices and first.has_no_effect
    if not usable or profile.p80_days_late > postpone_max_days_late or proposed <= first.median_offset_days:
        return None
    spared = [inv for inv in invoices if inv.first_execution(first.stage) is not None and inv.days_late < proposed]
    return DunningSuggestion(
        customer_id=profile.customer_id,
        kind="later",
        stage=first.stage,
        current_channel=first.channel,
        proposed_channel=first.channel,
        current_offset_days=first.median_offset_days,
        proposed_offset_days=proposed,
        expected_days_saved=0.0,
        share_of_invoices_affected=len(spared) / profile.n_paid_invoices,
        n_invoices=profile.n_paid_invoices,
        evidence=(
            f"pays {profile.p80_days_late:g} days late or less on 80% of invoices whatever the reminders; "
            f"stage {first.stage} ({first.channel}) shows no effect ({first.rate_before_step:.0%} paid "
            f"in the {LIFT_WINDOW_DAYS} days before it, {first.rate_after_step:.0%} after); "
            f"{len(spared)} reminder(s) would have been spared"
        ),
    )


def suggest_dunning_changes(
    *,
    invoices: Sequence[InvoiceRecord],
    response_window_days: int = 7,
    min_invoices: int = 4,
    earliest_offset_days: int = 1,
    postpone_max_days_late: int = 15,
    min_days_saved: float = 1.0,
) -> tuple[DunningSuggestion, ...]:
    """Suggestions for every customer with enough paid history, biggest savings first.
    Speed-ups saving less than ``min_days_saved`` per paid invoice are not worth a change."""
    grouped = _paid_by_customer(invoices)
    suggestions = []
    for profile in dunning_response_profiles(
        invoices=invoices, response_window_days=response_window_days, min_invoices=min_invoices
    ):
        history = grouped[profile.customer_id]
        speed_up = _speed_up(
            profile,
            history,
            window=response_window_days,
            min_invoices=min_invoices,
            earliest_offset=earliest_offset_days,
        )
        if speed_up is not None and speed_up.expected_days_saved >= min_days_saved:
            suggestions.append(speed_up)
        elif speed_up is None:
            spare = _spare_reminders(
                profile, history, min_invoices=min_invoices, postpone_max_days_late=postpone_max_days_late
            )
            suggestions.extend([spare] if spare is not None else [])
    return tuple(sorted(suggestions, key=lambda s: (-s.expected_days_saved, s.customer_id)))
