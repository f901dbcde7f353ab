"""Quiet alerts on a real portfolio: limits expiring soon are one worklist line, an expired limit is
an alert of its customer; over-limit only beyond a configurable tolerance; a key account's first
overdue only as a change against a previous run; and on the seeded demo, after two daily runs,
open alerts stay under 5 % of the customers."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from encours.risk.alerting import limit_review_finding, limits_expiring
from encours.risk.daily import risk_daily_run, send_digest
from encours.risk.models import RiskAlert, RiskSettings
from encours.risk.services import limit_decide, limit_request, settings_save
from tests.factories import CustomerFactory, ItemFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 10, 31)


def _limit(customer, amount, user, *, valid_from=DAY - timedelta(days=300), expires_on=None):
    limit = limit_request(customer=customer, amount=Decimal(amount), user=user, valid_from=valid_from,
                          expires_on=expires_on)  # fmt: skip
    limit_decide(limit=limit, user=user, approve=True)
    return limit


def _invoice(customer, amount, on=DAY - timedelta(days=5), due_in=60):
    return ItemFactory(customer=customer, amount=Decimal(amount), document_date=on,
                       due_date=on + timedelta(days=due_in))  # fmt: skip


def _open_kinds(customer):
    return set(RiskAlert.objects.filter(customer=customer, closed_on__isnull=True).values_list("kind", flat=True))


def test_limits_expiring_soon_are_one_worklist_line_and_an_expired_limit_an_alert(entity, credit_manager):
    from encours.ledger.models import Customer

    soon = [CustomerFactory(entity=entity, name=f"Bientôt {n}") for n in range(3)]
    for n, customer in enumerate(soon):
        _limit(customer, 10000 * (n + 1), credit_manager, expires_on=DAY + timedelta(days=5 + 10 * n))
    later = CustomerFactory(entity=entity)
    _limit(later, 50000, credit_manager, expires_on=DAY + timedelta(days=31))
    expired = CustomerFactory(entity=entity, name="Échue SARL")
    _limit(expired, 20000, credit_manager, expires_on=DAY - timedelta(days=1))
    _invoice(expired, "4000.00")  # something owed: an expired limit matters
    idle = CustomerFactory(entity=entity, name="Sans encours SA")
    _limit(idle, 20000, credit_manager, expires_on=DAY - timedelta(days=1))  # nothing owed nor ordered
    report = risk_daily_run(as_of=DAY)
    assert all("limit_expiry" not in _open_kinds(c) for c in [*soon, later])
    assert _open_kinds(expired) == {"limit_expiry"} and _open_kinds(idle) == set()
    assert RiskAlert.objects.get(customer=expired).severity == "critical"
    review = report.limit_review
    assert (review.limits, review.amount, review.days) == (3, Decimal(60000), 30)
    # a renewal decided ahead (valid from the expiry) takes the limit off the list
    _limit(soon[0], 12000, credit_manager, valid_from=DAY + timedelta(days=6), expires_on=DAY + timedelta(days=371))
    assert limit_review_finding(customers=Customer.objects.all(), as_of=DAY, days=30).limits == 2
    # the next day one more limit comes into the window: the finding tells how many are new
    finding = limit_review_finding(customers=Customer.objects.all(), as_of=DAY + timedelta(days=1), days=30)
    assert (finding.limits, finding.entered) == (3, 1)


def test_the_review_notice_is_read_from_the_risk_settings(entity, credit_manager):
    customer = CustomerFactory(entity=entity)
    _limit(customer, 10000, credit_manager, expires_on=DAY + timedelta(days=45))
    assert risk_daily_run(as_of=DAY).limit_review is None
    settings_save(user=credit_manager, limit_review_days=60)
    assert risk_daily_run(as_of=DAY).limit_review.limits == 1


def test_the_alerts_page_shows_the_worklist_and_lists_limits_soonest_first(client, credit_manager, entity):
    for n, days in enumerate((25, 3, 12)):
        customer = CustomerFactory(entity=entity, name=f"Revue {days:02d}")
        _limit(customer, 5000 * (n + 1), credit_manager, expires_on=DAY + timedelta(days=days))
    outside = CustomerFactory(entity=entity, name="Plus tard SA")
    _limit(outside, 5000, credit_manager, expires_on=DAY + timedelta(days=90))
    client.force_login(credit_manager)
    html = client.get(reverse("risk:alerts"), {"as_of": DAY.isoformat()}).content.decode()
    assert "3 credit limits expire within 30 days" in html and "?show=expiring" in html
    listed = client.get(reverse("risk:alerts"), {"show": "expiring", "as_of": DAY.isoformat()}).content.decode()
    assert listed.index("Revue 03") < listed.index("Revue 12") < listed.index("Revue 25")
    assert "Plus tard SA" not in listed
    dashboard = client.get("/dashboard/", {"as_of": DAY.isoformat()}).content.decode()
    assert "3 credit limits expire within 30 days" in dashboard


def test_the_worklist_page_is_french_by_default(client, credit_manager, entity):
    from django.conf import settings

    _limit(CustomerFactory(entity=entity), 5000, credit_manager, expires_on=DAY + timedelta(days=3))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    client.force_login(credit_manager)
    html = client.get(reverse("risk:alerts"), {"as_of": DAY.isoformat()}).content.decode()
    assert "1 limite de crédit expire dans les 30 jours" in html


def test_the_scope_of_the_worklist_is_the_users_customers(entity, credit_manager):
    from django.utils import timezone

    from encours.ledger.models import Customer
    from encours.risk.models import CreditLimit
    from tests.factories import EntityFactory

    other = CustomerFactory(entity=EntityFactory())  # another entity's customer: outside the manager's scope
    CreditLimit.objects.create(customer=other, amount=Decimal(5000), status="approved", valid_from=DAY,
                               expires_on=DAY + timedelta(days=3), requested_at=timezone.now())  # fmt: skip
    mine = CustomerFactory(entity=entity)
    _limit(mine, 5000, credit_manager, expires_on=DAY + timedelta(days=3))
    scoped = limits_expiring(customers=Customer.objects.filter(entity=entity), on=DAY, days=30)
    assert list(scoped.values_list("customer_id", flat=True)) == [mine.pk]


def test_over_limit_within_the_tolerance_is_no_alert_and_the_tolerance_is_a_setting(entity, credit_manager):
    slightly = CustomerFactory(entity=entity)
    _limit(slightly, 10000, credit_manager)
    _invoice(slightly, "10800.00")  # 8 % over, but only 800 €
    clearly = CustomerFactory(entity=entity)
    _limit(clearly, 30000, credit_manager)
    _invoice(clearly, "32000.00")  # 6.7 % and 2 000 € over
    risk_daily_run(as_of=DAY)
    assert _open_kinds(slightly) == set() and _open_kinds(clearly) == {"over_limit"}
    settings_save(user=credit_manager, over_limit_tolerance_percent=Decimal(10), over_limit_tolerance_amount=0)
    risk_daily_run(as_of=DAY + timedelta(days=1))
    assert _open_kinds(slightly) == set() and _open_kinds(clearly) == set()  # closed: within 10 %
    settings_save(user=credit_manager, over_limit_tolerance_percent=0, over_limit_tolerance_amount=Decimal(500))
    risk_daily_run(as_of=DAY + timedelta(days=2))
    assert _open_kinds(slightly) == {"over_limit"} and _open_kinds(clearly) == {"over_limit"}
    assert RiskSettings.objects.first().over_limit_tolerance_amount == Decimal(500)


def test_a_negative_tolerance_is_refused(credit_manager):
    from encours.core.errors import EncoursError

    with pytest.raises(EncoursError, match="tolerance"):
        settings_save(user=credit_manager, over_limit_tolerance_amount=Decimal(-1))


def test_key_account_first_overdue_is_a_change_against_the_previous_run(entity):
    imported = CustomerFactory(entity=entity, is_strategic=True, name="Déjà en retard SA")
    _invoice(imported, "900.00", on=DAY - timedelta(days=70), due_in=30)  # overdue before any run
    clean = CustomerFactory(entity=entity, is_strategic=True, name="Grand Compte SA")
    _invoice(clean, "1200.00", on=DAY - timedelta(days=20), due_in=21)  # falls due after the first run
    first = risk_daily_run(as_of=DAY)
    assert first.alerts == 0  # the first run after an import: every state would look new
    risk_daily_run(as_of=DAY + timedelta(days=2))
    assert _open_kinds(imported) == set()  # overdue already at the previous run: no change
    assert _open_kinds(clean) == {"first_overdue_key_account"}
    alert = RiskAlert.objects.get(customer=clean)
    assert alert.message == "key account overdue for the first time: €1,200.00 (" + alert.message.split("(")[1]
    assert alert.raised_on == DAY + timedelta(days=2)


def test_the_digest_tells_the_new_limits_to_review(smtp_sink, entity, credit_manager):
    credit_manager.email = "cm@encours.example"
    credit_manager.save()
    _limit(CustomerFactory(entity=entity), 5000, credit_manager, expires_on=DAY + timedelta(days=30))
    risk_daily_run(as_of=DAY)
    assert send_digest(as_of=DAY) == 1
    body = smtp_sink.messages[-1][2].get_body(preferencelist=("plain",)).get_content()
    assert "1 limite de crédit expire dans les 30 jours" in body
    risk_daily_run(as_of=DAY + timedelta(days=1))
    assert send_digest(as_of=DAY + timedelta(days=1)) == 0  # nothing new came into the window


@pytest.mark.slow
def test_on_the_seeded_demo_open_alerts_stay_under_five_percent_after_two_daily_runs():
    """The demo plants a fixed number of scenarios per entity whatever its size (four insurance
    cover cases per policy, three legal events): on a small demo they alone pass 5 %, so they are
    counted apart; everything that grows with the portfolio stays under 5 % of the customers (the
    1 000-customer demo, planted scenarios included, is measured in the issue's note)."""
    from encours.ledger.models import Customer
    from encours.ledger.services.demo import demo_load
    from encours.synthetic.demo import generate_portfolio

    as_of = date(2026, 10, 31)
    demo_load(portfolio=generate_portfolio(customers=200, invoices=3000, seed=5, as_of=as_of))
    customers = Customer.objects.count()
    for day in (1, 2):
        risk_daily_run(as_of=as_of + timedelta(days=day))
    open_alerts = RiskAlert.objects.filter(closed_on__isnull=True)
    planted = open_alerts.filter(kind__in=("over_insured_cover", "legal_event"))
    assert planted.count() <= 3 * 4 + 3
    grows = open_alerts.exclude(pk__in=planted.values("pk")).count()
    assert grows < customers * 0.05, (grows, customers, sorted(open_alerts.values_list("kind", flat=True)))
    assert RiskAlert.objects.filter(kind="legal_event", severity="critical", closed_on__isnull=True).exists()


def test_a_run_dated_in_the_past_sees_the_invoices_open_on_that_date(entity):
    from encours.risk.models import GradeSnapshot
    from tests.risk.conftest import pay

    key = CustomerFactory(entity=entity, is_strategic=True)
    # due 10 days before the run, paid 5 days after it: overdue on the run's date
    pay(key, "700.00", due=DAY - timedelta(days=10), paid=DAY + timedelta(days=5))
    risk_daily_run(as_of=DAY)
    assert GradeSnapshot.objects.get(customer=key, on=DAY).overdue_amount == Decimal("700.000")
    risk_daily_run(as_of=DAY + timedelta(days=6))
    assert GradeSnapshot.objects.get(customer=key, on=DAY + timedelta(days=6)).overdue_amount == 0


def test_the_alert_thresholds_are_edited_on_the_settings_page(client, credit_manager):
    client.force_login(credit_manager)
    html = client.get(reverse("risk:settings")).content.decode()
    assert "over-limit alert only beyond (% of the limit)" in html.lower() and "limits to review" in html.lower()
    data = {f: getattr(RiskSettings(), f) for f in (
        "weight_financial", "weight_payer", "weight_external_rating", "weight_legal", "weight_seniority", "floor_a",
        "floor_b", "floor_c", "floor_d", "altman_safe_above", "altman_grey_from", "conan_safe_above",
        "conan_grey_from", "conan_alert_from", "hold_overdue_days", "reject_overdue_days")}  # fmt: skip
    data |= {"over_limit_tolerance_percent": "2.5", "over_limit_tolerance_amount": "300", "limit_review_days": 45}
    assert client.post(reverse("risk:settings"), data).status_code == 302
    saved = RiskSettings.objects.get()
    assert (saved.over_limit_tolerance_percent, saved.over_limit_tolerance_amount, saved.limit_review_days) == (
        Decimal("2.5"), Decimal(300), 45,
    )  # fmt: skip
    assert saved.no_limit_threshold == Decimal(5000)  # left empty: kept
