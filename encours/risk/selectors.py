"""Reads of the risk app: exposure, limits, guarantees, payer index, scores and grades.

Callers pass customers already scoped by ``encours.ledger.selectors.customers_for(user)``.
Sums run in SQL (grouped per customer, or per customer and days late for the payer index);
the core turns the grouped figures into scores, grades and decisions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from encours.core import credit as core_credit
from encours.core.grading import (
    ExternalRating,
    Grade,
    GradeInputs,
    GradeWeights,
    GradingConfig,
    LegalEventKind,
    grade_customer,
    open_insolvency,
)
from encours.core.grading import LegalEvent as CoreLegalEvent
from encours.core.money import ZERO, quantize
from encours.core.payer import (
    ON_TIME_SCORE,
    OpenItem,
    PayerIndex,
    PayerIndexTrend,
    PayerScale,
    PaymentExperience,
    add_months,
    payer_index,
    payer_index_trend,
)
from encours.core.risk_alerts import AlertConfig
from encours.core.scoring import (
    AltmanThresholds,
    ConanHolderThresholds,
    FinancialAnalysis,
    analyse_statement,
)
from encours.core.statements import AMOUNT_FIELDS
from encours.core.statements import FinancialStatement as CoreStatement
from encours.core.terms import end_of_month
from encours.ledger.models import Allocation, Customer, Item, ItemType, OpenOrder
from encours.ledger.queries import FUNCTIONAL_OPEN, overdue_on_q
from encours.ledger.sql import DaysBetween
from encours.risk.models import (
    Company,
    CreditLimit,
    FinancialStatement,
    GradeSnapshot,
    Guarantee,
    LegalEvent,
    LimitStatus,
    Rating,
    RiskSettings,
)

MONEY = DecimalField(max_digits=24, decimal_places=6)

# ---------------------------------------------------------------- settings


def current_settings() -> RiskSettings:
    """The latest saved settings, or the defaults (unsaved) when none was ever saved."""
    return RiskSettings.objects.order_by("-created_at", "-pk").first() or RiskSettings()


def alert_config(settings: RiskSettings) -> AlertConfig:
    """The alert thresholds the credit manager set: the over-limit materiality, the review notice."""
    return AlertConfig(
        over_limit_tolerance_share=settings.over_limit_tolerance_percent / 100,
        over_limit_tolerance_amount=settings.over_limit_tolerance_amount,
        limit_expiry_notice_days=settings.limit_review_days,
    )


def grading_config(settings: RiskSettings) -> GradingConfig:
    weights = GradeWeights(
        financial=settings.weight_financial,
        payer=settings.weight_payer,
        external_rating=settings.weight_external_rating,
        legal=settings.weight_legal,
        seniority=settings.weight_seniority,
    )
    floors = (("A", settings.floor_a), ("B", settings.floor_b), ("C", settings.floor_c), ("D", settings.floor_d))
    return GradingConfig(weights=weights, grade_floors=tuple((k, Decimal(v)) for k, v in floors))


def altman_thresholds(settings: RiskSettings) -> AltmanThresholds:
    return AltmanThresholds(
        safe_above=Decimal(settings.altman_safe_above), grey_from=Decimal(settings.altman_grey_from)
    )


def conan_thresholds(settings: RiskSettings) -> ConanHolderThresholds:
    return ConanHolderThresholds(
        safe_above=Decimal(settings.conan_safe_above),
        grey_from=Decimal(settings.conan_grey_from),
        alert_from=Decimal(settings.conan_alert_from),
    )


def check_policy(settings: RiskSettings) -> core_credit.CreditCheckPolicy:
    return core_credit.CreditCheckPolicy(
        hold_overdue_days=settings.hold_overdue_days, reject_overdue_days=settings.reject_overdue_days
    )


# ---------------------------------------------------------------- statements and scores


def core_statement(row: FinancialStatement) -> CoreStatement:
    amounts = {name: getattr(row, name) for name in AMOUNT_FIELDS}
    return CoreStatement(siren=row.company.siren, year=row.year, currency=row.currency, **amounts)


def closing_date(row: FinancialStatement) -> date:
    return row.closed_on or date(row.year, 12, 31)


def analyse(row: FinancialStatement, settings: RiskSettings) -> FinancialAnalysis:
    return analyse_statement(
        statement=core_statement(row),
        altman_thresholds=altman_thresholds(settings),
        conan_thresholds=conan_thresholds(settings),
    )


def latest_statements(*, sirens: Iterable[str], as_of: date) -> dict[str, FinancialStatement]:
    """Per SIREN, the latest statement of a fiscal year closed on or before ``as_of``."""
    rows = (
        FinancialStatement.objects.filter(company__siren__in=list(sirens), year__lte=as_of.year)
        .select_related("company")
        .order_by("company_id", "-year")
    )
    latest: dict[str, FinancialStatement] = {}
    for row in rows:
        if closing_date(row) <= as_of and row.company.siren not in latest:
            latest[row.company.siren] = row
    return latest


# ---------------------------------------------------------------- exposure


@dataclass(frozen=True, slots=True)
class ExposureFigures:
    open_ar: Decimal = ZERO
    open_orders: Decimal = ZERO
    uninvoiced_deliveries: Decimal = ZERO


def exposure_figures(customer_ids: Sequence[int] | QuerySet[Any]) -> dict[int, ExposureFigures]:
    """Open AR (net of unapplied credits), open orders and uninvoiced deliveries per customer, in SQL."""
    ar = dict(
        Item.objects.filter(customer__in=customer_ids)
        .open()
        .values("customer_id")
        .annotate(total=Sum(FUNCTIONAL_OPEN))
        .order_by()
        .values_list("customer_id", "total")
    )
    orders: dict[int, dict[str, Decimal]] = defaultdict(dict)
    rows = (
        OpenOrder.objects.filter(
            customer__in=customer_ids, status__in=(OpenOrder.Status.OPEN, OpenOrder.Status.DELIVERED)
        )
        .values("customer_id", "status")
        .annotate(total=Sum("amount_functional"))
        .order_by()
    )
    for row in rows:
        orders[row["customer_id"]][row["status"]] = row["total"] or ZERO
    result: dict[int, ExposureFigures] = {}
    for customer_id in set(ar) | set(orders):
        result[customer_id] = ExposureFigures(
            open_ar=quantize(Decimal(ar.get(customer_id) or 0)),
            open_orders=quantize(orders[customer_id].get(OpenOrder.Status.OPEN, ZERO)),
            uninvoiced_deliveries=quantize(orders[customer_id].get(OpenOrder.Status.DELIVERED, ZERO)),
        )
    return result


def sum_for_customer(queryset: QuerySet[Any], expression: Any) -> Coalesce:
    total = queryset.order_by().values("customer").annotate(total=Sum(expression, output_field=MONEY)).values("total")
    return Coalesce(Subquery(total, output_field=MONEY), Value(Decimal(0), output_field=MONEY))


def exposure_annotations() -> dict[str, Any]:
    """Open AR, open orders and uninvoiced deliveries as subqueries on a customer queryset (one query)."""
    orders = OpenOrder.objects.filter(customer=OuterRef("pk"))
    return {
        "exposure_open_ar": sum_for_customer(Item.objects.filter(customer=OuterRef("pk")).open(), FUNCTIONAL_OPEN),
        "exposure_open_orders": sum_for_customer(orders.filter(status=OpenOrder.Status.OPEN), F("amount_functional")),
        "exposure_deliveries": sum_for_customer(
            orders.filter(status=OpenOrder.Status.DELIVERED), F("amount_functional")
        ),
    }


def core_guarantee(row: Guarantee) -> core_credit.Guarantee:
    return core_credit.Guarantee(
        kind=core_credit.GuaranteeKind(row.kind),
        amount=row.amount,
        expires_on=row.expires_on,
        valid_from=row.valid_from,
        issuer=row.issuer,
        reference=row.reference,
    )


def guarantees_by_customer(customer_ids: Sequence[int] | QuerySet[Any]) -> dict[int, list[Guarantee]]:
    found: dict[int, list[Guarantee]] = defaultdict(list)
    for row in Guarantee.objects.filter(customer__in=customer_ids).order_by("expires_on", "pk"):
        found[row.customer_id].append(row)
    return found


def exposures(customer_ids: Sequence[int] | QuerySet[Any], *, as_of: date) -> dict[int, core_credit.Exposure]:
    figures = exposure_figures(customer_ids)
    guarantees = guarantees_by_customer(customer_ids)
    result = {}
    for customer_id in set(figures) | set(guarantees):
        f = figures.get(customer_id, ExposureFigures())
        result[customer_id] = core_credit.compute_exposure(
            open_ar=f.open_ar,
            open_orders=f.open_orders,
            uninvoiced_deliveries=f.uninvoiced_deliveries,
            guarantees=[core_guarantee(g) for g in guarantees.get(customer_id, [])],
            as_of=as_of,
        )
    return result


def empty_exposure(as_of: date) -> core_credit.Exposure:
    return core_credit.compute_exposure(open_ar=ZERO, open_orders=ZERO, uninvoiced_deliveries=ZERO, as_of=as_of)


def group_exposure(*, group_id: int, as_of: date) -> core_credit.Exposure:
    """A customer group's exposure consolidated across entities (every member, whatever its entity)."""
    members = list(Customer.objects.filter(group_id=group_id).values_list("pk", flat=True))
    found = exposures(members, as_of=as_of)
    return core_credit.consolidate_exposures(exposures=found.values(), as_of=as_of)


