"""Reads of the collections app, always starting from the user's customers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, DecimalField, ExpressionWrapper, F, QuerySet, Sum, When
from django.utils.translation import gettext_lazy

from encours import contracts
from encours.accounts.models import Role
from encours.collections.models import CallTask, CustomerDunning, DunningMessage, LitigationCase, Promise
from encours.collections.planning import disputed_by_item
from encours.core.money import ZERO, quantize
from encours.core.worklist import WorklistCustomer, WorklistLine, rank_worklist
from encours.ledger.caching import kept
from encours.ledger.models import Customer, Item
from encours.ledger.queries import FUNCTIONAL_OPEN
from encours.ledger.selectors import customers_for
from encours.ledger.sql import DaysBetween
from encours.sales.selectors import field_notes_of
from encours.web import formats

MONEY = DecimalField(max_digits=24, decimal_places=6)
BROKEN_PROMISE_DAYS = 14


@dataclass
class WorklistPage:
    as_of: date
    lines: tuple[WorklistLine, ...]
    customers: dict[int, dict[str, Any]]
    calls: list[CallTask]
    tasks: list[contracts.WorkTask]
    collector_id: int | None
    total_customers: int = 0
    extras: dict[str, Any] = field(default_factory=dict)
    task_customers: dict[int, str] = field(default_factory=dict)


def worklist_scope(*, user: Any, collector_id: int | None = None) -> tuple[QuerySet[Customer], int | None]:
    """The user's customers; a collector sees their own portfolio unless they pick another."""
    customers = customers_for(user)
    if collector_id is None and getattr(user, "role", None) == Role.COLLECTOR:
        collector_id = user.pk
    if collector_id:
        customers = customers.filter(collector_id=collector_id)
    return customers, collector_id


def _overdue_by_customer(customers: QuerySet[Customer], as_of: date) -> dict[int, list[Decimal]]:
    """Σ functional overdue and Σ amount × days past due per customer, disputed parts taken out."""
    overdue = Item.objects.filter(customer__in=customers).overdue(as_of)
    weighted = ExpressionWrapper(FUNCTIONAL_OPEN * DaysBetween(as_of, F("due_date")), output_field=MONEY)
    rows = overdue.order_by().values("customer_id").annotate(amount=Sum(FUNCTIONAL_OPEN), weighted=Sum(weighted))
    totals = {r["customer_id"]: [Decimal(r["amount"] or 0), Decimal(r["weighted"] or 0)] for r in rows}
    disputed = disputed_by_item(as_of=as_of, item_ids=overdue.values("id"))
    if disputed:
        for item in Item.objects.filter(pk__in=list(disputed)).values(
            "id", "customer_id", "fx_rate", "due_date", "open_amount"
        ):
            part = min(disputed[item["id"]], item["open_amount"]) * item["fx_rate"]
            entry = totals.get(item["customer_id"])
            if entry is not None:
                entry[0] -= part
                entry[1] -= part * (as_of - item["due_date"]).days
    return totals


def _counts(queryset: QuerySet[Any]) -> dict[int, int]:
    return dict(queryset.order_by().values("customer_id").annotate(n=Count("pk")).values_list("customer_id", "n"))


def worklist(
    *, user: Any, as_of: date, collector_id: int | None = None, limit: int = 100, grades: bool = True
) -> WorklistPage:
    """The collector's ranked customers with the reasons, their calls due and other apps' tasks.

    The ranking (overdue, promises, calls, grades) and the other apps' tasks are kept under the
    ledger's version: any audited write — a payment, a call logged, a promise, a dispute, a risk
    run, a cover decision — makes the next view recompute them; in between, a view reads them
    back and only lists the calls due.
    """
    customers, collector_id = worklist_scope(user=user, collector_id=collector_id)
    snoozed = CustomerDunning.objects.filter(snoozed_until__gte=as_of).values("customer_id")
    active = customers.exclude(pk__in=snoozed)
    ranked = kept(
        "collections_worklist",
        customers=active,
        parts=(as_of, limit, grades, getattr(user, "pk", None)),
        compute=lambda: _ranked(active, user=user, as_of=as_of, limit=limit, grades=grades),
    )
    lines, info, tasks, total, task_customers = ranked
    calls = list(
        CallTask.objects.filter(customer_id__in=[line.customer_id for line in lines], done_on__isnull=True)
        .filter(due_on__lte=as_of + timedelta(days=1))
        .select_related("customer", "contact", "assigned_to")
        .order_by("due_on")
    )
    return WorklistPage(as_of, lines, info, calls, tasks, collector_id, total, task_customers=task_customers)


