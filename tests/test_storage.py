"""Drafts on disk (DraftStore) and their lifecycle on the page: rename, history, rules versions,
export, import, delete. Crashes, concurrency, damage and retention are in test_durability.py."""
from __future__ import annotations

import io
import json
import os
import re
import stat

import pytest
from tinydb import TinyDB
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from checklist import create_app
from checklist.persistence import storage
from checklist.persistence.storage import INLINE_HISTORY_BYTES, DraftStore, NoSuchDraft
from checklist.persistence.transfers import read_export
from checklist.web import clinician
from support import ROOT, Actions

RECORD_LIMITS = {"patient_name": 200, "notes": 4000}


@pytest.fixture
def store(tmp_path):
    return DraftStore(tmp_path / "drafts")


def save(store, draft_id, answers=None, record=None, *, by=None, version="v1", verdict="incomplete"):
    return store.save(draft_id, answers or {}, record or {}, verdict_of=lambda merged: verdict,
                      rules_version=version, by=by)


def changes(store, draft) -> list[tuple]:
    return [(entry["field"], entry["old"], entry["new"]) for entry in store.history(draft["id"]) if "field" in entry]


def signature(path):
    status = path.stat()
    return status.st_mtime_ns, status.st_ino, path.read_bytes()


# The store ------------------------------------------------------------------------------------

def test_each_draft_is_its_own_tinydb_file_named_by_its_id(store):
    draft = store.create("v1")
    with TinyDB(store.folder / f"{draft['id']}.json") as database:  # TinyDB's own storage reads it
        assert database.table("draft").get(doc_id=1)["id"] == draft["id"]


def test_a_new_draft_has_no_answers_and_its_history_starts_with_its_creation(store):
    draft = store.get(store.create("v1", by="signed-in user")["id"])
    assert draft["answers"] == {} and draft["record"] == {} and draft["verdict"] == "incomplete"
    assert [(entry["event"], entry["by"]) for entry in store.history(draft["id"])] == [("created", "signed-in user")]


def test_a_save_merges_into_the_draft_on_disk_not_into_what_the_saver_last_read(store, tmp_path):
    other_process = DraftStore(tmp_path / "drafts")
    draft_id = store.create("v1")["id"]
    store.get(draft_id)
    save(other_process, draft_id, {"ecog": 1})
    save(store, draft_id, {"platelets": 45000})
    assert store.get(draft_id)["answers"] == {"ecog": 1, "platelets": 45000}


def test_a_save_does_not_parse_again_the_draft_its_request_has_just_read(store, monkeypatch):
    draft_id = store.create("v1")["id"]
    store.get(draft_id)
    parsed, parse = [], storage.tables_of
    monkeypatch.setattr(storage, "tables_of", lambda data: parsed.append(data) or parse(data))
    save(store, draft_id, {"ecog": 1})
    assert parsed == []


def test_what_another_process_saved_is_read_even_where_the_file_signature_comes_back(store, tmp_path, monkeypatch):
    """Bytes decide whether a draft parsed before still holds: a file's (time, size, inode) can
    come back, an inode freed and reused within one tick of the file system's clock."""
    other_process = DraftStore(tmp_path / "drafts")
    draft_id = store.create("v1")["id"]
    store.get(draft_id)
    monkeypatch.setattr(storage, "file_signature", lambda path: (0, 0, 0))
    save(other_process, draft_id, {"ecog": 1})
    assert store.get(draft_id)["answers"] == {"ecog": 1}
    assert save(store, draft_id, {"platelets": 45000})["answers"] == {"ecog": 1, "platelets": 45000}


def test_changing_a_draft_once_read_changes_nothing_a_later_read_gets(store):
    draft_id = store.create("v1")["id"]
    draft = store.get(draft_id)
    draft["answers"]["ecog"], draft["record"]["patient_name"] = 1, "Ada"
    draft["history"].append({"at": "2026-01-01T00:00:00+00:00", "by": None, "event": "created"})
    again = store.get(draft_id)
    assert again["answers"] == {} and again["record"] == {} and len(again["history"]) == 1


