"""What a user reads for the dunning codes: steps of the seeded scenarios, plan decisions, actions, channels.

The core planner returns codes (``no_step_due``, ``friendly_reminder``, ``credit_block``); pages, e-mails and
exports show these translated labels, never the code (a step created by a user shows its own code)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy, pgettext_lazy

from encours.collections.models import Action, Channel
from encours.core.dunning.model import Decision

STEP_LABELS = {
    "pre_due_reminder": gettext_lazy("Pre-due reminder"),
    "friendly_reminder": gettext_lazy("Friendly reminder"),
    "second_reminder": gettext_lazy("Second reminder"),
    "call_task": gettext_lazy("Call task"),
    "formal_notice": gettext_lazy("Formal notice"),
    "account_on_hold": gettext_lazy("Account on hold"),
    "litigation_handover": gettext_lazy("Litigation hand-over"),
    "agency_handover": gettext_lazy("Collection agency hand-over"),
    "statement": gettext_lazy("Account statement"),
}

DECISION_LABELS = {
    Decision.PLANNED: pgettext_lazy("dunning decision on invoices", "Planned"),
    Decision.NO_STEP_DUE: gettext_lazy("No step due"),
    Decision.TOO_SOON: gettext_lazy("Too soon after the last reminder"),
    Decision.SCENARIO_COMPLETE: gettext_lazy("Scenario complete"),
    Decision.BELOW_MINIMUM: gettext_lazy("Below the step's minimum amount"),
    Decision.DISPUTED: gettext_lazy("Disputed"),
    Decision.PROMISED: gettext_lazy("Promise to pay pending"),
    Decision.CUSTOMER_PAUSED: gettext_lazy("Dunning paused for the customer"),
    Decision.EXCLUDED_CUSTOMER: gettext_lazy("Customer excluded by you"),
    Decision.EXCLUDED_ITEM: gettext_lazy("Invoice excluded by you"),
    Decision.NO_SCENARIO: gettext_lazy("No dunning scenario"),
    Decision.UNKNOWN_CUSTOMER: gettext_lazy("Unknown customer"),
}


def _code(value: Any) -> str:
    return str(getattr(value, "value", value) or "")


def step_label(code: Any) -> str:
    key = _code(code)
    return str(STEP_LABELS.get(key, key))


def decision_label(code: Any) -> str:
    key = _code(code)
    try:
        return str(DECISION_LABELS[Decision(key)])
    except (KeyError, ValueError):
        return key


def action_label(code: Any) -> str:
    key = _code(code)
    return str(Action(key).label) if key in Action.values else key


def channel_label(code: Any) -> str:
    key = _code(code)
    return str(Channel(key).label) if key in Channel.values else key
