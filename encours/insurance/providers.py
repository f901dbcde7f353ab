"""What insurance tells the other apps: covers in force (risk), factored invoices (collections),
declaration deadlines (collector worklist) and the dashboard alerts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Min, QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from encours import contracts
from encours.contracts import Alert
from encours.core.money import ZERO, format_amount
from encours.insurance.models import (
    AssignedInvoice,
    CoverDecision,
    Decision,
    Declaration,
    InsurancePolicy,
)
from encours.insurance.selectors.exposure import BuyerExposure, buyer_exposures, cover_of, latest_decision_ids
from encours.ledger.models import Customer, Item, ItemType
from encours.ledger.queries import open_on
from encours.web import formats
from encours.web.links import id_url

RECENT_CHANGE_DAYS = 7
EXPIRY_WARNING_DAYS = 30
DEADLINE_ALERT_DAYS = 7
DEADLINE_TASK_DAYS = 15
NAMES_SHOWN = 5
LOSS_DECISIONS = (Decision.REDUCED, Decision.CANCELLED, Decision.CANCELLED_BY_INSURED)


def _url(name: str, *args: Any) -> str:
    return reverse(name, args=args)


def covers(*, customer_ids: Sequence[int], as_of: date) -> Mapping[int, contracts.CoverInfo]:
    customers = Customer.objects.filter(pk__in_array=list(customer_ids))
    ids = latest_decision_ids(customers=customers, as_of=as_of)
    decisions = CoverDecision.objects.select_related("policy").in_bulk(list(ids.values()))
    buyers = customers.filter(pk__in_array=list(ids)).in_bulk()
    found = {}
    for customer_id, decision_id in ids.items():
        decision = decisions[decision_id]
        outside = decision.policy.outside_reason(buyers[customer_id])
        found[customer_id] = contracts.CoverInfo(
            granted=cover_of(decision, as_of, outside_policy=outside),
            currency=decision.currency,
            insurer=decision.policy.insurer,
            expires_on=decision.expires_on,
            url=_url("insurance:buyer", customer_id),
        )
    return found


def factored_items(*, item_ids: Sequence[int], as_of: date) -> Mapping[int, contracts.FactoringInfo]:
    lines = (
        AssignedInvoice.objects.filter(item_id__in_array=list(item_ids), bordereau__assigned_on__lte=as_of)
        .exclude(returned_on__lte=as_of)
        .select_related("bordereau__contract")
    )
    return {
        line.item_id: contracts.FactoringInfo(
            factor_name=line.bordereau.contract.factor,
            iban=line.bordereau.contract.iban,
            contract_reference=line.bordereau.contract.number,
        )
        for line in lines
    }


def _undeclared(rows: list[BuyerExposure]) -> list[BuyerExposure]:
    with_deadline = [r for r in rows if r.declaration_deadline is not None]
    declared = set(
        Declaration.objects.filter(
            customer_id__in_array=[r.customer_id for r in with_deadline],
            status__in=[Declaration.Status.DECLARED, Declaration.Status.CLAIM],
        ).values_list("customer_id", flat=True)
    )
    return [r for r in with_deadline if r.customer_id not in declared]


def _declaration_candidates(customers: QuerySet[Customer], as_of: date, *, window: int) -> list[int]:
    """The customers whose oldest invoice open on the date may reach a deadline within ``window``
    days: due on or before the window's end minus the shortest declaration delay of any policy.
    A superset (the exact deadlines come from ``buyer_exposures``) that spares reading the whole
    portfolio: a collector's worklist and the dashboard ask for it."""
    shortest = InsurancePolicy.objects.aggregate(days=Min("declaration_deadline_days"))["days"]
    if shortest is None:
        return []
    cutoff = min(as_of - timedelta(days=1), as_of + timedelta(days=window - shortest))
    candidate, _amount = open_on(as_of=as_of)
    items = Item.objects.filter(customer__in=customers, type=ItemType.INVOICE, amount__gt=0, document_date__lte=as_of)
    items = items.due(before=cutoff + timedelta(days=1))
    return list(items.filter(candidate).order_by().values_list("customer_id", flat=True).distinct())


def declaration_tasks(*, customers: QuerySet[Customer], user: Any, as_of: date) -> Iterator[contracts.WorkTask]:
    """An insured buyer's oldest overdue invoice reaches its declaration deadline within 15 days."""
    candidates = _declaration_candidates(customers, as_of, window=DEADLINE_TASK_DAYS)
    if not candidates:
        return
    narrowed = Customer.objects.filter(pk__in_array=candidates)  # already within the user's scope
    rows = _undeclared(buyer_exposures(customers=narrowed, as_of=as_of))
    language = translation.get_language() or "fr"
    url = id_url("insurance:buyer")
    for row in rows:
        assert row.declaration_deadline is not None
        days_left = (row.declaration_deadline - as_of).days
        if days_left > DEADLINE_TASK_DAYS:
            continue
        yield contracts.WorkTask(
            customer_id=row.customer_id,
            due_on=row.declaration_deadline,
            title=_("Declare the overdue to the insurer"),
            detail=_("%(amount)s overdue; deadline %(deadline)s (%(policy)s)")
            % {
                "amount": format_amount(row.overdue, row.currency, lang=language),
                "deadline": formats.short_date(row.declaration_deadline),
                "policy": row.policy,
            },
            url=url(row.customer_id),
            source="insurance",
            priority=Decimal(100 - min(days_left, 100)) + row.overdue / 1000,
        )


