"""Shared fixtures: the trial, the all-criteria-met answers, one way to evaluate answers, the app
with a test client, and `checklist serve` really started. Browser fixtures are in tests/browser/."""
from __future__ import annotations

import copy

import pytest

from checklist import create_app
from checklist.bundled import DEFAULT_RULES
from checklist.domain.answers import validate
from checklist.domain.engine import evaluate
from checklist.domain.rules import load_trial
from support import FULL_ANSWERS, TODAY, Actions, LiveServer


@pytest.fixture(scope="session")
def trial():
    """The trial in the repository's rules.json."""
    return load_trial(DEFAULT_RULES)


@pytest.fixture(scope="session")
def full_answers():
    """Call it for a fresh copy of the all-criteria-met answers; keyword arguments replace facts."""
    def make(**changes):
        answers = copy.deepcopy(FULL_ANSWERS)
        answers.update(changes)
        return answers
    return make


class InvalidAnswers(AssertionError):
    """evaluate_answers was given answers that do not validate."""


@pytest.fixture(scope="session")
def validate_answers(trial):
    """validate_answers(answers) -> (facts, errors), with today fixed."""
    def run(answers, today=TODAY):
        return validate(trial, answers, today)
    return run


@pytest.fixture(scope="session")
def evaluate_answers(trial):
    """Validate then evaluate answers with today fixed; invalid answers fail the test loudly."""
    def run(answers, today=TODAY):
        facts, errors = validate(trial, answers, today)
        if errors:
            raise InvalidAnswers(errors)
        return evaluate(trial, facts, today)
    return run


@pytest.fixture(scope="session")
def criterion():
    """criterion(doc, id): one criterion of an evaluation document."""
    def find(doc, criterion_id):
        matches = [entry for entry in doc["criteria"] if entry["id"] == criterion_id]
        assert len(matches) == 1, f"no single criterion {criterion_id!r} in the evaluation"
        return matches[0]
    return find


@pytest.fixture
def app(tmp_path):
    """The app on a fresh data folder, CSRF protection on as in production."""
    return create_app({"DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "test"})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def actions(client):
    return Actions(client)


@pytest.fixture
def own_server(tmp_path):
    """A `checklist serve` of the test's own (a LiveServer), which the test may stop and start again."""
    live = LiveServer(tmp_path / "data")
    live.start()
    yield live
    live.stop()
