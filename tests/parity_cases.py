"""Answer sets for the JavaScript/Python parity suite (tests/test_parity.py).

Every vignette, then thousands of partial answer sets generated from a fixed seed: random subsets
of the facts, numbers at and around every threshold, band edge and bound the rules and the data
dictionary name (in every unit), dates at the edges of every window (month ends, 29 February),
direct entries that agree with or contradict what they derive from, and invalid values of every
kind. The edges are read from the rules, so a new criterion is covered without editing this file.
"""
from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from random import Random

from checklist.answers import parse_value, validate
from checklist.calculators import inputs_of
from checklist.engine import Context
from checklist.rules import Trial, check_rules
from checklist.values import Range, window_start

SEED = 6  # issue 6
GENERATED = 4000
TODAY = dt.date(2026, 6, 15)
VIGNETTES = Path(__file__).resolve().parent.parent / "helio-rt" / "vignettes"
FULL_ANSWERS = json.loads((VIGNETTES / "01-all-criteria-met.json").read_text(encoding="utf-8"))["answers"]

NUDGES = [Decimal(n) for n in ("0", "0", "0", "0.001", "-0.001", "0.005", "-0.005", "0.01", "-0.01",
                               "0.1", "-0.1", "1", "-1")]
# Days where calendar months misbehave: month ends, leap days, the turn of a year.
AWKWARD_DAYS = [dt.date.fromisoformat(day) for day in (
    "2026-06-15", "2026-03-31", "2026-08-31", "2026-05-31", "2026-12-31", "2027-01-01", "2026-02-28",
    "2024-02-29", "2024-03-01", "2024-08-31", "2025-02-28", "2028-02-29", "2026-01-31")]
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
                  {"value": -0.5, "unit": "UNIT"}, {"value": 1e9, "unit": "UNIT"}]
UNKNOWN_FACTS = ["platelet", "constructor", "__proto__", "toString", "hasOwnProperty", "1", ""]


# Criteria in parts of the rules language rules.json does not use (">", "in", "not", a partial score
# compared with == and !=, windows of one day and one month, awaits over a derived value, two facts
# compared): added to the trial so the parity suite covers the whole language.
LANGUAGE_CRITERIA = [
    {"id": "x_in_numbers", "require": {"in": [{"var": "ecog"}, [0, 1.5, 1]]}},
    {"id": "x_in_choices", "require": {"in": [{"var": "hcc_variant"}, ["none_known", "sarcomatoid"]]}},
    {"id": "x_not_any", "require": {"not": {"any": [{"var": "pregnant"}, {"var": "nursing"}]}}},
    {"id": "x_above_product", "require": {">": [{"var": "hemoglobin"}, {"*": [2, {"var": "albumin"}, 1.25]}]}},
    {"id": "x_score_equals", "require": {"==": [{"var": "child_pugh_score"}, 6]}},
    {"id": "x_score_differs", "applies": {"!=": [{"var": "child_pugh_class"}, "C"]},
     "require": {"!=": [{"var": "child_pugh_score"}, 9]}},
    {"id": "x_month_window", "applies": {"not": {"var": "prior_tare"}},
     "require": {"within": [{"var": "immunostimulatory_last_dose_date"}, {"months": 1}]}},
    {"id": "x_day_window", "require": {"not": {"within": [{"var": "pregnancy_test_date"}, {"days": 1}]}}},
    {"id": "x_awaits_derived", "require": {"all": [{"!=": [{"var": "child_pugh_class"}, "C"]},
                                                   {"awaits": {"==": [{"var": "child_pugh_class"}, "A"]}}]}},
    {"id": "x_facts_compared", "require": {"==": [{"var": "macrovascular_invasion"}, {"var": "gi_direct_extension"}]}},
    {"id": "x_bare_facts", "require": {"all": [{">": [{"var": "inr"}, 0.9]}, {"var": "extrahepatic_disease"}]}},
]


def language_trial(trial) -> Trial:
    """The trial with LANGUAGE_CRITERIA added (checked against the rules schema)."""
    rules = copy.deepcopy(trial.rules)
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


def json_number(number: Decimal):
    return int(number) if number == number.to_integral_value() else float(number)


