"""Drafts moving between machines: what an imported file may hold (an exported draft or a bare
answers document). The export itself is DraftStore.export."""
from __future__ import annotations

from ..documents import drawing
from .schema import fits
from .storage import NAME_LIMIT

def read_export(document, trial: str, record_limits: dict[str, int]) -> tuple[dict, dict]:
    """(draft contents, errors by part) of an exported draft or of a bare answers document.

    The answers are returned as they are: the caller validates them against the trial.
    """
    if not isinstance(document, dict):
        return {}, {"file": "The file must hold a JSON object: an exported draft or an answers document."}
    if "answers" not in document:
        return {"answers": document}, {}
    if document.get("trial", trial) != trial:
        return {}, {"trial": f"This draft is for trial {document['trial']!r}, not {trial}."}
    errors = {}
    contents = {"answers": document["answers"], "name": document.get("name", ""),
                "record": document.get("record", {}), "history": document.get("history", [])}
    if "rules_version" in document:
        contents["rules_version"] = document["rules_version"]
    if document.get("signature") is not None:
        try:
            contents["signature"] = drawing.as_text(drawing.from_text(document["signature"]))
        except drawing.UnusableDrawing as problem:
            errors["signature"] = f"signature must be a drawn signature as exported (a PNG in base64). {problem}"
    if not fits("answers", contents["answers"]):
        errors["answers"] = ("answers must be a JSON object of fact names and values "
                             "(yes/no, a number, text, or a number with its unit).")
    if not fits("name", contents["name"]):
        errors["name"] = f"name must be text of at most {NAME_LIMIT} characters."
    if not fits("text", contents.get("rules_version", "")):
        errors["rules_version"] = "rules_version must be text."
    record = contents["record"]
    if not fits("record", record) or any(
            name not in record_limits or len(value) > record_limits[name] for name, value in record.items()):
        errors["record"] = (f"record must be an object with only {', '.join(record_limits)}, "
                            "each text within its length limit.")
    if not fits("history", contents["history"]):
        errors["history"] = ("history must be a list of changes, each with at (an ISO 8601 time), by, and "
                             "either field, old and new (each an answer or null), or event.")
    return contents, errors