def test_for_the_same_fact_the_later_save_wins(store, tmp_path):
    other_process = DraftStore(tmp_path / "drafts")
    draft_id = store.create("v1")["id"]
    save(store, draft_id, {"platelets": 45000})
    save(other_process, draft_id, {"platelets": 70000})
    assert store.get(draft_id)["answers"] == {"platelets": 70000}


def test_saving_none_clears_the_fact(store):
    draft_id = store.create("v1")["id"]
    save(store, draft_id, {"platelets": 45000, "ecog": 1})
    assert save(store, draft_id, {"platelets": None})["answers"] == {"ecog": 1}


def test_the_verdict_kept_is_judged_on_the_merged_answers(store, tmp_path):
    draft_id = store.create("v1")["id"]
    save(DraftStore(tmp_path / "drafts"), draft_id, {"platelets": 45000})
    judged = []
    store.save(draft_id, {"ecog": 1}, {}, verdict_of=lambda merged: judged.append(merged) or "ineligible",
               rules_version="v1")
    assert judged == [{"platelets": 45000, "ecog": 1}]
    assert store.get(draft_id)["verdict"] == "ineligible"


def test_every_change_is_appended_to_the_history_with_old_and_new_value_time_and_who(store):
    draft_id = store.create("v1")["id"]
    save(store, draft_id, {"platelets": 45000}, {"patient_name": "Ada"}, by="signed-in user")
    draft = save(store, draft_id, {"platelets": {"value": 85, "unit": "10^9/L"}})
    assert changes(store, draft) == [("platelets", None, 45000), ("patient_name", None, "Ada"),
                              ("platelets", 45000, {"value": 85, "unit": "10^9/L"})]
    entries = store.history(draft_id)[1:]
    assert [entry["by"] for entry in entries] == ["signed-in user", "signed-in user", None]
    assert entries[0]["at"] <= entries[2]["at"] == draft["updated"]


def test_a_save_that_changes_nothing_does_not_touch_the_file(store):
    draft_id = store.create("v1")["id"]
    save(store, draft_id, {"ecog": 1})
    before = signature(store.folder / f"{draft_id}.json")
    save(store, draft_id, {"ecog": 1})
    assert signature(store.folder / f"{draft_id}.json") == before


def test_true_is_not_the_same_answer_as_one(store):
    draft_id = store.create("v1")["id"]
    save(store, draft_id, {"fact": 1})
    assert changes(store, save(store, draft_id, {"fact": True}))[-1] == ("fact", 1, True)


def test_when_the_judge_refuses_nothing_is_written(store):
    draft_id = store.create("v1")["id"]
    before = signature(store.folder / f"{draft_id}.json")

    def refuse(merged):
        raise ValueError("invalid")
    with pytest.raises(ValueError):
        store.save(draft_id, {"ecog": 9}, {}, verdict_of=refuse, rules_version="v1")
    assert signature(store.folder / f"{draft_id}.json") == before


def test_a_save_under_new_rules_records_their_version_in_the_draft_and_its_history(store):
    draft_id = store.create("v1")["id"]
    draft = save(store, draft_id, {"ecog": 1}, version="v2")
    assert draft["rules_version"] == "v2"
    assert ("rules_version", "v1", "v2") in changes(store, draft)


def test_a_renamed_draft_keeps_its_name_and_the_change_is_in_its_history(store):
    draft_id = store.create("v1")["id"]
    store.rename(draft_id, "Bed 4", by="signed-in user")
    draft = store.get(draft_id)
    assert draft["name"] == "Bed 4"
    assert changes(store, draft) == [("name", "", "Bed 4")]


def test_a_deleted_draft_is_gone_for_good(store):
    draft_id = store.create("v1")["id"]
    store.delete(draft_id)
    assert store.get(draft_id) is None
    assert not (store.folder / f"{draft_id}.json").exists()
    with pytest.raises(NoSuchDraft):
        store.delete(draft_id)


