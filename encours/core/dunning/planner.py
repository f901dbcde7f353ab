"""Dunning planner: which customer gets which step today, for which invoices, and why not.

A run first plans, then executes: ``plan_dunning`` returns one ``PlannedMessage`` per
customer, at the highest step due across its invoices and listing every invoice with a step
due (one letter, one tone, however many invoices are at different stages), plus one
``ItemDecision`` per open invoice saying why it is in or out of the plan. The user's edits (exclude a customer
or an invoice) are fed back as ``excluded_customer_ids`` / ``excluded_item_ids`` and the
plan is simply recomputed. After execution, ``history_rows_for`` gives the rows to store
(the database's unique constraint on invoice and step backs the planner's own rule).

Rules, per open invoice (open amount > 0):

- the due step is the highest step of the customer's scenario whose offset ≤ days past due,
  not executed (nor skipped) for this invoice and later than the last one executed on it:
  dunning never repeats a step and never goes backwards, even if the scenario changed;
  the lower steps it jumps over (late import, paused customer) are marked skipped;
- pre-due steps (offset ≤ 0) only fire while the invoice is not yet overdue;
- no new step within ``min_days_between_steps`` days of the last message on the invoice;
- the disputed part leaves dunning (only the undisputed part counts; fully disputed →
  out); an invoice under a pending promise is out until promised date + grace;
- after a failed promise, dunning resumes at the step right after the last executed one;
- a paused customer (``paused_until`` included) or an excluded customer/invoice → nothing;
- a step's ``min_amount`` applies to the customer's undisputed total at that step, in the
  functional currency;
- the customer's message goes out at the highest step that reaches its minimum; the invoices
  due for a lower step are listed in it and their step recorded as covered (never sent
  later); those due for a higher step below its minimum stay out, with that reason;
- the customer's credit notes and unapplied cash are shown in each message but do not
  net the planned invoices: they are not allocated to them, and dunning does not decide
  allocations.

>>> from datetime import date
>>> from encours.core.money import D
>>> customer = DunningCustomer(customer_id=1, name="Acme", category="sme",
...     contacts=(Contact(contact_id=5, name="AP", email="ap@acme.fr", is_dunning_contact=True),))
>>> item = OpenItem(item_id=10, customer_id=1, number="F-10", document_date=date(2026, 1, 1),
...     due_date=date(2026, 1, 31), open_amount=D("1200"))
>>> plan = plan_dunning(as_of=date(2026, 2, 16), customers=[customer], items=[item])
>>> [(m.step_code, m.total_functional, m.contact.email) for m in plan.messages]
[('second_reminder', Decimal('1200.00'), 'ap@acme.fr')]
>>> plan.messages[0].invoices[0].skipped_step_codes
('friendly_reminder',)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from encours.core.dunning.model import (
    DEFAULT_SETTINGS,
    Contact,
    CustomerCredit,
    Decision,
    DunningCustomer,
    DunningOverride,
    DunningPlan,
    DunningSettings,
    ExecutedStep,
    Id,
    ItemDecision,
    OpenItem,
    PlannedInvoice,
    PlannedMessage,
    history_rows_for,
    message_actions,
)
from encours.core.dunning.penalties import LateInvoice, MissingRate, PenaltyStatement, penalty_statement
from encours.core.dunning.promises import (
    PromiseAssessment,
    PromisePayment,
    PromiseToPay,
    assess_promises,
    failed_promise_by_item,
)
from encours.core.dunning.scenarios import (
    DEFAULT_SCENARIOS,
    Channel,
    Scenario,
    Step,
    StepAction,
    scenario_for_category,
)
from encours.core.errors import ValidationFailed
from encours.core.money import ZERO, Money, quantize

__all__ = [
    "DEFAULT_SCENARIOS",
    "DEFAULT_SETTINGS",
    "Channel",
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
    "Scenario",
    "Step",
    "StepAction",
    "history_rows_for",
    "message_actions",
    "plan_dunning",
    "scenario_for_category",
]


@dataclass(slots=True, kw_only=True)
class _Context:
    as_of: date
    settings: DunningSettings
    customers: dict[Id, DunningCustomer]
    scenarios: dict[str, Scenario]
    history: dict[Id, list[ExecutedStep]]
    protected: dict[Id, PromiseAssessment]
    failed: dict[Id, PromiseAssessment]
    excluded_customers: frozenset[Id]
    excluded_items: frozenset[Id]
    credits: dict[Id, list[CustomerCredit]] = field(default_factory=dict)
    scenario_cache: dict[Id, Scenario | None] = field(default_factory=dict)

    def scenario_of(self, customer: DunningCustomer) -> Scenario | None:
        if customer.customer_id not in self.scenario_cache:
            code = customer.override.scenario_code
            self.scenario_cache[customer.customer_id] = (
                self.scenarios.get(code)
                if code is not None
                else scenario_for_category(customer.category, self.scenarios.values())
            )
        return self.scenario_cache[customer.customer_id]

    def offset_of(self, row: ExecutedStep) -> int | None:
        scenario = self.scenarios.get(row.scenario_code)
        step = scenario.find_step(row.step_code) if scenario is not None else None
        return step.offset_days if step is not None else None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Candidate:
    item: OpenItem
    scenario: Scenario
    step: Step
    days_past_due: int
    dunned: Decimal
    dunned_functional: Decimal
    skipped: tuple[str, ...]
    resumed_after: PromiseAssessment | None


def plan_dunning(
    *,
    as_of: date,
    customers: Iterable[DunningCustomer],
    items: Iterable[OpenItem],
    history: Iterable[ExecutedStep] = (),
    promises: Iterable[PromiseToPay] = (),
    promise_payments: Iterable[PromisePayment] = (),
    scenarios: Sequence[Scenario] = DEFAULT_SCENARIOS,
    excluded_customer_ids: Iterable[Id] = (),
    excluded_item_ids: Iterable[Id] = (),
    settings: DunningSettings = DEFAULT_SETTINGS,
) -> DunningPlan:
    """Plan today's dunning run (see the module docstring for the rules)."""
    assessments = assess_promises(
        promises=promises, payments=promise_payments, as_of=as_of, tolerance=settings.promise_tolerance
    )
    context = _context(as_of, settings, customers, scenarios, history, assessments)
    context.excluded_customers = frozenset(excluded_customer_ids)
    context.excluded_items = frozenset(excluded_item_ids)
    decisions, groups = _decide_items(context, items)
    messages = _compose_messages(context, groups, decisions)
    failed = tuple(a for a in assessments if a.status.failed)
    return DunningPlan(as_of=as_of, messages=messages, decisions=tuple(decisions), failed_promises=failed)


