"""Answer sets for the JavaScript/Python parity suite (tests/test_parity.py).

Every vignette and clinical case, then thousands of partial answer sets generated from a fixed
seed: random subsets of the facts, numbers at and around every threshold, band edge and bound the
rules and the data dictionary name (in every unit, the Child-Pugh tables in theirs), values at and
around a multiple of their upper limit of normal, implausible values (unit slips, some confirmed),
dates at the edges of every window (month ends, 29 February), washouts in days and hours, the
pregnancy facts with the sex recorded at birth male or female, choice questions left open for the
engine to enumerate, direct entries that agree with, nearly agree with or contradict what they
derive from, and invalid values of every kind. The edges are read from the rules, so a new
criterion is covered without editing this file.
"""
from __future__ import annotations

import copy
import datetime as dt
import json
from fractions import Fraction
from pathlib import Path
from random import Random

from checklist.domain.answers import parse_value, validate
from checklist.domain.calculators import inputs_of
from checklist.domain.engine import Context
from checklist.domain.rules import Trial, check_rules
from checklist.domain.values import Range, exact_factor, window_start

SEED = 6  # issue 6
GENERATED = 4000
TODAY = dt.date(2026, 6, 15)
TESTS = Path(__file__).resolve().parent
VIGNETTES = TESTS.parent / "helio-rt" / "vignettes"
CLINICAL_CASES = TESTS / "cases" / "helio-rt"
FULL_ANSWERS = json.loads((VIGNETTES / "01-all-criteria-met.json").read_text(encoding="utf-8"))["answers"]

NUDGES = [Fraction(n) for n in ("0", "0", "0", "0", "0.001", "-0.001", "0.005", "-0.005", "0.01", "-0.01",
                                "0.1", "-0.1", "1", "-1")]
# Days where calendar months misbehave: month ends, leap days, the turn of a year.
AWKWARD_DAYS = [dt.date.fromisoformat(day) for day in (
    "2026-06-15", "2026-03-31", "2026-08-31", "2026-05-31", "2026-12-31", "2027-01-01", "2026-02-28",
    "2024-02-29", "2024-03-01", "2024-08-31", "2025-02-28", "2028-02-29", "2026-01-31", "2028-08-31",
    "2026-09-30", "2024-03-31")]
# Invalid answers of every kind, and a few strange but valid ones.
ODD_VALUES = [None, "lots", "", "it's", 'say "no"', "é ≥ 😀\u200b\t\n\\", [1, 2.5], {"a": [True, None]},
              True, False, 0, -0.001, -1, 2.5, 2.001, 1e-07, 1e9, 1.0000001e9, 1e10, 1e21, 1.5e300,
              12345678901234567890, "2026-06-15"]
ODD_DATES = ["2026-02-30", "2026-13-01", "15/06/2026", "2026-6-15", "2026-W24-1", "2026W241xx",
             "20260615xx", "2026061500", "2026-W53-1", "2020-W53-7", "0000-01-01", "0001-01-01",
             "9999-12-31", "2026-06-15T10:00", "２０２６-０６-１５", 20260615, "2027-01-01"]
ODD_QUANTITIES = [{"value": 1}, {"value": 1, "unit": "bogus"}, {"value": 1, "unit": None},
                  {"value": "12", "unit": "UNIT"}, {"value": True, "unit": "UNIT"},
                  {"value": 1, "unit": "UNIT", "extra": 1}, {"value": 1e10, "unit": "UNIT"},
                  {"value": -0.5, "unit": "UNIT"}, {"value": -0.001, "unit": "UNIT"}, {"value": 1e9, "unit": "UNIT"},
                  {"value": 0, "unit": "UNIT"}]
UNKNOWN_FACTS = ["platelet", "constructor", "__proto__", "toString", "hasOwnProperty", "1", ""]
PREGNANCY_FACTS = ["childbearing_potential", "pregnant", "nursing", "pregnancy_test_result", "pregnancy_test_date"]


