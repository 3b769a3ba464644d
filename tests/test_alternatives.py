"""Eligible with which regimen: the rules name a question whose choices are alternatives (in
HELIO-RT, the planned immunotherapy regimen), and the evaluation gives the verdict for each choice,
the criteria that differ between them and when each allows registration. From the listing: the
bleeding exclusion applies only to atezolizumab + bevacizumab. Shown on the page beside the
verdict, in `checklist evaluate`, and on page 1 of the signed summary."""
from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys

import pytest

from checklist.domain.answers import validate
from checklist.domain.engine import evaluate
from checklist.domain.rules import Trial, cross_check, load_trial
from checklist.domain.view import alternatives_table
from support import ROOT, TRIALS
from test_registration_window import helio
from test_summary import Export, pdf_text, squeezed

ATEZO_BEV, DURVA_TREME, IPI_NIVO = "atezolizumab_bevacizumab", "durvalumab_tremelimumab", "ipilimumab_nivolumab"


def evaluated(trial, answers) -> dict:
    today = dt.date.fromisoformat(answers["assessment_date"])
    facts, errors = validate(trial, answers, today)
    assert not errors, errors
    return evaluate(trial, facts, today)


def by_choice(document) -> dict:
    return {choice["value"]: choice for choice in document["alternatives"]["choices"]}


def test_every_choice_of_the_planned_regimen_is_judged(trial):
    assert list(by_choice(evaluated(trial, helio()))) == [ATEZO_BEV, DURVA_TREME, IPI_NIVO, "other"]


def test_without_a_bleed_every_regimen_keeps_the_patient_eligible(trial):
    document = evaluated(trial, helio(last_significant_bleed_date="2025-01-15"))
    assert {choice["verdict"] for choice in document["alternatives"]["choices"]} == {"eligible"}


def test_a_criterion_that_applies_to_one_choice_only_differs_even_when_the_verdicts_agree(trial):
    choices = by_choice(evaluated(trial, helio(last_significant_bleed_date="2025-01-15")))
    assert [(c["id"], c["status"]) for c in choices[ATEZO_BEV]["criteria"]] == [("no_recent_bleed_with_bevacizumab", "met")]
    assert [(c["id"], c["status"]) for c in choices[IPI_NIVO]["criteria"]] == [
        ("no_recent_bleed_with_bevacizumab", "not_applicable")]


def test_choices_whose_verdicts_agree_need_no_table(trial):
    assert alternatives_table(evaluated(trial, helio(last_significant_bleed_date="2025-01-15"))) is None


def test_a_bleed_two_months_ago_excludes_atezolizumab_bevacizumab_only(trial):
    choices = by_choice(evaluated(trial, helio(planned_regimen=ATEZO_BEV)))
    assert {value: choice["verdict"] for value, choice in choices.items()} == {
        ATEZO_BEV: "ineligible", DURVA_TREME: "eligible", IPI_NIVO: "eligible", "other": "eligible"}


def test_the_criterion_that_differs_is_named_with_its_reason_for_each_choice(trial):
    choices = by_choice(evaluated(trial, helio(planned_regimen=ATEZO_BEV)))
    assert [(c["id"], c["status"]) for c in choices[ATEZO_BEV]["criteria"]] == [
        ("no_recent_bleed_with_bevacizumab", "not_met")]
    assert [(c["id"], c["status"]) for c in choices[DURVA_TREME]["criteria"]] == [
        ("no_recent_bleed_with_bevacizumab", "not_applicable")]
    assert "2026-10-01" in choices[ATEZO_BEV]["criteria"][0]["reason"]


def test_each_choice_says_until_when_it_allows_registration(trial):
    choices = by_choice(evaluated(trial, helio(planned_regimen=ATEZO_BEV)))
    assert choices[DURVA_TREME]["registration"] == {"from": "2026-11-14", "until": "2026-12-14"}
    assert choices[ATEZO_BEV]["registration"] is None


def test_when_no_regimen_keeps_the_patient_eligible_every_choice_says_not_eligible(trial):
    document = evaluated(trial, helio(platelets=40000))
    assert {choice["verdict"] for choice in document["alternatives"]["choices"]} == {"ineligible"}
    assert alternatives_table(document) is None


def test_with_no_regimen_answered_the_verdict_waits_but_the_choices_are_compared(trial):
    document = evaluated(trial, helio(planned_regimen=None))
    assert (document["verdict"], document["alternatives"]["answer"]) == ("incomplete", None)
    assert by_choice(document)[DURVA_TREME]["verdict"] == "eligible"