_Groups = dict[tuple[Id, str, str], list["_Candidate"]]


def _decide_items(context: _Context, items: Iterable[OpenItem]) -> tuple[list[ItemDecision], _Groups]:
    """A decision for each invoice out of the plan; the others grouped by customer and step."""
    decisions: list[ItemDecision] = []
    groups: _Groups = defaultdict(list)
    for item in items:
        if item.open_amount <= 0:
            _collect_credit(context, item)
            continue
        outcome = _decide_item(context, item)
        if isinstance(outcome, ItemDecision):
            decisions.append(outcome)
        else:
            groups[(item.customer_id, outcome.scenario.code, outcome.step.code)].append(outcome)
    return decisions, groups


def _compose_messages(context: _Context, groups: _Groups, decisions: list[ItemDecision]) -> tuple[PlannedMessage, ...]:
    """One message per customer at its highest step reaching its minimum; decisions for all."""
    by_customer: dict[Id, list[list[_Candidate]]] = defaultdict(list)
    for (customer_id, _, _), candidates in groups.items():
        by_customer[customer_id].append(candidates)
    messages: list[PlannedMessage] = []
    for customer_id, step_groups in by_customer.items():
        customer = context.customers[customer_id]
        message, outcome_decisions = _customer_message(context, customer, step_groups)
        if message is not None:
            messages.append(message)
        decisions.extend(outcome_decisions)
    messages.sort(key=lambda m: (m.customer_name, str(m.customer_id), m.step_order))
    return tuple(messages)


def _context(
    as_of: date,
    settings: DunningSettings,
    customers: Iterable[DunningCustomer],
    scenarios: Sequence[Scenario],
    history: Iterable[ExecutedStep],
    assessments: Sequence[PromiseAssessment],
) -> _Context:
    by_item: dict[Id, list[ExecutedStep]] = defaultdict(list)
    for row in history:
        by_item[row.item_id].append(row)
    protected = {item_id: a for a in assessments for item_id in a.protected_item_ids}
    return _Context(
        as_of=as_of,
        settings=settings,
        customers={c.customer_id: c for c in customers},
        scenarios={s.code: s for s in scenarios},
        history=by_item,
        protected=protected,
        failed=failed_promise_by_item(assessments),
        excluded_customers=frozenset(),
        excluded_items=frozenset(),
    )


def _collect_credit(context: _Context, item: OpenItem) -> None:
    if item.open_amount < 0:
        credit = CustomerCredit(
            item_id=item.item_id,
            number=item.number,
            document_date=item.document_date,
            open_amount=item.open_amount,
            currency=item.currency,
        )
        context.credits.setdefault(item.customer_id, []).append(credit)