# Criteria in parts of the rules language rules.json does not use (">", "in", "not", a partial score
# compared with == and !=, windows of one day, weeks, one month and a year, a window's boundary
# left out, windows ending on another date, "before", awaits over a derived value and with an
# action, if_answered, explain, a literal compared with a measured value, two facts compared):
# added to the trial so the parity suite covers the whole language.
LANGUAGE_CRITERIA = [
    {"id": "x_in_numbers", "require": {"in": [{"var": "ecog"}, [0, 1.5, 1]]}},
    {"id": "x_in_choices", "require": {"in": [{"var": "hcc_variant"}, ["none_known", "sarcomatoid"]]}},
    {"id": "x_not_any", "require": {"not": {"any": [{"var": "pregnant"}, {"var": "nursing"}]}}},
    {"id": "x_above_product", "require": {">": [{"var": "hemoglobin"}, {"*": [2, {"var": "albumin"}, 1.25]}]}},
    {"id": "x_product_of_facts", "require": {"<": [{"var": "ast"}, {"*": [{"var": "alt"}, {"var": "ast_uln"}]}]}},
    {"id": "x_score_equals", "require": {"==": [{"var": "child_pugh_score"}, 6]}},
    {"id": "x_score_differs", "applies": {"!=": [{"var": "child_pugh_class"}, "C"]},
     "require": {"!=": [{"var": "child_pugh_score"}, 9]}},
    {"id": "x_month_window", "applies": {"not": {"var": "prior_tare"}},
     "require": {"within": [{"var": "immunostimulatory_last_dose_date"}, {"months": 1}]}},
    {"id": "x_day_window", "require": {"not": {"within": [{"var": "pregnancy_test_date"}, {"days": 1}]}}},
    {"id": "x_awaits_derived", "require": {"all": [{"!=": [{"var": "child_pugh_class"}, "C"]},
                                                   {"awaits": {"==": [{"var": "child_pugh_class"}, "A"]}}]}},
    {"id": "x_awaits_windows", "require": {"all": [{"<": [{"var": "ecog"}, 4]}, {"awaits": [{"any": [
        {"within": [{"var": "last_significant_bleed_date"}, {"months": 2}]},
        {"within": [{"var": "pregnancy_test_date"}, {"days": 10}]}]}, "see the patient again"]}]}},
    {"id": "x_if_answered", "applies": {"!=": [{"var": "sex"}, "male"]},
     "require": {"if_answered": ["ecog", {"not": {">": [{"var": "ecog"}, 2]}}]},
     "applies_to": "anyone but men",
     "explain": [{"when": {">=": [{"var": "ecog"}, 4]}, "say": "ECOG 4 or 5 is far too high."}]},
    {"id": "x_literal_left", "require": {">=": [70, {"var": "weight"}]}},
    {"id": "x_typed_clearance", "require": {"<": [{"var": "creatinine_clearance"}, 100]}},
    {"id": "x_facts_compared", "require": {"==": [{"var": "macrovascular_invasion"}, {"var": "gi_direct_extension"}]}},
    {"id": "x_bare_facts", "require": {"all": [{">": [{"var": "inr"}, 0.9]}, {"var": "extrahepatic_disease"}]}},
    {"id": "x_week_window", "require": {"within": [{"var": "immunostimulatory_last_dose_date"}, {"weeks": 4}]}},
    {"id": "x_year_window_excluded", "require": {"not": {"within": [{"var": "last_significant_bleed_date"},
                                                                   {"years": 1, "boundary": "excluded"}]}}},
    {"id": "x_anchored_window", "require": {"within": [{"var": "pregnancy_test_date"}, {"days": 30},
                                                       {"var": "last_significant_bleed_date"}]}},
    {"id": "x_at_least_before", "require": {"before": [{"var": "date_of_birth"}, {"years": 18}]}},
    {"id": "x_hours_window", "require": {"not": {"within": [{"var": "pregnancy_test_date"}, {"hours": 72}]}}},
    {"id": "x_hours_window_included", "require": {"within": [{"var": "last_significant_bleed_date"},
                                                             {"hours": 48, "boundary": "included"}]}},
    {"id": "x_more_than_before_anchored", "require": {"before": [
        {"var": "last_significant_bleed_date"}, {"months": 6, "boundary": "excluded"},
        {"var": "immunostimulatory_last_dose_date"}]}},
    {"id": "x_awaits_excluded_window", "require": {"all": [{"<": [{"var": "ecog"}, 3]}, {"awaits": [{"within": [
        {"var": "pregnancy_test_date"}, {"weeks": 2, "boundary": "excluded"}]}, "repeat the test"]}]}},
    {"id": "x_per_unit", "require": {"<": [{"var": "total_bilirubin"}, {"per_unit": {"umol/L": 26, "mg/dL": 1.5}}]}},
    {"id": "x_per_unit_range", "require": {"between": [{"var": "hemoglobin"}, {"above": {"per_unit": {"g/L": 85}}},
                                                       {"per_unit": {"g/dL": 14, "g/L": 139}}]}},
    {"id": "x_between_included", "require": {"between": [{"var": "ecog"}, 1, 3]}},
    {"id": "x_between_excluded", "require": {"between": [{"var": "hemoglobin"}, {"above": 9}, {"below": 14.5}]}},
    {"id": "x_between_limits", "require": {"between": [{"var": "ast"}, {"at_least": {"var": "alt"}},
                                                       {"at_most": {"*": [3, {"var": "ast_uln"}]}}]}},
]