def _ranked(
    active: QuerySet[Customer], *, user: Any, as_of: date, limit: int, grades: bool
) -> tuple[tuple[WorklistLine, ...], dict[int, dict[str, Any]], list[contracts.WorkTask], int, dict[int, str]]:
    """(the ranked lines, their customers' figures, other apps' tasks, how many customers to work,
    the tasks' customer names)."""
    overdue = _overdue_by_customer(active, as_of)
    broken = _counts(
        Promise.objects.filter(
            customer__in=active,
            status__in=[Promise.Status.BROKEN, Promise.Status.PARTIALLY_KEPT],
            status_on__gt=as_of - timedelta(days=BROKEN_PROMISE_DAYS),
            status_on__lte=as_of,
        )
    )
    promised_today = _counts(Promise.objects.filter(customer__in=active, status="pending", promised_date=as_of))
    calls_due = _counts(CallTask.objects.filter(customer__in=active, done_on__isnull=True, due_on__lte=as_of))
    ids = set(overdue) | set(broken) | set(promised_today) | set(calls_due)
    info = {
        row["id"]: row
        for row in Customer.objects.filter(pk__in_array=ids).values(
            "id", "name", "account_number", "is_strategic", "collector_id", "is_blocked", "entity__currency"
        )
    }
    grade_letters = _grades(list(info), as_of) if grades and info else {}
    for customer_id, row in info.items():
        row["broken"] = broken.get(customer_id, 0)
        row["promised_today"] = promised_today.get(customer_id, 0)
        row["calls_due"] = calls_due.get(customer_id, 0)
        row["grade"] = grade_letters.get(customer_id)
    candidates = []
    for customer_id, row in info.items():
        amount, weighted = overdue.get(customer_id, [ZERO, ZERO])
        amount = max(amount, ZERO)
        days = (weighted / amount).quantize(Decimal("0.1")) if amount > 0 else ZERO
        candidates.append(
            WorklistCustomer(
                customer_id=customer_id,
                name=row["name"],
                overdue_amount=quantize(amount, row["entity__currency"]),
                days_late=days,
                collector_id=row["collector_id"],
                grade=grade_letters.get(customer_id),
                late_payment_probability=None,
                is_strategic=row["is_strategic"],
                strategic_weight=None,
                broken_promises=broken.get(customer_id, 0),
                promises_due_today=promised_today.get(customer_id, 0),
                call_tasks_due=calls_due.get(customer_id, 0),
                currency=row["entity__currency"],
            )
        )
    lines = rank_worklist(customers=candidates, limit=limit)
    tasks = contracts.work_tasks(customers=active, user=user, as_of=as_of)
    names = dict(
        Customer.objects.filter(pk__in_array={task.customer_id for task in tasks}).values_list("pk", "name")
    ) if tasks else {}  # fmt: skip
    return lines, {line.customer_id: info[line.customer_id] for line in lines}, tasks, len(info), names


def _grades(customer_ids: list[int], as_of: date) -> dict[int, str]:
    found = contracts.grades(customer_ids=customer_ids, as_of=as_of)
    return {customer_id: grade.letter for customer_id, grade in found.items() if grade.letter in "ABCDE"}


KIND_LABELS = {
    "email": gettext_lazy("Email"),
    "letter": gettext_lazy("Letter"),
    "call": gettext_lazy("Call"),
    "promise": gettext_lazy("Promise"),
    "promise_status": gettext_lazy("Promise"),
    "payment": gettext_lazy("Payment"),
    "litigation": gettext_lazy("Litigation"),
    "dispute": gettext_lazy("Dispute"),
    "field_note": gettext_lazy("Field note"),
}


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    on: date
    kind: str
    title: str
    detail: str = ""
    badge: str = ""
    url: str = ""
    message_id: int | None = None

    @property
    def label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))


