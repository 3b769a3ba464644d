"""The calculators with the trial's own parameters: worked examples and every edge."""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checklist.domain.calculators import calculate
from checklist.domain.values import Quantity, Range, exact_factor, months_before, to_number, window_start

ASSESSED = dt.date(2026, 6, 15)


class Answers:
    """The part of engine.Context a calculator reads: answered values (None when unanswered, plain
    numbers as the exact Fractions validation produces), the assessment date, the rules' unit
    factors."""

    def __init__(self, trial, assessment_date=ASSESSED, **values):
        self.trial, self.assessment_date, self.values = trial, assessment_date, values

    def value(self, fact):
        value = self.values.get(fact)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return to_number(value)
        return value

    def factor(self, fact, unit):
        return exact_factor(self.trial.questions[fact]["units"][unit]) if unit else Fraction(1)


def entered(trial, fact, number, unit):
    """A value as validation makes it from {"value": number, "unit": unit}."""
    return Quantity(number, unit, trial.questions[fact]["units"][unit])


def run(trial, derived, assessment_date=ASSESSED, **values):
    return calculate(trial.derived[derived], Answers(trial, assessment_date, **values))


def child_pugh(trial, **components):
    answers = {"total_bilirubin": 1.0, "albumin": 4.0, "inr": 1.0,
               "ascites": "none", "encephalopathy": "none"}
    answers.update(components)
    return run(trial, "child_pugh_score", **answers).value


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
    # Bilirubin in mg/dL is scored on both tables (< 2 / 2-3 / > 3 mg/dL and < 34 / 34-50 / > 50
    # umol/L); where they disagree the higher points count.
    pytest.param("total_bilirubin", 1.98, 1, id="bilirubin 1.98 mg/dL (33.86 umol/L): 1"),
    pytest.param("total_bilirubin", 1.9883, 1, id="bilirubin 1.9883 mg/dL (33.99993 umol/L): 1"),
    pytest.param("total_bilirubin", 1.9884, 2, id="bilirubin 1.9884 mg/dL (34.0016 umol/L): 2"),
    pytest.param("total_bilirubin", 1.99, 2, id="bilirubin 1.99 mg/dL (34.03 umol/L): 2"),
    pytest.param("total_bilirubin", 2, 2, id="bilirubin 2 mg/dL: 2"),
    pytest.param("total_bilirubin", 2.92, 2, id="bilirubin 2.92 mg/dL (49.93 umol/L): 2"),
    pytest.param("total_bilirubin", 2.93, 3, id="bilirubin 2.93 mg/dL (50.1 umol/L): 3"),
    pytest.param("total_bilirubin", 2.95, 3, id="bilirubin 2.95 mg/dL (50.4 umol/L): 3"),
    pytest.param("total_bilirubin", 3, 3, id="bilirubin 3 mg/dL (51.3 umol/L): 3"),
    pytest.param("total_bilirubin", 3.01, 3, id="bilirubin 3.01 mg/dL: 3"),
    ("albumin", 3.51, 1), ("albumin", 3.5, 2), ("albumin", 2.8, 2), ("albumin", 2.79, 3),
    ("inr", 1.69, 1), ("inr", 1.7, 2), ("inr", 2.3, 2), ("inr", 2.31, 3),
])
def test_child_pugh_band_edges(trial, fact, value, points):
    # The other four items score 1 point each.
    assert child_pugh(trial, **{fact: value}) == 4 + points


@pytest.mark.parametrize("fact, number, unit, points", [
    pytest.param("total_bilirubin", 33.9, "umol/L", 1, id="33.9 umol/L: 1"),
    pytest.param("total_bilirubin", 34, "umol/L", 2, id="34 umol/L (1.988 mg/dL): 2"),
    pytest.param("total_bilirubin", 34.2, "umol/L", 2, id="34.2 umol/L (2 mg/dL): 2"),
    pytest.param("total_bilirubin", 50, "umol/L", 2, id="50 umol/L: 2"),
    pytest.param("total_bilirubin", 50.1, "umol/L", 3, id="50.1 umol/L (2.93 mg/dL): 3"),
    pytest.param("total_bilirubin", 51, "umol/L", 3, id="51 umol/L (2.98 mg/dL): 3"),
    pytest.param("total_bilirubin", 51.3, "umol/L", 3, id="51.3 umol/L (3 mg/dL): 3"),
    pytest.param("albumin", 35.1, "g/L", 1, id="35.1 g/L: 1"),
    pytest.param("albumin", 35, "g/L", 2, id="35 g/L (3.5 g/dL): 2"),
    pytest.param("albumin", 28, "g/L", 2, id="28 g/L (2.8 g/dL): 2"),
    pytest.param("albumin", 27.9, "g/L", 3, id="27.9 g/L: 3"),
])
def test_child_pugh_band_edges_in_si_units(trial, fact, number, unit, points):
    assert child_pugh(trial, **{fact: entered(trial, fact, number, unit)}) == 4 + points


