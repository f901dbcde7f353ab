"""What other apps tell the reports: disputes, litigation, last actions, dashboard alerts.

The reports compute everything the ledger knows by themselves. What only another app knows
(which invoice is disputed, which account went to litigation, when a customer was last
chased) comes through a provider that app registers here from its ``AppConfig.ready()``.
With no provider the figure is zero and the report says there is no data: never a guess.

Providers (all keyword-only):

- ``@disputed_amounts_provider``: ``(*, as_of: date) -> QuerySet`` of rows with ``item_id``
  (a ``ledger.Item`` pk) and ``amount`` (Decimal > 0, in the item's currency) for every
  dispute active on ``as_of`` (opened on or before it, not resolved by then). Several rows
  per item add up; the report caps the disputed part at the item's open amount.
- ``@litigation_provider``: ``(*, as_of: date) -> QuerySet`` of rows with ``item_id`` for the
  items handed over to litigation or a collection agency on or before ``as_of`` and still
  there. Their open amount as of the date is the "in litigation" part of the unpaid rate.
- ``@last_actions_provider``: ``(*, customer_ids: Sequence[int], as_of: date) ->
  Mapping[int, LastAction]``: the latest collection action on or before ``as_of`` per
  customer. With several providers the most recent action wins.
- ``@disputes_report_provider``: ``(*, customers: QuerySet[Customer], as_of: date,
  since: date) -> DisputesSummary``: disputes by reason with amounts and resolution times
  for the weekly report (``since`` = start of the week being reported).
- ``@alert_provider(order)``: ``(*, customers: QuerySet[Customer], user, as_of: date) ->
  Iterable[Alert]``: lines of the dashboard's alerts area (risk alerts, broken promises,
  dispute escalations…). The reports app registers the ledger's own alerts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

DisputedAmounts = Callable[..., QuerySet[Any]]
LitigationItems = Callable[..., QuerySet[Any]]


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


AlertProvider = Callable[..., Iterable[Alert]]
LastActionsProvider = Callable[..., Mapping[int, LastAction]]
DisputesReportProvider = Callable[..., DisputesSummary]


@dataclass
class _Providers:
    disputed_amounts: DisputedAmounts | None = None
    litigation_items: LitigationItems | None = None
    disputes_report: DisputesReportProvider | None = None
    last_actions: list[LastActionsProvider] = field(default_factory=list)
    alerts: list[tuple[int, AlertProvider]] = field(default_factory=list)


providers = _Providers()


def disputed_amounts_provider(function: DisputedAmounts) -> DisputedAmounts:
    providers.disputed_amounts = function
    return function


def litigation_provider(function: LitigationItems) -> LitigationItems:
    providers.litigation_items = function
    return function


def disputes_report_provider(function: DisputesReportProvider) -> DisputesReportProvider:
    providers.disputes_report = function
    return function


def last_actions_provider(function: LastActionsProvider) -> LastActionsProvider:
    if all(existing is not function for existing in providers.last_actions):
        providers.last_actions.append(function)
    return function


def alert_provider(order: int) -> Callable[[AlertProvider], AlertProvider]:
    def decorator(function: AlertProvider) -> AlertProvider:
        if all(existing is not function for _, existing in providers.alerts):
            providers.alerts.append((order, function))
            providers.alerts.sort(key=lambda pair: pair[0])
        return function

    return decorator


def last_actions(*, customer_ids: Sequence[int], as_of: date) -> dict[int, LastAction] | None:
    """The latest action per customer from every provider; None when no app provides any."""
    if not providers.last_actions:
        return None
    latest: dict[int, LastAction] = {}
    for provider in providers.last_actions:
        for customer_id, action in provider(customer_ids=customer_ids, as_of=as_of).items():
            if customer_id not in latest or action.on > latest[customer_id].on:
                latest[customer_id] = action
    return latest


def alerts(*, customers: QuerySet[Any], user: Any, as_of: date) -> list[Alert]:
    found: list[Alert] = []
    for _, provider in providers.alerts:
        found.extend(provider(customers=customers, user=user, as_of=as_of))
    return found


@dataclass(frozen=True, slots=True)
class WeeklySection:
    """A section another app adds to the weekly report: a title and (label, value) lines."""

    key: str
    title: str
    lines: tuple[tuple[str, str], ...]
    note: str = ""


WeeklySectionProvider = Callable[..., WeeklySection | None]
_weekly_sections: list[tuple[int, WeeklySectionProvider]] = []


def weekly_section_provider(order: int) -> Callable[[WeeklySectionProvider], WeeklySectionProvider]:
    """``(*, customers: QuerySet[Customer], as_of: date, since: date) -> WeeklySection | None``:
    a section of the weekly report (``since`` = first day of the week reported)."""

    def decorator(function: WeeklySectionProvider) -> WeeklySectionProvider:
        if all(existing is not function for _, existing in _weekly_sections):
            _weekly_sections.append((order, function))
            _weekly_sections.sort(key=lambda pair: pair[0])
        return function

    return decorator


def weekly_sections(*, customers: QuerySet[Any], as_of: date, since: date) -> tuple[WeeklySection, ...]:
    found = (provider(customers=customers, as_of=as_of, since=since) for _, provider in _weekly_sections)
    return tuple(section for section in found if section is not None)
