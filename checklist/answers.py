"""Answers documents: checked against the data dictionary and made canonical for the engine.

validate() reports every problem at once, each under the fact it concerns, so a person can fix
them all in one go. Valid answers come back as canonical facts: Decimals in the canonical unit,
dates as dates.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal

from .calculators import inputs_of
from .engine import Context, assessment_date_of
from .rules import DATED_CALCULATORS, Trial
from .values import Range, convert, format_number, plain, to_decimal

NUMBER_LIMIT = Decimal("1e9")  # no clinical value here comes near; larger is a typing slip
SMALLEST_NUMBER = Decimal("1e-6")  # nor this close to zero: dividing by it would be absurd
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
YEARS = range(1900, 2200)  # clinical dates; also keeps every window inside the calendar


def validate(trial: Trial, document, today: dt.date) -> tuple[dict, dict]:
    """(canonical facts, errors by fact). Facts are only meaningful when errors is empty."""
    if not isinstance(document, dict):
        return {}, {"answers": "The answers must be a JSON object of fact names and values."}
    properties = trial.dictionary["properties"]
    facts, errors = {}, {}
    for fact, raw in document.items():
        if fact not in properties:
            errors[fact] = f"{fact}: unknown fact; see the data dictionary for the names it accepts."
            continue
        try:
            facts[fact] = parse_value(trial, fact, raw)
        except ValueError as problem:
            errors[fact] = f"{fact}: {problem}"
    for fact, problem in semantic_problems(trial, facts, today):
        errors.setdefault(fact, f"{fact}: {problem}")
    return facts, errors


def parse_value(trial: Trial, fact: str, raw):
    """One answer as its canonical value; ValueError says what is wrong and what is expected."""
    prop = trial.dictionary["properties"][fact]
    question = trial.questions.get(fact, {})
    if prop.get("$ref") == "#/$defs/date":
        return _date(raw)
    if prop.get("$ref") == "#/$defs/quantity":
        value = _quantity(raw, prop)
    elif "enum" in prop:
        if not isinstance(raw, str) or raw not in prop["enum"]:
            raise ValueError(f"{raw!r} is not one of {', '.join(prop['enum'])}.")
        return raw
    elif prop.get("type") == "boolean":
        if not isinstance(raw, bool):
            raise ValueError(f"{raw!r} is not true or false.")
        return raw
    elif prop.get("type") == "integer":
        value = _number(raw)
        if value != value.to_integral_value():
            raise ValueError(f"{raw!r} is not a whole number.")
        value = int(value)
    else:
        value = _number(raw)
    _check_range(value, prop, question)
    return value


def _number(raw) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, Decimal)):
        raise ValueError(f"{raw!r} is not a number.")
    if isinstance(raw, float) and not math.isfinite(raw):
        raise ValueError("must be a finite number.")
    value = to_decimal(raw)
    if not value.is_finite() or abs(value) > NUMBER_LIMIT or 0 < abs(value) < SMALLEST_NUMBER:
        raise ValueError(f"{raw!r} is not a plausible number.")
    return value


def _quantity(raw, prop) -> Decimal:
    units = prop["x-units"]
    if isinstance(raw, dict):
        if set(raw) != {"value", "unit"}:
            raise ValueError('a quantity object has exactly "value" and "unit".')
        if not isinstance(raw["unit"], str) or raw["unit"] not in units:
            raise ValueError(f"unknown unit {raw['unit']!r}; use one of {', '.join(units)}.")
        return convert(_number(raw["value"]), units[raw["unit"]])
    try:
        return _number(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a number in {prop['x-unit']} "
                         f'or {{"value": n, "unit": u}} with u one of {", ".join(units)}.') from None


def _check_range(value, prop, question) -> None:
    if prop.get("$ref") == "#/$defs/quantity" and value < 0:
        raise ValueError(f"{format_number(value)} is negative; no quantity can be.")
    unit = question.get("unit", "")
    limits = [
        (prop.get("minimum"), lambda v, m: v >= m, "at least"),
        (prop.get("maximum"), lambda v, m: v <= m, "at most"),
        (prop.get("exclusiveMinimum", question.get("exclusive_minimum")), lambda v, m: v > m, "more than"),
    ]
    for limit, within, words in limits:
        if limit is not None and not within(value, to_decimal(limit)):
            raise ValueError(f"{format_number(value)} {unit} is out of range: must be {words} "
                             f"{format_number(limit)}.".replace("  ", " "))


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


def semantic_problems(trial: Trial, facts: dict, today: dt.date):
    """Yield (fact, problem) for dates that cannot be and direct entries that contradict inputs."""
    assessed = assessment_date_of(facts, today)
    for spec in trial.derived.values():
        if spec["calculator"] in DATED_CALCULATORS:  # their date (birth, bleed, last dose) comes first
            source = inputs_of(spec)[0]
            if isinstance(facts.get(source), dt.date) and facts[source] > assessed:
                yield source, f"{facts[source].isoformat()} is after the assessment date {assessed.isoformat()}."
    yield from _contradictions(trial, facts, assessed)


def _contradictions(trial: Trial, facts: dict, assessed: dt.date):
    for fact, spec in trial.derived.items():
        if fact not in facts:
            continue
        # Derive from everything except this direct entry (other direct entries still feed it).
        others = {name: value for name, value in facts.items() if name != fact}
        derived = Context(trial, others, assessed).calculation(fact).value
        if derived is None or _agrees(facts[fact], derived, spec.get("tolerance", 0)):
            continue
        shown = f"{plain(derived.low)} to {plain(derived.high)}" if isinstance(derived, Range) else plain(derived)
        yield fact, (f"the entry {plain(facts[fact])} contradicts the value {shown} derived from "
                     f"{', '.join(n for n in trial.in_order(inputs_of(spec)) if n in facts)}; "
                     "correct one of them or leave this one empty.")


def _agrees(entry, derived, tolerance) -> bool:
    if isinstance(derived, Range):
        return derived.low <= entry <= derived.high
    if isinstance(derived, bool) or isinstance(entry, bool):
        return entry == derived
    return abs(to_decimal(entry) - to_decimal(derived)) <= to_decimal(tolerance)