def test_saving_a_draft_that_does_not_exist_is_refused(store):
    with pytest.raises(NoSuchDraft):
        save(store, "0" * 32, {"ecog": 1})


@pytest.mark.parametrize("bad", ["../secret_key", "../../etc/passwd", "A" * 32, "0" * 31, "0" * 33, "", None])
def test_anything_but_a_draft_id_never_reaches_the_file_system(store, bad):
    before = sorted(path.name for path in store.folder.rglob("*"))
    assert store.get(bad) is None
    for attempt in (lambda: save(store, bad, {"ecog": 1}), lambda: store.rename(bad, "x"),
                    lambda: store.delete(bad), lambda: store.export(bad, "NCT1")):
        with pytest.raises(NoSuchDraft):
            attempt()
    assert sorted(path.name for path in store.folder.rglob("*")) == before


# Writing to disk --------------------------------------------------------------------------------

def test_an_interrupted_write_leaves_the_previous_file_whole(store, monkeypatch):
    draft_id = store.create("v1")["id"]
    save(store, draft_id, {"ecog": 1})
    before = (store.folder / f"{draft_id}.json").read_bytes()

    def power_cut(source, target):
        raise OSError("power cut before the rename")
    monkeypatch.setattr(os, "replace", power_cut)
    with pytest.raises(OSError):
        save(store, draft_id, {"ecog": 2})
    monkeypatch.undo()
    assert (store.folder / f"{draft_id}.json").read_bytes() == before
    assert store.get(draft_id)["answers"] == {"ecog": 1}
    assert not list(store.folder.glob(".*.tmp"))


def recorded_disk_calls(monkeypatch) -> list[str]:
    """The fsyncs and renames made from now on, in order."""
    calls, fsync, replace = [], os.fsync, os.replace

    def recorded_fsync(descriptor):
        calls.append("fsync folder" if stat.S_ISDIR(os.fstat(descriptor).st_mode) else "fsync file")
        fsync(descriptor)

    def recorded_replace(source, target):
        calls.append(f"replace {os.path.basename(target)}")
        replace(source, target)
    monkeypatch.setattr(os, "fsync", recorded_fsync)
    monkeypatch.setattr(os, "replace", recorded_replace)
    return calls


def test_a_write_reaches_the_disk_before_it_replaces_the_file_and_the_folder_is_synced_after(store, monkeypatch):
    draft_id = store.create("v1")["id"]
    calls = recorded_disk_calls(monkeypatch)
    save(store, draft_id, {"ecog": 1})
    assert calls == ["fsync file", f"replace {draft_id}.json", "fsync folder"]  # the change is inline


def test_the_latest_changes_move_to_the_history_file_durably_before_the_draft_lets_them_go(store, monkeypatch):
    draft_id = store.create("v1")["id"]  # "created" is the first change
    for ecog in range(5):
        save(store, draft_id, {"ecog": ecog})
    assert not (store.folder / f"{draft_id}.history.jsonl").exists()
    calls = recorded_disk_calls(monkeypatch)
    save(store, draft_id, {"notes": "n" * INLINE_HISTORY_BYTES})
    assert calls == ["fsync file",  # the history's new lines, committed only by the draft's replacement:
                     "fsync folder",  # the history file is new
                     "fsync file", f"replace {draft_id}.json", "fsync folder"]
    stored = json.loads((store.folder / f"{draft_id}.json").read_text())["draft"]["1"]
    assert "history" not in stored and stored["history_bytes"] > 0
    save(store, draft_id, {"ecog": 2})
    assert [entry.get("field") for entry in store.history(draft_id)] == [None] + ["ecog"] * 5 + ["notes", "ecog"]


def test_files_and_folders_are_private_whatever_the_umask(tmp_path):
    previous = os.umask(0)
    try:
        store = DraftStore(tmp_path / "drafts")
        draft_id = store.create("v1")["id"]
        save(store, draft_id, {"notes": "n" * INLINE_HISTORY_BYTES})  # enough to start the history file
    finally:
        os.umask(previous)
    modes = {path.relative_to(tmp_path).as_posix(): stat.S_IMODE(path.stat().st_mode)
             for path in [tmp_path / "drafts", *(tmp_path / "drafts").rglob("*")]}
    assert modes == {"drafts": 0o700, "drafts/.locks": 0o700, "drafts/damaged": 0o700,
                     f"drafts/{draft_id}.json": 0o600, f"drafts/{draft_id}.history.jsonl": 0o600,
                     f"drafts/.locks/{draft_id[:2]}.lock": 0o600}


