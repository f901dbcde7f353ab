"""Payment terms and due dates.

A FEC carries no due date: it is the document date plus the customer's terms.

>>> from datetime import date
>>> due_date(date(2026, 1, 31), PaymentTerms(days=30))
datetime.date(2026, 3, 2)
>>> due_date(date(2026, 1, 10), PaymentTerms(days=45, end_of_month=True))
datetime.date(2026, 2, 28)
>>> PaymentTerms(days=60).exceeds_legal_cap()
False
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

# L441-10 Code de commerce: at most 60 days from invoice date or 45 days end of month.
LEGAL_CAP_DAYS = 60
LEGAL_CAP_EOM_DAYS = 45


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentTerms:
    days: int = 30
    end_of_month: bool = False

    def label(self) -> str:
        return f"{self.days} j fin de mois" if self.end_of_month else f"{self.days} j net"

    def exceeds_legal_cap(self) -> bool:
        if self.end_of_month:
            return self.days > LEGAL_CAP_EOM_DAYS
        return self.days > LEGAL_CAP_DAYS


def end_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def due_date(document_date: date, terms: PaymentTerms) -> date:
    """'45 jours fin de mois' is read as document date + 45 days, then end of that month
    (the reading the DGCCRF accepts alongside end of month + 45 days)."""
    due = document_date + timedelta(days=terms.days)
    return end_of_month(due) if terms.end_of_month else due
