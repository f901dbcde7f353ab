"""The ``risk_scores`` export: one row per statement closed by ``as_of``, with the company's
payer index and grade on that date (a company that is a customer of several entities is
read as one payer: its payments pooled, amount-weighted)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from encours.core.grading import ExternalRating, GradeInputs, grade_customer
from encours.core.money import ZERO
from encours.core.scoring import format_score
from encours.ledger.models import Customer
from encours.risk import selectors
from encours.risk.models import Company, FinancialStatement

SCORE_COLUMNS = ("siren", "year", "altman_z2", "altman_zone", "conan_holder", "conan_zone", "payer_index", "grade")


def _pooled_payer(customer_ids: list[int], indexes: dict[int, object]) -> Decimal | None:
    weighted = amount = ZERO
    for customer_id in customer_ids:
        index = indexes.get(customer_id)
        if index is None or index.value is None:  # type: ignore[attr-defined]
            continue
        weighted += index.value * index.amount  # type: ignore[attr-defined]
        amount += index.amount  # type: ignore[attr-defined]
    return (weighted / amount).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if amount > 0 else None


def score_rows(*, as_of: date) -> list[dict[str, str]]:
    settings = selectors.current_settings()
    config = selectors.grading_config(settings)
    statements = [
        row
        for row in FinancialStatement.objects.select_related("company").order_by("company__siren", "year")
        if selectors.closing_date(row) <= as_of
    ]
    sirens = {row.company.siren for row in statements}
    customers: dict[str, list[int]] = defaultdict(list)
    since: dict[str, date] = {}
    for pk, siren, created_on in Customer.objects.filter(siren__in=sirens).values_list("pk", "siren", "created_on"):
        customers[siren].append(pk)
        if created_on and (siren not in since or created_on < since[siren]):
            since[siren] = created_on
    indexes = selectors.payer_indexes([pk for ids in customers.values() for pk in ids], as_of=as_of)
    latest = selectors.latest_statements(sirens=sirens, as_of=as_of)
    ratings = selectors.ratings_by_siren(sirens, as_of=as_of)
    events = selectors.events_by_siren(sirens, as_of=as_of)
    created = dict(Company.objects.filter(siren__in=sirens).values_list("siren", "created_on"))
    grades: dict[str, tuple[Decimal | None, str]] = {}
    for siren in sirens:
        payer = _pooled_payer(customers.get(siren, []), indexes)  # type: ignore[arg-type]
        statement = latest.get(siren)
        analysis = selectors.analyse(statement, settings) if statement else None
        inputs = GradeInputs(
            altman=analysis.altman if analysis else None,
            conan_holder=analysis.conan_holder if analysis else None,
            accounts_closed_on=selectors.closing_date(statement) if statement else None,
            payer_index=payer,
            external_ratings=tuple(
                ExternalRating(agency=r.agency, rating=r.rating, rated_on=r.rated_on) for r in ratings.get(siren, [])
            ),
            legal_events=tuple(selectors.core_event(e) for e in events.get(siren, [])),
            company_created_on=created.get(siren),
            customer_since=since.get(siren),
        )
        grade = grade_customer(inputs=inputs, as_of=as_of, config=config)
        grades[siren] = (payer, grade.letter or "")
    rows = []
    for row in statements:
        analysis = selectors.analyse(row, settings)
        payer, letter = grades[row.company.siren]
        rows.append(
            {
                "siren": row.company.siren,
                "year": str(row.year),
                "altman_z2": format_score(analysis.altman.value),
                "altman_zone": analysis.altman.zone.value if analysis.altman.zone else "",
                "conan_holder": format_score(analysis.conan_holder.value),
                "conan_zone": analysis.conan_holder.zone.value if analysis.conan_holder.zone else "",
                "payer_index": format_score(payer),
                "grade": letter,
            }
        )
    return rows
