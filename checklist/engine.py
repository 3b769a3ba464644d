"""The eligibility engine: answers in, evaluation document out. Pure: no Flask, no I/O."""
from __future__ import annotations

import datetime as dt

from .calculators import Calculation, calculate, inputs_of
from .expressions import evaluate as evaluate_expression
from .rules import Trial
from .values import Range, format_value, plain

PASSING = {"met", "not_applicable", "eligible"}
FAILING = {"not_met", "ineligible"}


class Context:
    """What expressions may ask of the answers: values (derived when needed), words, gaps."""

    def __init__(self, trial: Trial, facts: dict, assessment_date: dt.date):
        self.trial = trial
        self.facts = facts
        self.assessment_date = assessment_date
        self._calculations: dict[str, Calculation] = {}

    def value(self, fact):
        """The answered value, else the derived one; None while unknown, a Range while partial."""
        if fact in self.facts:
            return self.facts[fact]
        if fact in self.trial.derived:
            return self.calculation(fact).value
        return None

    def calculation(self, fact) -> Calculation:
        if fact not in self._calculations:
            spec = self.trial.derived[fact]
            self._calculations[fact] = calculate(spec, self.value, self.assessment_date)
        return self._calculations[fact]

    @staticmethod
    def is_open(value) -> bool:
        return value is None or isinstance(value, Range)

    def missing_for(self, fact) -> list[str]:
        """The fact itself (if it can be asked) and, for a derived one, its inputs still open."""
        if fact in self.facts:
            return []
        missing = [fact] if fact in self.trial.questions else []
        spec = self.trial.derived.get(fact)
        if spec:
            for source in inputs_of(spec):
                if self.is_open(self.value(source)):
                    missing += self.missing_for(source)
        return missing

    def label(self, fact) -> str:
        entry = self.trial.questions.get(fact) or self.trial.derived.get(fact, {})
        return entry.get("label", fact)

    def describe(self, fact) -> str:
        """'Platelets 45,000 cells/mm3', 'Macrovascular invasion: no', with how a value was derived."""
        value, question = self.value(fact), self.trial.questions.get(fact, {})
        label = self.label(fact)
        if value is None:
            return label
        if isinstance(value, (bool, str)):
            text = f"{label}: {self.say_choice(fact, value)}"
        else:
            text = f"{label} {format_value(value, question.get('unit', ''))}"
        # A derived value says what it was derived from (a bleed's date, a dose's washout).
        note = self.calculation(fact).note if fact in self.trial.derived and fact not in self.facts else ""
        return f"{text} ({note})" if note else text

    def say_choice(self, fact, value) -> str:
        choices = self.trial.questions.get(fact, {}).get("choices")
        return format_value(value, choices=choices)


def assessment_date_of(facts: dict, today: dt.date) -> dt.date:
    """The answers' assessment date, or today when none is given."""
    return facts.get("assessment_date") or today


def evaluate(trial: Trial, facts: dict, today: dt.date) -> dict:
    """The evaluation document for validated, canonical facts (see answers.validate)."""
    context = Context(trial, facts, assessment_date_of(facts, today))
    judged = [judge(criterion, context) for criterion in trial.criteria]
    steps = {step["id"]: verdict_of(c["status"] for c in judged if c["step"] == step["id"])
             for step in trial.rules["steps"]}
    missing = [fact for criterion in judged for fact in criterion.pop("_missing")]
    return {
        "trial": trial.id,
        "rules_version": trial.version,
        "assessment_date": context.assessment_date.isoformat(),
        "verdict": verdict_of(steps.values()),
        "steps": steps,
        "criteria": judged,
        "derived": derived_values(context),
        "missing": trial.in_order(missing),
        "permitted": [permitted(item, context) for item in trial.rules.get("permitted", [])],
    }


def judge(criterion: dict, context: Context) -> dict:
    """One criterion's status, reason and the facts that would decide it."""
    applies = evaluate_expression(criterion.get("applies", True), context)
    result = evaluate_expression(criterion["require"], context)
    missing: tuple = ()
    if applies.value is False:
        status, reason = "not_applicable", f"Not applicable: {applies.text}"
    elif result.value is True:
        status, reason = "met", result.text
    elif result.value is False and applies.value is True:
        status, reason = "not_met", result.text
    else:
        status, reason = "unknown", result.text
        missing = (result.missing if result.value is None else ()) + applies.missing
        if not reason:
            reason = "Still to answer: " + ", ".join(context.label(f) for f in context.trial.in_order(missing))
    return {
        "id": criterion["id"],
        "step": criterion["step"],
        "label": criterion["label"],
        "text": criterion["text"],
        "status": status,
        "facts": context.trial.criterion_facts[criterion["id"]],
        "reason": _sentence(reason),
        "_missing": missing,
    }


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def verdict_of(statuses) -> str:
    """ineligible if anything fails, eligible if everything passes, else incomplete."""
    statuses = list(statuses)
    if any(status in FAILING for status in statuses):
        return "ineligible"
    if all(status in PASSING for status in statuses):
        return "eligible"
    return "incomplete"


def derived_values(context: Context) -> dict:
    """Every derived value that is known exactly, as plain JSON data."""
    values = {}
    for name in context.trial.derived:
        value = context.value(name)
        if not context.is_open(value):
            values[name] = plain(round(value, 2) if not isinstance(value, (bool, str, int)) else value)
    return values


def permitted(item: dict, context: Context) -> dict:
    """A permitted item of the listing with what was answered: shown, never excluding."""
    return {"id": item["id"], "text": item["text"],
            "answers": {fact: plain(context.value(fact)) for fact in item["facts"]
                        if context.value(fact) is not None}}

