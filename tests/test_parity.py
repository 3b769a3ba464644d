"""The JavaScript engine (static/engine.js) gives the documents the Python engine gives.

Python is the reference. Every vignette and thousands of generated answer sets (tests/
parity_cases.py) go through both: Python in-process, JavaScript in one `node` process that reads
every case on standard input and writes every result on standard output. Valid answers must give
the same evaluation document, key order and number types included; invalid answers the same
errors, fact by fact, word for word. Cases may carry the facts confirmed on a draft. The offline
page (static/view.js) shows what the server's page shows (view.py): the same questions, notes,
verdict panel and progress.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from checklist.domain.answers import validate
from checklist.domain.engine import Context, assessment_date_of, evaluate
from checklist.bundled import DEFAULT_RULES
from checklist.domain.patients import patient_questions, patient_verdict
from checklist.domain.rules import load_trial
from checklist.domain.view import asked, progress, question_views, verdict_view
from checklist.domain.wording import MESSAGES
from parity_cases import SEED, as_sent_by_javascript, clinical_cases, generated_cases, language_trial, vignette_cases
from support import TODAY, TRIALS

ENGINE_JS = Path(__file__).resolve().parent.parent / "static" / "engine.js"
VIEW_JS = ENGINE_JS.with_name("view.js")
# Reads {rules, dictionary, version, cases} on stdin; writes one {errors, evaluation} per case.
NODE_RUNNER = """
const engine = require(process.argv[1]);
const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => {
  const {rules, dictionary, version, cases} = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const trial = engine.createTrial(rules, dictionary, version);
  const results = cases.map(({answers, today, confirmed}) => {
    try { return engine.evaluateAnswers(trial, answers, today, confirmed); }
    catch (error) { return {crash: String(error)}; }
  });
  process.stdout.write(JSON.stringify(results));
});
"""

# The same, for the view model of the page (static/view.js, beside engine.js; offline.js paints it).
VIEW_RUNNER = NODE_RUNNER.replace('const engine = require(process.argv[1]);',
                                  'const engine = require(process.argv[1]); const view = require(process.argv[2]);')
# The questions the page asks (offline.js shows and hides them by it).
NODE_ASKED = VIEW_RUNNER.replace("engine.evaluateAnswers(", "view.askedQuestions(")
# What the page shows: each question's visibility, notes and calculated value, the verdict panel, the progress.
NODE_VIEW = VIEW_RUNNER.replace(
    "try { return engine.evaluateAnswers(trial, answers, today, confirmed); }",
    "try { const page = view.pageView(trial, answers, today, confirmed, messages);"
    " return page && {verdict: page.verdict, questions: page.questions, progress: page.progress}; }").replace(
    "const {rules, dictionary, version, cases}", "const {rules, dictionary, version, cases, messages}")


# What a patient is told of the answers (patients.patient_verdict; view.js patientVerdict).
NODE_PATIENT = VIEW_RUNNER.replace(
    "const results = cases.map(({answers, today, confirmed}) => {",
    "const results = cases.map(({answers, today, confirmed, unsure, language}) => {").replace(
    "try { return engine.evaluateAnswers(trial, answers, today, confirmed); }",
    "try { const {evaluation} = engine.evaluateAnswers(trial, answers, today, confirmed);"
    " return evaluation && view.patientVerdict(trial, evaluation, answers, unsure, language); }")


def python_result(trial, case) -> dict:
    """What the JavaScript engine must return for this case, computed by the Python engine."""
    today = dt.date.fromisoformat(case["today"])
    try:
        facts, errors = validate(trial, case["answers"], today)
        if errors:
            return {"errors": errors, "evaluation": None}
        return {"errors": {}, "evaluation": evaluate(trial, facts, today, case.get("confirmed", ()))}
    except Exception as crash:  # compared, so a crash on one side only is a failure
        return {"crash": repr(crash)}


def python_asked(trial, case) -> list[str]:
    """The questions the server's page asks with these answers (the valid ones)."""
    today = dt.date.fromisoformat(case["today"])
    facts, errors = validate(trial, case["answers"], today)
    facts = {fact: value for fact, value in facts.items() if fact not in errors}
    context = Context(trial, facts, assessment_date_of(facts, today), confirmed=frozenset(case.get("confirmed", ())))
    return [fact for fact in trial.questions if asked(trial, fact, context)]


