"""The calculators with the trial's own parameters: worked examples and every edge."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from checklist.calculators import calculate
from checklist.values import Range, months_before, window_start

ASSESSED = dt.date(2026, 6, 15)


def lookup(**values):
    """A value_of for calculators: numbers as the canonical Decimals validation produces."""
    def value_of(fact):
        value = values.get(fact)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return Decimal(str(value))
        return value
    return value_of


def child_pugh(trial, **components):
    answers = {"total_bilirubin": 1.0, "albumin": 4.0, "inr": 1.0,
               "ascites": "none", "encephalopathy": "none"}
    answers.update(components)
    answers = {fact: value for fact, value in answers.items() if value is not None}
    return calculate(trial.derived["child_pugh_score"], lookup(**answers), ASSESSED).value


# Child-Pugh

@pytest.mark.parametrize("components, score", [
    pytest.param({}, 5, id="all normal: A5"),
    pytest.param({"total_bilirubin": 1.8, "albumin": 3.2, "inr": 1.4, "ascites": "mild"}, 7, id="B7"),
    pytest.param({"total_bilirubin": 2.5, "albumin": 3.0, "inr": 1.5, "ascites": "mild"}, 8, id="B8"),
    pytest.param({"total_bilirubin": 2.5, "albumin": 2.9, "inr": 1.9, "ascites": "mild",
                  "encephalopathy": "grade_1_2"}, 10, id="C10"),
    pytest.param({"total_bilirubin": 4.0, "albumin": 2.5, "inr": 2.5, "ascites": "moderate_severe",
                  "encephalopathy": "grade_3_4"}, 15, id="all worst: C15"),
])
def test_child_pugh_worked_examples(trial, components, score):
    assert child_pugh(trial, **components) == score


@pytest.mark.parametrize("fact, value, points", [
    ("total_bilirubin", 1.99, 1), ("total_bilirubin", 2, 2), ("total_bilirubin", 3, 2),
    ("total_bilirubin", 3.01, 3),
    ("albumin", 3.51, 1), ("albumin", 3.5, 2), ("albumin", 2.8, 2), ("albumin", 2.79, 3),
    ("inr", 1.69, 1), ("inr", 1.7, 2), ("inr", 2.3, 2), ("inr", 2.31, 3),
])
def test_child_pugh_band_edges(trial, fact, value, points):
    # The other four items score 1 point each.
    assert child_pugh(trial, **{fact: value}) == 4 + points


@pytest.mark.parametrize("fact, choice, points", [
    ("ascites", "none", 1), ("ascites", "mild", 2), ("ascites", "moderate_severe", 3),
    ("encephalopathy", "none", 1), ("encephalopathy", "grade_1_2", 2), ("encephalopathy", "grade_3_4", 3),
])
def test_child_pugh_clinical_items_score_one_to_three(trial, fact, choice, points):
    assert child_pugh(trial, **{fact: choice}) == 4 + points


def test_child_pugh_partly_answered_is_the_range_still_reachable(trial):
    score = child_pugh(trial, total_bilirubin=2.5, ascites=None, encephalopathy=None)
    assert isinstance(score, Range)
    assert (score.low, score.high) == (2 + 1 + 1 + 1 + 1, 2 + 1 + 1 + 3 + 3)


@pytest.mark.parametrize("score, label", [
    (5, "A"), (6, "A"), (7, "B"), (8, "B"), (9, "B"), (10, "C"), (15, "C"),
])
def test_child_pugh_class_edges(trial, score, label):
    spec = trial.derived["child_pugh_class"]
    assert calculate(spec, lookup(child_pugh_score=score), ASSESSED).value == label


def test_child_pugh_class_is_known_once_a_partial_score_stays_in_one_class(trial):
    spec = trial.derived["child_pugh_class"]
    value_of = lookup(child_pugh_score=Range(Decimal(10), Decimal(12)))
    assert calculate(spec, value_of, ASSESSED).value == "C"


def test_child_pugh_class_is_unknown_while_a_partial_score_spans_two_classes(trial):
    spec = trial.derived["child_pugh_class"]
    value_of = lookup(child_pugh_score=Range(Decimal(6), Decimal(8)))
    assert calculate(spec, value_of, ASSESSED).value is None


# Cockcroft-Gault

def creatinine_clearance(trial, age, weight, creatinine, sex):
    value_of = lookup(age_years=age, weight=weight, serum_creatinine=creatinine, sex=sex)
    return calculate(trial.derived["creatinine_clearance"], value_of, ASSESSED).value


@pytest.mark.parametrize("age, weight, creatinine, sex, expected", [
    pytest.param(60, 72, 1.0, "male", 80, id="male 60 y 72 kg Cr 1.0: 80"),
    pytest.param(60, 72, 1.0, "female", 68, id="female x 0.85: 68"),
    pytest.param(65, 60, 1.2, "female", 44.27, id="female 65 y 60 kg Cr 1.2: 44.3"),
    pytest.param(80, 70, 1.5, "male", 38.89, id="male 80 y 70 kg Cr 1.5: 38.9"),
    pytest.param(64, 78, 1.0, "male", 82.33, id="vignette: 82.3"),
])
def test_cockcroft_gault_worked_examples(trial, age, weight, creatinine, sex, expected):
    clearance = creatinine_clearance(trial, age, weight, creatinine, sex)
    assert float(clearance) == pytest.approx(expected, abs=0.005)


def test_cockcroft_gault_accepts_creatinine_in_umol_per_litre(evaluate_answers, full_answers):
    answers = full_answers(age_years=60, weight=72, sex="male",
                           serum_creatinine={"value": 88.4, "unit": "umol/L"})
    assert evaluate_answers(answers)["derived"]["creatinine_clearance"] == pytest.approx(80, abs=0.01)


def test_cockcroft_gault_accepts_weight_in_pounds(evaluate_answers, full_answers):
    answers = full_answers(age_years=60, serum_creatinine=1.0, sex="male",
                           weight={"value": 72 / 0.45359237, "unit": "lb"})
    assert evaluate_answers(answers)["derived"]["creatinine_clearance"] == pytest.approx(80, abs=0.01)


def test_cockcroft_gault_waits_for_every_input(trial):
    assert creatinine_clearance(trial, 60, 72, 1.0, None) is None
    assert creatinine_clearance(trial, None, 72, 1.0, "male") is None


# Age

def age(trial, born, assessed):
    spec = trial.derived["age_years"]
    return calculate(spec, lookup(date_of_birth=born), assessed).value


@pytest.mark.parametrize("born, assessed, years", [
    pytest.param(dt.date(1962, 6, 15), dt.date(2026, 6, 15), 64, id="birthday on the assessment date"),
    pytest.param(dt.date(1962, 6, 16), dt.date(2026, 6, 15), 63, id="birthday tomorrow"),
    pytest.param(dt.date(1962, 6, 14), dt.date(2026, 6, 15), 64, id="birthday yesterday"),
    pytest.param(dt.date(2008, 6, 15), dt.date(2026, 6, 15), 18, id="18th birthday today"),
    pytest.param(dt.date(2008, 12, 31), dt.date(2026, 1, 1), 17, id="year turned, birthday not"),
    pytest.param(dt.date(2008, 2, 29), dt.date(2026, 2, 28), 17, id="29 Feb born: not yet on 28 Feb"),
    pytest.param(dt.date(2008, 2, 29), dt.date(2026, 3, 1), 18, id="29 Feb born: 1 Mar in a common year"),
    pytest.param(dt.date(2008, 2, 29), dt.date(2028, 2, 29), 20, id="29 Feb born: on 29 Feb in a leap year"),
    pytest.param(dt.date(2026, 6, 15), dt.date(2026, 6, 15), 0, id="born on the assessment date"),
])
def test_age_in_whole_years_on_the_assessment_date(trial, born, assessed, years):
    assert age(trial, born, assessed) == years


# Six calendar months

@pytest.mark.parametrize("end, start", [
    (dt.date(2026, 6, 15), dt.date(2025, 12, 15)),
    (dt.date(2026, 8, 31), dt.date(2026, 2, 28)),
    (dt.date(2028, 8, 31), dt.date(2028, 2, 29)),
    (dt.date(2026, 3, 31), dt.date(2025, 9, 30)),
    (dt.date(2026, 12, 31), dt.date(2026, 6, 30)),
    (dt.date(2026, 7, 1), dt.date(2026, 1, 1)),
])
def test_six_month_window_starts_on_the_same_day_clamped_to_month_end(end, start):
    assert months_before(end, 6) == start
    assert window_start(end, {"months": 6}) == start


def bleed_within(trial, bleed, assessed):
    spec = trial.derived["significant_bleed_within_6_months"]
    return calculate(spec, lookup(last_significant_bleed_date=bleed), assessed).value


@pytest.mark.parametrize("bleed, inside", [
    pytest.param(dt.date(2026, 2, 27), False, id="the day before the window"),
    pytest.param(dt.date(2026, 2, 28), True, id="first day of the clamped window"),
    pytest.param(dt.date(2026, 8, 31), True, id="on the assessment date"),
])
def test_bleed_window_edges_with_month_end_clamping(trial, bleed, inside):
    assert bleed_within(trial, bleed, dt.date(2026, 8, 31)) is inside


@pytest.mark.parametrize("bleed, inside", [
    (dt.date(2025, 12, 14), False), (dt.date(2025, 12, 15), True), (dt.date(2026, 6, 14), True),
])
def test_bleed_window_edges_mid_month(trial, bleed, inside):
    assert bleed_within(trial, bleed, ASSESSED) is inside


def test_thirty_day_window_starts_thirty_days_back():
    assert window_start(ASSESSED, {"days": 30}) == dt.date(2026, 5, 16)


# Washout: max(28 days, 5 half-lives)

def recent(trial, days_ago, half_life, spec=None):
    spec = spec or trial.derived["recent_immunostimulatory_agent"]
    value_of = lookup(immunostimulatory_last_dose_date=ASSESSED - dt.timedelta(days=days_ago),
                      immunostimulatory_half_life_days=half_life)
    return calculate(spec, value_of, ASSESSED).value


@pytest.mark.parametrize("days_ago, half_life, expected", [
    pytest.param(0, 1, True, id="dosed on the assessment date"),
    pytest.param(28, 1, True, id="short half-life: day 28 is inside 4 weeks"),
    pytest.param(29, 1, False, id="short half-life: day 29 is out"),
    pytest.param(28, 5.6, True, id="5 x 5.6 = 28: day 28 inside"),
    pytest.param(29, 5.6, False, id="5 x 5.6 = 28: day 29 out"),
    pytest.param(29, 5.8, True, id="5 x 5.8 = 29: day 29 inside"),
    pytest.param(30, 5.8, False, id="5 x 5.8 = 29: day 30 out"),
    pytest.param(35, 7, True, id="5 half-lives of 7 days: day 35 inside"),
    pytest.param(36, 7, False, id="5 half-lives of 7 days: day 36 out"),
])
def test_washout_is_the_longer_of_four_weeks_and_five_half_lives(trial, days_ago, half_life, expected):
    assert recent(trial, days_ago, half_life) is expected


def test_washout_without_half_life_is_recent_inside_four_weeks(trial):
    assert recent(trial, 28, None) is True


def test_washout_without_half_life_is_unknown_after_four_weeks(trial):
    # Five half-lives could still reach past day 29.
    assert recent(trial, 29, None) is None


def test_washout_accepts_a_fractional_number_of_half_lives(trial):
    spec = dict(trial.derived["recent_immunostimulatory_agent"], half_lives=2.5)
    assert recent(trial, 30, 12, spec) is True  # 2.5 x 12 = 30 days
    assert recent(trial, 31, 12, spec) is False
