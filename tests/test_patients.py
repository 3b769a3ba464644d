"""The patient's pre-screen: plain questions from the rules, "I am not sure" that never fails a
criterion, a verdict that speaks to the patient, and one page to bring to the appointment."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from checklist.domain.patients import asks_patient, patient_questions, patient_verdict
from support import TRIALS

NEVER_SAID_TO_PATIENTS = re.compile(r"\b(not eligible|ineligible|eligible|no elegible|elegible)\b", re.IGNORECASE)


class Patient:
    """Steps a patient takes, through the test client."""

    def __init__(self, client, language="en"):
        self.client = client
        client.set_cookie("language", language)
        self.token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").text).group(1)
        self.url = client.post("/patient", data={"csrf_token": self.token}).location
        self.id = self.url.rsplit("/", 1)[1]

    def answer(self, **fields):
        return self.client.post(f"{self.url}/answers", data=fields,
                                headers={"HX-Request": "true", "X-CSRFToken": self.token})

    def page(self) -> str:
        return self.client.get(self.url).text

    def draft(self, app) -> dict:
        return app.extensions["draft_store"].get(self.id)


@pytest.fixture
def patient(client):
    return Patient(client)


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.DOTALL)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


# The start page ----------------------------------------------------------------------------

def test_the_start_page_asks_who_is_using_it(client):
    page = client.get("/").text
    assert "I am a patient" in page and "I am a clinician" in page


def test_a_patient_starts_a_pre_screen_of_their_own(client, app):
    patient = Patient(client)
    assert patient.url.startswith("/patient/")
    assert patient.draft(app)["patient_path"] == {"language": "en", "unsure": []}


def test_the_start_page_lists_a_patients_pre_screen_as_such(client, patient):
    page = client.get("/").text
    assert f'href="/patient/{patient.id}"' in page and "Patient's own pre-screen" in page


def test_a_trial_without_patient_wording_offers_no_pre_screen(tmp_path):
    from checklist import create_app
    rules, _vignettes = TRIALS["dapa-ckd"]
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "test", "RULES_FILE": str(rules),
                      "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    assert "I am a patient" not in client.get("/").text
    assert client.post("/patient").status_code == 404


# The questions -----------------------------------------------------------------------------

def test_the_pre_screen_asks_exactly_the_questions_the_rules_give_patients(trial, patient):
    page = patient.page()
    asked = set(re.findall(r'id="q-(\w+)"', page))
    assert asked == set(patient_questions(trial))
    assert "platelets" not in asked and "date_of_birth" in asked


def test_the_questions_read_as_the_rules_word_them_for_patients(trial, patient):
    page = visible_text(patient.page())
    for fact in patient_questions(trial):
        assert trial.questions[fact]["patient"]["text"]["en"].replace("'", "&#39;") in page, fact


def test_every_patient_question_offers_i_am_not_sure(trial, patient):
    page = patient.page()
    for fact in patient_questions(trial):
        block = re.search(rf'<div id="q-{fact}".*?(?=<div id="q-|</section>)', page, re.DOTALL).group(0)
        assert 'value="unsure"' in block or f'name="unsure" value="{fact}"' in block, fact
        assert "I am not sure" in block, fact


def test_a_patient_cannot_answer_the_care_teams_questions(app, patient):
    assert patient.answer(platelets="20000", sex="female").status_code == 200
    assert patient.draft(app)["answers"] == {"sex": "female"}


def test_an_unreadable_value_is_refused_in_plain_words_and_nothing_is_saved(app, patient):
    patient.answer(weight="70", weight_unit="kg")
    reply = patient.answer(weight="seventy", weight_unit="kg")
    assert reply.status_code == 422
    assert "Please enter a number, such as 70" in reply.text
    assert patient.draft(app)["answers"]["weight"] == 70


# Not sure ----------------------------------------------------------------------------------

@pytest.mark.parametrize("fact", ["prior_liver_transplant", "date_of_birth", "ecog", "sex", "weight"])
def test_not_sure_is_no_answer_and_is_noted(app, patient, fact):
    fields = {"unsure": fact} if fact in ("date_of_birth", "weight") else {fact: "unsure"}
    assert patient.answer(**fields).status_code == 200
    draft = patient.draft(app)
    assert fact not in draft["answers"] and draft["patient_path"]["unsure"] == [fact]


def test_not_sure_clears_an_answer_given_before(app, patient):
    patient.answer(prior_liver_transplant="true")
    patient.answer(prior_liver_transplant="unsure")
    assert "prior_liver_transplant" not in patient.draft(app)["answers"]


def test_an_answer_after_not_sure_ends_it(app, patient):
    patient.answer(unsure="date_of_birth")
    patient.answer(date_of_birth="1960-04-02")
    draft = patient.draft(app)
    assert draft["answers"]["date_of_birth"] == "1960-04-02" and draft["patient_path"]["unsure"] == []


def test_not_sure_is_kept_in_the_history(client, patient):
    patient.answer(ecog="unsure")
    changes = client.get(f"/drafts/{patient.id}/history").text
    assert "ECOG performance status: the patient is not sure" in changes


def test_not_sure_never_fails_a_criterion(trial, evaluate_answers, full_answers):
    """Whatever else is answered, a question the patient is not sure of leaves open every criterion it feeds."""
    for fact in patient_questions(trial):
        answers = {name: value for name, value in full_answers().items() if name != fact}
        evaluation = evaluate_answers(answers)
        told = patient_verdict(trial, evaluation, answers, [fact], "en")
        assert told["kind"] == "nothing_rules_out", fact
        assert not [criterion for criterion in evaluation["criteria"]
                    if criterion["status"] == "not_met" and fact in criterion["facts"]], fact


# What the patient is told ------------------------------------------------------------------

def test_an_answer_that_rules_the_trial_out_is_told_in_plain_words(patient):
    reply = patient.answer(prior_liver_transplant="true").text
    assert "One answer suggests this trial may not fit: talk to your care team about it." in reply
    assert "The trial is for people who have not had a liver transplant." in reply
    assert "You answered: Have you had a liver transplant? Yes" in reply


def test_nothing_ruled_out_lists_what_the_care_team_must_check(trial, patient):
    reply = visible_text(patient.answer(prior_liver_transplant="false").text)
    count = int(re.search(r"Your care team must check these (\d+) things", reply).group(1))
    assert count > 10
    assert trial.questions["platelets"]["patient"]["text"]["en"] in reply


def test_a_question_the_patient_is_not_sure_of_goes_to_the_care_team(trial, patient):
    reply = visible_text(patient.answer(macrovascular_invasion="unsure").text)
    assert trial.questions["macrovascular_invasion"]["patient"]["text"]["en"] + " (you were not sure)" in reply


def test_the_care_team_list_names_each_plain_item_once(trial, evaluate_answers):
    evaluation = evaluate_answers({})
    items = [item["text"] for item in patient_verdict(trial, evaluation, {}, [], "en")["care_team"]]
    assert len(items) == len(set(items))
    assert not any(asks_patient(trial, item["fact"]) for item in patient_verdict(trial, evaluation, {}, [], "en")["care_team"])


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_patient_is_never_told_eligible_or_not(client, app, full_answers, language):
    patient = Patient(client, language)
    app.extensions["draft_store"].save(patient.id, full_answers(), {}, verdict_of=lambda answers: "eligible",
                                       rules_version="x")
    for page in (patient.page(), client.get(f"{patient.url}/sheet").text):
        assert not NEVER_SAID_TO_PATIENTS.search(visible_text(page))
    patient_no = Patient(client, language)
    assert not NEVER_SAID_TO_PATIENTS.search(visible_text(patient_no.answer(prior_liver_transplant="true").text))


def test_the_clinician_can_carry_on_from_a_patients_pre_screen(client, patient):
    patient.answer(sex="female", prior_liver_transplant="false")
    page = client.get(f"/drafts/{patient.id}").text
    assert "Eligibility checklist" in page and 'id="f-sex-female" name="sex" value="female" checked' in page


# The page to bring -------------------------------------------------------------------------

def test_the_sheet_shows_the_trial_the_answers_and_the_questions_for_the_care_team(trial, patient):
    patient.answer(prior_liver_transplant="false")
    patient.answer(ecog="unsure")
    sheet = visible_text(patient.client.get(f"{patient.url}/sheet").text)
    plain = trial.rules["patient"]
    assert plain["summary"]["en"].replace("'", "&#39;") in sheet
    assert "Questions for my care team" in sheet and "How to take part" in sheet
    assert "Liver transplant" in sheet and "I was not sure" in sheet
    assert plain["disclaimer"]["en"].replace("'", "&#39;") in sheet


pdf_tools = pytest.mark.skipif(not shutil.which("pdfinfo"), reason="poppler-utils is installed by .ci/run")


def pdf_text_and_pages(pdf: bytes, tmp_path) -> tuple[str, int]:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", " ", text), int(re.search(r"Pages:\s+(\d+)", info).group(1))


@pdf_tools
@pytest.mark.parametrize("language, words", [
    ("en", ["My answers for the HELIO-RT trial", "Questions for my care team", "How to take part", "I was not sure"]),
    ("es", ["Mis respuestas", "Preguntas para mi equipo de atención médica", "Cómo participar", "No estaba seguro"]),
])
@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_the_sheet_is_one_page_in_either_language_on_either_paper(tmp_path, language, words, paper):
    from checklist import create_app
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "test", "PAPER_SIZE": paper})
    patient = Patient(app.test_client(), language)
    for fields in ({"sex": "female"}, {"prior_liver_transplant": "false"}, {"unsure": "date_of_birth"},
                   {"macrovascular_invasion": "unsure"}, {"ecog": "1"}, {"weight": "154", "weight_unit": "lb"}):
        assert patient.answer(**fields).status_code == 200
    reply = patient.client.get(f"{patient.url}/sheet.pdf")
    assert reply.headers["Content-Type"] == "application/pdf"
    text, pages = pdf_text_and_pages(reply.data, tmp_path)
    assert pages == 1
    for expected in words:
        assert expected.casefold() in text.casefold(), expected


@pdf_tools
def test_the_sheet_stays_one_page_when_everything_is_for_the_care_team(tmp_path, client, trial):
    patient = Patient(client, "es")
    for fact in patient_questions(trial):
        patient.answer(**({fact: "unsure"} if trial.questions[fact]["type"] in ("boolean", "choice") or
                          trial.questions[fact].get("choices") else {"unsure": fact}))
    _text, pages = pdf_text_and_pages(client.get(f"{patient.url}/sheet.pdf").data, tmp_path)
    assert pages == 1


# Offline -----------------------------------------------------------------------------------

def test_not_sure_given_offline_is_saved_when_the_queue_arrives(app, client, patient):
    reply = client.post(f"/drafts/{patient.id}/sync", json={"answers": [
        {"fields": {"prior_liver_transplant": "true"}, "time": "2026-06-15T10:00:00Z"},
        {"fields": {"prior_liver_transplant": "unsure"}, "time": "2026-06-15T10:00:05Z"},
        {"fields": {"unsure": "weight"}, "time": "2026-06-15T10:00:07Z"}]},
        headers={"X-CSRFToken": patient.token})
    assert reply.status_code == 200 and reply.json["saved"] == 3
    draft = patient.draft(app)
    assert draft["answers"] == {} and draft["patient_path"] == {"language": "en", "unsure": ["prior_liver_transplant", "weight"]}


def test_the_page_carries_its_words_for_the_offline_page_in_its_language(client):
    patient = Patient(client, "es")
    page = patient.page()
    model = json.loads(re.search(r'<script type="application/json" id="page-model">(.*?)</script>', page).group(1))
    words = json.loads(re.search(r'<script type="application/json" id="page-words">(.*?)</script>', page).group(1))
    assert model["patient"] is True and model["language"] == "es"
    assert words["yes"] == "Sí" and "%(num)d" in words["to_answer"][1] and words["to_answer"][0] != words["to_answer"][1]


# The clinician's summary -------------------------------------------------------------------

def test_the_summary_speaks_to_the_patient_in_the_language_of_their_pre_screen(client):
    patient = Patient(client, "es")
    patient.answer(sex="female")
    summary = client.get(f"/drafts/{patient.id}/summary").text
    assert "Para el paciente" in summary and 'lang="es"' in summary
    assert "Eligibility pre-screening summary" in summary  # the rest is the clinician's, in English


def test_two_trials_offer_a_pre_screen_only_for_the_one_worded_for_patients(tmp_path):
    from checklist import create_app
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "test",
                      "RULES_FILES": [str(TRIALS["helio-rt"][0]), str(TRIALS["dapa-ckd"][0])]})
    page = app.test_client().get("/").text
    assert page.count("I am a patient") == 1 and 'name="trial" value="NCT07166406">I am a patient' in page


def test_a_weight_typed_in_the_wrong_unit_is_flagged_and_rules_nothing_out(patient):
    reply = visible_text(patient.answer(weight="700", weight_unit="kg").text)
    assert "Please check this answer: it looks unusual." in reply
    assert "may not fit" not in reply
