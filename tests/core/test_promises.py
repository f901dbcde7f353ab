"""Promises to pay: pending, kept, partially kept, broken, and what they protect."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encours.core.dunning.promises import (
    PromisePayment,
    PromiseStatus,
    PromiseToPay,
    assess_promises,
    failed_promise_by_item,
    promise_status,
    protected_item_ids,
    status_changes,
)
from encours.core.errors import ValidationFailed
from encours.core.money import D

MADE = date(2026, 3, 2)
PROMISED = date(2026, 3, 10)  # deadline 13/03 with 3 grace days


def promise(
    amount: str = "1500",
    promise_id: int = 7,
    items: tuple[int, ...] = (11, 12),
    promised_date: date = PROMISED,
    grace_days: int = 3,
) -> PromiseToPay:
    return PromiseToPay(
        promise_id=promise_id,
        customer_id=1,
        amount=D(amount),
        promised_date=promised_date,
        item_ids=items,
        created_on=MADE,
        grace_days=grace_days,
    )


def pay(item_id: int, on: date, amount: str) -> PromisePayment:
    return PromisePayment(item_id=item_id, received_on=on, amount=D(amount))


def test_promise_is_pending_and_protects_its_invoices_before_the_date() -> None:
    assessment = promise_status(promise=promise(), payments=(), as_of=date(2026, 3, 5))
    assert assessment.status is PromiseStatus.PENDING
    assert assessment.protected_item_ids == (11, 12)


def test_promise_is_still_pending_on_the_last_grace_day() -> None:
    assessment = promise_status(promise=promise(), payments=(), as_of=date(2026, 3, 13))
    assert assessment.status is PromiseStatus.PENDING


def test_promise_without_cash_is_broken_the_day_after_the_grace_period() -> None:
    assessment = promise_status(promise=promise(), payments=(), as_of=date(2026, 3, 14))
    assert assessment.status is PromiseStatus.BROKEN
    assert (assessment.broken_on, assessment.shortfall, assessment.protected_item_ids) == (
        date(2026, 3, 14),
        D("1500.00"),
        (),
    )


def test_promise_paid_in_full_early_is_kept_and_stops_protecting() -> None:
    payments = (pay(11, date(2026, 3, 4), "1000"), pay(12, date(2026, 3, 6), "500"))
    assessment = promise_status(promise=promise(), payments=payments, as_of=date(2026, 3, 7))
    assert (assessment.status, assessment.kept_on, assessment.protected_item_ids) == (
        PromiseStatus.KEPT,
        date(2026, 3, 6),
        (),
    )


def test_cash_within_the_grace_days_keeps_the_promise() -> None:
    assessment = promise_status(
        promise=promise(), payments=(pay(11, date(2026, 3, 13), "1500"),), as_of=date(2026, 3, 20)
    )
    assert assessment.status is PromiseStatus.KEPT


def test_cash_after_the_deadline_does_not_keep_the_promise() -> None:
    assessment = promise_status(
        promise=promise(), payments=(pay(11, date(2026, 3, 14), "1500"),), as_of=date(2026, 3, 20)
    )
    assert assessment.status is PromiseStatus.BROKEN
    assert (assessment.received, assessment.received_by_deadline) == (D("1500.00"), D("0.00"))


def test_some_cash_short_of_the_amount_makes_the_promise_partially_kept() -> None:
    assessment = promise_status(
        promise=promise(), payments=(pay(12, date(2026, 3, 9), "900"),), as_of=date(2026, 3, 14)
    )
    assert (assessment.status, assessment.shortfall) == (PromiseStatus.PARTIALLY_KEPT, D("600.00"))
    assert assessment.status.failed


def test_cash_received_before_the_promise_was_made_does_not_count() -> None:
    assessment = promise_status(
        promise=promise(), payments=(pay(11, date(2026, 3, 1), "1500"),), as_of=date(2026, 3, 14)
    )
    assert assessment.status is PromiseStatus.BROKEN


def test_cash_on_another_invoice_does_not_count() -> None:
    assessment = promise_status(
        promise=promise(), payments=(pay(99, date(2026, 3, 9), "1500"),), as_of=date(2026, 3, 14)
    )
    assert assessment.status is PromiseStatus.BROKEN


def test_tolerance_absorbs_bank_fees() -> None:
    payments = (pay(11, date(2026, 3, 10), "1492.50"),)
    assessment = promise_status(promise=promise(), payments=payments, as_of=date(2026, 3, 14), tolerance=D("10"))
    assert assessment.status is PromiseStatus.KEPT


def test_promise_is_due_today_on_its_date_while_pending() -> None:
    assert promise_status(promise=promise(), payments=(), as_of=PROMISED).due_today
    assert not promise_status(promise=promise(), payments=(), as_of=PROMISED - timedelta(days=1)).due_today


def test_grace_days_are_a_parameter() -> None:
    strict = promise(grace_days=0)
    assert promise_status(promise=strict, payments=(), as_of=date(2026, 3, 11)).status is PromiseStatus.BROKEN


@pytest.mark.parametrize(
    "kwargs",
    [
        {"amount": "0"},
        {"items": ()},
        {"grace_days": -1},
        {"promised_date": date(2026, 3, 1)},
    ],
)
def test_invalid_promises_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValidationFailed):
        promise(**kwargs)  # type: ignore[arg-type]


def test_assess_promises_matches_one_by_one_assessment() -> None:
    promises = [promise(), promise("200", promise_id=8, items=(13,))]
    payments = [pay(13, date(2026, 3, 9), "200"), pay(11, date(2026, 3, 9), "100")]
    as_of = date(2026, 3, 20)
    together = assess_promises(promises=promises, payments=payments, as_of=as_of)
    alone = tuple(promise_status(promise=p, payments=payments, as_of=as_of) for p in promises)
    assert together == alone
    assert [a.status for a in together] == [PromiseStatus.PARTIALLY_KEPT, PromiseStatus.KEPT]


def test_protected_items_are_those_of_pending_promises_only() -> None:
    pending = promise(items=(1,), promised_date=date(2026, 3, 30))
    broken = promise(promise_id=8, items=(2,))
    assessments = assess_promises(promises=[pending, broken], payments=(), as_of=date(2026, 3, 20))
    assert protected_item_ids(assessments) == frozenset({1})


def test_failed_promise_by_item_keeps_the_latest_failure() -> None:
    first = promise(promise_id=1, items=(5,), promised_date=date(2026, 3, 3))
    second = promise(promise_id=2, items=(5,), promised_date=date(2026, 3, 12))
    assessments = assess_promises(promises=[second, first], payments=(), as_of=date(2026, 3, 20))
    assert failed_promise_by_item(assessments)[5].promise.promise_id == 2


def test_status_changes_lists_promises_to_update_and_alert() -> None:
    assessments = assess_promises(
        promises=[
            promise(promise_id=1),
            promise(promise_id=2),
            promise(promise_id=3, promised_date=date(2026, 4, 1)),
        ],
        payments=(),
        as_of=date(2026, 3, 20),
    )
    changed = status_changes(assessments=assessments, recorded={1: PromiseStatus.BROKEN, 2: PromiseStatus.PENDING})
    assert [a.promise.promise_id for a in changed] == [2]


@given(
    amount=st.decimals(min_value=D("1"), max_value=D("100000"), places=2),
    payments=st.lists(st.tuples(st.integers(-5, 30), st.decimals(min_value=D("0.01"), max_value=D("50000"), places=2))),
    days=st.integers(0, 40),
)
def test_status_follows_the_cash_received_by_the_deadline(
    amount: Decimal, payments: list[tuple[int, Decimal]], days: int
) -> None:
    the_promise = promise(str(amount))
    cash = [PromisePayment(item_id=11, received_on=MADE + timedelta(days=d), amount=a) for d, a in payments]
    as_of = MADE + timedelta(days=days)
    assessment = promise_status(promise=the_promise, payments=cash, as_of=as_of)
    by_deadline = sum(
        (a for d, a in payments if MADE <= MADE + timedelta(days=d) <= min(as_of, the_promise.deadline)), D(0)
    )
    assert (assessment.status is PromiseStatus.KEPT) == (by_deadline >= amount)
    assert bool(assessment.protected_item_ids) == (assessment.status is PromiseStatus.PENDING)
    if assessment.status is PromiseStatus.PENDING:
        assert as_of <= the_promise.deadline
