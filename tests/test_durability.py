"""Drafts are never lost: a server killed mid-answer, writers at once (threads, processes, two
servers on one folder), a damaged file, retention, and export then import."""
from __future__ import annotations

import errno
import http.client
import io
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

import pytest

from checklist import create_app
from checklist.persistence import retention, schema, storage
from checklist.cli import main as checklist_command
from checklist.persistence.storage import DAMAGED_STAMP, DraftStore
from support import ROOT, VIGNETTES

ENVIRONMENT = {**os.environ, "PYTHONPATH": str(ROOT)}
SAFETY_NET = 120  # seconds: only so that a broken build fails instead of hanging


class Server:
    """`checklist serve` really started on a data folder and a free port."""

    def __init__(self, data):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "checklist", "serve", "--port", "0", "--data", str(data)],
            env=ENVIRONMENT, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()  # printed once it listens
        self.port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", line).group(1))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=SAFETY_NET)
        self.process.stdout.close()

    def kill(self):
        """SIGKILL: no cleanup, no flush, whatever the server was doing."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=SAFETY_NET)


class Tablet:
    """One tablet's session with a server, posting answers as htmx does."""

    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=SAFETY_NET)
        self.connection.request("GET", "/")
        response = self.connection.getresponse()
        self.token = re.search(r'name="csrf-token" content="([^"]+)"', response.read().decode()).group(1)
        self.cookie = response.getheader("Set-Cookie").split(";")[0]

    def post(self, path, fields, htmx=True):
        headers = {"Cookie": self.cookie, "X-CSRFToken": self.token,
                   "Content-Type": "application/x-www-form-urlencoded", **({"HX-Request": "true"} if htmx else {})}
        self.connection.request("POST", path, urllib.parse.urlencode(fields), headers)
        response = self.connection.getresponse()
        response.read()
        return response

    def new_draft(self) -> str:
        return self.post("/drafts", {}, htmx=False).getheader("Location")

    def answer(self, draft, **fields) -> int:
        return self.post(f"{draft}/answers", fields).status

    def evaluation(self, draft) -> dict:
        self.connection.request("GET", f"{draft}/evaluation.json", headers={"Cookie": self.cookie})
        return json.loads(self.connection.getresponse().read())


@pytest.fixture
def tablet():
    """tablet(port): a new tablet session with that server, closed after the test."""
    opened = []

    def open_tablet(port):
        opened.append(Tablet(port))
        return opened[-1]
    yield open_tablet
    for session in opened:
        session.connection.close()


def draft_id(location: str) -> str:
    return location.rsplit("/", 1)[1]


def form_fields(answers: dict) -> list[dict]:
    """One form post per fact of an answers document, as the page posts them."""
    posts = []
    for fact, value in answers.items():
        if isinstance(value, dict):
            posts.append({fact: value["value"], f"{fact}_unit": value["unit"]})
        else:
            posts.append({fact: ("true" if value else "false") if isinstance(value, bool) else value})
    return posts


def full_answers() -> dict:
    return json.loads((VIGNETTES / "01-all-criteria-met.json").read_text(encoding="utf-8"))["answers"]


# A server killed mid-answer ----------------------------------------------------------------------

def keep_answering(tablet, draft, first_value, sent, acknowledged, refused, acks):
    """Post platelet counts first_value, first_value + 1, ... until the server dies."""
    value = first_value
    while True:
        sent[draft] = value
        try:
            status = tablet.answer(draft, platelets=value)
        except (OSError, http.client.HTTPException):
            return
        if status != 200:
            refused.append(status)
            return
        acknowledged[draft].append(value)
        acks.put(draft)
        value += 1