def vignette_cases():
    for path in sorted(VIGNETTES.glob("*.json")):
        answers = json.loads(path.read_text(encoding="utf-8"))["answers"]
        yield {"name": path.name, "today": TODAY.isoformat(), "answers": as_sent_by_javascript(answers)}


def generated_cases(trial, count=GENERATED, seed=SEED):
    draw = AnswerSets(trial, Random(seed))
    for index in range(count):
        today, answers = draw.case()
        yield {"name": f"generated #{index}", "today": today.isoformat(), "answers": as_sent_by_javascript(answers)}


class Edges:
    """What the rules compare each fact with: thresholds, band limits, bounds, windows, products."""

    def __init__(self, trial):
        self.numbers: dict[str, set[Decimal]] = {}
        self.windows: dict[str, list[dict]] = {}
        self.products: list[tuple[str, Decimal, str]] = []  # (fact, factor, other): fact vs factor x other
        self.birth_dates: dict[str, set[int]] = {}  # date of birth: the ages that matter
        self.half_lives: list[tuple[str, str, Decimal]] = []  # (last dose, half-life, half-lives)
        for criterion in trial.criteria:
            for expression in (criterion.get("applies", True), criterion["require"]):
                self._read(expression)
        for fact, spec in trial.derived.items():
            self._read_derived(fact, spec)
        for fact, prop in trial.dictionary["properties"].items():
            question = trial.questions.get(fact, {})
            bounds = [prop.get(key) for key in ("minimum", "maximum", "exclusiveMinimum")]
            bounds += [question.get("exclusive_minimum"), *question.get("plausible", [])]
            self._add(fact, *(bound for bound in bounds if bound is not None))

    def _add(self, fact, *numbers):
        self.numbers.setdefault(fact, set()).update(Decimal(str(number)) for number in numbers)

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
            elif isinstance(other, dict) and len(other.get("*", ())) == 2:
                factor, term = other["*"]
                self.products.append((fact, Decimal(str(factor)), term["var"]))
        if operator == "within":
            self.windows.setdefault(argument[0]["var"], []).append(argument[1])
        if operator not in ("var", "in"):
            self._read(argument)

    def _read_derived(self, fact, spec):
        for part in spec.get("parts", []):
            for band in part.get("bands", []):
                self._add(part["fact"], *_limits(band))
        for band in spec.get("bands", []):
            self._add(spec["input"], *_limits(band))
        if spec["calculator"] == "date_within":
            self.windows.setdefault(spec["input"], []).append(spec["window"])
        if spec["calculator"] == "washout":
            inputs = spec["inputs"]
            self.windows.setdefault(inputs["last_dose"], []).append({"days": spec["minimum_days"]})
            half_lives = Decimal(str(spec["half_lives"]))
            self.half_lives.append((inputs["last_dose"], inputs["half_life_days"], half_lives))
            self._add(inputs["half_life_days"], Decimal(spec["minimum_days"]) / half_lives)
        if spec["calculator"] == "age_in_years":
            self.birth_dates[spec["input"]] = {int(age) for age in self.numbers.get(fact, set())} | {17, 18, 65}


