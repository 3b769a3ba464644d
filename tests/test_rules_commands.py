"""`checklist rules check FILE` reports every problem of a rules file; `checklist rules show FILE`
prints the rules in words, beside the protocol's, for a principal investigator to review."""
from __future__ import annotations

import html
import json
import re
import shutil

import pytest

from checklist.bundled import DEFAULT_RULES
from checklist.cli import main


@pytest.fixture
def rules_copy(tmp_path):
    """(path, rules): a copy of the trial's rules beside its dictionary, to change and write back."""
    shutil.copytree(DEFAULT_RULES.parent / "helio-rt", tmp_path / "helio-rt")
    path = tmp_path / "rules.json"
    return path, json.loads(DEFAULT_RULES.read_text(encoding="utf-8"))


def write(path, rules):
    path.write_text(json.dumps(rules), encoding="utf-8")
    return str(path)


@pytest.fixture
def sheet(capsys):
    assert main(["rules", "show", str(DEFAULT_RULES)]) == 0
    return capsys.readouterr().out


def test_a_sound_rules_file_is_checked_with_a_count_of_what_it_holds(trial, capsys):
    assert main(["rules", "check", str(DEFAULT_RULES)]) == 0
    said = capsys.readouterr().out
    assert f"{len(trial.questions)} questions" in said and f"{len(trial.criteria)} criteria" in said


def test_every_problem_of_a_rules_file_is_reported_with_its_path(rules_copy, capsys):
    path, rules = rules_copy
    del rules["criteria"][0]["text"]
    rules["questions"]["platelets"]["type"] = "count"
    assert main(["rules", "check", write(path, rules)]) == 2
    said = capsys.readouterr().err
    assert "criteria/0: 'text' is a required property" in said
    assert "questions/platelets/type" in said


def test_the_sheet_has_every_criterion_with_its_protocol_text(trial, sheet):
    for criterion in trial.criteria:
        assert html.escape(criterion["label"], quote=False) in sheet
        assert html.escape(criterion["text"], quote=False) in sheet


@pytest.mark.parametrize("said", [
    "Platelets ≥ 60,000 cells/mm³",
    "AST ≤ 6 × AST upper limit of normal",
    "Summed diameter of intrahepatic HCC &lt; 20 cm",
    "Pregnancy test date is within 30 days before the assessment date",
    "if Pregnancy test result is answered:",
    "<strong>Applies when:</strong> Planned immunotherapy regimen is atezolizumab + bevacizumab",
    "Payment coverage for both arms is confirmed (until then, open: confirm payment coverage",
    "A if ≤ 6; B if ≤ 9; C otherwise",
    "Total bilirubin in µmol/L: 1 point if &lt; 34; 2 points if ≤ 50; 3 points otherwise",
    "Ascites: none 1 point, mild 2 points, moderate to severe 3 points",
    "washout: the longer of 28 days and 5 half-lives",
    "window: 6 months before the assessment date",
])
def test_the_sheet_says_each_rule_in_words(sheet, said):
    assert said in sheet


def test_the_sheet_lists_every_question_and_calculated_value(trial, sheet):
    for fact, question in trial.questions.items():
        assert f'<span class="id">{fact}</span>' in sheet
    for name in trial.derived:
        assert f'<span class="id">{name}</span>' in sheet
    assert "only if Childbearing potential is yes" in sheet
    assert "not asked, and taken as no, when Sex recorded at birth is male" in sheet


def test_the_sheet_fetches_nothing_and_has_room_to_sign(sheet):
    assert not re.search(r'\s(src|href)=', sheet)
    assert "Reviewed against the protocol by" in sheet


def test_markup_in_a_rules_file_is_shown_as_text(rules_copy, capsys):
    path, rules = rules_copy
    rules["criteria"][0]["text"] = "<script>alert(1)</script> Diagnosis"
    assert main(["rules", "show", write(path, rules)]) == 0
    out = capsys.readouterr().out
    assert "<script>" not in out and "&lt;script&gt;alert(1)&lt;/script&gt; Diagnosis" in out
