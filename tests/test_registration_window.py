"""Until when, and from when: the assessment dates over which the verdict holds for the answers as
they stand (`window`: from, until, the events that open and close it, the first stretch in which
registration is possible) and the day each excluding window lapses. Written from the listing's
windows: a negative pregnancy test counts for 30 days, a bleed excludes (with atezolizumab +
bevacizumab) for 6 months, an immunostimulatory agent needs a washout of 28 days or five
half-lives, whichever is longer; and from DAPA-CKD's (an ACE inhibitor or ARB stable for 4 weeks,
no SGLT2 inhibitor within 8 weeks), to show nothing here is HELIO-RT's.

Every window is also checked against the engine itself, day by day (`assert_window_matches_days`):
the verdict on each day of the stretch, and a different one the day either side."""
from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from checklist.domain import engine
from checklist.domain.answers import validate
from checklist.domain.rules import load_trial
from support import FULL_ANSWERS, TRIALS

DAY = dt.timedelta(days=1)
TYPED_DATED = ("age_years", "significant_bleed_within_6_months", "recent_immunostimulatory_agent")


def helio(**changes) -> dict:
    """A woman of childbearing potential, every criterion met, every date given: born 1962-02-10,
    a negative pregnancy test on 2026-11-14 (20 days before the assessment, 2026-12-04), a GI bleed
    on 2026-10-01, durvalumab + tremelimumab planned, an immunostimulatory agent last given on
    2025-06-01 (half-life 21 days)."""
    answers = {fact: value for fact, value in copy.deepcopy(FULL_ANSWERS).items() if fact not in TYPED_DATED}
    answers.update({
        "assessment_date": "2026-12-04", "date_of_birth": "1962-02-10", "sex": "female",
        "childbearing_potential": True, "pregnant": False, "nursing": False,
        "pregnancy_test_result": "negative", "pregnancy_test_date": "2026-11-14",
        "last_significant_bleed_date": "2026-10-01", "planned_regimen": "durvalumab_tremelimumab",
        "immunostimulatory_last_dose_date": "2025-06-01", "immunostimulatory_half_life_days": 21,
    })
    answers.update(changes)
    return {fact: value for fact, value in answers.items() if value is not None}


def dapa(**changes) -> dict:
    answers = json.loads((TRIALS["dapa-ckd"][1] / "01-all-criteria-met.json").read_text(encoding="utf-8"))["answers"]
    answers.update(changes)
    return answers


@pytest.fixture(scope="module")
def trials():
    """Each trial loaded for this module alone (the day-by-day check stubs the window out)."""
    return {name: load_trial(rules) for name, (rules, _vignettes) in TRIALS.items()}


def evaluated(trial, answers) -> dict:
    today = dt.date.fromisoformat(answers["assessment_date"])
    facts, errors = validate(trial, answers, today)
    assert not errors, errors
    return engine.evaluate(trial, facts, today)


def window_of(trials, answers, trial="helio-rt") -> dict:
    return evaluated(trials[trial], answers)["window"]


def verdict_on(trial, answers, day: dt.date):
    """The verdict with the assessment date moved to `day` (None where the answers cannot be, a
    date in them following it), typed dated values left as the window leaves them."""
    assessed = dt.date.fromisoformat(answers["assessment_date"])
    moved = {**answers, "assessment_date": day.isoformat()}
    for fact in trial.dated_facts:
        carried = day > assessed and moved.get(fact) is False
        if day != assessed and fact in moved and not carried and not _calculable(trial, answers, fact):
            del moved[fact]
    facts, errors = validate(trial, moved, day)
    return None if errors else engine.evaluate(trial, facts, day)


def _calculable(trial, answers, fact) -> bool:
    facts, _errors = validate(trial, answers, dt.date.fromisoformat(answers["assessment_date"]))
    return engine.Context(trial, facts, dt.date.fromisoformat(answers["assessment_date"])).calculated(fact)


