"""Every vignette of every trial in the repository (support.TRIALS), through the engine and through
`checklist evaluate --rules`, checked against every kind of expectation the contract defines."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from checklist.domain.answers import validate
from checklist.domain.engine import evaluate
from checklist.domain.rules import load_trial
from support import TODAY, TRIALS

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "helio-rt"
VIGNETTE_FILES = [(name, path) for name, (_rules, folder) in TRIALS.items() for path in sorted(folder.glob("*.json"))]
LOADED = {}
KNOWN_EXPECTATIONS = {"verdict", "steps", "derived", "not_met_facts_any", "criterion_status",
                      "missing_includes", "missing_includes_any", "missing_excludes", "error",
                      "error_mentions"}


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def trial_named(name: str):
    """The trial of a folder of support.TRIALS, loaded once."""
    if name not in LOADED:
        LOADED[name] = load_trial(TRIALS[name][0])
    return LOADED[name]


def vignette_params(kind):
    """(trial, vignette file) for those whose expectation is an evaluation ('result') or an error ('error')."""
    return [pytest.param(name, path, id=f"{name}/{path.name}") for name, path in VIGNETTE_FILES
            if bool(load(path)["expect"].get("error")) == (kind == "error")]


def judged(name: str, answers: dict):
    """(facts, errors) of answers under the named trial, today fixed."""
    return validate(trial_named(name), answers, TODAY)


def evaluated(name: str, answers: dict) -> dict:
    facts, errors = judged(name, answers)
    assert not errors, errors
    return evaluate(trial_named(name), facts, TODAY)


def test_every_trial_has_vignettes_of_both_kinds_and_every_added_trial_at_least_ten():
    assert len(TRIALS) >= 2
    for name in TRIALS:
        kinds = [bool(load(path)["expect"].get("error")) for trial, path in VIGNETTE_FILES if trial == name]
        assert True in kinds and False in kinds, name
        assert name == "helio-rt" or len(kinds) >= 10, name  # HELIO-RT's are the shared set


@pytest.mark.parametrize("name, path", [pytest.param(name, p, id=f"{name}/{p.name}") for name, p in VIGNETTE_FILES])
def test_vignette_expects_only_what_the_contract_defines(name, path):
    vignette = load(path)
    assert set(vignette) >= {"name", "answers", "expect"}
    assert set(vignette["expect"]) <= KNOWN_EXPECTATIONS
    assert "verdict" in vignette["expect"] or vignette["expect"].get("error") is True


def assert_expectations(doc: dict, expect: dict) -> None:
    """Every expectation key of a vignette (or a clinical case) against one evaluation document;
    `warnings_include` names facts an entry of the document's `warnings` must name."""
    criteria = doc["criteria"]
    assert doc["verdict"] == expect["verdict"]
    for step, verdict in expect.get("steps", {}).items():
        assert doc["steps"][step] == verdict, step
    for name, value in expect.get("derived", {}).items():
        assert name in doc["derived"], name
        assert doc["derived"][name] == pytest.approx(value, abs=0.15), name
    for group in expect.get("not_met_facts_any", []):
        assert any(c["status"] == "not_met" and set(group) & set(c["facts"]) for c in criteria), group
    for fact, status in expect.get("criterion_status", {}).items():
        assert any(fact in c["facts"] and c["status"] == status for c in criteria), (fact, status)
    for fact in expect.get("missing_includes", []):
        assert fact in doc["missing"], fact
    if "missing_includes_any" in expect:
        assert set(expect["missing_includes_any"]) & set(doc["missing"]), expect["missing_includes_any"]
    for fact in expect.get("missing_excludes", []):
        assert fact not in doc["missing"], fact
    warned = {warning.get("fact") for warning in doc.get("warnings", [])}
    for fact in expect.get("warnings_include", []):
        assert fact in warned, fact
    for key, value in expect.get("window", {}).items():
        assert doc["window"][key] == value, (key, doc["window"])
    for choice, verdict in expect.get("alternatives", {}).items():
        assert {c["value"]: c["verdict"] for c in doc["alternatives"]["choices"]}[choice] == verdict, choice


