"""The weekly report's credit-insurance and factoring section."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import QuerySet, Sum
from django.utils import translation
from django.utils.translation import gettext as _

from encours.contracts import WeeklySection
from encours.core.money import ZERO, format_amount
from encours.insurance.models import Claim, CoverDecision, CoverRequest, FactoringContract, InsurancePolicy
from encours.insurance.providers import DEADLINE_ALERT_DAYS, LOSS_DECISIONS, _undeclared
from encours.insurance.selectors.exposure import buyer_exposures, portfolio_totals
from encours.insurance.services.factoring import factoring_position
from encours.ledger.models import Customer


def insurance_section(*, customers: QuerySet[Customer], as_of: date, since: date) -> WeeklySection | None:
    has_factoring = FactoringContract.objects.filter(entity__customers__in=customers).exists()
    if not InsurancePolicy.objects.exists() and not has_factoring:
        return None
    language = translation.get_language() or "fr"

    def money(amount: object) -> str:
        return format_amount(amount or ZERO, "EUR", lang=language)  # type: ignore[arg-type]

    rows = [r for r in buyer_exposures(customers=customers, as_of=as_of) if r.policy is not None]
    totals = portfolio_totals(rows)
    changed = CoverDecision.objects.filter(
        customer__in=customers, decision__in=LOSS_DECISIONS, effective_on__gte=since, effective_on__lte=as_of
    ).count()
    week_end = as_of + timedelta(days=DEADLINE_ALERT_DAYS)
    due = [r for r in _undeclared(rows) if r.declaration_deadline and r.declaration_deadline <= week_end]
    requests = CoverRequest.objects.filter(customer__in=customers, status__in=CoverRequest.OPEN_STATUSES).count()
    claims = Claim.objects.filter(declaration__customer__in=customers, status=Claim.Status.OPEN).aggregate(
        total=Sum("expected_indemnity")
    )["total"]
    lines = [
        (_("Insured exposure"), money(totals.exposure)),
        (_("Cover in force"), money(totals.cover)),
        (_("Uncovered exposure"), money(totals.uncovered)),
        (_("Buyers over their cover"), str(totals.over_cover)),
        (_("Covers reduced or cancelled this week"), str(changed)),
        (_("Overdue declarations due within 7 days"), str(len(due))),
        (_("Cover requests in progress"), str(requests)),
        (_("Expected indemnity of open claims"), money(claims)),
    ]
    if has_factoring:
        contracts = FactoringContract.objects.filter(entity__customers__in=customers).distinct()
        positions = [factoring_position(contract=c, as_of=as_of) for c in contracts]
        lines.append(
            (_("Factoring: financed receivables"), money(sum((p.approved_outstanding for p in positions), ZERO)))
        )
        lines.append(
            (_("Factoring: available to draw"), money(sum((p.availability.available for p in positions), ZERO)))
        )
    return WeeklySection(key="insurance", title=_("Credit insurance and factoring"), lines=tuple(lines))
