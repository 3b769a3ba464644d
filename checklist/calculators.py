"""Named clinical calculators that derive a value from answered facts.

Each calculator takes its rules entry, a lookup of fact values (None when unanswered) and the
assessment date, and returns a Calculation. The trial's parameters (cut-offs, windows, codes) live
in the rules entry, never here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from .values import Range, at_measurement_precision, format_number, to_decimal, window_start


@dataclass(frozen=True)
class Calculation:
    value: object = None  # None when not yet known
    note: str = ""  # how it was reached, for reasons and the summary


def points_sum(spec, value_of, assessment_date) -> Calculation:
    """A score adding points per input (Child-Pugh); partly answered gives the reachable Range."""
    low = high = 0
    known, unanswered = [], []
    for part in spec["parts"]:
        value = value_of(part["fact"])
        options = _part_points(part)
        if value is None:
            low, high = low + min(options), high + max(options)
            unanswered.append(part["label"])
            continue
        points = _points_for(part, value)
        low, high = low + points, high + points
        known.append(f"{part['label']} {points}")
    note = ", ".join(known) + (" points" if known else "")
    if unanswered:
        note = "; ".join(filter(None, [note, "not yet answered: " + ", ".join(unanswered)]))
        return Calculation(Range(Decimal(low), Decimal(high), note), note)
    return Calculation(Decimal(low), note)


def _part_points(part) -> list[int]:
    if "choices" in part:
        return list(part["choices"].values())
    return [band["points"] for band in part["bands"]]


def _points_for(part, value) -> int:
    if "choices" in part:
        return part["choices"][value]
    return next(band["points"] for band in part["bands"] if in_band(band, value))


BAND_TESTS = {
    "below": lambda value, limit: value < limit,
    "at_most": lambda value, limit: value <= limit,
    "above": lambda value, limit: value > limit,
    "at_least": lambda value, limit: value >= limit,
}


def in_band(band: dict, value) -> bool:
    """Whether a number falls in a band such as {"below": 2}; a band with no limit takes all."""
    return all(test(value, to_decimal(band[key])) for key, test in BAND_TESTS.items() if key in band)


def bands(spec, value_of, assessment_date) -> Calculation:
    """A label by bands of one number (Child-Pugh class from its score)."""
    value = value_of(spec["input"])
    if value is None:
        return Calculation()
    if isinstance(value, Range):
        low, high = (_label_for(spec, v) for v in (value.low, value.high))
        return Calculation(low if low == high else None)
    return Calculation(_label_for(spec, value))


def _label_for(spec, value):
    return next(band["label"] for band in spec["bands"] if in_band(band, value))


def cockcroft_gault(spec, value_of, assessment_date) -> Calculation:
    """Creatinine clearance, mL/min: (140 - age) x weight / (72 x creatinine), x 0.85 if female."""
    inputs = {name: value_of(fact) for name, fact in spec["inputs"].items()}
    if any(value is None for value in inputs.values()):
        return Calculation()
    clearance = (140 - to_decimal(inputs["age"])) * inputs["weight"] / (72 * inputs["creatinine"])
    female = inputs["sex"] == spec["female"]
    if female:
        clearance *= Decimal("0.85")
    note = (f"Cockcroft-Gault: (140 - {inputs['age']}) x {format_number(inputs['weight'])} kg"
            f" / (72 x {format_number(inputs['creatinine'])} mg/dL)" + (" x 0.85" if female else ""))
    return Calculation(at_measurement_precision(max(clearance, Decimal(0))), note)


def age_in_years(spec, value_of, assessment_date) -> Calculation:
    """Whole years from the birth date to the assessment date."""
    born = value_of(spec["input"])
    if born is None:
        return Calculation()
    had_birthday = (assessment_date.month, assessment_date.day) >= (born.month, born.day)
    return Calculation(assessment_date.year - born.year - (not had_birthday),
                       f"born {born.isoformat()}")


def date_within(spec, value_of, assessment_date) -> Calculation:
    """Whether a date falls in a window ending on the assessment date (a bleed in 6 months)."""
    day = value_of(spec["input"])
    if day is None:
        return Calculation()
    inside = window_start(assessment_date, spec["window"]) <= day <= assessment_date
    return Calculation(inside, f"on {day.isoformat()}")


def washout(spec, value_of, assessment_date) -> Calculation:
    """Whether a last dose is still inside max(minimum days, n half-lives) before the assessment."""
    last_dose = value_of(spec["inputs"]["last_dose"])
    if last_dose is None:
        return Calculation()
    elapsed = (assessment_date - last_dose).days
    half_life = value_of(spec["inputs"]["half_life_days"])
    if half_life is None:
        if elapsed <= spec["minimum_days"]:
            return Calculation(True, f"last dose {elapsed} days ago, within {spec['minimum_days']} days")
        return Calculation()
    period = max(Decimal(spec["minimum_days"]), to_decimal(spec["half_lives"]) * half_life)
    return Calculation(elapsed <= period,
                       f"last dose {elapsed} days ago; washout {format_number(period)} days")


def ratio(spec, value_of, assessment_date) -> Calculation:
    """One number as a multiple of another (a lab value as a multiple of its ULN)."""
    numerator, denominator = (value_of(spec["inputs"][key]) for key in ("numerator", "denominator"))
    if numerator is None or denominator is None:
        return Calculation()
    return Calculation(at_measurement_precision(numerator / denominator))


CALCULATORS = {
    "points_sum": points_sum,
    "bands": bands,
    "cockcroft_gault": cockcroft_gault,
    "age_in_years": age_in_years,
    "date_within": date_within,
    "washout": washout,
    "ratio": ratio,
}


def inputs_of(spec) -> list[str]:
    """The facts a derived entry reads, in the order it names them."""
    if "parts" in spec:
        return [part["fact"] for part in spec["parts"]]
    if "inputs" in spec:
        return list(spec["inputs"].values())
    return [spec["input"]]


def calculate(spec, value_of, assessment_date: dt.date) -> Calculation:
    """Run the calculator a derived entry names."""
    return CALCULATORS[spec["calculator"]](spec, value_of, assessment_date)
