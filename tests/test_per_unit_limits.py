"""Limits a protocol prints in each unit ("total bilirubin < 1.5 mg/dL (< 26 µmol/L)"), which are
not always the same amount (1.5 mg/dL is 25.65 µmol/L): an answer is judged against the limit
printed in the unit it was entered in, and against the question's own unit's limit, converted,
when its unit has none. Said in the unit entered; checked and worded by the rules commands."""
from __future__ import annotations

import copy
import json

import pytest

from checklist.domain.answers import validate
from checklist.domain.engine import evaluate
from checklist.domain.rule_words import rule_words
from checklist.domain.rules import Trial, cross_check
from support import TODAY, VIGNETTES, trial_judging

LIMITS = {
    "bilirubin_below_printed": {"<": [{"var": "total_bilirubin"}, {"per_unit": {"mg/dL": 1.5, "umol/L": 26}}]},
    "hemoglobin_at_least_8": {">=": [{"var": "hemoglobin"}, {"per_unit": {"g/dL": 8}}]},
}
ELIGIBLE = json.loads((VIGNETTES / "01-all-criteria-met.json").read_text(encoding="utf-8"))["answers"]


@pytest.fixture(scope="module")
def limited(trial):
    """The trial with one criterion per limit above."""
    trial = trial_judging(trial, LIMITS)
    assert list(cross_check(trial)) == []
    return trial


def judged(trial, name, **changes) -> dict:
    facts, errors = validate(trial, {**ELIGIBLE, **changes}, TODAY)
    assert not errors, errors
    return next(c for c in evaluate(trial, facts, TODAY)["criteria"] if c["id"] == name)


@pytest.mark.parametrize("bilirubin, status", [
    ({"value": 25.9, "unit": "umol/L"}, "met"),  # 1.51 mg/dL: above 1.5, but below the 26 printed for µmol/L
    ({"value": 26, "unit": "umol/L"}, "not_met"),
    (1.49, "met"),
    (1.5, "not_met"),
])
def test_an_answer_is_judged_against_the_limit_printed_in_its_unit(limited, bilirubin, status):
    assert judged(limited, "bilirubin_below_printed", total_bilirubin=bilirubin)["status"] == status


def test_the_reason_says_the_limit_printed_in_the_unit_entered(limited):
    reason = judged(limited, "bilirubin_below_printed", total_bilirubin={"value": 26, "unit": "umol/L"})["reason"]
    assert reason == "Total bilirubin 26 µmol/L is not below 26 µmol/L."


def test_an_answer_in_a_unit_with_no_printed_limit_is_judged_against_the_converted_one(limited):
    criterion = judged(limited, "hemoglobin_at_least_8", hemoglobin={"value": 79, "unit": "g/L"})
    assert criterion["status"] == "not_met" and "79 g/L is below 80 g/L" in criterion["reason"]
    assert judged(limited, "hemoglobin_at_least_8", hemoglobin={"value": 80, "unit": "g/L"})["status"] == "met"


def test_rules_show_says_every_printed_limit(limited):
    assert rule_words(LIMITS["bilirubin_below_printed"], limited).text.endswith("< 1.5 mg/dL or 26 µmol/L")


@pytest.mark.parametrize("require, problem", [
    ({"<": [{"var": "total_bilirubin"}, {"per_unit": {"g/L": 3}}]}, "per_unit: 'g/L' is not a unit of 'total_bilirubin'"),
    ({"per_unit": {"mg/dL": 1.5}}, "a per_unit limit stands only on the right of a comparison"),
    ({"<": [3, {"per_unit": {"mg/dL": 1.5}}]}, "a per_unit limit needs a measured answer on the left"),
])
def test_a_misplaced_or_foreign_per_unit_limit_is_reported_with_its_path(trial, require, problem):
    rules = copy.deepcopy(trial.rules)
    rules["criteria"][0]["require"] = require
    problems = list(cross_check(Trial(rules, trial.dictionary, trial.version)))
    assert any(found.startswith("criteria/0/require: ") and problem in found for found in problems), problems