def test_a_data_folder_that_was_open_to_others_is_made_private(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    create_app({"DATA_DIR": str(data), "SECRET_KEY": "test"})
    assert stat.S_IMODE(data.stat().st_mode) == 0o700


# Listing ------------------------------------------------------------------------------------------

def test_summaries_list_every_draft_newest_change_first(store):
    first, second = store.create("v1")["id"], store.create("v1")["id"]
    save(store, first, record={"patient_name": "Ada", "notes": "not on the start page"})
    assert [summary["id"] for summary in store.summaries()] == [first, second]
    assert store.summaries()[0]["record"] == {"patient_name": "Ada"}


def test_summaries_see_what_another_process_changed(store, tmp_path):
    other_process = DraftStore(tmp_path / "drafts")
    draft_id = store.create("v1")["id"]
    store.summaries()
    save(other_process, draft_id, verdict="ineligible", record={"patient_name": "Ada"})
    created = other_process.create("v1")["id"]
    other_process.delete(draft_id)
    assert [summary["id"] for summary in store.summaries()] == [created]
    save(other_process, created, {"ecog": 1}, verdict="eligible")
    assert store.summaries()[0]["verdict"] == "eligible"


def test_summaries_read_only_the_drafts_changed_since_the_last_listing(store, monkeypatch):
    ids = [store.create("v1")["id"] for _ in range(5)]
    reads, read = [], storage.read_untouched
    monkeypatch.setattr(storage, "read_untouched", lambda path: reads.append(path.stem) or read(path))
    store.summaries()
    assert sorted(reads) == sorted(ids)
    reads.clear()
    save(store, ids[2], {"ecog": 1})
    reads.clear()
    store.summaries()
    assert reads == [ids[2]]


# Export documents ---------------------------------------------------------------------------------

def test_an_export_holds_the_answers_as_entered_the_record_and_the_history(store):
    draft_id = store.create("v1")["id"]
    store.rename(draft_id, "Bed 4")
    draft = save(store, draft_id, {"platelets": {"value": 85, "unit": "10^9/L"}}, {"patient_name": "Ada"})
    document = store.export(draft_id, "NCT07166406")
    assert document["format"] == "checklist-draft/1" and document["trial"] == "NCT07166406"
    assert document["answers"] == {"platelets": {"value": 85, "unit": "10^9/L"}}
    assert document["record"] == {"patient_name": "Ada"} and document["name"] == "Bed 4"
    assert document["history"] == store.history(draft["id"]) and document["rules_version"] == "v1"


def test_a_bare_answers_document_is_read_as_the_answers_of_a_new_draft():
    assert read_export({"ecog": 1}, "NCT1", RECORD_LIMITS) == ({"answers": {"ecog": 1}}, {})


@pytest.mark.parametrize("document, part", [
    ([1, 2], "file"),
    ({"answers": [1]}, "answers"),
    ({"answers": {}, "trial": "NCT00000000"}, "trial"),
    ({"answers": {}, "name": 5}, "name"),
    ({"answers": {}, "name": "x" * 201}, "name"),
    ({"answers": {}, "record": {"favourite_colour": "blue"}}, "record"),
    ({"answers": {}, "record": {"patient_name": "x" * 201}}, "record"),
    ({"answers": {}, "record": {"patient_name": 5}}, "record"),
    ({"answers": {}, "history": {}}, "history"),
    ({"answers": {}, "history": [{"at": "2026-06-15", "by": None}]}, "history"),
    ({"answers": {}, "history": [{"at": 5, "by": None, "event": "created"}]}, "history"),
    ({"answers": {}, "history": [{"at": "t", "by": None, "event": "created", "script": "x"}]}, "history"),
    ({"answers": {}, "rules_version": 5}, "rules_version"),
])
def test_an_export_document_that_is_not_well_formed_is_refused_naming_the_part(document, part):
    assert part in read_export(document, "NCT1", RECORD_LIMITS)[1]


# The lifecycle on the page --------------------------------------------------------------------------

def history_rows(page) -> list[list[str]]:
    rows = re.findall(r"<tr><td>(.*?)</tr>", page, re.S)
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"(?:^|<td>)(.*?)</td>", "<td>" + row, re.S)]
            for row in rows]


