"""Validation of answers documents: each problem under its fact, every problem at once."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction

import pytest

INVALID = [
    # (fact, value, words the message must contain)
    ("shoe_size", 42, "unknown fact"),
    ("platelets", "lots", "not a number"),
    ("platelets", "60000", "not a number"),
    ("platelets", True, "not a number"),
    ("platelets", None, "not a number"),
    ("pregnant", "no", "not true or false"),
    ("pregnant", 0, "not true or false"),
    ("ecog", True, "not a number"),
    ("ecog", 2.5, "not a whole number"),
    ("ecog", 6, "at most 5"),
    ("ecog", -1, "at least 0"),
    ("age_years", 131, "at most 130"),
    ("child_pugh_score", 4, "at least 5"),
    ("child_pugh_score", 16, "at most 15"),
    ("intrahepatic_lesion_count", -1, "at least 0"),
    ("inr", 0, "more than 0"),
    ("ast_uln", 0, "more than 0"),
    ("weight", 0, "more than 0"),
    ("serum_creatinine", 0, "more than 0"),
    ("bilirubin_uln", 0, "more than 0"),
    ("ast", -3, "at least 0"),
    ("hcc_diagnosis", "Pathologic", "not one of"),
    ("hcc_diagnosis", 1, "not one of"),
    ("platelets", -5, "negative"),
    ("platelets", {"value": -5, "unit": "10^9/L"}, "negative"),
    ("hemoglobin", -0.1, "negative"),
    ("platelets", {"value": 60, "unit": "G/L"}, "unknown unit"),
    ("platelets", {"value": 60, "unit": ["10^9/L"]}, "unknown unit"),
    ("platelets", {"value": 60, "unit": {"10^9/L": 1}}, "unknown unit"),
    ("platelets", {"value": 60}, '"value" and "unit"'),
    ("platelets", {"value": 60, "unit": "10^9/L", "note": "x"}, '"value" and "unit"'),
    ("platelets", {"value": "60", "unit": "10^9/L"}, "not a number"),
    ("date_of_birth", "2026-02-30", "not a real calendar date"),
    ("date_of_birth", "1962-13-01", "not a real calendar date"),
    ("date_of_birth", "20260101", "not a real calendar date"),
    ("date_of_birth", "1.1.1962", "not a real calendar date"),
    ("date_of_birth", 19620615, "not a date"),
    ("assessment_date", "2026-06-31", "not a real calendar date"),
    ("platelets", float("nan"), "platelets"),
    ("platelets", float("inf"), "platelets"),
    ("platelets", Decimal("NaN"), "platelets"),
    ("platelets", 1e300, "platelets"),
    ("platelets", 10 ** 400, "platelets"),
    ("platelets", {"value": float("nan"), "unit": "10^9/L"}, "finite"),
    ("platelets", {"value": 1e300, "unit": "10^9/L"}, "not a plausible number"),
    ("ecog", float("nan"), "ecog"),
    ("inr", float("-inf"), "inr"),
    ("ecog", 2.001, "2.001 is not a whole number"),
    ("ast_uln", 1e-30, "not a plausible number"),
    ("serum_creatinine", {"value": 1e-25, "unit": "mg/dL"}, "not a plausible number"),
    ("date_of_birth", "2026-W24-1", "not a real calendar date"),
    ("date_of_birth", "19620615xx", "not a real calendar date"),
    ("last_significant_bleed_date", "0001-01-01", "outside the years 1900 to 2199"),
    ("assessment_date", "2300-01-01", "outside the years 1900 to 2199"),
    # The dictionary defines the half-life as a number of days: no quantity object, whatever
    # units the checklist's own form offers.
    ("ast", {"value": 85, "unit": "U/L"}, "not a number"),
]


@pytest.mark.parametrize("fact, value, words", [
    pytest.param(*case, id=f"{case[0]}={case[1]!r}"[:60]) for case in INVALID
])
def test_invalid_answer_is_refused_under_its_fact(full_answers, validate_answers, fact, value, words):
    _facts, errors = validate_answers(full_answers(**{fact: value}))
    assert list(errors) == [fact]
    assert errors[fact].startswith(f"{fact}:")
    assert words in errors[fact]


def test_answers_that_are_not_an_object_are_refused(validate_answers):
    _facts, errors = validate_answers(["platelets", 60000])
    assert errors


def test_valid_answers_have_no_errors_and_keep_every_fact(full_answers, validate_answers):
    facts, errors = validate_answers(full_answers())
    assert errors == {}
    assert set(facts) == set(full_answers())


@pytest.mark.parametrize("fact, raw, canonical", [
    ("platelets", {"value": 60, "unit": "10^9/L"}, Fraction(60000)),
    ("hemoglobin", {"value": 80, "unit": "g/L"}, Fraction(8)),
    ("total_bilirubin", {"value": 34.2, "unit": "umol/L"}, Fraction(2)),
    ("total_bilirubin", {"value": 34, "unit": "umol/L"}, Fraction(34) / Fraction("17.1")),
    ("serum_creatinine", {"value": 88.4, "unit": "umol/L"}, Fraction(1)),
    ("intrahepatic_sum_diameter", {"value": 95, "unit": "mm"}, Fraction("9.5")),
    ("weight", {"value": 150, "unit": "lb"}, Fraction("68.0388555")),  # 1 lb is exactly 0.45359237 kg
    ("anc", {"value": 1.5, "unit": "10^9/L"}, Fraction(1500)),
    ("platelets", 110000, Fraction(110000)),
    ("inr", 1.1, Fraction(11, 10)),
    ("intrahepatic_lesion_count", 2.0, 2),
    ("date_of_birth", "1962-06-15", dt.date(1962, 6, 15)),
])
def test_valid_answer_becomes_its_canonical_value(full_answers, validate_answers, fact, raw, canonical):
    answers = full_answers(**{fact: raw})
    answers.pop("age_years")  # a date of birth would otherwise be checked against it
    facts, errors = validate_answers(answers)
    assert errors == {}
    assert facts[fact] == canonical


@pytest.mark.parametrize("raw, number, unit", [
    ({"value": 45, "unit": "10^9/L"}, 45, "10^9/L"),
    (45000, 45000, "cells/mm3"),
])
def test_a_quantity_remembers_the_number_and_unit_it_was_entered_in(full_answers, validate_answers, raw, number, unit):
    facts, _errors = validate_answers(full_answers(platelets=raw))
    assert (facts["platelets"].entered, facts["platelets"].unit) == (number, unit)


def test_quantities_accept_zero(full_answers, validate_answers):
    assert validate_answers(full_answers(total_bilirubin=0, ast=0))[1] == {}


# Dates against the assessment date

def test_date_of_birth_after_the_assessment_date_is_refused(full_answers, validate_answers):
    answers = full_answers(date_of_birth="2026-06-16")
    answers.pop("age_years")
    _facts, errors = validate_answers(answers)
    assert list(errors) == ["date_of_birth"]
    assert "after the assessment date" in errors["date_of_birth"]


def test_date_of_birth_on_the_assessment_date_is_accepted(full_answers, validate_answers):
    answers = full_answers(date_of_birth="2026-06-15")
    answers.pop("age_years")
    assert validate_answers(answers)[1] == {}


@pytest.mark.parametrize("fact", ["last_significant_bleed_date", "immunostimulatory_last_dose_date"])
def test_an_event_after_the_assessment_date_is_refused(full_answers, validate_answers, fact):
    answers = full_answers(**{fact: "2026-07-01"})
    answers.pop("significant_bleed_within_6_months")
    answers.pop("recent_immunostimulatory_agent")
    _facts, errors = validate_answers(answers)
    assert list(errors) == [fact]


def test_dates_are_checked_against_today_when_no_assessment_date_is_given(full_answers, validate_answers):
    answers = full_answers(date_of_birth="2026-06-16")
    for fact in ("assessment_date", "age_years"):
        answers.pop(fact)
    _facts, errors = validate_answers(answers, today=dt.date(2026, 6, 15))
    assert list(errors) == ["date_of_birth"]


# Direct entries that contradict their derivation

CONTRADICTIONS = [
    # (changes, facts to leave out, the fact the error is filed under)
    ({"child_pugh_score": 6}, (), "child_pugh_score"),              # components give 5
    ({"child_pugh_score": 5, "total_bilirubin": 2.5}, (), "child_pugh_score"),
    ({"child_pugh_score": 5, "albumin": 3.0, "inr": 2.0}, ("ascites",), "child_pugh_score"),  # 7..9
    ({"age_years": 50, "date_of_birth": "1962-06-15"}, (), "age_years"),   # 64
    ({"age_years": 64, "date_of_birth": "1962-06-16"}, (), "age_years"),   # 63, birthday tomorrow
    ({"creatinine_clearance": 82.84}, (), "creatinine_clearance"),        # derived 82.33
    ({"creatinine_clearance": 81.82}, (), "creatinine_clearance"),
    ({"creatinine_clearance": 60}, (), "creatinine_clearance"),
    ({"significant_bleed_within_6_months": False, "last_significant_bleed_date": "2026-05-01"}, (),
     "significant_bleed_within_6_months"),
    ({"significant_bleed_within_6_months": True, "last_significant_bleed_date": "2025-01-01"}, (),
     "significant_bleed_within_6_months"),
    ({"recent_immunostimulatory_agent": False, "immunostimulatory_last_dose_date": "2026-06-01"}, (),
     "recent_immunostimulatory_agent"),
    ({"recent_immunostimulatory_agent": True, "immunostimulatory_last_dose_date": "2026-01-01",
      "immunostimulatory_half_life_days": 2}, (), "recent_immunostimulatory_agent"),
]


@pytest.mark.parametrize("changes, unanswered, fact", CONTRADICTIONS)
def test_direct_entry_contradicting_its_derivation_is_refused(full_answers, validate_answers,
                                                              changes, unanswered, fact):
    answers = full_answers(**changes)
    for name in unanswered:
        answers.pop(name)
    _facts, errors = validate_answers(answers)
    assert list(errors) == [fact]
    assert "contradicts" in errors[fact]


AGREEMENTS = [
    ({"child_pugh_score": 5}, ()),
    ({"child_pugh_score": 7, "albumin": 3.0}, ("ascites",)),   # 6..8 so far: 7 can be right
    ({"age_years": 64, "date_of_birth": "1962-06-15"}, ()),
    ({"age_years": 63, "date_of_birth": "1962-06-16"}, ()),
    ({"creatinine_clearance": 82.83}, ()),                       # within 0.5 mL/min
    ({"creatinine_clearance": 81.84}, ()),
    # (140 - 60) x 27 / 72 is exactly 30: within 0.5 and on the same side of 30.
    ({"creatinine_clearance": 30.3, "age_years": 60, "weight": 27, "serum_creatinine": 1}, ()),
    ({"creatinine_clearance": 30, "age_years": 60, "weight": 27, "serum_creatinine": 1}, ()),
    ({"significant_bleed_within_6_months": True, "last_significant_bleed_date": "2025-12-15"}, ()),
    ({"recent_immunostimulatory_agent": True, "immunostimulatory_last_dose_date": "2026-04-01"}, ()),
]


@pytest.mark.parametrize("changes, unanswered", AGREEMENTS)
def test_direct_entry_agreeing_with_its_derivation_is_accepted(full_answers, validate_answers, changes, unanswered):
    answers = full_answers(**changes)
    for name in unanswered:
        answers.pop(name)
    assert validate_answers(answers)[1] == {}


LIMIT_CROSSINGS = [
    # A typed value within tolerance of the calculated one, but on the other side of a limit.
    pytest.param({"creatinine_clearance": 30, "age_years": 60, "weight": 26.64, "serum_creatinine": 1},
                 id="typed 30, calculated 29.6"),
    pytest.param({"creatinine_clearance": 29.9, "age_years": 60, "weight": 27, "serum_creatinine": 1},
                 id="typed 29.9, calculated 30"),
    pytest.param({"creatinine_clearance": 29.99, "age_years": 60, "weight": 27, "serum_creatinine": 1},
                 id="typed 29.99, calculated 30"),
]


@pytest.mark.parametrize("changes", LIMIT_CROSSINGS)
def test_a_typed_value_on_the_other_side_of_a_limit_from_the_calculated_one_is_refused(
        full_answers, validate_answers, changes):
    _facts, errors = validate_answers(full_answers(**changes))
    assert list(errors) == ["creatinine_clearance"]
    assert "different sides of a limit" in errors["creatinine_clearance"]
    assert "Creatinine clearance" in errors["creatinine_clearance"]  # the criterion it would move


def test_a_limit_crossing_message_shows_both_values(full_answers, validate_answers):
    _facts, errors = validate_answers(full_answers(creatinine_clearance=30, age_years=60, weight=26.64,
                                                   serum_creatinine=1))
    assert "the entry 30 mL/min and the value 29.6 mL/min" in errors["creatinine_clearance"]


def test_contradiction_message_names_the_entry_and_the_derived_value(full_answers, validate_answers):
    _facts, errors = validate_answers(full_answers(child_pugh_score=7))
    assert "7" in errors["child_pugh_score"] and "5" in errors["child_pugh_score"]


# Every problem at once

def test_every_problem_is_reported_at_once_each_naming_its_fact(full_answers, validate_answers):
    answers = full_answers(
        shoe_size=42, platelets="lots", ecog=9, hemoglobin=-1,
        anc={"value": 1.5, "unit": "per litre"}, date_of_birth="2026-02-30", child_pugh_score=9,
        significant_bleed_within_6_months=False, last_significant_bleed_date="2026-06-01",
    )
    _facts, errors = validate_answers(answers)
    expected = {"shoe_size", "platelets", "ecog", "hemoglobin", "anc", "date_of_birth",
                "child_pugh_score", "significant_bleed_within_6_months"}
    assert set(errors) == expected
    for fact, message in errors.items():
        assert fact in message


def test_checking_each_answer_apart_finds_what_checking_the_whole_document_finds(trial, monkeypatch):
    from checklist.domain import answers as module
    from parity_cases import SEED, generated_cases
    cases = [(json.loads(json.dumps(case["answers"])), dt.date.fromisoformat(case["today"]))
             for case in generated_cases(trial, count=800, seed=SEED + 4)]
    apart = [module.validate(trial, answers, today)[1] for answers, today in cases]
    monkeypatch.setattr(module, "PER_PROPERTY_KEYWORDS", set())
    assert [module.validate(trial, answers, today)[1] for answers, today in cases] == apart
    assert any(apart)