def test_every_answer_acknowledged_before_a_sigkill_is_there_after_restart(tmp_path, tablet):
    data = tmp_path / "data"
    sent, acknowledged, refused = {}, {}, []
    for _round in range(3):
        with Server(data) as server:
            tablets = [tablet(server.port) for _ in range(4)]
            drafts = list(acknowledged) or [tablets[0].new_draft() for _ in tablets]
            acks = queue.Queue()
            threads = []
            for session, draft in zip(tablets, drafts):
                acknowledged.setdefault(draft, [])
                first_value = sent.get(draft, 49999) + 1  # never resend a value that may have been saved
                threads.append(threading.Thread(target=keep_answering, daemon=True,
                                                args=(session, draft, first_value, sent, acknowledged, refused, acks)))
            for thread in threads:
                thread.start()
            for _ in range(40):  # the kill lands while the four tablets are posting
                acks.get(timeout=SAFETY_NET)
            server.kill()
            for thread in threads:
                thread.join(timeout=SAFETY_NET)
    assert refused == []
    with Server(data) as server:
        reader = tablet(server.port)
        for draft, values in acknowledged.items():
            saved = reader.evaluation(draft)["answers"]["platelets"]
            assert saved in (values[-1], sent[draft])  # the last acknowledged, or one in flight at the kill
    store = DraftStore(data / "drafts")
    for draft, values in acknowledged.items():
        history = [entry["new"] for entry in store.history(draft_id(draft)) if entry.get("field") == "platelets"]
        assert set(values) <= set(history), "an acknowledged answer is missing from the history"
        assert history == sorted(history)
    assert store.damaged() == []


# Writers at once ----------------------------------------------------------------------------------

def test_threads_saving_one_draft_at_once_lose_nothing(tmp_path):
    store = DraftStore(tmp_path / "drafts")
    draft = store.create("v1")["id"]

    def tablet(number):
        for value in range(25):
            store.save(draft, {f"fact_{number}": value}, {}, verdict_of=lambda answers: "incomplete",
                       rules_version="v1")
    threads = [threading.Thread(target=tablet, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SAFETY_NET)
    saved = store.get(draft)
    assert saved["answers"] == {f"fact_{number}": 24 for number in range(8)}
    for number in range(8):
        assert [entry["new"] for entry in store.history(draft) if entry.get("field") == f"fact_{number}"] == list(range(25))


WRITER = """
import sys
from checklist.persistence.storage import DraftStore
folder, draft, fact, saves = sys.argv[1:]
store = DraftStore(folder)
print("ready", flush=True)
sys.stdin.readline()
for value in range(int(saves)):
    store.save(draft, {fact: value}, {}, verdict_of=lambda answers: "incomplete", rules_version="v1")
"""


def test_processes_saving_one_draft_at_once_lose_nothing(tmp_path):
    store = DraftStore(tmp_path / "drafts")
    draft = store.create("v1")["id"]
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(store.folder), draft, f"fact_{number}", "60"],
                                env=ENVIRONMENT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
               for number in range(4)]
    for writer in writers:
        assert writer.stdout.readline() == "ready\n"
    for writer in writers:  # all start saving together
        writer.stdin.write("go\n")
        writer.stdin.close()
    for writer in writers:
        assert writer.wait(timeout=SAFETY_NET) == 0
        writer.stdout.close()
    saved = store.get(draft)
    assert saved["answers"] == {f"fact_{number}": 59 for number in range(4)}
    assert len([entry for entry in store.history(draft) if "field" in entry]) == 4 * 60


def test_two_servers_on_one_data_folder_keep_every_answer_two_tablets_sent(tmp_path, tablet):
    data = tmp_path / "data"
    answers = full_answers()
    facts = list(answers)
    with Server(data) as first, Server(data) as second:
        ward, clinic = tablet(first.port), tablet(second.port)
        draft = ward.new_draft()
        statuses = []
        halves = [(ward, {fact: answers[fact] for fact in facts[0::2]}),
                  (clinic, {fact: answers[fact] for fact in facts[1::2]})]
        threads = [threading.Thread(target=lambda session, half: statuses.extend(
                       session.answer(draft, **fields) for fields in form_fields(half)), args=pair)
                   for pair in halves]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=SAFETY_NET)
        assert statuses == [200] * len(facts)
        document = clinic.evaluation(draft)
        assert set(document["answers"]) == set(facts)
        assert document["verdict"] == "eligible"
        ward.answer(draft, platelets=70000)
        clinic.answer(draft, platelets=80000)
        assert ward.evaluation(draft)["answers"]["platelets"] == 80000  # the later answer wins


# A damaged file ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("damage", [b"", b'{"draft": {"1": {"id": "', b"\xff\xfe\x00garbage", b"[]",
                                    b'{"draft": {}}', b'{"draft": {"1": {"id": "someone else"}}}',
                                    b'{"draft": []}', b'{"draft": null}', b'{"draft": {"1": "x"}}'],
                         ids=["empty", "truncated", "not-text", "not-a-database", "no-draft", "not-a-draft",
                              "table-a-list", "table-null", "document-text"])