def python_view(trial, case):
    """What the server's page shows of these answers: each question's visibility, notes and
    calculated value, the verdict panel and the progress line (view.py); None for invalid answers."""
    today = dt.date.fromisoformat(case["today"])
    facts, errors = validate(trial, case["answers"], today)
    if errors:
        return None
    confirmed = frozenset(case.get("confirmed", ()))
    evaluation = evaluate(trial, facts, today, confirmed)
    views = question_views(trial, case["answers"], facts, evaluation, default_units={}, confirmed=confirmed)
    return {"verdict": verdict_view(trial, evaluation, case["answers"]),
            "questions": {fact: {"visible": view.visible, "derived": view.derived, "calculated": view.calculated}
                          for fact, view in views.items()},
            "progress": progress(trial, case["answers"], evaluation)}


def view_mismatches(trial, cases) -> tuple[list, list]:
    """(the cases whose page view differs between view.py and static/view.js, the JavaScript views)."""
    javascript = javascript_results(trial, cases, NODE_VIEW)
    found = [(case["name"], python, script) for case, python, script
             in zip(cases, (python_view(trial, case) for case in cases), javascript, strict=True)
             if json.loads(json.dumps(python)) != script]
    return found, javascript


def javascript_results(trial, cases, runner=NODE_RUNNER) -> list:
    assert shutil.which("node"), "Node.js (the `node` command) is needed to run the JavaScript engine"
    request = {"rules": trial.rules, "dictionary": trial.dictionary, "version": trial.version,
               "cases": [{"answers": case["answers"], "today": case["today"], "confirmed": case.get("confirmed", []),
                          "unsure": case.get("unsure", []), "language": case.get("language", "en")}
                         for case in cases], "messages": MESSAGES}
    finished = subprocess.run(["node", "-e", runner, str(ENGINE_JS), str(VIEW_JS)], input=json.dumps(request),
                              capture_output=True, text=True, encoding="utf-8", timeout=120, check=False)
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout)


def comparable(result: dict) -> dict:
    """Errors are a set of (fact, message): their order is not part of the contract."""
    if "crash" in result:
        return {"crash": True}
    return dict(result, errors=dict(sorted(result["errors"].items())))


def first_difference(expected, actual, path="$"):
    """The path and both values where two JSON documents first differ (order and types count)."""
    if type(expected) is not type(actual):
        return path, expected, actual
    if isinstance(expected, dict):
        if list(expected) != list(actual):
            return f"{path} (keys)", list(expected), list(actual)
        pairs = [(f"{path}.{key}", expected[key], actual[key]) for key in expected]
    elif isinstance(expected, list):
        if len(expected) != len(actual):
            return f"{path} (length)", len(expected), len(actual)
        pairs = [(f"{path}[{index}]", item, actual[index]) for index, item in enumerate(expected)]
    else:
        return None if expected == actual else (path, expected, actual)
    for child_path, left, right in pairs:
        found = first_difference(left, right, child_path)
        if found:
            return found
    return None


def mismatches(trial, cases, python_results=None):
    """[(case, path, python value, javascript value)] for every case where the engines differ."""
    python_results = python_results or [python_result(trial, case) for case in cases]
    found = []
    for case, python, javascript in zip(cases, python_results, javascript_results(trial, cases), strict=True):
        # Through JSON, as the JavaScript result came: Python's document then has JSON's types.
        difference = first_difference(comparable(json.loads(json.dumps(python))), comparable(javascript))
        if difference:
            found.append((case, *difference))
    return found


def describe(found) -> str:
    case, path, python, javascript = found[0]
    return (f"{len(found)} case(s) differ; the first, {case['name']} (today {case['today']}):\n"
            f"  answers: {json.dumps(case['answers'], separators=(',', ':'))}\n"
            f"  at {path}\n  python:     {python!r}\n  javascript: {javascript!r}")


