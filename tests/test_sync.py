"""Answers queued offline reach the server in order, and never overwrite a later answer."""
from __future__ import annotations

import datetime as dt
import json
import shutil

from checklist import create_app
from support import ROOT


def sync(client, actions, draft, *entries):
    return client.post(f"{draft}/sync", json={"answers": [{"fields": f, "time": t} for f, t in entries]},
                       headers={"X-CSRFToken": actions.token})


def minutes_ago(minutes: float) -> str:
    return (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def test_queued_answers_are_saved_in_the_order_they_were_given(client, actions):
    draft = actions.new_draft()
    response = sync(client, actions, draft, ({"platelets": "45000"}, minutes_ago(3)),
                    ({"platelets": "85", "platelets_unit": "10^9/L"}, minutes_ago(2)), ({"ecog": "1"}, minutes_ago(1)))
    assert response.json == {"saved": 3, "superseded": [], "refused": []}
    assert actions.saved(draft) == {"platelets": 85000, "ecog": 1}


def test_an_older_offline_answer_never_overwrites_a_later_one_from_another_tablet(client, actions):
    draft = actions.new_draft()
    given_offline = minutes_ago(5)
    actions.answer(draft, platelets="110000")  # another tablet, online, just now
    sync(client, actions, draft, ({"platelets": "45000", "ecog": "1"}, given_offline))
    assert actions.saved(draft) == {"platelets": 110000, "ecog": 1}


def test_an_offline_answer_kept_out_by_a_later_one_is_reported_as_superseded_not_saved(client, actions):
    draft = actions.new_draft()
    given_offline = minutes_ago(5)
    actions.answer(draft, platelets="110000")
    response = sync(client, actions, draft, ({"platelets": "45000"}, given_offline), ({"ecog": "1"}, given_offline))
    assert response.json["saved"] == 1
    assert response.json["superseded"] == [{"fields": {"platelets": "45000"}, "kept": ["platelets"]}]


def test_a_sync_of_more_answers_than_a_tablet_sends_at_once_is_refused_whole(client, actions):
    draft = actions.new_draft()
    response = sync(client, actions, draft, *[({"ecog": "1"}, minutes_ago(1))] * 101)
    assert response.status_code == 413
    assert actions.saved(draft) == {}


def test_a_later_offline_answer_wins_over_an_earlier_one(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, platelets="110000")
    sync(client, actions, draft, ({"platelets": "45000"}, dt.datetime.now(dt.timezone.utc).isoformat()))
    assert actions.saved(draft) == {"platelets": 45000}


def test_a_tablet_clock_running_ahead_counts_as_the_time_its_answers_arrive(client, actions):
    draft = actions.new_draft()
    sync(client, actions, draft, ({"ecog": "1"}, "2099-01-01T00:00:00Z"))
    sync(client, actions, draft, ({"ecog": "0"}, dt.datetime.now(dt.timezone.utc).isoformat()))
    assert actions.saved(draft) == {"ecog": 0}


def test_sending_the_same_queue_twice_changes_nothing_more(client, actions):
    draft = actions.new_draft()
    queue = [({"platelets": "45000"}, minutes_ago(2)), ({"platelets": "60000"}, minutes_ago(1))]
    sync(client, actions, draft, *queue)
    actions.answer(draft, ecog="1")
    history = len(actions.client.get(f"{draft}/history").text)
    sync(client, actions, draft, *queue)
    assert actions.saved(draft) == {"platelets": 60000, "ecog": 1}
    assert len(actions.client.get(f"{draft}/history").text) == history


def test_a_refused_offline_answer_is_reported_and_the_rest_are_saved(client, actions):
    draft = actions.new_draft()
    response = sync(client, actions, draft, ({"platelets": "lots"}, minutes_ago(2)), ({"ecog": "1"}, minutes_ago(1)))
    assert response.json["saved"] == 1
    assert response.json["refused"][0]["fields"] == {"platelets": "lots"}
    assert "not a number" in response.json["refused"][0]["errors"]["platelets"]
    assert actions.saved(draft) == {"ecog": 1}


def test_a_malformed_queue_is_refused_as_a_whole(client, actions):
    draft = actions.new_draft()
    for body in ({"answers": "x"}, {"answers": [{"fields": {"ecog": 1}, "time": minutes_ago(1)}]},
                 {"answers": [{"fields": {"ecog": "1"}, "time": "yesterday"}]}, {}):
        assert client.post(f"{draft}/sync", json=body, headers={"X-CSRFToken": actions.token}).status_code == 400
    assert actions.saved(draft) == {}


def test_the_page_carries_what_offline_evaluation_needs(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, ecog="1")
    page = client.get(draft).text
    model = json.loads(page.split('<script type="application/json" id="page-model">')[1].split("</script>")[0])
    saved = json.loads(page.split('<script type="application/json" id="saved-answers">')[1].split("</script>")[0])
    assert saved["answers"] == {"ecog": 1} and saved["draft"] == draft.rsplit("/", 1)[1]
    with client.get(model["rules"]) as rules, client.get(model["dictionary"]) as dictionary:
        assert rules.json["trial"]["id"] == "NCT07166406"
        assert "properties" in dictionary.json


def test_the_service_worker_is_served_from_the_root_for_the_whole_app(client):
    response = client.get("/sw.js")
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.mimetype == "text/javascript"
    assert "/static/htmx" not in response.text or "v=" in response.text


def test_the_manifest_makes_the_checklist_installable(client):
    manifest = client.get("/manifest.webmanifest").json
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in manifest["icons"]}


def test_versioned_assets_may_be_cached_for_good(client):
    page = client.get("/").text
    url = page.split('rel="stylesheet" href="')[1].split('"')[0]
    assert "?v=" in url
    with client.get(url) as response:
        assert "immutable" in response.headers["Cache-Control"]


def test_the_probe_and_a_fresh_token_for_a_page_that_waited_offline(client):
    assert client.get("/ping").status_code == 204
    assert client.get("/token").json["csrf_token"]


def test_a_rules_file_given_by_a_relative_path_is_served_to_the_browser(tmp_path, monkeypatch):
    shutil.copy(ROOT / "rules.json", tmp_path / "rules.json")
    shutil.copytree(ROOT / "helio-rt", tmp_path / "helio-rt")
    monkeypatch.chdir(tmp_path)
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "k", "RULES_FILE": "rules.json",
                      "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    draft = client.post("/drafts").headers["Location"]
    model = json.loads(client.get(draft).text.split('id="page-model">')[1].split("</script>")[0])
    for address in (model["rules"], model["dictionary"]):
        with client.get(address) as response:
            assert response.status_code == 200, address


def test_each_saved_answer_carries_the_answers_as_saved_for_the_offline_page(client, actions):
    draft = actions.new_draft()
    reply = actions.answer(draft, headers={"HX-Request": "true"}, ecog="1").text
    saved = json.loads(reply.split('id="saved-answers" hx-swap-oob="true">')[1].split("</script>")[0])
    assert saved["answers"] == {"ecog": 1} and saved["updated"]
