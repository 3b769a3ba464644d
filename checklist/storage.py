"""Drafts kept in TinyDB, behind one small interface.

A draft is a plain dict: id, created, updated, rules_version, answers (an answers document, as
entered), record (patient name and the like) and the verdict when it was last saved. Every write
goes through DraftStore._write, which applies a small updater under the store's lock.
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
import threading
from contextlib import contextmanager
from pathlib import Path

from flask import abort, current_app
from tinydb import Query, TinyDB

DRAFT_ID = re.compile(r"[0-9a-f]{32}")


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


class DraftStore:
    """All drafts of one data folder."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._path = self.folder / "drafts.json"

    def create(self, rules_version: str) -> dict:
        """A new empty draft."""
        stamp = now()
        draft = {"id": secrets.token_hex(16), "created": stamp, "updated": stamp,
                 "rules_version": rules_version, "answers": {}, "record": {}, "verdict": "incomplete"}
        with self._lock, self._table() as drafts:
            drafts.insert(draft)
        return draft

    def get(self, draft_id: str) -> dict | None:
        """The draft, or None when there is none with that id."""
        if not DRAFT_ID.fullmatch(draft_id or ""):
            return None
        with self._lock, self._table() as drafts:
            found = drafts.get(Query().id == draft_id)
        return dict(found) if found else None

    def save(self, draft_id: str, answers: dict, record: dict, verdict: str) -> dict:
        """Apply answer changes (None clears a fact) and record changes; return the draft."""
        def updater(draft):
            merged = {**draft["answers"], **answers}
            draft["answers"] = {fact: value for fact, value in merged.items() if value is not None}
            draft["record"] = {**draft["record"], **record}
            draft["verdict"] = verdict
            draft["updated"] = now()
        return self._write(draft_id, updater)

    def summaries(self) -> list[dict]:
        """Every draft, newest change first."""
        with self._lock, self._table() as table:
            drafts = [dict(draft) for draft in table.all()]
        return sorted(drafts, key=lambda draft: draft["updated"], reverse=True)

    @contextmanager
    def _table(self):
        """The drafts table, opened for one operation so no state outlives it."""
        with TinyDB(self._path) as database:
            yield database.table("drafts")

    def _write(self, draft_id: str, updater) -> dict:
        with self._lock, self._table() as drafts:
            found = drafts.get(Query().id == draft_id)
            if found is None:
                raise KeyError(draft_id)
            draft = dict(found)
            updater(draft)
            drafts.update(draft, doc_ids=[found.doc_id])
        return draft


def init_app(app) -> None:
    """Open the app's draft store in its data folder."""
    app.extensions["draft_store"] = DraftStore(Path(app.config["DATA_DIR"]) / "drafts")


def get_store() -> DraftStore:
    return current_app.extensions["draft_store"]


def get_draft(draft_id: str) -> dict:
    """The draft with this id, or a 404 page."""
    draft = get_store().get(draft_id)
    if draft is None:
        abort(404, description="There is no draft with this address. It may have been deleted.")
    return draft
