"""What the checklist page shows for a draft: questions, derived values, warnings, verdict.

Plain data for the templates, computed from the trial, the saved answers and their evaluation,
so that a page and the fragments HTMX swaps come from one source.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .calculators import inputs_of
from .engine import ALL, Context
from .expressions import evaluate as evaluate_expression
from .rules import Trial
from .values import Range, format_number, format_value, show_unit
from .wording import derived_words, entry_words, say


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
    calculated: str = ""  # the value calculated from other answers, shown in place of the input
    warnings: list[dict] = field(default_factory=list)  # the evaluation's warnings about this answer
    likely_unit: str = ""  # for an implausible number: the unit it was probably meant in
    error: str = ""

    @property
    def source(self) -> str:
        """The published source of a calculated score (which Child-Pugh table), if the rules name one."""
        return self.question.get("source", "")

    @property
    def state(self) -> tuple:
        """What decides whether its fragment must be swapped after an answer."""
        return (self.visible, tuple(self.derived), self.calculated,
                tuple(w["message"] for w in self.warnings), self.error)


def hidden_facts(trial: Trial, evaluation: dict) -> set[str]:
    """Facts that only feed criteria that do not apply (the pregnancy test without potential)."""
    applies = {criterion["id"] for criterion in evaluation["criteria"] if criterion["status"] != "not_applicable"}
    return {fact for fact, ids in requirement_readers(trial).items() if applies.isdisjoint(ids)}


def requirement_readers(trial: Trial) -> dict[str, frozenset]:
    """Each fact with the criteria whose requirement reads it."""
    if "requirement_readers" not in trial.memo:
        readers: dict[str, set] = {}
        for criterion_id, facts in trial.requirement_facts.items():
            for fact in facts:
                readers.setdefault(fact, set()).add(criterion_id)
        trial.memo["requirement_readers"] = {fact: frozenset(ids) for fact, ids in readers.items()}
    return trial.memo["requirement_readers"]


def counted_facts(evaluation: dict) -> set[str]:
    """Facts read by some criterion that applies (or may): their answers count."""
    return {fact for criterion in evaluation["criteria"] if criterion["status"] != "not_applicable"
            for fact in criterion["facts"]}


def asked(trial: Trial, fact: str, context: Context) -> bool:
    """Whether the checklist asks a question: not while an answer is implied (no pregnancy
    questions when the sex recorded at birth is male), nor while its `ask_if` fails."""
    if fact not in context.facts and context.implied(fact) is not None:
        return False
    return evaluate_expression(trial.questions[fact].get("ask_if", True), context).value is not False


class QuestionViews(dict):
    """Every question's view, keyed by fact in checklist order, remembering what each was worked
    out from: the facts it read (noted as it was worked out, as the engine's ReadMemo notes them)
    and its share of the evaluation. Views of answers one change away can then reuse every view
    that the change cannot touch (question_views' `earlier`)."""

    def __init__(self, answers: dict, circumstances: tuple):
        super().__init__()
        self.answers, self.circumstances = answers, circumstances
        self.reads: dict[str, frozenset | None] = {}  # None: it read all the answers
        self.shares: dict[str, tuple] = {}


def question_views(trial: Trial, answers: dict, facts: dict, evaluation: dict, *, default_units: dict,
                   errors: dict | None = None, typed: dict | None = None, typed_units: dict | None = None,
                   confirmed=frozenset(), earlier: QuestionViews | None = None) -> QuestionViews:
    """Every question's view, keyed by fact, in checklist order; views of `earlier` (for other
    answers, under the same circumstances) are reused where nothing they come from changed.
    `typed` (text by fact) and `typed_units` (unit by fact) are entries as a refused post gave
    them: the inputs show them in place of the saved answers.

    A question is shown while it is asked and can still matter; an answered one whose answer
    counts is always shown, so that nothing that decides the verdict is ever hidden.
    """
    errors, typed, typed_units = errors or {}, typed or {}, typed_units or {}
    context = Context(trial, facts, dt.date.fromisoformat(evaluation["assessment_date"]), confirmed=confirmed)
    hidden, counted = hidden_facts(trial, evaluation), counted_facts(evaluation)
    warnings: dict[str, list[dict]] = {}
    for warning in evaluation.get("warnings", []):
        warnings.setdefault(warning["fact"], []).append(warning)
    views = QuestionViews(answers, (evaluation["assessment_date"], confirmed, tuple(sorted(default_units.items()))))
    reusable = earlier is not None and earlier.circumstances == views.circumstances
    changed = changed_answers(earlier.answers, answers) if reusable and not (errors or typed or typed_units) else None
    for fact in trial.order:
        share = (fact in counted, fact in hidden, warnings.get(fact, []))
        reads = changed is not None and earlier.reads[fact]
        if reads and reads.isdisjoint(changed) and earlier.shares[fact] == share:
            views[fact] = earlier[fact]
        else:
            context.facts.log = log = {fact}
            views[fact] = _question_view(trial, context, fact, answers.get(fact), share, default_units, errors,
                                         typed, typed_units)
            context.facts.log, reads = None, None if ALL in log else frozenset(log)
        views.reads[fact], views.shares[fact] = reads, share
    return views


def _question_view(trial, context, fact, entry, share, default_units, errors, typed, typed_units) -> QuestionView:
    counted, hidden, warnings = share
    question = trial.questions[fact]
    text, unit = entry_text(entry)
    answered = entry is not None
    checked = fact not in errors
    calculated = fact in trial.derived
    return QuestionView(
        fact, question,
        text=typed.get(fact, text),
        unit=typed_units.get(fact) or unit or default_units.get(fact, question.get("unit", "")),
        visible=(answered and counted) or (not hidden and asked(trial, fact, context)),
        answered=answered,
        derived=derived_notes_at(trial, context, fact) + (partial_text(trial, context, fact) if calculated else []),
        calculated=calculated_text(trial, context, fact) if calculated else "",
        warnings=warnings if checked else [],
        likely_unit=(context.likely_unit(fact) or "") if checked and fact in trial.plausible
        and context.implausible(fact) else "",
        error=errors.get(fact, ""),
    )


def changed_answers(before: dict, after: dict) -> set[str]:
    """The facts whose answer differs (in value or type: 1 is not true)."""
    return {fact for fact in before.keys() | after.keys()
            if type(before.get(fact)) is not type(after.get(fact)) or before.get(fact) != after.get(fact)}


def entry_text(entry) -> tuple[str, str]:
    """(text for the input, unit) of an answers-document value."""
    if entry is None:
        return "", ""
    if isinstance(entry, dict):
        return format_plain(entry["value"]), entry["unit"]
    if isinstance(entry, bool):
        return ("true" if entry else "false"), ""
    return format_plain(entry), ""


def form_fields(answers: dict) -> dict:
    """The checklist form's fields that give an answers document: each input's text, and the unit
    chooser's unit for a quantity given in another unit."""
    fields = {}
    for fact, entry in answers.items():
        fields[fact], unit = entry_text(entry)
        if unit:
            fields[f"{fact}_unit"] = unit
    return fields


def format_plain(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def derived_notes_at(trial: Trial, context: Context, home: str) -> list[str]:
    """Calculated values that are not questions themselves (Child-Pugh class, AST × ULN), shown
    under the last question they come from (`home`), as soon as they are known and one of the
    answers they are worked out from (through other calculated values) is given."""
    notes = []
    for name in derived_at(trial).get(home, ()):
        value = context.value(name)
        if value is not None and any(fact in context.facts for fact in facts_behind(trial, name)):
            notes.append(_say_derived(trial, context, name, value))
    return notes


def derived_at(trial: Trial) -> dict[str, list[str]]:
    """Each question with the calculated values, not questions themselves, shown under it."""
    if "derived_at" not in trial.memo:
        at: dict[str, list[str]] = {}
        for name, home in derived_homes(trial).items():
            if name not in trial.questions and home is not None:
                at.setdefault(home, []).append(name)
        trial.memo["derived_at"] = at
    return trial.memo["derived_at"]


def derived_homes(trial: Trial) -> dict[str, str | None]:
    """The question each derived value is shown under: itself, or the last question it comes from
    (through other derived values: Child-Pugh class under the Child-Pugh score); None when no
    question lies behind it."""
    if "derived_homes" not in trial.memo:
        trial.memo["derived_homes"] = {
            name: name if name in trial.questions else ([None] + trial.in_order(questions_behind(trial, name)))[-1]
            for name in trial.derived}
    return trial.memo["derived_homes"]


def questions_behind(trial: Trial, name: str) -> tuple[str, ...]:
    """The questions a derived value comes from, through other derived values."""
    behind = trial.memo.setdefault("questions_behind", {})
    if name not in behind:
        found = []
        for fact in inputs_of(trial.derived[name]):
            if fact in trial.questions:
                found.append(fact)
            elif fact in trial.derived:
                found += questions_behind(trial, fact)
        behind[name] = tuple(found)
    return behind[name]


def facts_behind(trial: Trial, name: str) -> frozenset:
    """Every fact a derived value is worked out from, through other derived values, whether these
    are asked or calculated (the Child-Pugh class from the score and from the score's parts)."""
    behind = trial.memo.setdefault("facts_behind", {})
    if name not in behind:
        found = set()
        for fact in inputs_of(trial.derived[name]):
            found.add(fact)
            if fact in trial.derived:
                found |= facts_behind(trial, fact)
        behind[name] = frozenset(found)
    return behind[name]


def _say_derived(trial, context, name, value) -> str:
    return say("derived.note", label=context.label(name), value=derived_words(trial, name, value))


def calculated_text(trial: Trial, context: Context, fact: str) -> str:
    """A calculated question's value with how it was calculated, shown in place of its input."""
    if fact not in trial.derived:
        return ""
    calculation = context.calculation(fact)
    if context.is_open(calculation.value):
        return ""
    value, unit = calculation.value, trial.questions[fact].get("unit", "")
    said = context.say_choice(fact, value) if isinstance(value, (bool, str)) else format_value(value, unit)
    return say("derived.calculated", value=said, note=calculation.note) if calculation.note else said


def partial_text(trial: Trial, context: Context, fact: str) -> list[str]:
    """A partly answered score's reachable range, beside its input: "between 6 and 9 so far";
    nothing before one of the answers it is worked out from is given."""
    value = context.calculation(fact).value if fact in trial.derived else None
    if not isinstance(value, Range) or not any(source in context.facts for source in facts_behind(trial, fact)):
        return []
    unit = show_unit(trial.questions[fact].get("unit", ""))
    return [say("derived.partial", low=format_number(value.low), high=format_number(value.high), unit=unit,
                note=value.note)]


def verdict_view(trial: Trial, evaluation: dict, answers: dict | None = None) -> dict:
    """The verdict panel's content: overall and per-step verdicts, open and failed criteria, and
    what is still to answer (an answer awaiting news, such as coverage "pending", said as such)."""
    by_status: dict[str, list] = {}
    for criterion in evaluation["criteria"]:
        by_status.setdefault(criterion["status"], []).append(criterion)
    steps = {step["id"]: step["title"] for step in trial.rules["steps"]}
    answers = answers or {}
    return {
        "verdict": evaluation["verdict"],
        "steps": [(steps[step], verdict) for step, verdict in evaluation["steps"].items()],
        "not_met": by_status.get("not_met", []),
        "unknown": by_status.get("unknown", []),
        "met": by_status.get("met", []),
        "not_applicable": by_status.get("not_applicable", []),
        "missing": [(fact, label, _awaiting(trial, fact, answers.get(fact), evaluation))
                    for fact, label in missing_labels(trial, evaluation).items()],
        "warnings": evaluation.get("warnings", []),
        "outlook": outlook(evaluation) + typed_for_the_day(trial, evaluation),
        "changes": changes(evaluation),
        "alternatives": alternatives_table(evaluation),
    }


def outlook(evaluation: dict) -> list[str]:
    """When the verdict holds and when registration is possible, in sentences (none when the
    answers make it the same on every date looked at)."""
    window = evaluation.get("window")
    if not window or not (window["from"] or window["until"]):
        return []
    verdict = evaluation["verdict"]
    lines = [say("window.holds", verdict=say("status." + verdict), span=_span(window["from"], window["until"]))]
    registration = window["registration"]
    if verdict == "eligible" and window["until"]:
        lines.append(say("window.last_day", end=window["until"]))
    elif verdict != "eligible" and registration:
        lines.append(say("window.register", span=_span(registration["from"], registration["until"])))
    elif verdict == "ineligible":
        lines.append(say("window.no_registration"))
    return lines


def typed_for_the_day(trial: Trial, evaluation: dict) -> list[str]:
    """Why the window ends on the assessment date, when values typed for that day end it."""
    window = evaluation.get("window")
    if not window or not window["typed_for_the_day"] or window["until"] != evaluation["assessment_date"]:
        return []
    facts = window["typed_for_the_day"]
    dates = dict.fromkeys(inputs_of(trial.derived[fact])[0] for fact in facts)
    return [say("window.typed", facts=", ".join(trial.questions[fact]["label"] for fact in facts),
                dates=" and ".join(trial.questions[fact]["label"] for fact in dates))]


def _span(start: str | None, end: str | None) -> str:
    if start and end:
        return say("window.one_day" if start == end else "window.between", start=start, end=end)
    return say("window.since", start=start) if start else say("window.up_to", end=end)


def changes(evaluation: dict) -> list[str]:
    """The window's events in words: what changes, on which day."""
    window = evaluation.get("window") or {"events": []}
    return [say("window.change", date=event["date"], label=event["label"], status=say("status." + event["status"]),
                reason=event["reason"]).rstrip()
            for event in window["events"]]


def alternatives_table(evaluation: dict) -> dict | None:
    """The verdict for each choice of the alternatives question, when the choices differ: each
    row's choice, verdict, what stands in its way and when it allows registration."""
    alternatives = evaluation.get("alternatives")
    if not alternatives or len({choice["verdict"] for choice in alternatives["choices"]}) < 2:
        return None
    return {"caption": say("alternatives.caption", question=alternatives["label"]),
            "rows": [(choice["label"], choice["verdict"], "; ".join(
                [f"{criterion['label']}: {criterion['reason']}" for criterion in choice["criteria"]
                 if criterion["status"] in ("not_met", "unknown")] + _registration(choice["registration"])))
                for choice in alternatives["choices"]]}


def _registration(registration: dict | None) -> list[str]:
    if not registration or not (registration["from"] or registration["until"]):
        return []
    return [say("alternatives.register", span=_span(registration["from"], registration["until"]))]


def panel_layout(verdict: dict) -> tuple:
    """Everything the verdict panel shows but the criteria's own lines: while it stays the same,
    an answer need only replace the lines of the criteria it changed."""
    groups = ("not_met", "unknown", "met", "not_applicable")
    alternatives = verdict["alternatives"]
    return (verdict["verdict"], tuple(verdict["steps"]), tuple(verdict["missing"]),
            tuple((warning["fact"], warning["message"]) for warning in verdict["warnings"]),
            tuple(verdict["outlook"]), tuple(verdict["changes"]), alternatives and tuple(alternatives["rows"]),
            *(tuple(criterion["id"] for criterion in verdict[group]) for group in groups))


def _awaiting(trial: Trial, fact: str, entry, evaluation: dict) -> str:
    """For a fact answered but still open, why: a value to check, or an answer awaiting news."""
    if entry is None:
        return ""
    said = entry_words(trial.questions[fact], entry)
    if any(warning["fact"] == fact for warning in evaluation.get("warnings", [])):
        return say("missing.check", answer=said)
    return say("missing.awaiting", answer=said)


def missing_labels(trial: Trial, evaluation: dict) -> dict[str, str]:
    """"Still to answer", each fact with its label; a question that alone stands between a
    calculated question and its value is named as the alternative it is ("Date of birth or Age")."""
    shown = needed(trial, evaluation)
    labels = {fact: trial.questions[fact]["label"] for fact in shown}
    for name in evaluation["missing"]:
        if name in trial.questions and name in trial.derived and name not in labels:
            behind = [fact for fact in shown if fact in questions_behind(trial, name)]
            if len(behind) == 1:
                labels[behind[0]] = say("missing.alternative", question=labels[behind[0]],
                                        alternative=trial.questions[name]["label"])
    return labels


def needed(trial: Trial, evaluation: dict) -> list[str]:
    """The facts still to answer, an alternative counted once: a calculated value is not asked
    for while its inputs are (date of birth stands for "date of birth or age")."""
    missing = set(evaluation["missing"])
    return [fact for fact in evaluation["missing"]
            if not (fact in trial.derived and missing & set(inputs_of(trial.derived[fact])))]


def progress(trial: Trial, answers: dict, evaluation: dict) -> dict:
    """How far the checklist is: answers that count, and what is still needed to decide. An answer
    that awaits a new one (coverage pending) is still needed, not given."""
    counted, still = counted_facts(evaluation), needed(trial, evaluation)
    answered = sum(1 for fact in trial.order if fact in answers and fact in counted and fact not in still)
    still = len(still)
    return {"answered": answered, "total": answered + still, "still": still,
            "done": still == 0, "verdict": evaluation["verdict"]}
