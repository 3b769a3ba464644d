"""Date windows in the rules language, as protocols print them: "within 4 weeks", "within 1 year",
"less than 3 months" (the boundary day left out), "at least 12 months before" and "more than 12
months before", before the assessment date or before another date ("adjuvant therapy ended at
least 12 months before the bleed"). Calendar months and years clamp to the month's end. Worded
for the page and for review by `rules show`."""
from __future__ import annotations

import copy
import datetime as dt

import pytest

from checklist.domain.answers import validate
from checklist.domain.engine import evaluate
from checklist.domain.rule_words import rule_words
from checklist.domain.rules import RulesFileError, Trial, check_rules, cross_check
from checklist.domain.values import window_lapses
from support import trial_judging

LAST_DOSE, BLEED, TEST = "immunostimulatory_last_dose_date", "last_significant_bleed_date", "pregnancy_test_date"
WINDOWS = {
    "dose_within_4_weeks": {"within": [{"var": LAST_DOSE}, {"weeks": 4}]},
    "bleed_within_1_year": {"within": [{"var": BLEED}, {"years": 1}]},
    "bleed_less_than_3_months": {"within": [{"var": BLEED}, {"months": 3, "boundary": "excluded"}]},
    "dose_at_least_12_months_before_bleed": {"before": [{"var": LAST_DOSE}, {"months": 12}, {"var": BLEED}]},
    "dose_more_than_12_months_before_bleed": {"before": [{"var": LAST_DOSE}, {"months": 12, "boundary": "excluded"},
                                                         {"var": BLEED}]},
    "test_within_30_days_before_bleed": {"within": [{"var": TEST}, {"days": 30}, {"var": BLEED}]},
    "test_within_72_hours": {"within": [{"var": TEST}, {"hours": 72}]},
    "test_within_72_hours_boundary_included": {"within": [{"var": TEST}, {"hours": 72, "boundary": "included"}]},
}


@pytest.fixture(scope="module")
def windowed(trial):
    """The trial with one criterion per window above."""
    return trial_judging(trial, WINDOWS)


def judged(trial, name, assessed, **dates) -> dict:
    answers = {"assessment_date": assessed, **dates}
    facts, errors = validate(trial, answers, dt.date.fromisoformat(assessed))
    assert not errors, errors
    return next(c for c in evaluate(trial, facts, dt.date.fromisoformat(assessed))["criteria"] if c["id"] == name)


@pytest.mark.parametrize("dose, status", [("2026-11-06", "met"), ("2026-11-05", "not_met"), ("2026-12-04", "met")])
def test_four_weeks_are_28_days_and_the_first_of_them_counts(windowed, dose, status):
    assert judged(windowed, "dose_within_4_weeks", "2026-12-04", **{LAST_DOSE: dose})["status"] == status


@pytest.mark.parametrize("bleed, status", [("2028-02-28", "met"), ("2028-02-27", "not_met")])
def test_a_year_before_28_february_is_28_february_even_after_a_leap_day(windowed, bleed, status):
    assert judged(windowed, "bleed_within_1_year", "2029-02-28", **{BLEED: bleed})["status"] == status


@pytest.mark.parametrize("bleed, status", [("2026-09-04", "not_met"), ("2026-09-05", "met")])
def test_less_than_three_months_leaves_out_the_day_exactly_three_months_before(windowed, bleed, status):
    assert judged(windowed, "bleed_less_than_3_months", "2026-12-04", **{BLEED: bleed})["status"] == status


@pytest.mark.parametrize("dose, at_least, more_than", [
    ("2025-01-15", "met", "not_met"),  # exactly 12 months before the bleed
    ("2025-01-14", "met", "met"),
    ("2025-01-16", "not_met", "not_met"),
])
def test_at_least_and_more_than_twelve_months_before_another_date(windowed, dose, at_least, more_than):
    dates = {LAST_DOSE: dose, BLEED: "2026-01-15"}
    assert judged(windowed, "dose_at_least_12_months_before_bleed", "2026-12-04", **dates)["status"] == at_least
    assert judged(windowed, "dose_more_than_12_months_before_bleed", "2026-12-04", **dates)["status"] == more_than


def test_a_window_that_ends_on_an_unanswered_date_stays_open_and_asks_for_it(windowed):
    facts, _errors = validate(windowed, {"assessment_date": "2026-12-04", TEST: "2026-11-01"}, dt.date(2026, 12, 4))
    evaluation = evaluate(windowed, facts, dt.date(2026, 12, 4))
    criterion = next(c for c in evaluation["criteria"] if c["id"] == "test_within_30_days_before_bleed")
    assert criterion["status"] == "unknown" and BLEED in evaluation["missing"]


def test_a_date_after_the_date_that_ends_its_window_is_outside_it(windowed):
    criterion = judged(windowed, "test_within_30_days_before_bleed", "2026-12-04",
                       **{TEST: "2026-11-20", BLEED: "2026-11-10"})
    assert criterion["status"] == "not_met" and " is after " in criterion["reason"]


