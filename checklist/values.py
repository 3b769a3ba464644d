"""Plain values the engine works with: exact decimals, dates, ranges, and their wording."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, Context, ROUND_HALF_EVEN

# Unit factors such as 1/17.1 are not exact in any base; rounding converted values to 12
# significant digits removes the artefact (34.2 umol/L is 2 mg/dL, not 1.99999...) while keeping
# far more precision than any laboratory reports.
_MEASUREMENT = Context(prec=12, rounding=ROUND_HALF_EVEN)


def to_decimal(number) -> Decimal:
    """An int, float or numeric string as the Decimal a person typed (0.1 stays 0.1)."""
    if isinstance(number, Decimal):
        return number
    return Decimal(str(number))


def convert(value, factor) -> Decimal:
    """Value times a unit factor, at measurement precision."""
    return _MEASUREMENT.plus(to_decimal(value) * to_decimal(factor))


def at_measurement_precision(number: Decimal) -> Decimal:
    """Round the result of arithmetic (division, factors) to measurement precision."""
    return _MEASUREMENT.plus(number)


@dataclass(frozen=True)
class Range:
    """A number known only to lie between low and high (inclusive): a partly answered score."""

    low: Decimal
    high: Decimal
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


def format_number(number) -> str:
    """Plain clinical formatting: thousands separators, at most two decimals, no trailing zeros."""
    number = to_decimal(number)
    rounded = number.quantize(Decimal("0.01")) if number != number.to_integral_value() else number
    text = f"{rounded:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_value(value, unit: str = "", choices: dict | None = None) -> str:
    """A value as a clinician would read it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Range):
        return f"{format_number(value.low)} to {format_number(value.high)}"
    if isinstance(value, (int, float, Decimal)):
        return f"{format_number(value)} {unit}".rstrip()
    if isinstance(value, dt.date):
        return value.isoformat()
    if choices and value in choices:
        return choices[value]
    return str(value)


def plain(value):
    """A value as JSON data: Decimals become int or float, dates ISO strings."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
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


def window_start(end: dt.date, window: dict) -> dt.date:
    """First day of a window of {"days": n} or {"months": n} that ends on `end`."""
    if "months" in window:
        return months_before(end, window["months"])
    return end - dt.timedelta(days=window["days"])


def describe_window(window: dict) -> str:
    """'30 days' or '6 months'."""
    (unit, count), = window.items()
    return f"{count} {unit if count != 1 else unit.rstrip('s')}"
