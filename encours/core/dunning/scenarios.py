"""Dunning scenarios: ordered steps at day offsets from the due date, per customer category.

A step says when (``offset_days`` after the due date; negative = before it), how (a channel
that really delivers: email, PDF letter, call task for a collector), with which template,
what else happens (credit block, litigation or agency hand-over, penalty claim) and from
which total the customer owes at that step it is worth doing (``min_amount``, in the
entity's functional currency). Offsets strictly increase with the order, so "higher step"
and "later step" mean the same thing.

>>> scenario = scenario_for_category("key_account")
>>> [(step.code, step.offset_days) for step in scenario.steps][:3]
[('pre_due_reminder', -5), ('friendly_reminder', 3), ('second_reminder', 15)]
>>> scenario.step("formal_notice").action
<StepAction.PENALTY_CLAIM: 'penalty_claim'>
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise

from encours.core.errors import ValidationFailed
from encours.core.money import ZERO

__all__ = [
    "DEFAULT_SCENARIOS",
    "Channel",
    "Scenario",
    "Step",
    "StepAction",
    "scenario_for_category",
]


class Channel(StrEnum):
    EMAIL = "email"
    LETTER = "letter"
    CALL = "call"


class StepAction(StrEnum):
    NONE = "none"
    CREDIT_BLOCK = "credit_block"
    LITIGATION = "litigation"
    COLLECTION_AGENCY = "collection_agency"
    PENALTY_CLAIM = "penalty_claim"


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One dunning step; ``offset_days`` ≤ 0 makes it a pre-due (courtesy) step."""

    code: str
    order: int
    offset_days: int
    channel: Channel
    template_code: str
    action: StepAction = StepAction.NONE
    min_amount: Decimal = ZERO

    @property
    def pre_due(self) -> bool:
        return self.offset_days <= 0

    def label(self) -> str:
        sign = "+" if self.offset_days >= 0 else ""
        return f"{self.code} ({sign}{self.offset_days} d)"


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """A named sequence of steps for the listed customer categories (steps kept in order)."""

    code: str
    name: str
    categories: tuple[str, ...]
    steps: tuple[Step, ...]

    def __post_init__(self) -> None:
        steps = tuple(sorted(self.steps, key=lambda step: step.order))
        if not steps:
            raise ValidationFailed(f"scenario {self.code}: no step")
        codes = [step.code for step in steps]
        if len(set(codes)) != len(codes):
            raise ValidationFailed(f"scenario {self.code}: step codes must be unique")
        for previous, current in pairwise(steps):
            if current.order == previous.order:
                raise ValidationFailed(f"scenario {self.code}: two steps with order {current.order}")
            if current.offset_days <= previous.offset_days:
                raise ValidationFailed(
                    f"scenario {self.code}: step {current.code} must come later than {previous.code}"
                )
        for step in steps:
            if step.min_amount < 0:
                raise ValidationFailed(f"scenario {self.code}: negative minimum on {step.code}")
        object.__setattr__(self, "steps", steps)

    def step(self, code: str) -> Step:
        for step in self.steps:
            if step.code == code:
                return step
        raise ValidationFailed(f"scenario {self.code} has no step {code!r}")

    def find_step(self, code: str) -> Step | None:
        return next((step for step in self.steps if step.code == code), None)


def _step(
    order: int,
    code: str,
    offset: int,
    channel: Channel,
    action: StepAction = StepAction.NONE,
    minimum: str = "0",
) -> Step:
    return Step(
        code=code,
        order=order,
        offset_days=offset,
        channel=channel,
        template_code=f"dunning/{code}",
        action=action,
        min_amount=Decimal(minimum),
    )


# Minimums in the functional currency: a registered letter or a hand-over costs money.
_KEY_ACCOUNTS = Scenario(
    code="key_accounts",
    name="Key accounts",
    categories=("key_account",),
    steps=(
        _step(1, "pre_due_reminder", -5, Channel.EMAIL, minimum="100"),
        _step(2, "friendly_reminder", 3, Channel.EMAIL, minimum="10"),
        _step(3, "second_reminder", 15, Channel.EMAIL, minimum="10"),
        _step(4, "call_task", 20, Channel.CALL, minimum="200"),
        _step(5, "formal_notice", 30, Channel.LETTER, StepAction.PENALTY_CLAIM, "200"),
        _step(6, "litigation_handover", 60, Channel.LETTER, StepAction.LITIGATION, "1000"),
    ),
)
_STANDARD = Scenario(
    code="standard",
    name="SMEs and other customers",
    categories=("sme", "other"),
    steps=(
        _step(1, "friendly_reminder", 3, Channel.EMAIL, minimum="10"),
        _step(2, "second_reminder", 15, Channel.EMAIL, minimum="10"),
        _step(3, "call_task", 20, Channel.CALL, minimum="200"),
        _step(4, "formal_notice", 30, Channel.LETTER, StepAction.PENALTY_CLAIM, "200"),
        _step(5, "account_on_hold", 45, Channel.EMAIL, StepAction.CREDIT_BLOCK, "500"),
        _step(6, "litigation_handover", 60, Channel.LETTER, StepAction.LITIGATION, "1000"),
    ),
)
# Distributors reorder all the time: holding their account is the lever that works.
_DISTRIBUTORS = Scenario(
    code="distributors",
    name="Distributors",
    categories=("distributor",),
    steps=(
        _step(1, "friendly_reminder", 3, Channel.EMAIL, minimum="10"),
        _step(2, "second_reminder", 15, Channel.EMAIL, minimum="10"),
        _step(3, "call_task", 20, Channel.CALL, minimum="200"),
        _step(4, "account_on_hold", 25, Channel.EMAIL, StepAction.CREDIT_BLOCK, "500"),
        _step(5, "formal_notice", 30, Channel.LETTER, StepAction.PENALTY_CLAIM, "200"),
        _step(6, "agency_handover", 60, Channel.LETTER, StepAction.COLLECTION_AGENCY, "1000"),
    ),
)
# Public buyers pay through their accountant (comptable public): slower, never blocked.
_PUBLIC = Scenario(
    code="public_sector",
    name="Public sector",
    categories=("public",),
    steps=(
        _step(1, "friendly_reminder", 10, Channel.EMAIL, minimum="10"),
        _step(2, "second_reminder", 30, Channel.EMAIL, minimum="10"),
        _step(3, "call_task", 40, Channel.CALL, minimum="200"),
        _step(4, "formal_notice", 60, Channel.LETTER, StepAction.PENALTY_CLAIM, "200"),
        _step(5, "litigation_handover", 120, Channel.LETTER, StepAction.LITIGATION, "1000"),
    ),
)

DEFAULT_SCENARIOS: tuple[Scenario, ...] = (_KEY_ACCOUNTS, _STANDARD, _DISTRIBUTORS, _PUBLIC)


def scenario_for_category(category: str, scenarios: Iterable[Scenario] = DEFAULT_SCENARIOS) -> Scenario | None:
    """The first scenario listing ``category``, else the first one listing "other"."""
    scenarios = tuple(scenarios)
    for scenario in scenarios:
        if category in scenario.categories:
            return scenario
    return next((scenario for scenario in scenarios if "other" in scenario.categories), None)