def assert_window_matches_days(trial, answers, monkeypatch, before=40, after=240):
    """The window against the verdict judged afresh on every day from `before` days before the
    assessment to `after` days after it."""
    found = evaluated(trial, answers)
    window, verdict, assessed = found["window"], found["verdict"], dt.date.fromisoformat(answers["assessment_date"])
    for work in ("window", "alternatives"):  # the days' own windows are not needed
        monkeypatch.setattr(engine, work, lambda context, judged: None)
    days = {assessed + offset * DAY: verdict_on(trial, answers, assessed + offset * DAY) for offset in range(-before, after + 1)}
    start = dt.date.fromisoformat(window["from"]) if window["from"] else min(days)
    until = dt.date.fromisoformat(window["until"]) if window["until"] else max(days)
    for day, found_then in days.items():
        if start <= day <= until:
            assert found_then["verdict"] == verdict, f"{day}: {found_then['verdict']}, not {verdict}"
    if window["until"] and until + DAY in days:
        assert days[until + DAY]["verdict"] != verdict
    if window["from"] and start - DAY in days and days[start - DAY] is not None:
        assert days[start - DAY]["verdict"] != verdict
    for event in window["events"]:
        on = dt.date.fromisoformat(event["date"])
        if on in days and on - DAY in days and days[on - DAY] is not None:
            assert _status(days[on], event["criterion"]) == event["status"]
            assert _status(days[on - DAY], event["criterion"]) == event["was"]
    registration = window["registration"]
    eligible = sorted(day for day, found_then in days.items() if found_then and found_then["verdict"] == "eligible"
                      and day >= assessed)
    if registration is None:
        assert not eligible
    else:
        first = dt.date.fromisoformat(registration["from"]) if registration["from"] else min(days)
        last = dt.date.fromisoformat(registration["until"]) if registration["until"] else max(days)
        assert eligible and max(first, assessed) == eligible[0]
        assert all(days[day]["verdict"] == "eligible" for day in days if first <= day <= last)
        if registration["until"] and last + DAY in days:
            assert days[last + DAY]["verdict"] != "eligible"


def _status(document, criterion_id) -> str:
    return next(c["status"] for c in document["criteria"] if c["id"] == criterion_id)


def events_of(window, criterion_id) -> list[tuple]:
    return [(event["date"], event["was"], event["status"]) for event in window["events"] if event["criterion"] == criterion_id]


# The pregnancy test: 30 days -------------------------------------------------------------------

def test_the_last_day_to_register_is_the_30th_day_after_a_negative_pregnancy_test(trials):
    window = window_of(trials, helio())
    assert (window["until"], window["registration"]["until"]) == ("2026-12-14", "2026-12-14")
    assert events_of(window, "pregnancy_test") == [("2026-11-14", "unknown", "met"), ("2026-12-15", "met", "unknown")]


def test_the_stretch_opens_on_the_day_of_the_pregnancy_test(trials):
    window = window_of(trials, helio())
    assert window["from"] == "2026-11-14" == window["registration"]["from"]


def test_on_the_30th_day_the_test_still_counts_and_the_window_ends_that_day(trials):
    found = evaluated(trials["helio-rt"], helio(assessment_date="2026-12-14"))
    assert (found["verdict"], found["window"]["until"]) == ("eligible", "2026-12-14")


def test_on_the_31st_day_a_new_test_is_needed_for_every_day_after(trials):
    found = evaluated(trials["helio-rt"], helio(assessment_date="2026-12-15"))
    assert found["verdict"] == "incomplete"
    assert (found["window"]["from"], found["window"]["registration"]) == ("2026-12-15", None)


def test_the_pregnancy_test_window_agrees_with_every_day(trials, monkeypatch):
    assert_window_matches_days(trials["helio-rt"], helio(), monkeypatch)


# A bleed within 6 months, with atezolizumab + bevacizumab ----------------------------------------

def test_a_bleed_excludes_atezolizumab_bevacizumab_until_six_months_have_passed(trials):
    window = window_of(trials, helio(planned_regimen="atezolizumab_bevacizumab"))
    assert window["until"] == "2027-04-01"
    assert events_of(window, "no_recent_bleed_with_bevacizumab") == [("2027-04-02", "not_met", "met")]


