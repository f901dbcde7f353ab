"""Buyer cover decisions: recorded by hand or imported from the insurer's file, idempotently.

A decision file has one line per decision: ``customer,decision,requested_amount,
granted_amount,currency,effective_date,expiry_date,decision_ref`` by default (a saved
``DecisionMapping`` renames the columns and translates values). ``customer`` is the account
number or the SIREN of a customer of the entity. All or nothing: any bad cell and the whole
file is rejected, each error naming its line and column.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from encours.accounts.permissions import require
from encours.audit.services import audit_record
from encours.core.bounds import bounded_amount
from encours.core.errors import ImportRejected, InvalidAmount, InvalidFile, RowError
from encours.core.formats.tabular import Table, parse_date, read_table
from encours.core.money import quantize
from encours.insurance.models import CoverDecision, CoverRequest, Decision, DecisionMapping, InsurancePolicy
from encours.ledger.models import Customer, LegalEntity
from encours.ledger.services.locks import import_lock

DEFAULT_COLUMNS = (
    "customer",
    "decision",
    "requested_amount",
    "granted_amount",
    "currency",
    "effective_date",
    "expiry_date",
    "decision_ref",
)
REQUIRED = ("customer", "decision", "granted_amount", "effective_date")
FILE_DECISIONS = {
    "approved": Decision.APPROVED,
    "partial": Decision.PARTIAL,
    "refused": Decision.REFUSED,
    "reduced": Decision.REDUCED,
    "cancelled": Decision.CANCELLED,
}
AUDITED_FIELDS = ("decision", "requested_amount", "granted_amount", "currency", "effective_on", "expires_on")


@dataclass(slots=True)
class DecisionImportReport:
    file_name: str
    policy: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    requests_closed: int = 0
    policy_created: bool = False
    seconds: float = 0.0
    decision_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def message(self) -> str:
        return (
            f"{self.rows} decisions: {self.created} created, {self.updated} updated, {self.unchanged} unchanged"
            f"; {self.requests_closed} cover request(s) answered"
        )


def policy_ensure(
    *, entity: LegalEntity, number: str, insurer: str = "", on: date, user: Any = None
) -> tuple[InsurancePolicy, bool]:
    """The entity's policy of that number, created with the usual market terms when missing."""
    policy = InsurancePolicy.objects.filter(entity=entity, number=number).first()
    if policy is not None:
        return policy, False
    policy = InsurancePolicy.objects.create(
        entity=entity,
        number=number,
        insurer=insurer or "Insurer",
        currency=entity.currency,
        start_date=date(on.year, 1, 1),
    )
    audit_record(actor=user, action="insurance.policy_create", obj=policy, entity_id=entity.pk, after=_policy(policy))
    return policy, True


def _policy(policy: InsurancePolicy) -> dict[str, Any]:
    return {
        "insurer": policy.insurer,
        "number": policy.number,
        "indemnity_rate": policy.indemnity_rate,
        "declaration_deadline_days": policy.declaration_deadline_days,
        "discretionary_limit": policy.discretionary_limit,
    }


@dataclass(frozen=True, slots=True)
class IncomingDecision:
    line: int
    customer: Customer
    decision: str
    requested_amount: Decimal
    granted_amount: Decimal
    currency: str
    effective_on: date
    expires_on: date | None
    reference: str


def decisions_import(
    *,
    raw: bytes,
    file_name: str,
    entity_siren: str,
    policy_number: str,
    insurer: str = "",
    mapping_name: str = "",
    user: Any = None,
    today: date | None = None,
    progress: Any = None,
) -> DecisionImportReport:
    require(user, "insurance.manage")
    started = time.monotonic()
    today = today or timezone.localdate()
    entity = LegalEntity.objects.filter(siren=entity_siren).first()
    if entity is None:
        raise InvalidFile(f"unknown legal entity SIREN {entity_siren}")
    columns, values, options = _mapping(mapping_name)
    name = Path(file_name).name
    table = read_table(raw, file_name=name, delimiter=options.get("delimiter", ""), sheet=options.get("sheet", ""))
    incoming, errors = _parse(table, entity, columns, values, options.get("date_format", ""), entity.currency)
    if errors:
        raise ImportRejected(errors)
    with transaction.atomic():
        import_lock(f"insurance.decisions:{entity.pk}")  # a concurrent import waits, then sees these rows
        policy, created = policy_ensure(entity=entity, number=policy_number, insurer=insurer, on=today, user=user)
        report = DecisionImportReport(name, str(policy), len(incoming), policy_created=created)
        for index, decision in enumerate(incoming):
            _upsert(policy, decision, report, name, user, today)
            if progress and index % 200 == 0:
                progress(index, len(incoming), "importing")
        report.requests_closed = _answer_requests(policy, report.decision_ids)
        report.seconds = round(time.monotonic() - started, 3)
        audit_record(
            actor=user,
            action="insurance.decisions_import",
            obj=policy,
            entity_id=entity.pk,
            after={k: v for k, v in report.as_dict().items() if k != "decision_ids"},
        )
    return report