@pytest.mark.parametrize("name, path", vignette_params("result"))
def test_vignette_evaluates_as_expected(name, path):
    vignette = load(path)
    assert_expectations(evaluated(name, vignette["answers"]), vignette["expect"])


@pytest.mark.parametrize("name, path", vignette_params("result"))
def test_vignette_every_decided_criterion_gives_a_reason(name, path):
    doc = evaluated(name, load(path)["answers"])
    for criterion in doc["criteria"]:
        if criterion["status"] in ("met", "not_met"):
            assert criterion["reason"].strip(), criterion["id"]


@pytest.mark.parametrize("name, path", vignette_params("result"))
def test_vignette_missing_is_exactly_what_open_criteria_still_need(name, path):
    doc, trial = evaluated(name, load(path)["answers"]), trial_named(name)
    open_criteria = [c for c in doc["criteria"] if c["status"] == "unknown"]
    assert doc["missing"] == trial.in_order(doc["missing"])
    for fact in doc["missing"]:
        assert any(fact in c["facts"] for c in open_criteria), fact
    for criterion in open_criteria:
        assert set(criterion["facts"]) & set(doc["missing"]), criterion["id"]


@pytest.mark.parametrize("name, path", vignette_params("error"))
def test_vignette_is_refused_naming_the_fact(name, path):
    vignette = load(path)
    _facts, errors = judged(name, vignette["answers"])
    assert errors
    mentioned = vignette["expect"]["error_mentions"]
    assert mentioned in errors
    assert mentioned in errors[mentioned]


def run_cli(answers: dict, name: str = "helio-rt") -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "checklist", "evaluate", "--rules", str(TRIALS[name][0]), "-"],
                          input=json.dumps(answers), capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=60)


@pytest.mark.parametrize("name, path", vignette_params("result"))
def test_cli_prints_the_vignette_verdict_and_exits_0(name, path):
    vignette = load(path)
    result = run_cli(vignette["answers"], name)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["verdict"] == vignette["expect"]["verdict"]
    assert doc["assessment_date"] == vignette["answers"]["assessment_date"]


@pytest.mark.parametrize("name, path", vignette_params("error"))
def test_cli_refuses_the_invalid_vignette_with_exit_2_and_names_the_fact(name, path):
    vignette = load(path)
    result = run_cli(vignette["answers"], name)
    assert result.returncode == 2
    assert result.stdout == ""
    assert vignette["expect"]["error_mentions"] in result.stderr


def test_cli_names_every_offending_fact(full_answers):
    result = run_cli(full_answers(platelets="lots", ecog=9, shoe_size=42))
    assert result.returncode == 2
    assert result.stdout == ""
    for fact in ("platelets", "ecog", "shoe_size"):
        assert fact in result.stderr, fact


@pytest.mark.skipif(not SHARED.is_dir(), reason="no ../shared/helio-rt beside the repository")
def test_repository_copy_of_helio_rt_is_byte_identical_to_the_shared_one():
    def files(top: Path) -> dict:
        return {path.relative_to(top).as_posix(): path.read_bytes()
                for path in sorted(top.rglob("*")) if path.is_file()}
    ours, shared = files(ROOT / "helio-rt"), files(SHARED)
    assert sorted(ours) == sorted(shared)
    for name in shared:
        assert ours[name] == shared[name], name


@pytest.mark.skipif(not SHARED.is_dir(), reason="no ../shared beside the repository")
def test_repository_copy_of_the_contract_is_identical_to_the_shared_one():
    assert (ROOT / "docs" / "CONTRACT.md").read_bytes() == (SHARED.parent / "CONTRACT.md").read_bytes()


def test_cli_refuses_a_typed_value_on_the_other_side_of_a_limit_with_exit_2(full_answers):
    # (140 - 60) x 26.64 / (72 x 1) = 29.6 mL/min: a typed 30 is within 0.5 but would pass.
    result = run_cli(full_answers(age_years=60, weight=26.64, serum_creatinine=1, creatinine_clearance=30))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "creatinine_clearance" in result.stderr
