"""Imports of financial statements, agency ratings and BODACC-like legal events (CSV or XLSX).

Each file is read through a mapping (field → column header; the default reads the field
names themselves, plus the usual French/BODACC headers for events). All or nothing: every
bad cell is reported with its line and field, and nothing is written when there is one.
Re-importing the same file changes nothing (upserts keyed by SIREN and year, agency and
date, event kind, date and reference).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from encours.accounts.permissions import require
from encours.audit.services import audit_record, audit_record_many
from encours.core.bounds import figure_problem
from encours.core.errors import ImportRejected, InvalidAmount, InvalidFile, RowError
from encours.core.formats.tabular import Table, parse_date, read_table
from encours.core.grading import INSOLVENCY_KINDS, LegalEventKind, open_insolvency
from encours.core.identifiers import siren_error
from encours.core.money import D
from encours.core.payer import add_months
from encours.core.risk_alerts import Alert, AlertKind, Severity
from encours.core.statements import parse_statement_rows
from encours.ledger.models import Customer
from encours.ledger.services.customers import customer_block
from encours.ledger.services.locks import import_lock
from encours.risk.alerting import alert_raise
from encours.risk.models import Company, FinancialStatement, LegalEvent, Rating, RiskImportMapping

STATEMENT_COLUMNS = (
    "siren", "year", "total_assets", "current_assets", "inventories", "cash", "equity", "long_term_debt",
    "total_debt", "current_liabilities", "retained_earnings", "revenue", "value_added", "ebitda", "ebit",
    "financial_expenses", "personnel_expenses", "net_income",
)  # fmt: skip
# optional columns read when present
STATEMENT_EXTRA = ("financial_debt", "pge_outstanding", "receivables", "closed_on", "currency", "name")
RATING_FIELDS = ("siren", "agency", "scale", "rating", "rated_on")
EVENT_FIELDS = ("siren", "kind", "published_on", "description", "reference", "source", "court")
REQUIRED = {
    "statements": ("siren", "year"),
    "ratings": ("siren", "agency", "rating", "rated_on"),
    "legal_events": ("siren", "kind", "published_on"),
}
# headers accepted without a mapping (lower case, accents and separators dropped)
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "ratings": {
        "rated_on": ("rated_on", "date", "rating_date", "date_notation"),
        "agency": ("agency", "agence"),
        "rating": ("rating", "note", "cotation"),
    },
    "legal_events": {
        "kind": ("kind", "type", "nature", "familleavis", "famille_avis", "jugement_nature", "typeavis"),
        "published_on": ("published_on", "date", "dateparution", "date_parution", "date_publication"),
        "reference": ("reference", "numeroannonce", "numero_annonce", "id", "annonce"),
        "description": ("description", "jugement", "texte", "complement_jugement", "details"),
        "court": ("court", "tribunal"),
        "source": ("source", "publication", "parution"),
        "siren": ("siren", "registre", "numero_siren"),
    },
}
# French wording of BODACC judgements → kinds (first match wins: liquidation before "plan")
KIND_WORDS: tuple[tuple[str, LegalEventKind], ...] = (
    ("cloture", LegalEventKind.PROCEEDING_CLOSED),
    ("liquidation judiciaire", LegalEventKind.LIQUIDATION),
    ("liquidation", LegalEventKind.LIQUIDATION),
    ("plan de", LegalEventKind.CONTINUATION_PLAN),
    ("redressement", LegalEventKind.RECEIVERSHIP),
    ("sauvegarde", LegalEventKind.SAFEGUARD),
    ("privilege", LegalEventKind.TAX_SOCIAL_LIEN),
    ("dissolution", LegalEventKind.DISSOLUTION),
    ("dirigeant", LegalEventKind.MANAGEMENT_CHANGE),
    ("gerant", LegalEventKind.MANAGEMENT_CHANGE),
    ("president", LegalEventKind.MANAGEMENT_CHANGE),
    ("administrat", LegalEventKind.MANAGEMENT_CHANGE),
    ("capital", LegalEventKind.OTHER),
    ("modification", LegalEventKind.OTHER),
)
CLAIM_DECLARATION_MONTHS = 2  # Code de commerce R.622-24: two months from the BODACC publication


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("-", "_").replace(" ", "_")


@dataclass(slots=True)
class RiskImportReport:
    kind: str
    file_name: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    prospects: int = 0
    alerts: int = 0
    blocked: int = 0
    details: list[str] = field(default_factory=list)


def mapping_get(name: str | None, kind: str) -> RiskImportMapping | None:
    if not name:
        return None
    mapping = RiskImportMapping.objects.filter(name=name).first()
    if mapping is None:
        raise InvalidFile(f"unknown mapping {name!r}")
    if mapping.kind != kind:
        raise InvalidFile(f"mapping {name!r} is for {mapping.kind}, not {kind}")
    return mapping


def _positions(table: Table, kind: str, fields: tuple[str, ...], mapping: RiskImportMapping | None) -> dict[str, int]:
    """Column position of each field: the mapping's header, else the field name or a known alias."""
    header = {_plain(name): position for position, name in enumerate(table.header) if name}
    positions: dict[str, int] = {}
    columns = (mapping.columns if mapping else {}) or {}
    errors: list[RowError] = []
    for name in fields:
        if name in columns:
            wanted = _plain(str(columns[name]))
            if wanted not in header:
                errors.append(
                    RowError(
                        line=1, column=str(columns[name]), value="", reason=f"column for {name} not found in the header"
                    )
                )
                continue
            positions[name] = header[wanted]
            continue
        for alias in ALIASES.get(kind, {}).get(name, (name,)):
            if _plain(alias) in header:
                positions[name] = header[_plain(alias)]
                break
    for name in REQUIRED[kind]:
        if name not in positions and not any(e.reason.startswith(f"column for {name} ") for e in errors):
            errors.append(RowError(line=1, column=name, value="", reason="required column missing"))
    if errors:
        raise ImportRejected(errors)
    return positions


