"""The screening log a site keeps for each trial: one de-identified row per screening.

A row is written when the clinician records how a pre-screening ended (referred, registered, not
eligible, declined...) and rewritten when that outcome changes. It holds no name, record number or
date of birth, and lives apart from the drafts (`<data>/screening-log/<trial>/<draft id>.json`), so
that retention, which deletes a draft's patient data, leaves it: it is the record the site must
keep. Rows are written whole or not at all (files.write_atomically), and a lock per trial makes
two server processes recording at once take different screening numbers and lose nothing.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from .files import file_lock, private_folder, write_atomically
from .storage import is_draft_id

OUTCOMES = {  # how a pre-screening ended, as NCI's screening log and community programmes report it
    "registered": "Registered",
    "referred": "Referred to the trial team",
    "not_eligible": "Not eligible",
    "patient_declined": "Patient declined",
    "physician_declined": "Physician declined",
    "urgent_treatment": "Urgent need for treatment",
    "trial_not_open": "Trial not open (suspended or closed)",
    "other_reason": "Other",
}
TRIAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
ROW_FILE = re.compile(r"[0-9a-f]{32}\.json")  # named after the draft, so that its row is found at once


class ScreeningLog:
    """The rows of every trial's screening log, in one folder of the data folder."""

    def __init__(self, folder):
        self.folder = private_folder(Path(folder))

    def record(self, trial: str, draft_id: str, row: dict) -> dict:
        """Write the row of the draft's screening, keeping the number of its earlier row (the next
        number when it has none: the only time every row is read)."""
        folder = self._trial_folder(trial)
        with file_lock(folder / ".lock"):
            kept = self.row_of(trial, draft_id)
            number = kept["number"] if kept else max((other["number"] for other in self._read(folder)), default=0) + 1
            row = {**row, "number": number, "trial": trial, "draft": draft_id}
            write_atomically(self._row_path(folder, draft_id), json.dumps(row, ensure_ascii=False).encode())
        return row

    def row_of(self, trial: str, draft_id: str) -> dict | None:
        """The draft's row, read alone (a checklist page shows its screening number)."""
        path = self._row_path(self._trial_folder(trial), draft_id)
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    @staticmethod
    def _row_path(folder: Path, draft_id: str) -> Path:
        if not is_draft_id(draft_id):
            raise ValueError(f"not a draft id: {draft_id!r}")
        return folder / f"{draft_id}.json"

    def rows(self, trial: str) -> list[dict]:
        """The trial's rows, by screening number."""
        return self._read(self._trial_folder(trial))

    def trials(self) -> list[str]:
        """The trials with a log in this folder."""
        return sorted(path.name for path in self.folder.iterdir() if path.is_dir() and TRIAL_ID.fullmatch(path.name))

    def _read(self, folder: Path) -> list[dict]:
        rows = [json.loads(path.read_text(encoding="utf-8")) for path in folder.iterdir() if ROW_FILE.fullmatch(path.name)]
        return sorted(rows, key=lambda row: row["number"])

    def _trial_folder(self, trial: str) -> Path:
        if not TRIAL_ID.fullmatch(trial):
            raise ValueError(f"not a trial id: {trial!r}")
        return private_folder(self.folder / trial)


def identities(rows: list[dict], store, birth_date_fact: str | None) -> dict:
    """{draft: patient_name, patient_mrn, birth_date} for the rows whose draft is still on file
    (the site's identified copy; retention will have deleted the others). The birth date is the
    answer to the trial's question coded as one (rules.Trial.birth_date_fact), where it has one."""
    found = {}
    for row in rows:
        draft = store.get(row["draft"])
        if draft:
            found[row["draft"]] = {"patient_name": draft["record"].get("patient_name", ""),
                                   "patient_mrn": draft["record"].get("patient_mrn", ""),
                                   "birth_date": draft["answers"].get(birth_date_fact, "") if birth_date_fact else ""}
    return found