def _out(
    item: OpenItem,
    decision: Decision,
    reason: str,
    *,
    step_code: str | None = None,
    next_step_code: str | None = None,
    next_step_on: date | None = None,
) -> ItemDecision:
    return ItemDecision(
        item_id=item.item_id,
        customer_id=item.customer_id,
        number=item.number,
        decision=decision,
        reason=reason,
        step_code=step_code,
        next_step_code=next_step_code,
        next_step_on=next_step_on,
    )


def _decide_item(context: _Context, item: OpenItem) -> ItemDecision | _Candidate:
    """The first reason that keeps the invoice out, else the step it is due for."""
    customer = context.customers.get(item.customer_id)
    if customer is None:
        return _out(item, Decision.UNKNOWN_CUSTOMER, f"customer {item.customer_id} is not part of this run")
    if customer.customer_id in context.excluded_customers:
        return _out(item, Decision.EXCLUDED_CUSTOMER, f"{customer.name} excluded from this run by the user")
    if item.item_id in context.excluded_items:
        return _out(item, Decision.EXCLUDED_ITEM, f"invoice {item.number} excluded from this run by the user")
    paused_until = customer.override.paused_until
    if paused_until is not None and context.as_of <= paused_until:
        reason = f"dunning of {customer.name} paused until {paused_until:%d/%m/%Y}"
        return _out(item, Decision.CUSTOMER_PAUSED, reason)
    scenario = context.scenario_of(customer)
    if scenario is None:
        wanted = customer.override.scenario_code or f"category {customer.category!r}"
        return _out(item, Decision.NO_SCENARIO, f"no dunning scenario found for {wanted}")
    dunned = item.open_amount - item.disputed_amount
    if dunned <= 0:
        reason = f"invoice {item.number} in dispute for {item.disputed_amount} {item.currency}: out of dunning"
        return _out(item, Decision.DISPUTED, reason)
    promise = context.protected.get(item.item_id)
    if promise is not None:
        return _out(item, Decision.PROMISED, promise.reason, next_step_on=promise.promise.broken_on)
    return _choose_step(context, item, scenario, dunned)


def _choose_step(context: _Context, item: OpenItem, scenario: Scenario, dunned: Decimal) -> ItemDecision | _Candidate:
    as_of = context.as_of
    days_past_due = (as_of - item.due_date).days
    rows = context.history.get(item.item_id, [])
    done = {(row.scenario_code, row.step_code) for row in rows}
    offsets = [offset for row in rows if (offset := context.offset_of(row)) is not None]
    progress = max(offsets) if offsets else None
    remaining = [
        step
        for step in scenario.steps
        if (scenario.code, step.code) not in done
        and (progress is None or step.offset_days > progress)
        and (not step.pre_due or days_past_due <= 0)
    ]
    eligible = [step for step in remaining if step.offset_days <= days_past_due]
    if not eligible:
        return _waiting(item, scenario, remaining, days_past_due)
    sent = [row.executed_on for row in rows if not row.skipped]
    last_sent = max(sent) if sent else None
    gap = context.settings.min_days_between_steps
    if last_sent is not None and (as_of - last_sent).days < gap:
        next_on = last_sent + timedelta(days=gap)
        reason = f"last message on {last_sent:%d/%m/%Y}: next one not before {next_on:%d/%m/%Y}"
        return _out(item, Decision.TOO_SOON, reason, next_step_code=eligible[-1].code, next_step_on=next_on)
    resumed_after = _failed_promise_since(context, item, last_sent)
    # after a failed promise, the step right after the last one executed; else the highest due
    step = eligible[0] if resumed_after is not None else eligible[-1]
    skipped = tuple(s.code for s in remaining if s.offset_days < step.offset_days)
    functional = item.functional_open * dunned / item.open_amount
    return _Candidate(
        item=item,
        scenario=scenario,
        step=step,
        days_past_due=days_past_due,
        dunned=dunned,
        dunned_functional=functional,
        skipped=skipped,
        resumed_after=resumed_after,
    )


def _failed_promise_since(context: _Context, item: OpenItem, last_sent: date | None) -> PromiseAssessment | None:
    """The promise that failed on this invoice since its last message, if any."""
    failed = context.failed.get(item.item_id)
    if failed is None or failed.broken_on is None or failed.broken_on > context.as_of:
        return None
    if last_sent is not None and last_sent >= failed.broken_on:
        return None
    return failed