def _rows(table: Table, positions: dict[str, int]) -> list[tuple[int, dict[str, str]]]:
    rows = []
    for line, cells in table.rows:
        rows.append((line, {name: cells[p] if p < len(cells) else "" for name, p in positions.items()}))
    return rows


def _translate(value: str, name: str, mapping: RiskImportMapping | None) -> str:
    translations = ((mapping.values if mapping else {}) or {}).get(name, {})
    return str(translations.get(value, value))


def _companies(sirens: dict[str, str]) -> tuple[dict[str, Company], int]:
    """Companies by SIREN, creating the unknown ones (named after a customer, or as in the file)."""
    known = {c.siren: c for c in Company.objects.filter(siren__in=list(sirens))}
    customer_names = dict(Customer.objects.filter(siren__in=list(sirens)).values_list("siren", "name"))
    new = [
        Company(siren=siren, name=(customer_names.get(siren) or name or "")[:200])
        for siren, name in sirens.items()
        if siren not in known
    ]
    for company in new:
        company.save()
        known[company.siren] = company
    prospects = sum(1 for c in new if c.siren not in customer_names)
    return known, prospects


# ---------------------------------------------------------------- statements


def import_statements(
    *, raw: bytes, file_name: str, mapping_name: str | None = None, user: Any = None
) -> RiskImportReport:
    require(user, "risk.edit")
    mapping = mapping_get(mapping_name, "statements")
    table = read_table(raw, file_name=file_name)
    positions = _positions(table, "statements", STATEMENT_COLUMNS + STATEMENT_EXTRA, mapping)
    rows = _rows(table, positions)
    parsed: list[tuple[int, Any, dict[str, Any]]] = []
    errors: list[RowError] = []
    seen: set[tuple[str, int]] = set()
    for line, row in rows:
        statements, row_errors = parse_statement_rows([row], first_line=line)
        extra: dict[str, Any] = {"name": row.get("name", "")}
        receivables = (row.get("receivables") or "").strip()
        try:
            extra["receivables"] = D(receivables) if receivables else None
            problem = extra["receivables"] is not None and figure_problem(
                "receivables", extra["receivables"], non_negative=True
            )
            if problem:
                errors.append(RowError(line=line, column="receivables", value=receivables, reason=problem))
        except InvalidAmount as exc:
            errors.append(RowError(line=line, column="receivables", value=receivables, reason=str(exc)))
        closed = (row.get("closed_on") or "").strip()
        try:
            extra["closed_on"] = parse_date(closed) if closed else None
        except (ValueError, InvalidFile) as exc:
            errors.append(RowError(line=line, column="closed_on", value=closed, reason=f"not a date ({exc})"))
        errors += row_errors
        if statements:
            statement = statements[0]
            if (statement.siren, statement.year) in seen:
                errors.append(
                    RowError(
                        line=line,
                        column="year",
                        value=str(statement.year),
                        reason="duplicate siren and year in the file",
                    )
                )
            seen.add((statement.siren, statement.year))
            parsed.append((line, statement, extra))
    if errors:
        raise ImportRejected(errors)
    return _write_statements(parsed, file_name=file_name, user=user, rows=len(rows))


