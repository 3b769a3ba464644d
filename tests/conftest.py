"""Shared fixtures: the trial, the all-criteria-met answers, and one way to evaluate answers."""
from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path

import pytest

from checklist import create_app
from checklist.answers import validate
from checklist.engine import evaluate
from checklist.rules import load_trial

ROOT = Path(__file__).resolve().parent.parent
VIGNETTES = ROOT / "helio-rt" / "vignettes"
TODAY = dt.date(2026, 6, 15)  # the vignettes' assessment date; also "today" when none is given

_FULL_ANSWERS = json.loads((VIGNETTES / "01-all-criteria-met.json").read_text(encoding="utf-8"))["answers"]


@pytest.fixture(scope="session")
def trial():
    """The trial in the repository's rules.json."""
    return load_trial()


@pytest.fixture(scope="session")
def full_answers():
    """Call it for a fresh copy of the all-criteria-met answers; keyword arguments replace facts."""
    def make(**changes):
        answers = copy.deepcopy(_FULL_ANSWERS)
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


class Actions:
    """Steps a test takes as a user of the checklist (flaskr's AuthActions, for drafts)."""

    def __init__(self, client):
        self.client = client
        page = client.get("/").text
        self.token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    def new_draft(self) -> str:
        return self.client.post("/drafts", data={"csrf_token": self.token}).location

    def answer(self, draft, headers=None, **fields):
        headers = {"HX-Request": "true", "X-CSRFToken": self.token, **(headers or {})}
        return self.client.post(f"{draft}/answers", data=fields, headers=headers)

    def evaluation(self, draft) -> dict:
        return self.client.get(f"{draft}/evaluation.json").json

    def saved(self, draft) -> dict:
        return self.evaluation(draft)["answers"]


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
