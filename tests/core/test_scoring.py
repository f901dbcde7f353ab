from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encours.core.errors import ValidationFailed
from encours.core.scoring import (
    RATIO_NAMES,
    SCORE_CSV_COLUMNS,
    AltmanThresholds,
    AltmanZone,
    ConanHolderThresholds,
    ConanZone,
    altman_z_double_prime,
    analyse_statement,
    analyst_ratios,
    cash_days_of_revenue,
    conan_holder_score,
    current_ratio,
    equity_ratio,
    gearing,
    interest_cover,
    net_debt_to_ebitda,
    pge_cash_cover,
    pge_repayment_years,
    piecewise_linear,
    score_csv_row,
)
from encours.core.statements import FinancialStatement

D = Decimal

# Hand-computed reference company (amounts in k€).
STATEMENT = FinancialStatement(
    siren="732829320", year=2025, total_assets=D(1000), current_assets=D(600), inventories=D(100),
    cash=D(50), equity=D(400), long_term_debt=D(200), total_debt=D(600), financial_debt=D(250),
    current_liabilities=D(300), retained_earnings=D(200), revenue=D(2000), value_added=D(500),
    ebitda=D(150), ebit=D(100), financial_expenses=D(20), personnel_expenses=D(300),
    net_income=D(60), pge_outstanding=D(120),
)  # fmt: skip


def test_altman_ratios_follow_their_definitions():
    terms = altman_z_double_prime(statement=STATEMENT).terms
    # X1 = (600 - 300) / 1000, X2 = 200 / 1000, X3 = 100 / 1000, X4 = 400 / (1000 - 400)
    assert [t.ratio.value for t in terms[:3]] == [D("0.3"), D("0.2"), D("0.1")]
    assert terms[3].ratio.value == D(400) / D(600)


def test_altman_z_double_prime_weights_the_four_ratios():
    score = altman_z_double_prime(statement=STATEMENT)
    # 6.56·0.3 + 3.26·0.2 + 6.72·0.1 + 1.05·(2/3) = 1.968 + 0.652 + 0.672 + 0.7
    assert score.value is not None
    assert score.value.quantize(D("0.0001")) == D("3.9920")
    assert score.zone is AltmanZone.SAFE
    assert score.reason is None


def test_altman_term_contributions_sum_to_the_score():
    score = altman_z_double_prime(statement=STATEMENT)
    assert sum(t.contribution for t in score.terms if t.contribution is not None) == score.value


def test_altman_shows_the_inputs_of_each_ratio():
    x1 = altman_z_double_prime(statement=STATEMENT).terms[0].ratio
    assert x1.inputs == (
        ("current_assets", D(600)),
        ("current_liabilities", D(300)),
        ("total_assets", D(1000)),
    )
    assert x1.formula == "(current_assets - current_liabilities) / total_assets"


def test_altman_negative_equity_gives_a_negative_x4_not_an_error():
    score = altman_z_double_prime(statement=replace(STATEMENT, equity=D(-100)))
    # X4 = -100 / (1000 + 100); Z = 1.968 + 0.652 + 0.672 - 1.05 · 100 / 1100
    assert score.terms[3].ratio.value == D(-100) / D(1100)
    assert score.value == D("3.292") - D("1.05") * D(100) / D(1100)


def test_altman_missing_field_is_not_computed_and_named():
    score = altman_z_double_prime(statement=replace(STATEMENT, ebit=None))
    assert score.value is None
    assert score.zone is None
    assert score.reason == "missing: ebit"


def test_altman_zero_total_assets_is_not_computed():
    score = altman_z_double_prime(statement=replace(STATEMENT, total_assets=D(0)))
    assert score.value is None
    assert "total_assets must be positive" in (score.reason or "")


def test_altman_without_liabilities_cannot_compute_x4():
    score = altman_z_double_prime(statement=replace(STATEMENT, equity=D(1000)))
    assert score.value is None
    assert score.reason == "altman_x4: total_assets - equity (total liabilities) must be positive"


@pytest.mark.parametrize(
    ("z", "zone"),
    [
        ("2.6001", AltmanZone.SAFE),
        ("2.60", AltmanZone.GREY),
        ("1.10", AltmanZone.GREY),
        ("1.0999", AltmanZone.DISTRESS),
        ("-3", AltmanZone.DISTRESS),
    ],
)
def test_altman_zone_boundaries(z, zone):
    assert AltmanThresholds().zone(D(z)) is zone


def test_altman_thresholds_are_editable_data():
    score = altman_z_double_prime(statement=STATEMENT, thresholds=AltmanThresholds(safe_above=D(4)))
    assert score.zone is AltmanZone.GREY


