"""What the ledger itself has to say on the dashboard, before any other app adds its alerts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from encours.contracts import Alert
from encours.core.money import format_amount
from encours.core.terms import LEGAL_CAP_DAYS, LEGAL_CAP_EOM_DAYS
from encours.ledger.models import Customer, ItemType
from encours.ledger.queries import due_q, overdue_on_q
from encours.ledger.sql import functional, items_open_on, money_sum

THRESHOLD_DAYS = 60
WEEK = 7
STALE_CASH_DAYS = 30
NAMES_SHOWN = 5


def _names(rows: list[dict[str, Any]], language: str) -> str:
    shown = [
        f"{row['customer__name']} ({format_amount(row['amount'], row['row_currency'], lang=language)})"
        for row in rows[:NAMES_SHOWN]
    ]
    return ", ".join(shown) + ("…" if len(rows) > NAMES_SHOWN else "")


def _language() -> str:
    return translation.get_language() or "fr"


def _aged_url(as_of: date, column: str) -> str:
    query = urlencode({"as_of": as_of.isoformat(), "by": "customer", "sort": column})
    return f"{reverse('reports:aged_balance')}?{query}"


def newly_overdue_beyond_threshold(*, customers: QuerySet[Customer], user: Any, as_of: date) -> Iterator[Alert]:
    """Customers with an invoice that went past 60 days overdue during the last week."""
    crossed = items_open_on(customers=customers, as_of=as_of).filter(
        overdue_on_q(as_of, more_than_days=THRESHOLD_DAYS), due_q(since=as_of - timedelta(days=THRESHOLD_DAYS + WEEK))
    )
    rows = list(
        crossed.values("customer_id", "customer__name", row_currency=F("entity__currency"))
        .annotate(amount=money_sum(functional(F("open_on"))))
        .order_by("-amount", "customer__name")
    )
    if rows:
        yield Alert(
            severity="bad",
            title=ngettext(
                "%(count)d customer went beyond %(days)d days overdue this week",
                "%(count)d customers went beyond %(days)d days overdue this week",
                len(rows),
            )
            % {"count": len(rows), "days": THRESHOLD_DAYS},
            detail=_names(rows, _language()),
            url=_aged_url(as_of, "-overdue"),
            count=len(rows),
            source="ledger",
        )


def terms_beyond_legal_cap(*, customers: QuerySet[Customer], user: Any, as_of: date) -> Iterator[Alert]:
    """Payment terms longer than L441-10 allows: 60 days net or 45 days end of month."""
    beyond = customers.filter(
        Q(terms_end_of_month=False, terms_days__gt=LEGAL_CAP_DAYS)
        | Q(terms_end_of_month=True, terms_days__gt=LEGAL_CAP_EOM_DAYS)
        | Q(terms_days__isnull=True, terms_end_of_month=False, entity__default_terms_days__gt=LEGAL_CAP_DAYS)
        | Q(terms_days__isnull=True, terms_end_of_month=True, entity__default_terms_days__gt=LEGAL_CAP_EOM_DAYS)
    )
    names = list(beyond.order_by("name").values_list("name", flat=True)[: NAMES_SHOWN + 1])
    if names:
        count = beyond.count() if len(names) > NAMES_SHOWN else len(names)
        yield Alert(
            severity="warn",
            title=ngettext(
                "%(count)d customer has payment terms beyond the legal cap (60 days / 45 days end of month)",
                "%(count)d customers have payment terms beyond the legal cap (60 days / 45 days end of month)",
                count,
            )
            % {"count": count},
            detail=", ".join(names[:NAMES_SHOWN]) + ("…" if count > NAMES_SHOWN else ""),
            url=reverse("ledger:customers"),
            count=count,
            source="ledger",
        )


def unapplied_cash(*, customers: QuerySet[Customer], user: Any, as_of: date) -> Iterator[Alert]:
    """Payments received more than 30 days ago and still not allocated to any invoice."""
    stale = items_open_on(customers=customers, as_of=as_of).filter(
        type=ItemType.PAYMENT, amount__lt=0, document_date__lt=as_of - timedelta(days=STALE_CASH_DAYS)
    )
    totals = (
        stale.values(row_currency=F("entity__currency"))
        .annotate(amount=money_sum(functional(F("open_on"))), payments=Count("pk"))
        .order_by("row_currency")
    )
    language = _language()
    for row in totals:
        yield Alert(
            severity="info",
            title=ngettext(
                "%(count)d payment older than %(days)d days is still unapplied",
                "%(count)d payments older than %(days)d days are still unapplied",
                row["payments"],
            )
            % {"count": row["payments"], "days": STALE_CASH_DAYS},
            detail=format_amount(-row["amount"], row["row_currency"], lang=language),
            url=_aged_url(as_of, "unapplied"),
            count=row["payments"],
            source="ledger",
        )
