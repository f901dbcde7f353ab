"""Dunning values: what the planner reads (customers, open items, history, settings) and
what it returns (a plan of messages and a decision per invoice). Plain frozen values the
collections app maps its rows to and from; the rules live in ``encours.core.dunning.planner``.

>>> from datetime import date
>>> row = ExecutedStep(item_id=10, scenario_code="standard", step_code="friendly_reminder",
...     executed_on=date(2026, 2, 3))
>>> row.skipped
False
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from encours.core.dunning.penalties import (
    ECB_MRO_RATES,
    LEGAL_RATES_PROFESSIONALS,
    InvoiceSettlement,
    PenaltyStatement,
    PenaltyTerms,
    RateTable,
)
from encours.core.dunning.promises import PromiseAssessment
from encours.core.dunning.scenarios import Channel, StepAction
from encours.core.errors import ValidationFailed
from encours.core.money import ZERO, Money

__all__ = [
    "DEFAULT_SETTINGS",
    "Contact",
    "CustomerCredit",
    "Decision",
    "DunningCustomer",
    "DunningOverride",
    "DunningPlan",
    "DunningSettings",
    "ExecutedStep",
    "Id",
    "ItemDecision",
    "OpenItem",
    "PlannedInvoice",
    "PlannedMessage",
    "history_rows_for",
    "message_actions",
]
Id = int | str


@dataclass(frozen=True, slots=True, kw_only=True)
class Contact:
    contact_id: Id
    name: str
    email: str = ""
    phone: str = ""
    is_dunning_contact: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class DunningOverride:
    """Per-customer settings that beat the category's: scenario, pause (last paused day
    included), preferred contact, language."""

    scenario_code: str | None = None
    paused_until: date | None = None
    preferred_contact_id: Id | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DunningCustomer:
    customer_id: Id
    name: str
    category: str
    language: str = "fr"
    contacts: tuple[Contact, ...] = ()
    has_postal_address: bool = True
    override: DunningOverride = DunningOverride()
    penalty_terms: PenaltyTerms = field(default_factory=PenaltyTerms)


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenItem:
    """An open ledger item. ``open_amount`` is signed like the ledger: debits (invoices)
    positive, credits (credit notes, unapplied cash) negative. ``open_amount_functional``
    defaults to ``open_amount`` (same currency). ``original_amount`` and ``settlements``
    let penalties follow partial payments; without them, penalties run on the open amount
    from the due date."""

    item_id: Id
    customer_id: Id
    number: str
    document_date: date
    due_date: date
    open_amount: Decimal
    currency: str = "EUR"
    open_amount_functional: Decimal | None = None
    disputed_amount: Decimal = ZERO
    original_amount: Decimal | None = None
    settlements: tuple[InvoiceSettlement, ...] = ()
    interest_invoiced_until: date | None = None
    indemnity_invoiced: bool = False

    def __post_init__(self) -> None:
        if self.disputed_amount < 0:
            raise ValidationFailed(f"item {self.number}: negative disputed amount")

    @property
    def functional_open(self) -> Decimal:
        return self.open_amount if self.open_amount_functional is None else self.open_amount_functional


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutedStep:
    """A step done for an invoice: the history. ``skipped``: jumped over when a higher step of
    the same invoice was sent; ``covered``: due the same day as a higher step of another of the
    customer's invoices, whose message listed this one (it counts as sent)."""

    item_id: Id
    scenario_code: str
    step_code: str
    executed_on: date
    skipped: bool = False
    covered: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class DunningSettings:
    min_days_between_steps: int = 5
    functional_currency: str = "EUR"
    promise_tolerance: Decimal = ZERO
    mro_rates: RateTable = ECB_MRO_RATES
    legal_rates: RateTable = LEGAL_RATES_PROFESSIONALS


DEFAULT_SETTINGS = DunningSettings()


