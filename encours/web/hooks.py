"""What one app tells another without importing it: grades, predictions, dunning history…

Each contract below has one side that *provides* (registers a function from its
``AppConfig.ready()``) and other sides that *consume* (call the accessor here). With no
provider the accessor returns an empty answer and the consumer shows that the figure is not
available: never a guess, never a hard-coded value. Reports' own contracts (disputed amounts,
litigation, last actions, alerts) live in ``encours.reports.registry``.

Contracts (all keyword-only):

- grades — provided by risk: ``(*, customer_ids: Sequence[int], as_of: date) ->
  Mapping[int, GradeInfo]``. Consumed by insurance (cover requests), forecast (feature),
  collections (worklist).
- payment predictions — provided by forecast: ``(*, item_ids: Sequence[int], as_of: date)
  -> Mapping[int, PaymentPrediction]`` for open invoices. Consumed by collections (worklist
  priority) and the invoice lists.
- dunning history — provided by collections: ``(*, customer_ids: Sequence[int] | None,
  since: date, until: date) -> Iterable[DunningEvent]`` (every executed step, oldest first).
  Consumed by forecast (adaptive dunning, dunning-stage feature) and disputes (committees).
- dunning timing — provided by collections: ``(*, customer_id: int, shift_days: int,
  channel: str | None, user, reason: str) -> None`` moves a customer's dunning earlier
  (negative shift) or later and optionally prefers a channel ("email", "letter", "call").
  Called by forecast when the credit manager approves an adaptive-dunning suggestion.
- factored items — provided by insurance (factoring): ``(*, item_ids: Sequence[int],
  as_of: date) -> Mapping[int, FactoringInfo]`` for the items assigned to a factor and not
  returned. Consumed by collections: the reminder says payment goes to the factor.
- covers — provided by insurance: ``(*, customer_ids: Sequence[int], as_of: date) ->
  Mapping[int, CoverInfo]`` the buyer cover in force. Consumed by risk (limit proposal,
  exposure page).
- work tasks — provided by any app (insurance deadlines, dispute follow-ups…): ``(*,
  customers: QuerySet[Customer], user, as_of: date) -> Iterable[WorkTask]``. Consumed by the
  collections worklist, which lists them beside its own call tasks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet


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


GradesProvider = Callable[..., Mapping[int, GradeInfo]]
PredictionsProvider = Callable[..., Mapping[int, PaymentPrediction]]
DunningHistoryProvider = Callable[..., Iterable[DunningEvent]]
DunningTimingApplier = Callable[..., None]
FactoredItemsProvider = Callable[..., Mapping[int, FactoringInfo]]
CoversProvider = Callable[..., Mapping[int, CoverInfo]]
WorkTasksProvider = Callable[..., Iterable[WorkTask]]


class _Slot:
    """One registered function at most; registering again replaces it (tests, reloads)."""

    def __init__(self) -> None:
        self.function: Callable[..., Any] | None = None

    def register(self, function: Callable[..., Any]) -> Callable[..., Any]:
        self.function = function
        return function


_grades = _Slot()
_predictions = _Slot()
_dunning_history = _Slot()
_dunning_timing = _Slot()
_factored_items = _Slot()
_covers = _Slot()
_work_tasks: list[WorkTasksProvider] = []


def grades_provider(function: GradesProvider) -> GradesProvider:
    return _grades.register(function)


def payment_predictions_provider(function: PredictionsProvider) -> PredictionsProvider:
    return _predictions.register(function)


def dunning_history_provider(function: DunningHistoryProvider) -> DunningHistoryProvider:
    return _dunning_history.register(function)


def dunning_timing_applier(function: DunningTimingApplier) -> DunningTimingApplier:
    return _dunning_timing.register(function)


def factored_items_provider(function: FactoredItemsProvider) -> FactoredItemsProvider:
    return _factored_items.register(function)


def covers_provider(function: CoversProvider) -> CoversProvider:
    return _covers.register(function)


def work_tasks_provider(function: WorkTasksProvider) -> WorkTasksProvider:
    if all(existing is not function for existing in _work_tasks):
        _work_tasks.append(function)
    return function


def grades(*, customer_ids: Sequence[int], as_of: date) -> Mapping[int, GradeInfo]:
    return _grades.function(customer_ids=customer_ids, as_of=as_of) if _grades.function else {}


def payment_predictions(*, item_ids: Sequence[int], as_of: date) -> Mapping[int, PaymentPrediction]:
    if _predictions.function is None:
        return {}
    return _predictions.function(item_ids=item_ids, as_of=as_of)


def dunning_history(*, customer_ids: Sequence[int] | None, since: date, until: date) -> list[DunningEvent]:
    if _dunning_history.function is None:
        return []
    return list(_dunning_history.function(customer_ids=customer_ids, since=since, until=until))


def can_apply_dunning_timing() -> bool:
    return _dunning_timing.function is not None


def apply_dunning_timing(*, customer_id: int, shift_days: int, channel: str | None, user: Any, reason: str) -> None:
    if _dunning_timing.function is None:
        raise LookupError("no app applies dunning timings (the collections app is not installed)")
    _dunning_timing.function(customer_id=customer_id, shift_days=shift_days, channel=channel, user=user, reason=reason)


def factored_items(*, item_ids: Sequence[int], as_of: date) -> Mapping[int, FactoringInfo]:
    if _factored_items.function is None:
        return {}
    return _factored_items.function(item_ids=item_ids, as_of=as_of)


def covers(*, customer_ids: Sequence[int], as_of: date) -> Mapping[int, CoverInfo]:
    return _covers.function(customer_ids=customer_ids, as_of=as_of) if _covers.function else {}


def work_tasks(*, customers: QuerySet[Any], user: Any, as_of: date) -> list[WorkTask]:
    tasks: list[WorkTask] = []
    for provider in _work_tasks:
        tasks.extend(provider(customers=customers, user=user, as_of=as_of))
    return sorted(tasks, key=lambda task: (task.due_on, -task.priority))
