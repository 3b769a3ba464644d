"""Named clinical calculators that derive a value from answered facts.

Each calculator takes its rules entry and the evaluation's context (its `value(fact)`, None when
unanswered; `assessment_date`; `factor(fact, unit)`) and returns a Calculation. The trial's
parameters (cut-offs, windows, codes) live in the rules entry, never here.
"""
from __future__ import annotations

from dataclasses import dataclass
import datetime as dt
import math
import numbers
from fractions import Fraction

from .expressions import evaluate as evaluate_expression, facts_read
from .values import Range, first_day_in, format_number, to_number, window_lapses


@dataclass(frozen=True)
class Calculation:
    value: object = None  # None when not yet known
    note: str = ""  # how it was reached, for reasons and the summary


def points_sum(spec, context) -> Calculation:
    """A score adding points per input (Child-Pugh); partly answered gives the reachable Range."""
    low = high = 0
    known, unanswered = [], []
    for part in spec["parts"]:
        value = context.value(part["fact"])
        options = _part_points(part)
        if value is None:
            low, high = low + min(options), high + max(options)
            unanswered.append(part["label"])
            continue
        points = _points_for(part, value, context)
        low, high = low + points, high + points
        known.append(f"{part['label']} {points}")
    note = ", ".join(known) + (" points" if known else "")
    if unanswered:
        note = "; ".join(filter(None, [note, "not yet answered: " + ", ".join(unanswered)]))
        return Calculation(Range(Fraction(low), Fraction(high), note), note)
    return Calculation(Fraction(low), note)


def _part_points(part) -> list[int]:
    if "choices" in part:
        return list(part["choices"].values())
    return [band["points"] for bands in _tables(part).values() for band in bands]


def _tables(part) -> dict:
    """{unit: bands}: a part scored by one table ("bands", in the canonical unit) or by several."""
    return part.get("tables") or {None: part["bands"]}


def _points_for(part, value, context) -> int:
    """The part's points; scored by several published tables (conventional and SI units) where
    they disagree at a boundary, the higher points count (the conservative reading)."""
    if "choices" in part:
        return part["choices"][value]
    return max(next(band["points"] for band in bands
                    if in_band(band, value / context.factor(part["fact"], unit)))
               for unit, bands in _tables(part).items())


BAND_TESTS = {
    "below": lambda value, limit: value < limit,
    "at_most": lambda value, limit: value <= limit,
    "above": lambda value, limit: value > limit,
    "at_least": lambda value, limit: value >= limit,
}


def in_band(band: dict, value) -> bool:
    """Whether a number falls in a band such as {"below": 2}; a band with no limit takes all."""
    return all(test(value, to_number(band[key])) for key, test in BAND_TESTS.items() if key in band)


def bands(spec, context) -> Calculation:
    """A label by bands of one number (Child-Pugh class from its score)."""
    value = context.value(spec["input"])
    if value is None:
        return Calculation()
    if isinstance(value, Range):
        low, high = (_label_for(spec, v) for v in (value.low, value.high))
        return Calculation(low if low == high else None)
    return Calculation(_label_for(spec, value))


def _label_for(spec, value):
    return next(band["label"] for band in spec["bands"] if in_band(band, value))


def cockcroft_gault(spec, context) -> Calculation:
    """Creatinine clearance, mL/min: (140 - age) x weight / (72 x creatinine), x 0.85 if female."""
    inputs = {name: context.value(fact) for name, fact in spec["inputs"].items()}
    if any(value is None for value in inputs.values()):
        return Calculation()
    clearance = (140 - to_number(inputs["age"])) * inputs["weight"] / (72 * inputs["creatinine"])
    female = inputs["sex"] == spec["female"]
    if female:
        clearance *= Fraction("0.85")
    note = (f"Cockcroft-Gault: (140 − {inputs['age']}) × {format_number(inputs['weight'])} kg"
            f" / (72 × {format_number(inputs['creatinine'])} mg/dL)" + (" × 0.85" if female else ""))
    return Calculation(max(clearance, Fraction(0)), note)


def age_in_years(spec, context) -> Calculation:
    """Whole years from the birth date to the assessment date."""
    born, today = context.value(spec["input"]), context.assessment_date
    if born is None:
        return Calculation()
    had_birthday = (today.month, today.day) >= (born.month, born.day)
    return Calculation(today.year - born.year - (not had_birthday), f"born {born.isoformat()}")


