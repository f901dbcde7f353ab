from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from encours.core.credit import CreditLimit, Guarantee, GuaranteeKind
from encours.core.grading import LegalEvent, LegalEventKind
from encours.core.payer import OpenItem, PayerIndexPoint, PayerIndexTrend
from encours.core.risk_alerts import (
    Alert,
    AlertConfig,
    AlertInputs,
    AlertKind,
    Change,
    OpenAlert,
    Severity,
    limit_expires_soon,
    no_limit_finding,
    reconcile,
    risk_alerts,
)

D = Decimal
AS_OF = date(2026, 6, 30)


def alerts_for(**fields):
    return risk_alerts(inputs=AlertInputs(**{"customer_id": "C1", "net_exposure": D(0), **fields}), as_of=AS_OF)


def kinds(alerts):
    return [a.kind for a in alerts]


def trend(*values):
    points = tuple(
        PayerIndexPoint(on=date(2026, 1 + i, 1), value=None if v is None else D(v), amount=D(1))
        for i, v in enumerate(values)
    )
    return PayerIndexTrend(points=points, slope_per_month=None, change_over_year=None, direction=None)


def test_no_alert_for_a_quiet_customer():
    limit = CreditLimit(amount=D(1000), approved_on=date(2026, 1, 1), approved_by="cm", expires_on=date(2027, 1, 1))
    assert alerts_for(previous_grade="B", grade="B", net_exposure=D(100), limit=limit) == ()


def test_downgrade_to_c_is_a_warning_and_to_d_is_critical():
    assert [a.severity for a in alerts_for(previous_grade="A", grade="C")] == [Severity.WARNING]
    assert [a.severity for a in alerts_for(previous_grade="C", grade="D")] == [Severity.CRITICAL]


def test_upgrade_raises_no_alert():
    assert alerts_for(previous_grade="D", grade="B") == ()


def test_payer_index_drop_against_its_three_month_average():
    (alert,) = alerts_for(payer_trend=trend(90, 75, 80, 70, 62), net_exposure=D(5000))
    # previous three: (75 + 80 + 70) / 3 = 75.0; 62 is 13 points lower
    assert alert.kind is AlertKind.PAYER_INDEX_DROP
    assert alert.message == "payer index 62 against 75.0 on average over the previous 3 months (-13.0)"


def test_payer_index_drop_below_the_threshold_is_quiet():
    assert alerts_for(payer_trend=trend(75, 80, 70, 66)) == ()  # 9 points under 75.0


def test_payer_drop_threshold_is_configurable():
    inputs = AlertInputs(customer_id="C1", net_exposure=D(5000), payer_trend=trend(75, 80, 70, 66))
    assert risk_alerts(inputs=inputs, as_of=AS_OF, config=AlertConfig(payer_drop_points=D(5)))


def test_no_payer_drop_nor_expired_limit_alert_with_nothing_at_risk():
    expired = CreditLimit(amount=D(5000), approved_on=date(2025, 7, 1), approved_by="cm", expires_on=date(2026, 6, 1))
    assert alerts_for(payer_trend=trend(90, 75, 80, 70, 62), limit=expired, net_exposure=D(0)) == ()
    owed = alerts_for(payer_trend=trend(90, 75, 80, 70, 62), limit=expired, net_exposure=D("0.01"))
    assert kinds(owed) == [AlertKind.PAYER_INDEX_DROP, AlertKind.LIMIT_EXPIRY]


def test_payer_drop_needs_a_current_index():
    assert alerts_for(payer_trend=trend(80, 80, 80, None)) == ()


def test_exposure_over_limit_gives_the_excess():
    limit = CreditLimit(amount=D(50000), approved_on=date(2026, 1, 1), approved_by="cm")
    (alert,) = alerts_for(net_exposure=D(56000), limit=limit)
    assert alert.message == "exposure €56,000.00 over limit €50,000.00 by €6,000.00"


def test_exposure_without_a_limit_is_flagged_once_for_the_portfolio_not_per_customer():
    assert alerts_for(net_exposure=D(10)) == ()
    finding = no_limit_finding(exposures=[D(10), D("5000.01"), D(12000)], threshold=D(5000))
    assert finding.customers == 2 and finding.exposure == D("17000.01")
    assert finding.message == "2 customers above €5,000.00 have no credit limit (exposure €17,000.01)"
    assert no_limit_finding(exposures=[D(5000)], threshold=D(5000)) is None


