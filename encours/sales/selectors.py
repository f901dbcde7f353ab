"""Reads of the sales loop, scoped by the ledger's ``customers_for``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from encours.ledger.selectors import customers_for
from encours.sales.models import FieldNote, ReleaseRequest


def release_requests_for(user: Any) -> QuerySet[ReleaseRequest]:
    return ReleaseRequest.objects.filter(customer__in=customers_for(user))


def field_notes_of(*, customer: Any, limit: int = 50) -> list[FieldNote]:
    return list(FieldNote.objects.filter(customer=customer).select_related("author")[:limit])