def _mapping(name: str) -> tuple[dict[str, str], dict[str, dict[str, str]], dict[str, Any]]:
    if not name:
        return {}, {}, {}
    mapping = DecisionMapping.objects.filter(name=name).first()
    if mapping is None:
        known = ", ".join(DecisionMapping.objects.values_list("name", flat=True)) or "none"
        raise InvalidFile(f"unknown decision mapping {name!r} (known: {known})")
    options = dict(mapping.options or {})
    return dict(mapping.columns or {}), dict(options.pop("values", {}) or {}), options


def _parse(
    table: Table,
    entity: LegalEntity,
    columns: dict[str, str],
    values: dict[str, dict[str, str]],
    date_format: str,
    currency: str,
) -> tuple[list[IncomingDecision], list[RowError]]:
    header = {name.lower(): i for i, name in enumerate(table.header)}
    positions: dict[str, int] = {}
    errors: list[RowError] = []
    for name in DEFAULT_COLUMNS:
        column = columns.get(name, name)
        if column.lower() in header:
            positions[name] = header[column.lower()]
        elif name in REQUIRED:
            errors.append(
                RowError(line=1, column=column, value="", reason=f"column for {name!r} not found in the header")
            )
    if errors:
        return [], errors
    customers = _customers(entity, table, positions["customer"])
    incoming = []
    for line, cells in table.rows:
        raw = {name: values.get(name, {}).get(_cell(cells, pos), _cell(cells, pos)) for name, pos in positions.items()}
        row_errors: list[RowError] = []
        parsed = _row(line, raw, columns, customers, date_format, currency, row_errors)
        errors.extend(row_errors)
        if parsed is not None and not row_errors:
            incoming.append(parsed)
    seen: dict[str, int] = {}
    for decision in incoming:
        if decision.reference and decision.reference in seen:
            errors.append(
                RowError(
                    line=decision.line,
                    column=columns.get("decision_ref", "decision_ref"),
                    value=decision.reference,
                    reason=f"decision reference already on line {seen[decision.reference]}",
                )
            )
        seen.setdefault(decision.reference, decision.line)
    return incoming, sorted(errors, key=lambda e: e.line)


def _cell(cells: tuple[str, ...], position: int) -> str:
    return cells[position].strip() if position < len(cells) else ""


def _customers(entity: LegalEntity, table: Table, position: int) -> dict[str, Customer]:
    keys = {_cell(cells, position) for _, cells in table.rows} - {""}
    found: dict[str, Customer] = {}
    by_number = Customer.objects.filter(entity=entity, account_number__in=keys)
    for customer in by_number:
        found[customer.account_number] = customer
    for customer in Customer.objects.filter(entity=entity, siren__in=keys - set(found)).order_by("pk"):
        found.setdefault(customer.siren, customer)
    return found


def _row(
    line: int,
    raw: dict[str, str],
    columns: dict[str, str],
    customers: dict[str, Customer],
    date_format: str,
    currency: str,
    errors: list[RowError],
) -> IncomingDecision | None:
    def column(name: str) -> str:
        return columns.get(name, name)

    def fail(name: str, reason: str) -> None:
        errors.append(RowError(line=line, column=column(name), value=raw.get(name, ""), reason=reason))

    for name in REQUIRED:
        if not raw.get(name):
            fail(name, "required value missing")
    customer = customers.get(raw.get("customer", ""))
    if raw.get("customer") and customer is None:
        fail("customer", "no customer of this entity has this account number or SIREN")
    decision = FILE_DECISIONS.get(raw.get("decision", "").lower())
    if raw.get("decision") and decision is None:
        fail("decision", "expected one of approved, partial, refused, reduced, cancelled")
    row_currency = (raw.get("currency") or currency).upper()
    amounts = {}
    for name in ("requested_amount", "granted_amount"):
        try:
            amounts[name] = bounded_amount(raw[name], row_currency) if raw.get(name) else Decimal(0)
        except InvalidAmount as exc:
            fail(name, str(exc))
            continue
        if amounts[name] < 0:
            fail(name, "amount cannot be negative")
    dates: dict[str, date | None] = {}
    for name in ("effective_date", "expiry_date"):
        try:
            dates[name] = parse_date(raw[name], date_format) if raw.get(name) else None
        except ValueError as exc:
            fail(name, str(exc))
    effective, expires = dates.get("effective_date"), dates.get("expiry_date")
    if effective and expires and expires < effective:
        fail("expiry_date", "expiry before the effective date")
    if len(row_currency) != 3 or not row_currency.isalpha():
        fail("currency", "not an ISO currency code")
    if errors or customer is None or decision is None or effective is None:
        return None
    return IncomingDecision(
        line=line,
        customer=customer,
        decision=decision,
        requested_amount=quantize(amounts["requested_amount"], row_currency),
        granted_amount=quantize(amounts["granted_amount"], row_currency),
        currency=row_currency,
        effective_on=effective,
        expires_on=expires,
        reference=raw.get("decision_ref", ""),
    )