def test_a_damaged_draft_file_is_moved_aside_and_every_other_draft_keeps_working(app, client, actions, damage, caplog):
    kept, damaged = actions.new_draft(), actions.new_draft()
    actions.answer(kept, ecog="1")
    actions.answer(damaged, notes="n" * 4000)  # enough history for a file of its own
    folder = app.extensions["draft_store"].folder
    (folder / f"{draft_id(damaged)}.json").write_bytes(damage)
    page = client.get("/").text
    assert "could not be read" in page and f"{draft_id(damaged)}.json.damaged-" in page
    aside = sorted((folder / "damaged").iterdir(), key=lambda path: ".history" in path.name)
    assert [path.read_bytes() for path in aside[:1]] == [damage]
    assert aside[1].name.startswith(f"{draft_id(damaged)}.history.jsonl.damaged-")  # its history goes with it
    assert not (folder / f"{draft_id(damaged)}.json").exists()
    assert any(record.levelname == "ERROR" and draft_id(damaged) in record.getMessage() for record in caplog.records)
    assert actions.answer(kept, platelets="45000").status_code == 200
    assert actions.saved(kept) == {"ecog": 1, "platelets": 45000}
    assert client.get(damaged).status_code == 404


@pytest.mark.parametrize("spoil", [
    lambda draft: draft.update(history=[7]),
    lambda draft: draft.update(history=[{"at": draft["created"], "event": "created"}]),
    lambda draft: draft.update(signature="not base64!"),
    lambda draft: draft["answers"].update(platelets={"value": 85}),
    lambda draft: draft.update(history=[{"at": "yesterday", "by": None, "event": "created"}]),
    lambda draft: draft.update(history=[{"at": draft["created"], "by": None, "field": "ecog", "old": {"a": 1}, "new": 1}]),
], ids=["history-number", "history-without-by", "signature-not-base64", "quantity-without-unit", "at-not-a-time",
        "old-an-object"])
def test_a_draft_that_is_json_but_not_a_draft_is_moved_aside_and_the_start_page_lists_it(app, client, actions, spoil):
    kept, damaged = actions.new_draft(), actions.new_draft()
    path = app.extensions["draft_store"].folder / f"{draft_id(damaged)}.json"
    database = json.loads(path.read_bytes())
    spoil(database["draft"]["1"])
    path.write_text(json.dumps(database))
    page = client.get("/")
    assert page.status_code == 200 and f"{draft_id(damaged)}.json.damaged-" in page.text
    assert client.get(damaged).status_code == 404
    assert client.get(kept).status_code == 200


def test_a_folder_named_like_a_draft_is_moved_aside(app, client, actions):
    kept = actions.new_draft()
    (app.extensions["draft_store"].folder / f"{'c' * 32}.json").mkdir()
    page = client.get("/")
    assert page.status_code == 200 and f"{'c' * 32}.json.damaged-" in page.text
    assert client.get(kept).status_code == 200


def test_the_draft_schema_is_one_json_schema_file_in_the_package():
    stored_schema = json.loads((ROOT / "checklist" / "persistence" / "draft.schema.json").read_text())
    assert stored_schema["$schema"].startswith("https://json-schema.org/")
    assert schema.DRAFT_SCHEMA == stored_schema


def test_opening_a_damaged_draft_says_its_file_was_moved_aside(app, client, actions):
    draft = actions.new_draft()
    (app.extensions["draft_store"].folder / f"{draft_id(draft)}.json").write_bytes(b"{not json")
    response = client.get(draft)
    assert response.status_code == 404
    assert "could not be read and has been moved aside" in response.text
    assert "Every other draft is unaffected" in response.text


# Retention -------------------------------------------------------------------------------------------------

def age(path, days):
    """Make the file look last changed `days` ago."""
    then = time.time() - days * 86400
    os.utime(path, (then, then))


