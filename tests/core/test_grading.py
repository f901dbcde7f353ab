import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encours.core.errors import ValidationFailed
from encours.core.grading import (
    ExternalRating,
    GradeFactor,
    GradeInputs,
    GradeWeights,
    GradingConfig,
    LegalEvent,
    LegalEventKind,
    contribution_changes,
    grade_customer,
    grade_rank,
    is_downgrade,
    open_insolvency,
)
from encours.core.scoring import (
    AltmanThresholds,
    AltmanZScore,
    ConanHolderScore,
    ConanHolderThresholds,
)

D = Decimal
AS_OF = date(2026, 6, 30)


def altman(value):
    zone = None if value is None else AltmanThresholds().zone(D(value))
    return AltmanZScore(
        value=None if value is None else D(value),
        zone=zone,
        terms=(),
        thresholds=AltmanThresholds(),
        reason="missing: ebit",
    )


def conan(value):
    zone = None if value is None else ConanHolderThresholds().zone(D(value))
    reason = "missing: revenue" if value is None else None
    return ConanHolderScore(
        value=None if value is None else D(value),
        zone=zone,
        failure_probability="",
        terms=(),
        thresholds=ConanHolderThresholds(),
        reason=reason,
    )


FULL = GradeInputs(
    altman=altman("2.60"),
    conan_holder=conan("0.16"),
    payer_index=D(80),
    external_ratings=(ExternalRating(agency="banque_de_france", rating="4", rated_on=date(2026, 1, 15)),),
    company_created_on=date(2006, 6, 30),
)


def test_grade_is_the_weighted_average_of_the_factor_subscores():
    grade = grade_customer(inputs=FULL, as_of=AS_OF)
    # financial (70 + 75) / 2 = 72.5; (35 × 72.5 + 25 × 80 + 20 × 70 + 10 × 100 + 10 × 100) / 100
    assert grade.score == D("79.38")
    assert grade.letter == "B"
    assert grade.coverage == D(1)


def test_grade_points_explain_the_score_to_the_cent():
    grade = grade_customer(inputs=FULL, as_of=AS_OF)
    assert [c.points for c in grade.contributions] == [
        D("25.38"),
        D("20.00"),
        D("14.00"),
        D("10.00"),
        D("10.00"),
    ]
    assert sum(c.points for c in grade.contributions) == grade.score


def test_grade_contributions_show_what_was_read():
    grade = grade_customer(inputs=FULL, as_of=AS_OF)
    assert grade.contribution(GradeFactor.FINANCIAL).detail == (
        "Altman Z'' 2.60 (grey) → 70; Conan-Holder 0.1600 (grey) → 75"
    )
    assert grade.contribution(GradeFactor.EXTERNAL_RATING).detail == "banque_de_france 4 of 2026-01-15 → 70"
    assert grade.contribution(GradeFactor.LEGAL).subscore == D(100)


def test_missing_factors_hand_their_weight_to_the_others():
    grade = grade_customer(inputs=GradeInputs(payer_index=D(50), external_ratings=FULL.external_ratings), as_of=AS_OF)
    # seniority and financial unknown: (25 × 50 + 20 × 70 + 10 × 100) / 55
    assert grade.score == D("66.36")
    assert grade.coverage == D("0.55")
    assert grade.contribution(GradeFactor.FINANCIAL).effective_weight == D(0)
    assert grade.contribution(GradeFactor.FINANCIAL).points == D(0)


def test_financial_factor_uses_the_score_that_exists_and_says_why_the_other_is_missing():
    grade = grade_customer(inputs=GradeInputs(altman=altman("1.10"), conan_holder=conan(None)), as_of=AS_OF)
    financial = grade.contribution(GradeFactor.FINANCIAL)
    assert financial.subscore == D(35)
    assert financial.detail == "Altman Z'' 1.10 (grey) → 35; Conan-Holder: missing: revenue"


def test_financial_scores_from_stale_accounts_are_not_used():
    inputs = GradeInputs(altman=altman("3"), accounts_closed_on=date(2024, 6, 29), payer_index=D(80))
    financial = grade_customer(inputs=inputs, as_of=AS_OF).contribution(GradeFactor.FINANCIAL)
    assert financial.subscore is None
    assert financial.detail == "accounts closed 2024-06-29 are too old (731 days)"
    recent = GradeInputs(altman=altman("3"), accounts_closed_on=date(2024, 6, 30), payer_index=D(80))
    assert grade_customer(inputs=recent, as_of=AS_OF).contribution(GradeFactor.FINANCIAL).subscore is not None


