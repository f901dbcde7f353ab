"""Reads of the forecast app: the ledger as payment-prediction records, predictions, snapshots.

The invoice table is one SQL query over invoices joined to their customer (group, NAF
sector, terms, country); the point-in-time history features are then computed by the core,
vectorised. Sources only other apps hold (disputes, dunning steps, grades) come through
their contracts; a missing source makes its features unknown, never zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import F, Max, QuerySet, Sum
from django.db.models.functions import TruncWeek

from encours import contracts
from encours.core.forecast.accuracy import forecast_accuracy
from encours.core.forecast.records import DunningStep, InvoiceRecord
from encours.core.forecast.records import OpenOrder as OrderRecord
from encours.core.money import quantize
from encours.core.periods import monday_of
from encours.core.terms import PaymentTerms
from encours.forecast.models import ForecastSnapshot, ForecastWeek, InvoicePrediction, PaymentModel
from encours.ledger.models import Customer, Item, ItemType, OpenOrder
from encours.ledger.queries import open_debit_q

HISTORY_DAYS = 3 * 365
DISPUTE_SAMPLE_DAYS = 14
GRADE_SAMPLE_DAYS = 91

INVOICE_COLUMNS = (
    "pk", "customer_id", "entity_id", "document_date", "due_date", "amount", "currency", "open_amount",
    "settled_on", "customer__group_id", "customer__naf_code", "customer__terms_days", "customer__country",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class FeatureSources:
    """What other apps tell about the invoices; None: that app provides nothing."""

    disputes: dict[int, tuple[date, date | None]] | None = None
    dunning: dict[int, tuple[DunningStep, ...]] | None = None
    grades: dict[int, list[tuple[date, str]]] | None = None

    @property
    def missing(self) -> tuple[str, ...]:
        names = (("disputes", self.disputes), ("dunning", self.dunning), ("grades", self.grades))
        return tuple(name for name, value in names if value is None)

    @property
    def unknown_features(self) -> tuple[str, ...]:
        from encours.core.forecast.features import unknown_features_of  # numpy loads on first use

        return unknown_features_of(self.missing)


@dataclass(frozen=True, slots=True)
class LedgerRecords:
    """Invoices (paid and open) as records, and the open orders, for one scope."""

    invoices: tuple[InvoiceRecord, ...]
    orders: tuple[OrderRecord, ...]
    sources: FeatureSources
    entity_names: dict[str, str] = field(default_factory=dict)


def _dunning_source(
    *, customer_ids: Sequence[int] | None, since: date, until: date
) -> dict[int, tuple[DunningStep, ...]] | None:
    # an absent provider must read as unknown, not as "never chased"
    if not contracts.DUNNING_HISTORY.provided:
        return None
    steps: dict[int, list[DunningStep]] = defaultdict(list)
    for event in contracts.dunning_history(customer_ids=customer_ids, since=since, until=until):
        for item_id in event.item_ids:
            steps[item_id].append(DunningStep(stage=event.step_order, executed_on=event.on, channel=event.channel))
    return {item_id: tuple(sorted(found, key=lambda s: s.executed_on)) for item_id, found in steps.items()}


def _dispute_source(*, since: date, until: date) -> dict[int, tuple[date, date | None]] | None:
    """Dispute spans rebuilt from the provider's "active on" answer, sampled every two weeks:
    first day seen disputed, first sample day seen resolved (None if still disputed)."""
    if not contracts.DISPUTED_AMOUNTS.provided:
        return None
    spans: dict[int, tuple[date, date | None]] = {}
    day = since
    while True:
        active = set(contracts.disputed_amounts(as_of=day) or ())
        for item_id in active:
            spans[item_id] = (spans[item_id][0] if item_id in spans else day, None)  # reopened: one long span
        for item_id, (start, end) in list(spans.items()):
            if end is None and item_id not in active:
                spans[item_id] = (start, day)
        if day >= until:
            return spans
        day = min(until, day + timedelta(days=DISPUTE_SAMPLE_DAYS))


def _grade_source(*, customer_ids: Sequence[int], since: date, until: date) -> dict[int, list[tuple[date, str]]] | None:
    """Grades sampled each quarter, so an invoice sees the grade of its time (today's grade,
    lowered by the very delays being predicted, would leak)."""
    if not contracts.GRADES.provided:
        return None
    history: dict[int, list[tuple[date, str]]] = defaultdict(list)
    day = since
    while True:
        for customer_id, info in contracts.grades(customer_ids=customer_ids, as_of=day).items():
            history[customer_id].append((day, info.letter))
        if day >= until:
            return history
        day = min(until, day + timedelta(days=GRADE_SAMPLE_DAYS))


def _grade_at(history: list[tuple[date, str]] | None, moment: date) -> str | None:
    found = None
    for day, letter in history or ():
        if day > moment:
            break
        found = letter
    return found


def feature_sources(*, customer_ids: Sequence[int] | None, since: date, until: date) -> FeatureSources:
    grades = _grade_source(customer_ids=customer_ids or [], since=since, until=until) if customer_ids else None
    if customer_ids is None and contracts.GRADES.provided:
        ids = list(Customer.objects.values_list("pk", flat=True))
        grades = _grade_source(customer_ids=ids, since=since, until=until)
    return FeatureSources(
        disputes=_dispute_source(since=since, until=until),
        dunning=_dunning_source(customer_ids=customer_ids, since=since, until=until),
        grades=grades,
    )


def invoice_queryset(*, customers: QuerySet[Customer] | None, since: date, until: date) -> QuerySet[Item]:
    """Invoices issued in [since, until], of ``customers`` (None: the whole ledger)."""
    items = Item.objects.filter(type=ItemType.INVOICE, amount__gt=0, document_date__gte=since, document_date__lte=until)
    if customers is not None:
        items = items.filter(customer__in=customers.values("pk"))
    return items


def ledger_records(
    *,
    as_of: date,
    customers: QuerySet[Customer] | None = None,
    history_days: int = HISTORY_DAYS,
    with_sources: bool = True,
) -> LedgerRecords:
    """Every invoice of the scope issued in the last ``history_days`` as a record (one query),
    plus the open orders; what happened after ``as_of`` is erased by the core (``as_known_on``)."""
    since = as_of - timedelta(days=history_days)
    customer_ids = None if customers is None else list(customers.values_list("pk", flat=True))
    sources = feature_sources(customer_ids=customer_ids, since=since, until=as_of) if with_sources else FeatureSources()
    rows = invoice_queryset(customers=customers, since=since, until=as_of).order_by("pk").values_list(*INVOICE_COLUMNS)
    invoices = tuple(_record(row, sources) for row in rows.iterator(chunk_size=20_000))
    return LedgerRecords(
        invoices=invoices, orders=open_order_records(customers=customers, as_of=as_of), sources=sources
    )


def _record(row: tuple[Any, ...], sources: FeatureSources) -> InvoiceRecord:
    pk, customer, entity, issued, due, amount, currency, open_amount, settled, group, naf, terms, country = row
    dispute = sources.disputes.get(pk) if sources.disputes else None
    grade = _grade_at(sources.grades.get(customer), issued) if sources.grades else None
    return InvoiceRecord(
        invoice_id=str(pk), customer_id=str(customer), invoice_date=issued, due_date=due, amount=amount,
        currency=currency, entity=str(entity), settled_date=settled if open_amount == 0 else None,
        open_amount=open_amount if open_amount > 0 else None, terms_days=terms,
        group_id=str(group) if group else None, sector=naf[:2] if naf else None, grade=grade,
        country=country or None, disputed_on=dispute[0] if dispute else None,
        dispute_resolved_on=dispute[1] if dispute else None,
        dunning_steps=sources.dunning.get(pk, ()) if sources.dunning else (),
    )  # fmt: skip


def open_order_records(*, customers: QuerySet[Customer] | None, as_of: date) -> tuple[OrderRecord, ...]:
    orders = OpenOrder.objects.filter(status__in=[OpenOrder.Status.OPEN, OpenOrder.Status.DELIVERED], amount__gt=0)
    if customers is not None:
        orders = orders.filter(customer__in=customers.values("pk"))
    rows = orders.values_list(
        "pk", "customer_id", "entity_id", "expected_ship_date", "order_date", "amount", "currency",
        "customer__terms_days", "customer__terms_end_of_month", "entity__default_terms_days",
    )  # fmt: skip
    return tuple(
        OrderRecord(
            order_id=f"order-{pk}",
            customer_id=str(customer),
            expected_ship_date=ship or ordered or as_of,
            amount=amount,
            currency=currency,
            entity=str(entity),
            terms=PaymentTerms(days=terms if terms is not None else default_terms, end_of_month=eom),
        )
        for pk, customer, entity, ship, ordered, amount, currency, terms, eom, default_terms in rows
    )


def active_model() -> PaymentModel | None:
    return PaymentModel.objects.filter(is_active=True).order_by("-created_at").first()


def predictions_for(*, item_ids: Sequence[int]) -> dict[int, InvoicePrediction]:
    rows = InvoicePrediction.objects.filter(item_id__in=list(item_ids))
    return {row.item_id: row for row in rows}


def customer_predictions(*, customer: Customer) -> QuerySet[InvoicePrediction]:
    return (
        InvoicePrediction.objects.filter(open_debit_q(prefix="item__"), item__customer=customer)
        .select_related("item")
        .order_by("expected_date", "item__number")
    )


def weekly_receipts(
    *, customers: QuerySet[Customer], since: date, until: date
) -> dict[tuple[int, str], list[tuple[date, Decimal]]]:
    """Cash actually received per (entity, currency) and week, from payment items (SQL sums)."""
    rows = (
        Item.objects.filter(
            type=ItemType.PAYMENT,
            customer__in=customers.values("pk"),
            document_date__gte=since,
            document_date__lte=until,
        )
        .annotate(week=TruncWeek("document_date"))
        .values("entity_id", "currency", "week")
        .annotate(total=Sum("amount"))
        .order_by("week")
    )
    receipts: dict[tuple[int, str], list[tuple[date, Decimal]]] = defaultdict(list)
    for row in rows:
        week = row["week"].date() if hasattr(row["week"], "date") else row["week"]
        receipts[(row["entity_id"], row["currency"])].append((week, quantize(-row["total"], row["currency"])))
    return receipts


def snapshots_before(*, as_of: date, limit: int = 26) -> QuerySet[ForecastSnapshot]:
    return ForecastSnapshot.objects.filter(as_of__lt=as_of).order_by("-as_of")[:limit]


def latest_snapshot_date(*, as_of: date) -> date | None:
    return ForecastSnapshot.objects.filter(as_of__lte=as_of).aggregate(latest=Max("as_of"))["latest"]


@dataclass(frozen=True, slots=True)
class AccuracySeries:
    entity_id: int
    currency: str
    accuracy: Any  # core ForecastAccuracy


def forecast_accuracy_of(*, entity_ids: Sequence[int], as_of: date, weeks: int = 8) -> list[AccuracySeries]:
    """Each closed week of the last ``weeks``: what the latest snapshot taken on or before its
    Monday expected, against the payments actually received (per entity and currency)."""
    this_week = monday_of(as_of)
    since = this_week - timedelta(weeks=weeks)
    rows = (
        ForecastWeek.objects.filter(entity_id__in=list(entity_ids), week_start__gte=since, week_start__lt=this_week)
        .filter(snapshot__as_of__lte=F("week_start"))
        .order_by("snapshot__as_of")
        .values_list("entity_id", "currency", "week_start", "expected")
    )
    expected: dict[tuple[int, str], dict[date, Decimal]] = defaultdict(dict)
    for entity_id, currency, week, amount in rows:
        expected[(entity_id, currency)][week] = amount  # later snapshots overwrite earlier ones
    if not expected:
        return []
    receipts = weekly_receipts(
        customers=Customer.objects.filter(entity_id__in=list(entity_ids)), since=since, until=this_week
    )
    return [
        AccuracySeries(
            entity_id=key[0],
            currency=key[1],
            accuracy=forecast_accuracy(forecast=forecast, receipts=receipts.get(key, []), as_of=as_of),
        )
        for key, forecast in sorted(expected.items())
    ]
