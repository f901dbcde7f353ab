"""The ledger's reading rules, written once: which items are open, owed, overdue or open on a past
date, what they amount to in the functional currency, and the aged-balance columns.

Every app reads items through these, never by re-typing the lookups:
``Item.objects.open()``, ``customer.items.overdue(as_of)`` (``ItemQuerySet`` is the manager of
``Item``, so related managers have the methods too), or the ``…_q(prefix=…)`` conditions inside
another model's query (``open_debit_q(prefix="item__")``). ``tests/ledger/test_query_layer.py``
fails when ``due_date__lt``, ``open_amount__gt``, ``settled_on__isnull`` or the functional product
appears in ``encours/`` outside ``encours/ledger``.

The current state (``open_amount``, ``settled_on``, kept from the allocations by
``ledger.services.items.items_refresh_open``):

- **open**: not settled (``settled_on`` empty), debits and credits alike; their sum is the open
  balance net of unapplied credits;
- **open debit**: open with a positive open amount (an invoice, a debit adjustment, paid in part
  or not). A debit fully allocated is settled, so "not settled and ``amount`` > 0" selects the same
  rows;
- **overdue on D**: an open debit that existed on D (``document_date`` ≤ D) and fell due before D
  (``more_than_days``: before D − that many days);
- **not due on D**: an open debit due on or after D;
- **unapplied**: open with a negative open amount (payments, credit notes not yet allocated).

A past date D (``open_on``): an item exists when ``document_date`` ≤ D, an allocation counts when
dated ≤ D (see ``encours.ledger.sql``); debits and credits are told by the sign of ``amount``.

The aged-balance columns are built from ``encours.core.aging.aging_buckets`` (``due_dates``), so
the SQL cut is the core's ``bucket_for`` (kept equal by tests/ledger/test_query_layer.py).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Round

from encours.core.aging import aging_buckets

if TYPE_CHECKING:
    from encours.ledger.models import Item

    _Base = QuerySet[Item]
else:
    _Base = QuerySet

MONEY = DecimalField(max_digits=24, decimal_places=6)
ZERO = Value(Decimal(0), output_field=MONEY)


def _lookups(prefix: str, **lookups: Any) -> Q:
    return Q(**{prefix + name: value for name, value in lookups.items()})


def functional_open(prefix: str = "") -> ExpressionWrapper:
    """The open amount in the entity's functional currency (open amount × the item's rate)."""
    return ExpressionWrapper(F(prefix + "open_amount") * F(prefix + "fx_rate"), output_field=MONEY)


FUNCTIONAL_OPEN = functional_open()


def open_q(*, prefix: str = "") -> Q:
    """Not settled: debits still owed and unapplied credits."""
    return _lookups(prefix, settled_on__isnull=True)


def open_debit_q(*, prefix: str = "") -> Q:
    """Open with a positive open amount: what the customer still owes on a debit."""
    return _lookups(prefix, settled_on__isnull=True, open_amount__gt=0)


def unapplied_q(*, prefix: str = "") -> Q:
    """Open with a negative open amount: a credit not yet allocated."""
    return _lookups(prefix, settled_on__isnull=True, open_amount__lt=0)


def due_q(*, since: date | None = None, before: date | None = None, prefix: str = "") -> Q:
    """Due on or after ``since`` and before ``before`` (either end may be left open); says
    nothing of the item's state (penalties are owed on invoices paid late, too)."""
    lookups: dict[str, date] = {}
    if since is not None:
        lookups["due_date__gte"] = since
    if before is not None:
        lookups["due_date__lt"] = before
    return _lookups(prefix, **lookups)


def overdue_q(as_of: date, *, more_than_days: int = 0, prefix: str = "") -> Q:
    """An open debit existing on ``as_of`` and due before it (before ``as_of`` − ``more_than_days``)."""
    return (
        open_debit_q(prefix=prefix)
        & due_q(before=as_of - timedelta(days=more_than_days), prefix=prefix)
        & _lookups(prefix, document_date__lte=as_of)
    )


def not_due_q(as_of: date, *, prefix: str = "") -> Q:
    """An open debit due on or after ``as_of``."""
    return open_debit_q(prefix=prefix) & due_q(since=as_of, prefix=prefix)


def overdue_on_q(as_of: date, *, more_than_days: int = 0) -> Q:
    """Among the items open on ``as_of`` (``open_on``): a debit due before ``as_of`` − ``more_than_days``."""
    return Q(amount__gt=0) & due_q(before=as_of - timedelta(days=more_than_days))