def _waiting(item: OpenItem, scenario: Scenario, remaining: list[Step], days_past_due: int) -> ItemDecision:
    if not remaining:
        reason = f"all steps of scenario {scenario.code} done or passed for invoice {item.number}"
        return _out(item, Decision.SCENARIO_COMPLETE, reason)
    upcoming = remaining[0]
    on = item.due_date + timedelta(days=upcoming.offset_days)
    state = f"{days_past_due} days past due" if days_past_due > 0 else "not yet due"
    reason = f"invoice {item.number} {state}: next step {upcoming.label()} on {on:%d/%m/%Y}"
    return _out(item, Decision.NO_STEP_DUE, reason, next_step_code=upcoming.code, next_step_on=on)


def _below_minimum(context: _Context, customer: DunningCustomer, candidates: list[_Candidate]) -> str | None:
    """Why the customer's invoices at this step are not worth the step, if they are not."""
    step, currency = candidates[0].step, context.settings.functional_currency
    total = quantize(sum((c.dunned_functional for c in candidates), ZERO), currency)
    if total >= step.min_amount:
        return None
    return (
        f"{customer.name} owes {total} {currency} at step {step.code}, "
        f"below its minimum of {step.min_amount} {currency}"
    )


def _customer_message(
    context: _Context, customer: DunningCustomer, step_groups: list[list[_Candidate]]
) -> tuple[PlannedMessage | None, list[ItemDecision]]:
    """The message at the highest step reaching its minimum, listing the lower ones too (even
    below their own minimum: the message goes anyway); the higher ones stay out, below minimum."""
    reasons = {id(group): _below_minimum(context, customer, group) for group in step_groups}
    worth = [group for group in step_groups if reasons[id(group)] is None]
    top = max(worth, key=lambda group: group[0].step.order)[0] if worth else None
    listed: list[_Candidate] = []
    exclusions: list[ItemDecision] = []
    for group in step_groups:
        step = group[0].step
        if top is not None and step.order <= top.step.order:
            listed.extend(group)
        else:
            reason = reasons[id(group)] or ""
            exclusions.extend(_out(c.item, Decision.BELOW_MINIMUM, reason, step_code=step.code) for c in group)
    if top is None:
        return None, exclusions
    message, planned = _message(context, customer, top, listed)
    return message, [*exclusions, *planned]


def _message(
    context: _Context, customer: DunningCustomer, top: _Candidate, candidates: list[_Candidate]
) -> tuple[PlannedMessage, list[ItemDecision]]:
    step, scenario = top.step, top.scenario
    currency = context.settings.functional_currency
    total = quantize(sum((c.dunned_functional for c in candidates), ZERO), currency)
    candidates = sorted(candidates, key=lambda c: (c.item.due_date, c.item.number))
    invoices = tuple(_planned_invoice(c, covered_by=step if c.step.code != step.code else None) for c in candidates)
    contact, deliverable, warnings = _pick_contact(customer, step.channel)
    penalties = None
    if StepAction.PENALTY_CLAIM in {step.action, *(c.step.action for c in candidates)}:
        late = [c for c in candidates if c.days_past_due > 0]
        penalties, penalty_warnings = _message_penalties(context, customer, late)
        warnings += penalty_warnings
    credits = tuple(context.credits.get(customer.customer_id, ()))
    covered = sorted({c.step.code for c in candidates if c.step.code != step.code})
    reason = (
        f"{len(invoices)} invoice(s) of {customer.name}, highest step {step.label()} of scenario "
        f"{scenario.code}: {total} {currency}"
        + (f"; covers {', '.join(covered)}" if covered else "")
        + (f"; credits of {_describe(credits)} shown, not deducted" if credits else "")
    )
    message = PlannedMessage(
        customer_id=customer.customer_id,
        customer_name=customer.name,
        scenario_code=scenario.code,
        step_code=step.code,
        step_order=step.order,
        channel=step.channel,
        template_code=step.template_code,
        action=step.action,
        language=customer.override.language or customer.language,
        contact=contact,
        invoices=invoices,
        totals=_totals((i.currency, i.dunned_amount) for i in invoices),
        total_functional=total,
        credits=credits,
        credit_totals=_totals((c.currency, c.open_amount) for c in credits),
        penalties=penalties,
        deliverable=deliverable,
        reason=reason,
        warnings=warnings,
    )
    planned = [
        _out(candidate.item, Decision.PLANNED, invoice.reason, step_code=candidate.step.code)
        for candidate, invoice in zip(candidates, invoices, strict=True)
    ]
    return message, planned