# ---------------------------------------------------------------- limits


def core_limit(row: CreditLimit) -> core_credit.CreditLimit:
    approver = row.decided_by.get_username() if row.decided_by else ""
    return core_credit.CreditLimit(
        amount=row.amount,
        approved_on=row.valid_from,
        approved_by=approver,
        expires_on=row.expires_on,
        currency=row.currency,
        note=row.decision_comment,
    )


def _limits_in_force(customer_ids: Sequence[int] | QuerySet[Any], *, as_of: date) -> QuerySet[CreditLimit]:
    return CreditLimit.objects.filter(
        customer_id__in_array=customer_ids, status=LimitStatus.APPROVED, valid_from__lte=as_of
    ).order_by("customer_id", "-valid_from", "-decided_at", "-pk")


def current_limits(customer_ids: Sequence[int] | QuerySet[Any], *, as_of: date) -> dict[int, CreditLimit]:
    """The approved limit in force per customer: the latest one valid from on or before ``as_of``."""
    found: dict[int, CreditLimit] = {}
    for row in _limits_in_force(customer_ids, as_of=as_of).select_related("decided_by"):
        assert row.customer_id is not None
        found.setdefault(row.customer_id, row)
    return found


def current_limit_amounts(
    customer_ids: Sequence[int] | QuerySet[Any], *, as_of: date
) -> dict[int, tuple[Decimal, str]]:
    """customer id → (amount, currency) of the limit in force: ``current_limits`` without objects."""
    found: dict[int, tuple[Decimal, str]] = {}
    for customer_id, amount, currency in _limits_in_force(customer_ids, as_of=as_of).values_list(
        "customer_id", "amount", "currency"
    ):
        found.setdefault(customer_id, (amount, currency))
    return found


