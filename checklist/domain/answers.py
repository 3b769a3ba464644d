"""Answers documents: checked against the data dictionary and made canonical for the engine.

validate() reports every problem at once, each under the fact it concerns, so a person can fix
them all in one go. Every constraint of the dictionary counts: each answer is parsed here with a
message a person can act on, and the whole document is then checked by the JSON Schema validator
itself, so that no keyword of the dictionary is ever ignored. Valid answers come back as canonical
facts: exact numbers in the canonical unit (a Quantity remembers the unit it was entered in),
dates as dates.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from fractions import Fraction

from .calculators import inputs_of
from .engine import Context, assessment_date_of, decide
from .rules import Trial
from .values import Quantity, Range, exact_factor, format_number, format_value, plain, to_number

NUMBER_LIMIT = Fraction(10**9)  # no clinical value here comes near; larger is a typing slip
SMALLEST_NUMBER = Fraction(1, 10**6)  # nor this close to zero: dividing by it would be absurd
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
YEARS = range(1900, 2200)  # clinical dates; also keeps every window inside the calendar


def validate(trial: Trial, document, today: dt.date) -> tuple[dict, dict]:
    """(canonical facts, errors by fact). Facts are only meaningful when errors is empty."""
    if not isinstance(document, dict):
        return {}, {"answers": "The answers must be a JSON object of fact names and values."}
    properties = trial.dictionary["properties"]
    apart = not set(trial.dictionary) - PER_PROPERTY_KEYWORDS
    facts, errors = {}, {}
    for fact, raw in document.items():
        if fact not in properties:
            errors[fact] = f"{fact}: unknown fact; see the data dictionary for the names it accepts."
            continue
        value, problem = _checked(trial, fact, raw, apart)
        if value is not UNPARSED:
            facts[fact] = value
        if problem:
            errors[fact] = f"{fact}: {problem}"
    if not apart:
        for fact, problem in schema_problems(trial, document, facts):
            errors.setdefault(fact, f"{fact}: {problem}")
    for fact, problem in semantic_problems(trial, facts, today):
        errors.setdefault(fact, f"{fact}: {problem}")
    return facts, errors


ANSWERS_KEPT = 10_000  # answers checked, per trial
UNPARSED = object()


def _checked(trial: Trial, fact: str, raw, apart: bool) -> tuple:
    """(canonical value or UNPARSED, problem or ""): the answer parsed and, when the dictionary
    checks each answer `apart` from the others, checked by the schema validator. Kept: an answer
    changes one fact of forty, and the others are checked again on every save."""
    kept = trial.memo.setdefault("checked", {})
    key = (fact, json_key(raw), apart)
    outcome = kept.get(key)
    if outcome is None:
        try:
            value = parse_value(trial, fact, raw)
        except ValueError as problem:
            outcome = (UNPARSED, str(problem))
        else:
            refused = [error.message for error in trial.answer_validators[fact].iter_errors(
                _canonical(trial, fact, value, raw))] if apart else []
            outcome = (value, refused[0] + "." if refused else "")
        if len(kept) >= ANSWERS_KEPT:
            kept.clear()
        kept[key] = outcome
    return outcome


def _canonical(trial: Trial, fact: str, value, raw):
    """The answer as the data dictionary describes it (a plain number where it asks for one)."""
    return plain(Fraction(value)) if isinstance(value, Quantity) and not _is_quantity(trial, fact) else raw


def json_key(value):
    """A hashable stand-in for JSON data, equal only for the same data of the same types
    (1, 1.0 and True stay apart)."""
    if isinstance(value, dict):
        return dict, tuple(sorted((name, json_key(item)) for name, item in value.items()))
    if isinstance(value, list):
        return list, tuple(json_key(item) for item in value)
    return type(value), value


def parse_value(trial: Trial, fact: str, raw):
    """One answer as its canonical value; ValueError says what is wrong and what is expected."""
    prop = trial.dictionary["properties"][fact]
    question = trial.questions.get(fact, {})
    if prop.get("$ref") == "#/$defs/date":
        return _date(raw)
    if "enum" in prop:
        if not isinstance(raw, str) or raw not in prop["enum"]:
            raise ValueError(f"{raw!r} is not one of {', '.join(prop['enum'])}.")
        return raw
    if prop.get("type") == "boolean":
        if not isinstance(raw, bool):
            raise ValueError(f"{raw!r} is not true or false.")
        return raw
    value = _quantity(raw, question) if "units" in question else _number(raw)
    if prop.get("type") == "integer":
        if value.denominator != 1:
            raise ValueError(f"{raw!r} is not a whole number.")
        value = int(value)
    _check_range(value, prop, question)
    return value


def _number(raw) -> Fraction:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise ValueError(f"{raw!r} is not a number.")
    if isinstance(raw, float) and not math.isfinite(raw):
        raise ValueError("must be a finite number.")
    value = to_number(raw)
    if abs(value) > NUMBER_LIMIT or 0 < abs(value) < SMALLEST_NUMBER:
        raise ValueError(f"{raw!r} is not a plausible number.")
    return value


def _quantity(raw, question) -> Quantity:
    """A number in the canonical unit, or {"value": n, "unit": u} in any of the question's units."""
    units = question["units"]
    if isinstance(raw, dict):
        if set(raw) != {"value", "unit"}:
            raise ValueError('a quantity object has exactly "value" and "unit".')
        if not isinstance(raw["unit"], str) or raw["unit"] not in units:
            raise ValueError(f"unknown unit {raw['unit']!r}; use one of {', '.join(units)}.")
        return Quantity(_number(raw["value"]), raw["unit"], exact_factor(units[raw["unit"]]))
    try:
        return Quantity(_number(raw), question["unit"])
    except ValueError:
        raise ValueError(f"{raw!r} is not a number in {question['unit']} "
                         f'or {{"value": n, "unit": u}} with u one of {", ".join(units)}.') from None


