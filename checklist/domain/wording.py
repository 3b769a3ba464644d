"""How the checklist words things, wherever they are shown: statuses, the verdict panel, the
progress line, answers and calculated values in its notes, its history, the summary. One wording,
so that a value never reads one way on the page and another on paper ("yes", "2.12 × ULN", units
as people print them).

Every phrase is a message of the catalogue messages.json, by key, with {placeholders}: say() fills
them here, static/view.js fills them alike on the offline page (the catalogue travels in the page),
and a translation is another catalogue with the same keys.

The engine's own sentences (reasons, warnings) are built in engine.py and expressions.py from the
same pieces (values.format_value, values.show_unit), in English.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from .rules import Trial
from .values import Range, format_number, format_value, show_unit

MESSAGES: dict[str, str] = json.loads(Path(__file__).with_name("messages.json").read_text(encoding="utf-8"))
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def say(key: str, **values) -> str:
    """The message `key` with its {placeholders} filled with `values`."""
    return PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), MESSAGES[key])


def yes_no(value: bool) -> str:
    return say("answer.yes" if value else "answer.no")


def entry_words(question: dict, entry) -> str:
    """An answers-document value as entered: in the unit it was given in, a choice in words; ""
    for no answer."""
    if entry is None:
        return ""
    if isinstance(entry, bool):
        return yes_no(entry)
    if isinstance(entry, dict):
        return f"{format_number(entry['value'])} {show_unit(entry['unit'])}"
    choices = question.get("choices", {})
    if str(entry) in choices:
        return choices[str(entry)]
    if isinstance(entry, (int, float)):
        return f"{format_number(entry)} {show_unit(question.get('unit', ''))}".rstrip()
    return str(entry)


def derived_words(trial: Trial, name: str, value) -> str:
    """A calculated value with its unit ("2.12 × ULN" for a ratio whose unit the rules give as
    "× ULN"), a partly known score as "between 6 and 9 so far", a choice in its words."""
    spec = trial.derived.get(name, {})
    if isinstance(value, Range):
        return say("derived.so_far", low=format_number(value.low), high=format_number(value.high))
    question = trial.questions.get(name, {})
    return format_value(value, question.get("unit", spec.get("unit", "")), question.get("choices"))