# A formula (exact arithmetic) over answers in several units and a derived value, with a divisor
# that may be zero, and criteria that read it.
LANGUAGE_DERIVED = {
    "x_formula": {"calculator": "formula", "label": "Formula check", "unit": "g/dL",
                  "formula": {"/": [{"-": [{"var": "hemoglobin"}, {"*": [2, {"var": "albumin"}]}, -1]},
                                    {"max": [{"-": [{"var": "inr"}, 1]}, {"min": [{"var": "ecog"}, 1.5]}]}]}},
    "x_formula_of_derived": {"calculator": "formula", "label": "Formula of a calculated value",
                             "formula": {"+": [{"var": "child_pugh_score"}, {"var": "x_formula"}, 0.25]}},
    "x_powers": {"calculator": "formula", "label": "Powers, as CKD-EPI takes them", "unit": "mL/min/1.73m2",
                 "formula": {"*": [142,
                                   {"pow": [{"min": [{"/": [{"var": "serum_creatinine"}, {"if": [
                                       {"==": [{"var": "sex"}, "female"]}, 0.7, 0.9]}]}, 1]},
                                            {"if": [{"==": [{"var": "sex"}, "female"]}, -0.241, -0.302]}]},
                                   {"pow": [{"max": [{"/": [{"var": "serum_creatinine"}, 0.9]}, 1]}, -1.2]},
                                   {"pow": [0.9938, {"var": "age_years"}]},
                                   {"pow": [{"var": "weight"}, {"-": [{"var": "ecog"}, 2]}]}]}},
}
LANGUAGE_CRITERIA += [
    {"id": "x_formula_limit", "require": {"<=": [{"var": "x_formula"}, 12]}},
    {"id": "x_formula_of_derived_limit", "require": {">": [{"var": "x_formula_of_derived"}, 9]}},
    {"id": "x_powers_limit", "require": {">=": [{"var": "x_powers"}, 60]}},
]


def language_trial(trial) -> Trial:
    """The trial with LANGUAGE_CRITERIA and LANGUAGE_DERIVED added (checked against the rules schema)."""
    rules = copy.deepcopy(trial.rules)
    rules["derived"] = {**rules.get("derived", {}), **LANGUAGE_DERIVED}
    rules["criteria"] += [dict(criterion, step=rules["steps"][0]["id"], label=criterion["id"],
                               text=f"Language check {criterion['id']}.") for criterion in LANGUAGE_CRITERIA]
    check_rules(rules)
    return Trial(rules, trial.dictionary, trial.version)