def test_altman_thresholds_reject_a_grey_zone_above_safe():
    with pytest.raises(ValidationFailed):
        AltmanThresholds(safe_above=D(1), grey_from=D(2))


def test_conan_holder_ratios_follow_their_definitions():
    terms = conan_holder_score(statement=STATEMENT).terms
    # R1 = 150/600, R2 = (400+200)/1000, R3 = (600-100)/1000, R4 = 20/2000, R5 = 300/500
    assert [t.ratio.value for t in terms] == [D("0.25"), D("0.6"), D("0.5"), D("0.01"), D("0.6")]


def test_conan_holder_score_weights_the_five_ratios():
    score = conan_holder_score(statement=STATEMENT)
    # 0.24·0.25 + 0.22·0.6 + 0.16·0.5 - 0.87·0.01 - 0.10·0.6 = 0.06 + 0.132 + 0.08 - 0.0087 - 0.06
    assert score.value == D("0.2033")
    assert score.zone is ConanZone.SAFE
    assert score.failure_probability == "< 10 %"


def test_conan_holder_zero_total_debt_is_not_computed():
    score = conan_holder_score(statement=replace(STATEMENT, total_debt=D(0)))
    assert score.value is None
    assert score.reason == "conan_r1: total_debt is zero"


def test_conan_holder_negative_value_added_is_not_read_as_a_bonus():
    score = conan_holder_score(statement=replace(STATEMENT, value_added=D(-50)))
    assert score.value is None
    assert score.reason == "conan_r5: value_added is not positive: R5 is not meaningful"


def test_conan_holder_lists_each_missing_field_once():
    score = conan_holder_score(statement=replace(STATEMENT, total_assets=None, revenue=None))
    assert score.reason == "missing: total_assets, revenue"


def test_conan_holder_missing_and_zero_reasons_are_both_shown():
    score = conan_holder_score(statement=replace(STATEMENT, revenue=None, total_debt=D(0)))
    assert score.reason == "missing: revenue; conan_r1: total_debt is zero"


@pytest.mark.parametrize(
    ("z", "zone"),
    [
        ("0.1601", ConanZone.SAFE),
        ("0.16", ConanZone.GREY),
        ("0.09", ConanZone.GREY),
        ("0.0899", ConanZone.ALERT),
        ("0.04", ConanZone.ALERT),
        ("0.0399", ConanZone.DANGER),
    ],
)
def test_conan_holder_zone_boundaries(z, zone):
    assert ConanHolderThresholds().zone(D(z)) is zone


def test_conan_holder_thresholds_are_editable_data():
    thresholds = ConanHolderThresholds(safe_above=D("0.25"), grey_from=D("0.20"), alert_from=D("0.10"))
    score = conan_holder_score(statement=STATEMENT, thresholds=thresholds)
    assert score.zone is ConanZone.GREY
    assert score.failure_probability == "10–30 %"


def test_conan_holder_thresholds_must_rise():
    with pytest.raises(ValidationFailed):
        ConanHolderThresholds(grey_from=D("0.02"))


def test_analyst_ratios_hand_computed():
    assert equity_ratio(statement=STATEMENT).value == D("0.4")
    assert gearing(statement=STATEMENT).value == D("0.5")  # (250 - 50) / 400
    assert net_debt_to_ebitda(statement=STATEMENT).value == D(200) / D(150)
    assert interest_cover(statement=STATEMENT).value == D(5)
    assert current_ratio(statement=STATEMENT).value == D(2)
    assert cash_days_of_revenue(statement=STATEMENT).value == D("9.125")  # 50 × 365 / 2000
    assert pge_repayment_years(statement=STATEMENT).value == D("0.8")
    assert pge_cash_cover(statement=STATEMENT).value == D(50) / D(120)


def test_gearing_is_not_computed_for_negative_equity():
    ratio = gearing(statement=replace(STATEMENT, equity=D(-10)))
    assert ratio.value is None
    assert ratio.reason == "equity is not positive (negative equity): gearing is not meaningful"


def test_equity_ratio_shows_negative_equity():
    assert equity_ratio(statement=replace(STATEMENT, equity=D(-100))).value == D("-0.1")


def test_net_debt_to_ebitda_is_not_computed_for_negative_ebitda():
    ratio = net_debt_to_ebitda(statement=replace(STATEMENT, ebitda=D(-5)))
    assert ratio.value is None
    assert ratio.reason == "ebitda is not positive: debt cannot be repaid from operations"


def test_interest_cover_without_financial_expenses_is_not_computed():
    ratio = interest_cover(statement=replace(STATEMENT, financial_expenses=D(0)))
    assert ratio.value is None
    assert ratio.reason == "financial_expenses is zero"


