"""What the risk app tells the other apps: grades (``contracts.GRADES``, registered in ``ready()``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from encours import contracts
from encours.ledger.models import Customer
from encours.risk import selectors
from encours.web.links import id_url


def grades(*, customer_ids: Sequence[int], as_of: date) -> Mapping[int, contracts.GradeInfo]:
    """The stored grade of the latest daily run; customers never graded are graded live."""
    snapshots = selectors.latest_snapshots(list(customer_ids), as_of=as_of, fields=("letter", "score"))
    missing = [pk for pk in customer_ids if pk not in snapshots]
    live = selectors.customer_risks(Customer.objects.filter(pk__in_array=missing), as_of=as_of) if missing else {}
    limits = selectors.current_limit_amounts(list(customer_ids), as_of=as_of)
    url = id_url("risk:customer")
    found: dict[int, contracts.GradeInfo] = {}
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
        found[pk] = contracts.GradeInfo(
            letter=letter,
            score=score,
            credit_limit=amount,
            currency=currency,
            url=url(pk),
        )
    return found