def test_the_table_gives_each_choice_its_verdict_and_what_stands_in_its_way(trial):
    table = alternatives_table(evaluated(trial, helio(planned_regimen=ATEZO_BEV)))
    assert table["caption"] == "Planned immunotherapy regimen: the verdict for each choice"
    rows = {choice: (verdict, said) for choice, verdict, said in table["rows"]}
    assert rows["atezolizumab + bevacizumab"][0] == "ineligible"
    assert rows["atezolizumab + bevacizumab"][1].startswith("No recent bleed (atezolizumab + bevacizumab): ")
    assert rows["durvalumab + tremelimumab"] == ("eligible", "registration possible from 2026-11-14 to 2026-12-14")


def test_a_trial_that_names_no_alternatives_has_none():
    dapa = load_trial(TRIALS["dapa-ckd"][0])
    answers = json.loads((TRIALS["dapa-ckd"][1] / "01-all-criteria-met.json").read_text(encoding="utf-8"))["answers"]
    assert evaluated(dapa, answers)["alternatives"] is None


def test_another_trial_names_its_own_alternatives_a_yes_no_question_among_them():
    dapa = load_trial(TRIALS["dapa-ckd"][0])
    rules = copy.deepcopy(dapa.rules) | {"alternatives": "sglt2i_ever"}
    answers = json.loads((TRIALS["dapa-ckd"][1] / "10-sglt2-inhibitor-7-weeks-ago.json").read_text(encoding="utf-8"))["answers"]
    document = evaluated(Trial(rules, dapa.dictionary), answers)
    assert {choice["value"]: choice["verdict"] for choice in document["alternatives"]["choices"]} == {
        True: "ineligible", False: "eligible"}


def test_rules_check_refuses_alternatives_that_are_not_a_choice(trial):
    rules = copy.deepcopy(trial.rules) | {"alternatives": "platelets"}
    assert "alternatives: 'platelets' is not a choice or yes/no question" in list(cross_check(Trial(rules, trial.dictionary)))


def test_checklist_evaluate_prints_the_alternatives_and_the_window(tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(helio(planned_regimen=ATEZO_BEV)), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "checklist", "evaluate", str(answers)], capture_output=True,
                          text=True, cwd=ROOT, check=True)
    document = json.loads(done.stdout)
    assert by_choice(document)[DURVA_TREME]["registration"]["until"] == "2026-12-14"
    assert document["window"]["until"] == "2027-04-01"


# On the page and on page 1 of the summary -----------------------------------------------------

@pytest.fixture(scope="module")
def export(tmp_path_factory):
    return Export(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def bleed_on_atezolizumab(export):
    """A draft of a patient with a bleed 2 months ago and a pregnancy test 20 days old, planned
    for atezolizumab + bevacizumab."""
    return export.draft(helio(planned_regimen=ATEZO_BEV))


def test_the_page_shows_the_verdict_for_each_regimen_beside_the_verdict(export, bleed_on_atezolizumab):
    page = export.client.get(bleed_on_atezolizumab).text
    panel = page[page.index('id="verdict"'):page.index('class="detail"')]
    assert "Planned immunotherapy regimen: the verdict for each choice" in panel
    assert "registration possible from 2026-11-14 to 2026-12-14" in panel


def test_the_page_says_until_when_the_verdict_holds(export, bleed_on_atezolizumab):
    page = export.client.get(bleed_on_atezolizumab).text
    assert "Not eligible for assessment dates from 2026-10-01 to 2027-04-01." in page
    assert "From 2027-04-02, No recent bleed (atezolizumab + bevacizumab): Met." in page


def test_an_answer_that_changes_the_alternatives_sends_the_whole_panel(export):
    draft = export.draft(helio(planned_regimen=ATEZO_BEV, last_significant_bleed_date="2025-01-15"))
    reply = export.actions.answer(draft, last_significant_bleed_date="2026-10-01").text
    assert 'id="verdict"' in reply and "the verdict for each choice" in reply


def test_page_1_of_the_signed_summary_carries_the_regimens_and_the_last_day(export, bleed_on_atezolizumab):
    page_1 = squeezed(pdf_text(export.pdf(bleed_on_atezolizumab), "-f", "1", "-l", "1"))
    assert squeezed("Planned immunotherapy regimen: the verdict for each choice") in page_1
    assert squeezed("durvalumab + tremelimumab ✓ Eligible: registration possible from 2026-11-14 to 2026-12-14") in page_1
    assert squeezed("Not eligible for assessment dates from 2026-10-01 to 2027-04-01.") in page_1


def test_page_1_of_an_eligible_summary_gives_the_last_day_to_register(export):
    draft = export.draft(helio())
    page_1 = squeezed(pdf_text(export.pdf(draft), "-f", "1", "-l", "1"))
    assert squeezed("Last day to register with these answers: 2026-12-14.") in page_1