def date_within(spec, context) -> Calculation:
    """Whether a date falls in a window ending on the assessment date (a bleed in 6 months)."""
    day, today = context.value(spec["input"]), context.assessment_date
    if day is None:
        return Calculation()
    inside = first_day_in(today, spec["window"]) <= day <= today
    lapse = f"; it no longer counts from {window_lapses(day, spec['window']).isoformat()}" if inside else ""
    return Calculation(inside, f"on {day.isoformat()}{lapse}")


def washout(spec, context) -> Calculation:
    """Whether a last dose is still inside max(minimum days, n half-lives) before the assessment.

    Doses are dated by the day, not the hour, so the washout is rounded up to whole days: a dose
    on day D with a washout of 28.5 days is still recent on D + 29 and clear from D + 30.
    """
    last_dose = context.value(spec["inputs"]["last_dose"])
    if last_dose is None:
        return Calculation()
    elapsed = (context.assessment_date - last_dose).days
    half_life = context.value(spec["inputs"]["half_life_days"])
    minimum = spec["minimum_days"]
    if half_life is None:
        if elapsed <= minimum:
            return Calculation(True, f"last dose {elapsed} days before, within {minimum} days")
        return Calculation()
    period = max(Fraction(minimum), to_number(spec["half_lives"]) * half_life)
    days = math.ceil(period)
    return Calculation(elapsed <= days, f"last dose {elapsed} days before; washout {days} days, "
                                        f"the longer of {minimum} days and {spec['half_lives']} half-lives "
                                        f"of {format_number(half_life)} days")


def ratio(spec, context) -> Calculation:
    """One number as a multiple of another (a lab value as a multiple of its ULN)."""
    numerator, denominator = (context.value(spec["inputs"][key]) for key in ("numerator", "denominator"))
    if numerator is None or denominator is None:
        return Calculation()
    return Calculation(Fraction(numerator) / denominator)


def formula(spec, context) -> Calculation:
    """Exact arithmetic on answers and numbers (an albumin-to-creatinine ratio: {"/": [{"var": A},
    {"var": B}]}): "+", "-", "*", "/", "min", "max", folded from the left. Open while an input is
    unknown or a divisor is zero."""
    value = _arithmetic(spec["formula"], context)
    if value is None:
        return Calculation()
    return Calculation(value, "from " + "; ".join(context.describe(fact) for fact in facts_read(spec["formula"])))