def _planned_invoice(candidate: _Candidate, covered_by: Step | None = None) -> PlannedInvoice:
    item, step = candidate.item, candidate.step
    reason = f"invoice {item.number} {candidate.days_past_due} days past due: step {step.label()}"
    if covered_by is not None:
        reason += f", covered by the customer's {covered_by.code} message"
    if candidate.resumed_after is not None:
        reason += f", resuming after {candidate.resumed_after.reason}"
    if candidate.skipped:
        reason += f"; skipped {', '.join(candidate.skipped)}"
    if item.disputed_amount > 0:
        reason += f"; {item.disputed_amount} {item.currency} in dispute left out"
    return PlannedInvoice(
        item_id=item.item_id,
        number=item.number,
        document_date=item.document_date,
        due_date=item.due_date,
        days_past_due=candidate.days_past_due,
        open_amount=item.open_amount,
        disputed_amount=item.disputed_amount,
        dunned_amount=quantize(candidate.dunned, item.currency),
        dunned_amount_functional=candidate.dunned_functional,
        currency=item.currency,
        skipped_step_codes=candidate.skipped,
        resumed_after_promise_id=candidate.resumed_after.promise.promise_id if candidate.resumed_after else None,
        reason=reason,
        step_code=step.code,
        action=step.action,
        covered=covered_by is not None,
    )


def _pick_contact(customer: DunningCustomer, channel: Channel) -> tuple[Contact | None, bool, tuple[str, ...]]:
    """Preferred contact, then dunning contacts, then anyone, who can be reached on ``channel``."""
    preferred_id = customer.override.preferred_contact_id
    preferred = [c for c in customer.contacts if c.contact_id == preferred_id]
    ordered = [*preferred, *(c for c in customer.contacts if c.is_dunning_contact), *customer.contacts]
    warnings: list[str] = []
    if preferred_id is not None and not preferred:
        warnings.append(f"preferred contact {preferred_id} not found among {customer.name}'s contacts")
    if channel is Channel.LETTER:
        if not customer.has_postal_address:
            return (
                (ordered[0] if ordered else None),
                False,
                (*warnings, f"no postal address for {customer.name}"),
            )
        return (ordered[0] if ordered else None), True, tuple(warnings)
    need = "email" if channel is Channel.EMAIL else "phone"
    reachable = [c for c in ordered if getattr(c, need)]
    if not reachable:
        return None, False, (*warnings, f"no {need} for any contact of {customer.name}")
    if preferred and reachable[0] is not preferred[0]:
        warnings.append(f"preferred contact {preferred[0].name} has no {need}; using {reachable[0].name}")
    return reachable[0], True, tuple(warnings)


def _message_penalties(
    context: _Context, customer: DunningCustomer, candidates: list[_Candidate]
) -> tuple[PenaltyStatement | None, tuple[str, ...]]:
    """Penalties to print on a formal notice: on the undisputed part of each invoice.

    A missing rate or an inconsistent payment history becomes a warning, not a failed run.
    """
    settings = context.settings
    try:
        late = [_late_invoice(candidate.item) for candidate in candidates]
        statement = penalty_statement(
            invoices=[invoice for invoice in late if invoice is not None],
            as_of=context.as_of,
            terms=customer.penalty_terms,
            mro_rates=settings.mro_rates,
            legal_rates=settings.legal_rates,
        )
    except (MissingRate, ValidationFailed) as exc:
        return None, (f"penalties not computed: {exc}",)
    provisional = any(line.provisional_rate for p in statement.invoices for line in p.lines)
    return statement, (("penalty rate table not up to date: last known rate used",) if provisional else ())


def _late_invoice(item: OpenItem) -> LateInvoice | None:
    original = item.original_amount if item.original_amount is not None else item.open_amount
    settlements = item.settlements if item.original_amount is not None else ()
    amount = original - item.disputed_amount
    if amount <= 0:
        return None
    return LateInvoice(
        item_id=item.item_id,
        number=item.number,
        due_date=item.due_date,
        amount=amount,
        currency=item.currency,
        settlements=settlements,
        interest_invoiced_until=item.interest_invoiced_until,
        indemnity_invoiced=item.indemnity_invoiced,
    )


def _totals(amounts: Iterable[tuple[str, Decimal]]) -> tuple[Money, ...]:
    totals: dict[str, Decimal] = {}
    for currency, amount in amounts:
        totals[currency] = totals.get(currency, ZERO) + amount
    return tuple(Money(amount=amount, currency=currency) for currency, amount in sorted(totals.items()))


def _describe(credits: tuple[CustomerCredit, ...]) -> str:
    return ", ".join(f"{m.amount} {m.currency}" for m in _totals((c.currency, c.open_amount) for c in credits))
