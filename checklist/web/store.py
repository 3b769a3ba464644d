"""The app's draft store: opened in the data folder at start, and the refusals a request gets
when a draft is missing or damaged or the disk refuses a write."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import abort, current_app, g
from werkzeug.exceptions import HTTPException, NotFound, ServiceUnavailable

from ..persistence.files import CANNOT_WRITE, private_folder
from ..persistence.retention import Retention
from ..persistence.screening_log import ScreeningLog
from ..persistence.storage import DISK_FULL, LEFTOVER_AT_START_SECONDS, DamagedDraft, DraftStore, NoSuchDraft

log = logging.getLogger(__name__)


class DiskFull(HTTPException):
    """507 Insufficient Storage (RFC 4918), which Werkzeug does not name."""
    code = 507
    description = "Not saved: the disk is full. Free some space, then try again."


def init_app(app) -> None:
    """Open the app's draft store in its (private) data folder and purge what is past retention."""
    data = private_folder(Path(app.config["DATA_DIR"]))
    store = DraftStore(data / "drafts")
    if writable(store.folder):
        store.remove_leftovers(older_than=LEFTOVER_AT_START_SECONDS)
    else:
        log.warning("The data folder %s cannot be written: drafts can be read, but nothing can be saved.", data)
    retention = Retention(store, app.config["RETENTION_DAYS"])
    retention.purge_if_due()
    app.extensions["draft_store"] = store
    app.extensions["screening_log"] = ScreeningLog(data / "screening-log")
    app.extensions["retention"] = retention
    app.before_request(retention.purge_if_due)
    # A draft deleted or found damaged while a request was using it: a 404 that says so.
    app.register_error_handler(NoSuchDraft, lambda error: NotFound(NOT_FOUND))
    app.register_error_handler(DamagedDraft, lambda error: NotFound(
        f"This draft's file could not be read and has been moved aside as {error.aside.name} "
        "so that it can be examined. Every other draft is unaffected."))
    app.register_error_handler(OSError, not_saved)


def not_saved(error: OSError):
    """A write the disk refused: a clear refusal (nothing was half written), not a bare 500."""
    if error.errno in DISK_FULL:
        return DiskFull()
    if error.errno in CANNOT_WRITE:
        return ServiceUnavailable("Not saved: the data folder cannot be written (it is read-only).")
    raise error


def writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK)


NOT_FOUND = "There is no draft with this address. It may have been deleted."


def get_store() -> DraftStore:
    return current_app.extensions["draft_store"]


def get_draft(draft_id: str) -> dict:
    """The draft with this id, or a 404 page (which says so when its file was damaged); a 409
    page for a draft of another trial (a data folder may be shared), which is never judged here.
    A draft saved before drafts recorded their trial is taken as this server's."""
    draft = get_store().get(draft_id)
    if draft is None:
        abort(404, description=NOT_FOUND)
    trials, first = current_app.extensions["trials"], current_app.extensions["trial"]
    trial = trials.get(draft.get("trial", first.id))
    if trial is None:
        abort(409, description=other_trial(draft["trial"], trials.values()))
    g.trial = trial
    return draft


def other_trial(draft_trial: str, served) -> str:
    checked = ", ".join(f"{trial.rules['trial']['acronym']} ({trial.id})" for trial in served)
    return (f"This checklist is for another trial ({draft_trial}); this server checks {checked}. "
            "It is kept as it is: open it on a server for its own trial.")
