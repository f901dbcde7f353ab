from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import translation

from encours import contracts
from encours.insurance.services.covers import decisions_import
from encours.ledger.models import Customer


def _alerts(as_of, user):
    with translation.override("en"):
        found = contracts.alerts(customers=Customer.objects.all(), user=user, as_of=as_of)
    return [a for a in found if a.source == "insurance"]


def test_insurer_cancellation_raises_alert_with_uncovered_amount_the_same_day(book, entity, credit_manager):
    decisions_import(
        raw=book["csv"].replace(b"C-B,cancelled,0,0,EUR,2026-10-31", b"C-B,approved,1,10000,EUR,2026-02-01"),
        file_name="d.csv",
        entity_siren=entity.siren,
        policy_number="P-77",
        today=date(2026, 10, 1),
    )
    assert not any("cancelled" in a.title for a in _alerts(date(2026, 10, 31), credit_manager))
    cancel = b"customer,decision,granted_amount,effective_date,decision_ref\nC-B,cancelled,0,2026-10-31,D-CANCEL\n"
    decisions_import(
        raw=cancel, file_name="c.csv", entity_siren=entity.siren, policy_number="P-77", today=date(2026, 10, 31)
    )
    assert not any("cancelled" in a.title for a in _alerts(date(2026, 10, 30), credit_manager))
    (alert,) = [a for a in _alerts(date(2026, 10, 31), credit_manager) if "cancelled" in a.title]
    assert alert.severity == "bad" and "€7,000.00 now uncovered" in alert.title
    assert "Bravo BTP" in alert.detail


def test_over_cover_near_cover_expiry_and_deadline_alerts(imported, credit_manager):
    titles = [a.title for a in _alerts(date(2026, 10, 31), credit_manager)]
    assert any("over its insured cover" in t for t in titles)  # A: 4300 against 4000
    titles = [a.title for a in _alerts(date(2026, 10, 28), credit_manager)]
    assert any("close to its insured cover" in t for t in titles)  # A: 3800 ≥ 90 % of 4000
    assert any("overdue declaration" in t for t in titles)  # A's deadline 10-30 within the week
    expiring = _alerts(date(2026, 9, 15), credit_manager)
    assert any("expire" in a.title for a in expiring)  # C expires 09-30


def test_work_task_before_the_declaration_deadline(imported, credit_manager):
    tasks = contracts.work_tasks(customers=Customer.objects.all(), user=credit_manager, as_of=date(2026, 10, 20))
    by_customer = {t.customer_id: t for t in tasks if t.source == "insurance"}
    assert by_customer[imported["a"].pk].due_on == date(2026, 10, 30)
    assert by_customer[imported["d"].pk].due_on == date(2026, 8, 29)  # already late: still on the list


def test_the_declaration_task_says_its_deadline_in_the_french_format(imported, credit_manager):
    """Issue 21: "date limite 2025-11-14" (an ISO date inside a French sentence)."""
    with translation.override("fr"):
        tasks = contracts.work_tasks(customers=Customer.objects.all(), user=credit_manager, as_of=date(2026, 10, 20))
        (task,) = [t for t in tasks if t.source == "insurance" and t.customer_id == imported["a"].pk]
    assert "date limite 30/10/2026" in task.detail and "2026-10-30" not in task.detail
    assert "\u00a0€" in task.detail


def test_covers_hook(imported):
    ids = [imported[k].pk for k in "abcd"]
    covers = contracts.covers(customer_ids=ids, as_of=date(2026, 10, 30))
    assert covers[imported["a"].pk].granted == Decimal("4000") and covers[imported["a"].pk].insurer == "Coface"
    assert covers[imported["b"].pk].granted == Decimal("10000")
    assert contracts.covers(customer_ids=ids, as_of=date(2026, 10, 31))[imported["b"].pk].granted == 0


def test_narrowed_buyers_give_the_alerts_and_tasks_of_the_whole_portfolio(imported, credit_manager, monkeypatch):
    """Alerts read only decision holders and possible deadlines, tasks only possible deadlines:
    the same answers as reading every buyer, on every day of the autumn."""
    from datetime import timedelta

    from encours.insurance import providers

    def answers():
        found = []
        for day in range(0, 92, 3):
            as_of = date(2026, 8, 1) + timedelta(days=day)
            tasks = contracts.work_tasks(customers=Customer.objects.all(), user=credit_manager, as_of=as_of)
            found.append(([(a.title, a.detail) for a in _alerts(as_of, credit_manager)],
                          [(t.customer_id, t.due_on, t.detail) for t in tasks if t.source == "insurance"]))  # fmt: skip
        return found

    narrowed = answers()
    assert any(alerts for alerts, _ in narrowed) and any(tasks for _, tasks in narrowed)
    monkeypatch.setattr(providers, "_alert_buyers", lambda customers, as_of: customers)
    monkeypatch.setattr(
        providers,
        "_declaration_candidates",
        lambda customers, as_of, window: list(customers.values_list("pk", flat=True)),
    )
    assert answers() == narrowed