def test_the_reasons_say_the_window_as_the_protocol_does(windowed):
    assert "within 4 weeks before 2026-12-04" in judged(windowed, "dose_within_4_weeks", "2026-12-04",
                                                        **{LAST_DOSE: "2026-11-20"})["reason"]
    assert "3 months or more before 2026-12-04" in judged(windowed, "bleed_less_than_3_months", "2026-12-04",
                                                          **{BLEED: "2026-09-04"})["reason"]
    reason = judged(windowed, "dose_more_than_12_months_before_bleed", "2026-12-04",
                    **{LAST_DOSE: "2025-01-15", BLEED: "2026-01-15"})["reason"]
    assert "12 months or less before" in reason and "2026-01-15" in reason


def test_rules_show_says_the_window_and_whether_its_boundary_day_counts(windowed):
    said = {name: rule_words(rule, windowed).text for name, rule in WINDOWS.items()}
    assert said["dose_within_4_weeks"].endswith("is within 4 weeks before the assessment date (4 weeks before it counts)")
    assert "is less than 3 months before the assessment date" in said["bleed_less_than_3_months"]
    assert said["dose_more_than_12_months_before_bleed"].endswith(
        f"is more than 12 months before {windowed.questions[BLEED]['label']}")


@pytest.mark.parametrize("day, window, lapses", [
    ("2026-01-01", {"weeks": 2}, "2026-01-16"),  # 2026-01-15 still counts: 14 days after
    ("2026-01-01", {"weeks": 2, "boundary": "excluded"}, "2026-01-15"),
    ("2026-01-31", {"months": 1}, "2026-03-01"),
    ("2026-01-31", {"years": 1, "boundary": "excluded"}, "2027-01-31"),
])
def test_a_dated_answer_stops_counting_on_the_day_its_window_no_longer_reaches_it(day, window, lapses):
    assert window_lapses(dt.date.fromisoformat(day), window).isoformat() == lapses


@pytest.mark.parametrize("window", [{"weeks": 2, "days": 1}, {"boundary": "excluded"}, {"weeks": 2, "boundary": "sometimes"},
                                    {"fortnights": 1}])
def test_a_window_must_have_exactly_one_length_and_a_known_boundary(trial, window):
    rules = copy.deepcopy(trial.rules)
    rules["criteria"][0]["require"] = {"within": [{"var": BLEED}, window]}
    with pytest.raises(RulesFileError):
        check_rules(rules)


def test_a_window_over_an_answer_that_is_not_a_date_is_refused_with_its_path(trial):
    rules = copy.deepcopy(trial.rules)
    rules["criteria"][0]["require"] = {"within": [{"var": "platelets"}, {"days": 30}]}
    assert "criteria/0/require: a window measures 'platelets', which is not a date" in list(
        cross_check(Trial(rules, trial.dictionary, trial.version)))


def test_a_past_event_the_dictionary_marks_may_not_be_dated_after_the_assessment_date():
    from support import TRIALS
    from checklist.domain.rules import load_trial
    trial = load_trial(TRIALS["dapa-ckd"][0])
    _facts, errors = validate(trial, {"assessment_date": "2026-06-15", "sglt2i_last_dose": "2026-06-16"},
                              dt.date(2026, 6, 15))
    assert errors == {"sglt2i_last_dose": "sglt2i_last_dose: 2026-06-16 is after the assessment date 2026-06-15."}
    assert validate(trial, {"assessment_date": "2026-06-15", "sglt2i_last_dose": "2026-06-15"}, dt.date(2026, 6, 15))[1] == {}


@pytest.mark.parametrize("test, hours, included", [("2026-12-02", "met", "met"), ("2026-12-01", "not_met", "met"),
                                                   ("2026-11-30", "not_met", "not_met")])
def test_72_hours_on_dates_leave_out_the_day_three_days_before_unless_the_rules_keep_it(windowed, test, hours, included):
    """A test three days before the assessment date may be more than 72 hours before it."""
    assert judged(windowed, "test_within_72_hours", "2026-12-04", **{TEST: test})["status"] == hours
    assert judged(windowed, "test_within_72_hours_boundary_included", "2026-12-04", **{TEST: test})["status"] == included


def test_a_window_in_hours_is_said_in_hours_and_must_be_whole_days(windowed, trial):
    assert "less than 72 hours before 2026-12-04" in judged(windowed, "test_within_72_hours", "2026-12-04",
                                                             **{TEST: "2026-12-03"})["reason"]
    assert rule_words(WINDOWS["test_within_72_hours"], windowed).text.endswith("is less than 72 hours before the assessment date")
    rules = copy.deepcopy(trial.rules)
    rules["criteria"][0]["require"] = {"within": [{"var": TEST}, {"hours": 50}]}
    with pytest.raises(RulesFileError):
        check_rules(rules)
