"""Drafts kept in TinyDB so that none is ever lost: one small file per draft, written durably.

The drafts folder (0700, every file in it 0600):
    <id>.json          one TinyDB database per draft: table "draft", document 1
    <id>.history.jsonl its history but the latest changes, one change per line, appended (only
                       the first history_bytes, recorded in the draft, count: a save that crashed
                       before its draft was written leaves nothing that counts)
    .locks/<xx>.lock   file locks, shared by the drafts whose ids start with the same two digits
    damaged/           files that could not be read, moved aside with the time they were found

A draft is a plain dict: id, name, created, updated, rules_version, answers (an answers document,
as entered), record (patient name and the like), verdict (when last saved, for the start page),
last_changes (when each field last changed), history (its latest changes) and, once drawn, the
clinician's signature (a PNG the app made, base64, see drawing.py; None once removed). Its whole
history (each change with its old and new value, time and who) is read apart, by `history`.

Why this shape (README.md, "How drafts are stored", says more):
- A save reads and rewrites one small file, so it costs the same with 10 or 10,000 drafts, and
  never reads the history, so it costs the same after 10 or 10,000 changes. Its new changes join
  the latest ones inline, written durably with the draft; past INLINE_HISTORY_BYTES (a few
  changes) they move to the history file, appended and fsynced before the draft that no longer
  holds them is written. So most saves cost one durable write, not two, and the draft stays small.
- DurableStorage, behind TinyDB's storage seam, writes a temporary file, fsyncs it, renames it
  over the old one and fsyncs the folder: a crash leaves the old file or the new one, never a
  torn one, and an acknowledged save survives a power cut.
- Every read and every read-modify-write happens under the draft's file lock, so threads and
  several server processes on one folder merge their changes instead of overwriting each other.
  Nothing read from a draft outlives an operation, except the start page's summaries, which are
  checked against each file's size, modification time and inode every time they are listed, and
  the drafts last parsed, kept with the bytes they were parsed from: a read that finds the same
  bytes on disk need not parse them again.
"""
from __future__ import annotations

import copy
import datetime as dt
import errno
import json
import logging
import os
import re
import secrets
import time
from contextlib import contextmanager
from pathlib import Path

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document

from ..documents import drawing
from .files import FILE_MODE, file_lock, private_folder, sync_folder, write_atomically
from .schema import draft_problem, fits

DRAFT_ID = re.compile(r"[0-9a-f]{32}")
TABLE, DOC_ID = "draft", 1
HISTORY_SUFFIX = ".history.jsonl"
INLINE_HISTORY_BYTES = 1024  # latest changes kept in the draft file before they move to its history file
EXPORT_FORMAT = "checklist-draft/1"
NAME_LIMIT = 200
SUMMARY_RECORD = ("patient_name", "patient_mrn")
STALE_TEMPORARY_SECONDS = 3600
PARSED_KEPT = 64  # drafts whose last parsed bytes a store keeps
LEFTOVER_AT_START_SECONDS = 60  # at start, a temporary file this old is no write in progress (one takes ms)
DISK_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
DAMAGED_STAMP = "%Y%m%dT%H%M%S%fZ"
log = logging.getLogger(__name__)


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


class NoSuchDraft(KeyError):
    """There is no draft with this id (or the id is not a draft id at all)."""


class DamagedDraft(Exception):
    """A draft file that could not be read; it has been moved aside to `aside`."""

    def __init__(self, draft_id: str, aside: Path):
        super().__init__(f"draft {draft_id} was damaged and has been moved to {aside}")
        self.aside = aside


class UnreadableFile(ValueError):
    """A database file that is not valid JSON, or not a draft."""


# The durable storage seam -------------------------------------------------------------------

class DurableStorage(Storage):
    """TinyDB storage whose writes survive a crash or a power cut at any moment.

    TinyDB's own JSONStorage rewrites its file in place, so a crash mid-write leaves broken JSON.
    This one replaces the file atomically (write_atomically) and refuses to read a damaged file
    as an empty database, which would silently lose the draft at the next write.
    """

    def __init__(self, path):
        self.path = Path(path)

    def read(self):
        data = self.read_bytes()
        return None if data is None else tables_of(data)

    def read_bytes(self) -> bytes | None:
        """The file as it is on disk, None when there is none."""
        try:
            return read_untouched(self.path)
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise UnreadableFile("a folder, not a file") from None

    def write(self, data) -> None:
        write_atomically(self.path, json_line(data))

    def close(self) -> None:
        """Nothing stays open between operations."""