def test_over_limit_severity_grows_with_the_excess():
    # a 20 000 limit (10 000 before the tolerance: 1 000 over is no longer material)
    limit = CreditLimit(amount=D(20000), approved_on=date(2026, 1, 1), approved_by="cm")
    severities = [alerts_for(net_exposure=D(e), limit=limit)[0].severity for e in (22000, 24000, 30001)]
    assert severities == [Severity.INFO, Severity.WARNING, Severity.CRITICAL]


def test_over_limit_is_an_alert_only_beyond_both_tolerances():
    small = CreditLimit(amount=D(10000), approved_on=date(2026, 1, 1), approved_by="cm")
    large = CreditLimit(amount=D(100000), approved_on=date(2026, 1, 1), approved_by="cm")
    assert alerts_for(net_exposure=D(11000), limit=small) == ()  # 10 % but only 1 000 over
    assert kinds(alerts_for(net_exposure=D("11000.01"), limit=small)) == [AlertKind.OVER_LIMIT]
    assert alerts_for(net_exposure=D(105000), limit=large) == ()  # 5 000 over but only 5 %
    assert kinds(alerts_for(net_exposure=D("105000.01"), limit=large)) == [AlertKind.OVER_LIMIT]


def test_over_limit_tolerance_is_configurable():
    limit = CreditLimit(amount=D(10000), approved_on=date(2026, 1, 1), approved_by="cm")
    inputs = AlertInputs(customer_id="C1", net_exposure=D(10200), limit=limit)
    strict = AlertConfig(over_limit_tolerance_share=D(0), over_limit_tolerance_amount=D(0))
    assert risk_alerts(inputs=inputs, as_of=AS_OF) == ()
    (alert,) = risk_alerts(inputs=inputs, as_of=AS_OF, config=strict)
    assert (alert.kind, alert.severity) == (AlertKind.OVER_LIMIT, Severity.INFO)


def _open(kind, severity=Severity.WARNING, key="k", acknowledged=False):
    return OpenAlert(kind=kind, severity=severity, key=key, acknowledged=acknowledged)


def _alert(kind, severity=Severity.WARNING, key="k2"):
    return Alert(kind=kind, severity=severity, customer_id="C1", message="m", key=key)


def test_reconcile_keeps_one_open_alert_per_kind_and_updates_it():
    changes = reconcile(open_alerts=[_open(AlertKind.OVER_LIMIT)], raised=[_alert(AlertKind.OVER_LIMIT)])
    assert [(c.change, c.kind) for c in changes] == [(Change.UPDATE, AlertKind.OVER_LIMIT)]


def test_reconcile_opens_new_problems_and_closes_ended_conditions():
    changes = reconcile(
        open_alerts=[_open(AlertKind.OVER_INSURED_COVER)],
        raised=[_alert(AlertKind.OVER_LIMIT), _alert(AlertKind.OVER_LIMIT, Severity.CRITICAL, "k3")],
    )
    assert {(c.change, c.kind) for c in changes} == {
        (Change.OPEN, AlertKind.OVER_LIMIT),
        (Change.CLOSE, AlertKind.OVER_INSURED_COVER),
    }
    assert [c.alert.severity for c in changes if c.alert] == [Severity.CRITICAL]  # the worst of the kind


def test_reconcile_marks_worse_on_higher_severity_or_a_new_fact():
    worse = reconcile(
        open_alerts=[_open(AlertKind.OVER_LIMIT)], raised=[_alert(AlertKind.OVER_LIMIT, Severity.CRITICAL)]
    )
    assert [c.change for c in worse] == [Change.WORSE]
    event = reconcile(
        open_alerts=[_open(AlertKind.LEGAL_EVENT, key="e1")], raised=[_alert(AlertKind.LEGAL_EVENT, key="e2")]
    )
    assert [c.change for c in event] == [Change.WORSE]


