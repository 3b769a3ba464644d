"""Shared fixtures: the trial, the all-criteria-met answers, and one way to evaluate answers."""
from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from checklist import create_app
from checklist.domain.answers import validate
from checklist.domain.engine import evaluate
from checklist.bundled import DEFAULT_RULES
from checklist.domain.rules import load_trial

ROOT = Path(__file__).resolve().parent.parent
VIGNETTES = ROOT / "helio-rt" / "vignettes"
TODAY = dt.date(2026, 6, 15)  # the vignettes' assessment date; also "today" when none is given

_FULL_ANSWERS = json.loads((VIGNETTES / "01-all-criteria-met.json").read_text(encoding="utf-8"))["answers"]


@pytest.fixture(scope="session")
def trial():
    """The trial in the repository's rules.json."""
    return load_trial(DEFAULT_RULES)


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


# The real app, really started, and Debian's chromium -------------------------------------------

CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"phone": {"width": 375, "height": 667}, "tablet": {"width": 768, "height": 1024}}
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveServer:
    """`checklist serve` on a free loopback port with its own data folder; it can be stopped and
    started again on the same port and folder (the server going away, then coming back)."""

    def __init__(self, data: Path, *arguments: str):
        self.port, self.data, self.arguments = free_port(), data, arguments
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen([sys.executable, "-m", "checklist", "serve", "--port", str(self.port),
                                         "--data", str(self.data), *self.arguments], env=env,
                                        stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                self.ping()
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.process.kill()
                    raise RuntimeError("checklist serve did not start") from None
                time.sleep(0.1)

    def ping(self) -> None:
        urllib.request.urlopen(self.url + "/ping", timeout=1).close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def own_server(tmp_path):
    """A `checklist serve` of the test's own (a LiveServer), which the test may stop and start again."""
    live = LiveServer(tmp_path / "data")
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The URL of a real `checklist serve`, shared by a module's tests."""
    live = LiveServer(tmp_path_factory.mktemp("data"))
    live.start()
    yield live.url
    live.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()
