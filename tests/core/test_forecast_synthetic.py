import statistics
from collections import defaultdict
from datetime import date

from encours.synthetic.forecast import BEHAVIOURS, synthetic_portfolio


def _by_behaviour(portfolio):
    behaviour = {c.customer_id: c.behaviour for c in portfolio.customers}
    grouped = defaultdict(list)
    for invoice in portfolio.invoices:
        grouped[behaviour[invoice.customer_id]].append(invoice)
    return grouped


def test_same_seed_same_portfolio_and_another_seed_another():
    first = synthetic_portfolio(customers=20, seed=1)
    assert first == synthetic_portfolio(customers=20, seed=1)
    assert first != synthetic_portfolio(customers=20, seed=2)


def test_every_behaviour_is_represented_in_a_large_enough_portfolio():
    assert set(_by_behaviour(synthetic_portfolio(customers=150)).keys()) == set(BEHAVIOURS)


def test_on_time_customers_pay_near_terms_and_chronic_late_ones_a_month_late():
    grouped = _by_behaviour(synthetic_portfolio(customers=150))
    median = {b: statistics.median(i.days_late for i in grouped[b] if i.days_late is not None) for b in grouped}
    assert -3 <= median["on_time"] <= 3
    assert median["chronic_late"] >= 20


def test_deteriorating_customers_pay_later_over_time():
    portfolio = synthetic_portfolio(customers=150)
    for customer in (c for c in portfolio.customers if c.behaviour == "deteriorating"):
        late = [
            i.days_late for i in portfolio.invoices if i.customer_id == customer.customer_id and i.days_late is not None
        ]
        if len(late) >= 20:
            assert statistics.mean(late[-5:]) > statistics.mean(late[:5])


def test_dunning_steps_go_out_before_payment_and_never_while_a_dispute_is_open():
    portfolio = synthetic_portfolio(customers=80)
    for invoice in portfolio.invoices:
        for step in invoice.dunning_steps:
            assert step.executed_on <= portfolio.as_of
            assert invoice.settled_date is None or step.executed_on < invoice.settled_date
            if invoice.disputed_on is not None:
                assert not invoice.disputed_on <= step.executed_on < (invoice.settled_date or portfolio.as_of)


def test_reminder_responders_mostly_pay_within_days_of_the_first_reminder():
    grouped = _by_behaviour(synthetic_portfolio(customers=150))
    answered = [
        i
        for i in grouped["reminder_responder"]
        if i.settled_date and i.dunning_steps and 1 <= (i.settled_date - i.dunning_steps[0].executed_on).days <= 3
    ]
    paid = [i for i in grouped["reminder_responder"] if i.settled_date]
    assert len(answered) >= 0.7 * len(paid)


def test_invoices_open_at_the_cutoff_have_no_settlement_and_orders_ship_later():
    portfolio = synthetic_portfolio(customers=40, start=date(2025, 1, 1), as_of=date(2025, 12, 1))
    assert all(i.settled_date is None or i.settled_date < portfolio.as_of for i in portfolio.invoices)
    assert any(i.settled_date is None for i in portfolio.invoices)
    assert all(o.expected_ship_date >= portfolio.as_of for o in portfolio.orders)
