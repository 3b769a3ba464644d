"""What the checklist page shows for a draft: questions, derived values, warnings, verdict.

Plain data for the templates, computed from the trial, the saved answers and their evaluation,
so that a page and the fragments HTMX swaps come from one source.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .calculators import inputs_of
from .engine import Context
from .rules import Trial
from .values import Range, convert, format_number, format_value, to_decimal

SYMBOLS = {"eligible": "✓", "ineligible": "✗", "incomplete": "…",
           "met": "✓", "not_met": "✗", "unknown": "?", "not_applicable": "–"}
WORDS = {"eligible": "Eligible", "ineligible": "Not eligible", "incomplete": "Incomplete",
         "met": "Met", "not_met": "Not met", "unknown": "Open", "not_applicable": "Does not apply"}


@dataclass
class QuestionView:
    """One question as shown: its current entry, whether it applies, and what to say beside it."""

    fact: str
    question: dict
    text: str = ""  # the entry, as the input shows it
    unit: str = ""
    visible: bool = True
    answered: bool = False
    derived: list[str] = field(default_factory=list)
    warning: str = ""
    error: str = ""

    @property
    def state(self) -> tuple:
        """What decides whether its fragment must be swapped after an answer."""
        return (self.visible, tuple(self.derived), self.warning, self.error)


def hidden_facts(trial: Trial, evaluation: dict) -> set[str]:
    """Facts that only feed criteria that do not apply (the pregnancy test without potential)."""
    status = {criterion["id"]: criterion["status"] for criterion in evaluation["criteria"]}
    readers: dict[str, list[str]] = {}
    for criterion_id, facts in trial.requirement_facts.items():
        for fact in facts:
            readers.setdefault(fact, []).append(criterion_id)
    return {fact for fact, ids in readers.items() if all(status[i] == "not_applicable" for i in ids)}


def question_views(trial: Trial, answers: dict, facts: dict, evaluation: dict, *,
                   default_units: dict, errors: dict | None = None, typed: dict | None = None) -> dict:
    """Every question's view, keyed by fact, in checklist order."""
    errors, typed = errors or {}, typed or {}
    hidden = hidden_facts(trial, evaluation)
    derived = derived_notes(trial, facts, evaluation)
    views = {}
    for fact in trial.order:
        question = trial.questions[fact]
        entry = answers.get(fact)
        text, unit = entry_text(entry)
        views[fact] = QuestionView(
            fact, question,
            text=typed.get(fact, text),
            unit=unit or default_units.get(fact, question.get("unit", "")),
            visible=fact not in hidden,
            answered=entry is not None,
            derived=derived.get(fact, []),
            warning=implausible(question, entry) if fact not in errors else "",
            error=errors.get(fact, ""),
        )
    return views


def entry_text(entry) -> tuple[str, str]:
    """(text for the input, unit) of an answers-document value."""
    if entry is None:
        return "", ""
    if isinstance(entry, dict):
        return format_plain(entry["value"]), entry["unit"]
    if isinstance(entry, bool):
        return ("true" if entry else "false"), ""
    return format_plain(entry), ""


def format_plain(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def derived_notes(trial: Trial, facts: dict, evaluation: dict) -> dict[str, list[str]]:
    """Derived values to show beside the question they belong to, as soon as they are known.

    A derived fact that is also a question shows under itself (unless entered directly); a
    display-only one (Child-Pugh class, AST x ULN) under the last of its inputs.
    """
    context = Context(trial, facts, dt.date.fromisoformat(evaluation["assessment_date"]))
    notes: dict[str, list[str]] = {}
    for name, home in derived_homes(trial).items():
        value = context.value(name)
        if name in facts or value is None or not any(fact in facts for fact in inputs_of(trial.derived[name])):
            continue
        notes.setdefault(home, []).append(_say_derived(trial, context, name, value))
    return notes


def derived_homes(trial: Trial) -> dict[str, str]:
    """The question each derived value is shown under: itself, or the last of its inputs."""
    return {name: name if name in trial.questions else
            trial.in_order([fact for fact in inputs_of(spec) if fact in trial.questions])[-1]
            for name, spec in trial.derived.items()}


def _say_derived(trial, context, name, value) -> str:
    label = context.label(name)
    unit = trial.questions.get(name, {}).get("unit", "")
    if isinstance(value, Range):
        return f"{label}: between {format_number(value.low)} and {format_number(value.high)} {unit} so far".rstrip()
    if trial.derived[name]["calculator"] == "ratio":
        return f"{label}: {format_number(value)} x ULN"
    note = context.calculation(name).note
    said = format_value(value, unit)
    return f"Calculated {label.lower()}: {said}" + (f" ({note})" if note else "")


def implausible(question: dict, entry) -> str:
    """A warning (never an error) when a value is unlikely in its unit, naming the likely unit."""
    bounds = question.get("plausible")
    if entry is None or not bounds or isinstance(entry, bool):
        return ""
    number, unit = (entry["value"], entry["unit"]) if isinstance(entry, dict) else (entry, question.get("unit", ""))
    units = question.get("units", {unit: 1})
    low, high = (to_decimal(bound) for bound in bounds)
    if low <= convert(number, units.get(unit, 1)) <= high:
        return ""
    likely = [other for other, factor in units.items()
              if other != unit and low <= convert(number, factor) <= high]
    shown = f"{format_number(number)} {unit}".strip()
    if likely:
        return f"{shown} is unusual for {question['label'].lower()}. Did you mean {format_number(number)} {likely[0]}?"
    return f"{shown} is outside the usual range for {question['label'].lower()}; please check it."


def verdict_view(trial: Trial, evaluation: dict) -> dict:
    """The verdict panel's content: overall and per-step verdicts, open and failed criteria."""
    by_status: dict[str, list] = {}
    for criterion in evaluation["criteria"]:
        by_status.setdefault(criterion["status"], []).append(criterion)
    steps = {step["id"]: step["title"] for step in trial.rules["steps"]}
    return {
        "verdict": evaluation["verdict"],
        "steps": [(steps[step], verdict) for step, verdict in evaluation["steps"].items()],
        "not_met": by_status.get("not_met", []),
        "unknown": by_status.get("unknown", []),
        "met": by_status.get("met", []),
        "not_applicable": by_status.get("not_applicable", []),
        "missing": [(fact, trial.questions[fact]["label"]) for fact in evaluation["missing"]],
    }


def progress(views: dict) -> tuple[int, int]:
    """(answered, total) among the questions that apply."""
    shown = [view for view in views.values() if view.visible]
    return sum(view.answered for view in shown), len(shown)
