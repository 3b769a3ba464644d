"""The rules file: ours validates, a broken one is refused naming the place, the code stays generic."""
from __future__ import annotations

import ast
import copy
from fractions import Fraction
import hashlib
import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest

from checklist.domain.expressions import RulesError
from checklist.domain.expressions import evaluate as evaluate_expression
from checklist.bundled import DEFAULT_RULES
from checklist.domain.rules import SCHEMA_PATH, RulesFileError, check_rules, inlined, load_trial
from support import TRIALS
from checklist.domain.values import exact_factor

ROOT = Path(__file__).resolve().parent.parent
RULES = json.loads(DEFAULT_RULES.read_text(encoding="utf-8"))


def test_rules_json_validates_against_the_rules_schema():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(RULES)
    check_rules(RULES)


def test_rules_json_loads_and_agrees_with_its_data_dictionary(trial):
    assert trial.id == RULES["trial"]["id"]
    assert trial.version == hashlib.sha256(DEFAULT_RULES.read_bytes()).hexdigest()


def test_an_unknown_operator_met_while_evaluating_is_a_rules_error_naming_it():
    with pytest.raises(RulesError, match="'gte'"):
        evaluate_expression({"gte": [1, 2]}, context=None)


def test_every_dictionary_fact_is_asked_exactly_once(trial):
    asked = [fact for section in trial.rules["sections"] for fact in section["questions"]]
    assert sorted(asked) == sorted(trial.dictionary["properties"])


def write_rules(folder: Path, rules: dict) -> Path:
    """A rules file in folder, with a copy of the data dictionary it names."""
    shutil.copytree(ROOT / "helio-rt", folder / "helio-rt")
    path = folder / "rules.json"
    path.write_text(json.dumps(rules), encoding="utf-8")
    return path


def criterion_index(criterion_id):
    return next(index for index, entry in enumerate(RULES["criteria"]) if entry["id"] == criterion_id)


def break_operator(rules):
    rules["criteria"][criterion_index("platelets")]["require"] = {"gte": [{"var": "platelets"}, 60000]}


def break_nested_operator(rules):
    rules["criteria"][criterion_index("transaminases")]["require"]["all"][1] = {"≤": [{"var": "alt"}, 270]}


def break_fact(rules):
    rules["criteria"][criterion_index("platelets")]["require"] = {">=": [{"var": "platelet_count"}, 60000]}


def break_applies_fact(rules):
    rules["criteria"][criterion_index("pregnancy_test")]["applies"] = {"==": [{"var": "can_conceive"}, True]}


def break_question(rules):
    rules["questions"]["shoe_size"] = {"label": "Shoe size", "help": "", "type": "integer"}
    rules["sections"][0]["questions"].append("shoe_size")


def break_section(rules):
    section = next(s for s in rules["sections"] if "ecog" in s["questions"])
    section["questions"].remove("ecog")


def break_step(rules):
    rules["criteria"][criterion_index("coverage_both_arms")]["step"] = "consent"


def break_calculator(rules):
    rules["derived"]["child_pugh_score"]["calculator"] = "meld"


def break_derived_input(rules):
    rules["derived"]["age_years"]["input"] = "birthday"


def break_choices(rules):
    rules["questions"]["ascites"]["choices"] = {"none": "none", "some": "some"}


def break_units(rules):
    rules["questions"]["platelets"]["units"] = {"cells/mm3": 1, "10^9/L": 100}


def round_a_unit_factor(rules):
    # 1/17.1 written to four decimals: close, but not the dictionary's factor.
    rules["questions"]["total_bilirubin"]["units"]["umol/L"] = 0.0585


def break_canonical_unit(rules):
    rules["questions"]["immunostimulatory_half_life_days"]["units"] = {"days": 2, "hours": "1/24"}


@pytest.mark.parametrize("breakage, place", [
    (break_operator, f"criteria/{criterion_index('platelets')}/require"),
    (break_nested_operator, f"criteria/{criterion_index('transaminases')}/require"),
    (break_fact, f"criteria/{criterion_index('platelets')}/require: unknown fact 'platelet_count'"),
    (break_applies_fact, f"criteria/{criterion_index('pregnancy_test')}/applies: unknown fact 'can_conceive'"),
    (break_question, "questions/shoe_size: not a fact of the data dictionary"),
    (break_section, "sections: dictionary fact 'ecog' is never asked"),
    (break_step, f"criteria/{criterion_index('coverage_both_arms')}/step"),
    (break_calculator, "derived/child_pugh_score/calculator"),
    (break_derived_input, "derived/age_years: unknown input 'birthday'"),
    (break_choices, "questions/ascites/choices"),
    (break_units, "questions/platelets/units"),
    (round_a_unit_factor, "questions/total_bilirubin/units: must match the dictionary's x-unit and x-units"),
    (break_canonical_unit, "questions/immunostimulatory_half_life_days/units: the question's unit must be one of its units, with factor 1"),
])
def test_broken_rules_file_is_refused_naming_the_place(tmp_path, breakage, place):
    rules = copy.deepcopy(RULES)
    breakage(rules)
    with pytest.raises(RulesFileError) as refused:
        load_trial(write_rules(tmp_path, rules))
    assert place in str(refused.value)
    assert "rules.json" in str(refused.value)


