"""The adversarial clinical cases of tests/cases/helio-rt, through the engine and `checklist evaluate`.

Each case is the all-criteria-met answers with one thing changed, and the verdict a careful trial
coordinator would give, written from the trial listing and the data dictionary (not from the code).
The files use the shared vignette format plus three expectations: `warnings_include`, facts that must
be named by an entry of the evaluation's `warnings`; `window`, keys of the evaluation's `window` and
their values; `alternatives`, the verdict of some choices of the alternatives question. The hundreds are the case classes: 1 exact
comparisons across units, 2 typed versus computed values, 3 pregnancy, 4 unit slips, 5 deciding
early, 6 Child-Pugh points, 7 time windows, 8 the other listing criteria, 9 the data dictionary.
"""
from __future__ import annotations

import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from test_vignettes import KNOWN_EXPECTATIONS, assert_expectations, load, run_cli
from test_web import form_text

CASES = Path(__file__).resolve().parent / "cases" / "helio-rt"
CASE_FILES = sorted(CASES.glob("*.json"))
EXPECTATIONS = KNOWN_EXPECTATIONS | {"warnings_include", "window", "alternatives"}
CLASSES = "123456789"


def case_params(kind):
    """The case files whose expectation is an evaluation ('result') or an error ('error')."""
    return [pytest.param(path, id=path.stem) for path in CASE_FILES
            if bool(load(path)["expect"].get("error")) == (kind == "error")]


def test_there_are_at_least_a_hundred_cases_covering_every_class():
    assert len(CASE_FILES) >= 100
    assert {path.name[0] for path in CASE_FILES} == set(CLASSES)


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in CASE_FILES])
def test_case_is_one_named_behaviour_with_known_expectations(path):
    case = load(path)
    assert re.fullmatch(r"[1-9]\d\d-[a-z0-9.-]+\.json", path.name)
    assert set(case) == {"name", "answers", "expect"}
    assert case["name"].strip()
    assert set(case["expect"]) <= EXPECTATIONS
    assert "verdict" in case["expect"] or (case["expect"].get("error") is True
                                           and case["expect"].get("error_mentions"))


@pytest.mark.parametrize("path", case_params("result"))
def test_case_evaluates_as_a_careful_coordinator_would(path, evaluate_answers):
    case = load(path)
    assert_expectations(evaluate_answers(case["answers"]), case["expect"])


@pytest.mark.parametrize("path", case_params("result"))
def test_case_gives_a_reason_for_every_decided_criterion(path, evaluate_answers):
    doc = evaluate_answers(load(path)["answers"])
    for criterion in doc["criteria"]:
        if criterion["status"] in ("met", "not_met"):
            assert criterion["reason"].strip(), criterion["id"]


@pytest.mark.parametrize("path", case_params("error"))
def test_invalid_case_is_refused_naming_the_fact(path, validate_answers):
    case = load(path)
    _facts, errors = validate_answers(case["answers"])
    mentioned = case["expect"]["error_mentions"]
    assert mentioned in errors, errors
    assert errors[mentioned].strip()


@pytest.fixture(scope="module")
def cli_results():
    """`checklist evaluate -` on every case, a process each, run a few at a time."""
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = pool.map(lambda path: run_cli(load(path)["answers"]), CASE_FILES)
        return dict(zip(CASE_FILES, results))


@pytest.mark.parametrize("path", case_params("result"))
def test_cli_prints_the_case_verdict_and_exits_0(path, cli_results):
    case, result = load(path), cli_results[path]
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["verdict"] == case["expect"]["verdict"]


@pytest.mark.parametrize("path", case_params("error"))
def test_cli_refuses_the_invalid_case_with_exit_2_naming_the_fact(path, cli_results):
    case, result = load(path), cli_results[path]
    assert result.returncode == 2, result.stdout
    assert result.stdout == ""
    assert case["expect"]["error_mentions"] in result.stderr


QUESTIONS = json.loads((CASES.parents[2] / "rules.json").read_text(encoding="utf-8"))["questions"]


def form_expressible(case: dict) -> bool:
    """Whether the page's form can say what the answers say. Its fields are text: it cannot tell a
    number from a numeric string, nor send a unit to a question without a unit chooser, an extra
    key or a fact it does not ask."""
    def expressible(fact, value) -> bool:
        question = QUESTIONS.get(fact)
        if question is None or isinstance(value, list):
            return False
        if isinstance(value, dict):
            return set(value) == {"value", "unit"} and len(question.get("units", {})) > 1
        return not isinstance(value, str) or question["type"] in ("choice", "date")
    return all(expressible(fact, value) for fact, value in case["answers"].items())


@pytest.mark.parametrize("path", [param for param in case_params("result") + case_params("error")
                                  if form_expressible(load(param.values[0]))])
def test_case_answered_through_the_page_gives_the_same_verdict(path, actions):
    case = load(path)
    draft = actions.new_draft()
    data = {}
    for fact, value in case["answers"].items():
        data[fact], unit = form_text(value)
        if unit:
            data[f"{fact}_unit"] = unit
    response = actions.answer(draft, **data)
    if case["expect"].get("error"):
        assert response.status_code == 422
        assert actions.saved(draft) == {}
    else:
        assert response.status_code == 200, response.text
        assert re.search(rf'id="verdict"[^>]*data-verdict="{case["expect"]["verdict"]}"', response.text)
