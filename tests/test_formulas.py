"""Formulas as data: a calculated value written in the rules as exact arithmetic ("+", "-", "*",
"/", "min", "max"), such as the AST/ALT (De Ritis) ratio a protocol may cap, judged exactly at its
limit, open while an input is missing or a divisor is zero, shown with its unit, and worded for
review by `rules show`."""
from __future__ import annotations

import copy
import json

import pytest

from checklist.domain.answers import validate
from checklist.domain.engine import Context, evaluate
from checklist.domain.rule_words import parameters_words
from checklist.domain.rules import RulesFileError, Trial, check_rules, cross_check
from checklist.domain.view import question_views
from support import TODAY, VIGNETTES

FORMULAS = {
    "de_ritis_ratio": {"calculator": "formula", "label": "AST/ALT ratio",
                       "formula": {"/": [{"var": "ast"}, {"var": "alt"}]}},
    "inr_excess": {"calculator": "formula", "label": "INR above 1, per ECOG point", "unit": "per point",
                   "formula": {"/": [{"-": [{"var": "inr"}, 1]}, {"max": [{"var": "ecog"}, 1]}]}},
    "lowest_count": {"calculator": "formula", "label": "Lower of two counts", "unit": "cells/mm3",
                     "formula": {"min": [{"var": "anc"}, {"*": [{"var": "platelets"}, 0.01]}, 5000]}},
}
CRITERIA = {
    "de_ritis_at_most_2": {"<=": [{"var": "de_ritis_ratio"}, 2]},
    "inr_excess_below_half": {"<": [{"var": "inr_excess"}, 0.5]},
}
ELIGIBLE = json.loads((VIGNETTES / "01-all-criteria-met.json").read_text(encoding="utf-8"))["answers"]


@pytest.fixture(scope="module")
def calculated(trial):
    rules = copy.deepcopy(trial.rules)
    rules["derived"] = {**rules["derived"], **FORMULAS}
    rules["criteria"] = [{"id": name, "step": rules["steps"][0]["id"], "label": name, "text": name, "require": rule}
                         for name, rule in CRITERIA.items()]
    check_rules(rules)
    return Trial(rules, trial.dictionary, trial.version)


def evaluation(trial, **changes) -> dict:
    answers = {**ELIGIBLE, **changes}
    answers = {fact: value for fact, value in answers.items() if value is not None}
    facts, errors = validate(trial, answers, TODAY)
    assert not errors, errors
    return evaluate(trial, facts, TODAY)


def status(trial, criterion, **changes) -> str:
    return next(c["status"] for c in evaluation(trial, **changes)["criteria"] if c["id"] == criterion)


@pytest.mark.parametrize("ast, alt, expected", [(90, 45, "met"), (90.01, 45, "not_met"), (89.99, 45, "met")])
def test_a_ratio_is_judged_exactly_at_its_limit(calculated, ast, alt, expected):
    assert status(calculated, "de_ritis_at_most_2", ast=ast, alt=alt) == expected


def test_a_formula_stays_open_while_an_input_is_missing_and_asks_for_it(calculated):
    document = evaluation(calculated, alt=None)
    assert status(calculated, "de_ritis_at_most_2", alt=None) == "unknown"
    assert "alt" in document["missing"]


def test_a_formula_whose_divisor_is_zero_is_open_not_a_crash(calculated):
    facts, _errors = validate(calculated, {**ELIGIBLE, "inr": 1.2, "ecog": 0}, TODAY)
    context = Context(calculated, facts, TODAY)
    assert context.value("inr_excess") == pytest.approx(0.2)  # max(ecog, 1) keeps the divisor at 1
    zero = copy.deepcopy(FORMULAS["inr_excess"]) | {"formula": {"/": [{"var": "inr"}, {"-": [{"var": "ecog"}, 1]}]}}
    rules = copy.deepcopy(calculated.rules)
    rules["derived"]["inr_excess"] = zero
    trial = Trial(rules, calculated.dictionary, calculated.version)
    assert Context(trial, validate(trial, {**ELIGIBLE, "ecog": 1}, TODAY)[0], TODAY).value("inr_excess") is None


def test_min_and_max_take_several_operands(calculated):
    facts, _errors = validate(calculated, {**ELIGIBLE, "anc": 2400, "platelets": 150000}, TODAY)
    assert Context(calculated, facts, TODAY).value("lowest_count") == 1500


def test_a_calculated_value_is_reported_and_shown_with_its_unit(calculated):
    document = evaluation(calculated, inr=1.3, ecog=2)
    assert document["derived"]["inr_excess"] == 0.15
    facts, _errors = validate(calculated, {**ELIGIBLE, "inr": 1.3, "ecog": 2}, TODAY)
    views = question_views(calculated, {**ELIGIBLE, "inr": 1.3, "ecog": 2}, facts, document, default_units={})
    notes = [note for view in views.values() for note in view.derived if "INR above 1" in note]
    assert notes and "0.15 per point" in notes[0]


