"""The engine keeps recent judgements of each criterion (engine.ReadMemo): whatever it kept,
every evaluation is the one a fresh engine gives."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from checklist.bundled import DEFAULT_RULES
from checklist.domain.answers import validate
from checklist.domain.engine import evaluate
from checklist.domain.rules import load_trial
from parity_cases import SEED, generated_cases, language_trial
from support import TODAY, VIGNETTES


def fresh_evaluation(trial, facts, today, confirmed=frozenset()):
    trial.memo.clear()
    return evaluate(trial, facts, today, confirmed)


def facts_of(trial, case):
    facts, errors = validate(trial, json.loads(json.dumps(case["answers"])), dt.date.fromisoformat(case["today"]))
    return None if errors else facts


@pytest.fixture
def pair():
    """(a trial whose memo is kept across evaluations, one evaluated afresh every time)"""
    return load_trial(DEFAULT_RULES), load_trial(DEFAULT_RULES)


def test_answering_one_question_after_another_gives_what_a_fresh_engine_gives(pair):
    kept, fresh = pair
    for path in sorted(VIGNETTES.glob("*.json")):
        answers = json.loads(path.read_text(encoding="utf-8"))["answers"]
        facts, errors = validate(kept, answers, TODAY)
        if errors:
            continue
        given = {}
        for fact in kept.in_order(facts):
            given[fact] = facts[fact]
            assert evaluate(kept, dict(given), TODAY) == fresh_evaluation(fresh, dict(given), TODAY), (path.name, fact)


def test_changing_then_clearing_answers_gives_what_a_fresh_engine_gives(pair):
    kept, fresh = pair
    cases = [case for case in generated_cases(kept, count=600, seed=SEED + 2) if facts_of(kept, case) is not None]
    for case, following in zip(cases, cases[1:]):
        today = dt.date.fromisoformat(case["today"])
        confirmed = frozenset(case.get("confirmed", []))
        for facts in (facts_of(kept, case), {**facts_of(kept, case), **facts_of(kept, following)}):
            assert evaluate(kept, facts, today, confirmed) == fresh_evaluation(fresh, facts, today, confirmed), case["name"]


def test_every_part_of_the_rules_language_gives_what_a_fresh_engine_gives():
    kept, fresh = language_trial(load_trial(DEFAULT_RULES)), language_trial(load_trial(DEFAULT_RULES))
    for case in generated_cases(kept, count=600, seed=SEED + 3):
        facts = facts_of(kept, case)
        if facts is None:
            continue
        today, confirmed = dt.date.fromisoformat(case["today"]), frozenset(case.get("confirmed", []))
        assert evaluate(kept, facts, today, confirmed) == fresh_evaluation(fresh, facts, today, confirmed), case["name"]


def test_a_judgement_kept_is_never_changed_by_whoever_reads_the_evaluation(pair):
    kept, _fresh = pair
    facts, _errors = validate(kept, {"platelets": 45000}, TODAY)
    first = evaluate(kept, facts, TODAY)
    for criterion in first["criteria"]:
        criterion["status"] = "spoiled"
    assert "spoiled" not in {criterion["status"] for criterion in evaluate(kept, facts, TODAY)["criteria"]}


def test_changing_one_answer_judges_again_only_the_criteria_that_read_it(pair, monkeypatch):
    from checklist.domain import engine
    kept, _fresh = pair
    judged = []
    real = engine.judge
    monkeypatch.setattr(engine, "judge", lambda criterion, *rest: judged.append(criterion["id"]) or real(criterion, *rest))
    for answers in ({"platelets": 60000}, {"platelets": 60001}, {"platelets": 60001, "ecog": 1}):
        judged.clear()
        facts, _errors = validate(kept, answers, TODAY)
        evaluate(kept, facts, TODAY)
    assert judged == ["ecog"]