LIMITS = [  # dictionary keyword, rules-file equivalent, test, words
    ("minimum", "minimum", lambda value, limit: value >= limit, "at least"),
    ("maximum", "maximum", lambda value, limit: value <= limit, "at most"),
    ("exclusiveMinimum", "exclusive_minimum", lambda value, limit: value > limit, "more than"),
    ("exclusiveMaximum", "exclusive_maximum", lambda value, limit: value < limit, "less than"),
]


def _check_range(value, prop, question) -> None:
    if isinstance(value, Quantity) and value < 0:
        raise ValueError(f"{format_value(value)} is negative; no quantity can be.")
    unit = question.get("unit", "")
    for keyword, rules_keyword, within, words in LIMITS:
        limit = prop.get(keyword, question.get(rules_keyword))
        if limit is not None and not within(value, to_number(limit)):
            raise ValueError(f"{format_number(value)} {unit} is out of range: must be {words} "
                             f"{format_number(to_number(limit))}.".replace("  ", " "))


def _date(raw) -> dt.date:
    if not isinstance(raw, str):
        raise ValueError(f"{raw!r} is not a date; write it as YYYY-MM-DD.")
    try:
        if not ISO_DATE.fullmatch(raw):
            raise ValueError
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a real calendar date; write it as YYYY-MM-DD.") from None
    if day.year not in YEARS:
        raise ValueError(f"{raw!r} is outside the years {YEARS.start} to {YEARS.stop - 1}.")
    return day


def schema_problems(trial: Trial, document: dict, facts: dict):
    """Yield (fact, problem) for what the JSON Schema validator refuses in the parsed answers, for
    a dictionary that checks the answers together (else _checked checks each).

    The parsing above already words every keyword the dictionary uses (a rules file whose
    dictionary uses others is refused on load); this is the guarantee that none is missed.
    """
    canonical = {fact: _canonical(trial, fact, value, document[fact]) for fact, value in facts.items()}
    for error in trial.answers_validator.iter_errors(canonical):
        fact = error.absolute_path[0] if error.absolute_path else "answers"
        yield fact, error.message + "."


