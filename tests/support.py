"""What tests share besides fixtures: the repository's paths, the vignettes' date, steps a user
takes (Actions), and `checklist serve` really started (LiveServer). Imported by both conftests and by
tests (`from support import ...`); nothing here needs a browser."""
from __future__ import annotations

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

ROOT = Path(__file__).resolve().parent.parent
VIGNETTES = ROOT / "helio-rt" / "vignettes"
TODAY = dt.date(2026, 6, 15)  # the vignettes' assessment date; also "today" when none is given
FULL_ANSWERS = json.loads((VIGNETTES / "01-all-criteria-met.json").read_text(encoding="utf-8"))["answers"]
# Every trial in the repository, by folder name: (its rules file, its vignettes). HELIO-RT, the
# default, lives at the top level; other trials under trials/<name>/.
TRIALS = {"helio-rt": (ROOT / "rules.json", VIGNETTES)} | {
    folder.name: (folder / "rules.json", folder / "vignettes")
    for folder in sorted((ROOT / "trials").iterdir()) if (folder / "rules.json").is_file()}

def trial_judging(trial, requirements: dict):
    """The trial with only one criterion per entry of `requirements` (id: require expression),
    checked against the rules schema: for tests of one part of the rules language."""
    import copy

    from checklist.domain.rules import Trial, check_rules
    rules = copy.deepcopy(trial.rules)
    rules["criteria"] = [{"id": name, "step": rules["steps"][0]["id"], "label": name, "text": name, "require": rule}
                         for name, rule in requirements.items()]
    rules.pop("patient", None)  # criteria of a test, worded for no patient
    check_rules(rules)
    return Trial(rules, trial.dictionary, trial.version)


# Debian's chromium, as the browser tests (tests/browser/) drive it
CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"phone": {"width": 375, "height": 667}, "tablet": {"width": 768, "height": 1024}}
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]


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


SECOND_TRIAL = "NCT99999999"


def second_trial_rules(folder: Path) -> Path:
    """A second trial's rules file in `folder`: HELIO-RT's with its own id and name, platelets
    of at least 100,000 where HELIO-RT asks for 60,000 (so that which trial judged shows), and a
    prior liver transplant listed as an exclusion criterion."""
    import shutil

    from checklist.bundled import DEFAULT_RULES

    shutil.copytree(DEFAULT_RULES.parent / "helio-rt", folder / "helio-rt")
    rules = json.loads(DEFAULT_RULES.read_text(encoding="utf-8"))
    rules["trial"] |= {"id": SECOND_TRIAL, "acronym": "SECOND-TRIAL", "title": "A second trial served beside the first"}
    platelets = next(criterion for criterion in rules["criteria"] if criterion["id"] == "platelets")
    platelets["require"][">="][1] = 100000
    transplant = next(criterion for criterion in rules["criteria"] if criterion["id"] == "no_liver_transplant")
    transplant |= {"kind": "exclusion", "text": "Prior liver transplantation."}
    (folder / "rules.json").write_text(json.dumps(rules), encoding="utf-8")
    return folder / "rules.json"
