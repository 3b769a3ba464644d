"""Plain values the engine works with: exact rational numbers, measured quantities, dates, ranges,
and their wording.

Every number is a `fractions.Fraction`, so that comparisons are exact whatever the units: 84 umol/L
against 4 x 21 umol/L compares 84 with 84, not two separately rounded conversions. Unit factors are
exact too (rules.json writes 1/17.1 as "1/17.1"), so 34.2 umol/L of bilirubin is exactly 2 mg/dL.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from fractions import Fraction

RATIONAL = re.compile(r"\s*([0-9.eE+-]+)\s*(?:/\s*([0-9.eE+-]+)\s*)?")


def to_number(number) -> Fraction:
    """An int, float, Decimal or numeric string as the exact number a person typed (0.1 is 1/10)."""
    if isinstance(number, Fraction):
        return number
    if isinstance(number, float):
        return Fraction(repr(number))  # the shortest digits that give the float back: what was typed
    return Fraction(number)


def exact_factor(factor) -> Fraction:
    """A unit factor from a rules file: a number, or a string such as "1/17.1" for an exact ratio."""
    if isinstance(factor, str):
        numerator, denominator = RATIONAL.fullmatch(factor).groups()
        return Fraction(numerator) / Fraction(denominator or 1)
    return to_number(factor)


class Quantity(Fraction):
    """A measured value in the canonical unit that remembers the unit it was entered in."""

    __slots__ = ("unit", "factor")

    def __new__(cls, entered, unit: str, factor=1):
        factor = exact_factor(factor)
        self = super().__new__(cls, to_number(entered) * factor)
        self.unit, self.factor = unit, factor
        return self

    @property
    def entered(self) -> Fraction:
        """The number as it was entered, in its own unit."""
        return Fraction(self) / self.factor

    def __repr__(self):
        return f"Quantity({self.entered}, {self.unit!r})"

    def __reduce__(self):
        return (Quantity, (self.entered, self.unit, self.factor))


@dataclass(frozen=True)
class Range:
    """A number known only to lie between low and high (inclusive): a partly answered score."""

    low: Fraction
    high: Fraction
    note: str = ""


def compare(op: str, left, right):
    """Three-valued comparison: True, False, or None when a Range straddles the answer."""
    if isinstance(left, Range) or isinstance(right, Range):
        return _compare_ranges(op, _as_range(left), _as_range(right))
    return COMPARISONS[op](left, right)


def _as_range(value) -> Range:
    return value if isinstance(value, Range) else Range(value, value)


def _compare_ranges(op, left: Range, right: Range):
    if op in ("==", "!="):
        overlap = left.low <= right.high and right.low <= left.high
        if overlap and not left.low == left.high == right.low == right.high:
            return None
        return overlap if op == "==" else not overlap
    # Ordering is monotone, so the corners of the two ranges decide it.
    outcomes = {COMPARISONS[op](a, b) for a in (left.low, left.high) for b in (right.low, right.high)}
    return outcomes.pop() if len(outcomes) == 1 else None


COMPARISONS = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}

ROUNDINGS = {  # how a number is brought to a number of decimals
    "half_even": round,
    "down": math.floor,
    "up": math.ceil,
}


def format_number(number, decimals: int = 2, rounding: str = "half_even") -> str:
    """Plain clinical formatting: thousands separators, at most `decimals` decimals, no trailing zeros."""
    number = to_number(number)
    scale = 10 ** decimals
    scaled = ROUNDINGS[rounding](number * scale)
    whole, fraction = divmod(abs(scaled), scale)
    text = f"{whole:,}"
    if fraction:
        text += "." + f"{fraction:0{decimals}d}".rstrip("0")
    return ("-" if scaled < 0 else "") + text


def format_compared(left, op: str, right) -> tuple[str, str]:
    """Both sides of a comparison as text, never contradicting the comparison's exact outcome.

    Rounded to two decimals a clearance of 29.996 would read "30 is below 30": then more decimals
    are shown, and failing that the value is rounded away from the limit ("29.99 is below 30").
    """
    truth = compare(op, left, right)
    for decimals in (2, 3, 4, 5, 6):
        if compare(op, rounded(left, decimals), rounded(right, decimals)) == truth:
            return format_number(left, decimals), format_number(right, decimals)
    below = left < right
    return format_number(left, 2, "down" if below else "up"), format_number(right, 2, "up" if below else "down")


def rounded(number, decimals: int, rounding: str = "half_even") -> Fraction:
    """The number as format_number shows it."""
    scale = 10 ** decimals
    return Fraction(ROUNDINGS[rounding](to_number(number) * scale), scale)


def format_value(value, unit: str = "", choices: dict | None = None) -> str:
    """A value as a clinician would read it; a Quantity in the unit it was entered in."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Range):
        return f"{format_number(value.low)} to {format_number(value.high)} {unit}".rstrip()
    if isinstance(value, Quantity):
        return f"{format_number(value.entered)} {show_unit(value.unit)}".rstrip()
    if isinstance(value, (int, Fraction)):
        return f"{format_number(value)} {show_unit(unit)}".rstrip()
    if isinstance(value, dt.date):
        return value.isoformat()
    if choices and value in choices:
        return choices[value]
    return str(value)


