"""What one app tells another without importing it: one ``Protocol`` per contract, one slot each.

An app that *provides* registers a function in its ``AppConfig.ready()`` (``SLOT.register(f)``,
never by the side effect of importing a module); an app that *consumes* calls the accessor
below. With no provider the accessor returns an empty answer (or None: "not known") and the
consumer says the figure is not available: never a guess, never a hard-coded value. Every
answer is made of values (dataclasses, mappings and sets of ids and Decimals), never another
app's QuerySet: the consumer must not re-aggregate a table it does not own.

===================  ======================================  ===================================================
Contract (slot)      Provider app(s)                         Consumer app(s)
===================  ======================================  ===================================================
GRADES               risk                                    insurance (cover requests), forecast (feature),
                                                             collections (worklist)
PAYMENT_PREDICTIONS  forecast                                no consumer yet (the item lists use ITEM_COLUMNS)
DUNNING_HISTORY      collections                             forecast (adaptive dunning, feature),
                                                             disputes (committees)
DUNNING_TIMING       collections                             forecast (an approved adaptive-dunning suggestion)
FACTORED_ITEMS       insurance (factoring)                   collections (the reminder says: pay the factor)
COVERS               insurance                               risk (limit proposal, exposure, checks, daily run)
WORK_TASKS *         insurance, disputes                     collections (worklist)
DISPUTED_AMOUNTS     disputes                                reports (aged balance), collections (planning),
                                                             forecast (dispute feature)
LITIGATION           collections                             reports (KPIs, series)
LAST_ACTIONS *       collections                             reports (weekly), disputes (committees)
DISPUTES_REPORT      disputes                                reports (weekly)
ALERTS *             risk, sales, collections, cash,         reports (dashboard)
                     disputes, reports (the ledger's own),
                     insurance
WEEKLY_SECTIONS *    collections, insurance                  reports (weekly)
CUSTOMER_PANELS *    collections, risk, disputes, reports,   ledger (customer page)
                     sales, forecast, insurance, cash
ITEM_COLUMNS *       forecast                                ledger (item lists)
===================  ======================================  ===================================================

``*``: any number of providers (``Many``), called in their registration ``order``; the others
are a ``Slot`` (one provider). Each signature is the ``Protocol`` below.

All provider signatures are keyword-only except the two page extensions (panels, item columns),
which take positional ``(request, customer, as_of)`` and ``(items, as_of)``. ``customers`` is a
``QuerySet`` of ``ledger.Customer`` (the ledger is the shared kernel every app may read): the
scope the consumer asks about, not data handed out.

Not here, and why: background job handlers stay in ``encours.jobs`` (``register_job``: a table
keyed by job kind that the jobs app owns and runs, with the capability needed to start each
kind, not a contract between two apps); the demo loaders stay in ``encours.ledger.services.demo``
(``demo_hook``: steps of the ledger's demo load, taking its ``DemoContext``). Both still
register with a decorator when ``ready()`` imports the app's ``jobs`` / ``demo`` module. Bench
figures are found by convention (``<app>/bench.py``'s ``BENCHMARKS``, imported only by ``make
bench`` so that starting Django never pays for them).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import HttpRequest

    from encours.audit.actors import Actor

P = TypeVar("P")


class Slot(Generic[P]):
    """One provider at most; registering again replaces it (tests, reloads)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.provider: P | None = None

    def register(self, provider: P) -> P:
        self.provider = provider
        return provider

    def get(self) -> P | None:
        return self.provider

    def clear(self) -> None:
        self.provider = None

    @property
    def provided(self) -> bool:
        return self.provider is not None

    def _state(self) -> Any:
        return self.provider

    def _restore(self, state: Any) -> None:
        self.provider = state

    def __repr__(self) -> str:
        return f"<Slot {self.name}: {self.provider!r}>"


class Many(Generic[P]):
    """Any number of providers, called in ``order`` (then registration order); registering the
    same provider twice is a no-op."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.entries: list[tuple[int, P]] = []

    def register(self, provider: P, *, order: int = 0) -> P:
        if all(existing is not provider for _, existing in self.entries):
            self.entries.append((order, provider))
            self.entries.sort(key=lambda entry: entry[0])
        return provider

    def all(self) -> tuple[P, ...]:
        return tuple(provider for _, provider in self.entries)

    @property
    def provided(self) -> bool:
        return bool(self.entries)

    def _state(self) -> Any:
        return list(self.entries)

    def _restore(self, state: Any) -> None:
        self.entries[:] = state

    def __repr__(self) -> str:
        return f"<Many {self.name}: {len(self.entries)} providers>"


# --- values -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GradeInfo:
    """A customer's combined risk grade (A best … E worst) and its 0–100 score."""

    letter: str
    score: Decimal | None = None
    credit_limit: Decimal | None = None
    currency: str = "EUR"
    url: str = ""