@pytest.mark.parametrize("keyword, value", [("multipleOf", 1000), ("pattern", "^[0-9]+$"), ("x-precision", 2)])
def test_a_dictionary_keyword_the_checklist_does_not_understand_is_refused(tmp_path, keyword, value):
    path = write_rules(tmp_path, RULES)
    dictionary_path = tmp_path / "helio-rt" / "answers.schema.json"
    dictionary = json.loads(dictionary_path.read_text(encoding="utf-8"))
    dictionary["properties"]["platelets"][keyword] = value
    dictionary_path.write_text(json.dumps(dictionary), encoding="utf-8")
    with pytest.raises(RulesFileError) as refused:
        load_trial(path)
    assert f"answers_schema: properties/platelets: keyword {keyword!r} is not understood" in str(refused.value)


@pytest.mark.parametrize("fact, unit, factor", [
    ("total_bilirubin", "umol/L", 1 / Fraction("17.1")),
    ("bilirubin_uln", "umol/L", 1 / Fraction("17.1")),
    ("serum_creatinine", "umol/L", 1 / Fraction("88.4")),
    ("albumin", "g/L", Fraction(1, 10)),
    ("hemoglobin", "g/L", Fraction(1, 10)),
    ("weight", "lb", Fraction("0.45359237")),
    ("platelets", "10^9/L", Fraction(1000)),
    ("anc", "10^9/L", Fraction(1000)),
    ("intrahepatic_sum_diameter", "mm", Fraction(1, 10)),
])
def test_rules_json_unit_factors_are_the_exact_conventions(trial, fact, unit, factor):
    assert exact_factor(trial.questions[fact]["units"][unit]) == factor


def test_every_question_with_units_has_its_canonical_unit_at_factor_1(trial):
    for fact, question in trial.questions.items():
        if "units" in question:
            assert exact_factor(question["units"][question["unit"]]) == 1, fact


def test_an_unreadable_rules_file_is_refused(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(RulesFileError, match="rules.json"):
        load_trial(path)


def test_a_missing_data_dictionary_is_refused(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(RULES), encoding="utf-8")
    with pytest.raises(RulesFileError, match="answers_schema"):
        load_trial(path)


def test_a_copy_of_the_rules_file_elsewhere_loads(tmp_path):
    assert load_trial(write_rules(tmp_path, RULES)).id == RULES["trial"]["id"]


# The code is generic: the trial lives in rules.json only

def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def string_literals(path: Path) -> set[str]:
    """A module's string constants, leaving out its docstrings."""
    tree = parse(path)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings}


def identifiers(path: Path) -> set[str]:
    """Every name a module defines or uses: variables, attributes, arguments, functions, classes."""
    found = set()
    for node in ast.walk(parse(path)):
        for field in ("id", "attr", "arg", "name"):
            if isinstance(getattr(node, field, None), str):
                found.add(getattr(node, field))
    return found


def code_words(path: Path) -> set[str]:
    """Identifiers and string literals: the code, without its docstrings and comments."""
    return string_literals(path) | identifiers(path)


def calculator_vocabulary(trial) -> set[str]:
    """Names the calculators themselves define (Cockcroft-Gault's age, weight, sex), not the trial."""
    words = {"assessment_date"}  # the contract's own fact: every window counts back from it
    for spec in trial.derived.values():
        words |= set(spec) | set(spec.get("inputs", {}))
    return words


def trial_facts_and_criteria(trial) -> set[str]:
    """Names only this trial gives meaning to: its facts, criteria and derived values."""
    names = set(trial.dictionary["properties"]) | {c["id"] for c in trial.criteria} | set(trial.derived)
    return names - calculator_vocabulary(trial)


def trial_choices(trial) -> set[str]:
    choices = {value for prop in trial.dictionary["properties"].values() for value in prop.get("enum", [])}
    return choices - calculator_vocabulary(trial)


# Words the app uses for its own records that happen to be a choice of the trial too: a draft
# keeps the implausible values a clinician "confirmed". Comparisons are checked without exception.
APP_RECORD_KEYS = {"confirmed"}