@pytest.fixture(scope="module")
def cases(trial):
    return list(vignette_cases()) + list(clinical_cases()) + list(generated_cases(trial))


@pytest.fixture(scope="module")
def python_results(trial, cases):
    return [python_result(trial, case) for case in cases]


@pytest.fixture(scope="module")
def language(trial):
    """(trial, cases, Python results) for the trial with a criterion for every part of the language."""
    trial = language_trial(trial)
    cases = list(generated_cases(trial, count=1500, seed=SEED + 1))
    return trial, cases, [python_result(trial, case) for case in cases]


def test_every_vignette_and_generated_answer_set_gives_identical_documents(trial, cases, python_results):
    found = mismatches(trial, cases, python_results)
    assert not found, describe(found)


OTHER_TRIALS = [name for name in TRIALS if name != "helio-rt"]


def trial_cases(name: str) -> tuple:
    """(trial, its vignettes and 1,500 answer sets drawn for it, their Python results)."""
    rules, vignettes = TRIALS[name]
    trial = load_trial(rules)
    documents = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(vignettes.glob("*.json"))]
    cases = [{"name": f"{name}/{document['name']}", "today": TODAY.isoformat(),
              "answers": as_sent_by_javascript(document["answers"])} for document in documents]
    cases += list(generated_cases(trial, count=1500, seed=SEED + 30, full_answers=documents[0]["answers"]))
    return trial, cases, [python_result(trial, case) for case in cases]


@pytest.mark.parametrize("name", OTHER_TRIALS)
def test_every_other_trials_vignettes_and_generated_answer_sets_give_identical_documents(name):
    trial, cases, results = trial_cases(name)
    found = mismatches(trial, cases, results)
    assert not found, describe(found)
    assert_every_status_is_reached(trial, results)


@pytest.mark.parametrize("name", OTHER_TRIALS)
def test_every_other_trials_offline_page_shows_what_the_server_page_shows(name):
    trial, cases, _results = trial_cases(name)
    found, _views = view_mismatches(trial, cases[:500])
    assert not found, f"{len(found)} case(s) differ; the first: {found[0]}"


def test_every_part_of_the_rules_language_gives_identical_documents(language):
    found = mismatches(*language)
    assert not found, describe(found)


def test_the_offline_page_asks_the_questions_the_server_page_asks(trial, cases):
    asked_cases = cases[:1500]
    javascript = javascript_results(trial, asked_cases, NODE_ASKED)
    found = [(case["name"], python, script) for case, python, script
             in zip(asked_cases, (python_asked(trial, case) for case in asked_cases), javascript, strict=True)
             if python != script]
    assert not found, f"{len(found)} case(s) differ; the first: {found[0]}"


def test_a_changed_reason_is_caught_and_shown(monkeypatch):
    """The comparison can fail: a Python document altered by one word is reported, with its case."""
    import checklist.domain.engine as engine

    original = engine._sentence
    monkeypatch.setattr(engine, "_sentence", lambda text: original(text).replace("below", "under"))
    trial = load_trial(DEFAULT_RULES)  # its own: the shared trial's memo must not keep the altered reasons
    found = mismatches(trial, [case for case in vignette_cases() if case["name"].startswith("02-")])
    assert found and ".reason" in found[0][1]
    assert "02-low-platelets.json" in describe(found)


def test_generated_cases_reach_every_status_of_every_criterion_every_verdict_and_errors(trial, python_results):
    assert_every_status_is_reached(trial, python_results)
    outcomes = Counter("errors" if result["errors"] else result["evaluation"]["verdict"] for result in python_results)
    assert min(outcomes[kind] for kind in ("eligible", "ineligible", "incomplete", "errors")) >= 50, outcomes