def customer_timeline(*, customer: Customer, as_of: date, limit: int = 60) -> list[TimelineEntry]:
    """Every contact, run, promise, call, payment and hand-over of a customer, newest first."""
    entries: list[TimelineEntry] = []
    for m in DunningMessage.objects.filter(customer=customer, executed_on__lte=as_of).order_by("-executed_on")[:limit]:
        badge = "ok" if m.status == "sent" else "bad" if m.status == "failed" else "info"
        entries.append(TimelineEntry(m.executed_on, m.channel, m.subject or m.step_code, m.recipient, badge, "", m.pk))
    for task in CallTask.objects.filter(customer=customer, done_on__lte=as_of).order_by("-done_on")[:limit]:
        outcome = CallTask.Outcome(task.outcome).label if task.outcome else ""
        entries.append(TimelineEntry(task.done_on or as_of, "call", f"{outcome}", task.note, "info"))
    for promise in Promise.objects.filter(customer=customer, created_on__lte=as_of).order_by("-created_on")[:limit]:
        badge = {"kept": "ok", "broken": "bad", "partially_kept": "warn"}.get(promise.status, "info")
        title = f"{formats.money(promise.amount, promise.currency)} → {formats.short_date(promise.promised_date)}"
        entries.append(TimelineEntry(promise.created_on, "promise", title, promise.note, badge))
        if promise.status != "pending" and promise.status_on:
            entries.append(
                TimelineEntry(promise.status_on, "promise_status", str(promise.get_status_display()), "", badge)
            )
    payments = Item.objects.filter(customer=customer, type="payment", document_date__lte=as_of)
    for p in payments.order_by("-document_date")[:limit]:
        entries.append(TimelineEntry(p.document_date, "payment", formats.money(-p.amount, p.currency), p.number, "ok"))
    for case in LitigationCase.objects.filter(customer=customer, opened_on__lte=as_of).select_related("item")[:limit]:
        entries.append(
            TimelineEntry(case.opened_on, "litigation", str(case.get_kind_display()), case.item.number, "bad")
        )
    open_items = customer.items.open_debits()
    disputed = disputed_by_item(as_of=as_of, item_ids=open_items.values("id"))
    if disputed:
        rows = open_items.filter(pk__in=list(disputed)).values_list("pk", "number", "currency")
        numbers = {pk: (number, currency) for pk, number, currency in rows}
        for item_id, amount in disputed.items():
            number, currency = numbers.get(item_id, ("", "EUR"))
            entries.append(TimelineEntry(as_of, "dispute", number, formats.money(amount, currency), "warn"))
    for note in field_notes_of(customer=customer, limit=limit):
        if note.visited_on <= as_of:
            author = str(note.author) if note.author else ""
            entries.append(TimelineEntry(note.visited_on, "field_note", note.body[:200], author, "info"))
    entries.sort(key=lambda e: e.on, reverse=True)
    return entries[:limit]


def open_calls_for(*, customer: Customer) -> QuerySet[CallTask]:
    return CallTask.objects.filter(customer=customer, done_on__isnull=True).order_by("due_on")


def promisable_items(*, customer: Customer) -> QuerySet[Item]:
    return customer.items.open_debits().order_by("due_date")


def messages_for(*, user: Any) -> QuerySet[DunningMessage]:
    return DunningMessage.objects.filter(customer__in=customers_for(user))


def message_get(*, user: Any, pk: int) -> DunningMessage:
    from django.http import Http404

    message = messages_for(user=user).select_related("customer").filter(pk=pk).first()
    if message is None:
        raise Http404("message not found")
    return message


RUN_MESSAGES_SHOWN = 500


def run_messages(*, run: Any) -> dict[str, Any]:
    """A run's messages, failed first, with the failures counted by reason (one grouped query)."""
    messages = (
        DunningMessage.objects.filter(run=run)
        .select_related("customer")
        .annotate(failed_first=Case(When(status=DunningMessage.Status.FAILED, then=0), default=1))
        .order_by("failed_first", "customer__name", "pk")[:RUN_MESSAGES_SHOWN]
    )
    by_status: dict[str, int] = {}
    by_failure: dict[str, int] = {}
    rows = DunningMessage.objects.filter(run=run).order_by().values("status", "failure").annotate(n=Count("pk"))
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        if row["status"] == DunningMessage.Status.FAILED and row["failure"]:
            by_failure[row["failure"]] = row["n"]
    failure_counts = [
        (DunningMessage.Failure(code).label, count) for code, count in sorted(by_failure.items(), key=lambda p: -p[1])
    ]
    return {
        "sent": messages,
        "failure_counts": failure_counts,
        "obsolete": by_status.get(DunningMessage.Status.OBSOLETE, 0),
    }