def test_drafts_unchanged_longer_than_the_retention_are_deleted_when_the_app_starts(tmp_path):
    config = {"DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "test", "RETENTION_DAYS": 30}
    store = create_app(config).extensions["draft_store"]
    old, recent = store.create("v1")["id"], store.create("v1")["id"]
    age(store.folder / f"{old}.json", 31)
    age(store.folder / f"{recent}.json", 29)
    create_app(config)
    assert store.get(old) is None
    assert store.get(recent) is not None


def test_the_purge_runs_again_on_the_first_request_a_day_later(app, client, monkeypatch):
    store = app.extensions["draft_store"]
    draft = store.create("v1")["id"]
    age(store.folder / f"{draft}.json", 31)
    client.get("/")
    assert store.get(draft) is not None  # purged at start, not at every request
    a_day_later = time.monotonic() + retention.PURGE_EVERY_SECONDS + 1
    monkeypatch.setattr(retention, "monotonic", lambda: a_day_later)
    client.get("/")
    assert store.get(draft) is None


def test_a_failed_purge_is_logged_and_the_page_still_served(app, client, monkeypatch, caplog):
    def fail(days):
        raise PermissionError("a file the app may not delete")
    monkeypatch.setattr(app.extensions["draft_store"], "purge", fail)
    a_day_later = time.monotonic() + retention.PURGE_EVERY_SECONDS + 1
    monkeypatch.setattr(retention, "monotonic", lambda: a_day_later)
    assert client.get("/").status_code == 200
    assert "retention purge failed" in caplog.text


def test_with_no_retention_drafts_are_kept(tmp_path):
    config = {"DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "test", "RETENTION_DAYS": None}
    store = create_app(config).extensions["draft_store"]
    draft = store.create("v1")["id"]
    age(store.folder / f"{draft}.json", 3650)
    create_app(config)
    assert store.get(draft) is not None


def test_the_purge_removes_leftovers_of_crashed_writes_and_old_damaged_files(tmp_path):
    store = DraftStore(tmp_path / "drafts")
    leftover, in_progress = store.folder / ".a.json.0badf00d.tmp", store.folder / ".b.json.0badf00d.tmp"
    leftover.write_bytes(b"{")
    in_progress.write_bytes(b"{")
    age(leftover, 1 / 12)
    stamp = lambda days: time.strftime(DAMAGED_STAMP.replace("%f", "000000"), time.gmtime(time.time() - days * 86400))
    old_damage = store.damaged_folder / f"{'a' * 32}.json.damaged-{stamp(31)}"
    new_damage = store.damaged_folder / f"{'b' * 32}.json.damaged-{stamp(1)}"
    old_damage.write_bytes(b"")
    new_damage.write_bytes(b"")
    store.purge(30)
    assert not leftover.exists() and in_progress.exists()
    assert store.damaged() == [new_damage.name]


# Export and import ------------------------------------------------------------------------------------------

def export(client, actions, draft) -> dict:
    return client.post(f"{draft}/export", data={"csrf_token": actions.token}).json


def upload(client, actions, content: bytes):
    return client.post("/drafts/import", data={"csrf_token": actions.token, "draft": (io.BytesIO(content), "draft.json")})


def test_an_exported_draft_imports_with_the_same_answers_record_name_and_history(app, client, actions):
    draft = actions.new_draft()
    actions.answer(draft, platelets="85", platelets_unit="10^9/L", ecog="1", patient_name="Ada Example")
    client.post(f"{draft}/rename", data={"csrf_token": actions.token, "name": "Bed 4"})
    exported = export(client, actions, draft)
    response = upload(client, actions, json.dumps(exported).encode())
    assert response.status_code == 303 and response.location != draft
    store = app.extensions["draft_store"]
    imported = store.get(draft_id(response.location))
    history = store.history(imported["id"])
    assert imported["answers"] == exported["answers"] == {"platelets": {"value": 85, "unit": "10^9/L"}, "ecog": 1}
    assert (imported["record"], imported["name"]) == (exported["record"], exported["name"])
    assert history[:-1] == exported["history"]
    assert history[-1]["event"] == "imported"
    assert actions.evaluation(response.location) == actions.evaluation(draft)


def test_the_answers_of_an_export_are_an_answers_document_checklist_evaluate_reads(client, actions, monkeypatch, capsys):
    draft = actions.new_draft()
    actions.answer(draft, platelets="45000", ecog="1")
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(export(client, actions, draft)["answers"])))
    assert checklist_command(["evaluate", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "ineligible"


def test_an_answers_document_imports_as_a_new_draft(client, actions):
    response = upload(client, actions, json.dumps(full_answers()).encode())
    assert response.status_code == 303
    assert actions.evaluation(response.location)["verdict"] == "eligible"


@pytest.mark.parametrize("content, message", [
    (b'{"platelets": "lots", "ecog": 9}', "platelets: "),
    (b'{"platelets": "lots", "ecog": 9}', "ecog: "),
    (b'{"answers": {"ecog": 1}, "trial": "NCT00000000"}', "not NCT07166406"),
    (b'{"answers": {"ecog": 1}, "record": {"password": "x"}}', "record must be"),
    (b"not json", "not a JSON document"),
    (b'{"platelets": NaN}', "not a JSON document"),
    (b"\xff\xfe", "not a JSON document"),
    (b'{"answers": {}, "history": [{"at": "2026-01-01T00:00:00Z", "by": null, "field": "ecog", "old": {"x": 1}, '
     b'"new": 1}]}', "history must be"),
    (b'{"answers": {}, "history": [{"at": "soon", "by": null, "event": "created"}]}', "history must be"),
    (b'{"answers": {}, "name": "\\ud800"}', "name must be"),
    (b'{"answers": {}, "record": {"patient_name": "\\udfff"}}', "record must be"),
    (b'{"answers": {"ecog": ' + b"[" * 500 + b"]" * 500 + b"}}", "answers must be"),
    (b'{"answers": {"ecog": 1}, "x": ' + b"[" * 100000 + b"]" * 100000 + b"}", "nested too deeply"),
])
def test_an_invalid_import_is_refused_whole_with_a_message_for_each_problem(app, client, actions, content, message):
    response = upload(client, actions, content)
    assert response.status_code == 422
    assert message in re.search(r'id="import-errors".*?</div>', response.text, re.S).group(0)
    assert app.extensions["draft_store"].summaries() == []


def test_an_import_without_a_file_is_refused_with_a_message(client, actions):
    response = client.post("/drafts/import", data={"csrf_token": actions.token})
    assert response.status_code == 422
    assert "Choose an exported draft" in response.text


def test_the_start_page_offers_the_import(client):
    page = client.get("/").text
    assert re.search(r'<form method="post" action="/drafts/import" enctype="multipart/form-data"', page)


# Disk full, a read-only folder, leftovers (issue 18, items 13 and 18) ----------------------------------------

def full_disk(monkeypatch):
    """Every write that reaches the disk fails as on a full disk."""
    def no_space(descriptor):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(storage.os, "fsync", no_space)


def read_only_folder(monkeypatch):
    """Opening any file for writing fails as in a read-only data folder (tests run as root, so chmod cannot)."""
    opened = os.open

    def read_only(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise PermissionError(errno.EROFS, "Read-only file system", str(path))
        return opened(path, flags, *args, **kwargs)
    monkeypatch.setattr(storage.os, "open", read_only)


def test_a_save_on_a_full_disk_answers_507_not_saved_and_keeps_the_draft_as_it_was(client, actions, monkeypatch):
    draft = actions.new_draft()
    actions.answer(draft, ecog="1")
    full_disk(monkeypatch)
    response = client.post(f"{draft}/answers", data={"ecog": "2"}, headers={"X-CSRFToken": actions.token})
    assert response.status_code == 507
    assert "Not saved: the disk is full" in response.text
    monkeypatch.undo()
    assert actions.saved(draft) == {"ecog": 1}
    assert not list(client.application.extensions["draft_store"].folder.glob(".*.tmp"))


def test_drafts_can_still_be_read_when_the_data_folder_is_read_only(client, actions, monkeypatch):
    draft = actions.new_draft()
    actions.answer(draft, ecog="1")
    read_only_folder(monkeypatch)
    assert client.get(draft).status_code == 200
    assert client.get("/").status_code == 200


def test_a_first_start_on_a_full_disk_leaves_no_empty_secret_key(tmp_path, monkeypatch):
    full_disk(monkeypatch)
    with pytest.raises(OSError):
        create_app({"DATA_DIR": str(tmp_path / "data")})
    assert not (tmp_path / "data" / "secret_key").exists()


def test_leftovers_of_a_crashed_write_are_removed_at_start_even_without_retention(tmp_path):
    config = {"DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "test", "RETENTION_DAYS": None}
    store = create_app(config).extensions["draft_store"]
    leftover = store.folder / f".{'a' * 32}.json.0badf00d.tmp"
    leftover.write_bytes(b'{"draft": {}}')
    age(leftover, 2 / 1440)
    create_app(config)
    assert not leftover.exists()


def test_a_save_in_a_read_only_data_folder_says_it_was_not_saved(client, actions, monkeypatch):
    draft = actions.new_draft()
    read_only_folder(monkeypatch)
    response = client.post(f"{draft}/answers", data={"ecog": "2"}, headers={"X-CSRFToken": actions.token})
    assert response.status_code == 503
    assert "Not saved: the data folder cannot be written" in response.text
