"""What collections tells the other apps: dunning history and timing, last actions,
litigation, dashboard alerts (``encours.contracts``, registered in ``ready()``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Max, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from encours import contracts
from encours.collections.labels import STEP_LABELS
from encours.collections.models import CallTask, DunningMessage, LitigationCase, Promise
from encours.contracts import Alert, LastAction


def dunning_history(
    *, customer_ids: Sequence[int] | None, since: date, until: date
) -> Iterable[contracts.DunningEvent]:
    messages = DunningMessage.objects.filter(
        executed_on__gte=since, executed_on__lte=until, status=DunningMessage.Status.SENT
    ).exclude(step_code="statement")
    if customer_ids is not None:
        messages = messages.filter(customer_id__in=customer_ids)
    for row in messages.order_by("executed_on", "pk").values(
        "customer_id", "item_ids", "step_code", "step_order", "channel", "executed_on", "total"
    ):
        yield contracts.DunningEvent(
            customer_id=row["customer_id"],
            item_ids=tuple(row["item_ids"]),
            step_code=row["step_code"],
            step_label=str(STEP_LABELS.get(row["step_code"], row["step_code"])),
            step_order=row["step_order"],
            channel=row["channel"],
            on=row["executed_on"],
            amount=row["total"],
        )


def last_actions(*, customer_ids: Sequence[int], as_of: date) -> Mapping[int, LastAction]:
    latest: dict[int, LastAction] = {}
    messages = (
        DunningMessage.objects.filter(customer_id__in=customer_ids, executed_on__lte=as_of, status="sent")
        .order_by("customer_id", "-executed_on", "-pk")
        .values_list("customer_id", "executed_on", "step_code")
    )
    for customer_id, on, step in messages:
        if customer_id not in latest:
            latest[customer_id] = LastAction(on, _("%(step)s sent") % {"step": STEP_LABELS.get(step, step)})
    calls = (
        CallTask.objects.filter(customer_id__in=customer_ids, done_on__lte=as_of)
        .order_by("customer_id", "-done_on", "-pk")
        .values_list("customer_id", "done_on", "outcome")
    )
    for customer_id, on, outcome in calls:
        known = latest.get(customer_id)
        if known is None or on > known.on:
            label = _("Call") + ": " + str(CallTask.Outcome(outcome).label if outcome else "")
            latest[customer_id] = LastAction(on, label)
    return latest


def litigation_spans(*, until: date) -> list[contracts.LitigationSpan]:
    """The hand-overs to litigation or a collection agency up to ``until`` (the ``LITIGATION`` contract)."""
    cases = LitigationCase.objects.filter(opened_on__lte=until).order_by("opened_on", "pk")
    return [
        contracts.LitigationSpan(item_id=item_id, opened_on=opened_on, closed_on=closed_on)
        for item_id, opened_on, closed_on in cases.values_list("item_id", "opened_on", "closed_on")
    ]


def collections_alerts(*, customers: QuerySet[Any], user: Any, as_of: date) -> Iterable[Alert]:
    since = as_of - timedelta(days=14)
    failed = Promise.objects.filter(
        customer__in=customers,
        status__in=[Promise.Status.BROKEN, Promise.Status.PARTIALLY_KEPT],
        status_on__gte=since,
        status_on__lte=as_of,
    ).aggregate(count=Count("pk"), last=Max("status_on"))
    worklist = _worklist_url()
    if failed["count"]:
        yield Alert(
            "bad",
            _("Broken promises to pay"),
            _("promises not kept in the last 14 days: dunning has resumed"),
            worklist,
            failed["count"],
            "collections",
        )
    calls = CallTask.objects.filter(customer__in=customers, done_on__isnull=True, due_on__lte=as_of).count()
    if calls:
        yield Alert("warn", _("Calls due"), _("call tasks due today or overdue"), worklist, calls, "collections")


def _worklist_url() -> str:
    try:
        return reverse("collections:worklist")
    except Exception:  # the URL exists once the pages are in
        return ""