def test_the_draft_page_shows_its_change_history_newest_first(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, platelets="45000")
    actions.answer(draft, platelets="85", platelets_unit="10^9/L")
    actions.answer(draft, ascites="moderate_severe")
    rows = [row[1:] for row in history_rows(client.get(draft).text)]
    assert rows == [["Ascites", "moderate to severe", ""], ["Platelets", "45,000 cells/mm³ → 85 × 10⁹/L", ""],
                    ["Platelets", "45,000 cells/mm³", ""], ["Draft started", "", ""]]


def test_the_history_fragment_is_served_alone_for_the_collapsible_section(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, ecog="1")
    fragment = client.get(f"{draft}/history").text
    assert fragment.lstrip().startswith('<div id="history">') and "<html" not in fragment
    assert "ECOG" in fragment


def test_a_change_made_when_signed_in_is_recorded_as_by_a_signed_in_user(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "test", "PASSCODE": "ward-7 tablet",
                      "SIGN_IN_FAILURE_DELAY": 0})
    client = app.test_client()
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/sign-in").text).group(1)
    client.post("/sign-in", data={"csrf_token": token, "passcode": "ward-7 tablet"})
    actions = Actions(client)
    draft = actions.new_draft()
    actions.answer(draft, ecog="1")
    history = app.extensions["draft_store"].history(draft.rsplit("/", 1)[1])
    assert [entry["by"] for entry in history] == ["signed-in user", "signed-in user"]


def test_a_renamed_draft_shows_its_name_on_the_start_page(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, patient_name="Ada Example")
    response = client.post(f"{draft}/rename", data={"csrf_token": actions.token, "name": "  Bed 4,\n ward 7 "})
    assert response.status_code == 303 and response.location == draft
    assert re.search(r'class="name">Bed 4, ward 7<.*Ada Example', client.get("/").text, re.S)


def test_a_name_too_long_is_refused_with_a_message_and_nothing_changes(client, actions):
    draft = actions.new_draft()
    client.post(f"{draft}/rename", data={"csrf_token": actions.token, "name": "Bed 4"})
    response = client.post(f"{draft}/rename", data={"csrf_token": actions.token, "name": "x" * 201})
    assert response.status_code == 422
    assert "at most 200 characters" in response.text
    assert 'value="Bed 4"' in client.get(draft).text


def test_deleting_asks_for_confirmation_first(client, actions):
    draft = actions.new_draft()
    page = client.get(f"{draft}/delete")
    assert page.status_code == 200
    assert f'action="{draft}/delete"' in page.text and "for good" in page.text
    assert client.get(draft).status_code == 200


def test_a_confirmed_delete_removes_the_draft_and_the_start_page_says_so(client, actions):
    draft = actions.new_draft()
    response = client.post(f"{draft}/delete", data={"csrf_token": actions.token})
    assert response.status_code == 303 and response.location == "/"
    assert "The draft has been deleted." in client.get("/").text
    assert client.get(draft).status_code == 404


def test_the_checklist_page_offers_deleting_the_draft_once_its_summary_is_exported(client, actions):
    draft = actions.new_draft()
    assert f'href="{draft}/delete"' in client.get(draft).text


@pytest.mark.parametrize("action", ["rename", "delete", "export"])
def test_a_lifecycle_post_without_the_csrf_token_is_refused_and_changes_nothing(client, actions, action):
    draft = actions.new_draft()
    actions.answer(draft, ecog="1")
    assert client.post(f"{draft}/{action}", data={"name": "x"}).status_code == 400
    assert client.get(draft).status_code == 200 and 'value="x"' not in client.get(draft).text


