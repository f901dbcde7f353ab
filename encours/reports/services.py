"""Writes of the reports app: sending the weekly report to its distribution list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from encours.audit.services import audit_record
from encours.core.errors import ValidationFailed
from encours.ledger.models import LegalEntity
from encours.reports.documents import weekly_context, weekly_pdf
from encours.reports.selectors.scope import report_customers
from encours.reports.selectors.weekly import WeeklyReport, weekly_report


@dataclass(frozen=True, slots=True)
class WeeklyReportSent:
    as_of: date
    recipients: tuple[str, ...]
    subject: str
    attachment: str
    attachment_bytes: int


def recipients_parse(text: str | Sequence[str]) -> tuple[str, ...]:
    """'a@x.fr, b@y.fr' (or a list) → checked addresses; the first bad one is named."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    addresses = tuple(dict.fromkeys(part.strip() for part in parts if part.strip()))
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationFailed(f"not an email address: {address!r}") from None
    return addresses


def _title(entity_siren: str | None) -> str:
    if not entity_siren:
        return _("All legal entities")
    entity = LegalEntity.objects.filter(siren=entity_siren).first()
    return f"{entity.name} ({entity.siren})" if entity else entity_siren


def weekly_report_build(*, as_of: date, entity_siren: str | None = None, user: Any = None) -> WeeklyReport:
    customers = report_customers(user=user, entity_siren=entity_siren)
    return weekly_report(customers=customers, as_of=as_of, title=_title(entity_siren))


def weekly_report_send(
    *,
    as_of: date,
    recipients: Sequence[str],
    entity_siren: str | None = None,
    language: str | None = None,
    actor: Any = None,
) -> WeeklyReportSent:
    """Email the weekly report (summary in the body, PDF attached) to ``recipients`` and record it."""
    addresses = recipients_parse(recipients)
    if not addresses:
        raise ValidationFailed("no recipient: give --email a@x,b@y or set REPORTS_WEEKLY_RECIPIENTS")
    with translation.override(language or settings.REPORTS_WEEKLY_LANGUAGE):
        report = weekly_report_build(as_of=as_of, entity_siren=entity_siren)
        pdf = weekly_pdf(report)
        context = weekly_context(report, charts=False)
        subject = _("Weekly receivables report, %(date)s — %(scope)s") % {
            "date": as_of.isoformat(),
            "scope": report.title,
        }
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("reports/weekly_email.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=list(addresses),
        )
        message.attach_alternative(render_to_string("reports/weekly_email.html", context), "text/html")
        attachment = f"encours-weekly-report-{as_of.isoformat()}.pdf"
        message.attach(attachment, pdf, "application/pdf")
        message.send()
    with transaction.atomic():
        entity = LegalEntity.objects.filter(siren=entity_siren).first() if entity_siren else None
        audit_record(
            actor=actor if actor is not None else "scheduler",
            action="reports.weekly_report_sent",
            object_type="reports.weekly",
            object_repr=subject,
            entity_id=entity.pk if entity else None,
            after={"as_of": as_of, "recipients": list(addresses), "attachment": attachment, "bytes": len(pdf)},
        )
    return WeeklyReportSent(as_of, addresses, subject, attachment, len(pdf))
