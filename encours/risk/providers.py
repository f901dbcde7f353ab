"""What the risk app tells the other apps: grades (``hooks.grades_provider``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from django.urls import reverse

from encours.ledger.models import Customer
from encours.risk import selectors
from encours.web import hooks


@hooks.grades_provider
def grades(*, customer_ids: Sequence[int], as_of: date) -> Mapping[int, hooks.GradeInfo]:
    """The stored grade of the latest daily run; customers never graded are graded live."""
    snapshots = selectors.latest_snapshots(list(customer_ids), as_of=as_of)
    missing = [pk for pk in customer_ids if pk not in snapshots]
    live = selectors.customer_risks(Customer.objects.filter(pk__in=missing), as_of=as_of) if missing else {}
    limits = selectors.current_limits(list(customer_ids), as_of=as_of)
    found: dict[int, hooks.GradeInfo] = {}
    for pk in customer_ids:
        limit = limits.get(pk)
        snapshot = snapshots.get(pk)
        if snapshot is not None:
            letter, score = snapshot.letter, snapshot.score
        elif pk in live and live[pk].grade is not None:
            letter, score = live[pk].grade.letter or "", live[pk].grade.score  # type: ignore[union-attr]
        else:
            continue
        if not letter:
            continue
        found[pk] = hooks.GradeInfo(
            letter=letter,
            score=score,
            credit_limit=limit.amount if limit else None,
            currency=limit.currency if limit else "EUR",
            url=reverse("risk:customer", args=[pk]),
        )
    return found