# The drafts ---------------------------------------------------------------------------------

class DraftStore:
    """All drafts of one data folder. Safe to share between threads and between processes."""

    def __init__(self, folder):
        self.folder = private_folder(Path(folder))
        self.locks = private_folder(self.folder / ".locks")
        self.damaged_folder = private_folder(self.folder / "damaged")
        self._summaries: dict[str, tuple[tuple, dict]] = {}  # id: (file signature, summary)
        # id: the signature of the draft's file when last checked against the schema (or written
        # here). A draft file is only ever replaced (a new inode) or changed by hand (a new
        # modification time), so one read per version of the file is checked, not every read.
        self._checked: dict[str, tuple] = {}
        # id: (a draft file's bytes, the draft they hold), as last parsed here. A save reads its
        # draft again under the lock just after the request read it: the same bytes need no
        # parsing. Bytes decide, not a file signature, which can come back (an inode freed and
        # reused within one tick of the file system's clock) and would then hide another's save.
        self._parsed: dict[str, tuple[bytes, dict]] = {}

    def create(self, rules_version: str, *, trial: str | None = None, by=None, contents: dict | None = None,
               patient_language: str | None = None) -> dict:
        """A new draft of `trial` (its id): empty, or holding `contents` (name, answers, record,
        verdict, history) read from an export; the history then continues with this import. With
        `patient_language`, a patient's own pre-screen, in that language."""
        stamp = now()
        patient = {"patient_path": {"language": patient_language, "unsure": []}} if patient_language else {}
        draft = {"id": secrets.token_hex(16), "name": "", "created": stamp, "updated": stamp,
                 "rules_version": rules_version, "answers": {}, "record": {}, "verdict": "incomplete",
                 **patient, **copy.deepcopy(contents or {}), **({"trial": trial} if trial else {})}
        history = draft.pop("history", []) + [{"at": stamp, "by": by, "event": "imported" if contents else "created"}]
        draft["last_changes"] = last_changes(history)
        with self._locked(draft["id"]):
            self._add_history(draft, history)
            with self._table(draft["id"]) as table:
                table.insert(Document(draft, doc_id=DOC_ID))
        return draft

    def get(self, draft_id: str) -> dict | None:
        """The draft as it is on disk (without its history), or None when there is none with that id.

        A damaged file is moved aside and DamagedDraft raised.
        """
        if not is_draft_id(draft_id):
            return None
        with self._locked(draft_id):
            return self._load(draft_id)

    def history(self, draft_id: str) -> list[dict]:
        """The draft's history, oldest first. A damaged history sets the draft aside (DamagedDraft)."""
        with self._locked(draft_id):
            draft = self._load(draft_id)
            if draft is None:
                raise NoSuchDraft(draft_id)
            try:
                return self._read_history(draft)
            except UnreadableFile as problem:
                raise DamagedDraft(draft_id, self._set_aside(self._path(draft_id), problem)) from None

    def save(self, draft_id: str, answers: dict, record: dict, *, verdict_of, rules_version: str,
             by=None, given_at: str | None = None, progress_of=None, sources: dict | None = None) -> dict:
        """Merge answer changes (None clears a fact) and record changes into the draft as it is on
        disk now, and return it.

        `verdict_of(answers)` judges the merged answers inside the lock, so the verdict kept for
        the start page is that of what is saved even when two tablets save at once; whatever it
        raises propagates and nothing is written. `progress_of(answers)`, when given, is kept
        beside it (how complete the checklist is, for the start page). `given_at` (ISO time) is when
        answers given offline were given: any field changed by an answer given later is left as it is.
        `sources` ({fact: text}) says where imported answers came from, in their history entries.
        """
        def updater(draft):
            newer = changed_after(draft, given_at) if given_at else set()
            kept = {fact: value for fact, value in answers.items() if fact not in newer}
            merged = {**draft["answers"], **kept}
            merged = {fact: value for fact, value in merged.items() if value is not None}
            draft["verdict"] = verdict_of(merged)
            if progress_of:
                draft["progress"] = progress_of(merged)
            changes = [(fact, draft["answers"].get(fact), merged.get(fact)) for fact in kept]
            changes += [(name, draft["record"].get(name), value) for name, value in record.items()
                        if name not in newer]
            changes.append(("rules_version", draft["rules_version"], rules_version))
            draft["answers"], draft["rules_version"] = merged, rules_version
            draft["record"] |= {name: value for name, value in record.items() if name not in newer}
            return changes
        return self._write(draft_id, updater, by, given_at, sources)

    def confirm(self, draft_id: str, fact: str, value, *, verdict_of, by=None, progress_of=None) -> dict:
        """Record that an implausible answer was confirmed as entered (it then counts)."""
        def updater(draft):
            confirmed = draft.setdefault("confirmed", {})
            old, confirmed[fact] = confirmed.get(fact), value
            draft["verdict"] = verdict_of(draft["answers"])
            if progress_of:
                draft["progress"] = progress_of(draft["answers"])
            return [(f"confirmed:{fact}", old, value)]
        return self._write(draft_id, updater, by)

    def rename(self, draft_id: str, name: str, *, by=None) -> dict:
        """Give the draft a name of its own (shown on the start page); "" removes it."""
        def updater(draft):
            old, draft["name"] = draft["name"], name
            return [("name", old, name)]
        return self._write(draft_id, updater, by)

    def update_patient_path(self, draft_id: str, *, language: str, unsure: dict[str, bool], by=None) -> dict:
        """Note the language a patient's pre-screen is answered in, and the facts the patient is
        now sure or not sure of ({fact: True when not sure}). The caller clears a fact's answer in
        the same request when the patient is not sure of it (not sure is no answer)."""
        def updater(draft):
            path = draft["patient_path"]
            before = set(path.get("unsure", []))
            after = (before | {fact for fact, flag in unsure.items() if flag}) - {fact for fact, flag in unsure.items() if not flag}
            changes = [("patient_language", path["language"], language)]
            changes += [(f"unsure:{fact}", fact in before, flag) for fact, flag in unsure.items()]
            path["language"], path["unsure"] = language, sorted(after)
            return changes
        return self._write(draft_id, updater, by)

    def set_signature(self, draft_id: str, signature: str | None, *, by=None) -> dict:
        """Keep the clinician's drawn signature (base64 of a PNG from drawing.redrawn), or remove
        it (None). The history names each drawing by its digest rather than holding it again."""
        def updater(draft):
            old, draft["signature"] = draft.get("signature"), signature
            return [("signature", drawing.marker(old), drawing.marker(signature))]
        return self._write(draft_id, updater, by)

    def record_event(self, draft_id: str, event: str, *, by=None) -> None:
        """Add an event to the draft's history (a summary exported), changing nothing else."""
        with self._locked(draft_id):
            draft = self._load(draft_id)
            if draft is None:
                raise NoSuchDraft(draft_id)
            self._add_history(draft, [{"at": now(), "by": by, "event": event}])
            self._replace(draft)

    def delete(self, draft_id: str) -> None:
        """Delete the draft's file for good."""
        with self._locked(draft_id):
            try:
                self._path(draft_id).unlink()
            except FileNotFoundError:
                raise NoSuchDraft(draft_id) from None
            self._history_path(draft_id).unlink(missing_ok=True)
        sync_folder(self.folder)

    def export(self, draft_id: str, trial: str) -> dict:
        """The draft as a document to keep or to import elsewhere: answers, record, history."""
        draft = self.get(draft_id)
        if draft is None:
            raise NoSuchDraft(draft_id)
        draft["history"] = self.history(draft_id)
        kept = ("name", "created", "updated", "rules_version", "answers", "confirmed", "record", "history",
                "signature")
        return {"format": EXPORT_FORMAT, "trial": draft.get("trial", trial), "exported": now(),
                **{key: draft[key] for key in kept if draft.get(key) is not None}}

    def summaries(self) -> list[dict]:
        """What the start page shows of every draft, newest change first.

        Reads only the files that changed since this process last listed them, so listing
        10,000 drafts costs a folder scan, not 10,000 reads.
        """
        listed = {}
        for draft_id, signature in self._draft_files():
            known = self._summaries.get(draft_id)
            if known is None or known[0] != signature:
                try:
                    draft = self.get(draft_id)
                except DamagedDraft:
                    continue
                if draft is None:
                    continue
                known = (signature, summary_of(draft))
            listed[draft_id] = known
        self._summaries = listed
        return sorted((summary for _signature, summary in listed.values()),
                      key=lambda summary: summary["updated"], reverse=True)

    def damaged(self) -> list[str]:
        """Names of the draft files that could not be read and were moved aside, oldest first."""
        return sorted(entry.name for entry in os.scandir(self.damaged_folder) if HISTORY_SUFFIX not in entry.name)

    def purge(self, retention_days: float) -> list[str]:
        """Delete drafts unchanged for `retention_days`, damaged files set aside that long ago,
        and temporary files a crash left behind; return the ids of the drafts deleted.

        A draft's last change is its file's modification time: every save rewrites the file.
        """
        cutoff = time.time() - retention_days * 86400
        purged = [draft_id for draft_id, signature in self._draft_files()
                  if signature[0] < cutoff * 1e9 and self._delete_if_unchanged_since(draft_id, cutoff)]
        self.remove_leftovers()
        for entry in os.scandir(self.damaged_folder):
            if _damaged_at(entry.name) < cutoff:
                os.unlink(entry.path)
        if purged:
            sync_folder(self.folder)
            log.info("Deleted %d drafts unchanged for %s days (retention).", len(purged), retention_days)
        return purged

    # Every write goes through _write; every file access holds the draft's lock.

    def _write(self, draft_id: str, updater, by, given_at: str | None = None, sources: dict | None = None) -> dict:
        """Apply `updater` to the draft as it is on disk, under its lock, and record in its history
        the (field, old, new) changes the updater returns. Writes nothing when nothing changed."""
        with self._locked(draft_id):
            draft = self._load(draft_id)
            if draft is None:
                raise NoSuchDraft(draft_id)
            stamp = now()
            changes = [(field, old, new) for field, old, new in updater(draft) if not same(old, new)]
            if not changes:
                return draft
            draft["updated"] = stamp
            given = {"given": given_at} if given_at else {}
            sources = sources or {}
            entries = [{"at": stamp, "by": by, "field": field, "old": old, "new": new, **given,
                        **({"source": sources[field]} if field in sources else {})}
                       for field, old, new in changes]
            draft["last_changes"] |= last_changes(entries)
            self._add_history(draft, entries)
            self._replace(draft)
            return draft

    def _replace(self, draft: dict) -> None:
        """Write the draft over its file, as TinyDB lays out a table of one document (its update
        would read the file again first, and the lock already holds what is on disk). Holds the lock."""
        DurableStorage(self._path(draft["id"])).write({TABLE: {str(DOC_ID): draft}})
        self._checked[draft["id"]] = file_signature(self._path(draft["id"]))  # what this store wrote

    def _add_history(self, draft: dict, entries: list[dict]) -> None:
        """Add `entries` to the draft's inline history, moving it to the history file once it
        holds more than INLINE_HISTORY_BYTES; the caller then writes the draft. Holds the lock."""
        draft["history"] = draft.get("history", []) + entries
        if len(json_line(draft["history"])) > INLINE_HISTORY_BYTES:
            draft["history_bytes"] = self._append_history(draft, draft.pop("history"))

    def _append_history(self, draft: dict, entries: list[dict]) -> int:
        """Append `entries` to the draft's history file after its committed length (anything
        beyond it is from a save that crashed), durably; the new committed length. Holds the lock."""
        path = self._history_path(draft["id"])
        committed = draft.get("history_bytes", 0)
        data = b"".join(json_line(entry) + b"\n" for entry in entries)
        new_file = not path.exists()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0), FILE_MODE)
        try:
            os.ftruncate(descriptor, committed)
            os.lseek(descriptor, committed, os.SEEK_SET)
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view):]
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        if new_file:
            sync_folder(self.folder)
        return committed + len(data)

    def _read_history(self, draft: dict) -> list[dict]:
        """The committed history: the first history_bytes of the file, each line a change
        (UnreadableFile if one is not), then the changes inline in the draft."""
        return self._read_history_file(draft) + list(draft.get("history", []))

    def _read_history_file(self, draft: dict) -> list[dict]:
        size = draft.get("history_bytes", 0)
        if not size:
            return []
        try:
            with open(self._history_path(draft["id"]), "rb") as handle:
                data = handle.read(size)
        except OSError as problem:
            raise UnreadableFile(f"its history cannot be read ({problem.strerror})") from None
        if len(data) < size:
            raise UnreadableFile("its history is shorter than the draft records")
        try:
            history = [json.loads(line) for line in data.decode("utf-8").splitlines()]
        except ValueError as problem:
            raise UnreadableFile(f"its history is not valid JSON lines ({problem})") from None
        if not fits("history", history):
            raise UnreadableFile("its history holds an entry that is not a change")
        return history

    def _load(self, draft_id: str) -> dict | None:
        """The draft on disk, None if there is none; a damaged file is moved aside. Holds the lock.

        The file is read every time, and parsed (as TinyDB lays it out) unless its bytes are
        those last parsed here. The caller gets a copy of its own, as deep as any code here
        changes a draft (its answers, record, history...): the parsed draft stays as read."""
        path = self._path(draft_id)
        signature = file_signature(path)  # before the read: a file changed in between is checked at the next one
        if signature is None:
            return None
        try:
            data = DurableStorage(path).read_bytes()
            if data is None:  # deleted since
                return None
            known = self._parsed.get(draft_id)
            draft = known[1] if known is not None and known[0] == data else self._parse(draft_id, data, signature)
        except UnreadableFile as problem:
            aside = self._set_aside(path, problem)
            raise DamagedDraft(draft_id, aside) from None
        draft = {key: value.copy() if isinstance(value, (dict, list)) else value for key, value in draft.items()}
        if "last_changes" not in draft:  # saved before the history had a file of its own
            draft["last_changes"] = last_changes(draft.get("history", []))
        return draft

    def _parse(self, draft_id: str, data: bytes, signature: tuple) -> dict:
        """The draft in a file's bytes, checked against the schema once per version of the file
        (UnreadableFile when it is no draft), and kept with those bytes. Holds the lock."""
        draft = tables_of(data).get(TABLE, {}).get(str(DOC_ID))
        problem = None if self._checked.get(draft_id) == signature else draft_problem(draft, draft_id)
        if problem:
            raise UnreadableFile(f"not a draft: {problem}")
        self._checked[draft_id] = signature
        if len(self._parsed) >= PARSED_KEPT:
            self._parsed.clear()
        self._parsed[draft_id] = data, draft
        return draft

    def _set_aside(self, path: Path, problem) -> Path:
        found = dt.datetime.now(dt.timezone.utc).strftime(DAMAGED_STAMP)
        aside = self.damaged_folder / f"{path.name}.damaged-{found}"
        os.replace(path, aside)
        history = self._history_path(path.name.removesuffix(".json"))
        if history.exists():
            os.replace(history, self.damaged_folder / f"{history.name}.damaged-{found}")
        sync_folder(self.folder)
        sync_folder(self.damaged_folder)
        log.error("Draft file %s could not be read (%s). It has been moved to %s so that it can be "
                  "examined; every other draft is unaffected.", path.name, problem, aside)
        return aside

    def _delete_if_unchanged_since(self, draft_id: str, cutoff: float) -> bool:
        """Delete the draft if its file has not changed since `cutoff` (checked under its lock)."""
        with self._locked(draft_id):
            path = self._path(draft_id)
            try:
                if path.stat().st_mtime >= cutoff:
                    return False
                path.unlink()
            except FileNotFoundError:
                return False
            self._history_path(draft_id).unlink(missing_ok=True)
        return True

    def remove_leftovers(self, older_than: float = STALE_TEMPORARY_SECONDS) -> None:
        """Remove temporary files that a crash left behind (a write takes milliseconds), and the
        history of a draft whose creation a crash interrupted."""
        for entry in os.scandir(self.folder):
            orphan = entry.name.endswith(HISTORY_SUFFIX) and \
                not (self.folder / entry.name.replace(HISTORY_SUFFIX, ".json")).exists()
            try:
                if (entry.name.endswith(".tmp") or orphan) and entry.stat().st_mtime < time.time() - older_than:
                    os.unlink(entry.path)
            except FileNotFoundError:  # renamed into place or removed meanwhile
                continue

    def _draft_files(self):
        """(id, file signature) of every draft file in the folder."""
        for entry in os.scandir(self.folder):
            draft_id = entry.name.removesuffix(".json")
            if entry.name.endswith(".json") and DRAFT_ID.fullmatch(draft_id):
                try:
                    stat = entry.stat()
                except FileNotFoundError:  # deleted since the scan
                    continue
                yield draft_id, (stat.st_mtime_ns, stat.st_size, stat.st_ino)

    def _path(self, draft_id: str) -> Path:
        """The draft's file. Only a draft id gets this far, so no input can name another file."""
        if not is_draft_id(draft_id):
            raise NoSuchDraft(draft_id)
        return self.folder / f"{draft_id}.json"

    def _history_path(self, draft_id: str) -> Path:
        return self._path(draft_id).with_name(f"{draft_id}{HISTORY_SUFFIX}")

    @contextmanager
    def _locked(self, draft_id: str):
        self._path(draft_id)
        with file_lock(self.locks / f"{draft_id[:2]}.lock"):
            yield

    @contextmanager
    def _table(self, draft_id: str):
        """The draft's TinyDB table, opened for one operation so that no state outlives it."""
        with TinyDB(self._path(draft_id), storage=DurableStorage) as database:
            yield database.table(TABLE)


