"""One site serving several trials: the clinician chooses the trial, and each draft is judged,
shown, evaluated offline and exported under its own trial only."""
from __future__ import annotations

import io
import json
import re
import subprocess

import pytest

from checklist import create_app
from checklist.bundled import DEFAULT_RULES
from checklist.domain.rules import RulesFileError
from support import SECOND_TRIAL as SECOND
from support import Actions, second_trial_rules


@pytest.fixture
def second_rules(tmp_path):
    return second_trial_rules(tmp_path)


@pytest.fixture
def app(tmp_path, second_rules):
    return create_app({"DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "test",
                       "RULES_FILES": [str(DEFAULT_RULES), str(second_rules)]})


@pytest.fixture
def actions(client):
    return Actions(client)


def new_draft(client, actions, trial=None) -> str:
    return client.post("/drafts", data={"csrf_token": actions.token, **({"trial": trial} if trial else {})}).location


def test_the_start_page_offers_a_checklist_for_each_trial(app, client):
    page = client.get("/").text
    for trial in app.extensions["trials"].values():
        assert f'name="trial" value="{trial.id}"' in page
        assert f"Start a new {trial.rules['trial']['acronym']} checklist" in page


def test_each_draft_is_judged_under_its_own_trial(app, client, actions):
    first, second = new_draft(client, actions), new_draft(client, actions, SECOND)
    for draft in (first, second):
        actions.answer(draft, platelets="80000")
    status = lambda draft: next(c["status"] for c in actions.evaluation(draft)["criteria"] if c["id"] == "platelets")
    assert (status(first), status(second)) == ("met", "not_met")
    assert actions.evaluation(second)["trial"] == SECOND


def trial_of_rules(client, url) -> str:
    with client.get(url) as response:
        return response.json["trial"]["id"]


def test_a_drafts_page_names_its_trial_and_evaluates_offline_with_its_rules(client, actions):
    page = client.get(new_draft(client, actions, SECOND)).text
    assert "SECOND-TRIAL" in page
    model = json.loads(re.search(r'id="page-model">(.*?)</script>', page).group(1))
    assert trial_of_rules(client, model["rules"]) == SECOND


def test_the_service_worker_keeps_the_rules_of_every_trial(client, second_rules):
    shell = json.loads(re.search(r"const SHELL_URLS = (.*);", client.get("/sw.js").text).group(1))
    rules = [trial_of_rules(client, url) for url in shell if url.startswith("/trial/rules.json")]
    assert sorted(rules) == sorted([json.loads(DEFAULT_RULES.read_text(encoding="utf-8"))["trial"]["id"], SECOND])


def test_a_trial_the_site_does_not_serve_is_refused_when_starting_a_draft(client, actions):
    assert client.post("/drafts", data={"csrf_token": actions.token, "trial": "NCT00000000"}).status_code == 400


def test_the_api_evaluates_under_the_trial_asked_for(client):
    assert client.post(f"/api/evaluate?trial={SECOND}", json={"platelets": 80000}).json["trial"] == SECOND
    assert client.post("/api/evaluate?trial=NCT00000000", json={}).status_code == 400


def test_an_exported_draft_is_imported_under_its_own_trial(client, actions):
    draft = new_draft(client, actions, SECOND)
    actions.answer(draft, platelets="80000")
    exported = client.post(f"{draft}/export", data={"csrf_token": actions.token}).data
    imported = client.post("/drafts/import", data={"csrf_token": actions.token, "draft": (io.BytesIO(exported), "d.json")},
                           content_type="multipart/form-data").location
    assert actions.evaluation(imported)["trial"] == SECOND


def test_the_same_trial_given_twice_is_refused_at_start(tmp_path):
    with pytest.raises(RulesFileError, match="already served"):
        create_app({"DATA_DIR": str(tmp_path / "data"), "RULES_FILES": [str(DEFAULT_RULES), str(DEFAULT_RULES)]})


def test_a_second_trials_signed_summary_names_its_trial_and_judges_under_its_rules(client, actions):
    draft = new_draft(client, actions, SECOND)
    actions.answer(draft, platelets="80000")
    response = client.get(f"{draft}/summary.pdf")
    assert response.status_code == 200
    text = subprocess.run(["pdftotext", "-", "-"], input=response.data, capture_output=True, check=True).stdout.decode()
    assert "SECOND-TRIAL" in text and SECOND in text
    assert "below 100,000" in text


def protocol_line(page: str, criterion: str) -> str:
    """The protocol's words under a criterion of the verdict panel, as the page shows them."""
    item = re.search(rf'<li id="criterion-{criterion}".*?</li>', page, re.S).group(0)
    return re.sub(r"<[^>]+>", "", re.search(r'<blockquote class="protocol">(.*?)</blockquote>', item, re.S).group(1))


def test_a_trial_with_exclusion_criteria_marks_each_criterion_beside_the_protocols_words(client, actions):
    page = client.get(new_draft(client, actions, SECOND)).text
    assert protocol_line(page, "no_liver_transplant") == "Protocol: Exclusion criterion: Prior liver transplantation."
    assert protocol_line(page, "platelets").startswith("Protocol: Inclusion criterion: Platelets")


def test_a_trial_whose_criteria_are_all_inclusion_criteria_shows_no_marks(client, actions):
    page = client.get(new_draft(client, actions)).text
    assert protocol_line(page, "platelets").startswith("Protocol: Platelets")
    panel = re.search(r'<section id="verdict".*?</section>', page, re.S).group(0)
    assert "Exclusion criterion" not in panel and "Inclusion criterion" not in panel


def test_the_offline_page_has_the_marks_to_paint(client, actions):
    page = client.get(new_draft(client, actions, SECOND)).text
    model = json.loads(re.search(r'<script type="application/json" id="page-model">(.*?)</script>', page, re.S).group(1))
    assert model["kinds"]["no_liver_transplant"] == "Exclusion criterion: "
    assert model["kinds"]["platelets"] == "Inclusion criterion: "


def test_the_summary_marks_each_criterion_in_its_table_and_in_the_protocols_words(client, actions):
    draft = new_draft(client, actions, SECOND)
    summary = client.get(f"{draft}/summary").text
    assert '<span class="kind">exclusion</span>' in summary
    assert "Exclusion criterion: Prior liver transplantation." in summary


def test_rules_show_marks_each_criterion(second_rules):
    from checklist.documents.rules_sheet import rules_sheet
    from checklist.domain.rules import load_trial
    sheet = rules_sheet(load_trial(second_rules), "rules.json")
    assert "<strong>Exclusion criterion:</strong> Prior liver transplantation." in sheet
