"""How yes-or-no requirements, "not" and either/or read in a criterion's reason, as a coordinator
reads them against the protocol: a failing yes-or-no answer says what was required, "not pregnant
and not nursing" reads as two answers that are no, and an either/or that fails says why each
alternative fails."""
from __future__ import annotations

import json

import pytest

from checklist.domain.answers import validate
from checklist.domain.engine import evaluate
from support import TODAY, VIGNETTES, trial_judging

AST_WITHIN_LIMITS = {"<=": [{"var": "ast"}, {"*": [2.5, {"var": "ast_uln"}]}]}
AST_WITHIN_LIMITS_WITH_METASTASES = {"all": [{"<=": [{"var": "ast"}, {"*": [5, {"var": "ast_uln"}]}]},
                                             {"var": "extrahepatic_disease"}]}
CONDITIONS = {
    "extrahepatic_disease": {"var": "extrahepatic_disease"},
    "not_pregnant": {"not": {"var": "pregnant"}},
    "neither_pregnant_nor_nursing": {"not": {"any": [{"var": "pregnant"}, {"var": "nursing"}]}},
    "not_both": {"not": {"all": [{"var": "pregnant"}, {"var": "nursing"}]}},
    "twice_not_pregnant": {"not": {"not": {"not": {"var": "pregnant"}}}},
    "either_or": {"any": [AST_WITHIN_LIMITS, AST_WITHIN_LIMITS_WITH_METASTASES]},
}
ELIGIBLE = json.loads((VIGNETTES / "01-all-criteria-met.json").read_text(encoding="utf-8"))["answers"]
ELIGIBLE |= {"sex": "female", "childbearing_potential": True}  # so that pregnancy answers contradict nothing


@pytest.fixture(scope="module")
def worded(trial):
    """The trial with one criterion per condition above."""
    return trial_judging(trial, CONDITIONS)


def judged(trial, name, **changes) -> tuple[str, str]:
    facts, errors = validate(trial, {**ELIGIBLE, **changes}, TODAY)
    assert not errors, errors
    criterion = next(c for c in evaluate(trial, facts, TODAY)["criteria"] if c["id"] == name)
    return criterion["status"], criterion["reason"]


def test_a_yes_or_no_requirement_that_fails_says_what_was_required(worded):
    assert judged(worded, "extrahepatic_disease", extrahepatic_disease=False) == (
        "not_met", "Extrahepatic metastatic disease: no (required: yes).")


def test_not_pregnant_reads_as_the_answer_and_what_was_required(worded):
    assert judged(worded, "not_pregnant", pregnant=True) == ("not_met", "Currently pregnant: yes (required: no).")
    assert judged(worded, "not_pregnant", pregnant=False) == ("met", "Currently pregnant: no.")


def test_not_pregnant_and_not_nursing_reads_as_two_answers_that_are_no(worded):
    assert judged(worded, "neither_pregnant_nor_nursing", pregnant=False, nursing=False) == (
        "met", "Currently pregnant: no; Currently nursing: no.")
    assert judged(worded, "neither_pregnant_nor_nursing", pregnant=False, nursing=True) == (
        "not_met", "Currently nursing: yes (required: no).")


def test_not_both_fails_only_when_both_are_yes_and_says_so(worded):
    assert judged(worded, "not_both", pregnant=True, nursing=False)[0] == "met"
    assert judged(worded, "not_both", pregnant=True, nursing=True)[0] == "not_met"


def test_a_double_negation_is_the_condition_itself(worded):
    assert judged(worded, "twice_not_pregnant", pregnant=True) == ("not_met", "Currently pregnant: yes (required: no).")


def test_a_failing_either_or_says_why_each_alternative_fails(worded):
    status, reason = judged(worded, "either_or", ast=150, ast_uln=40, extrahepatic_disease=False)
    assert status == "not_met"
    assert reason == ("No alternative holds: AST 150 U/L is above 2.5 × ULN 40 U/L = 100 U/L; "
                      "or Extrahepatic metastatic disease: no (required: yes).")


def test_an_either_or_that_holds_names_the_alternative_that_does(worded):
    status, reason = judged(worded, "either_or", ast=150, ast_uln=40, extrahepatic_disease=True)
    assert status == "met" and "at most 5 × ULN" in reason and "Extrahepatic metastatic disease: yes" in reason


def test_a_reason_keeps_the_capitals_a_label_is_written_with():
    from checklist.domain.rules import load_trial
    from support import TRIALS
    rules, vignettes = TRIALS["dapa-ckd"]
    trial = load_trial(rules)
    answers = json.loads((vignettes / "02-egfr-below-25.json").read_text(encoding="utf-8"))["answers"]
    facts, _errors = validate(trial, answers, TODAY)
    reason = next(c for c in evaluate(trial, facts, TODAY)["criteria"] if c["id"] == "egfr")["reason"]
    assert reason.startswith("eGFR (CKD-EPI) 24 mL/min/1.73 m² is below 25 mL/min/1.73 m²")
