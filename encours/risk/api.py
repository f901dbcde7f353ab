"""Risk API: the order credit check, financial statements and grades, scoped by the token's user."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from encours.accounts.permissions import can
from encours.core.errors import EncoursError, PermissionDenied
from encours.ledger.selectors import customer_get, customers_for
from encours.risk import selectors
from encours.risk.checks import credit_check_order
from encours.risk.models import STATEMENT_FIELDS, FinancialStatement
from encours.risk.services import statement_save

router = Router(tags=["risk"])


class CreditCheckIn(Schema):
    customer: str = Field(..., description="the customer's account number in the entity")
    entity: str = Field(..., description="SIREN of our legal entity that takes the order")
    amount: Decimal = Field(..., ge=0)
    currency: str = "EUR"
    reference: str = Field("", description="the ERP's order number, kept on a held order")


class ReasonOut(Schema):
    code: str
    decision: str
    message: str


class CreditCheckOut(Schema):
    decision: str
    reasons: list[ReasonOut]
    exposure: Decimal
    limit: Decimal | None
    available: Decimal | None
    currency: str
    held_order: int | None = None


class ErrorOut(Schema):
    detail: str


@router.post("/credit-check", response={200: CreditCheckOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def credit_check(request: HttpRequest, payload: CreditCheckIn):
    """Approve / hold / reject an order: over limit, overdue beyond N days, blocked, insolvency…"""
    try:
        result = credit_check_order(
            user=request.user,
            account_number=payload.customer,
            entity_siren=payload.entity,
            amount=payload.amount,
            currency=payload.currency,
            reference=payload.reference,
        )
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc)})
    except EncoursError as exc:
        return Status(400, {"detail": str(exc)})
    return result.as_dict()


class StatementIO(Schema):
    siren: str
    year: int
    closed_on: date | None = None
    total_assets: Decimal | None = None
    current_assets: Decimal | None = None
    inventories: Decimal | None = None
    receivables: Decimal | None = None
    cash: Decimal | None = None
    equity: Decimal | None = None
    long_term_debt: Decimal | None = None
    financial_debt: Decimal | None = None
    total_debt: Decimal | None = None
    current_liabilities: Decimal | None = None
    retained_earnings: Decimal | None = None
    pge_outstanding: Decimal | None = None
    revenue: Decimal | None = None
    value_added: Decimal | None = None
    ebitda: Decimal | None = None
    ebit: Decimal | None = None
    financial_expenses: Decimal | None = None
    personnel_expenses: Decimal | None = None
    net_income: Decimal | None = None


def _statement_out(row: FinancialStatement) -> dict[str, object]:
    out: dict[str, object] = {"siren": row.company.siren, "year": row.year, "closed_on": row.closed_on}
    out.update({name: getattr(row, name) for name, _ in STATEMENT_FIELDS})
    return out


@router.get("/risk/statements", response={200: list[StatementIO]})
def statements(request: HttpRequest, siren: str):
    """The statements of a customer of yours (by SIREN), or of a prospect."""
    scoped = customers_for(request.user)
    from encours.ledger.models import Customer

    if Customer.objects.filter(siren=siren).exists() and not scoped.filter(siren=siren).exists():
        return []
    rows = FinancialStatement.objects.filter(company__siren=siren).select_related("company").order_by("-year")
    return [_statement_out(row) for row in rows]


@router.put("/risk/statements", response={200: StatementIO, 400: ErrorOut, 403: ErrorOut})
def statement_put(request: HttpRequest, payload: StatementIO):
    if not can(request.user, "risk.edit"):  # type: ignore[arg-type]
        return Status(403, {"detail": "you may not edit financial statements"})
    values = payload.dict(exclude={"siren", "year", "closed_on"})
    try:
        row = statement_save(siren=payload.siren, year=payload.year, values=values, user=request.user,
                             closed_on=payload.closed_on)  # fmt: skip
    except EncoursError as exc:
        return Status(400, {"detail": str(exc)})
    return _statement_out(row)


class GradeOut(Schema):
    customer: str
    grade: str | None
    score: Decimal | None
    payer_index: Decimal | None
    altman_z2: Decimal | None
    conan_holder: Decimal | None
    contributions: list[dict[str, object]]


@router.get("/risk/customers/{customer_id}/grade", response={200: GradeOut})
def grade(request: HttpRequest, customer_id: int):
    customer = customer_get(user=request.user, pk=customer_id)
    from django.utils import timezone

    risk = selectors.customer_risks([customer], as_of=timezone.localdate())[customer.pk]
    g = risk.grade
    assert g is not None
    return {
        "customer": customer.account_number,
        "grade": g.letter,
        "score": g.score,
        "payer_index": risk.payer.value if risk.payer else None,
        "altman_z2": risk.analysis.altman.value if risk.analysis else None,
        "conan_holder": risk.analysis.conan_holder.value if risk.analysis else None,
        "contributions": [
            {
                "factor": c.factor.value,
                "subscore": c.subscore,
                "weight": c.weight,
                "points": c.points,
                "detail": c.detail,
            }
            for c in g.contributions
        ],
    }
