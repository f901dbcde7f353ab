from datetime import date
from decimal import Decimal

from encours.core.forecast.records import as_known_on, grade_ordinal
from tests.core.forecast_factories import invoice, step


def test_days_late_is_settlement_minus_due_date_and_none_while_open():
    assert invoice("F1", issued=date(2026, 1, 1), late=12).days_late == 12
    assert invoice("F2", late=-3).days_late == -3
    assert invoice("F3").days_late is None


def test_effective_terms_fall_back_to_due_minus_invoice_date():
    assert invoice("F1", terms=45).effective_terms_days == 45
    assert invoice("F2", terms=45, terms_days=60).effective_terms_days == 60


def test_remaining_amount_is_the_open_amount_of_an_open_invoice_and_zero_once_paid():
    assert invoice("F1", amount="100.00").remaining_amount == Decimal("100.00")
    assert invoice("F2", amount="100.00", open_amount=Decimal("40.00")).remaining_amount == Decimal("40.00")
    assert invoice("F3", amount="100.00", late=0).remaining_amount == 0


def test_dispute_without_date_counts_from_invoice_date_and_ends_at_settlement():
    flagged = invoice("F1", issued=date(2026, 1, 1), late=10, disputed=True)
    assert flagged.dispute_start == date(2026, 1, 1)
    assert flagged.dispute_end == date(2026, 2, 10)


def test_dispute_ends_at_resolution_when_resolved_before_payment():
    resolved = invoice(
        "F1", late=30, disputed=True, disputed_on=date(2026, 2, 1), dispute_resolved_on=date(2026, 2, 20)
    )
    assert (resolved.dispute_start, resolved.dispute_end) == (date(2026, 2, 1), date(2026, 2, 20))


def test_dunning_stage_at_counts_only_steps_executed_strictly_before():
    record = invoice("F1", dunning_steps=(step(1, date(2026, 2, 5)), step(2, date(2026, 2, 19))))
    assert record.dunning_stage_at(date(2026, 2, 5)) == 0
    assert record.dunning_stage_at(date(2026, 2, 6)) == 1
    assert record.dunning_stage_at(date(2026, 3, 1)) == 2
    assert record.dunning_stage_reached == 2


def test_is_open_at_a_date_until_the_settlement_day_included():
    record = invoice("F1", issued=date(2026, 1, 1), late=0)  # settled 2026-01-31
    assert not record.is_open_at(date(2025, 12, 31))
    assert record.is_open_at(date(2026, 1, 31))
    assert not record.is_open_at(date(2026, 2, 1))


def test_as_known_on_erases_what_happened_from_that_day_on():
    record = invoice(
        "F1",
        issued=date(2026, 1, 1),
        late=20,
        disputed=True,
        disputed_on=date(2026, 2, 10),
        dunning_steps=(step(1, date(2026, 2, 5)), step(2, date(2026, 2, 19))),
    )
    [known] = as_known_on([record], date(2026, 2, 8))
    assert known.settled_date is None
    assert not known.disputed and known.disputed_on is None
    assert known.dunning_steps == (step(1, date(2026, 2, 5)),)


def test_as_known_on_drops_invoices_issued_later_and_keeps_older_facts():
    early = invoice("F1", issued=date(2026, 1, 1), late=0)
    later = invoice("F2", issued=date(2026, 3, 1))
    assert as_known_on([early, later], date(2026, 2, 15)) == (early,)


def test_grade_ordinal_maps_a_to_e_and_unknowns_to_nan():
    assert [grade_ordinal(g) for g in ("A", "b", "E ")] == [1.0, 2.0, 5.0]
    assert str(grade_ordinal("Z")) == "nan"
    assert str(grade_ordinal("")) == "nan"
