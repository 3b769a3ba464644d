"""The engine's plain values: exact numbers and unit factors, quantities that remember their unit,
wording that never contradicts a comparison, and date windows."""
from __future__ import annotations

import datetime as dt
import pickle
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checklist.domain.values import (Quantity, compare, exact_factor, format_compared, format_number,
                              format_value, to_number, window_lapses, window_start)

SETTINGS = settings(max_examples=200, deadline=None, database=None)


# Exact numbers

@pytest.mark.parametrize("typed, exact", [
    (0.1, Fraction(1, 10)), (2.675, Fraction(2675, 1000)), (60000, Fraction(60000)), ("1.2", Fraction(6, 5)),
])
def test_a_typed_number_is_the_exact_number_as_written(typed, exact):
    assert to_number(typed) == exact


@pytest.mark.parametrize("factor, exact", [
    ("1/17.1", Fraction(10, 171)), ("1/88.4", Fraction(10, 884)), (0.45359237, Fraction("0.45359237")),
    (1000, Fraction(1000)), (0.1, Fraction(1, 10)), ("1/24", Fraction(1, 24)),
])
def test_a_unit_factor_is_exact(factor, exact):
    assert exact_factor(factor) == exact


def test_bilirubin_34_2_umol_per_litre_is_exactly_2_mg_per_dl():
    assert Quantity(34.2, "umol/L", "1/17.1") == 2


def test_a_quantity_remembers_the_unit_and_number_it_was_entered_in():
    platelets = Quantity(45, "10^9/L", 1000)
    assert platelets == 45000
    assert (platelets.entered, platelets.unit) == (45, "10^9/L")
    assert format_value(platelets) == "45 × 10⁹/L"


def test_a_quantity_keeps_its_unit_through_pickling():
    platelets = pickle.loads(pickle.dumps(Quantity(45, "10^9/L", 1000)))
    assert (platelets, platelets.unit, platelets.entered) == (45000, "10^9/L", 45)


@pytest.mark.parametrize("number, text", [
    (1234567.891, "1,234,567.89"), (2.675, "2.68"), (Fraction(247, 3), "82.33"), (-1.5, "-1.5"), (30, "30"),
])
def test_numbers_read_with_thousands_separators_and_at_most_two_decimals(number, text):
    assert format_number(number) == text


# Wording a comparison

OPERATORS = ["<", "<=", ">", ">="]


def shown(text: str) -> Fraction:
    return Fraction(text.replace(",", ""))


@pytest.mark.parametrize("left, operator, right", [
    (Fraction(29996, 1000), ">=", 30),   # 29.996 must not read "30 is below 30"
    (Fraction(300001, 10000), ">", 30),  # 30.0001 must not read "30 is not above 30"
    (Fraction(247, 3), "<", 83),
    (Fraction("4.9122806"), "<", Fraction(84) / Fraction("17.1")),  # 4 x 21 umol/L in mg/dL
])
def test_format_compared_examples_read_as_the_comparison_came_out(left, operator, right):
    left_text, right_text = format_compared(left, operator, right)
    assert compare(operator, shown(left_text), shown(right_text)) == compare(operator, left, right)


# Numbers as the engine compares them: an entry with up to 8 decimals in its own unit, against a
# limit that a unit factor may have made a repeating decimal (84 umol/L is 4.9122807... mg/dL).
entries = st.builds(Fraction, st.integers(1, 10**10), st.sampled_from([1, 10, 100, 10**4, 10**6, 10**8]))
limits = st.builds(lambda whole, divisor: Fraction(whole) / divisor, st.integers(1, 10**6),
                   st.sampled_from([Fraction(1), Fraction("17.1"), Fraction("88.4"), Fraction(3), Fraction(7)]))


@SETTINGS
@given(left=entries, right=limits, operator=st.sampled_from(OPERATORS), nudge=st.integers(-3, 3))
def test_format_compared_never_contradicts_the_exact_comparison(left, right, operator, nudge):
    left = right + Fraction(nudge, 10**8) if nudge else left  # also just either side of the limit
    left_text, right_text = format_compared(left, operator, right)
    assert compare(operator, shown(left_text), shown(right_text)) == compare(operator, left, right)


# Windows

def test_a_day_window_lapses_the_day_after_its_last_day():
    assert window_lapses(dt.date(2026, 5, 16), {"days": 30}) == dt.date(2026, 6, 16)


@pytest.mark.parametrize("day, lapses", [
    pytest.param(dt.date(2025, 12, 15), dt.date(2026, 6, 16), id="mid-month"),
    pytest.param(dt.date(2026, 2, 28), dt.date(2026, 9, 1), id="28 Feb counts until 31 Aug (clamped)"),
    pytest.param(dt.date(2025, 8, 31), dt.date(2026, 3, 1), id="31 Aug counts until 28 Feb"),
])
def test_a_month_window_lapses_on_the_first_assessment_date_whose_window_leaves_the_day_out(day, lapses):
    assert window_lapses(day, {"months": 6}) == lapses


@SETTINGS
@given(day=st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31)),
       window=st.one_of(st.builds(lambda n: {"days": n}, st.integers(0, 400)),
                        st.builds(lambda n: {"months": n}, st.integers(1, 24))))
def test_window_lapses_is_the_first_assessment_date_whose_window_no_longer_holds_the_day(day, window):
    lapses = window_lapses(day, window)
    assert window_start(lapses - dt.timedelta(days=1), window) <= day
    assert window_start(lapses, window) > day