def test_an_import_without_the_csrf_token_is_refused_and_creates_nothing(app, client, actions):
    upload = (io.BytesIO(b'{"ecog": 1}'), "answers.json")
    assert client.post("/drafts/import", data={"draft": upload}).status_code == 400
    assert app.extensions["draft_store"].summaries() == []


def test_the_start_page_shows_the_newest_drafts_and_links_to_all(client, actions, monkeypatch):
    monkeypatch.setattr(clinician, "START_PAGE_DRAFTS", 2)
    for _ in range(3):
        actions.new_draft()
    assert client.get("/").text.count('href="/drafts/') == 2
    assert "Show all drafts (1 older not shown)" in client.get("/").text
    assert client.get("/?all=1").text.count('href="/drafts/') == 3


# Rules versions ------------------------------------------------------------------------------------------

@pytest.fixture
def changed_rules(tmp_path):
    """A rules file in which platelets need only 40,000: another rules version."""
    rules = json.loads((ROOT / "rules.json").read_text(encoding="utf-8"))
    rules["answers_schema"] = str(ROOT / rules["answers_schema"])
    criterion = next(criterion for criterion in rules["criteria"] if criterion["id"] == "platelets")
    criterion["require"] = {">=": [{"var": "platelets"}, 40000]}
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(rules), encoding="utf-8")
    return path


