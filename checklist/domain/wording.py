"""How answers and calculated values read, wherever they are shown: the checklist's notes, its
history, the summary. One wording, so that a value never reads one way on the page and another on
paper ("yes", "2.12 × ULN", units as people print them). static/offline.js follows it for the
notes it draws while offline.

The engine's own sentences (reasons, warnings) are built in engine.py and expressions.py from the
same pieces (values.format_value, values.show_unit).
"""
from __future__ import annotations

from .rules import Trial
from .values import Range, format_number, format_value, show_unit


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


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
    """A calculated value: a multiple of an upper limit of normal as "2.12 × ULN", a partly known
    score as "between 6 and 9 so far", others with their unit or in the words of their choices."""
    spec = trial.derived.get(name, {})
    if isinstance(value, Range):
        return f"between {format_number(value.low)} and {format_number(value.high)} so far"
    if spec.get("calculator") == "ratio":
        return f"{format_number(value)} × ULN"
    question = trial.questions.get(name, {})
    return format_value(value, question.get("unit", spec.get("unit", "")), question.get("choices"))