@dataclass(frozen=True, slots=True)
class PaymentPrediction:
    """When an open invoice is expected to be paid, and how likely it is to be > 30 days late.

    ``source`` is "model" when the trained model beat the baseline, else "baseline".
    """

    expected_on: date
    days_late: int
    late_probability: Decimal | None
    source: str


@dataclass(frozen=True, slots=True)
class DunningEvent:
    """One executed dunning step for a customer, with the invoices it covered."""

    customer_id: int
    item_ids: tuple[int, ...]
    step_code: str
    step_label: str
    step_order: int
    channel: str
    on: date
    amount: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class FactoringInfo:
    """Where the payment of a factored invoice must go."""

    factor_name: str
    iban: str = ""
    contract_reference: str = ""


@dataclass(frozen=True, slots=True)
class CoverInfo:
    """The credit-insurance cover in force for a buyer."""

    granted: Decimal
    currency: str
    insurer: str
    expires_on: date | None = None
    url: str = ""


@dataclass(frozen=True, slots=True)
class WorkTask:
    """A line of the collector's worklist contributed by another app (e.g. a claim deadline)."""

    customer_id: int
    due_on: date
    title: str
    detail: str = ""
    url: str = ""
    source: str = ""
    priority: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class LastAction:
    """The latest thing done to collect from a customer: 'Formal notice sent', 'Call: promise'."""

    on: date
    label: str
    url: str = ""


@dataclass(frozen=True, slots=True)
class DisputeReasonLine:
    """Disputes of one reason: open ones (count, amount) and those resolved in the window."""

    reason: str
    label: str
    open_count: int
    open_amount: Decimal
    resolved_count: int = 0
    average_resolution_days: Decimal | None = None


@dataclass(frozen=True, slots=True)
class DisputesSummary:
    currency: str
    by_reason: tuple[DisputeReasonLine, ...]
    opened_since: int = 0
    resolved_since: int = 0
    average_resolution_days: Decimal | None = None
    median_resolution_days: Decimal | None = None
    overdue_sla_count: int = 0

    @property
    def open_count(self) -> int:
        return sum(line.open_count for line in self.by_reason)

    @property
    def open_amount(self) -> Decimal:
        return sum((line.open_amount for line in self.by_reason), Decimal(0))


@dataclass(frozen=True, slots=True)
class Alert:
    """One line of the dashboard's alerts area; ``severity`` is a badge class: bad, warn, info."""

    severity: str
    title: str
    detail: str = ""
    url: str = ""
    count: int | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class LitigationSpan:
    """An item in litigation (or with a collection agency) from ``opened_on`` until the day
    before ``closed_on`` (None: still there)."""

    item_id: int
    opened_on: date
    closed_on: date | None = None

    def on(self, day: date) -> bool:
        return self.opened_on <= day and (self.closed_on is None or self.closed_on > day)