def _existing(policy: InsurancePolicy, incoming: IncomingDecision) -> CoverDecision | None:
    if incoming.reference:
        return CoverDecision.objects.filter(policy=policy, reference=incoming.reference).first()
    return CoverDecision.objects.filter(
        policy=policy,
        customer=incoming.customer,
        reference="",
        decision=incoming.decision,
        effective_on=incoming.effective_on,
        granted_amount=incoming.granted_amount,
    ).first()


def _values(incoming: IncomingDecision) -> dict[str, Any]:
    return {
        "decision": incoming.decision,
        "requested_amount": incoming.requested_amount,
        "granted_amount": incoming.granted_amount,
        "currency": incoming.currency,
        "effective_on": incoming.effective_on,
        "expires_on": incoming.expires_on,
    }


def _upsert(
    policy: InsurancePolicy,
    incoming: IncomingDecision,
    report: DecisionImportReport,
    file_name: str,
    user: Any,
    today: date,
) -> None:
    existing = _existing(policy, incoming)
    values = _values(incoming)
    if existing is None:
        decision = CoverDecision.objects.create(
            policy=policy,
            customer=incoming.customer,
            reference=incoming.reference,
            decided_on=min(today, incoming.effective_on),
            source="import",
            source_file=file_name,
            source_line=incoming.line,
            **values,
        )
        report.created += 1
        report.decision_ids.append(decision.pk)
        audit_record(
            actor=user,
            action="insurance.cover_decision",
            obj=decision,
            customer_id=incoming.customer.pk,
            entity_id=policy.entity_id,
            after=values,
            note=f"{file_name} line {incoming.line}",
        )
        return
    before = {name: getattr(existing, name) for name in AUDITED_FIELDS}
    if before == values and existing.customer_id == incoming.customer.pk:
        report.unchanged += 1
        return
    for name, value in values.items():
        setattr(existing, name, value)
    existing.customer = incoming.customer
    existing.save()
    report.updated += 1
    report.decision_ids.append(existing.pk)
    audit_record(
        actor=user,
        action="insurance.cover_decision_update",
        obj=existing,
        customer_id=incoming.customer.pk,
        entity_id=policy.entity_id,
        before=before,
        after=values,
        note=f"{file_name} line {incoming.line}",
    )


def _answer_requests(policy: InsurancePolicy, decision_ids: list[int]) -> int:
    """A decision imported for a buyer with a request sent to the insurer closes that request."""
    answered = 0
    decisions = CoverDecision.objects.filter(pk__in=decision_ids).order_by("customer_id", "-effective_on", "-pk")
    latest: dict[int, CoverDecision] = {}
    for decision in decisions:
        if decision.customer_id is not None:
            latest.setdefault(decision.customer_id, decision)
    open_requests = CoverRequest.objects.filter(
        policy=policy,
        customer_id__in=list(latest),
        status__in=[CoverRequest.Status.SENT, CoverRequest.Status.EXPORTED],
    )
    for request in open_requests:
        decision = latest[request.customer_id]
        request.status, request.decision = CoverRequest.Status.DECIDED, decision
        request.save(update_fields=["status", "decision"])
        audit_record(
            actor=None,
            action="insurance.cover_request_decided",
            obj=request,
            customer_id=request.customer_id,
            entity_id=policy.entity_id,
            after={"decision": decision.decision, "granted": decision.granted_amount},
        )
        answered += 1
    return answered


@transaction.atomic
def decision_record(
    *,
    policy: InsurancePolicy,
    customer: Customer | None = None,
    group: Any = None,
    decision: str,
    granted_amount: Decimal,
    effective_on: date,
    requested_amount: Decimal = Decimal(0),
    expires_on: date | None = None,
    decided_on: date | None = None,
    reference: str = "",
    note: str = "",
    user: Any = None,
) -> CoverDecision:
    """A decision entered by hand (e.g. the insured cancels its own cover of a buyer)."""
    require(user, "insurance.manage", customer=customer)
    if decision not in Decision.values:
        raise InvalidFile(f"unknown decision {decision!r}")
    if customer is None and group is None:
        raise InvalidFile("a cover decision needs a customer or a group")
    row = CoverDecision.objects.create(
        policy=policy,
        customer=customer,
        group=group,
        decision=decision,
        requested_amount=requested_amount,
        granted_amount=granted_amount,
        currency=policy.currency,
        decided_on=decided_on or effective_on,
        effective_on=effective_on,
        expires_on=expires_on,
        reference=reference,
        source="manual",
        note=note,
    )
    audit_record(
        actor=user,
        action="insurance.cover_decision",
        obj=row,
        customer_id=customer.pk if customer else None,
        entity_id=policy.entity_id,
        after={
            "decision": decision,
            "granted_amount": granted_amount,
            "effective_on": effective_on,
            "expires_on": expires_on,
        },
    )
    if customer is not None:
        _answer_requests(policy, [row.pk])
    return row