@transaction.atomic
def _write_statements(
    parsed: list[tuple[int, Any, dict[str, Any]]], *, file_name: str, user: Any, rows: int
) -> RiskImportReport:
    import_lock("risk")  # another risk import (they share companies) waits, then sees these rows
    from encours.core.statements import AMOUNT_FIELDS

    report = RiskImportReport("statements", file_name, rows)
    companies, report.prospects = _companies({s.siren: extra["name"] for _, s, extra in parsed})
    existing = {
        (row.company.siren, row.year): row
        for row in FinancialStatement.objects.filter(company__in=companies.values()).select_related("company")
    }
    audits = []
    for line, statement, extra in parsed:
        values: dict[str, Any] = {name: statement.amount(name) for name in AMOUNT_FIELDS}
        values.update(receivables=extra["receivables"], currency=statement.currency)
        if extra["closed_on"] is not None:
            values["closed_on"] = extra["closed_on"]
        row = existing.get((statement.siren, statement.year))
        if row is None:
            row = FinancialStatement(company=companies[statement.siren], year=statement.year, **values)
            row.source = f"{file_name}:{line}"
            row.save()
            report.created += 1
            audits.append(_statement_audit(user, row, None, values, file_name))
            continue
        before = {name: getattr(row, name) for name in values}
        if all(_same(before[name], values[name]) for name in values):
            report.unchanged += 1
            continue
        for name, value in values.items():
            setattr(row, name, value)
        row.source = f"{file_name}:{line}"
        row.save()
        report.updated += 1
        audits.append(_statement_audit(user, row, before, values, file_name))
    audit_record_many(audits)
    return report


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return a == b
    return a == b


def _statement_audit(user: Any, row: FinancialStatement, before: Any, after: Any, file_name: str) -> dict[str, Any]:
    return {
        "actor": user,
        "action": "risk.statement.import",
        "obj": row,
        "before": before,
        "after": after,
        "note": f"{row.company.siren} {row.year} from {file_name}",
    }


# ---------------------------------------------------------------- ratings