UNIT_WORDS = {"umol/L": "µmol/L", "10^9/L": "× 10⁹/L", "cells/mm3": "cells/mm³", "mL/min/1.73m2": "mL/min/1.73 m²"}


def show_unit(unit: str) -> str:
    """A unit as printed for people (µmol/L, × 10⁹/L), from its ASCII name in the rules."""
    return UNIT_WORDS.get(unit, unit)


def plain(value):
    """A value as JSON data: whole numbers become int, others float, dates ISO strings."""
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day of the month `months` calendar months earlier, clamped to the month's end."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last_day))


# Days in one of each unit; None: calendar months. Hours come in whole days (24, 48, 72): the
# answers are dates, so a window in hours leaves out its boundary day unless it says otherwise (a
# test three days before may be more than 72 hours before).
WINDOW_UNITS = {"days": 1, "weeks": 7, "months": None, "years": None, "hours": Fraction(1, 24)}


def window_length(window: dict) -> tuple[str, int]:
    """(unit, count) of a window: ("weeks", 4)."""
    (unit, count), = ((unit, count) for unit, count in window.items() if unit in WINDOW_UNITS)
    return unit, count


def window_start(end: dt.date, window: dict) -> dt.date:
    """The boundary day of a window of N days, weeks, calendar months or years that ends on `end`.

    The dictionary's rule: "within N before the assessment date" means on or after the assessment
    date minus N (calendar months and years, the day clamped to the month's end) and not after it.
    The boundary day counts unless the window says "boundary": "excluded" (first_day_in).
    """
    unit, count = window_length(window)
    if WINDOW_UNITS[unit] is None:
        return months_before(end, count * (12 if unit == "years" else 1))
    return end - dt.timedelta(days=int(count * WINDOW_UNITS[unit]))


def boundary_counts(window: dict) -> bool:
    """Whether a window's boundary day is inside it ("3 months or more": it is; "72 hours": not
    unless the rules say so)."""
    return window.get("boundary", "excluded" if "hours" in window else "included") == "included"


def first_day_in(end: dt.date, window: dict) -> dt.date:
    """The first day inside a window that ends on `end`."""
    return window_start(end, window) + dt.timedelta(days=0 if boundary_counts(window) else 1)


def window_lapses(day: dt.date, window: dict) -> dt.date:
    """The first assessment date whose window no longer contains `day` (when an exclusion ends)."""
    unit, count = window_length(window)
    if WINDOW_UNITS[unit] is not None:
        return day + dt.timedelta(days=int(count * WINDOW_UNITS[unit]) + boundary_counts(window))
    return _first_assessment_when(day, window, lambda end: first_day_in(end, window) > day)


def window_reached(day: dt.date, window: dict) -> dt.date:
    """The first assessment date on which `day` is at least the window before it ("before"), or
    more than that with "boundary": "excluded" (when a required interval has passed)."""
    unit, count = window_length(window)
    if WINDOW_UNITS[unit] is not None:
        return day + dt.timedelta(days=int(count * WINDOW_UNITS[unit]) + (not boundary_counts(window)))
    return _first_assessment_when(day, window, lambda end: window_start(end, window) > day or (
        window_start(end, window) == day and boundary_counts(window)))


def _first_assessment_when(day: dt.date, window: dict, reached) -> dt.date:
    """The first assessment date after `day` for which `reached` (false, then true for good)
    holds, for a window of calendar months or years. Months last at least 28 days and years 365,
    so the search starts a few days before the earliest it can be."""
    unit, count = window_length(window)
    candidate = day + dt.timedelta(days=max(1, (365 if unit == "years" else 28) * count - 3))
    while not reached(candidate):
        candidate += dt.timedelta(days=1)
    return candidate


def describe_window(window: dict) -> str:
    """'30 days', '4 weeks', '6 months', '1 year' or '72 hours'."""
    unit, count = window_length(window)
    return f"{count} {unit if count != 1 else unit.rstrip('s')}"
