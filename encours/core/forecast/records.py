"""Plain input records for payment prediction, the cash forecast and adaptive dunning.

The Django side builds these from the ledger; the core never sees a model instance.
One record type serves paid and open invoices: ``settled_date`` is ``None`` while open.

>>> from datetime import date
>>> from decimal import Decimal
>>> invoice = InvoiceRecord(
...     invoice_id="FA-1", customer_id="C1", invoice_date=date(2026, 1, 5),
...     due_date=date(2026, 2, 4), amount=Decimal("1200.00"), settled_date=date(2026, 2, 14),
...     dunning_steps=(DunningStep(stage=1, executed_on=date(2026, 2, 11), channel="email"),),
... )
>>> invoice.days_late, invoice.effective_terms_days, invoice.dunning_stage_reached
(10, 30, 1)
>>> invoice.dunning_stage_at(date(2026, 2, 11)), invoice.dunning_stage_at(date(2026, 2, 12))
(0, 1)
>>> grade_ordinal("b"), grade_ordinal(None)
(2.0, nan)
>>> as_known_on([invoice], date(2026, 2, 14))[0].settled_date is None   # paid that very day
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from encours.core.terms import PaymentTerms

GRADES = ("A", "B", "C", "D", "E")
NET_30 = PaymentTerms(days=30)


@dataclass(frozen=True, slots=True, kw_only=True)
class DunningStep:
    """A dunning step actually executed on an invoice (stage 1 = first reminder)."""

    stage: int
    executed_on: date
    channel: str = "email"


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceRecord:
    """An invoice as the prediction sees it; ``settled_date`` is None while it is open.

    ``amount`` is the invoiced amount, ``open_amount`` what is still due (None: all of it).
    ``sector`` is the NAF division ('47'). A dispute without ``disputed_on`` is taken as
    known from the invoice date (public data sets only carry a flag); it stops being open
    at ``dispute_resolved_on`` or at settlement. ``dunning_steps`` carry their dates so that
    the stage reached can be read at any past date without leaking the outcome. ``grade``
    should be the customer's grade when the invoice was issued: today's grade, lowered
    because of the very late payments being predicted, would leak a little.
    """

    invoice_id: str
    customer_id: str
    invoice_date: date
    due_date: date
    amount: Decimal
    currency: str = "EUR"
    entity: str = ""
    settled_date: date | None = None
    open_amount: Decimal | None = None
    terms_days: int | None = None
    group_id: str | None = None
    sector: str | None = None
    grade: str | None = None
    channel: str | None = None
    country: str | None = None
    disputed: bool = False
    disputed_on: date | None = None
    dispute_resolved_on: date | None = None
    dunning_steps: tuple[DunningStep, ...] = ()

    @property
    def is_paid(self) -> bool:
        return self.settled_date is not None

    @property
    def days_late(self) -> int | None:
        """Settlement date minus due date (negative: paid early); None while open."""
        if self.settled_date is None:
            return None
        return (self.settled_date - self.due_date).days

    @property
    def effective_terms_days(self) -> int:
        if self.terms_days is not None:
            return self.terms_days
        return (self.due_date - self.invoice_date).days

    @property
    def remaining_amount(self) -> Decimal:
        if self.settled_date is not None:
            return Decimal(0)
        return self.amount if self.open_amount is None else self.open_amount

    @property
    def dispute_start(self) -> date | None:
        if not self.disputed and self.disputed_on is None:
            return None
        return self.disputed_on or self.invoice_date

    @property
    def dispute_end(self) -> date | None:
        ends = [d for d in (self.dispute_resolved_on, self.settled_date) if d is not None]
        return min(ends) if ends else None

    @property
    def dunning_stage_reached(self) -> int:
        return max((step.stage for step in self.dunning_steps), default=0)

    def dunning_stage_at(self, moment: date) -> int:
        """Highest stage executed strictly before ``moment`` (0: none yet)."""
        return max((s.stage for s in self.dunning_steps if s.executed_on < moment), default=0)

    def is_open_at(self, moment: date) -> bool:
        """Issued on or before ``moment`` and not settled strictly before it."""
        if self.invoice_date > moment:
            return False
        return self.settled_date is None or self.settled_date >= moment


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenOrder:
    """An order not yet invoiced: cash expected at ship date + terms + the customer's delay."""

    order_id: str
    customer_id: str
    expected_ship_date: date
    amount: Decimal
    currency: str = "EUR"
    entity: str = ""
    terms: PaymentTerms = NET_30


def grade_ordinal(grade: str | None) -> float:
    """A=1 … E=5; anything else is unknown (NaN, which gradient boosting handles)."""
    if grade is None:
        return math.nan
    letter = grade.strip().upper()[:1]
    return float(GRADES.index(letter) + 1) if letter and letter in GRADES else math.nan


def as_known_on(invoices: Sequence[InvoiceRecord], moment: date) -> tuple[InvoiceRecord, ...]:
    """The ledger as it stood at the start of ``moment``: later invoices dropped, later
    settlements, disputes, resolutions and dunning steps erased. Used to train "as of" a
    past date and to backtest forecasts without looking ahead. A partial payment has no
    date here: an invoice settled later counts as wholly open."""
    known = []
    for invoice in invoices:
        if invoice.invoice_date > moment:
            continue
        changes: dict[str, object] = {}
        if invoice.settled_date is not None and invoice.settled_date >= moment:
            changes.update(settled_date=None, open_amount=None)
        if invoice.disputed_on is not None and invoice.disputed_on > moment:
            changes.update(disputed=False, disputed_on=None, dispute_resolved_on=None)
        elif invoice.dispute_resolved_on is not None and invoice.dispute_resolved_on >= moment:
            changes["dispute_resolved_on"] = None
        if any(step.executed_on >= moment for step in invoice.dunning_steps):
            changes["dunning_steps"] = tuple(s for s in invoice.dunning_steps if s.executed_on < moment)
        known.append(replace(invoice, **changes) if changes else invoice)  # type: ignore[arg-type]
    return tuple(known)