def test_generated_cases_reach_windows_that_open_and_close_and_alternatives_that_differ(trial, python_results):
    """So that the comparison of `window` and `alternatives` compares something."""
    documents = [result["evaluation"] for result in python_results if result.get("evaluation")]
    reached = Counter()
    for document in documents:
        window, registration = document["window"], document["window"]["registration"]
        reached["opens"] += any(event["date"] == window["from"] for event in window["events"])
        reached["closes"] += bool(window["until"])
        reached["registration later"] += bool(registration and registration["from"]
                                              and registration["from"] > document["assessment_date"])
        reached["lapses"] += any(event["was"] == "not_met" for event in window["events"])
        reached["alternatives differ"] += len({choice["verdict"] for choice in document["alternatives"]["choices"]}) > 1
    assert min(reached[kind] for kind in ("opens", "closes", "lapses", "alternatives differ")) >= 20, reached
    assert reached["registration later"] >= 5, reached  # the clinical cases 749 to 753 among them


def test_language_cases_reach_every_status_of_every_criterion(language):
    trial, _cases, results = language
    assert_every_status_is_reached(trial, results)


def assert_every_status_is_reached(trial, results):
    """No case crashes, and every criterion is met, not met and unknown (and not applicable when
    it can be) in some case."""
    statuses = set()
    for result in results:
        assert "crash" not in result, result["crash"]
        if not result["errors"]:
            statuses.update((entry["id"], entry["status"]) for entry in result["evaluation"]["criteria"])
    for criterion in trial.criteria:
        wanted = {"met", "not_met", "unknown"} | ({"not_applicable"} if "applies" in criterion else set())
        assert wanted <= {status for (name, status) in statuses if name == criterion["id"]}, criterion["id"]


def test_the_offline_page_shows_what_the_server_page_shows(trial, cases):
    found, javascript = view_mismatches(trial, cases[:1500])
    assert not found, f"{len(found)} case(s) differ; the first: {found[0]}"
    shown = [view for view in javascript if view]
    questions = [question for view in shown for question in view["questions"].values()]
    assert len(shown) > 1000
    assert any(question["derived"] for question in questions) and any(question["calculated"] for question in questions)
    assert any(awaiting for view in shown for _fact, _label, awaiting in view["verdict"]["missing"])
    assert any(not question["visible"] for question in questions)


def patient_cases(trial, cases) -> list[dict]:
    """The cases as a patient might leave them: some of the patient's questions "not sure" (so
    unanswered), in English or Spanish."""
    asked = patient_questions(trial)
    chosen = []
    for index, case in enumerate(case for case in cases if isinstance(case["answers"], dict)):
        unsure = [fact for place, fact in enumerate(asked) if (index >> (place % 5)) % 3 == 0]
        chosen.append({**case, "answers": {fact: value for fact, value in case["answers"].items() if fact not in unsure},
                       "unsure": unsure, "language": ("en", "es")[index % 2]})
    return chosen


def python_patient_verdict(trial, case):
    today = dt.date.fromisoformat(case["today"])
    facts, errors = validate(trial, case["answers"], today)
    if errors:
        return None
    evaluation = evaluate(trial, facts, today, frozenset(case.get("confirmed", ())))
    return patient_verdict(trial, evaluation, case["answers"], case["unsure"], case["language"])


def test_the_offline_patient_page_tells_what_the_server_tells(trial, cases):
    checked = patient_cases(trial, cases[:1500])
    javascript = javascript_results(trial, checked, NODE_PATIENT)
    python = [python_patient_verdict(trial, case) for case in checked]
    found = [(case["name"], one, other) for case, one, other in zip(checked, python, javascript, strict=True)
             if json.loads(json.dumps(one)) != other]
    assert not found, f"{len(found)} case(s) differ; the first: {found[0]}"
    told = [verdict for verdict in python if verdict]
    assert {verdict["kind"] for verdict in told} == {"nothing_rules_out", "may_not_fit"}
    assert any(item["unsure"] for verdict in told for item in verdict["care_team"])


def test_the_view_comparison_can_fail(trial, cases, monkeypatch):
    """A note worded differently by the server's page is reported."""
    import checklist.domain.view as view
    monkeypatch.setattr(view, "_say_derived", lambda trial, context, name, value: "changed")
    checked = [case for case in cases[:300] if python_view(trial, case)]
    javascript = javascript_results(trial, checked, NODE_VIEW)
    assert any(json.loads(json.dumps(python_view(trial, case))) != script for case, script in zip(checked, javascript))