def test_no_registration_is_possible_when_the_pregnancy_test_lapses_before_the_bleed(trials):
    assert window_of(trials, helio(planned_regimen="atezolizumab_bevacizumab"))["registration"] is None


def test_registration_opens_when_the_bleed_lapses_if_the_test_still_counts(trials, monkeypatch):
    answers = helio(planned_regimen="atezolizumab_bevacizumab", assessment_date="2027-03-20",
                    pregnancy_test_date="2027-03-15")
    assert window_of(trials, answers)["registration"] == {"from": "2027-04-02", "until": "2027-04-14"}
    assert_window_matches_days(trials["helio-rt"], answers, monkeypatch, before=20, after=60)


@pytest.mark.parametrize("bleed, lapses", [
    ("2026-08-31", "2027-03-01"),  # 6 months before 28 February 2027 is 28 August: the 31st still counts
    ("2027-08-28", "2028-02-29"),  # a leap year: 6 months before 29 February is 29 August
    ("2027-08-29", "2028-03-01"),
    ("2027-08-31", "2028-03-01"),
])
def test_a_bleed_at_a_month_end_lapses_on_the_day_its_six_months_end(trials, bleed, lapses):
    answers = helio(sex="male", childbearing_potential=None, pregnancy_test_result=None, pregnancy_test_date=None,
                    planned_regimen="atezolizumab_bevacizumab", last_significant_bleed_date=bleed,
                    assessment_date=(dt.date.fromisoformat(bleed) + 30 * DAY).isoformat())
    window = window_of(trials, answers)
    assert events_of(window, "no_recent_bleed_with_bevacizumab") == [(lapses, "not_met", "met")]
    assert window["registration"]["from"] == lapses


def test_a_month_end_bleed_agrees_with_every_day(trials, monkeypatch):
    answers = helio(sex="male", childbearing_potential=None, pregnancy_test_result=None, pregnancy_test_date=None,
                    planned_regimen="atezolizumab_bevacizumab", last_significant_bleed_date="2027-08-31",
                    assessment_date="2027-09-30")
    assert_window_matches_days(trials["helio-rt"], answers, monkeypatch, before=40, after=200)


# The washout: 28 days or five half-lives -------------------------------------------------------

@pytest.mark.parametrize("half_life, clear_from", [
    (3, "2026-12-19"),    # 15 days of half-lives: the 28 days decide; clear on day 29
    (5.6, "2026-12-19"),  # 28 days exactly
    (5.7, "2026-12-20"),  # 28.5 days, counted as 29
    (7, "2026-12-26"),    # 35 days
])
def test_the_washout_ends_after_the_longer_of_28_days_and_five_half_lives(trials, half_life, clear_from):
    answers = helio(immunostimulatory_last_dose_date="2026-11-20",
                    immunostimulatory_half_life_days=half_life, pregnancy_test_date="2026-12-01")
    window = window_of(trials, answers)
    assert events_of(window, "no_recent_immunostimulatory_agent") == [(clear_from, "not_met", "met")]
    assert window["registration"]["from"] == clear_from


def test_without_the_half_life_the_washout_is_open_once_28_days_have_passed(trials):
    answers = helio(immunostimulatory_last_dose_date="2026-11-20", immunostimulatory_half_life_days=None,
                    pregnancy_test_date="2026-12-01")
    window = window_of(trials, answers)
    assert events_of(window, "no_recent_immunostimulatory_agent") == [("2026-12-19", "not_met", "unknown")]
    assert window["registration"] is None


def test_the_washout_window_agrees_with_every_day(trials, monkeypatch):
    answers = helio(immunostimulatory_last_dose_date="2026-11-20",
                    immunostimulatory_half_life_days=7, pregnancy_test_date="2026-12-01")
    assert_window_matches_days(trials["helio-rt"], answers, monkeypatch)


def test_the_stretch_never_starts_before_an_answered_date_that_cannot_follow_the_assessment(trials):
    answers = helio(sex="male", childbearing_potential=None, pregnancy_test_result=None, pregnancy_test_date=None)
    assert window_of(trials, answers)["from"] == "2026-10-01"  # the bleed: before it, these answers cannot be