def power(base: Fraction, exponent: Fraction) -> Fraction | None:
    """base ** exponent: exact for a whole exponent; otherwise exp(exponent × ln(base)) worked out in
    integers to 40 decimals and rounded to 12 (as static/engine.js does, digit for digit), since a
    fractional power (CKD-EPI's −0.241) is no rational number. None where it has no value."""
    if exponent.denominator == 1:
        return None if base == 0 and exponent < 0 else base ** int(exponent)
    if base <= 0:
        return None
    scaled = _exp(exponent.numerator * _ln(base) // exponent.denominator)
    whole, rest = divmod(scaled, 10 ** (DIGITS - KEPT_DIGITS))
    return Fraction(whole + (2 * rest >= 10 ** (DIGITS - KEPT_DIGITS)), 10 ** KEPT_DIGITS)


DIGITS, KEPT_DIGITS = 40, 12
SCALE = 10 ** DIGITS  # fixed point: a number x is held as the integer floor(x × SCALE)


def _atanh_sum(z: int) -> int:
    """2 × atanh(z / SCALE) × SCALE, for 0 <= z <= SCALE / 3."""
    total = term = z
    square, odd = z * z // SCALE, 1
    while True:
        term = term * square // SCALE
        odd += 2
        if term // odd == 0:
            return 2 * total
        total += term // odd


LN2 = _atanh_sum(SCALE // 3)  # ln 2 = 2 atanh(1/3)


def _ln(x: Fraction) -> int:
    """ln(x) × SCALE for x > 0: x = m × 2^k with m in [1, 2), ln m = 2 atanh((m − 1) / (m + 1))."""
    fixed, halvings = x.numerator * SCALE // x.denominator, 0
    while fixed >= 2 * SCALE:
        fixed, halvings = fixed // 2, halvings + 1
    while fixed < SCALE:
        fixed, halvings = fixed * 2, halvings - 1
    return halvings * LN2 + _atanh_sum((fixed - SCALE) * SCALE // (fixed + SCALE))


def _exp(y: int) -> int:
    """exp(y / SCALE) × SCALE: y = n ln 2 + r with 0 <= r < ln 2, exp(r) by its series."""
    doublings = y // LN2
    rest = y - doublings * LN2
    total = term = SCALE
    count = 1
    while True:
        term = term * rest // (SCALE * count)
        if term == 0:
            break
        total += term
        count += 1
    return total << doublings if doublings >= 0 else total >> -doublings


ARITHMETIC = {
    "+": lambda left, right: left + right,
    "-": lambda left, right: left - right,
    "*": lambda left, right: left * right,
    "/": lambda left, right: None if right == 0 else left / right,
    "min": min,
    "max": max,
    "pow": power,
}


def _arithmetic(expression, context):
    if not isinstance(expression, dict):
        return to_number(expression)
    (operator, argument), = expression.items()
    if operator == "var":
        value = context.value(argument)
        number = isinstance(value, numbers.Rational) and not isinstance(value, bool)
        return Fraction(value) if number and not context.is_open(value) else None
    if operator == "if":  # [condition of the rules language, value when it holds, value when not]
        holds = evaluate_expression(argument[0], context).value
        return None if holds is None else _arithmetic(argument[1] if holds else argument[2], context)
    result = None
    for index, item in enumerate(argument):
        value = _arithmetic(item, context)
        if value is None:
            return None
        result = value if index == 0 else ARITHMETIC[operator](result, value)
        if result is None:
            return None
    return result


CALCULATORS = {
    "points_sum": points_sum,
    "bands": bands,
    "cockcroft_gault": cockcroft_gault,
    "age_in_years": age_in_years,
    "date_within": date_within,
    "washout": washout,
    "ratio": ratio,
    "formula": formula,
}


def birthdays(spec, context, low: dt.date, high: dt.date) -> list[dt.date]:
    """The days from `low` to `high` on which age_in_years goes up (29 February counts from
    1 March in other years)."""
    born = context.value(spec["input"])
    if born is None:
        return []
    days = []
    for year in range(low.year, high.year + 1):
        try:
            days.append(dt.date(year, born.month, born.day))
        except ValueError:
            days.append(dt.date(year, 3, 1))
    return days


def date_within_turns(spec, context, low, high) -> list[dt.date]:
    """The date itself (from then on it is not after the assessment) and the day it lapses."""
    day = context.value(spec["input"])
    return [] if day is None else [day, window_lapses(day, spec["window"])]


def washout_turns(spec, context, low, high) -> list[dt.date]:
    """The first days clear of the minimum washout and of the whole washout (see washout)."""
    last_dose = context.value(spec["inputs"]["last_dose"])
    if last_dose is None:
        return []
    days = [last_dose + dt.timedelta(days=spec["minimum_days"] + 1)]
    half_life = context.value(spec["inputs"]["half_life_days"])
    if half_life is not None:
        period = max(Fraction(spec["minimum_days"]), to_number(spec["half_lives"]) * half_life)
        days.append(last_dose + dt.timedelta(days=math.ceil(period) + 1))
    return days


# The calculators whose value depends on the assessment date, and the days on which it may change
# (for the answers as they stand, between two assessment dates): timeline.window's turns.
TURNS = {"age_in_years": birthdays, "date_within": date_within_turns, "washout": washout_turns}
DATED_CALCULATORS = frozenset(TURNS)
# A typed value (no date to calculate from) that still holds on later assessment dates when nothing
# new happens: no bleed in the 6 months before, no dose within the washout. Any other typed dated
# value (an age, a "yes") is known for its own assessment date only.
CARRIED_FORWARD = {"date_within": False, "washout": False}


def inputs_of(spec) -> list[str]:
    """The facts a derived entry reads, in the order it names them."""
    if "parts" in spec:
        return [part["fact"] for part in spec["parts"]]
    if "formula" in spec:
        return facts_read(spec["formula"])
    if "inputs" in spec:
        return list(spec["inputs"].values())
    return [spec["input"]]


def calculate(spec, context) -> Calculation:
    """Run the calculator a derived entry names."""
    return CALCULATORS[spec["calculator"]](spec, context)