def import_ratings(
    *, raw: bytes, file_name: str, mapping_name: str | None = None, user: Any = None
) -> RiskImportReport:
    require(user, "risk.edit")
    mapping = mapping_get(mapping_name, "ratings")
    table = read_table(raw, file_name=file_name)
    rows = _rows(table, _positions(table, "ratings", RATING_FIELDS, mapping))
    errors: list[RowError] = []
    parsed: list[tuple[int, dict[str, Any]]] = []
    seen: set[tuple[str, str, date]] = set()
    for line, row in rows:
        siren = row["siren"].replace(" ", "")
        problem = siren_error(siren) if siren else "missing SIREN"
        if problem:
            errors.append(RowError(line=line, column="siren", value=siren, reason=problem))
        agency = _translate(row["agency"].strip(), "agency", mapping)
        rating = _translate(row["rating"].strip(), "rating", mapping)
        if not agency:
            errors.append(RowError(line=line, column="agency", value="", reason="missing agency"))
        if not rating:
            errors.append(RowError(line=line, column="rating", value="", reason="missing rating"))
        text = row["rated_on"].strip()
        rated_on = None
        try:
            rated_on = parse_date(text, (mapping.values or {}).get("date_format", "") if mapping else "")
        except (ValueError, InvalidFile):
            errors.append(RowError(line=line, column="rated_on", value=text, reason="not a date"))
        if rated_on and not problem and agency:
            if (siren, agency, rated_on) in seen:
                errors.append(
                    RowError(
                        line=line, column="rated_on", value=text, reason="duplicate SIREN, agency and date in the file"
                    )
                )
            seen.add((siren, agency, rated_on))
            parsed.append((line, {"siren": siren, "agency": agency, "rating": rating, "rated_on": rated_on,
                                  "scale": row.get("scale", "").strip()}))  # fmt: skip
    if errors:
        raise ImportRejected(errors)
    return _write_ratings(parsed, file_name=file_name, user=user, rows=len(rows))


@transaction.atomic
def _write_ratings(
    parsed: list[tuple[int, dict[str, Any]]], *, file_name: str, user: Any, rows: int
) -> RiskImportReport:
    import_lock("risk")  # another risk import (they share companies) waits, then sees these rows
    report = RiskImportReport("ratings", file_name, rows)
    companies, report.prospects = _companies({values["siren"]: "" for _, values in parsed})
    audits = []
    for line, values in parsed:
        company = companies[values["siren"]]
        row = Rating.objects.filter(company=company, agency=values["agency"], rated_on=values["rated_on"]).first()
        if row is None:
            row = Rating.objects.create(
                company=company, agency=values["agency"], rated_on=values["rated_on"], rating=values["rating"],
                scale=values["scale"], source=f"{file_name}:{line}",
            )  # fmt: skip
            report.created += 1
        elif row.rating != values["rating"] or row.scale != values["scale"]:
            row.rating, row.scale, row.source = values["rating"], values["scale"], f"{file_name}:{line}"
            row.save()
            report.updated += 1
        else:
            report.unchanged += 1
            continue
        audits.append({"actor": user, "action": "risk.rating.import", "obj": row,
                       "after": {k: str(v) for k, v in values.items()}, "note": file_name})  # fmt: skip
    audit_record_many(audits)
    return report


# ---------------------------------------------------------------- legal events


def event_kind(text: str) -> LegalEventKind | None:
    """A kind from its code (``liquidation``) or from BODACC's French wording."""
    plain = _plain(text).replace("_", " ")
    for kind in LegalEventKind:
        if plain == kind.value.replace("_", " "):
            return kind
    for words, kind in KIND_WORDS:
        if words in plain:
            return kind
    return None


def import_legal_events(
    *, raw: bytes, file_name: str, mapping_name: str | None = None, user: Any = None, as_of: date | None = None
) -> RiskImportReport:
    require(user, "risk.edit")
    mapping = mapping_get(mapping_name, "legal_events")
    table = read_table(raw, file_name=file_name)
    rows = _rows(table, _positions(table, "legal_events", EVENT_FIELDS, mapping))
    errors: list[RowError] = []
    parsed: list[tuple[int, dict[str, Any]]] = []
    for line, row in rows:
        siren = row["siren"].replace(" ", "")
        problem = siren_error(siren) if siren else "missing SIREN"
        if problem:
            errors.append(RowError(line=line, column="siren", value=siren, reason=problem))
        kind_text = _translate(row["kind"].strip(), "kind", mapping)
        kind = event_kind(kind_text)
        if kind in (None, LegalEventKind.OTHER):  # a BODACC family ("collective"): the judgement says which
            kind = event_kind(row.get("description", "")) or kind
        if kind is None:
            errors.append(RowError(line=line, column="kind", value=kind_text, reason="unknown kind of legal event"))
        text = row["published_on"].strip()
        published_on = None
        try:
            published_on = parse_date(text)
        except (ValueError, InvalidFile):
            errors.append(RowError(line=line, column="published_on", value=text, reason="not a date"))
        if not problem and kind is not None and published_on is not None:
            parsed.append((line, {
                "siren": siren, "kind": kind, "published_on": published_on,
                "description": row.get("description", "")[:500] or kind_text[:500],
                "reference": row.get("reference", "")[:80], "source": row.get("source", "")[:120] or "BODACC",
                "court": row.get("court", "")[:120],
            }))  # fmt: skip
    if errors:
        raise ImportRejected(errors)
    return legal_events_record(parsed, file_name=file_name, user=user, rows=len(rows), as_of=as_of)