def test_reconcile_keeps_events_open_while_they_persist_until_acknowledged():
    stored = [_open(AlertKind.LEGAL_EVENT), _open(AlertKind.GRADE_DOWNGRADE)]
    kept = reconcile(
        open_alerts=stored, raised=[], persisting=frozenset({AlertKind.LEGAL_EVENT, AlertKind.GRADE_DOWNGRADE})
    )
    assert kept == ()
    acknowledged = [_open(AlertKind.LEGAL_EVENT, acknowledged=True)]
    closed = reconcile(open_alerts=acknowledged, raised=[], persisting=frozenset({AlertKind.LEGAL_EVENT}))
    assert [c.change for c in closed] == [Change.CLOSE]


def test_reconcile_does_not_raise_a_fact_already_stored_again():
    assert (
        reconcile(open_alerts=[], raised=[_alert(AlertKind.LEGAL_EVENT, key="e1")], known_keys=frozenset({"e1"})) == ()
    )


def test_exposure_over_insured_cover_gives_the_uncovered_part():
    limit = CreditLimit(amount=D(90000), approved_on=date(2026, 1, 1), approved_by="cm")
    (alert,) = alerts_for(net_exposure=D(56000), limit=limit, insured_cover=D(40000))
    assert alert.kind is AlertKind.OVER_INSURED_COVER
    assert alert.message == "exposure €56,000.00 over insured cover €40,000.00: €16,000.00 uncovered"


def test_limit_expiring_within_notice_goes_on_the_review_worklist_not_an_alert():
    limit = CreditLimit(amount=D(50000), approved_on=date(2025, 7, 1), approved_by="cm", expires_on=date(2026, 7, 30))
    assert alerts_for(limit=limit) == ()
    assert limit_expires_soon(expires_on=date(2026, 7, 30), as_of=AS_OF)  # in 30 days
    assert limit_expires_soon(expires_on=AS_OF, as_of=AS_OF)  # its last day
    assert not limit_expires_soon(expires_on=date(2026, 7, 31), as_of=AS_OF)
    assert not limit_expires_soon(expires_on=date(2026, 6, 29), as_of=AS_OF)  # expired: an alert instead
    assert not limit_expires_soon(expires_on=None, as_of=AS_OF)
    assert limit_expires_soon(
        expires_on=date(2026, 8, 29), as_of=AS_OF, config=AlertConfig(limit_expiry_notice_days=60)
    )


def test_expired_limit_is_critical():
    limit = CreditLimit(amount=D(50000), approved_on=date(2025, 7, 1), approved_by="cm", expires_on=date(2026, 6, 29))
    (alert,) = alerts_for(limit=limit, net_exposure=D(100))
    assert alert.severity is Severity.CRITICAL
    assert alert.message == "credit limit €50,000.00 expired on 2026-06-29"
    last_day = CreditLimit(amount=D(1), approved_on=date(2025, 7, 1), approved_by="cm", expires_on=AS_OF)
    assert alerts_for(limit=last_day) == ()


def test_guarantees_expiring_soon_or_just_expired_are_flagged():
    guarantees = (
        Guarantee(kind=GuaranteeKind.BANK_GUARANTEE, amount=D(20000), expires_on=date(2026, 7, 15), reference="GB-1"),
        Guarantee(kind=GuaranteeKind.DEPOSIT, amount=D(5000), expires_on=date(2026, 6, 10), issuer="client"),
        Guarantee(kind=GuaranteeKind.LETTER_OF_CREDIT, amount=D(9000), expires_on=date(2026, 12, 31)),
        Guarantee(kind=GuaranteeKind.PARENT_GUARANTEE, amount=D(9000), expires_on=date(2025, 12, 31)),
    )
    alerts = alerts_for(
        guarantees=guarantees,
        net_exposure=D(1000),
        limit=CreditLimit(amount=D(9999), approved_on=AS_OF, approved_by="cm"),
    )
    assert [(a.message, a.severity) for a in alerts] == [
        ("bank_guarantee GB-1 €20,000.00 expires on 2026-07-15", Severity.WARNING),
        ("deposit client €5,000.00 expired on 2026-06-10", Severity.CRITICAL),
    ]


def test_new_legal_events_since_the_previous_run_raise_alerts():
    events = (
        LegalEvent(kind=LegalEventKind.RECEIVERSHIP, published_on=date(2026, 6, 20), description="TC Lyon"),
        LegalEvent(kind=LegalEventKind.MANAGEMENT_CHANGE, published_on=date(2026, 6, 1)),
    )
    (alert,) = alerts_for(legal_events=events, previous_check_on=date(2026, 6, 15))
    assert alert.severity is Severity.CRITICAL
    assert alert.message == "receivership published 2026-06-20: TC Lyon"