def _names(rows: list[BuyerExposure], amount: Any) -> str:
    language = translation.get_language() or "fr"
    shown = [f"{r.name} ({format_amount(amount(r), r.currency, lang=language)})" for r in rows[:NAMES_SHOWN]]
    return ", ".join(shown) + ("…" if len(rows) > NAMES_SHOWN else "")


def _money(amount: Decimal, rows: list[BuyerExposure]) -> str:
    currency = rows[0].currency if rows else "EUR"
    return format_amount(amount, currency, lang=translation.get_language() or "fr")


def insurance_alerts(*, customers: QuerySet[Customer], user: Any, as_of: date) -> Iterator[Alert]:
    if not InsurancePolicy.objects.exists():
        return
    rows = buyer_exposures(customers=_alert_buyers(customers, as_of), as_of=as_of)
    portfolio = reverse("insurance:portfolio") + f"?as_of={as_of.isoformat()}"
    yield from _cover_changes(rows, as_of, portfolio)
    over = sorted((r for r in rows if r.cover > 0 and r.uncovered > 0), key=lambda r: -r.uncovered)
    if over:
        total = sum((r.uncovered for r in over), ZERO)
        yield Alert(
            severity="bad",
            title=ngettext(
                "%(count)d buyer over its insured cover: %(amount)s uncovered",
                "%(count)d buyers over their insured cover: %(amount)s uncovered",
                len(over),
            )
            % {"count": len(over), "amount": _money(total, over)},
            detail=_names(over, lambda r: r.uncovered),
            url=portfolio,
            count=len(over),
            source="insurance",
        )
    near = [
        r
        for r in rows
        if r.cover > 0 and r.uncovered == 0 and r.policy and r.exposure >= r.cover * r.policy.alert_share
    ]
    if near:
        yield Alert(
            severity="warn",
            title=ngettext(
                "%(count)d buyer close to its insured cover",
                "%(count)d buyers close to their insured cover",
                len(near),
            )
            % {"count": len(near)},
            detail=_names(near, lambda r: r.cover),
            url=reverse("insurance:requests"),
            count=len(near),
            source="insurance",
        )
    yield from _expiring(rows, as_of, portfolio)
    yield from _deadlines(rows, as_of)


def _alert_buyers(customers: QuerySet[Customer], as_of: date) -> QuerySet[Customer]:
    """The buyers the alerts may name: those with a decision in effect by the date (cover, its
    changes and expiry) and those whose declaration deadline may fall in the alert window —
    a few hundred of a 20 000-customer portfolio, not all of it."""
    holders = CoverDecision.objects.filter(customer__in=customers, effective_on__lte=as_of)
    ids = set(holders.values_list("customer_id", flat=True))
    ids.update(_declaration_candidates(customers, as_of, window=DEADLINE_ALERT_DAYS))
    return Customer.objects.filter(pk__in_array=ids)  # already within the user's scope


def _cover_changes(rows: list[BuyerExposure], as_of: date, url: str) -> Iterator[Alert]:
    """Covers reduced or cancelled with effect during the last week, and what is now uncovered."""
    since = as_of - timedelta(days=RECENT_CHANGE_DAYS - 1)
    changed = [
        r
        for r in rows
        if r.decision is not None
        and r.decision.decision in LOSS_DECISIONS
        and since <= r.decision.effective_on <= as_of
    ]
    if not changed:
        return
    total = sum((r.uncovered for r in changed), ZERO)
    yield Alert(
        severity="bad",
        title=ngettext(
            "Cover reduced or cancelled for %(count)d buyer: %(amount)s now uncovered",
            "Cover reduced or cancelled for %(count)d buyers: %(amount)s now uncovered",
            len(changed),
        )
        % {"count": len(changed), "amount": _money(total, changed)},
        detail=_names(changed, lambda r: r.uncovered),
        url=url,
        count=len(changed),
        source="insurance",
    )


def _expiring(rows: list[BuyerExposure], as_of: date, url: str) -> Iterator[Alert]:
    until = as_of + timedelta(days=EXPIRY_WARNING_DAYS)
    expiring = [
        r
        for r in rows
        if r.cover > 0 and r.decision is not None and r.decision.expires_on and r.decision.expires_on <= until
    ]
    if expiring:
        yield Alert(
            severity="warn",
            title=ngettext(
                "%(count)d buyer cover expires within %(days)d days",
                "%(count)d buyer covers expire within %(days)d days",
                len(expiring),
            )
            % {"count": len(expiring), "days": EXPIRY_WARNING_DAYS},
            detail=_names(expiring, lambda r: r.cover),
            url=url,
            count=len(expiring),
            source="insurance",
        )


def _deadlines(rows: list[BuyerExposure], as_of: date) -> Iterator[Alert]:
    until = as_of + timedelta(days=DEADLINE_ALERT_DAYS)
    close = [r for r in _undeclared(rows) if r.declaration_deadline and as_of <= r.declaration_deadline <= until]
    if close:
        yield Alert(
            severity="bad",
            title=ngettext(
                "%(count)d overdue declaration due to the insurer within %(days)d days",
                "%(count)d overdue declarations due to the insurer within %(days)d days",
                len(close),
            )
            % {"count": len(close), "days": DEADLINE_ALERT_DAYS},
            detail=_names(close, lambda r: r.overdue),
            url=reverse("insurance:declarations"),
            count=len(close),
            source="insurance",
        )
