"""Risk demo data: three years of accounts for most customers (some in distress), a few
prospects, Banque de France ratings, legal events including one insolvency (which blocks the
customer and raises an alert), credit limits (approved, expiring, pending, one group limit),
guarantees, held orders from the credit check, and the daily run over the last months so
grades, their history and the early-warning alerts are there."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.db import transaction
from django.utils import timezone

from encours.core.money import quantize
from encours.core.payer import add_months
from encours.core.terms import end_of_month
from encours.ledger.models import Customer
from encours.ledger.services.demo import DemoContext, demo_hook
from encours.risk import selectors
from encours.risk.daily import risk_daily_run
from encours.risk.imports import legal_events_record
from encours.risk.models import Company, CreditLimit, FinancialStatement, Guarantee, LimitStatus, Rating
from encours.synthetic.demo import luhn_complete

HEALTH = {"on_time": "strong", "early": "strong", "slow": "average", "partial": "average", "disputes": "average",
          "chronic_late": "weak", "deteriorating": "falling", "defaulting": "distress"}  # fmt: skip
BDF = {"strong": ("3+", "3", "4+"), "average": ("4+", "4", "5+"), "weak": ("5+", "5", "6"),
       "falling": ("4", "5", "6"), "distress": ("6", "7", "8")}  # fmt: skip
PROSPECTS = (("Bâtiments Lorrains SAS", "strong"), ("Transports Vidal SARL", "weak"), ("Cuisines Azur SA", "average"))


def _d(value: float) -> Decimal:
    return Decimal(round(value))


def _statement(rng: random.Random, revenue: float, health: str, year_index: int) -> dict[str, Decimal]:
    """Plausible French SME accounts; ``year_index`` 0 = oldest of the three years."""
    margin = {"strong": 0.09, "average": 0.05, "weak": 0.02, "falling": 0.07 - 0.04 * year_index,
              "distress": 0.02 - 0.05 * year_index}[health] + rng.uniform(-0.01, 0.01)  # fmt: skip
    equity_share = {"strong": 0.42, "average": 0.30, "weak": 0.16, "falling": 0.30 - 0.08 * year_index,
                    "distress": 0.12 - 0.12 * year_index}[health]  # fmt: skip
    total_assets = revenue * rng.uniform(0.55, 0.8)
    equity = total_assets * equity_share
    current_assets = total_assets * rng.uniform(0.55, 0.7)
    inventories = current_assets * rng.uniform(0.15, 0.35)
    cash = current_assets * rng.uniform(0.05, 0.2) * (0.3 if health == "distress" else 1)
    total_debt = total_assets - equity
    long_term_debt = total_debt * rng.uniform(0.25, 0.45)
    current_liabilities = total_debt - long_term_debt
    value_added = revenue * rng.uniform(0.28, 0.38)
    personnel = value_added * rng.uniform(0.55, 0.7)
    ebitda = revenue * (margin + 0.03)
    ebit = revenue * margin
    financial_expenses = long_term_debt * rng.uniform(0.025, 0.05)
    pge = revenue * rng.uniform(0.03, 0.1) if health in ("weak", "falling", "distress") else 0
    return {
        "total_assets": _d(total_assets), "current_assets": _d(current_assets), "inventories": _d(inventories),
        "receivables": _d(current_assets * 0.45), "cash": _d(cash), "equity": _d(equity),
        "long_term_debt": _d(long_term_debt), "financial_debt": _d(long_term_debt + current_liabilities * 0.2),
        "total_debt": _d(total_debt), "current_liabilities": _d(current_liabilities),
        "retained_earnings": _d(equity * (0.35 if equity > 0 else 1.2)), "pge_outstanding": _d(pge),
        "revenue": _d(revenue), "value_added": _d(value_added), "ebitda": _d(ebitda), "ebit": _d(ebit),
        "financial_expenses": _d(financial_expenses), "personnel_expenses": _d(personnel),
        "net_income": _d(ebit - financial_expenses - max(0, ebit) * 0.25),
    }  # fmt: skip


def _demo_limit(rng: random.Random, exposure: Decimal) -> Decimal:
    """What a credit manager approved: the customer's usual exposure with headroom, rounded up to
    5 000. For a realistic few (about 6 % of the limits, 3 % of the customers) the customer now owes
    more than the limit: mostly a little (within the alert tolerance), a third of them clearly."""
    step = Decimal(5000)
    if exposure > step and rng.random() < 0.06:
        share = rng.uniform(0.6, 0.9) if rng.random() < 0.35 else rng.uniform(0.96, 0.995)
        below = exposure * Decimal(str(round(share, 3)))
        return quantize((below / 500).to_integral_value(rounding=ROUND_FLOOR) * 500)
    wanted = exposure * Decimal(str(round(rng.uniform(1.3, 2.0), 2)))
    return quantize(max(step, (wanted / step).to_integral_value(rounding=ROUND_CEILING) * step))


def _demo_limit_start(rng: random.Random, as_of: date) -> date:
    """Limits are reviewed every year, so their expiries spread over the next twelve months; a few
    (1 %) expired in the last weeks and wait for their renewal."""
    if rng.random() < 0.01:
        return as_of - timedelta(days=365 + rng.randint(1, 30))
    return as_of - timedelta(days=rng.randint(0, 364))


@demo_hook(40)
def risk_demo(context: DemoContext) -> None:
    rng = random.Random(8)
    as_of = context.as_of
    credit = context.users.get("credit")
    director = context.users.get("director-idf")
    rep = context.users.get("rep1")
    now = timezone.now()
    with transaction.atomic():
        companies: dict[str, Company] = {}
        statements = []
        ratings = []
        health_of: dict[int, str] = {}
        for demo, customer in zip(context.portfolio.customers, context.customers, strict=True):
            health = HEALTH.get(demo.behaviour, "average")
            health_of[customer.pk] = health
            if not customer.siren or (rng.random() > 0.7 and health in ("strong", "average")):
                continue
            company = companies.get(customer.siren) or Company(
                siren=customer.siren, name=customer.name, naf_code=customer.naf_code,
                created_on=date(rng.randint(1975, as_of.year - 3), rng.randint(1, 12), 1),
            )  # fmt: skip
            if company.siren in companies:
                continue
            company.save()
            companies[company.siren] = company
            revenue = {"large": 80e6, "sme": 6e6, "public": 30e6}.get(customer.category, 4e6) * rng.uniform(0.4, 1.6)
            for index, year in enumerate(range(as_of.year - 3, as_of.year)):
                values = _statement(rng, revenue * (1 + 0.04 * index), health, index)
                statements.append(FinancialStatement(company=company, year=year, source="demo", **values))
            if rng.random() < 0.45:
                rated_on = as_of - timedelta(days=rng.randint(20, 300))
                ratings.append(Rating(company=company, agency="banque_de_france", scale="cotation BdF",
                                      rating=rng.choice(BDF[health]), rated_on=rated_on, source="demo"))  # fmt: skip
        for index, (name, health) in enumerate(PROSPECTS):
            siren = luhn_complete(f"{91234560 + index:08d}")
            company = Company.objects.create(siren=siren, name=name, created_on=date(2011 + index, 3, 1))
            for i, year in enumerate(range(as_of.year - 3, as_of.year)):
                statements.append(FinancialStatement(company=company, year=year, source="demo",
                                                     **_statement(rng, 3e6 * (index + 1), health, i)))  # fmt: skip
        FinancialStatement.objects.bulk_create(statements, batch_size=1000)
        Rating.objects.bulk_create(ratings, batch_size=1000)

        customers = list(Customer.objects.filter(pk__in=[c.pk for c in context.customers]).select_related("entity"))
        figures = selectors.exposure_figures([c.pk for c in customers])
        limits = []
        guarantees = []
        for customer in customers:
            health = health_of.get(customer.pk, "average")
            if rng.random() < 0.45:
                continue
            f = figures.get(customer.pk, selectors.ExposureFigures())
            amount = _demo_limit(rng, f.open_ar + f.open_orders + f.uninvoiced_deliveries)
            valid_from = _demo_limit_start(rng, as_of)
            limits.append(CreditLimit(
                customer=customer, amount=amount, status=LimitStatus.APPROVED,
                valid_from=valid_from, expires_on=valid_from + timedelta(days=365),
                requested_by=rep, requested_at=now, decided_by=credit, decided_at=now,
                decision_comment="demo", request_comment="annual review",
            ))  # fmt: skip
            if health in ("weak", "falling") and rng.random() < 0.3:
                guarantees.append(Guarantee(
                    customer=customer, kind=rng.choice(("bank_guarantee", "letter_of_credit", "deposit")),
                    amount=quantize(amount * Decimal("0.4")), issuer=rng.choice(("BNP Paribas", "Crédit Agricole",
                                                                                "Société Générale")),
                    reference=f"GAR-{customer.pk:05d}", valid_from=as_of - timedelta(days=200),
                    expires_on=as_of + timedelta(days=rng.randint(10, 365)), created_by=credit,
                ))  # fmt: skip
        for customer in customers[:4]:
            limits.append(CreditLimit(customer=customer, amount=Decimal(rng.choice((40000, 60000, 250000))),
                                      valid_from=as_of, requested_by=rep or director, requested_at=now,
                                      request_comment="order pipeline growing"))  # fmt: skip
        CreditLimit.objects.bulk_create(limits, batch_size=1000)
        Guarantee.objects.bulk_create(guarantees, batch_size=1000)
        group_member = next((c for c in customers if c.group_id), None)
        if group_member is not None:
            CreditLimit.objects.create(
                group_id=group_member.group_id, amount=Decimal(300000), status=LimitStatus.APPROVED,
                valid_from=as_of - timedelta(days=90), expires_on=as_of + timedelta(days=275), requested_by=credit,
                requested_at=now, decided_by=credit, decided_at=now, decision_comment="group limit, consolidated",
            )  # fmt: skip

    # grades and alerts as the daily run would have stored them at the last month ends
    for back in (4, 3, 2, 1):
        risk_daily_run(as_of=end_of_month(add_months(as_of, -back)))
    _legal_events(context, customers, health_of, rng)
    risk_daily_run(as_of=as_of)
    _held_orders(context, customers, credit)
    context.notes.append(f"risk: {len(statements)} statements, {len(ratings)} ratings, {len(limits)} limits")


def _legal_events(context: DemoContext, customers: list[Customer], health: dict[int, str], rng: random.Random) -> None:
    as_of = context.as_of
    distressed = [c for c in customers if health.get(c.pk) == "distress" and c.siren]
    others = [c for c in customers if health.get(c.pk) in ("average", "strong") and c.siren]
    parsed = []
    if distressed:
        parsed.append((1, {"siren": distressed[0].siren, "kind": _kind("receivership"),
                           "published_on": as_of - timedelta(days=6), "description":
                           "Jugement d'ouverture d'une procédure de redressement judiciaire",
                           "reference": "BODACC-A-DEMO-1", "source": "BODACC A",
                           "court": "Tribunal de commerce"}))  # fmt: skip
    if len(others) > 1:
        parsed.append((2, {"siren": others[0].siren, "kind": _kind("management_change"),
                           "published_on": as_of - timedelta(days=40), "description": "Changement de président",
                           "reference": "BODACC-B-DEMO-2", "source": "BODACC B", "court": ""}))  # fmt: skip
        parsed.append((3, {"siren": others[1].siren, "kind": _kind("other"),
                           "published_on": as_of - timedelta(days=75), "description": "Augmentation du capital social",
                           "reference": "BODACC-B-DEMO-3", "source": "BODACC B", "court": ""}))  # fmt: skip
    if parsed:
        legal_events_record(parsed, file_name="demo-bodacc.csv", user=None, rows=len(parsed), as_of=as_of)


def _kind(value: str):  # type: ignore[no-untyped-def]
    from encours.core.grading import LegalEventKind

    return LegalEventKind(value)


def _held_orders(context: DemoContext, customers: list[Customer], credit: object) -> None:
    """Orders from the ERP that the credit check held: over limit, no limit, overdue."""
    from encours.risk.checks import credit_check_order

    if credit is None:
        return
    limited = {row.customer_id for row in CreditLimit.objects.filter(status=LimitStatus.APPROVED)}
    picked = [c for c in customers if c.pk in limited and not c.is_blocked][:3]
    picked += [c for c in customers if c.pk not in limited and not c.is_blocked][:2]
    for number, customer in enumerate(picked, start=1):
        credit_check_order(user=credit, account_number=customer.account_number, entity_siren=customer.entity.siren,
                           amount=Decimal(180000), currency=customer.entity.currency,
                           reference=f"SO-DEMO-{number:03d}", as_of=context.as_of)  # fmt: skip