def read_untouched(path: Path) -> bytes:
    """The file's bytes, read without updating its access time where the system allows (Linux's
    O_NOATIME, for files of our own): reading a just-written draft would otherwise dirty its inode,
    and the next save's fsync would write that too."""
    try:
        descriptor = os.open(path, os.O_RDONLY | NO_ATIME)
    except PermissionError:  # O_NOATIME on a file of another user
        descriptor = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(descriptor, READ_SIZE):  # a file object would add fstat and lseek calls
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


NO_ATIME = getattr(os, "O_NOATIME", 0)
READ_SIZE = 1 << 16


def tables_of(data: bytes) -> dict:
    """The tables of a TinyDB database file's bytes (UnreadableFile when it holds none)."""
    try:
        tables = json.loads(data)
    except ValueError as problem:  # JSONDecodeError and UnicodeDecodeError
        raise UnreadableFile(f"not valid JSON ({problem})") from None
    if not (isinstance(tables, dict) and all(
            isinstance(table, dict) and all(isinstance(document, dict) for document in table.values())
            for table in tables.values())):
        raise UnreadableFile("not a TinyDB database")
    return tables


def json_line(data) -> bytes:
    """Data as compact UTF-8 JSON, as every file here holds it."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


def file_signature(path: Path) -> tuple | None:
    """(modification time in ns, size, inode) of a file, None if there is none."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


