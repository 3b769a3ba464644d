"""Each draft records its trial and is only ever judged under it: a data folder may be shared by
servers of different trials (the default folder is the same for every trial)."""
from __future__ import annotations

import json

import pytest

OTHER_TRIAL = "NCT00000001"


@pytest.fixture
def store(app):
    return app.extensions["draft_store"]


@pytest.fixture
def other(store):
    """A draft another trial's server saved in the same data folder, with an answer whose fact
    name this trial also has."""
    draft = store.create("other-rules", trial=OTHER_TRIAL, contents={"answers": {"platelets": 20000}})
    return f"/drafts/{draft['id']}"


def draft_file(store, path) -> dict:
    return json.loads((store.folder / f"{path.rsplit('/', 1)[-1]}.json").read_text(encoding="utf-8"))


def test_a_new_draft_records_the_trial_it_is_for(app, store, actions):
    draft = actions.new_draft()
    assert draft_file(store, draft)["draft"]["1"]["trial"] == app.extensions["trial"].id


def test_a_draft_of_another_trial_is_listed_but_not_opened_from_the_start_page(client, other):
    page = client.get("/").text
    assert f"For another trial ({OTHER_TRIAL})" in page
    assert f'href="{other}"' not in page


@pytest.mark.parametrize("path", ["", "/summary", "/evaluation.json", "/history", "/delete"])
def test_a_draft_of_another_trial_is_refused_with_409_naming_both_trials(app, client, other, path):
    response = client.get(other + path)
    assert response.status_code == 409
    assert OTHER_TRIAL in response.text and app.extensions["trial"].id in response.text


def test_an_answer_to_a_draft_of_another_trial_is_refused_and_changes_nothing(store, actions, other):
    before = draft_file(store, other)
    assert actions.answer(other, platelets="150000").status_code == 409
    assert draft_file(store, other) == before


def test_a_draft_saved_before_drafts_recorded_their_trial_opens_as_this_servers(store, client, actions):
    draft = actions.new_draft()
    path = store.folder / f"{draft.rsplit('/', 1)[-1]}.json"
    stored = json.loads(path.read_text(encoding="utf-8"))
    del stored["draft"]["1"]["trial"]
    path.write_text(json.dumps(stored), encoding="utf-8")
    assert client.get(draft).status_code == 200
    assert actions.answer(draft, ecog="1").status_code == 200


def test_an_export_names_the_trial_of_its_draft(app, client, actions, other):
    """So that another trial's draft can be taken to a server of its trial, and imported there only."""
    exported = lambda draft: client.post(f"{draft}/export", data={"csrf_token": actions.token}).json["trial"]
    assert exported(actions.new_draft()) == app.extensions["trial"].id
    assert exported(other) == OTHER_TRIAL