def aging_columns(*, as_of: date, edges: tuple[int, ...], horizons: tuple[int, ...]) -> dict[str, Q]:
    """The aged-balance columns as conditions on an item open on ``as_of`` (debit: ``amount`` ≥ 0).

    ``b0`` not due, ``b1``… one per edge, the last one open-ended (each from the core bucket's
    ``due_dates``); ``h0``… not due and falling due within each horizon (cumulative);
    ``unapplied`` the credits. An item with a zero amount is never open: ``overdue_on_q`` is
    every bucket but ``b0``.
    """
    debit = Q(amount__gte=0)
    columns: dict[str, Q] = {}
    for index, bucket in enumerate(aging_buckets(edges=edges)):
        earliest, latest = bucket.due_dates(as_of=as_of)
        columns[f"b{index}"] = debit & due_q(
            since=earliest, before=None if latest is None else latest + timedelta(days=1)
        )
    for index, horizon in enumerate(horizons):
        columns[f"h{index}"] = debit & due_q(since=as_of, before=as_of + timedelta(days=horizon + 1))
    columns["unapplied"] = Q(amount__lt=0)
    return columns


class ItemQuerySet(_Base):
    """``Item.objects`` and every related item manager (``customer.items``)."""

    def open(self) -> ItemQuerySet:
        return self.filter(open_q())

    def open_debits(self) -> ItemQuerySet:
        return self.filter(open_debit_q())

    def unapplied(self) -> ItemQuerySet:
        return self.filter(unapplied_q())

    def overdue(self, as_of: date, *, more_than_days: int = 0) -> ItemQuerySet:
        return self.filter(overdue_q(as_of, more_than_days=more_than_days))

    def not_due(self, as_of: date) -> ItemQuerySet:
        return self.filter(not_due_q(as_of))

    def due(self, *, since: date | None = None, before: date | None = None) -> ItemQuerySet:
        return self.filter(due_q(since=since, before=before))

    def open_on(self, as_of: date, *, current_state: bool | None = None) -> ItemQuerySet:
        """The items that may be open on ``as_of``, annotated ``open_on`` (their open amount on
        that date, in the item's currency; zero for some, which a caller may exclude)."""
        candidate, amount = open_on(as_of=as_of, current_state=current_state)
        return self.filter(candidate, document_date__lte=as_of).annotate(open_on=amount)

    def functional_sum(self) -> Decimal:
        """Σ open amount × rate (the functional currency), zero when empty."""
        total: Decimal = self.aggregate(total=Coalesce(Sum(FUNCTIONAL_OPEN), ZERO))["total"]
        return total


def functional_open_by_customer(items: QuerySet[Any]) -> Coalesce:
    """Σ functional open amount of ``items`` (filtered on ``customer=OuterRef("pk")``), as a
    subquery of a customer query; zero when none."""
    total = items.order_by().values("customer").annotate(total=Sum(FUNCTIONAL_OPEN)).values("total")
    return Coalesce(Subquery(total, output_field=MONEY), ZERO)


def _allocations() -> Any:
    # by name: the models module builds its manager from this one
    return apps.get_model("ledger", "Allocation")


def allocated(side: str, *, as_of: date | None = None) -> Coalesce:
    """Σ allocations on the outer item's ``side`` ("debit": received, "credit": given), those dated
    up to ``as_of`` (None: all of them), as a subquery; zero when none."""
    counted = _allocations().objects.filter(**{side: OuterRef("pk")}).order_by()
    if as_of is not None:
        counted = counted.filter(date__lte=as_of)
    total = counted.values(side).annotate(total=Sum("amount")).values("total")
    return Coalesce(Subquery(total, output_field=MONEY), ZERO)


def open_amount(*, as_of: date | None = None) -> ExpressionWrapper:
    """The open amount of an item, from its allocations (dated up to ``as_of``; None: all):
    amount − allocations received + allocations given. The SQL form of the reference
    ``encours.core.open_items.AllocationIndex.open_amount`` (kept equal by
    tests/ledger/test_open_amount_reference.py)."""
    exact = F("amount") - allocated("debit", as_of=as_of) + allocated("credit", as_of=as_of)
    # ROUND to the stored 3 decimals: SQLite adds REALs (0.35 − 0.33 − 0.01 is 0.00999999999999996
    # there), which left a settled item open by a hair; PostgreSQL's numeric is exact anyway.
    return ExpressionWrapper(Round(exact, 3), output_field=MONEY)


def allocations_after(as_of: date) -> bool:
    """Whether some allocation is dated after ``as_of`` (then stored open amounts are too recent)."""
    return bool(_allocations().objects.filter(date__gt=as_of).exists())


def open_on(*, as_of: date, current_state: bool | None = None) -> tuple[Q, Any]:
    """(the condition for an item to possibly be open on ``as_of``, its open amount on that date).

    ``current_state`` (computed when None) says that no allocation is dated after ``as_of``: the
    stored open amount is then the one on ``as_of``.
    """
    if current_state is None:
        current_state = not allocations_after(as_of)
    if current_state:
        return open_q(), F("open_amount")
    return open_q() | Q(settled_on__gt=as_of), open_amount(as_of=as_of)