def as_sent_by_javascript(value):
    """Data as the server receives it from JSON.stringify, which the JavaScript engine mirrors:
    one number type, so an integral number below 1e21 arrives as an int (3.0 as 3), and strings
    as JSON carries them."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return json.loads(json.dumps(value))  # a surrogate pair becomes the character it encodes
    if isinstance(value, (int, float)):
        number = float(value)
        return int(number) if number.is_integer() and abs(number) < 1e21 else number
    if isinstance(value, list):
        return [as_sent_by_javascript(item) for item in value]
    return {as_sent_by_javascript(key): as_sent_by_javascript(item) for key, item in value.items()}


def json_number(number: Fraction):
    return int(number) if number.denominator == 1 else float(number)


def vignette_cases():
    for path in sorted(VIGNETTES.glob("*.json")):
        answers = json.loads(path.read_text(encoding="utf-8"))["answers"]
        yield {"name": path.name, "today": TODAY.isoformat(), "answers": as_sent_by_javascript(answers)}


def clinical_cases():
    """The adversarial clinical cases (tests/cases), where there are any."""
    for path in sorted(CLINICAL_CASES.glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        yield {"name": path.name, "today": case.get("today", TODAY.isoformat()),
               "answers": as_sent_by_javascript(case["answers"]), "confirmed": case.get("confirmed", [])}


def generated_cases(trial, count=GENERATED, seed=SEED, full_answers=None):
    """Answer sets drawn for the trial; `full_answers` (all criteria met) is the start of near-
    eligible ones: HELIO-RT's, unless another trial's are given."""
    draw = AnswerSets(trial, Random(seed), full_answers or FULL_ANSWERS)
    for index in range(count):
        today, answers, confirmed = draw.case()
        case = {"name": f"generated #{index}", "today": today.isoformat(), "answers": as_sent_by_javascript(answers)}
        if confirmed:
            case["confirmed"] = confirmed
        yield case


class Edges:
    """What the rules compare each fact with: thresholds, band limits (per unit of their table),
    bounds, plausible ranges, windows, products."""

    def __init__(self, trial):
        self.numbers: dict[str, set[Fraction]] = {}  # in the canonical unit
        self.unit_numbers: dict[str, list[tuple[str, Fraction]]] = {}  # (unit, edge in that unit)
        self.windows: dict[str, list[dict]] = {}  # windows before the assessment date
        self.anchored: list[tuple[str, dict, str]] = []  # (fact, window, the fact whose date ends it)
        self.products: list[tuple[str, Fraction, str]] = []  # (fact, factor, other): fact vs factor x other
        self.birth_dates: dict[str, set[int]] = {}  # date of birth: the ages that matter
        self.half_lives: list[tuple[str, str, Fraction, int]] = []  # (last dose, half-life, half-lives, minimum)
        for criterion in trial.criteria:
            for expression in (criterion.get("applies", True), criterion["require"]):
                self._read(expression)
        for fact, spec in trial.derived.items():
            self._read_derived(fact, spec)
        for fact, prop in trial.dictionary["properties"].items():
            question = trial.questions.get(fact, {})
            bounds = [prop.get(key) for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")]
            bounds += [question.get("exclusive_minimum"), *question.get("plausible", [])]
            self._add(fact, *(bound for bound in bounds if bound is not None))

    def _add(self, fact, *numbers):
        self.numbers.setdefault(fact, set()).update(exact_factor(number) for number in numbers)

    def _read(self, node):
        if isinstance(node, list):
            for item in node:
                self._read(item)
        if not isinstance(node, dict):
            return
        (operator, argument), = node.items()
        if operator in ("<", "<=", ">", ">=", "==", "!=") and isinstance(argument[0], dict) and "var" in argument[0]:
            fact, other = argument[0]["var"], argument[1]
            if isinstance(other, (int, float)) and not isinstance(other, bool):
                self._add(fact, other)
            elif isinstance(other, dict) and "per_unit" in other:  # each printed limit, in its own unit
                self.unit_numbers.setdefault(fact, []).extend(
                    (unit, exact_factor(limit)) for unit, limit in other["per_unit"].items())
            elif isinstance(other, dict) and len(other.get("*", ())) == 2:
                factor, term = other["*"]
                if isinstance(factor, (int, float)) and isinstance(term, dict) and "var" in term:
                    self.products.append((fact, exact_factor(factor), term["var"]))
        if operator in ("within", "before"):  # [date, window, end date]: the window is no expression
            if len(argument) == 2:
                self.windows.setdefault(argument[0]["var"], []).append(argument[1])
            else:
                self.anchored.append((argument[0]["var"], argument[1], argument[2]["var"]))
        elif operator not in ("var", "in", "per_unit"):
            self._read(argument)

    def _read_derived(self, fact, spec):
        for part in spec.get("parts", []):
            for band in part.get("bands", []):
                self._add(part["fact"], *_limits(band))
            for unit, bands in part.get("tables", {}).items():
                for band in bands:
                    self.unit_numbers.setdefault(part["fact"], []).extend(
                        (unit, exact_factor(limit)) for limit in _limits(band))
        for band in spec.get("bands", []):
            self._add(spec["input"], *_limits(band))
        if spec["calculator"] == "date_within":
            self.windows.setdefault(spec["input"], []).append(spec["window"])
        if spec["calculator"] == "washout":
            inputs = spec["inputs"]
            self.windows.setdefault(inputs["last_dose"], []).append({"days": spec["minimum_days"]})
            half_lives = exact_factor(spec["half_lives"])
            self.half_lives.append((inputs["last_dose"], inputs["half_life_days"], half_lives, spec["minimum_days"]))
            self._add(inputs["half_life_days"], Fraction(spec["minimum_days"]) / half_lives)
        if spec["calculator"] == "age_in_years":
            self.birth_dates[spec["input"]] = {int(age) for age in self.numbers.get(fact, set())} | {17, 18, 65}


class AnswerSets:
    """Draws (today, answers, confirmed facts) for one trial from a seeded random generator."""

    def __init__(self, trial, rng: Random, full_answers: dict):
        self.trial, self.rng, self.full = trial, rng, full_answers
        self.properties = trial.dictionary["properties"]
        self.edges = Edges(trial)
        self.focused = [self.unit_slips, self.open_choices]  # any trial's
        if "creatinine_clearance" in self.properties:  # HELIO-RT's own situations
            self.focused += [self.uln_multiples, self.clearance_near_limit, self.pregnancy, self.washout, self.bleed]

    def case(self):
        rng = self.rng
        today = rng.choice(AWKWARD_DAYS) if rng.random() < 0.3 else TODAY
        assessed = rng.choice(AWKWARD_DAYS + [TODAY] * 4) if rng.random() < 0.85 else today
        kind = rng.random()
        if kind < 0.25:  # near eligible: the all-met answers with a few facts changed
            answers = dict(self.full, assessment_date=assessed.isoformat())
            for fact in rng.sample(sorted(self.properties), rng.randint(1, 4)):
                answers[fact] = self.value(fact, assessed)
        elif kind < 0.6:
            share = rng.choice([0.05, 0.2, 0.5, 0.8, 0.95, 1.0])
            # A derived fact entered beside its inputs mostly contradicts them: enter_derived does it well.
            answers = {fact: self.value(fact, assessed) for fact in self.properties
                       if rng.random() < share and ("x-derives" not in self.properties[fact] or rng.random() < 0.2)}
            if assessed != today or rng.random() < 0.5:
                answers["assessment_date"] = assessed.isoformat()
        else:  # one clinical situation worked through, on the all-met answers or on few others
            answers = dict(self.full) if rng.random() < 0.5 else {}
            answers["assessment_date"] = assessed.isoformat()
            rng.choice(self.focused)(answers, assessed, today)
        self.tie_products(answers, assessed)
        self.tie_windows(answers)
        for fact, spec in self.trial.derived.items():  # most drawn direct entries beside their inputs go
            if kind < 0.6 and fact in answers and set(inputs_of(spec)) & set(answers) and rng.random() < 0.8:
                del answers[fact]
        if rng.random() < 0.25:
            self.enter_derived(answers, assessed, today)
        if rng.random() < 0.1:
            self.spoil(answers)
        confirmed = self.confirmed(answers) if rng.random() < 0.15 else []
        if rng.random() < 0.003:
            answers = rng.choice([[], "answers", None, 5])
        return today, answers, confirmed

    # Values of one fact ---------------------------------------------------------------------

    def value(self, fact, assessed):
        """A value for one fact; now and then, an edge the dictionary refuses is kept."""
        for _ in range(5):
            value = self.draw(fact, assessed)
            if self.rng.random() < 0.02 or self.accepted(fact, value):
                break
        return value

    def accepted(self, fact, value) -> bool:
        try:
            parse_value(self.trial, fact, as_sent_by_javascript(value))
        except ValueError:
            return False
        return True

    def units(self, fact) -> dict:
        return self.trial.questions.get(fact, {}).get("units", {})

    def draw(self, fact, assessed):
        prop, rng = self.properties[fact], self.rng
        if "enum" in prop:
            return rng.choice(prop["enum"])
        if prop.get("type") == "boolean":
            return rng.random() < 0.5
        if prop.get("$ref") == "#/$defs/date":
            return self.date(fact, assessed).isoformat()
        if self.units(fact) and fact in self.edges.unit_numbers and rng.random() < 0.4:
            unit, edge = rng.choice(self.edges.unit_numbers[fact])  # a band edge of a table in its unit
            return self.written(fact, edge + rng.choice(NUDGES), unit)
        number = self.number(fact)
        if prop.get("type") == "integer":
            return int(round(number))
        if self.units(fact):
            return self.in_some_unit(fact, number)
        return json_number(number)

    def number(self, fact) -> Fraction:
        rng = self.rng
        edges = sorted(self.edges.numbers.get(fact) or {Fraction(1)})
        if rng.random() < 0.75:
            return rng.choice(edges) + rng.choice(NUDGES)
        low, high = max(edges[0], Fraction(0)), max(edges[-1], Fraction(1))
        return Fraction(str(round(rng.uniform(float(low), float(high) * 1.2), rng.choice([0, 1, 2, 3]))))

    def in_some_unit(self, fact, number: Fraction):
        """The canonical number, or the same amount in another unit as a laboratory writes it."""
        units = self.units(fact)
        unit = self.rng.choice(sorted(units))
        canonical = self.trial.questions[fact]["unit"]
        if unit == canonical and self.rng.random() < 0.7:
            return json_number(number)
        written = round(number / exact_factor(units[unit]), self.rng.choice([0, 1, 2, 3, 6]))
        return self.written(fact, written, unit)

    def written(self, fact, number: Fraction, unit: str):
        """A number in a unit: bare when it is the canonical unit (mostly), else a quantity object."""
        if unit == self.trial.questions[fact]["unit"] and self.rng.random() < 0.7:
            return json_number(number)
        return {"value": json_number(number), "unit": unit}

    def date(self, fact, assessed) -> dt.date:
        rng = self.rng
        if fact in self.edges.birth_dates:
            if rng.random() < 0.2:  # born on 29 February
                return dt.date(rng.choice([1960, 2000, 2004, 2008]), 2, 29)
            age = rng.choice(sorted(self.edges.birth_dates[fact]) + [rng.randint(0, 120)])
            birthday = _years_before(assessed, age)
            return birthday + dt.timedelta(days=rng.choice([-1, 0, 0, 1, 2]))
        windows = self.edges.windows.get(fact)
        if windows and rng.random() < 0.8:
            return self.window_edge(assessed, rng.choice(windows))
        return assessed - dt.timedelta(days=rng.choice([-1, 0, 1, 10, 100, 400, 3000]))

    def tie_windows(self, answers):
        """A date at the edge of a window that ends on another answered date, now and then."""
        for fact, window, end in self.edges.anchored:
            if isinstance(answers.get(end), str) and self.rng.random() < 0.6:
                answers[fact] = self.window_edge(dt.date.fromisoformat(answers[end]), window).isoformat()

    def window_edge(self, assessed, window) -> dt.date:
        return window_start(assessed, window) + dt.timedelta(days=self.rng.choice([-2, -1, 0, 0, 1, 2]))

    # Clinical situations --------------------------------------------------------------------

    def uln_multiples(self, answers, assessed, today):
        """A lab value at, just under or just over its limit in multiples of the ULN, in every unit:
        bilirubin and its ULN in µmol/L with ULNs of 17 to 26 at exactly 4 x ULN."""
        rng = self.rng
        units = self.units("total_bilirubin")
        uln_unit, unit = rng.choice(sorted(units)), rng.choice(sorted(units))
        if uln_unit == "umol/L":
            uln = Fraction(rng.randint(17, 26)) + rng.choice([0, 0, 0, Fraction(1, 2), Fraction("0.52")])
        else:
            uln = rng.choice([Fraction(n) for n in ("0.8", "1", "1.1", "1.17", "1.2", "1.5", "0.5", "3")])
        uln_canonical = uln * exact_factor(units[uln_unit])
        limit = 4 * uln_canonical / exact_factor(units[unit])
        bilirubin = round(limit + rng.choice(NUDGES), rng.choice([2, 2, 3, 6]))
        answers["bilirubin_uln"] = self.written("bilirubin_uln", uln, uln_unit)
        answers["total_bilirubin"] = self.written("total_bilirubin", bilirubin, unit)
        for fact, uln_fact in (("ast", "ast_uln"), ("alt", "alt_uln")):
            if rng.random() < 0.5:
                uln = Fraction(rng.randint(10, 100)) + rng.choice([0, 0, Fraction(1, 2)])
                answers[uln_fact] = json_number(uln)
                answers[fact] = json_number(6 * uln + rng.choice(NUDGES))

    def clearance_near_limit(self, answers, assessed, today):
        """Inputs whose Cockcroft-Gault clearance falls at or near 30 mL/min, the creatinine in
        either unit, the weight in kg or lb, the sex sometimes open; sometimes a typed clearance
        within or just beyond 0.5 mL/min of the calculated one."""
        rng = self.rng
        age = rng.randint(19, 95)
        weight_kg = Fraction(rng.randint(40, 120))
        sex = rng.choice(["female", "male", None])
        target = 30 + rng.choice([0, 0, Fraction(1, 10), Fraction(-1, 10), Fraction(1, 2), -1, 2, Fraction(-1, 100)])
        creatinine = (140 - age) * weight_kg * (Fraction("0.85") if sex == "female" else 1) / (72 * target)
        unit = rng.choice(sorted(self.units("serum_creatinine")))
        written = round(creatinine / exact_factor(self.units("serum_creatinine")[unit]), rng.choice([1, 2, 2, 3]))
        answers["serum_creatinine"] = self.written("serum_creatinine", written, unit)
        if rng.random() < 0.3:
            answers["weight"] = {"value": json_number(round(weight_kg / exact_factor(self.units("weight")["lb"]), 1)),
                                 "unit": "lb"}
        else:
            answers["weight"] = json_number(weight_kg)
        answers.pop("sex", None)
        if sex:
            answers["sex"] = sex
        answers.pop("date_of_birth", None)
        if rng.random() < 0.2:
            answers["date_of_birth"] = (_years_before(assessed, age) - dt.timedelta(days=rng.choice([0, 1]))).isoformat()
        else:
            answers["age_years"] = age
        if rng.random() < 0.6:
            self.type_clearance(answers, today)

    def type_clearance(self, answers, today):
        facts, errors = validate(self.trial, answers, today)
        if errors:
            return
        assessed = facts.get("assessment_date", today)
        computed = Context(self.trial, facts, assessed).calculation("creatinine_clearance").value
        if computed is None:
            return
        offset = self.rng.choice([0, Fraction(1, 10), Fraction(3, 10), Fraction(49, 100), Fraction(1, 2),
                                  Fraction(51, 100), 1])
        typed = round(computed + self.rng.choice([1, -1]) * offset, self.rng.choice([0, 1, 2]))
        answers["creatinine_clearance"] = json_number(typed)

    def pregnancy(self, answers, assessed, today):
        """The pregnancy facts, for either sex recorded at birth or none: unanswered, answered
        anyway, contradicting; tests positive or negative in and out of their window."""
        rng = self.rng
        for fact in PREGNANCY_FACTS + ["sex"]:
            answers.pop(fact, None)
        sex = rng.choice(["male", "male", "female", "female", None])
        if sex:
            answers["sex"] = sex
        answered = 0.2 if sex == "male" else 0.6
        for fact in ("childbearing_potential", "pregnant", "nursing"):
            if rng.random() < answered:
                answers[fact] = rng.random() < (0.3 if fact != "childbearing_potential" else 0.6)
        if rng.random() < answered + 0.2:
            answers["pregnancy_test_result"] = rng.choice(["negative", "negative", "positive", "positive", "not_done"])
        if rng.random() < answered + 0.2:
            day = self.window_edge(assessed, {"days": 30}) if rng.random() < 0.8 else assessed + dt.timedelta(days=1)
            answers["pregnancy_test_date"] = day.isoformat()

    def washout(self, answers, assessed, today):
        """A last dose around 28 days or five half-lives before, the half-life in days or hours."""
        rng = self.rng
        self.keep_few_entries(answers)
        for last_dose, half_life, half_lives, minimum in self.edges.half_lives:
            elapsed = rng.choice([minimum - 1, minimum, minimum + 1, minimum + 2, 29, 30, 31, rng.randint(1, 200)])
            answers[last_dose] = (assessed - dt.timedelta(days=elapsed)).isoformat()
            choice = rng.random()
            if choice < 0.25:
                answers.pop(half_life, None)
                continue
            if choice < 0.6:
                days = Fraction(elapsed) / half_lives + rng.choice(NUDGES)
            else:
                days = rng.choice([Fraction(n) for n in ("5.6", "5.7", "6", "2", "0.5", "30", "1/24")])
            if "hours" in self.units(half_life) and rng.random() < 0.4:
                answers[half_life] = {"value": json_number(round(days * 24, rng.choice([0, 1, 6]))), "unit": "hours"}
            else:
                answers[half_life] = json_number(days)

    def bleed(self, answers, assessed, today):
        """A bleed at the edge of its calendar-month window, with the regimen chosen or open."""
        rng = self.rng
        self.keep_few_entries(answers)
        for fact, windows in self.edges.windows.items():
            if fact == "last_significant_bleed_date":
                answers[fact] = self.window_edge(assessed, rng.choice(windows)).isoformat()
        if rng.random() < 0.4:
            answers.pop("planned_regimen", None)
        elif rng.random() < 0.5:
            answers["planned_regimen"] = rng.choice(self.properties["planned_regimen"]["enum"])

    def keep_few_entries(self, answers):
        """Most direct entries of derived facts go, so that their inputs decide."""
        for fact in self.trial.derived:
            if fact in answers and self.rng.random() < 0.8:
                del answers[fact]

    def unit_slips(self, answers, assessed, today):
        """Numbers meant in one unit and written in another (hemoglobin 75 as g/dL), and values at
        the plausible bounds."""
        rng = self.rng
        slipping = [fact for fact in self.properties
                    if len(self.units(fact)) > 1 and self.trial.questions[fact].get("plausible")]
        for fact in rng.sample(slipping, rng.randint(1, 3)):
            units = self.units(fact)
            canonical = self.trial.questions[fact]["unit"]
            low, high = (exact_factor(bound) for bound in self.trial.questions[fact]["plausible"])
            number = round(low + (high - low) * Fraction(rng.randint(1, 99), 1000), 2)
            meant, written_as = rng.sample(sorted(units), 2)
            in_meant = round(number / exact_factor(units[meant]), 2)
            answers[fact] = self.written(fact, in_meant, written_as) if written_as != canonical or rng.random() < 0.5 \
                else json_number(in_meant)
        for fact in rng.sample(sorted(self.trial.questions), 3):
            bounds = self.trial.questions[fact].get("plausible")
            if bounds and fact in self.properties and not self.properties[fact].get("x-derives"):
                edge = exact_factor(rng.choice(bounds)) + rng.choice(NUDGES)
                integral = self.properties[fact].get("type") == "integer"
                answers[fact] = int(round(edge)) if integral else json_number(edge)

    def open_choices(self, answers, assessed, today):
        """Choice and yes/no questions left open, for the engine to try every answer."""
        rng = self.rng
        choices = [fact for fact, prop in self.properties.items() if "enum" in prop or prop.get("type") == "boolean"]
        for fact in rng.sample(choices, rng.randint(1, 6)):
            answers.pop(fact, None)
        if rng.random() < 0.5 and "creatinine_clearance" in self.properties:
            self.clearance_near_limit(answers, assessed, today)
            answers.pop("sex", None)

    # Across facts ---------------------------------------------------------------------------

    def tie_products(self, answers, assessed):
        """Set some facts at, just under or just over a multiple of another (AST vs 6 x ULN), in
        the unit the other was written in; a half-life at the washout's edge."""
        for fact, factor, other in self.edges.products:
            written = answers.get(other)
            if self.rng.random() >= 0.5:
                continue
            if isinstance(written, (int, float)) and not isinstance(written, bool):
                answers[fact] = json_number(factor * Fraction(str(written)) + self.rng.choice(NUDGES))
            elif isinstance(written, dict) and isinstance(written.get("value"), (int, float)) \
                    and written.get("unit") in self.units(fact):
                number = factor * Fraction(str(written["value"])) + self.rng.choice(NUDGES)
                answers[fact] = {"value": json_number(number), "unit": written["unit"]}
        for last_dose, half_life, half_lives, _minimum in self.edges.half_lives:
            if isinstance(answers.get(last_dose), str) and self.rng.random() < 0.4:
                try:
                    assessed_on = dt.date.fromisoformat(answers.get("assessment_date", TODAY.isoformat()))
                    elapsed = (assessed_on - dt.date.fromisoformat(answers[last_dose])).days
                except ValueError:
                    continue
                answers[half_life] = json_number(Fraction(elapsed) / half_lives + self.rng.choice(NUDGES))

    def enter_derived(self, answers, assessed, today):
        """Add a direct entry for a derived fact: what its inputs give, within or at its tolerance,
        or off."""
        enterable = [fact for fact in self.trial.derived if fact in self.properties]
        fact = self.rng.choice(enterable)
        others = {name: value for name, value in answers.items() if name != fact}
        facts, errors = validate(self.trial, others, today)
        if errors:
            return
        derived = Context(self.trial, facts, facts.get("assessment_date", today)).calculation(fact).value
        spec = self.trial.derived[fact]
        if derived is None:
            answers[fact] = self.value(fact, assessed)
        elif isinstance(derived, bool):
            answers[fact] = derived if self.rng.random() < 0.7 else not derived
        else:
            low, high = (derived.low, derived.high) if isinstance(derived, Range) else (derived, derived)
            tolerance = exact_factor(spec.get("tolerance", 0))
            entry = self.rng.choice([low, high, low - 1, high + 1, high + tolerance, low - tolerance,
                                     high + tolerance + Fraction("0.01"), high + tolerance / 3, low - tolerance / 2])
            integral = self.properties[fact].get("type") == "integer"
            answers[fact] = int(round(entry)) if integral else json_number(round(entry, self.rng.choice([1, 2, 6])))

    def spoil(self, answers):
        """Give one or two facts a value the dictionary refuses (or a strange valid one)."""
        for _ in range(self.rng.randint(1, 2)):
            if self.rng.random() < 0.1:
                answers[self.rng.choice(UNKNOWN_FACTS)] = 1
                continue
            fact = self.rng.choice(sorted(self.properties))
            prop = self.properties[fact]
            choices = list(ODD_VALUES)
            if prop.get("$ref") == "#/$defs/date":
                choices += ODD_DATES * 2
            if self.units(fact):
                unit = self.rng.choice(sorted(self.units(fact)))
                choices += [json.loads(json.dumps(odd).replace("UNIT", unit)) for odd in ODD_QUANTITIES] * 2
            answers[fact] = self.rng.choice(choices)

    def confirmed(self, answers) -> list[str]:
        """Some answered facts with a plausible range (a few others too), as confirmed on a draft."""
        if not isinstance(answers, dict):
            return []
        checked = [fact for fact in answers if self.trial.questions.get(fact, {}).get("plausible")]
        chosen = self.rng.sample(checked, min(len(checked), self.rng.randint(1, 3)))
        if self.rng.random() < 0.2:
            chosen.append(self.rng.choice(["hemoglobin", "sex", "not_a_fact"]))
        return chosen


def _limits(band) -> list:
    return [band[key] for key in ("below", "at_most", "above", "at_least") if key in band]


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` years earlier (28 February for a 29 February that does not exist)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