def test_cash_days_of_revenue_without_revenue_is_not_computed():
    assert cash_days_of_revenue(statement=replace(STATEMENT, revenue=D(0))).reason == "revenue is zero"


def test_pge_repayment_is_zero_when_no_pge_is_outstanding():
    assert pge_repayment_years(statement=replace(STATEMENT, pge_outstanding=D(0))).value == D(0)


def test_pge_ratios_are_not_computed_when_pge_is_unknown():
    statement = replace(STATEMENT, pge_outstanding=None)
    assert pge_repayment_years(statement=statement).reason == "missing: pge_outstanding"
    assert pge_cash_cover(statement=statement).reason == "missing: pge_outstanding"


def test_ratio_names_match_the_csv_columns():
    assert tuple(r.name for r in analyst_ratios(statement=STATEMENT)) == RATIO_NAMES
    assert SCORE_CSV_COLUMNS[6:] == RATIO_NAMES


def test_score_csv_row_formats_four_decimals_and_lower_case_zones():
    row = score_csv_row(analyse_statement(statement=STATEMENT))
    assert list(row) == list(SCORE_CSV_COLUMNS)
    assert row["altman_z"] == "3.9920"
    assert row["altman_zone"] == "safe"
    assert row["conan_z"] == "0.2033"
    assert row["conan_zone"] == "safe"
    assert row["net_debt_to_ebitda"] == "1.3333"


def test_score_csv_row_is_empty_where_not_computable():
    row = score_csv_row(analyse_statement(statement=replace(STATEMENT, ebit=None, total_debt=None)))
    assert row["altman_z"] == row["altman_zone"] == row["interest_cover"] == ""
    assert row["conan_z"] == row["conan_zone"] == ""
    assert row["equity_ratio"] == "0.4000"


def test_analysis_finds_a_ratio_by_name():
    analysis = analyse_statement(statement=STATEMENT)
    assert analysis.ratio("current_ratio").value == D(2)
    with pytest.raises(ValidationFailed):
        analysis.ratio("quick_ratio")


def test_piecewise_linear_interpolates_between_knots_and_is_flat_beyond():
    knots = ((D(0), D(0)), (D(10), D(100)), (D(20), D(100)))
    assert piecewise_linear(knots=knots, x=D(5)) == D(50)
    assert piecewise_linear(knots=knots, x=D(-5)) == D(0)
    assert piecewise_linear(knots=knots, x=D(25)) == D(100)


amounts = st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
positive = st.decimals(min_value=1, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)


@given(
    total_assets=positive, current_assets=amounts, current_liabilities=amounts,
    retained_earnings=amounts, ebit=amounts, equity=amounts,
)  # fmt: skip
def test_altman_equals_its_formula_whenever_computable(
    total_assets, current_assets, current_liabilities, retained_earnings, ebit, equity
):
    statement = FinancialStatement(
        siren="732829320", year=2025, total_assets=total_assets, current_assets=current_assets,
        current_liabilities=current_liabilities, retained_earnings=retained_earnings, ebit=ebit,
        equity=equity,
    )  # fmt: skip
    score = altman_z_double_prime(statement=statement)
    if total_assets - equity <= 0:
        assert score.value is None
        return
    expected = (
        D("6.56") * (current_assets - current_liabilities) / total_assets
        + D("3.26") * retained_earnings / total_assets
        + D("6.72") * ebit / total_assets
        + D("1.05") * equity / (total_assets - equity)
    )
    assert score.value is not None
    assert abs(score.value - expected) < D("1e-20")
    assert score.zone is AltmanThresholds().zone(score.value)


ALTMAN_FIELDS = (
    "total_assets",
    "current_assets",
    "current_liabilities",
    "retained_earnings",
    "ebit",
    "equity",
)


@given(missing=st.sampled_from(ALTMAN_FIELDS))
def test_a_missing_altman_field_is_never_read_as_zero(missing):
    score = altman_z_double_prime(statement=replace(STATEMENT, **{missing: None}))
    assert score.value is None
    assert missing in (score.reason or "")


@given(z=st.decimals(min_value=-5, max_value=5, places=4), step=st.decimals(min_value=0, max_value=1, places=4))
def test_conan_zone_never_improves_when_the_score_falls(z, step):
    order = [ConanZone.DANGER, ConanZone.ALERT, ConanZone.GREY, ConanZone.SAFE]
    thresholds = ConanHolderThresholds()
    assert order.index(thresholds.zone(z - step)) <= order.index(thresholds.zone(z))
