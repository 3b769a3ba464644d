"""FHIR R4 out and back: the rules' questions carry their LOINC codes (checked, check digit
included, by `rules check`); `checklist rules fhir` prints the trial as a Questionnaire; each draft
downloads as a QuestionnaireResponse to it (also inside the JSON export), which imports into a new
draft with the same evaluation. Every resource is validated by fhir.resources' own R4B models."""
from __future__ import annotations

import copy
import datetime as dt
import io
import json
import subprocess
import sys

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from checklist.documents.fhir import NotAResponse, answers_of, questionnaire, questionnaire_response
from checklist.domain.answers import validate
from checklist.domain.engine import evaluate
from checklist.domain.rules import Trial, cross_check, is_loinc_code, load_trial
from support import ROOT, TRIALS
from test_registration_window import helio
from test_summary import Export

CASES = sorted((ROOT / "tests" / "cases" / "helio-rt").glob("*.json"))


@pytest.fixture(scope="module")
def trials():
    return {name: load_trial(rules) for name, (rules, _vignettes) in TRIALS.items()}


def answer_sets() -> list:
    """Every vignette of every trial and every clinical case whose answers are valid (invalid ones
    are never saved, so never sent), as (trial, answers)."""
    files = [(name, path) for name, (_rules, vignettes) in TRIALS.items() for path in sorted(vignettes.glob("*.json"))]
    files += [("helio-rt", path) for path in CASES]
    found = []
    for name, path in files:
        document = json.loads(path.read_text(encoding="utf-8"))
        if not document["expect"].get("error"):
            found.append(pytest.param(name, document["answers"], id=f"{name}/{path.stem}"))
    return found


def evaluated(trial, answers):
    today = dt.date(2026, 6, 15)
    facts, errors = validate(trial, answers, today)
    return errors or evaluate(trial, facts, today)


# Codes and the Questionnaire -------------------------------------------------------------------------

@pytest.mark.parametrize("code, valid", [("777-3", True), ("718-7", True), ("29463-7", True), ("777-4", False),
                                         ("7773", False), ("12345678-9", False), ("", False)])
def test_a_loinc_code_needs_its_check_digit(code, valid):
    assert is_loinc_code(code) is valid


def test_rules_check_refuses_a_mistyped_loinc_code(trials):
    rules = copy.deepcopy(trials["helio-rt"].rules)
    rules["questions"]["platelets"]["code"]["code"] = "777-4"
    assert "questions/platelets/code: '777-4' is not a LOINC code (digits, a hyphen, its check digit)" in list(
        cross_check(Trial(rules, trials["helio-rt"].dictionary)))


@pytest.mark.parametrize("fact, code", [("platelets", "777-3"), ("anc", "751-8"), ("hemoglobin", "718-7"),
                                        ("ast", "1920-8"), ("alt", "1742-6"), ("total_bilirubin", "1975-2"),
                                        ("albumin", "1751-7"), ("inr", "6301-6"), ("serum_creatinine", "2160-0"),
                                        ("weight", "29463-7")])
def test_the_labs_and_vital_signs_carry_their_loinc_code(trials, fact, code):
    assert trials["helio-rt"].questions[fact]["code"] == {**trials["helio-rt"].questions[fact]["code"],
                                                           "system": "http://loinc.org", "code": code}


@pytest.mark.parametrize("name", list(TRIALS))
def test_the_questionnaire_is_valid_fhir_with_every_question_once(trials, name):
    trial = trials[name]
    document = questionnaire(trial)
    Questionnaire.model_validate(document)
    asked = [item["linkId"] for group in document["item"] for item in group["item"]]
    assert sorted(asked) == sorted(trial.questions) and len(set(asked)) == len(asked)


def test_a_lab_item_has_its_code_and_its_units_in_ucum(trials):
    items = {item["linkId"]: item for group in questionnaire(trials["helio-rt"])["item"] for item in group["item"]}
    platelets = items["platelets"]
    assert (platelets["type"], platelets["code"][0]["code"]) == ("quantity", "777-3")
    assert [option["valueCoding"]["code"] for option in platelets["extension"]] == ["/mm3", "10*9/L"]
    assert [option["valueCoding"]["code"] for option in items["planned_regimen"]["answerOption"]][0] == "atezolizumab_bevacizumab"


def test_checklist_rules_fhir_prints_the_questionnaire():
    done = subprocess.run([sys.executable, "-m", "checklist", "rules", "fhir", "rules.json"], capture_output=True,
                          text=True, cwd=ROOT, check=True)
    assert json.loads(done.stdout)["resourceType"] == "Questionnaire"


# QuestionnaireResponses, out and back -------------------------------------------------------------------

@pytest.mark.parametrize("name, answers", answer_sets())
def test_every_answer_set_is_a_valid_response_that_reads_back_to_the_same_evaluation(trials, name, answers):
    trial = trials[name]
    before = evaluated(trial, answers)
    response = questionnaire_response(trial, answers, status="in-progress")
    QuestionnaireResponse.model_validate(response)
    assert evaluated(trial, answers_of(trial, json.loads(json.dumps(response)))) == before


def test_a_response_to_another_questionnaire_is_refused(trials):
    response = questionnaire_response(trials["dapa-ckd"], {"egfr": 40}, status="in-progress")
    with pytest.raises(NotAResponse, match="not urn:checklist:questionnaire:NCT07166406"):
        answers_of(trials["helio-rt"], response)