def published_bilirubin_points(mg_per_dl: Fraction) -> int:
    """The oracle: each published table on its own, the higher points where they disagree."""
    umol_per_l = mg_per_dl * Fraction("17.1")
    conventional = 1 if mg_per_dl < 2 else 2 if mg_per_dl <= 3 else 3
    si = 1 if umol_per_l < 34 else 2 if umol_per_l <= 50 else 3
    return max(conventional, si)


@settings(max_examples=200, deadline=None, database=None)
@given(hundredths=st.integers(10, 600), unit=st.sampled_from(["mg/dL", "umol/L"]))
def test_child_pugh_bilirubin_points_are_the_higher_of_the_two_published_tables(trial, hundredths, unit):
    number = Fraction(hundredths, 100) * (1 if unit == "mg/dL" else 10)
    bilirubin = entered(trial, "total_bilirubin", number, unit)
    assert child_pugh(trial, total_bilirubin=bilirubin) == 4 + published_bilirubin_points(Fraction(bilirubin))


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


def test_child_pugh_partly_answered_range_counts_both_tables_for_an_unanswered_bilirubin(trial):
    score = child_pugh(trial, total_bilirubin=None)
    assert (score.low, score.high) == (4 + 1, 4 + 3)


@pytest.mark.parametrize("score, label", [
    (5, "A"), (6, "A"), (7, "B"), (8, "B"), (9, "B"), (10, "C"), (15, "C"),
])
def test_child_pugh_class_edges(trial, score, label):
    assert run(trial, "child_pugh_class", child_pugh_score=score).value == label


def test_child_pugh_class_is_known_once_a_partial_score_stays_in_one_class(trial):
    assert run(trial, "child_pugh_class", child_pugh_score=Range(Fraction(10), Fraction(12))).value == "C"


def test_child_pugh_class_is_unknown_while_a_partial_score_spans_two_classes(trial):
    assert run(trial, "child_pugh_class", child_pugh_score=Range(Fraction(6), Fraction(8))).value is None


# Cockcroft-Gault

def creatinine_clearance(trial, age, weight, creatinine, sex):
    return run(trial, "creatinine_clearance", age_years=age, weight=weight,
               serum_creatinine=creatinine, sex=sex).value


@pytest.mark.parametrize("age, weight, creatinine, sex, expected", [
    pytest.param(60, 72, 1.0, "male", Fraction(80), id="male 60 y 72 kg Cr 1.0: 80"),
    pytest.param(60, 72, 1.0, "female", Fraction(68), id="female x 0.85: 68"),
    pytest.param(65, 60, 1.2, "female", Fraction(75 * 60) / Fraction("86.4") * Fraction("0.85"),
                 id="female 65 y 60 kg Cr 1.2: 44.27"),
    pytest.param(80, 70, 1.5, "male", Fraction(60 * 70, 108), id="male 80 y 70 kg Cr 1.5: 38.89"),
    pytest.param(64, 78, 1.0, "male", Fraction(76 * 78, 72), id="vignette: 82.33"),
    pytest.param(60, 27, 1.0, "male", Fraction(30), id="80 x 27 / 72 is exactly 30"),
])
def test_cockcroft_gault_worked_examples_exactly(trial, age, weight, creatinine, sex, expected):
    assert creatinine_clearance(trial, age, weight, creatinine, sex) == expected


def test_cockcroft_gault_uses_creatinine_in_mg_per_dl_whatever_unit_it_was_entered_in(trial):
    creatinine = entered(trial, "serum_creatinine", 88.4, "umol/L")
    assert creatinine_clearance(trial, 60, 72, creatinine, "male") == 80


def test_cockcroft_gault_uses_weight_in_kg_whatever_unit_it_was_entered_in(trial):
    weight = entered(trial, "weight", Fraction(72) / Fraction("0.45359237"), "lb")
    assert creatinine_clearance(trial, 60, weight, 1.0, "male") == 80


def test_cockcroft_gault_accepts_creatinine_in_umol_per_litre(evaluate_answers, full_answers):
    answers = full_answers(age_years=60, weight=72, sex="male",
                           serum_creatinine={"value": 88.4, "unit": "umol/L"})
    assert evaluate_answers(answers)["derived"]["creatinine_clearance"] == 80


def test_cockcroft_gault_accepts_weight_in_pounds(evaluate_answers, full_answers):
    answers = full_answers(age_years=60, serum_creatinine=1.0, sex="male",
                           weight={"value": 72 / 0.45359237, "unit": "lb"})
    assert evaluate_answers(answers)["derived"]["creatinine_clearance"] == pytest.approx(80, abs=0.01)


def test_cockcroft_gault_waits_for_every_input(trial):
    assert creatinine_clearance(trial, 60, 72, 1.0, None) is None
    assert creatinine_clearance(trial, None, 72, 1.0, "male") is None