# Typed values that depend on the day -------------------------------------------------------------

def test_a_typed_age_is_known_for_the_assessment_date_only(trials):
    answers = helio(sex="male", childbearing_potential=None, pregnancy_test_result=None, pregnancy_test_date=None,
                    date_of_birth=None, age_years=64)
    window = window_of(trials, answers)
    assert (window["from"], window["until"]) == ("2026-12-04", "2026-12-04")
    assert ("2026-12-05", "met", "unknown") in events_of(window, "age")
    assert window["typed_for_the_day"] == ["age_years"]


def test_the_page_says_which_typed_value_ends_the_window_and_what_would_extend_it(trials):
    from checklist.domain.view import verdict_view
    answers = helio(sex="male", childbearing_potential=None, pregnancy_test_result=None, pregnancy_test_date=None,
                    date_of_birth=None, age_years=64)
    outlook = verdict_view(trials["helio-rt"], evaluated(trials["helio-rt"], answers))["outlook"]
    assert outlook[-1] == "Typed for the assessment date only: Age. Give Date of birth to see the dates after it."


def test_a_typed_no_to_a_recent_bleed_still_holds_on_later_days(trials):
    answers = helio(sex="male", childbearing_potential=None, pregnancy_test_result=None, pregnancy_test_date=None,
                    last_significant_bleed_date=None, significant_bleed_within_6_months=False,
                    planned_regimen="atezolizumab_bevacizumab")
    window = window_of(trials, answers)
    assert (window["from"], window["until"], window["registration"]) == (
        "2026-12-04", None, {"from": "2026-12-04", "until": None})  # before the assessment it may not have been so


def test_a_typed_yes_to_a_recent_bleed_holds_on_the_assessment_date_only(trials):
    answers = helio(sex="male", childbearing_potential=None, pregnancy_test_result=None, pregnancy_test_date=None,
                    last_significant_bleed_date=None, significant_bleed_within_6_months=True,
                    planned_regimen="atezolizumab_bevacizumab")
    window = window_of(trials, answers)
    assert (window["from"], window["until"]) == ("2026-12-04", "2026-12-04")
    assert ("2026-12-05", "not_met", "unknown") in events_of(window, "no_recent_bleed_with_bevacizumab")


# A second trial --------------------------------------------------------------------------------

def test_dapa_ckd_registration_opens_when_both_the_arb_and_the_sglt2_washout_allow(trials):
    answers = dapa(acei_arb_stable_since="2026-05-25", sglt2i_ever=True, sglt2i_last_dose="2026-04-27")
    window = window_of(trials, answers, "dapa-ckd")
    assert events_of(window, "acei_arb") == [("2026-06-22", "not_met", "met")]
    assert events_of(window, "no_recent_sglt2i") == [("2026-06-23", "not_met", "met")]
    assert window["until"] == "2026-06-22"
    assert window["registration"] == {"from": "2026-06-23", "until": None}


def test_dapa_ckd_eligible_patient_stays_eligible_for_the_year_looked_at(trials):
    window = window_of(trials, dapa(), "dapa-ckd")
    assert (window["until"], window["registration"]["until"]) == (None, None)


def test_dapa_ckd_stretch_opened_when_the_albuminuria_had_lasted_three_months(trials):
    window = window_of(trials, dapa(), "dapa-ckd")
    assert (window["from"], events_of(window, "albuminuria_history")) == ("2026-02-20", [("2026-02-20", "not_met", "met")])


def test_dapa_ckd_window_agrees_with_every_day(trials, monkeypatch):
    answers = dapa(acei_arb_stable_since="2026-05-25", sglt2i_ever=True, sglt2i_last_dose="2026-04-27")
    assert_window_matches_days(trials["dapa-ckd"], answers, monkeypatch, before=30, after=60)


def test_an_answer_only_other_criteria_read_still_changes_the_window(trials):
    """The window is kept between answers (ReadMemo) with the statuses it was worked out for."""
    assert window_of(trials, helio())["registration"] == {"from": "2026-11-14", "until": "2026-12-14"}
    assert window_of(trials, helio(platelets=40000))["registration"] is None
