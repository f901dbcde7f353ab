"""Monthly premium statements: for a turnover policy, the declaration of the month's insured
turnover; for an outstanding policy, the insured outstanding at month end; each × the rate."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from encours.accounts.permissions import require
from encours.audit.services import audit_record
from encours.core.errors import InvalidTransition, ValidationFailed
from encours.core.terms import end_of_month
from encours.insurance.models import InsurancePolicy, PremiumStatement
from encours.insurance.selectors.premiums import premium_basis


@transaction.atomic
def premium_statement_create(*, policy: InsurancePolicy, month: date, user: Any, today: date) -> PremiumStatement:
    """Declare the month of ``month`` for the policy: once per month, only once the month is over."""
    require(user, "insurance.manage", entity=policy.entity)
    start, end = month.replace(day=1), end_of_month(month)
    if end >= today:
        raise ValidationFailed(f"month {start:%Y-%m}: a month can be declared once it is over")
    if start < policy.start_date.replace(day=1) or (policy.end_date is not None and start > policy.end_date):
        raise ValidationFailed(f"month {start:%Y-%m}: outside the policy period")
    if PremiumStatement.objects.select_for_update().filter(policy=policy, period_start=start).exists():
        raise InvalidTransition(f"month {start:%Y-%m} is already declared for policy {policy.number}")
    basis = premium_basis(policy=policy, period_start=start, period_end=end)
    statement = PremiumStatement.objects.create(
        policy=policy,
        period_start=start,
        period_end=end,
        basis=basis.basis,
        base_amount=basis.base_amount,
        rate=basis.rate,
        premium=basis.premium,
        buyers=basis.buyers,
        excluded_buyers=basis.excluded_buyers,
        declared_on=today,
        created_by=user,
    )
    audit_record(
        actor=user,
        action="insurance.premium_statement",
        obj=statement,
        entity_id=policy.entity_id,
        after={
            "period": f"{start:%Y-%m}",
            "basis": basis.basis,
            "base_amount": basis.base_amount,
            "rate": basis.rate,
            "premium": basis.premium,
            "excluded_amount": basis.excluded_amount,
        },
    )
    return statement