# A dictionary with only these keywords at its top checks each answer apart from the others.
PER_PROPERTY_KEYWORDS = {"$schema", "$id", "title", "description", "type", "properties", "additionalProperties", "$defs"}


def _is_quantity(trial: Trial, fact) -> bool:
    return trial.dictionary["properties"][fact].get("$ref") == "#/$defs/quantity"


def semantic_problems(trial: Trial, facts: dict, today: dt.date):
    """Yield (fact, problem) for dates that cannot be and direct entries that contradict inputs."""
    assessed = assessment_date_of(facts, today)
    for fact in trial.not_after_assessment:  # a birth, a bleed, a last dose, the past events the dictionary marks
        if isinstance(facts.get(fact), dt.date) and facts[fact] > assessed:
            yield fact, f"{facts[fact].isoformat()} is after the assessment date {assessed.isoformat()}."
    yield from _contradictions(trial, facts, assessed)


def _contradictions(trial: Trial, facts: dict, assessed: dt.date):
    """A typed value of a calculated fact must agree with the calculation and lie on the same side
    of every limit: the calculated value decides, and no tolerance may carry a value across."""
    everything = frozenset(facts)  # a contradiction is one whatever the values' plausibility
    for fact, spec in trial.derived.items():
        if fact not in facts:
            continue
        # Derive from everything except this direct entry (other direct entries still feed it).
        others = {name: value for name, value in facts.items() if name != fact}
        derived = Context(trial, others, assessed, confirmed=everything).calculation(fact).value
        if derived is None:
            continue
        sources = ", ".join(name for name in trial.in_order(inputs_of(spec)) if name in facts)
        unit = trial.questions.get(fact, {}).get("unit", "")
        if not _agrees(facts[fact], derived, spec.get("tolerance", 0)):
            yield fact, (f"the entry {_say(facts[fact], unit)} contradicts the value {_say(derived, unit, facts[fact])} "
                         f"derived from {sources}; correct one of them or leave this one empty.")
            continue
        crossed = _limit_crossed(trial, facts, assessed, fact, everything)
        if crossed:
            yield fact, (f"the entry {_say(facts[fact], unit)} and the value {_say(derived, unit, facts[fact])} "
                         f"calculated from {sources} fall on different sides of a limit ({crossed}); "
                         "the calculated value decides: correct the inputs or leave this entry empty.")


def _limit_crossed(trial: Trial, facts: dict, assessed: dt.date, fact: str, confirmed) -> str:
    """The first criterion whose status differs with the typed value instead of the calculated one."""
    calculated = Context(trial, facts, assessed, confirmed=confirmed)
    typed = Context(trial, facts, assessed, confirmed=confirmed, typed_first=frozenset({fact}))
    for criterion in trial.criteria:
        if fact in trial.criterion_facts[criterion["id"]]:
            by_typed, by_calculation = decide(criterion, typed)[0], decide(criterion, calculated)[0]
            if by_typed != by_calculation:
                return f"{criterion['label']}: {by_typed.replace('_', ' ')} with the entry, " \
                       f"{by_calculation.replace('_', ' ')} with the calculation"
    return ""


def _say(value, unit, other=None) -> str:
    """A value for a message; shown with enough decimals to differ from `other` where it does."""
    if isinstance(value, Range):
        return f"{format_number(value.low)} to {format_number(value.high)} {unit}".rstrip()
    if isinstance(value, (bool, str)) or value is None:
        return format_value(value)
    decimals = 2
    while other is not None and decimals < 6 and format_number(value, decimals) == format_number(other, decimals) \
            and value != other:
        decimals += 1
    return f"{format_number(value, decimals)} {unit}".rstrip()


def _agrees(entry, derived, tolerance) -> bool:
    if isinstance(derived, Range):
        return derived.low <= entry <= derived.high
    if isinstance(derived, bool) or isinstance(entry, bool):
        return entry == derived
    return abs(Fraction(entry) - Fraction(derived)) <= exact_factor(tolerance)