def test_first_run_takes_recent_legal_events_as_new():
    events = (
        LegalEvent(kind=LegalEventKind.TAX_SOCIAL_LIEN, published_on=date(2026, 6, 1)),
        LegalEvent(kind=LegalEventKind.OTHER, published_on=date(2026, 1, 1)),
    )
    assert [a.severity for a in alerts_for(legal_events=events)] == [Severity.WARNING]


def test_first_overdue_of_a_key_account():
    items = (
        OpenItem(reference="F2", open_amount=D(700), due_date=date(2026, 6, 25)),
        OpenItem(reference="F1", open_amount=D(300), due_date=date(2026, 6, 20)),
        OpenItem(reference="F3", open_amount=D(900), due_date=date(2026, 7, 10)),
    )
    (alert,) = alerts_for(is_key_account=True, open_items=items, previous_overdue_amount=D(0))
    assert alert.message == "key account overdue for the first time: €1,000.00 (F1, F2)"
    assert alert.key == "first_overdue_key_account:C1:2026-06-20"


def test_no_first_overdue_alert_for_ordinary_or_already_overdue_accounts():
    items = (OpenItem(reference="F1", open_amount=D(300), due_date=date(2026, 6, 20)),)
    assert alerts_for(open_items=items) == ()
    assert alerts_for(is_key_account=True, open_items=items, previous_overdue_amount=D(50)) == ()


def test_no_first_overdue_alert_for_a_key_account_that_habitually_pays_late():
    items = (OpenItem(reference="F1", open_amount=D(300), due_date=date(2026, 6, 20)),)
    clean = {"is_key_account": True, "open_items": items, "previous_overdue_amount": D(0)}
    assert alerts_for(**clean, payer_index=D(62)) == ()  # its payer index already says it pays late
    assert kinds(alerts_for(**clean, payer_index=D(80))) == [AlertKind.FIRST_OVERDUE_KEY_ACCOUNT]
    assert kinds(alerts_for(**clean, payer_index=None)) == [AlertKind.FIRST_OVERDUE_KEY_ACCOUNT]


def test_no_first_overdue_alert_when_no_previous_run_knew_the_customer():
    # after a seed or an import every overdue key account would look new: not a change, no alert
    items = (OpenItem(reference="F1", open_amount=D(300), due_date=date(2026, 6, 20)),)
    assert alerts_for(is_key_account=True, open_items=items) == ()
    assert alerts_for(is_key_account=True, open_items=items, previous_overdue_amount=None) == ()


def test_alert_keys_are_stable_across_runs():
    events = (LegalEvent(kind=LegalEventKind.LIQUIDATION, published_on=date(2026, 6, 20), reference="B-99"),)
    first = risk_alerts(inputs=AlertInputs(customer_id="C1", net_exposure=D(0), legal_events=events), as_of=AS_OF)
    again = risk_alerts(
        inputs=AlertInputs(customer_id="C1", net_exposure=D(0), legal_events=events), as_of=AS_OF + timedelta(days=1)
    )
    assert [a.key for a in first] == [a.key for a in again] == ["legal_event:C1:liquidation:2026-06-20:B-99"]


@given(
    exposure=st.decimals(min_value=0, max_value=10**7, places=2),
    limit=st.decimals(min_value=0, max_value=10**7, places=2),
)
def test_over_limit_alert_exactly_when_exposure_exceeds_limit(exposure, limit):
    inputs = AlertInputs(
        customer_id="C1",
        net_exposure=exposure,
        limit=CreditLimit(amount=limit, approved_on=date(2026, 1, 1), approved_by="cm"),
    )
    no_tolerance = AlertConfig(over_limit_tolerance_share=D(0), over_limit_tolerance_amount=D(0))
    alerts = risk_alerts(inputs=inputs, as_of=AS_OF, config=no_tolerance)
    assert (AlertKind.OVER_LIMIT in kinds(alerts)) == (exposure > limit)
    tolerated = max(limit * D("0.05"), D(1000))
    assert (AlertKind.OVER_LIMIT in kinds(alerts_for(net_exposure=exposure, limit=inputs.limit))) == (
        exposure - limit > tolerated
    )