def current_group_limit(*, group_id: int, as_of: date) -> CreditLimit | None:
    return (
        CreditLimit.objects.filter(group_id=group_id, status=LimitStatus.APPROVED, valid_from__lte=as_of)
        .select_related("decided_by")
        .order_by("-valid_from", "-decided_at", "-pk")
        .first()
    )


# ---------------------------------------------------------------- payer index


def _experiences_by_days_late(
    customer_ids: Sequence[int] | QuerySet[Any], *, as_of: date, months: int = 12
) -> dict[int, list[PaymentExperience]]:
    """Payments of the window grouped in SQL by customer and days late (one experience per group)."""
    start = add_months(as_of, -months) + timedelta(days=1)
    rows = (
        Allocation.objects.filter(
            debit__customer__in=customer_ids,
            debit__type=ItemType.INVOICE,
            credit__type=ItemType.PAYMENT,
            credit__document_date__gte=start,
            credit__document_date__lte=as_of,
        )
        .annotate(late=DaysBetween(F("credit__document_date"), F("debit__due_date")))
        .values("debit__customer_id", "late")
        .annotate(total=Sum(F("amount") * F("debit__fx_rate")))
        .order_by()
    )
    found: dict[int, list[PaymentExperience]] = defaultdict(list)
    for row in rows:
        amount = Decimal(row["total"] or 0)
        if amount > 0:
            late = int(row["late"])
            found[row["debit__customer_id"]].append(
                PaymentExperience(
                    reference=f"late {late}", amount=amount, due_date=as_of - timedelta(days=late), paid_on=as_of
                )
            )
    return found