@transaction.atomic
def legal_events_record(
    parsed: list[tuple[int, dict[str, Any]]], *, file_name: str, user: Any, rows: int, as_of: date | None = None
) -> RiskImportReport:
    """Store new events; a new insolvency in force blocks the customers, alerts and proposes the
    claim declaration deadline, all in this one transaction."""
    import_lock("risk")  # another risk import (they share companies) waits, then sees these rows
    as_of = as_of or timezone.localdate()
    report = RiskImportReport("legal_events", file_name, rows)
    companies, report.prospects = _companies({values["siren"]: "" for _, values in parsed})
    created: list[LegalEvent] = []
    for _line, values in parsed:
        company = companies[values["siren"]]
        event, was_created = LegalEvent.objects.get_or_create(
            company=company,
            kind=values["kind"].value,
            published_on=values["published_on"],
            reference=values["reference"],
            defaults={"description": values["description"], "source": values["source"], "court": values["court"]},
        )
        if not was_created:
            report.unchanged += 1
            continue
        if values["kind"] in INSOLVENCY_KINDS:
            event.claim_deadline = add_months(values["published_on"], CLAIM_DECLARATION_MONTHS)
            event.save(update_fields=["claim_deadline"])
        report.created += 1
        created.append(event)
        audit_record(actor=user, action="risk.legal_event.import", obj=event,
                     after={"siren": company.siren, "kind": event.kind, "published_on": str(event.published_on),
                            "reference": event.reference}, note=file_name)  # fmt: skip
    for event in created:
        _react_to_event(event, report=report, user=user, as_of=as_of)
    return report


def _react_to_event(event: LegalEvent, *, report: RiskImportReport, user: Any, as_of: date) -> None:
    from encours.risk.selectors import core_event

    customers = list(Customer.objects.filter(siren=event.company.siren).select_related("entity"))
    if not customers:
        return
    all_events = [core_event(e) for e in LegalEvent.objects.filter(company=event.company)]
    in_force = open_insolvency(events=all_events, as_of=max(as_of, event.published_on))
    is_open_insolvency = (
        in_force is not None and in_force.kind.value == event.kind and in_force.published_on == event.published_on
    )
    critical = LegalEventKind(event.kind) in INSOLVENCY_KINDS
    for customer in customers:
        message = f"{event.kind} published {event.published_on.isoformat()}"
        if event.description:
            message += f": {event.description}"
        if is_open_insolvency and event.claim_deadline:
            message += f" — declare the claim to the creditors' representative by {event.claim_deadline.isoformat()}"
        key = f"legal_event:{customer.pk}:{event.kind}:{event.published_on}:{event.reference}"
        severity = Severity.CRITICAL if critical else Severity.WARNING
        alert = Alert(
            kind=AlertKind.LEGAL_EVENT, severity=severity, customer_id=str(customer.pk), message=message[:500], key=key
        )
        report.alerts += int(alert_raise(customer=customer, alert=alert, as_of=as_of))
        if is_open_insolvency and not customer.is_blocked:
            customer_block(
                customer=customer,
                by=user,
                reason=f"{event.kind} published {event.published_on}",
                capability="risk.edit",
            )
            report.blocked += 1
