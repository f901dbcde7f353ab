"""What the risk pages show, assembled from the selectors (views stay thin)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from encours import contracts
from encours.core import credit as core_credit
from encours.core.money import ZERO, quantize
from encours.core.payer import add_months
from encours.core.scoring import FinancialAnalysis
from encours.ledger.caching import kept
from encours.ledger.models import Customer, Item, ItemType, OpenOrder
from encours.ledger.queries import FUNCTIONAL_OPEN
from encours.reports.selectors.scope import sector_customers
from encours.risk import selectors
from encours.risk.models import STATEMENT_FIELDS, CreditLimit, FinancialStatement, GradeSnapshot, LimitStatus

MONEY = DecimalField(max_digits=24, decimal_places=6)
GRADE_ORDER = ("A", "B", "C", "D", "E", "")


@dataclass(frozen=True, slots=True)
class StatementYear:
    row: FinancialStatement
    analysis: FinancialAnalysis


def statements_over_years(siren: str, settings: Any) -> list[StatementYear]:
    rows = FinancialStatement.objects.filter(company__siren=siren).select_related("company").order_by("-year")[:5]
    return [StatementYear(row, selectors.analyse(row, settings)) for row in rows]


def statement_table(years: list[StatementYear]) -> list[tuple[str, list[Decimal | None]]]:
    return [(str(label), [getattr(y.row, name) for y in years]) for name, label in STATEMENT_FIELDS]


def monthly_sales(customer: Customer, as_of: date) -> Decimal:
    """Our average monthly sales to the customer over the last 12 months (invoices less credit notes)."""
    total = Item.objects.filter(
        customer=customer,
        type__in=(ItemType.INVOICE, ItemType.CREDIT_NOTE),
        document_date__gt=add_months(as_of, -12),
        document_date__lte=as_of,
    ).aggregate(total=Sum(F("amount") * F("fx_rate")))["total"]
    return quantize(max(ZERO, Decimal(total or 0)) / 12)


def recommendation(
    *, customer: Customer, risk: selectors.CustomerRisk, as_of: date, cover: contracts.CoverInfo | None
) -> core_credit.LimitRecommendation:
    statement = risk.statement
    policy = core_credit.LimitPolicy(absolute_max=cover.granted if cover else None)
    terms = customer.payment_terms()
    late = risk.payer.weighted_days_late if risk.payer and risk.payer.weighted_days_late is not None else ZERO
    return core_credit.recommended_credit_limit(
        grade=risk.grade.letter if risk.grade else None,
        buyer_equity=statement.equity if statement else None,
        buyer_revenue=statement.revenue if statement else None,
        monthly_sales=monthly_sales(customer, as_of),
        terms_days=terms.days,
        expected_days_late=late,
        policy=policy,
    )


def payer_chart(*, customer: Customer, user: Any, as_of: date) -> dict[str, Any]:
    trend = selectors.customer_payer_trend(customer=customer, as_of=as_of)
    division = (customer.naf_code or "").replace(".", "")[:2] or None
    pool = sector_customers(user=user)
    portfolio, sector = kept(  # the same for every customer of the division: kept until the ledger changes
        "risk-payer-benchmark",
        customers=pool,
        parts=(as_of, division),
        compute=lambda: selectors.benchmark_trends(customers=pool, division=division, as_of=as_of),
    )

    def floats(values: list[Decimal | None]) -> list[float | None]:
        return [None if v is None else float(v) for v in values]

    return {
        "labels": [p.on.isoformat() for p in trend.points],
        "datasets": [
            {"label": str(customer.name), "values": floats([p.value for p in trend.points]), "colour": "#1f4e79"},
            {"label": f"NAF {division}" if division else "—", "values": floats(sector), "colour": "#b26a00"},
            {"label": "portfolio", "values": floats(portfolio), "colour": "#8a94a6"},
        ],
        "trend": trend,
    }


# ---------------------------------------------------------------- portfolio


def _latest_snapshot(field: str) -> Subquery:
    rows = GradeSnapshot.objects.filter(customer=OuterRef("pk")).order_by("-on").values(field)[:1]
    return Subquery(rows)


def _sum_subquery(queryset: QuerySet[Any], expression: Any) -> Coalesce:
    total = queryset.order_by().values("customer").annotate(total=Sum(expression, output_field=MONEY)).values("total")
    return Coalesce(Subquery(total, output_field=MONEY), Value(Decimal(0), output_field=MONEY))


def portfolio_rows(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    """One row per customer with its latest grade and gross exposure, computed in one SQL query."""
    open_items = Item.objects.filter(customer=OuterRef("pk")).open()
    orders = OpenOrder.objects.filter(
        customer=OuterRef("pk"), status__in=(OpenOrder.Status.OPEN, OpenOrder.Status.DELIVERED)
    )
    return customers.annotate(
        grade=_latest_snapshot("letter"),
        score=_latest_snapshot("score"),
        open_ar=_sum_subquery(open_items, FUNCTIONAL_OPEN),
        orders_total=_sum_subquery(orders, F("amount_functional")),
    )


@dataclass(slots=True)
class PortfolioMap:
    by_grade: list[tuple[str, Decimal, int]]
    by_sector: list[tuple[str, Decimal, int]]
    total: Decimal
    customers: int
    ungraded: int


def portfolio_map(customers: QuerySet[Customer]) -> PortfolioMap:
    grades: dict[str, list[Any]] = defaultdict(lambda: [ZERO, 0])
    sectors: dict[str, list[Any]] = defaultdict(lambda: [ZERO, 0])
    rows = portfolio_rows(customers).values_list("grade", "naf_code", "open_ar", "orders_total")
    total, count = ZERO, 0
    for grade, naf, open_ar, orders in rows.iterator(chunk_size=5000):
        exposure = max(ZERO, Decimal(open_ar or 0) + Decimal(orders or 0))
        grades[grade or ""][0] += exposure
        grades[grade or ""][1] += 1
        division = (naf or "").replace(".", "")[:2] or "—"
        sectors[division][0] += exposure
        sectors[division][1] += 1
        total += exposure
        count += 1
    by_grade = [(g, quantize(grades[g][0]), grades[g][1]) for g in GRADE_ORDER if g in grades]
    by_sector = sorted(((s, quantize(v[0]), v[1]) for s, v in sectors.items()), key=lambda r: -r[1])[:15]
    return PortfolioMap(by_grade, by_sector, quantize(total), count, grades.get("", [ZERO, 0])[1])


def review_list(customers: QuerySet[Customer], *, as_of: date, max_rows: int = 200) -> list[dict[str, Any]]:
    """Customers to review: grade D or E, over their limit, limit expiring within 30 days or
    expired, exposure without a limit (accounts older than 18 months are flagged too).

    One grouped read of grade and exposure for the whole scope, then limits and statements read
    for the largest exposures only, batch by batch, until ``max_rows`` customers are found."""
    rows = [
        (pk, grade, Decimal(open_ar or 0) + Decimal(orders or 0))
        for pk, grade, open_ar, orders in portfolio_rows(customers).values_list(
            "pk", "grade", "open_ar", "orders_total"
        )
    ]
    candidates = sorted((r for r in rows if r[2] > 0 or r[1] in ("D", "E")), key=lambda r: -r[2])
    found: list[dict[str, Any]] = []
    for start in range(0, len(candidates), 300):
        batch = candidates[start : start + 300]
        by_pk = Customer.objects.select_related("entity").in_bulk([pk for pk, _grade, _exposure in batch])
        limits = selectors.current_limits(list(by_pk), as_of=as_of)
        sirens = {c.siren for c in by_pk.values() if c.siren}
        statements = selectors.latest_statements(sirens=sirens, as_of=as_of)
        for pk, grade, exposure in batch:
            customer = by_pk[pk]
            customer.grade = grade  # type: ignore[attr-defined]
            reasons = _review_reasons(grade, exposure, limits.get(pk), statements.get(customer.siren), as_of)
            if any(kind != "info" for kind, _reason in reasons):
                found.append({"customer": customer, "exposure": quantize(exposure), "limit": limits.get(pk),
                              "reasons": reasons, "url": reverse("risk:customer", args=[pk])})  # fmt: skip
                if len(found) >= max_rows:
                    return found
    return found


def _review_reasons(
    grade: str | None, exposure: Decimal, limit: CreditLimit | None, statement: FinancialStatement | None, as_of: date
) -> list[tuple[str, Any]]:
    reasons: list[tuple[str, Any]] = []
    if grade in ("D", "E"):
        reasons.append(("bad", _("grade %(letter)s") % {"letter": grade}))
    if limit is None and exposure > 0:
        reasons.append(("warn", _("no credit limit")))
    elif limit is not None and exposure > limit.amount:
        reasons.append(("bad", _("over limit")))
    if limit is not None and limit.expires_on and limit.expires_on <= as_of + timedelta(days=30):
        reasons.append(("warn", _("limit expired") if limit.expires_on < as_of else _("limit expiring")))
    if statement is None or selectors.closing_date(statement) < add_months(as_of, -18):
        reasons.append(("info", _("accounts missing or older than 18 months")))
    return reasons


def pending_limits(customers: QuerySet[Customer]) -> QuerySet[CreditLimit]:
    return (
        CreditLimit.objects.filter(status=LimitStatus.REQUESTED)
        .filter(Q(customer__in=customers) | Q(group__customers__in=customers))
        .select_related("customer", "group", "requested_by")
        .distinct()
        .order_by("requested_at")
    )
