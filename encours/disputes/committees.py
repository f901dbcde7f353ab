"""Unpaid committees: prepare the monthly pack, record decisions with attendees, sign off."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Min, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from encours import contracts
from encours.accounts.models import Role
from encours.accounts.permissions import can, is_system, portfolio_scoped, require
from encours.audit.services import audit_record
from encours.contracts import LastAction, last_actions
from encours.core import committees as ladder
from encours.core.errors import PermissionDenied, ValidationFailed
from encours.disputes.enactment import committee_enact
from encours.disputes.models import ACTIVE_STATUSES, Committee, CommitteeCase, Decision, Dispute
from encours.disputes.selectors import disputed_lines
from encours.ledger.models import Customer, Item, ItemType
from encours.ledger.queries import functional_open, open_q, overdue_q
from encours.ledger.selectors import customers_for, entities_for


def committees_for(user: Any) -> QuerySet[Committee]:
    """Committees of the user's legal entities; a regional director sees their region's only, and a
    role scoped to a portfolio (sales rep) only those holding at least one of their own customers."""
    if not user.is_authenticated or not can(user, "reports.view"):
        return Committee.objects.none()
    if user.role == Role.REGIONAL_DIRECTOR:
        return Committee.objects.filter(region=user.region) if user.region else Committee.objects.none()
    entities = entities_for(user)
    regions = customers_for(user).values("region")
    found = Committee.objects.filter(Q(entity__in=entities) | (Q(entity__isnull=True) & Q(region__in=regions)))
    if portfolio_scoped(user):
        held = CommitteeCase.objects.filter(customer__in=customers_for(user)).values("committee_id")
        found = found.filter(pk__in=held)
    return found


def committee_get(*, user: Any, pk: int) -> Committee:
    committee = committees_for(user).select_related("entity", "signed_by", "previous").filter(pk=pk).first()
    if committee is None:
        raise Http404("committee not found")
    return committee


def _require_in_scope(committee: Committee, user: Any) -> None:
    if is_system(user):
        return
    if not committees_for(user).filter(pk=committee.pk).exists():
        raise PermissionDenied(f"{user} may not act on committee {committee.pk}")


def _scope(committee: Committee) -> QuerySet[Customer]:
    customers = Customer.objects.all()
    if committee.entity_id:
        customers = customers.filter(entity_id=committee.entity_id)
    if committee.region:
        customers = customers.filter(region=committee.region)
    return customers


def _candidates(committee: Committee) -> QuerySet[Any]:
    """Customers over the thresholds, with their figures, in one aggregate query."""
    as_of = committee.as_of
    overdue = overdue_q(as_of, prefix="items__")
    open_expr = functional_open(prefix="items__")
    return (
        _scope(committee)
        .annotate(
            overdue=Sum(open_expr, filter=overdue),
            open_total=Sum(open_expr, filter=open_q(prefix="items__")),
            oldest_due=Min("items__due_date", filter=overdue),
        )
        .filter(overdue__gte=committee.min_amount, oldest_due__lte=as_of - timedelta(days=committee.min_days_late))
        .values("pk", "overdue", "open_total", "oldest_due", "is_blocked")
        .order_by("-overdue")
    )


@transaction.atomic
def committee_prepare(
    *,
    user: Any,
    month: date,
    as_of: date,
    region: str = "",
    entity: Any = None,
    min_days_late: int = 60,
    min_amount: Decimal = Decimal(5000),
) -> Committee:
    require(user, "committee.prepare")
    if not region and entity is None:
        raise ValidationFailed("a committee is for a region or a legal entity")
    if region and not customers_for(user).filter(region=region).exists():
        raise ValidationFailed(f"no customer of yours in region {region!r}")
    month = month.replace(day=1)
    if Committee.objects.filter(month=month, region=region, entity=entity).exists():
        raise ValidationFailed(f"a committee already exists for {region or entity} in {month:%m/%Y}")
    previous = Committee.objects.filter(region=region, entity=entity, month__lt=month).order_by("-month").first()
    committee = Committee.objects.create(
        month=month,
        as_of=as_of,
        region=region,
        entity=entity,
        min_days_late=min_days_late,
        min_amount=min_amount,
        previous=previous,
        created_by=user,
    )
    rows = list(_candidates(committee))
    ids = [row["pk"] for row in rows]
    disputed = dict(
        disputed_lines(as_of=as_of)
        .filter(item__customer_id__in=ids)
        .values("item__customer_id")
        .annotate(total=Sum("amount"))
        .values_list("item__customer_id", "total")
        .order_by()
    )
    previous_cases = {case.customer_id: case for case in previous.cases.all()} if previous is not None else {}
    cases = []
    for row in rows:
        prior = previous_cases.get(row["pk"])
        days = (as_of - row["oldest_due"]).days
        facts = ladder.CaseFacts(
            days_late=days,
            overdue=row["overdue"],
            disputed=disputed.get(row["pk"], Decimal(0)),
            previous=(prior.decision or prior.proposed) if prior else "",
            blocked=row["is_blocked"],
        )
        proposal = ladder.propose(facts)
        cases.append(
            CommitteeCase(
                committee=committee,
                customer_id=row["pk"],
                overdue_amount=row["overdue"],
                open_amount=row["open_total"] or Decimal(0),
                disputed_amount=facts.disputed,
                max_days_late=days,
                proposed=proposal.decision,
                proposed_reason=proposal.reason,
                provision_percent=proposal.provision_percent,
                previous_case=prior,
            )
        )
    CommitteeCase.objects.bulk_create(cases)
    audit_record(
        actor=user,
        action="committee.prepare",
        obj=committee,
        entity_id=committee.entity_id,
        after={"month": month, "region": region, "cases": len(cases), "as_of": as_of},
    )
    return committee


@dataclass(frozen=True, slots=True)
class CaseDecision:
    decision: str
    provision_percent: Decimal | None = None
    note: str = ""
    new_limit: Decimal | None = None


@transaction.atomic
def committee_record(
    *, committee: Committee, user: Any, held_on: date, attendees: str, decisions: dict[int, CaseDecision]
) -> Committee:
    """Record what the committee decided for each customer, and who attended."""
    require(user, "committee.prepare")
    _require_in_scope(committee, user)
    committee = Committee.objects.select_for_update().get(pk=committee.pk)
    if committee.state == Committee.State.SIGNED:
        raise ValidationFailed("this committee is signed off: its decisions can no longer change")
    if not attendees.strip():
        raise ValidationFailed("list the attendees of the committee")
    in_scope = committee.cases.all() if is_system(user) else committee.cases.filter(customer__in=customers_for(user))
    cases = {case.pk: case for case in in_scope.select_related("customer")}
    valid = {choice for choice, _ in Decision.choices}
    for case_id, decided in decisions.items():
        case = cases.get(case_id)
        if case is None:
            raise ValidationFailed(f"case {case_id} is not in this committee")
        if decided.decision not in valid:
            raise ValidationFailed(f"{case.customer.name}: unknown decision {decided.decision!r}")
        percent = decided.provision_percent
        if decided.decision == Decision.PROVISION and (percent is None or not 0 < percent <= 100):
            raise ValidationFailed(f"{case.customer.name}: a provision needs a percentage between 0 and 100")
        limit = decided.new_limit
        if decided.decision == Decision.LIMIT_CHANGE and (limit is None or limit < 0):
            raise ValidationFailed(f"{case.customer.name}: a limit change needs the new limit (0 or more)")
        case.decision = decided.decision
        case.provision_percent = percent if decided.decision == Decision.PROVISION else None
        case.new_limit = limit if decided.decision == Decision.LIMIT_CHANGE else None
        case.decision_note = decided.note
        case.save(update_fields=["decision", "provision_percent", "new_limit", "decision_note"])
    committee.held_on, committee.attendees, committee.state = held_on, attendees.strip(), Committee.State.HELD
    committee.save(update_fields=["held_on", "attendees", "state"])
    audit_record(
        actor=user,
        action="committee.record",
        obj=committee,
        entity_id=committee.entity_id,
        after={
            "held_on": held_on,
            "attendees": committee.attendees,
            "decisions": {cases[k].customer.account_number: v.decision for k, v in decisions.items()},
        },
    )
    return committee


@transaction.atomic
def committee_sign(*, committee: Committee, user: Any, on: date | None = None) -> Committee:
    """The regional director signs off their region's pack (a credit manager any pack); its decisions are
    then enacted (``enactment``): blocks, limits, hand-overs, provisions."""
    require(user, "committee.sign")
    _require_in_scope(committee, user)
    if user.role == Role.REGIONAL_DIRECTOR and committee.region != user.region:
        raise PermissionDenied(f"{user} may only sign the packs of region {user.region!r}")
    committee = Committee.objects.select_for_update().get(pk=committee.pk)
    if committee.state != Committee.State.HELD:
        raise ValidationFailed("record the committee's decisions before signing it off")
    committee.state, committee.signed_by, committee.signed_at = Committee.State.SIGNED, user, timezone.now()
    committee.save(update_fields=["state", "signed_by", "signed_at"])
    audit_record(
        actor=user, action="committee.sign", obj=committee, entity_id=committee.entity_id, after={"signed": True}
    )
    committee_enact(committee=committee, user=user, on=on or timezone.localdate())
    return committee


@dataclass
class CaseView:
    case: CommitteeCase
    disputes: list[Dispute] = field(default_factory=list)
    dunning: list[contracts.DunningEvent] = field(default_factory=list)
    last_action: LastAction | None = None
    last_payment: date | None = None


@dataclass
class Pack:
    committee: Committee
    cases: list[CaseView]
    dunning_known: bool
    actions_known: bool
    totals: dict[str, Decimal]


def committee_pack(*, committee: Committee, user: Any) -> Pack:
    """Everything the pack shows the user — the cases of the customers in their scope, totals on those
    alone — in a fixed number of queries whatever the number of cases."""
    cases = list(
        committee.cases.filter(customer__in=customers_for(user)).select_related(
            "customer", "customer__entity", "previous_case__committee"
        )
    )
    ids = [case.customer_id for case in cases]
    views = {case.customer_id: CaseView(case) for case in cases}
    disputes = (
        Dispute.objects.filter(customer_id__in=ids, status__in=ACTIVE_STATUSES)
        .select_related("reason")
        .order_by("opened_on")
    )
    for dispute in disputes:
        views[dispute.customer_id].disputes.append(dispute)
    since = committee.as_of - timedelta(days=180)
    history = contracts.dunning_history(customer_ids=ids, since=since, until=committee.as_of) if ids else []
    for event in history:
        if event.customer_id in views:
            views[event.customer_id].dunning.append(event)
    actions = last_actions(customer_ids=ids, as_of=committee.as_of) if ids else None
    for customer_id, action in (actions or {}).items():
        if customer_id in views:
            views[customer_id].last_action = action
    payments = (
        Item.objects.filter(customer_id__in=ids, type=ItemType.PAYMENT, document_date__lte=committee.as_of)
        .values("customer_id")
        .annotate(last=Max("document_date"))
        .order_by()
    )
    for row in payments:
        views[row["customer_id"]].last_payment = row["last"]
    totals = {
        "overdue": sum((c.overdue_amount for c in cases), Decimal(0)),
        "disputed": sum((c.disputed_amount for c in cases), Decimal(0)),
        "provision": sum(
            (
                c.overdue_amount * (c.provision_percent or 0) / 100
                for c in cases
                if (c.decision or c.proposed) == Decision.PROVISION
            ),
            Decimal(0),
        ),
    }
    return Pack(committee, [views[case.customer_id] for case in cases], bool(history), actions is not None, totals)