@dataclass(frozen=True, slots=True)
class WeeklySection:
    """A section another app adds to the weekly report: a title and (label, value) lines."""

    key: str
    title: str
    lines: tuple[tuple[str, str], ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class Panel:
    """A card of the customer page: a template and its context."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    slot: str = "main"  # "header" (facts beside the identity) or "main" (sections below)


@dataclass(frozen=True, slots=True)
class ItemAnnotation:
    """One cell an app adds to an invoice row of the ledger's item lists."""

    text: str
    badge: str = ""  # a badge class (ok, warn, bad, info) or "" for plain text
    title: str = ""  # the tooltip: the figures behind the cell


# --- the contracts --------------------------------------------------------------------------


class GradesProvider(Protocol):
    def __call__(self, *, customer_ids: Sequence[int], as_of: date) -> Mapping[int, GradeInfo]: ...


class PaymentPredictionsProvider(Protocol):
    """Open invoices only."""

    def __call__(self, *, item_ids: Sequence[int], as_of: date) -> Mapping[int, PaymentPrediction]: ...


class DunningHistoryProvider(Protocol):
    """Every executed step, oldest first; ``customer_ids`` None = every customer."""

    def __call__(self, *, customer_ids: Sequence[int] | None, since: date, until: date) -> Iterable[DunningEvent]: ...


class DunningTimingApplier(Protocol):
    """Moves a customer's dunning earlier (negative shift) or later and optionally prefers a
    channel ("email", "letter", "call"); checks ``user``'s capability and audits."""

    def __call__(self, *, customer_id: int, shift_days: int, channel: str | None, user: Actor, reason: str) -> None: ...


class FactoredItemsProvider(Protocol):
    """The items assigned to a factor and not returned."""

    def __call__(self, *, item_ids: Sequence[int], as_of: date) -> Mapping[int, FactoringInfo]: ...


class CoversProvider(Protocol):
    """The buyer cover in force."""

    def __call__(self, *, customer_ids: Sequence[int], as_of: date) -> Mapping[int, CoverInfo]: ...


class WorkTasksProvider(Protocol):
    def __call__(self, *, customers: QuerySet[Any], user: Actor, as_of: date) -> Iterable[WorkTask]: ...


class DisputedAmountsProvider(Protocol):
    """The disputed amount (Decimal > 0, in the item's currency) per ``ledger.Item`` pk, summed
    over every dispute active on ``as_of`` (opened on or before it, not resolved by then);
    only the items of ``item_ids`` when given (ids, or a flat ``values_list`` of the consumer's
    ``ledger.Item`` query). The consumer caps it at the open amount."""

    def __call__(self, *, as_of: date, item_ids: Iterable[int] | None = None) -> Mapping[int, Decimal]: ...


class LitigationProvider(Protocol):
    """Every hand-over of a ``ledger.Item`` to litigation or a collection agency on or before
    ``until``, with the day it came back (``closed_on``, even after ``until``; None: still there)."""

    def __call__(self, *, until: date) -> Iterable[LitigationSpan]: ...


class LastActionsProvider(Protocol):
    """The latest collection action on or before ``as_of`` per customer."""

    def __call__(self, *, customer_ids: Sequence[int], as_of: date) -> Mapping[int, LastAction]: ...


class DisputesReportProvider(Protocol):
    """Disputes by reason for the weekly report (``since`` = start of the week reported)."""

    def __call__(self, *, customers: QuerySet[Any], as_of: date, since: date) -> DisputesSummary: ...


class AlertProvider(Protocol):
    def __call__(self, *, customers: QuerySet[Any], user: Actor, as_of: date) -> Iterable[Alert]: ...


class WeeklySectionProvider(Protocol):
    def __call__(self, *, customers: QuerySet[Any], as_of: date, since: date) -> WeeklySection | None: ...


class CustomerPanelProvider(Protocol):
    def __call__(self, request: HttpRequest, customer: Any, as_of: date, /) -> Panel | None: ...


class ItemAnnotator(Protocol):
    """Reads all the items at once (one query, no N+1)."""

    def __call__(self, items: list[Any], as_of: date, /) -> dict[int, ItemAnnotation]: ...


@dataclass(frozen=True, slots=True)
class ItemColumn:
    """A column of the ledger's item lists: its header and the function filling its cells."""

    header: Any  # a (lazy) translated string
    annotate: ItemAnnotator


GRADES: Slot[GradesProvider] = Slot("grades")
PAYMENT_PREDICTIONS: Slot[PaymentPredictionsProvider] = Slot("payment predictions")
DUNNING_HISTORY: Slot[DunningHistoryProvider] = Slot("dunning history")
DUNNING_TIMING: Slot[DunningTimingApplier] = Slot("dunning timing")
FACTORED_ITEMS: Slot[FactoredItemsProvider] = Slot("factored items")
COVERS: Slot[CoversProvider] = Slot("covers")
WORK_TASKS: Many[WorkTasksProvider] = Many("work tasks")
DISPUTED_AMOUNTS: Slot[DisputedAmountsProvider] = Slot("disputed amounts")
LITIGATION: Slot[LitigationProvider] = Slot("litigation")
LAST_ACTIONS: Many[LastActionsProvider] = Many("last actions")
DISPUTES_REPORT: Slot[DisputesReportProvider] = Slot("disputes report")
ALERTS: Many[AlertProvider] = Many("alerts")
WEEKLY_SECTIONS: Many[WeeklySectionProvider] = Many("weekly sections")
CUSTOMER_PANELS: Many[CustomerPanelProvider] = Many("customer panels")
ITEM_COLUMNS: Many[ItemColumn] = Many("item columns")

SLOTS: tuple[Slot[Any] | Many[Any], ...] = (
    GRADES,
    PAYMENT_PREDICTIONS,
    DUNNING_HISTORY,
    DUNNING_TIMING,
    FACTORED_ITEMS,
    COVERS,
    WORK_TASKS,
    DISPUTED_AMOUNTS,
    LITIGATION,
    LAST_ACTIONS,
    DISPUTES_REPORT,
    ALERTS,
    WEEKLY_SECTIONS,
    CUSTOMER_PANELS,
    ITEM_COLUMNS,
)


@contextmanager
def restored() -> Iterator[None]:
    """Every slot as it was on entry, after the block (tests that swap a provider)."""
    states = [(slot, slot._state()) for slot in SLOTS]
    try:
        yield
    finally:
        for slot, state in states:
            slot._restore(state)


# --- the accessors (what consumers call) ----------------------------------------------------


def grades(*, customer_ids: Sequence[int], as_of: date) -> Mapping[int, GradeInfo]:
    provider = GRADES.provider
    return provider(customer_ids=customer_ids, as_of=as_of) if provider else {}


def payment_predictions(*, item_ids: Sequence[int], as_of: date) -> Mapping[int, PaymentPrediction]:
    provider = PAYMENT_PREDICTIONS.provider
    return provider(item_ids=item_ids, as_of=as_of) if provider else {}


def dunning_history(*, customer_ids: Sequence[int] | None, since: date, until: date) -> list[DunningEvent]:
    provider = DUNNING_HISTORY.provider
    return list(provider(customer_ids=customer_ids, since=since, until=until)) if provider else []


def can_apply_dunning_timing() -> bool:
    return DUNNING_TIMING.provided


def apply_dunning_timing(*, customer_id: int, shift_days: int, channel: str | None, user: Actor, reason: str) -> None:
    provider = DUNNING_TIMING.provider
    if provider is None:
        raise LookupError("no app applies dunning timings (the collections app is not installed)")
    provider(customer_id=customer_id, shift_days=shift_days, channel=channel, user=user, reason=reason)


def factored_items(*, item_ids: Sequence[int], as_of: date) -> Mapping[int, FactoringInfo]:
    provider = FACTORED_ITEMS.provider
    return provider(item_ids=item_ids, as_of=as_of) if provider else {}


def covers(*, customer_ids: Sequence[int], as_of: date) -> Mapping[int, CoverInfo]:
    provider = COVERS.provider
    return provider(customer_ids=customer_ids, as_of=as_of) if provider else {}


def work_tasks(*, customers: QuerySet[Any], user: Actor, as_of: date) -> list[WorkTask]:
    tasks: list[WorkTask] = []
    for provider in WORK_TASKS.all():
        tasks.extend(provider(customers=customers, user=user, as_of=as_of))
    return sorted(tasks, key=lambda task: (task.due_on, -task.priority))


def disputed_amounts(*, as_of: date, item_ids: Iterable[int] | None = None) -> Mapping[int, Decimal] | None:
    """None when no app knows disputes (the figure is "not available", not zero)."""
    provider = DISPUTED_AMOUNTS.provider
    return provider(as_of=as_of, item_ids=item_ids) if provider else None


def litigation_items(*, as_of: date) -> frozenset[int] | None:
    """The items in litigation on ``as_of``; None when no app knows litigation."""
    found = litigation_items_on(days=(as_of,))
    return None if found is None else found[as_of]


def litigation_items_on(*, days: Sequence[date]) -> dict[date, frozenset[int]] | None:
    """The items in litigation on each of ``days`` (one call to the provider); None when no app
    knows litigation."""
    provider = LITIGATION.provider
    if provider is None:
        return None
    spans = tuple(provider(until=max(days))) if days else ()
    return {day: frozenset(span.item_id for span in spans if span.on(day)) for day in days}


def last_actions(*, customer_ids: Sequence[int], as_of: date) -> dict[int, LastAction] | None:
    """The latest action per customer from every provider; None when no app provides any."""
    if not LAST_ACTIONS.provided:
        return None
    latest: dict[int, LastAction] = {}
    for provider in LAST_ACTIONS.all():
        for customer_id, action in provider(customer_ids=customer_ids, as_of=as_of).items():
            if customer_id not in latest or action.on > latest[customer_id].on:
                latest[customer_id] = action
    return latest


def disputes_report(*, customers: QuerySet[Any], as_of: date, since: date) -> DisputesSummary | None:
    provider = DISPUTES_REPORT.provider
    return provider(customers=customers, as_of=as_of, since=since) if provider else None


def alerts(*, customers: QuerySet[Any], user: Actor, as_of: date) -> list[Alert]:
    found: list[Alert] = []
    for provider in ALERTS.all():
        found.extend(provider(customers=customers, user=user, as_of=as_of))
    return found


def weekly_sections(*, customers: QuerySet[Any], as_of: date, since: date) -> tuple[WeeklySection, ...]:
    found = (provider(customers=customers, as_of=as_of, since=since) for provider in WEEKLY_SECTIONS.all())
    return tuple(section for section in found if section is not None)


def customer_panels(request: HttpRequest, customer: Any, as_of: date) -> dict[str, list[Panel]]:
    panels: dict[str, list[Panel]] = {"header": [], "main": []}
    for provider in CUSTOMER_PANELS.all():
        panel = provider(request, customer, as_of)
        if panel is not None:
            panels[panel.slot].append(panel)
    return panels


def annotate_items(items: list[Any], as_of: date) -> list[Any]:
    """Set ``item.annotations`` (one cell per registered column, None when empty) on each
    item and return the column headers."""
    columns = ITEM_COLUMNS.all()
    cells = [column.annotate(items, as_of) if items else {} for column in columns]
    for item in items:
        item.annotations = [found.get(item.pk) for found in cells]
    return [column.header for column in columns]