def test_a_draft_opened_under_changed_rules_is_re_evaluated_and_says_so(tmp_path, changed_rules):
    before = create_app({"DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "test"}).test_client()
    draft = Actions(before).new_draft()
    Actions(before).answer(draft, platelets="45000")
    assert "rules-changed" not in before.get(draft).text
    after = create_app({"DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "test", "RULES_FILE": str(changed_rules)})
    page = after.test_client().get(draft).text
    assert re.search(r'id="rules-changed".*?it was\s+Not eligible and is now Incomplete', page, re.S)
    assert 'data-verdict="incomplete"' in page
    assert "rules changed since" in after.test_client().get("/").text


def test_the_next_change_under_changed_rules_records_their_version(tmp_path, changed_rules):
    before = create_app({"DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "test"}).test_client()
    draft = Actions(before).new_draft()
    after = create_app({"DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "test", "RULES_FILE": str(changed_rules)})
    client = after.test_client()
    Actions(client).answer(draft, ecog="1")
    assert "rules-changed" not in client.get(draft).text
    store = after.extensions["draft_store"]
    saved = store.get(draft.rsplit("/", 1)[1])
    assert saved["rules_version"] == after.extensions["trial"].version
    assert "rules_version" in [entry.get("field") for entry in store.history(saved["id"])]


def _damage(draft_file, change):
    stored = json.loads(draft_file.read_text())
    draft = stored["draft"]["1"]
    stored = change(stored, draft)
    draft_file.write_text(json.dumps(stored))


DAMAGE = {
    "a list for the table": lambda stored, draft: {"draft": []},
    "null for the table": lambda stored, draft: {"draft": None},
    "a string for the draft": lambda stored, draft: {"draft": {"1": "x"}},
    "an inline history entry that is a number": lambda stored, draft: (draft.update(history=[7]), stored)[1],
    "an inline history entry without who": lambda stored, draft: (
        draft.update(history=[{"at": draft["created"], "event": "created"}]), stored)[1],
    "an inline history time that is not a time": lambda stored, draft: (
        draft.update(history=[{"at": "soon", "by": None, "event": "created"}]), stored)[1],
    "a signature that is not base64": lambda stored, draft: (draft.update(signature="*not base64*"), stored)[1],
    "a quantity without its unit": lambda stored, draft: (draft["answers"].update(platelets={"value": 150}), stored)[1],
    "a record field that is not text": lambda stored, draft: (draft["record"].update(patient_name=["A"]), stored)[1],
    "a verdict that is no verdict": lambda stored, draft: (draft.update(verdict="maybe"), stored)[1],
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_one_damaged_draft_file_is_set_aside_and_every_other_page_keeps_working(app, client, actions, damage):
    kept, damaged = actions.new_draft(), actions.new_draft()
    actions.answer(damaged, platelets="150000", patient_name="Ada Example")
    path = app.extensions["draft_store"].folder / f"{damaged.rsplit('/', 1)[-1]}.json"
    _damage(path, DAMAGE[damage])
    start = client.get("/")
    assert start.status_code == 200
    assert "moved aside" in start.text or "could not be read" in start.text
    assert client.get(kept).status_code == 200
    assert client.get(damaged).status_code == 404
    assert client.get(f"{kept}/summary").status_code == 200


def _damage_history(store, draft_id, change):
    """Change the committed history and keep all of it in the history file (the draft's
    history_bytes follows it)."""
    text = "".join(json.dumps(entry) + "\n" for entry in change(store.history(draft_id)))
    (store.folder / f"{draft_id}.history.jsonl").write_text(text)
    draft_file = store.folder / f"{draft_id}.json"
    stored = json.loads(draft_file.read_text())
    stored["draft"]["1"]["history_bytes"] = len(text.encode())
    del stored["draft"]["1"]["history"]
    draft_file.write_text(json.dumps(stored))


HISTORY_DAMAGE = {
    "an entry that is a number": lambda entries: entries + [7],
    "an entry without who": lambda entries: [{key: value for key, value in entries[0].items() if key != "by"}],
    "a time that is not a time": lambda entries: [{**entries[0], "at": "soon"}],
    "an old value that is an object": lambda entries: entries + [{"at": entries[0]["at"], "by": None,
                                                                  "field": "ecog", "old": {"a": 1}, "new": 1}],
}


@pytest.mark.parametrize("damage", list(HISTORY_DAMAGE))
def test_a_draft_whose_history_is_damaged_is_set_aside_when_opened_and_listed(app, client, actions, damage):
    kept, damaged = actions.new_draft(), actions.new_draft()
    actions.answer(damaged, platelets="150000")
    _damage_history(app.extensions["draft_store"], damaged.rsplit("/", 1)[-1], HISTORY_DAMAGE[damage])
    opened = client.get(damaged)
    assert opened.status_code == 404 and "moved aside" in opened.text
    assert "could not be read" in client.get("/").text
    assert client.get(kept).status_code == 200


def test_what_a_crashed_save_appended_to_the_history_does_not_count(store):
    draft_id = store.create("v1")["id"]
    save(store, draft_id, {"ecog": 1})
    with open(store.folder / f"{draft_id}.history.jsonl", "a") as history:
        history.write('{"at": "2026-01-01T00:00:00Z", "by": null, "field": "ecog", "old": 1, "ne')
    assert [entry.get("field") for entry in store.history(draft_id)] == [None, "ecog"]
    save(store, draft_id, {"ecog": 2})
    assert changes(store, store.get(draft_id)) == [("ecog", None, 1), ("ecog", 1, 2)]


def test_a_save_does_not_read_the_history(store, monkeypatch):
    draft_id = store.create("v1")["id"]
    monkeypatch.setattr(type(store), "_read_history", lambda *_: pytest.fail("the history was read"))
    save(store, draft_id, {"ecog": 1})
    store.rename(draft_id, "Bed 4")


def test_a_draft_saved_with_its_whole_history_inline_keeps_it_and_moves_it_to_its_own_file_as_it_grows(store):
    draft_id = store.create("v1")["id"]
    draft_file, history_file = store.folder / f"{draft_id}.json", store.folder / f"{draft_id}.history.jsonl"
    stored = json.loads(draft_file.read_text())
    legacy = stored["draft"]["1"]  # as saved before drafts had a history file and last_changes
    legacy["history"].append({"at": legacy["created"], "by": None, "field": "ecog", "old": None, "new": 1})
    legacy["answers"] = {"ecog": 1}
    del legacy["last_changes"]
    draft_file.write_text(json.dumps(stored))
    assert changes(store, store.get(draft_id)) == [("ecog", None, 1)]
    save(store, draft_id, {"ecog": 2})
    assert changes(store, store.get(draft_id)) == [("ecog", None, 1), ("ecog", 1, 2)]
    save(store, draft_id, {"notes": "n" * INLINE_HISTORY_BYTES})
    assert "history" not in json.loads(draft_file.read_text())["draft"]["1"] and history_file.exists()
    assert changes(store, store.get(draft_id)) == [("ecog", None, 1), ("ecog", 1, 2), ("notes", None, "n" * INLINE_HISTORY_BYTES)]


def test_a_deleted_draft_leaves_no_history_behind(store):
    draft_id = store.create("v1")["id"]
    store.delete(draft_id)
    assert list(store.folder.glob("*.jsonl")) == []


def test_the_history_of_a_draft_whose_creation_a_crash_interrupted_is_removed(store):
    orphan = store.folder / f"{'d' * 32}.history.jsonl"
    orphan.write_text("{}\n")
    store.remove_leftovers(older_than=-1)
    assert not orphan.exists()


def test_the_page_shows_the_latest_changes_and_offers_the_rest(client, actions):
    draft = actions.new_draft()
    for platelets in range(100000, 100025):
        actions.answer(draft, platelets=str(platelets))
    page = client.get(draft).text
    assert len(history_rows(page)) == 20 and "Show all 26 changes" in page
    assert len(history_rows(client.get(f"{draft}/history?all=1").text)) == 26


def test_a_long_note_is_cut_in_the_history_table_and_whole_in_the_export(app, client, actions):
    draft = actions.new_draft()
    note = "word " * 600
    store = app.extensions["draft_store"]
    draft_id = draft.rsplit("/", 1)[1]
    store.save(draft_id, {}, {"patient_name": note.strip()}, verdict_of=lambda merged: "incomplete",
               rules_version=app.extensions["trial"].version)
    change = history_rows(client.get(draft).text)[0][2]
    assert change.endswith("…") and len(change) == 300
    assert store.export(draft_id, "t")["history"][-1]["new"] == note.strip()


def test_a_folder_named_like_a_draft_leaves_the_start_page_working(app, client, actions):
    kept = actions.new_draft()
    (app.extensions["draft_store"].folder / f"{'a' * 32}.json").mkdir()
    assert client.get("/").status_code == 200
    assert client.get(kept).status_code == 200


def test_a_draft_autosaving_a_long_note_stays_small_and_its_export_imports(app, client, actions):
    """120 autosaves of a 3,000-character note: the draft file (read and rewritten by every save)
    stays the size of one note, the page shows a bounded history, and the export imports again."""
    draft = actions.new_draft()
    for version in range(120):
        assert actions.answer(draft, notes=f"{version:03d} " + "n" * 3000).status_code == 200
    draft_id = draft.rsplit("/", 1)[1]
    assert (app.extensions["draft_store"].folder / f"{draft_id}.json").stat().st_size < 12_000
    assert len(client.get(draft).text) < 120_000
    exported = client.post(f"{draft}/export", data={"csrf_token": actions.token}).data
    assert len(exported) > 256 * 1024  # more than an answer may be, which an upload may
    boundary, body = encode_multipart({"csrf_token": actions.token, "draft": FileStorage(io.BytesIO(exported), "draft.json")})
    imported = client.post("/drafts/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert imported.status_code == 303


@pytest.mark.skipif(not hasattr(os, "O_NOATIME"), reason="O_NOATIME is Linux's")
def test_reading_a_draft_leaves_its_access_time_alone(store):
    """So that the next save's fsync does not also write an inode that a read dirtied."""
    draft_id = store.create("v1")["id"]
    path = store.folder / f"{draft_id}.json"
    os.utime(path, ns=(1_000_000_000, path.stat().st_mtime_ns))  # an access time older than the last change
    store.get(draft_id)
    assert path.stat().st_atime_ns == 1_000_000_000