def _open_overdue_by_customer(customer_ids: Sequence[int] | QuerySet[Any], *, as_of: date) -> dict[int, list[OpenItem]]:
    """Invoices overdue on ``as_of`` as they were open then (a run dated in the past counts the
    invoices paid since as still open, like its payments window stops on that date)."""
    rows = (
        Item.objects.filter(customer__in=customer_ids, type=ItemType.INVOICE)
        .open_on(as_of)
        .filter(overdue_on_q(as_of), open_on__gt=0)
        .values("customer_id", "due_date")
        .annotate(total=Sum(F("open_on") * F("fx_rate")))
        .order_by()
    )  # fmt: skip
    found: dict[int, list[OpenItem]] = defaultdict(list)
    for row in rows:
        found[row["customer_id"]].append(
            OpenItem(reference=str(row["due_date"]), open_amount=Decimal(row["total"]), due_date=row["due_date"])
        )
    return found


def payer_indexes(customer_ids: Sequence[int] | QuerySet[Any], *, as_of: date) -> dict[int, PayerIndex]:
    """The payer index of each customer on ``as_of`` (two grouped queries for any number of customers)."""
    experiences = _experiences_by_days_late(customer_ids, as_of=as_of)
    overdue = _open_overdue_by_customer(customer_ids, as_of=as_of)
    return {
        customer_id: payer_index(
            experiences=experiences.get(customer_id, ()), open_items=overdue.get(customer_id, ()), as_of=as_of
        )
        for customer_id in set(experiences) | set(overdue)
    }


def customer_payer_trend(*, customer: Customer, as_of: date, months: int = 24) -> PayerIndexTrend:
    """The customer's index at each of the last ``months`` month ends, from its payments by day."""
    start = add_months(as_of, -(months + 12))
    rows = (
        Allocation.objects.filter(
            debit__customer=customer,
            debit__type=ItemType.INVOICE,
            credit__type=ItemType.PAYMENT,
            credit__document_date__gte=start,
            credit__document_date__lte=as_of,
        )
        .values("credit__document_date", "debit__due_date")
        .annotate(total=Sum(F("amount") * F("debit__fx_rate")))
        .order_by()
    )
    experiences = [
        PaymentExperience(
            reference="", amount=Decimal(r["total"]), due_date=r["debit__due_date"], paid_on=r["credit__document_date"]
        )
        for r in rows
        if r["total"] and r["total"] > 0
    ]
    overdue = _open_overdue_by_customer([customer.pk], as_of=as_of).get(customer.pk, [])
    return payer_index_trend(experiences=experiences, open_items=overdue, as_of=as_of, months=months)