def test_cockcroft_gault_note_shows_the_formula_with_the_female_factor(trial):
    note = run(trial, "creatinine_clearance", age_years=60, weight=72, serum_creatinine=1.0, sex="female").note
    assert note == "Cockcroft-Gault: (140 − 60) × 72 kg / (72 × 1 mg/dL) × 0.85"


# Age

def age(trial, born, assessed):
    return run(trial, "age_years", assessed, date_of_birth=born).value


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
    return run(trial, "significant_bleed_within_6_months", assessed, last_significant_bleed_date=bleed).value


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


def test_a_recent_bleed_note_says_from_when_it_no_longer_counts(trial):
    note = run(trial, "significant_bleed_within_6_months", last_significant_bleed_date=dt.date(2025, 12, 15)).note
    assert note == "on 2025-12-15; it no longer counts from 2026-06-16"


def test_thirty_day_window_starts_thirty_days_back():
    assert window_start(ASSESSED, {"days": 30}) == dt.date(2026, 5, 16)


# Washout: max(28 days, 5 half-lives), rounded up to whole days

def recent(trial, days_ago, half_life, spec=None):
    spec = spec or trial.derived["recent_immunostimulatory_agent"]
    answers = Answers(trial, immunostimulatory_last_dose_date=ASSESSED - dt.timedelta(days=days_ago),
                      immunostimulatory_half_life_days=half_life)
    return calculate(spec, answers).value


@pytest.mark.parametrize("days_ago, half_life, expected", [
    pytest.param(0, 1, True, id="dosed on the assessment date"),
    pytest.param(28, 1, True, id="short half-life: day 28 is inside 4 weeks"),
    pytest.param(29, 1, False, id="short half-life: day 29 is out"),
    pytest.param(28, 5.6, True, id="5 x 5.6 = 28: day 28 inside"),
    pytest.param(29, 5.6, False, id="5 x 5.6 = 28: day 29 out"),
    pytest.param(29, 5.8, True, id="5 x 5.8 = 29: day 29 inside"),
    pytest.param(30, 5.8, False, id="5 x 5.8 = 29: day 30 out"),
    pytest.param(30, 6, True, id="5 x 6 = 30: day 30 inside"),
    pytest.param(31, 6, False, id="5 x 6 = 30: day 31 out"),
    pytest.param(35, 7, True, id="5 half-lives of 7 days: day 35 inside"),
    pytest.param(36, 7, False, id="5 half-lives of 7 days: day 36 out"),
])
def test_washout_is_the_longer_of_four_weeks_and_five_half_lives(trial, days_ago, half_life, expected):
    assert recent(trial, days_ago, half_life) is expected


@pytest.mark.parametrize("days_ago, expected", [
    pytest.param(29, True, id="day 29: still recent"),
    pytest.param(30, False, id="day 30: clear"),
])
def test_washout_of_28_5_days_is_rounded_up_to_29(trial, days_ago, expected):
    assert recent(trial, days_ago, 5.7) is expected  # 5 x 5.7 = 28.5 days


@pytest.mark.parametrize("days_ago, expected", [(28, True), (29, False)])
def test_washout_of_a_half_life_in_hours_is_exact(trial, days_ago, expected):
    # 134.4 hours is exactly 5.6 days; in floating point 134.4 / 24 x 5 is a hair above 28.
    half_life = entered(trial, "immunostimulatory_half_life_days", 134.4, "hours")
    assert recent(trial, days_ago, half_life) is expected


def test_washout_note_says_the_elapsed_days_and_the_rounded_washout(trial):
    answers = Answers(trial, immunostimulatory_last_dose_date=ASSESSED - dt.timedelta(days=29),
                      immunostimulatory_half_life_days=5.7)
    note = calculate(trial.derived["recent_immunostimulatory_agent"], answers).note
    assert note.startswith("last dose 29 days before; washout 29 days")


def test_washout_without_half_life_is_recent_inside_four_weeks(trial):
    assert recent(trial, 28, None) is True


def test_washout_without_half_life_is_unknown_after_four_weeks(trial):
    # Five half-lives could still reach past day 29.
    assert recent(trial, 29, None) is None


def test_washout_accepts_a_fractional_number_of_half_lives(trial):
    spec = dict(trial.derived["recent_immunostimulatory_agent"], half_lives=2.5)
    assert recent(trial, 30, 12, spec) is True  # 2.5 x 12 = 30 days
    assert recent(trial, 31, 12, spec) is False


# Ratio

def test_ratio_is_exact_across_units(trial):
    bilirubin = entered(trial, "total_bilirubin", 84, "umol/L")
    uln = entered(trial, "bilirubin_uln", 21, "umol/L")
    assert run(trial, "bilirubin_x_uln", total_bilirubin=bilirubin, bilirubin_uln=uln).value == 4
