"""Early-warning alerts on a customer's risk, computed from plain values on ``as_of``.

Each alert carries a ``key`` that is stable for the same fact (a grade change, an event, a
guarantee), so the caller can store alerts idempotently and raise each fact once. An alert is
an open problem, not an event: the caller keeps one open alert per customer and kind, updates
it while the condition lasts and closes it when it ends (``reconcile``). A customer with
exposure and no credit limit is not an alert of its own but part of one portfolio finding
(``no_limit_finding``).

>>> from datetime import date
>>> from decimal import Decimal
>>> alerts = risk_alerts(
...     inputs=AlertInputs(customer_id="C7", previous_grade="B", grade="D", net_exposure=Decimal(0)),
...     as_of=date(2026, 6, 30),
... )
>>> [(a.kind.value, a.severity.value, a.message) for a in alerts]
[('grade_downgrade', 'critical', 'grade B → D')]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from encours.core.credit import CreditLimit, Guarantee
from encours.core.grading import LegalEvent, is_downgrade
from encours.core.money import ZERO, format_amount
from encours.core.payer import OpenItem, PayerIndexTrend


class AlertKind(StrEnum):
    GRADE_DOWNGRADE = "grade_downgrade"
    PAYER_INDEX_DROP = "payer_index_drop"
    OVER_LIMIT = "over_limit"
    OVER_INSURED_COVER = "over_insured_cover"
    LIMIT_EXPIRY = "limit_expiry"
    GUARANTEE_EXPIRY = "guarantee_expiry"
    LEGAL_EVENT = "legal_event"
    FIRST_OVERDUE_KEY_ACCOUNT = "first_overdue_key_account"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return SEVERITY_RANK[self]


SEVERITY_RANK = {Severity.INFO: 1, Severity.WARNING: 2, Severity.CRITICAL: 3}
# Kinds raised on the day of a fact (a change, a publication); they stay open while
# ``persists`` says so. The other kinds are conditions recomputed every run.
EVENT_KINDS = frozenset({AlertKind.GRADE_DOWNGRADE, AlertKind.LEGAL_EVENT, AlertKind.FIRST_OVERDUE_KEY_ACCOUNT})


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    kind: AlertKind
    severity: Severity
    customer_id: str
    message: str
    key: str  # the same fact gives the same key on every run


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertConfig:
    payer_drop_points: Decimal = Decimal(10)  # drop against the average of the previous months
    payer_average_months: int = 3
    limit_expiry_notice_days: int = 30  # limits expiring within it: a portfolio worklist, not an alert each
    guarantee_expiry_notice_days: int = 30
    first_run_lookback_days: int = 30  # legal events taken as new when there was no previous run
    critical_grades: tuple[str, ...] = ("D", "E")
    on_terms_payer_index: Decimal = Decimal(80)  # a key account paying on terms scores at least this
    minor_excess_share: Decimal = Decimal("0.10")  # over limit or cover by at most this share: info
    major_excess_share: Decimal = Decimal("0.50")  # over limit by more than this share: critical
    # materiality: an exposure over its limit is an alert only when the excess passes both
    over_limit_tolerance_share: Decimal = Decimal("0.05")
    over_limit_tolerance_amount: Decimal = Decimal(1000)


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertInputs:
    customer_id: str
    net_exposure: Decimal
    previous_check_on: date | None = None
    previous_grade: str | None = None
    grade: str | None = None
    payer_trend: PayerIndexTrend | None = None
    limit: CreditLimit | None = None
    insured_cover: Decimal | None = None  # None: the customer is not under a credit-insurance policy
    guarantees: tuple[Guarantee, ...] = ()
    legal_events: tuple[LegalEvent, ...] = ()
    is_key_account: bool = False
    open_items: tuple[OpenItem, ...] = ()
    payer_index: Decimal | None = None  # the payer index at the previous run (80 = pays on terms)
    previous_overdue_amount: Decimal | None = None  # None: no previous run knew the customer
    currency: str = "EUR"


def risk_alerts(*, inputs: AlertInputs, as_of: date, config: AlertConfig | None = None) -> tuple[Alert, ...]:
    """Every alert that holds for the customer on ``as_of``."""
    config = config or AlertConfig()
    return (
        *grade_downgrade_alerts(inputs=inputs, config=config),
        *payer_drop_alerts(inputs=inputs, as_of=as_of, config=config),
        *over_limit_alerts(inputs=inputs, as_of=as_of, config=config),
        *over_cover_alerts(inputs=inputs, as_of=as_of, config=config),
        *limit_expiry_alerts(inputs=inputs, as_of=as_of, config=config),
        *guarantee_expiry_alerts(inputs=inputs, as_of=as_of, config=config),
        *legal_event_alerts(inputs=inputs, as_of=as_of, config=config),
        *first_overdue_alerts(inputs=inputs, as_of=as_of, config=config),
    )


def _money(amount: Decimal, inputs: AlertInputs) -> str:
    return format_amount(amount, inputs.currency, lang="en")


def grade_downgrade_alerts(*, inputs: AlertInputs, config: AlertConfig) -> list[Alert]:
    previous, current = inputs.previous_grade, inputs.grade
    if not is_downgrade(previous=previous, current=current):
        return []
    assert previous is not None and current is not None
    severity = Severity.CRITICAL if current in config.critical_grades else Severity.WARNING
    key = f"grade_downgrade:{inputs.customer_id}:{previous}>{current}"
    return [
        Alert(
            kind=AlertKind.GRADE_DOWNGRADE,
            severity=severity,
            customer_id=inputs.customer_id,
            message=f"grade {previous} → {current}",
            key=key,
        )
    ]


def payer_drop_alerts(*, inputs: AlertInputs, as_of: date, config: AlertConfig) -> list[Alert]:
    """The payer index fell against its recent average, on a customer we have something at risk on
    (nothing owed nor ordered: the grade keeps the index for the next order's credit check)."""
    trend = inputs.payer_trend
    if trend is None or trend.latest is None or inputs.net_exposure <= 0:
        return []
    average = trend.average_before_latest(months=config.payer_average_months)
    if average is None or average - trend.latest < config.payer_drop_points:
        return []
    message = (
        f"payer index {trend.latest} against {average} on average over the previous "
        f"{config.payer_average_months} months ({trend.latest - average:+})"
    )
    key = f"payer_index_drop:{inputs.customer_id}:{as_of:%Y-%m}"
    return [
        Alert(
            kind=AlertKind.PAYER_INDEX_DROP,
            severity=Severity.WARNING,
            customer_id=inputs.customer_id,
            message=message,
            key=key,
        )
    ]


def _excess_severity(excess: Decimal, base: Decimal, config: AlertConfig, *, critical: bool) -> Severity:
    if base > 0 and excess <= base * config.minor_excess_share:
        return Severity.INFO
    if critical and (base <= 0 or excess > base * config.major_excess_share):
        return Severity.CRITICAL
    return Severity.WARNING


def over_limit_alerts(*, inputs: AlertInputs, as_of: date, config: AlertConfig | None = None) -> list[Alert]:
    """Exposure over an approved limit by more than the tolerance (a share of the limit and an
    amount, both passed); no limit at all is for the portfolio finding.

    >>> from encours.core.credit import CreditLimit
    >>> def over(exposure):
    ...     limit = CreditLimit(amount=Decimal(40000), approved_on=date(2026, 1, 5), approved_by="cm")
    ...     inputs = AlertInputs(customer_id="C1", net_exposure=Decimal(exposure), limit=limit)
    ...     return [a.severity.value for a in over_limit_alerts(inputs=inputs, as_of=date(2026, 12, 7))]
    >>> over(41500), over(42500), over(45000), over(70000)  # 3.75 %, 6.25 %, 12.5 %, 75 % over
    ([], ['info'], ['warning'], ['critical'])
    """
    config = config or AlertConfig()
    limit, exposure = inputs.limit, inputs.net_exposure
    if limit is None or not over_limit_beyond_tolerance(exposure=exposure, limit=limit.amount, config=config):
        return []
    key = f"over_limit:{inputs.customer_id}:{as_of.isoformat()}"
    excess = exposure - limit.amount
    severity = _excess_severity(excess, limit.amount, config, critical=True)
    message = (
        f"exposure {_money(exposure, inputs)} over limit {_money(limit.amount, inputs)} by {_money(excess, inputs)}"
    )
    return [
        Alert(kind=AlertKind.OVER_LIMIT, severity=severity, customer_id=inputs.customer_id, message=message, key=key)
    ]


def over_limit_beyond_tolerance(*, exposure: Decimal, limit: Decimal, config: AlertConfig) -> bool:
    """Whether the excess over ``limit`` is material: above both the share and the amount."""
    excess = exposure - limit
    return excess > limit * config.over_limit_tolerance_share and excess > config.over_limit_tolerance_amount


def over_cover_alerts(*, inputs: AlertInputs, as_of: date, config: AlertConfig | None = None) -> list[Alert]:
    config = config or AlertConfig()
    cover, exposure = inputs.insured_cover, inputs.net_exposure
    if cover is None or exposure <= cover:
        return []
    figures = f"exposure {_money(exposure, inputs)} over insured cover {_money(cover, inputs)}"
    message = f"{figures}: {_money(exposure - cover, inputs)} uncovered"
    key = f"over_insured_cover:{inputs.customer_id}:{as_of.isoformat()}"
    severity = _excess_severity(exposure - cover, cover, config, critical=False)
    return [
        Alert(
            kind=AlertKind.OVER_INSURED_COVER,
            severity=severity,
            customer_id=inputs.customer_id,
            message=message,
            key=key,
        )
    ]


def limit_expiry_alerts(*, inputs: AlertInputs, as_of: date, config: AlertConfig) -> list[Alert]:
    """An expired limit not yet renewed while something is owed or ordered: an alert of its own
    (with nothing at risk the credit check holds the next order anyway). A limit expiring within
    the notice period is not: it goes on the portfolio worklist of limits to review
    (``limit_expires_soon``)."""
    limit = inputs.limit
    if limit is None or limit.expires_on is None or limit.expires_on >= as_of or inputs.net_exposure <= 0:
        return []
    key = f"limit_expiry:{inputs.customer_id}:{limit.expires_on.isoformat()}"
    message = f"credit limit {_money(limit.amount, inputs)} expired on {limit.expires_on.isoformat()}"
    return [
        Alert(
            kind=AlertKind.LIMIT_EXPIRY,
            severity=Severity.CRITICAL,
            customer_id=inputs.customer_id,
            message=message,
            key=key,
        )
    ]


def limit_expires_soon(*, expires_on: date | None, as_of: date, config: AlertConfig | None = None) -> bool:
    """Whether a limit belongs on the worklist of limits to review: it expires within the notice.

    >>> [limit_expires_soon(expires_on=date(2026, 12, d), as_of=date(2026, 12, 7)) for d in (6, 7, 31)]
    [False, True, True]
    """
    config = config or AlertConfig()
    return expires_on is not None and 0 <= (expires_on - as_of).days <= config.limit_expiry_notice_days


def guarantee_expiry_alerts(*, inputs: AlertInputs, as_of: date, config: AlertConfig) -> list[Alert]:
    """Guarantees expiring within the notice period, and those that expired within it."""
    alerts = []
    notice = config.guarantee_expiry_notice_days
    for guarantee in inputs.guarantees:
        if guarantee.expires_on is None:
            continue
        days_left = (guarantee.expires_on - as_of).days
        if not -notice <= days_left <= notice:
            continue
        who = guarantee.reference or guarantee.issuer
        label = " ".join(p for p in (guarantee.kind.value, who, _money(guarantee.amount, inputs)) if p)
        verb = "expired" if days_left < 0 else "expires"
        message = f"{label} {verb} on {guarantee.expires_on.isoformat()}"
        key = f"guarantee_expiry:{inputs.customer_id}:{guarantee.kind.value}:{who}:{guarantee.expires_on}"
        severity = Severity.CRITICAL if days_left < 0 and inputs.net_exposure > 0 else Severity.WARNING
        alerts.append(
            Alert(
                kind=AlertKind.GUARANTEE_EXPIRY,
                severity=severity,
                customer_id=inputs.customer_id,
                message=message,
                key=key,
            )
        )
    return alerts


def legal_event_alerts(*, inputs: AlertInputs, as_of: date, config: AlertConfig) -> list[Alert]:
    """Events published since the previous run: a legal event raises an alert at once."""
    since = inputs.previous_check_on or as_of - timedelta(days=config.first_run_lookback_days)
    alerts = []
    for event in sorted(inputs.legal_events, key=lambda e: e.published_on):
        if not since < event.published_on <= as_of:
            continue
        severity = Severity.CRITICAL if event.is_insolvency else Severity.WARNING
        message = f"{event.kind.value} published {event.published_on.isoformat()}"
        if event.description:
            message += f": {event.description}"
        key = f"legal_event:{inputs.customer_id}:{event.kind.value}:{event.published_on}:{event.reference}"
        alerts.append(
            Alert(
                kind=AlertKind.LEGAL_EVENT, severity=severity, customer_id=inputs.customer_id, message=message, key=key
            )
        )
    return alerts


def first_overdue_alerts(*, inputs: AlertInputs, as_of: date, config: AlertConfig | None = None) -> list[Alert]:
    """A key account that pays on terms and had nothing overdue at the previous run now has: a
    change against the last known state, so nothing on the first run that sees the customer (after
    a seed or an import everything would look new). A key account that habitually pays late is
    not news when it is late again: its payer index, its grade and the payer-index drop say it."""
    config = config or AlertConfig()
    previous = inputs.previous_overdue_amount
    if not inputs.is_key_account or previous is None or previous > 0:
        return []
    if inputs.payer_index is not None and inputs.payer_index < config.on_terms_payer_index:
        return []
    overdue = [i for i in inputs.open_items if i.due_date < as_of and i.open_amount > 0]
    if not overdue:
        return []
    amount = sum((i.open_amount for i in overdue), ZERO)
    oldest = min(i.due_date for i in overdue)
    references = ", ".join(i.reference for i in sorted(overdue, key=lambda i: i.due_date))
    message = f"key account overdue for the first time: {_money(amount, inputs)} ({references})"
    key = f"first_overdue_key_account:{inputs.customer_id}:{oldest.isoformat()}"
    return [
        Alert(
            kind=AlertKind.FIRST_OVERDUE_KEY_ACCOUNT,
            severity=Severity.WARNING,
            customer_id=inputs.customer_id,
            message=message,
            key=key,
        )
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenAlert:
    """What the caller stored of an alert still open for a customer and kind."""

    kind: AlertKind
    severity: Severity
    key: str
    acknowledged: bool = False


class Change(StrEnum):
    OPEN = "open"  # a new problem
    WORSE = "worse"  # the open problem got more severe, or a new fact of its kind came
    UPDATE = "update"  # the problem lasts: figures refreshed
    CLOSE = "close"  # the condition ended


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertChange:
    change: Change
    kind: AlertKind
    alert: Alert | None  # today's alert (None when closing)


def reconcile(
    *,
    open_alerts: Iterable[OpenAlert],
    raised: Iterable[Alert],
    persisting: frozenset[AlertKind] = frozenset(),
    known_keys: frozenset[str] = frozenset(),
) -> tuple[AlertChange, ...]:
    """How today's alerts of one customer change its open ones: one open alert per kind.

    A condition kind closes when it is no longer raised; an event kind stays open while it is in
    ``persisting`` (the caller's check that the fact still matters) or until acknowledged. A fact
    already stored (``known_keys``) and closed since is not raised again.

    >>> over = Alert(kind=AlertKind.OVER_LIMIT, severity=Severity.CRITICAL, customer_id="C1",
    ...              message="exposure over limit", key="over_limit:C1:d2")
    >>> stored = OpenAlert(kind=AlertKind.OVER_LIMIT, severity=Severity.WARNING, key="over_limit:C1:d1")
    >>> [c.change.value for c in reconcile(open_alerts=[stored], raised=[over])]
    ['worse']
    >>> [c.change.value for c in reconcile(open_alerts=[stored], raised=[])]
    ['close']
    """
    by_kind: dict[AlertKind, Alert] = {}
    for alert in raised:
        kept = by_kind.get(alert.kind)
        if kept is None or alert.severity.rank > kept.severity.rank:
            by_kind[alert.kind] = alert
    stored = {alert.kind: alert for alert in open_alerts}
    changes = []
    for kind, alert in by_kind.items():
        current = stored.get(kind)
        if current is None:
            if alert.key not in known_keys:
                changes.append(AlertChange(change=Change.OPEN, kind=kind, alert=alert))
        elif alert.severity.rank > current.severity.rank or (kind in EVENT_KINDS and alert.key != current.key):
            if alert.key not in known_keys:
                changes.append(AlertChange(change=Change.WORSE, kind=kind, alert=alert))
        else:
            changes.append(AlertChange(change=Change.UPDATE, kind=kind, alert=alert))
    for kind, current in stored.items():
        if kind in by_kind:
            continue
        lasting = kind in persisting and not (kind in EVENT_KINDS and current.acknowledged)
        if not lasting:
            changes.append(AlertChange(change=Change.CLOSE, kind=kind, alert=None))
    return tuple(changes)


@dataclass(frozen=True, slots=True, kw_only=True)
class PortfolioFinding:
    customers: int
    exposure: Decimal
    threshold: Decimal
    message: str


def no_limit_finding(
    *, exposures: Iterable[Decimal], threshold: Decimal, currency: str = "EUR"
) -> PortfolioFinding | None:
    """One finding for every customer above ``threshold`` of exposure without a credit limit.

    >>> no_limit_finding(exposures=[Decimal(6000), Decimal(9000), Decimal(100)], threshold=Decimal(5000)).message
    '2 customers above €5,000.00 have no credit limit (exposure €15,000.00)'
    """
    above = [e for e in exposures if e > threshold]
    if not above:
        return None
    total = sum(above, ZERO)
    noun = "customer" if len(above) == 1 else "customers"
    verb = "has" if len(above) == 1 else "have"
    amount, limit = format_amount(total, currency, lang="en"), format_amount(threshold, currency, lang="en")
    message = f"{len(above)} {noun} above {limit} {verb} no credit limit (exposure {amount})"
    return PortfolioFinding(customers=len(above), exposure=total, threshold=threshold, message=message)
