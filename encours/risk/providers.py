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
    snapshots = selectors.latest_snapshots(list(customer_ids), as_of=as_of, fields=("letter", "score"))
    missing = [pk for pk in customer_ids if pk not in snapshots]
    live = selectors.customer_risks(Customer.objects.filter(pk__in_array=missing), as_of=as_of) if missing else {}
    limits = selectors.current_limit_amounts(list(customer_ids), as_of=as_of)
    # one reverse() for all: thousands of customers on the collectors' worklist
    url_head, url_tail = reverse("risk:customer", args=[987654321]).split("987654321")
    found: dict[int, hooks.GradeInfo] = {}
    for pk in customer_ids:
        amount, currency = limits.get(pk, (None, "EUR"))
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
            credit_limit=amount,
            currency=currency,
            url=f"{url_head}{pk}{url_tail}",
        )
    return found
