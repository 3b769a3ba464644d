"""The shape of a stored draft (draft.schema.json), checked on every read of a draft file and on
every import: one schema, so that what can be stored and what can be imported never drift apart."""
from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator

from ..domain.rules import inlined

DRAFT_SCHEMA = json.loads((Path(__file__).parent / "draft.schema.json").read_text(encoding="utf-8"))


# References inlined: resolving them is most of jsonschema's work, and checking a finished draft
# then takes a fraction of a millisecond instead of several.
DRAFT = Draft202012Validator(inlined(DRAFT_SCHEMA, DRAFT_SCHEMA["$defs"]))
PARTS = {part: Draft202012Validator(inlined(definition, DRAFT_SCHEMA["$defs"]))
         for part, definition in DRAFT_SCHEMA["$defs"].items()}


def draft_problem(draft, draft_id: str) -> str | None:
    """What makes a stored document not a draft (draft.schema.json), or not the one its file name
    says; None when it is."""
    if draft is None:
        return "no draft in the file"
    error = next(DRAFT.iter_errors(draft), None)
    if error is not None:
        return f"{'/'.join(map(str, error.absolute_path)) or 'the draft'}: {error.message[:200]}"
    return None if draft["id"] == draft_id else "the id is another draft's"


def fits(part: str, value) -> bool:
    """Whether a value is what draft.schema.json calls `part` (one of its $defs)."""
    return PARTS[part].is_valid(value)
