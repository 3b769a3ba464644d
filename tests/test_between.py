"""The rules language's "between": both ends included unless an end says "above" or "below"; the
ends may be expressions (another answer, a multiple of an upper limit); an answer in another unit
is compared exactly; an open answer leaves the criterion open. Worded for review by rules show."""
from __future__ import annotations

import pytest

from checklist.domain.answers import validate
from checklist.domain.engine import evaluate
from checklist.domain.rule_words import rule_words
from support import TODAY, trial_judging

RANGES = {
    "hemoglobin_8_to_14": {"between": [{"var": "hemoglobin"}, 8, 14]},
    "hemoglobin_above_8_below_14": {"between": [{"var": "hemoglobin"}, {"above": 8}, {"below": 14}]},
    "ast_alt_to_3_uln": {"between": [{"var": "ast"}, {"at_least": {"var": "alt"}}, {"at_most": {"*": [3, {"var": "ast_uln"}]}}]},
}


@pytest.fixture(scope="module")
def ranged(trial):
    """The trial with one criterion per range above."""
    return trial_judging(trial, RANGES)


def status(trial, name, **answers):
    facts, errors = validate(trial, answers, TODAY)
    assert not errors, errors
    return next(c["status"] for c in evaluate(trial, facts, TODAY)["criteria"] if c["id"] == name)


@pytest.mark.parametrize("hemoglobin, included, excluded", [
    (7.99, "not_met", "not_met"), (8, "met", "not_met"), (8.01, "met", "met"),
    (13.99, "met", "met"), (14, "met", "not_met"), (14.01, "not_met", "not_met"),
])
def test_the_ends_are_included_unless_said_above_or_below(ranged, hemoglobin, included, excluded):
    assert status(ranged, "hemoglobin_8_to_14", hemoglobin=hemoglobin) == included
    assert status(ranged, "hemoglobin_above_8_below_14", hemoglobin=hemoglobin) == excluded


@pytest.mark.parametrize("grams_per_litre, expected", [(79.9, "not_met"), (80, "met"), (140, "met"), (140.1, "not_met")])
def test_an_answer_in_another_unit_is_compared_exactly_at_the_ends(ranged, grams_per_litre, expected):
    answer = {"value": grams_per_litre, "unit": "g/L"}
    assert status(ranged, "hemoglobin_8_to_14", hemoglobin=answer) == expected


@pytest.mark.parametrize("ast, expected", [(39, "not_met"), (40, "met"), (150, "met"), (151, "not_met")])
def test_the_ends_may_be_other_answers(ranged, ast, expected):
    assert status(ranged, "ast_alt_to_3_uln", ast=ast, alt=40, ast_uln=50) == expected


def test_an_end_not_yet_answered_leaves_the_criterion_open_unless_the_other_end_fails(ranged):
    assert status(ranged, "ast_alt_to_3_uln", ast=100, alt=40) == "unknown"
    assert status(ranged, "ast_alt_to_3_uln", ast=30, alt=40) == "not_met"


def test_a_range_reads_as_its_two_limits_on_the_review_sheet(ranged):
    said = rule_words(RANGES["hemoglobin_above_8_below_14"], ranged)
    assert said.text == "Hemoglobin is above 8 g/dL and below 14 g/dL"
    assert rule_words(RANGES["hemoglobin_8_to_14"], ranged).text == "Hemoglobin is between 8 and 14 g/dL (both included)"