def test_rules_show_writes_the_formula_as_a_person_would(calculated):
    said = parameters_words(FORMULAS["inr_excess"], calculated)
    assert said == [f"formula: ({calculated.questions['inr']['label']} − 1) ÷ "
                    f"max({calculated.questions['ecog']['label']}, 1)"]


@pytest.mark.parametrize("spec", [{"calculator": "formula"}, {"calculator": "formula", "formula": {"^": [2, 3]}},
                                  {"calculator": "formula", "formula": {"/": [{"var": "ast"}]}}])
def test_a_formula_that_is_missing_or_not_arithmetic_is_refused(trial, spec):
    rules = copy.deepcopy(trial.rules)
    rules["derived"]["broken"] = spec
    with pytest.raises(RulesFileError):
        check_rules(rules)


def test_a_formula_over_an_answer_that_is_not_a_number_is_refused_with_its_path(trial):
    rules = copy.deepcopy(trial.rules)
    rules["derived"]["broken"] = {"calculator": "formula", "formula": {"+": [{"var": "sex"}, 1]}}
    assert "derived/broken/formula: 'sex' is not a number" in list(
        cross_check(Trial(rules, trial.dictionary, trial.version)))


FEMALE = {"==": [{"var": "sex"}, "female"]}
CKD_EPI_2021 = {"calculator": "formula", "label": "eGFR (CKD-EPI 2021)", "unit": "mL/min/1.73m2", "formula": {"*": [
    142,
    {"pow": [{"min": [{"/": [{"var": "serum_creatinine"}, {"if": [FEMALE, 0.7, 0.9]}]}, 1]},
             {"if": [FEMALE, -0.241, -0.302]}]},
    {"pow": [{"max": [{"/": [{"var": "serum_creatinine"}, {"if": [FEMALE, 0.7, 0.9]}]}, 1]}, -1.2]},
    {"pow": [0.9938, {"var": "age_years"}]},
    {"if": [FEMALE, 1.012, 1]},
]}}


def ckd_epi_2021(creatinine: float, age: int, female: bool) -> float:
    """The published equation (Inker et al., NEJM 2021), in floating point, as a reference."""
    kappa, alpha = (0.7, -0.241) if female else (0.9, -0.302)
    ratio = creatinine / kappa
    return 142 * min(ratio, 1) ** alpha * max(ratio, 1) ** -1.2 * 0.9938 ** age * (1.012 if female else 1)


@pytest.fixture(scope="module")
def with_ckd_epi(trial):
    rules = copy.deepcopy(trial.rules)
    rules["derived"] = {**rules["derived"], "egfr_ckd_epi": CKD_EPI_2021}
    rules["criteria"] = [{"id": "egfr_at_least_30", "step": rules["steps"][0]["id"], "label": "eGFR", "text": "eGFR",
                          "require": {">=": [{"var": "egfr_ckd_epi"}, 30]}}]
    check_rules(rules)
    return Trial(rules, trial.dictionary, trial.version)


@pytest.mark.parametrize("creatinine, age, sex", [(0.6, 45, "female"), (1.2, 66, "female"), (0.8, 30, "male"),
                                                  (2.5, 78, "male"), (0.7, 18, "female"), (0.9, 50, "male")])
def test_ckd_epi_2021_written_as_data_gives_the_published_equations_value(with_ckd_epi, creatinine, age, sex):
    facts, errors = validate(with_ckd_epi, {"serum_creatinine": creatinine, "age_years": age, "sex": sex}, TODAY)
    assert not errors
    value = Context(with_ckd_epi, facts, TODAY).value("egfr_ckd_epi")
    assert float(value) == pytest.approx(ckd_epi_2021(creatinine, age, sex == "female"), abs=1e-9)


def test_ckd_epi_stays_open_until_the_sex_it_branches_on_is_known(with_ckd_epi):
    facts, _errors = validate(with_ckd_epi, {"serum_creatinine": 2.0, "age_years": 70}, TODAY)
    assert Context(with_ckd_epi, facts, TODAY).value("egfr_ckd_epi") is None  # 26.4 for a woman, 35.2 for a man
    assert "sex" in evaluate(with_ckd_epi, facts, TODAY)["missing"]


def test_a_power_is_exact_for_a_whole_exponent_and_has_no_value_for_zero_to_a_negative_one():
    from fractions import Fraction
    from checklist.domain.calculators import power
    assert power(Fraction(9938, 10000), Fraction(3)) == Fraction(9938, 10000) ** 3
    assert power(Fraction(0), Fraction(-1)) is None and power(Fraction(-2), Fraction(1, 2)) is None


def test_rules_show_writes_powers_and_branches(calculated):
    said = parameters_words(CKD_EPI_2021, calculated)[0]
    assert said.startswith("formula: 142 × min(Serum creatinine ÷ (if Sex recorded at birth is female: 0.7, else 0.9), 1)"
                           "^(if Sex recorded at birth is female: -0.241, else -0.302) × ")
    assert "0.9938^Age" in said