def compared_literals(path: Path) -> set[str]:
    """String constants a module compares something with (== "denied", in ("a", "b"))."""
    found = set()
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Compare):
            for operand in [node.left, *node.comparators]:
                items = operand.elts if isinstance(operand, (ast.Tuple, ast.List, ast.Set)) else [operand]
                found |= {item.value for item in items
                          if isinstance(item, ast.Constant) and isinstance(item.value, str)}
    return found


SOURCES = sorted((ROOT / "checklist").rglob("*.py"))
# Short words count only standing alone or in snake_case: "hcc_variant" yes, "recognise" no.
TRIAL_WORDS = re.compile(r"helio|nct\d{8}|hepatocellular|child.?pugh|platelet|bilirubin|pregnan"
                         r"|bevacizumab|atezolizumab|durvalumab|ipilimumab|nivolumab|tremelimumab"
                         r"|(?<![a-z])(hcc|ecog)(?![a-z])", re.IGNORECASE)


@pytest.fixture(scope="module")
def every_trial():
    """Every trial in the repository (support.TRIALS)."""
    return [load_trial(rules) for rules, _vignettes in TRIALS.values()]


@pytest.mark.parametrize("path", SOURCES, ids=[path.relative_to(ROOT).as_posix() for path in SOURCES])
def test_code_names_no_fact_or_criterion_of_any_trial(every_trial, path):
    for trial in every_trial:
        assert not code_words(path) & trial_facts_and_criteria(trial), trial.id


@pytest.mark.parametrize("path", SOURCES, ids=[path.relative_to(ROOT).as_posix() for path in SOURCES])
def test_code_holds_no_choice_of_any_trial_as_a_string(every_trial, path):
    for trial in every_trial:
        assert not (string_literals(path) - APP_RECORD_KEYS) & trial_choices(trial), trial.id


@pytest.mark.parametrize("path", SOURCES, ids=[path.relative_to(ROOT).as_posix() for path in SOURCES])
def test_code_compares_nothing_with_a_choice_of_any_trial(every_trial, path):
    for trial in every_trial:
        assert not compared_literals(path) & trial_choices(trial), trial.id


@pytest.mark.parametrize("path", SOURCES, ids=[path.relative_to(ROOT).as_posix() for path in SOURCES])
def test_code_mentions_no_trial_words_outside_docstrings_and_comments(path):
    found = [word for word in code_words(path) if TRIAL_WORDS.search(word)]
    assert found == []


def test_the_genericity_checks_would_see_the_trial_in_code(tmp_path, trial):
    planted = tmp_path / "planted.py"
    planted.write_text('"""Mentions platelets in a docstring: fine."""\n'
                       'LIMIT = {"platelets": 60000}\nDENIED = coverage == "denied"\n'
                       'DONE = coverage in ("confirmed",)\n')
    assert code_words(planted) & trial_facts_and_criteria(trial) == {"platelets"}
    assert (string_literals(planted) - APP_RECORD_KEYS) & trial_choices(trial) == {"denied"}
    assert compared_literals(planted) & trial_choices(trial) == {"denied", "confirmed"}
    assert [word for word in code_words(planted) if TRIAL_WORDS.search(word)] == ["platelets"]


def test_an_inlined_reference_keeps_both_its_definition_and_its_own_keywords():
    schema = inlined({"$ref": "#/$defs/count", "maximum": 10}, {"count": {"type": "integer", "maximum": 5}})
    validator = jsonschema.Draft202012Validator(schema)
    assert [validator.is_valid(value) for value in (4, 7, 12, 4.5)] == [True, False, False, False]


def test_only_references_to_the_definitions_are_inlined():
    assert inlined({"$ref": "#/properties/age"}, {"age": {"type": "number"}}) == {"$ref": "#/properties/age"}
    assert inlined({"items": [{"$ref": "#/$defs/age"}]}, {"age": {"type": "number"}}) == {"items": [{"type": "number"}]}


ODD_ANSWERS = ["", "abc", "1990-02-31", "2026-13-01", -1, 0, 7, 1.5, 10**12, True, False, None, [], {},
               {"value": "x", "unit": "g/dL"}, {"value": 1}, {"value": 1, "unit": 2}, {"value": 1, "unit": "g/dL", "x": 0}]


@pytest.mark.parametrize("name", TRIALS)
def test_an_answer_checked_alone_is_refused_in_the_words_of_the_whole_dictionary(name):
    trial = load_trial(TRIALS[name][0])
    for fact in trial.dictionary["properties"]:
        for raw in ODD_ANSWERS:
            alone = [error.message for error in trial.answer_validators[fact].iter_errors(raw)]
            whole = [error.message for error in trial.answers_validator.iter_errors({fact: raw})]
            assert alone == whole, (fact, raw)