class Decision(StrEnum):
    PLANNED = "planned"
    NO_STEP_DUE = "no_step_due"
    TOO_SOON = "too_soon"
    SCENARIO_COMPLETE = "scenario_complete"
    BELOW_MINIMUM = "below_minimum"
    DISPUTED = "disputed"
    PROMISED = "promised"
    CUSTOMER_PAUSED = "customer_paused"
    EXCLUDED_CUSTOMER = "excluded_customer"
    EXCLUDED_ITEM = "excluded_item"
    NO_SCENARIO = "no_scenario"
    UNKNOWN_CUSTOMER = "unknown_customer"


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemDecision:
    """Why an open invoice is in (``PLANNED``, with its step) or out of today's plan;
    ``next_step_code``/``next_step_on`` say what happens next when known."""

    item_id: Id
    customer_id: Id
    number: str
    decision: Decision
    reason: str
    step_code: str | None = None
    next_step_code: str | None = None
    next_step_on: date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedInvoice:
    """An invoice in a message, at its own due ``step_code``: the message's step, or a lower
    one it covers (``covered``), whose ``action`` still applies."""

    item_id: Id
    number: str
    document_date: date
    due_date: date
    days_past_due: int
    open_amount: Decimal
    disputed_amount: Decimal
    dunned_amount: Decimal
    dunned_amount_functional: Decimal
    currency: str
    skipped_step_codes: tuple[str, ...]
    resumed_after_promise_id: Id | None
    reason: str
    step_code: str = ""
    action: StepAction = StepAction.NONE
    covered: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerCredit:
    """A credit note or unapplied cash shown in the message (amount negative)."""

    item_id: Id
    number: str
    document_date: date
    open_amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedMessage:
    """The one message of the run for a customer, at the highest step due across its invoices,
    listing every invoice with a step due (the lower steps covered by it).

    ``deliverable`` is False when the channel cannot reach the customer (no email address,
    no phone, no postal address): the run must not execute it; ``warnings`` say why.
    """

    customer_id: Id
    customer_name: str
    scenario_code: str
    step_code: str
    step_order: int
    channel: Channel
    template_code: str
    action: StepAction
    language: str
    contact: Contact | None
    invoices: tuple[PlannedInvoice, ...]
    totals: tuple[Money, ...]
    total_functional: Decimal
    credits: tuple[CustomerCredit, ...]
    credit_totals: tuple[Money, ...]
    penalties: PenaltyStatement | None
    deliverable: bool
    reason: str
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class DunningPlan:
    """The reviewable plan: messages to send, a decision per open invoice, and the promises
    found failed today (to mark broken and alert the collector)."""

    as_of: date
    messages: tuple[PlannedMessage, ...]
    decisions: tuple[ItemDecision, ...]
    failed_promises: tuple[PromiseAssessment, ...]

    def decision_for(self, item_id: Id) -> ItemDecision | None:
        return next((d for d in self.decisions if d.item_id == item_id), None)

    def decisions_by_item(self) -> dict[Id, ItemDecision]:
        """For a review screen over many invoices (``decision_for`` scans the whole plan)."""
        return {d.item_id: d for d in self.decisions}

    def messages_for(self, customer_id: Id) -> tuple[PlannedMessage, ...]:
        return tuple(m for m in self.messages if m.customer_id == customer_id)


def message_actions(message: PlannedMessage) -> frozenset[StepAction]:
    """What the message does beyond informing: its step's action and those of the steps it covers."""
    return frozenset({message.action, *(i.action for i in message.invoices)}) - {StepAction.NONE}


def history_rows_for(*, message: PlannedMessage, executed_on: date) -> tuple[ExecutedStep, ...]:
    """The history rows to store once ``message`` is executed: each invoice's own step (marked
    covered when lower than the message's), and each step it jumped over, marked skipped."""
    rows: list[ExecutedStep] = []
    for invoice in message.invoices:
        rows.append(
            ExecutedStep(
                item_id=invoice.item_id,
                scenario_code=message.scenario_code,
                step_code=invoice.step_code or message.step_code,
                executed_on=executed_on,
                covered=invoice.covered,
            )
        )
        rows.extend(
            ExecutedStep(
                item_id=invoice.item_id,
                scenario_code=message.scenario_code,
                step_code=code,
                executed_on=executed_on,
                skipped=True,
            )
            for code in invoice.skipped_step_codes
        )
    return tuple(rows)