def test_a_unit_that_cannot_be_mapped_is_refused_not_guessed(trials):
    response = questionnaire_response(trials["helio-rt"], {"platelets": {"value": 110, "unit": "10^9/L"}},
                                      status="in-progress")
    response["item"][0]["item"][0]["answer"][0]["valueQuantity"] |= {"code": "10*3/uL", "unit": "10*3/uL"}
    with pytest.raises(NotAResponse, match="platelets: the unit '10\\*3/uL' is not one this question takes"):
        answers_of(trials["helio-rt"], response)


def test_an_unknown_question_is_refused(trials):
    response = questionnaire_response(trials["helio-rt"], {"ecog": 1}, status="in-progress")
    response["item"][0]["item"][0]["linkId"] = "karnofsky"
    with pytest.raises(NotAResponse, match="karnofsky: not a question of HELIO-RT"):
        answers_of(trials["helio-rt"], response)


def test_a_malformed_response_is_refused_by_the_fhir_models(trials):
    with pytest.raises(NotAResponse, match="Not a valid FHIR QuestionnaireResponse"):
        answers_of(trials["helio-rt"], {"resourceType": "QuestionnaireResponse", "status": "completed",
                                        "item": [{"linkId": 5, "answer": "no"}]})


# Through the app ----------------------------------------------------------------------------------------

@pytest.fixture
def site(tmp_path):
    return Export(tmp_path / "data")


def upload(site, document):
    data = {"csrf_token": site.actions.token, "draft": (io.BytesIO(json.dumps(document).encode()), "answers.json")}
    return site.client.post("/drafts/import", data=data, content_type="multipart/form-data")


def test_a_drafts_response_imports_into_a_new_draft_with_the_same_evaluation(site):
    draft = site.draft(helio(planned_regimen="atezolizumab_bevacizumab"))
    response = site.client.get(f"{draft}/questionnaire-response.json")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    QuestionnaireResponse.model_validate(response.json)
    imported = upload(site, response.json)
    assert imported.status_code == 303
    assert site.actions.evaluation(imported.location) == site.actions.evaluation(draft)


def test_the_json_export_carries_the_response_and_still_imports(site):
    draft = site.draft(helio())
    site.client.post(f"{draft}/outcome", data={"outcome": "referred", "outcome_date": "2026-12-04"},
                     headers={"X-CSRFToken": site.actions.token, "HX-Request": "true"})
    exported = site.client.post(f"{draft}/export", data={"csrf_token": site.actions.token}).json
    assert exported["questionnaire_response"]["resourceType"] == "QuestionnaireResponse"
    assert exported["record"]["outcome"] == "referred"
    assert upload(site, exported).status_code == 303


def test_a_response_the_checklist_cannot_read_is_refused_and_nothing_is_created(site):
    store = site.app.extensions["draft_store"]
    response = upload(site, {"resourceType": "QuestionnaireResponse", "status": "completed",
                             "questionnaire": "urn:checklist:questionnaire:NCT07166406",
                             "item": [{"linkId": "karnofsky", "answer": [{"valueInteger": 90}]}]})
    assert response.status_code == 422 and "karnofsky: not a question of HELIO-RT" in response.text
    assert store.summaries() == []


# Inside the signed summary ------------------------------------------------------------------------------

@pytest.fixture
def signed(site):
    draft = site.draft(helio(planned_regimen="atezolizumab_bevacizumab"))
    return site, draft, site.pdf(draft)


def test_the_signed_summary_carries_the_response_and_the_evaluation(signed, tmp_path):
    _site, _draft, pdf = signed
    (tmp_path / "summary.pdf").write_bytes(pdf)
    listed = subprocess.run(["pdfdetach", "-list", str(tmp_path / "summary.pdf")], capture_output=True, text=True,
                            check=True).stdout
    assert "questionnaire-response.json" in listed and "evaluation.json" in listed


def verify(path, *options):
    return subprocess.run([sys.executable, "-m", "checklist", "verify", str(path), *options], capture_output=True,
                          text=True, cwd=ROOT)


def test_verify_extract_writes_them_once_the_signature_is_valid(signed, tmp_path, trials):
    site, draft, pdf = signed
    (tmp_path / "summary.pdf").write_bytes(pdf)
    done = verify(tmp_path / "summary.pdf", "--extract", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    response = json.loads((tmp_path / "out" / "questionnaire-response.json").read_text(encoding="utf-8"))
    QuestionnaireResponse.model_validate(response)
    evaluation = json.loads((tmp_path / "out" / "evaluation.json").read_text(encoding="utf-8"))
    expected = site.actions.evaluation(draft)
    assert evaluation == {key: value for key, value in expected.items() if key != "answers"}
    assert evaluated(trials["helio-rt"], answers_of(trials["helio-rt"], response)) == evaluation


def test_a_summary_changed_after_signing_extracts_nothing(signed, tmp_path):
    _site, _draft, pdf = signed
    changed = bytearray(pdf)
    at = pdf.index(b"/Title")
    changed[at + 8] = ord("X") if changed[at + 8] != ord("X") else ord("Y")
    (tmp_path / "summary.pdf").write_bytes(bytes(changed))
    done = verify(tmp_path / "summary.pdf", "--extract", str(tmp_path / "out"))
    assert done.returncode == 1 and not (tmp_path / "out").exists()