def _pooled_by_month(payments: QuerySet[Allocation], scale: PayerScale) -> dict[tuple[int, int], list[Decimal]]:
    """(year, month) → [Σ score × amount, Σ amount] from payments grouped in SQL by month and days late."""
    rows = (
        payments.annotate(month=TruncMonth("credit__document_date"),
                          late=DaysBetween(F("credit__document_date"), F("debit__due_date")))
        .values("month", "late")
        .annotate(total=Sum(F("amount") * F("debit__fx_rate")))
        .order_by()
    )  # fmt: skip
    pooled: dict[tuple[int, int], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    scores: dict[int, Decimal] = {}
    for row in rows:
        amount = Decimal(row["total"] or 0)
        if amount <= 0:
            continue
        late = int(row["late"])
        month = row["month"]
        key = (month.year, month.month)
        pooled[key][0] += scores.setdefault(late, scale.score(late)) * amount
        pooled[key][1] += amount
    return pooled


def benchmark_trends(
    *, customers: QuerySet[Customer], division: str | None, as_of: date, months: int = 24
) -> tuple[list[Decimal | None], list[Decimal | None]]:
    """Pooled payer index of the whole portfolio and of one NAF division at each month end.

    Payments are grouped in SQL by payment month and days late (one query for the portfolio,
    one for the division); each month end reads the twelve months before it. Open overdue
    invoices are not part of the benchmark.
    """
    scale = PayerScale()
    start = add_months(as_of, -(months + 12))
    payments = Allocation.objects.filter(
        debit__customer__in=customers,
        debit__type=ItemType.INVOICE,
        credit__type=ItemType.PAYMENT,
        credit__document_date__gte=start,
        credit__document_date__lte=as_of,
    )
    portfolio = _pooled_by_month(payments, scale)
    sector: dict[tuple[int, int], list[Decimal]] = {}
    if division:
        prefixes = Q(debit__customer__naf_code__startswith=division)
        sector = _pooled_by_month(payments.filter(prefixes), scale)
    ends = [end_of_month(add_months(as_of, -back)) for back in range(months - 1, 0, -1)] + [as_of]

    def series(pooled: dict[tuple[int, int], list[Decimal]]) -> list[Decimal | None]:
        values: list[Decimal | None] = []
        for end in ends:
            weighted = total = ZERO
            for back in range(12):
                day = add_months(end, -back)
                weighted += pooled.get((day.year, day.month), [ZERO, ZERO])[0]
                total += pooled.get((day.year, day.month), [ZERO, ZERO])[1]
            values.append((weighted / total).quantize(Decimal("0.1")) if total > 0 else None)
        return values

    return series(portfolio), series(sector) if division else [None] * len(ends)


# ---------------------------------------------------------------- external information


def core_event(row: LegalEvent) -> CoreLegalEvent:
    return CoreLegalEvent(
        kind=LegalEventKind(row.kind),
        published_on=row.published_on,
        description=row.description,
        source=row.source,
        reference=row.reference,
    )


def events_by_siren(sirens: Iterable[str], *, as_of: date) -> dict[str, list[LegalEvent]]:
    found: dict[str, list[LegalEvent]] = defaultdict(list)
    rows = LegalEvent.objects.filter(company__siren__in=list(sirens), published_on__lte=as_of).select_related("company")
    for row in rows.order_by("published_on", "pk"):
        found[row.company.siren].append(row)
    return found


def ratings_by_siren(sirens: Iterable[str], *, as_of: date) -> dict[str, list[Rating]]:
    found: dict[str, list[Rating]] = defaultdict(list)
    rows = Rating.objects.filter(company__siren__in=list(sirens), rated_on__lte=as_of).select_related("company")
    for row in rows.order_by("rated_on", "pk"):
        found[row.company.siren].append(row)
    return found


# ---------------------------------------------------------------- grades


@dataclass(slots=True)
class CustomerRisk:
    """Everything the grade read for one customer, and the grade."""

    customer_id: int
    siren: str
    statement: FinancialStatement | None
    analysis: FinancialAnalysis | None
    payer: PayerIndex | None
    ratings: list[Rating] = field(default_factory=list)
    events: list[LegalEvent] = field(default_factory=list)
    grade: Grade | None = None
    insolvency: CoreLegalEvent | None = None


def customer_risks(
    customers: QuerySet[Customer] | Sequence[Customer], *, as_of: date, settings: RiskSettings | None = None
) -> dict[int, CustomerRisk]:
    """Grades computed live for ``customers`` (a handful of grouped queries whatever their number)."""
    settings = settings or current_settings()
    config = grading_config(settings)
    rows = list(customers.values("pk", "siren", "created_on") if isinstance(customers, QuerySet) else [
        {"pk": c.pk, "siren": c.siren, "created_on": c.created_on} for c in customers
    ])  # fmt: skip
    ids = [r["pk"] for r in rows]
    sirens = {r["siren"] for r in rows if r["siren"]}
    statements = latest_statements(sirens=sirens, as_of=as_of)
    created = dict(Company.objects.filter(siren__in=sirens).values_list("siren", "created_on"))
    ratings = ratings_by_siren(sirens, as_of=as_of)
    events = events_by_siren(sirens, as_of=as_of)
    payers = payer_indexes(ids, as_of=as_of)
    result: dict[int, CustomerRisk] = {}
    for row in rows:
        siren = row["siren"] or ""
        statement = statements.get(siren)
        analysis = analyse(statement, settings) if statement else None
        payer = payers.get(row["pk"])
        customer_events = events.get(siren, [])
        inputs = GradeInputs(
            altman=analysis.altman if analysis else None,
            conan_holder=analysis.conan_holder if analysis else None,
            accounts_closed_on=closing_date(statement) if statement else None,
            payer_index=payer.value if payer else None,
            external_ratings=tuple(
                ExternalRating(agency=r.agency, rating=r.rating, rated_on=r.rated_on) for r in ratings.get(siren, [])
            ),
            legal_events=tuple(core_event(e) for e in customer_events),
            company_created_on=created.get(siren),
            customer_since=row["created_on"],
        )
        result[row["pk"]] = CustomerRisk(
            customer_id=row["pk"],
            siren=siren,
            statement=statement,
            analysis=analysis,
            payer=payer,
            ratings=ratings.get(siren, []),
            events=customer_events,
            grade=grade_customer(inputs=inputs, as_of=as_of, config=config),
            insolvency=open_insolvency(events=inputs.legal_events, as_of=as_of),
        )
    return result


def latest_snapshots(
    customer_ids: Sequence[int] | QuerySet[Any], *, as_of: date, fields: Sequence[str] = ()
) -> dict[int, GradeSnapshot]:
    """The latest stored grade per customer on or before ``as_of``.

    One index probe per customer on (customer, on) — a scan of every snapshot of the customers
    would read months of daily runs. ``fields`` loads only those columns (the explanation is
    the heavy one), for callers that read nothing else.
    """
    latest = GradeSnapshot.objects.filter(customer=OuterRef("pk"), on__lte=as_of).order_by("-on").values("pk")[:1]
    customers = Customer.objects.filter(pk__in_array=customer_ids).order_by()
    ids = [pk for pk in customers.annotate(snapshot_id=Subquery(latest)).values_list("snapshot_id", flat=True) if pk]
    # the ids first, then the rows by primary key: as one statement PostgreSQL hashes every snapshot
    rows = GradeSnapshot.objects.filter(pk__in_array=ids).order_by()
    if fields:
        rows = rows.only("customer_id", *fields)
    return {snapshot.customer_id: snapshot for snapshot in rows}


def overdue_amounts(customer_ids: Sequence[int] | QuerySet[Any], *, as_of: date) -> dict[int, Decimal]:
    return {
        row["customer_id"]: Decimal(row["total"] or 0)
        for row in Item.objects.filter(customer__in=customer_ids)
        .overdue(as_of)
        .values("customer_id")
        .annotate(total=Sum(FUNCTIONAL_OPEN))
        .order_by()
    }


def is_on_time(index: Decimal | None) -> bool:
    return index is not None and index >= ON_TIME_SCORE


def customers_with_siren(siren: str) -> QuerySet[Customer]:
    return Customer.objects.filter(siren=siren)


def scoped_company(*, customers: QuerySet[Customer], pk: int) -> Company | None:
    """A company the user may read: a prospect (no customer), or one of the user's customers."""
    company = Company.objects.filter(pk=pk).first()
    if company is None:
        return None
    if not Customer.objects.filter(siren=company.siren).exists():
        return company
    return company if customers.filter(siren=company.siren).exists() else None


def limit_history(customer: Customer) -> QuerySet[CreditLimit]:
    group = Q(group_id=customer.group_id) if customer.group_id else Q(pk__in=[])
    return (
        CreditLimit.objects.filter(Q(customer=customer) | group)
        .select_related("requested_by", "decided_by", "group")
        .order_by("-requested_at", "-pk")
    )