def is_draft_id(value) -> bool:
    return isinstance(value, str) and DRAFT_ID.fullmatch(value) is not None


def last_changes(history: list[dict]) -> dict[str, dict]:
    """When each field last changed: {field: {"at": saved, "given": given offline, if it was}}."""
    return {entry["field"]: {key: entry[key] for key in ("at", "given") if key in entry}
            for entry in history if "field" in entry}


def changed_after(draft: dict, moment: str) -> set[str]:
    """The fields whose latest change was given after `moment` (ISO 8601, any offset)."""
    when = parse_time(moment)
    return {field for field, change in draft["last_changes"].items()
            if parse_time(change.get("given", change["at"])) > when}


def parse_time(text: str) -> dt.datetime:
    """An ISO 8601 time as an aware datetime ('Z' and naive times are UTC)."""
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def same(old, new) -> bool:
    """Equal and of the same type (True == 1 in Python, but not as an answer)."""
    return type(old) is type(new) and old == new


def summary_of(draft: dict) -> dict:
    record = {name: draft["record"][name] for name in SUMMARY_RECORD if name in draft["record"]}
    return {key: draft[key] for key in ("id", "name", "updated", "verdict", "rules_version")} | {
        "record": record, "progress": draft.get("progress"), "trial": draft.get("trial"),
        "patient_path": "patient_path" in draft}


def _damaged_at(name: str) -> float:
    """When a damaged file was set aside, from its name."""
    stamp = name.rpartition(".damaged-")[2]
    try:
        return dt.datetime.strptime(stamp, DAMAGED_STAMP).replace(tzinfo=dt.timezone.utc).timestamp()
    except ValueError:
        return time.time()  # not one of ours: keep it