def test_too_little_data_gives_no_letter_but_keeps_the_explanation():
    grade = grade_customer(inputs=GradeInputs(payer_index=D(60)), as_of=AS_OF)
    assert grade.letter is None
    assert grade.score is None
    assert grade.reason == "only 35% of the weight has data (minimum 40%)"
    assert grade.contribution(GradeFactor.PAYER).subscore == D(60)


def test_open_receivership_forces_grade_e():
    events = (LegalEvent(kind=LegalEventKind.RECEIVERSHIP, published_on=date(2026, 3, 2), source="BODACC A"),)
    grade = grade_customer(inputs=GradeInputs(**{**_fields(FULL), "legal_events": events}), as_of=AS_OF)
    assert grade.letter == "E"
    assert grade.cap == "open receivership published 2026-03-02: grade E"
    assert grade.contribution(GradeFactor.LEGAL).subscore == D(0)


def test_continuation_plan_closes_the_proceeding_but_still_weighs():
    events = (
        LegalEvent(kind=LegalEventKind.RECEIVERSHIP, published_on=date(2025, 1, 10)),
        LegalEvent(kind=LegalEventKind.CONTINUATION_PLAN, published_on=date(2025, 11, 5)),
    )
    grade = grade_customer(inputs=GradeInputs(**{**_fields(FULL), "legal_events": events}), as_of=AS_OF)
    assert grade.cap is None
    assert grade.contribution(GradeFactor.LEGAL).subscore == D(30)
    assert grade.contribution(GradeFactor.LEGAL).detail == "continuation_plan published 2025-11-05"


def test_legal_events_older_than_the_lookback_are_forgotten():
    events = (LegalEvent(kind=LegalEventKind.TAX_SOCIAL_LIEN, published_on=date(2022, 1, 1)),)
    grade = grade_customer(inputs=GradeInputs(legal_events=events, payer_index=D(80)), as_of=AS_OF)
    assert grade.contribution(GradeFactor.LEGAL).subscore == D(100)


def test_worst_recent_legal_event_counts():
    events = (
        LegalEvent(kind=LegalEventKind.MANAGEMENT_CHANGE, published_on=date(2026, 1, 1)),
        LegalEvent(kind=LegalEventKind.TAX_SOCIAL_LIEN, published_on=date(2025, 6, 1)),
    )
    grade = grade_customer(inputs=GradeInputs(legal_events=events, payer_index=D(80)), as_of=AS_OF)
    assert grade.contribution(GradeFactor.LEGAL).subscore == D(40)


def test_open_insolvency_reads_the_latest_proceeding_event():
    opened = LegalEvent(kind=LegalEventKind.SAFEGUARD, published_on=date(2026, 2, 1))
    closed = LegalEvent(kind=LegalEventKind.PROCEEDING_CLOSED, published_on=date(2026, 5, 1))
    assert open_insolvency(events=[opened], as_of=AS_OF) == opened
    assert open_insolvency(events=[opened, closed], as_of=AS_OF) is None
    assert open_insolvency(events=[opened, closed], as_of=date(2026, 4, 1)) == opened


def test_stale_rating_is_not_used():
    ratings = (ExternalRating(agency="banque_de_france", rating="3++", rated_on=date(2024, 12, 31)),)
    grade = grade_customer(inputs=GradeInputs(external_ratings=ratings, payer_index=D(80)), as_of=AS_OF)
    rating = grade.contribution(GradeFactor.EXTERNAL_RATING)
    assert rating.subscore is None
    assert rating.detail == "banque_de_france 3++ of 2024-12-31 is stale (546 days old)"


def test_rating_off_the_scale_is_not_used():
    ratings = (ExternalRating(agency="banque_de_france", rating="0", rated_on=date(2026, 5, 1)),)
    grade = grade_customer(inputs=GradeInputs(external_ratings=ratings, payer_index=D(80)), as_of=AS_OF)
    assert grade.contribution(GradeFactor.EXTERNAL_RATING).detail.endswith("not on a configured scale")


@pytest.mark.parametrize(
    ("agency", "rating", "subscore"), [("coface_dra", "7", D(70)), ("score_100", "55,5", D("55.5"))]
)
def test_numeric_ratings_are_read_linearly(agency, rating, subscore):
    ratings = (ExternalRating(agency=agency, rating=rating, rated_on=date(2026, 5, 1)),)
    grade = grade_customer(inputs=GradeInputs(external_ratings=ratings), as_of=AS_OF)
    assert grade.contribution(GradeFactor.EXTERNAL_RATING).subscore == subscore