class AnswerSets:
    """Draws (today, answers) for one trial from a seeded random generator."""

    def __init__(self, trial, rng: Random):
        self.trial, self.rng = trial, rng
        self.properties = trial.dictionary["properties"]
        self.edges = Edges(trial)

    def case(self):
        rng = self.rng
        today = rng.choice(AWKWARD_DAYS) if rng.random() < 0.3 else TODAY
        assessed = rng.choice(AWKWARD_DAYS + [TODAY] * 4) if rng.random() < 0.85 else today
        if rng.random() < 0.3:  # near eligible: the all-met answers with a few facts changed
            answers = dict(FULL_ANSWERS, assessment_date=assessed.isoformat())
            for fact in rng.sample(sorted(self.properties), rng.randint(1, 4)):
                answers[fact] = self.value(fact, assessed)
        else:
            share = rng.choice([0.05, 0.2, 0.5, 0.8, 0.95, 1.0])
            # A derived fact entered beside its inputs mostly contradicts them: enter_derived does it well.
            answers = {fact: self.value(fact, assessed) for fact in self.properties
                       if rng.random() < share and ("x-derives" not in self.properties[fact] or rng.random() < 0.2)}
            if assessed != today or rng.random() < 0.5:
                answers["assessment_date"] = assessed.isoformat()
        self.tie_products(answers)
        for fact, spec in self.trial.derived.items():  # most direct entries beside their inputs go
            if fact in answers and set(inputs_of(spec)) & set(answers) and rng.random() < 0.8:
                del answers[fact]
        if rng.random() < 0.3:
            self.enter_derived(answers, assessed, today)
        if rng.random() < 0.12:
            self.spoil(answers)
        if rng.random() < 0.003:
            answers = rng.choice([[], "answers", None, 5])
        return today, answers

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

    def draw(self, fact, assessed):
        prop, rng = self.properties[fact], self.rng
        if "enum" in prop:
            return rng.choice(prop["enum"])
        if prop.get("type") == "boolean":
            return rng.random() < 0.5
        if prop.get("$ref") == "#/$defs/date":
            return self.date(fact, assessed).isoformat()
        number = self.number(fact)
        if prop.get("type") == "integer":
            return int(number.to_integral_value())
        if prop.get("$ref") == "#/$defs/quantity":
            return self.in_some_unit(number, prop)
        return json_number(number)

    def number(self, fact) -> Decimal:
        rng = self.rng
        edges = sorted(self.edges.numbers.get(fact) or {Decimal(1)})
        if rng.random() < 0.75:
            return rng.choice(edges) + rng.choice(NUDGES)
        low, high = max(edges[0], Decimal(0)), max(edges[-1], Decimal(1))
        return Decimal(str(round(rng.uniform(float(low), float(high) * 1.2), rng.choice([0, 1, 2, 3]))))

    def in_some_unit(self, number: Decimal, prop):
        """The canonical number, or the same amount in another unit as a laboratory writes it."""
        unit = self.rng.choice(sorted(prop["x-units"]))
        if unit == prop["x-unit"] and self.rng.random() < 0.7:
            return json_number(number)
        factor = Decimal(str(prop["x-units"][unit]))
        written = round(number / factor, self.rng.choice([0, 1, 2, 3, 6]))
        return {"value": json_number(written), "unit": unit}

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
            return window_start(assessed, rng.choice(windows)) + dt.timedelta(days=rng.choice([-2, -1, 0, 0, 1, 2]))
        return assessed - dt.timedelta(days=rng.choice([-1, 0, 1, 10, 100, 400, 3000]))

    def tie_products(self, answers):
        """Set some facts at, just under or just over a multiple of another (AST vs 6 x ULN)."""
        for fact, factor, other in self.edges.products:
            plain_number = isinstance(answers.get(other), (int, float)) and not isinstance(answers[other], bool)
            if plain_number and self.rng.random() < 0.6:
                answers[fact] = json_number(factor * Decimal(str(answers[other])) + self.rng.choice(NUDGES))
        for last_dose, half_life, half_lives in self.edges.half_lives:
            if isinstance(answers.get(last_dose), str) and self.rng.random() < 0.6:
                assessed = dt.date.fromisoformat(answers.get("assessment_date", TODAY.isoformat()))
                elapsed = (assessed - dt.date.fromisoformat(answers[last_dose])).days
                answers[half_life] = json_number(Decimal(elapsed) / half_lives + self.rng.choice(NUDGES))

    def enter_derived(self, answers, assessed, today):
        """Add a direct entry for a derived fact: what its inputs give, at its tolerance, or off."""
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
            low, high = map(Decimal, (derived.low, derived.high) if isinstance(derived, Range) else (derived, derived))
            tolerance = Decimal(str(spec.get("tolerance", 0)))
            entry = self.rng.choice([low, high, low - 1, high + 1, high + tolerance, low - tolerance,
                                     high + tolerance + Decimal("0.01")])
            integral = self.properties[fact].get("type") == "integer"
            answers[fact] = int(entry.to_integral_value()) if integral else json_number(entry)

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
            if prop.get("$ref") == "#/$defs/quantity":
                unit = self.rng.choice(sorted(prop["x-units"]))
                choices += [json.loads(json.dumps(odd).replace("UNIT", unit)) for odd in ODD_QUANTITIES] * 2
            answers[fact] = self.rng.choice(choices)


def _limits(band) -> list:
    return [band[key] for key in ("below", "at_most", "above", "at_least") if key in band]


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` years earlier (28 February for a 29 February that does not exist)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
