"""Question views worked out from an earlier answer set's views are the views worked out afresh.

An answer reuses every question view that the facts it read and its share of the evaluation say
the change cannot touch (view.question_views' `earlier`). Here each generated answer set (tests/
parity_cases.py) is changed one answer at a time towards another, and the views after each
change, built on those before it, must equal views built from nothing.
"""
from __future__ import annotations

import datetime as dt
from random import Random

import pytest

from checklist.bundled import DEFAULT_RULES
from checklist.domain.answers import validate
from checklist.domain.engine import evaluate
from checklist.domain.rules import load_trial
from checklist.domain.view import question_views
from parity_cases import SEED, generated_cases

CASES = 300


@pytest.fixture(scope="module")
def trial():
    return load_trial(DEFAULT_RULES)


def views(trial, answers, today, confirmed, earlier=None):
    """The page's question views of these answers, or None when they are not all valid."""
    facts, errors = validate(trial, answers, today)
    if errors:
        return None
    evaluation = evaluate(trial, facts, today, confirmed)
    return question_views(trial, answers, facts, evaluation, default_units={}, confirmed=confirmed, earlier=earlier)


def steps_between(start: dict, goal: dict, random: Random):
    """The answer sets on the way from `start` to `goal`, one fact changed (or cleared) at a time."""
    answers = dict(start)
    facts = sorted(start.keys() | goal.keys())
    random.shuffle(facts)
    for fact in facts:
        if answers.get(fact) != goal.get(fact):
            answers = {**answers, fact: goal[fact]} if fact in goal else {
                name: value for name, value in answers.items() if name != fact}
            yield answers


def test_views_built_on_earlier_views_are_the_views_built_afresh(trial):
    cases = [case for case in generated_cases(trial, count=CASES, seed=SEED + 20) if isinstance(case["answers"], dict)]
    random, compared, reused = Random(SEED), 0, 0
    for start, goal in zip(cases, cases[1:]):
        today, confirmed = dt.date.fromisoformat(start["today"]), frozenset(start.get("confirmed", ()))
        earlier = views(trial, start["answers"], today, confirmed)
        for answers in steps_between(start["answers"], goal["answers"], random):
            fresh = views(trial, answers, today, confirmed)
            if earlier is None or fresh is None:
                earlier = fresh
                continue
            built = views(trial, answers, today, confirmed, earlier=earlier)
            assert dict(built) == dict(fresh), f"after {answers}"
            compared += 1
            reused += sum(built[fact] is earlier[fact] for fact in built)
            earlier = built
    assert compared > 1000 and reused > 20 * compared  # most views are reused, and all are checked


def test_views_are_not_reused_under_other_circumstances(trial):
    case = next(case for case in generated_cases(trial, count=50, seed=SEED) if views(
        trial, case["answers"], dt.date.fromisoformat(case["today"]), frozenset()) is not None)
    today = dt.date.fromisoformat(case["today"])
    earlier = views(trial, case["answers"], today, frozenset())
    facts, _errors = validate(trial, case["answers"], today)
    later = question_views(trial, case["answers"], facts, evaluate(trial, facts, today, frozenset()),
                           default_units={"platelets": "10^9/L"}, earlier=earlier)
    assert not any(later[fact] is earlier[fact] for fact in later)