def test_latest_rating_wins():
    ratings = (
        ExternalRating(agency="banque_de_france", rating="3", rated_on=date(2026, 5, 1)),
        ExternalRating(agency="banque_de_france", rating="6", rated_on=date(2025, 10, 1)),
    )
    grade = grade_customer(inputs=GradeInputs(external_ratings=ratings), as_of=AS_OF)
    assert grade.contribution(GradeFactor.EXTERNAL_RATING).subscore == D(90)


def test_seniority_averages_company_age_and_relationship_length():
    inputs = GradeInputs(company_created_on=date(2023, 6, 30), customer_since=date(2025, 6, 30), payer_index=D(80))
    seniority = grade_customer(inputs=inputs, as_of=AS_OF).contribution(GradeFactor.SENIORITY)
    # company 3.0 years → 50 (to 0.01), customer 1.0 year → 60
    assert seniority.subscore is not None
    assert abs(seniority.subscore - D(55)) < D("0.1")


def test_weights_are_configurable():
    config = GradingConfig(
        weights=GradeWeights(financial=D(0), payer=D(1), external_rating=D(0), legal=D(0), seniority=D(0)),
        min_coverage=D("0.1"),
    )
    grade = grade_customer(inputs=FULL, as_of=AS_OF, config=config)
    assert grade.score == D(80)
    assert grade.letter == "A"


def test_weights_cannot_all_be_zero():
    with pytest.raises(ValidationFailed):
        GradeWeights(financial=D(0), payer=D(0), external_rating=D(0), legal=D(0), seniority=D(0))


@pytest.mark.parametrize(
    ("score", "letter"), [("80", "A"), ("79.99", "B"), ("65", "B"), ("50", "C"), ("35", "D"), ("34.99", "E")]
)
def test_grade_floors(score, letter):
    assert GradingConfig().letter_for(D(score)) == letter


def test_grade_floors_must_fall():
    with pytest.raises(ValidationFailed):
        GradingConfig(grade_floors=(("A", D(50)), ("B", D(60))))


def test_downgrade_compares_ranks():
    assert grade_rank("A") == 0
    assert is_downgrade(previous="B", current="D")
    assert not is_downgrade(previous="C", current="B")
    assert not is_downgrade(previous=None, current="E")


def test_contribution_changes_name_the_inputs_that_moved_the_score():
    before = grade_customer(inputs=FULL, as_of=AS_OF)
    after = grade_customer(inputs=GradeInputs(**{**_fields(FULL), "payer_index": D(40)}), as_of=AS_OF)
    assert contribution_changes(previous=before, current=after) == ((GradeFactor.PAYER, D(-10)),)


def _fields(inputs):
    return {name: getattr(inputs, name) for name in inputs.__slots__}


subscores = st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=1))
weights = st.integers(min_value=0, max_value=50)


@given(
    payer=subscores,
    altman_value=st.one_of(st.none(), st.decimals(min_value=-5, max_value=10, places=2)),
    rating=st.one_of(st.none(), st.integers(min_value=0, max_value=10)),
    created=st.one_of(st.none(), st.dates(min_value=date(1950, 1, 1), max_value=AS_OF)),
    w=st.tuples(weights, weights, weights, weights, weights).filter(lambda t: sum(t) > 0),
)
def test_grade_explanation_always_sums_to_the_score(payer, altman_value, rating, created, w):
    inputs = GradeInputs(
        altman=altman(altman_value),
        payer_index=payer,
        external_ratings=()
        if rating is None
        else (ExternalRating(agency="coface_dra", rating=str(rating), rated_on=date(2026, 1, 1)),),
        company_created_on=created,
    )
    config = GradingConfig(
        weights=GradeWeights(**{f.name: D(x) for f, x in zip(dataclasses.fields(GradeWeights), w, strict=True)}),
        min_coverage=D("0.01"),
    )
    grade = grade_customer(inputs=inputs, as_of=AS_OF, config=config)
    if grade.score is not None:
        assert sum(c.points for c in grade.contributions) == grade.score
        known = [c.subscore for c in grade.contributions if c.subscore is not None and c.weight > 0]
        assert min(known) - D("0.01") <= grade.score <= max(known) + D("0.01")
        assert grade.letter in {"A", "B", "C", "D", "E"}
