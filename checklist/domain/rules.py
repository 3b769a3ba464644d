"""A trial's rules: loaded from its rules file, checked against our schema and its data dictionary."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import jsonschema

from .calculators import DATED_CALCULATORS, inputs_of
from .expressions import between_parts, facts_read, timed_terms
from .values import exact_factor

SCHEMA_PATH = Path(__file__).with_name("rules.schema.json")
LOINC_SYSTEM = "http://loinc.org"
BIRTH_DATE_LOINC = "21112-8"


class RulesFileError(ValueError):
    """The rules file cannot be used; the message names the file and the path inside it."""


@dataclass(frozen=True, eq=False)
class Trial:
    """One trial's rules and data dictionary, as plain data, with lookups the engine needs."""

    rules: dict
    dictionary: dict
    version: str = ""
    source: str = field(default="rules.json")

    @property
    def id(self) -> str:
        return self.rules["trial"]["id"]

    @property
    def questions(self) -> dict:
        return self.rules["questions"]

    @property
    def derived(self) -> dict:
        return self.rules.get("derived", {})

    @property
    def criteria(self) -> list:
        return self.rules["criteria"]

    @property
    def offers_patients(self) -> bool:
        """Whether the rules word the trial for patients (a top-level `patient` block: domain/patients.py)."""
        return "patient" in self.rules

    @cached_property
    def memo(self) -> dict:
        """Room to keep work done on this trial's rules: the engine's recent judgements
        (engine.ReadMemo: judgements, calculations), the view's fixed lookups (where derived values are shown)."""
        return {}

    @cached_property
    def order(self) -> dict[str, int]:
        """Each fact's place in the checklist, for listing facts in the order they are asked."""
        facts = [fact for section in self.rules["sections"] for fact in section["questions"]]
        return {fact: index for index, fact in enumerate(facts)}

    @cached_property
    def criterion_facts(self) -> dict[str, list[str]]:
        """Every fact each criterion reads, derived inputs included, in checklist order."""
        return {criterion["id"]: self.in_order(self._expand(
            facts_read(criterion.get("applies", True)) + facts_read(criterion["require"])))
            for criterion in self.criteria}

    @cached_property
    def requirement_facts(self) -> dict[str, set[str]]:
        """The facts each criterion's requirement reads (not its applicability), expanded."""
        return {criterion["id"]: self._expand(facts_read(criterion["require"]))
                for criterion in self.criteria}

    def _expand(self, facts) -> set[str]:
        found = set()
        pending = list(facts)
        while pending:
            fact = pending.pop()
            if fact in found:
                continue
            found.add(fact)
            spec = self.derived.get(fact)
            if spec:
                pending.extend(inputs_of(spec))
                if spec["calculator"] in DATED_CALCULATORS:
                    found.add("assessment_date")
        return {fact for fact in found if fact in self.questions} | (found & {"assessment_date"})

    @cached_property
    def timed_terms(self) -> list[tuple]:
        """Every window the rules measure back from the assessment date (see timeline)."""
        return timed_terms([self.rules.get(part) for part in ("questions", "derived", "criteria", "contradictions")])

    @cached_property
    def dated_facts(self) -> frozenset:
        """Derived facts whose value depends on the assessment date (an age, a washout)."""
        return frozenset(fact for fact in self.derived if "assessment_date" in self._expand([fact]))

    @cached_property
    def dated_criteria(self) -> list[dict]:
        """The criteria whose status may change with the assessment date alone: they measure a
        window back from it, read a value calculated from it, or read an answer whose implied value
        or contradiction check does."""
        def dated(expression) -> bool:
            return bool(timed_terms(expression)) or "assessment_date" in self._expand(facts_read(expression))

        touched = {fact for fact, question in self.questions.items()
                   if "implied" in question and dated(question["implied"]["when"])}
        touched |= {check["fact"] for check in self.rules.get("contradictions", []) if dated(check["when"])}
        return [criterion for criterion in self.criteria
                if dated([criterion.get("applies", True), criterion["require"], criterion.get("explain", [])])
                or touched & set(self.criterion_facts[criterion["id"]])]

    def criteria_touched_by(self, fact: str) -> frozenset:
        """The ids of the criteria whose judgement may change with `fact`'s answer: they read it,
        or read an answer whose implied value or contradiction check reads it."""
        touched = self.memo.setdefault("touched", {})
        if fact not in touched:
            reach = {fact}
            reach |= {other for other, question in self.questions.items()
                      if "implied" in question and fact in self._expand(facts_read(question["implied"]["when"]))}
            reach |= {check["fact"] for check in self.rules.get("contradictions", [])
                      if fact in self._expand(facts_read(check["when"]))}
            touched[fact] = frozenset(criterion["id"] for criterion in self.criteria
                                      if reach & set(self.criterion_facts[criterion["id"]]))
        return touched[fact]

    @cached_property
    def not_after_assessment(self) -> list[str]:
        """Dated answers that cannot follow the assessment date: the dates dated calculators count
        from (birth, a bleed, a last dose) and the past events the dictionary marks."""
        facts = [inputs_of(spec)[0] for spec in self.derived.values() if spec["calculator"] in DATED_CALCULATORS]
        facts += [fact for fact, prop in self.dictionary["properties"].items() if prop.get("x-not-after-assessment")]
        return list(dict.fromkeys(facts))

    @cached_property
    def birth_date_fact(self) -> str | None:
        """The question coded as the patient's birth date (LOINC 21112-8), if the trial asks it."""
        return next((fact for fact, question in self.questions.items()
                     if question.get("code", {}) == {**question.get("code", {}), "system": LOINC_SYSTEM,
                                                     "code": BIRTH_DATE_LOINC}), None)

    @cached_property
    def kinds(self) -> dict[str, str]:
        """Each criterion's kind (inclusion or exclusion) where the protocol has both, else none:
        a trial whose criteria are all inclusion criteria shows no marks."""
        kinds = {criterion["id"]: criterion.get("kind", "inclusion") for criterion in self.criteria}
        return kinds if "exclusion" in kinds.values() else {}

    @cached_property
    def warned_about(self) -> frozenset:
        """Facts whose answer may be warned about: numbers with a plausible range, calculated
        facts that can be typed, and answers that can contradict an implied value."""
        return frozenset(self.plausible) | frozenset(self.derived) | frozenset(
            fact for fact, question in self.questions.items() if "implied" in question)

    @cached_property
    def plausible(self) -> dict:
        """fact: (low, high), the plausible range of each number in its canonical unit."""
        return {fact: tuple(exact_factor(bound) for bound in question["plausible"])
                for fact, question in self.questions.items() if "plausible" in question}

    @cached_property
    def unit_factors(self) -> dict:
        """fact: {unit: exact factor to the canonical unit} for every question with units."""
        return {fact: {unit: exact_factor(factor) for unit, factor in question["units"].items()}
                for fact, question in self.questions.items() if "units" in question}

    @cached_property
    def answers_validator(self) -> jsonschema.Validator:
        """The JSON Schema validator of the data dictionary, dates checked as dates."""
        return jsonschema.Draft202012Validator(self.dictionary, format_checker=jsonschema.FormatChecker())

    @cached_property
    def answer_validators(self) -> dict[str, jsonschema.Validator]:
        """fact: the validator of that one answer, checked on its own, not as a document of one,
        with its definitions inlined (any other reference is still read in the whole dictionary)."""
        definitions = self.dictionary.get("$defs", {})
        return {fact: self.answers_validator.evolve(schema=inlined(schema, definitions))
                for fact, schema in self.dictionary["properties"].items()}

    def in_order(self, facts) -> list[str]:
        """Facts sorted into checklist order, without repeats."""
        return sorted(set(facts), key=lambda fact: self.order.get(fact, len(self.order)))


def inlined(schema, definitions: dict):
    """The JSON schema with each "#/$defs/<name>" reference to one of `definitions` replaced by
    what it names (the schemas here have no cycles); where the reference has sibling keywords of
    the same names, both apply (allOf). Resolving references is most of jsonschema's work."""
    if isinstance(schema, list):
        return [inlined(item, definitions) for item in schema]
    if not isinstance(schema, dict):
        return schema
    reference = schema.get("$ref")
    name = reference.removeprefix("#/$defs/") if isinstance(reference, str) else None
    rest = {key: inlined(value, definitions) for key, value in schema.items() if key not in ("$defs", "$ref")}
    if name not in definitions or reference != f"#/$defs/{name}":
        return rest | ({"$ref": reference} if reference is not None else {})
    target = inlined(definitions[name], definitions)
    if target.keys().isdisjoint(rest):
        return target | rest
    return rest | {"allOf": [target, *rest.get("allOf", [])]}


def load_trial(path) -> Trial:
    """Read, validate and return the trial in a rules file (and the dictionary it names)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        rules = json.loads(raw)
    except (OSError, ValueError) as error:
        raise RulesFileError(f"{path}: cannot read the rules file: {error}") from None
    check_rules(rules, path.name)
    dictionary_path = path.parent / rules["answers_schema"]
    try:
        dictionary = json.loads(dictionary_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RulesFileError(f"{path.name}: answers_schema: cannot read {dictionary_path}: {error}") from None
    trial = Trial(rules, dictionary, hashlib.sha256(raw).hexdigest(), path.name)
    problems = list(cross_check(trial))
    if problems:
        raise RulesFileError(f"{path.name}: " + f"\n{path.name}: ".join(problems))
    return trial


def check_rules(rules, name="rules.json") -> None:
    """Validate rules against the rules schema; the error names the path of every problem."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(rules), key=lambda e: list(e.path))
    if errors:
        raise RulesFileError("\n".join(f"{name}: {_path(error.absolute_path)}: {error.message}"
                                       for error in errors))


def _path(parts) -> str:
    return "/".join(str(part) for part in parts) or "(top level)"


# The dictionary keywords the answers parser words itself (and static/engine.js mirrors); the JSON
# Schema validator checks every answer too, but a keyword outside this list would not be mirrored
# offline, so a dictionary that uses one is refused rather than silently half-enforced.
UNDERSTOOD_KEYWORDS = {"$ref", "description", "type", "enum", "minimum", "maximum", "exclusiveMinimum",
                       "exclusiveMaximum", "x-unit", "x-units", "x-derives", "x-factor-note", "format",
                       "x-not-after-assessment"}


def cross_check(trial: Trial):
    """Yield every disagreement between the rules and the data dictionary."""
    properties = trial.dictionary.get("properties", {})
    for fact, prop in properties.items():
        for keyword in sorted(set(prop) - UNDERSTOOD_KEYWORDS):
            yield f"answers_schema: properties/{fact}: keyword {keyword!r} is not understood by the checklist"
    yield from _check_sections(trial, properties)
    for fact, question in trial.questions.items():
        if fact not in properties:
            yield f"questions/{fact}: not a fact of the data dictionary"
        else:
            yield from _check_question(fact, question, properties[fact])
    known = set(properties) | set(trial.derived)
    steps = {step["id"] for step in trial.rules["steps"]}
    for index, criterion in enumerate(trial.criteria):
        if criterion["step"] not in steps:
            yield f"criteria/{index}/step: unknown step {criterion['step']!r}"
        for part in ("applies", "require"):
            for fact in facts_read(criterion.get(part, True)):
                if fact not in known:
                    yield f"criteria/{index}/{part}: unknown fact {fact!r}"
            for fact in dates_measured(criterion.get(part, True)):
                if fact in properties and properties[fact].get("$ref") != "#/$defs/date":
                    yield f"criteria/{index}/{part}: a window measures {fact!r}, which is not a date"
            for problem in per_unit_problems(criterion.get(part, True), trial):
                yield f"criteria/{index}/{part}: {problem}"
    for name, spec in trial.derived.items():
        for fact in inputs_of(spec):
            if fact not in known:
                yield f"derived/{name}: unknown input {fact!r}"
            elif "formula" in spec and trial.questions.get(fact, {}).get("type", "number") not in ("number", "integer", "quantity"):
                yield f"derived/{name}/formula: {fact!r} is not a number"
    for fact, question in trial.questions.items():
        code = question.get("code", {})
        if code.get("system") == LOINC_SYSTEM and not is_loinc_code(code["code"]):
            yield f"questions/{fact}/code: {code['code']!r} is not a LOINC code (digits, a hyphen, its check digit)"
    alternatives = trial.rules.get("alternatives")
    if alternatives and trial.questions.get(alternatives, {}).get("type") not in ("choice", "boolean"):
        yield f"alternatives: {alternatives!r} is not a choice or yes/no question"
    for index, item in enumerate(trial.rules.get("permitted", [])):
        for fact in item["facts"]:
            if fact not in properties:
                yield f"permitted/{index}/facts: unknown fact {fact!r}"
    if "patient" in trial.rules:
        yield from _check_patient_wording(trial)


def _check_patient_wording(trial: Trial):
    """A trial offered to patients words every question, section and criterion for them, in
    every one of its languages; a patient's choices are choices of the question."""
    languages = trial.rules["patient"]["languages"]
    worded = [("patient", trial.rules["patient"])]
    for index, section in enumerate(trial.rules["sections"]):
        if any(trial.questions.get(fact, {}).get("patient", {}).get("ask") for fact in section["questions"]):
            if "patient" not in section:
                yield f"sections/{index}: has questions for patients but no patient title"
        worded.append((f"sections/{index}/patient", section.get("patient", {})))
    for fact, question in trial.questions.items():
        if "patient" not in question:
            yield f"questions/{fact}: no patient wording (asked, or left to the care team)"
            continue
        worded.append((f"questions/{fact}/patient", question["patient"]))
        for value in set(question["patient"].get("choices", {})) - set(question.get("choices", {})):
            yield f"questions/{fact}/patient/choices: {value!r} is not a choice of the question"
    for index, criterion in enumerate(trial.criteria):
        if "patient" not in criterion:
            yield f"criteria/{index}: no patient wording"
        worded.append((f"criteria/{index}/patient", criterion.get("patient", {})))
    for where, block in worded:
        for path, words in _words_in(block, where):
            for language in languages:
                if not words.get(language, "").strip():
                    yield f"{path}: no {language!r} text"


def _words_in(block, where: str):
    """(path, {language: text}) of every text for patients in a block of the rules."""
    if isinstance(block, dict) and block and all(isinstance(text, str) for text in block.values()) \
            and all(re.fullmatch("[a-z]{2}", key) for key in block):
        yield where, block
    elif isinstance(block, dict):
        for key, value in block.items():
            if key not in ("ask", "languages"):
                yield from _words_in(value, f"{where}/{key}")
    elif isinstance(block, list):
        for index, value in enumerate(block):
            yield from _words_in(value, f"{where}/{index}")


def is_loinc_code(code: str) -> bool:
    """Whether `code` is a LOINC code: up to 7 digits, a hyphen and the Mod 10 check digit LOINC
    publishes (odd places from the right doubled and put after the even ones; the check digit
    brings the sum of the digits to a multiple of 10), so that a mistyped code is caught."""
    match = re.fullmatch(r"(\d{1,7})-(\d)", code)
    if not match:
        return False
    digits = match.group(1)[::-1]
    odd, even = digits[0::2][::-1], digits[1::2][::-1]
    total = sum(int(digit) for digit in even + str(int(odd) * 2))
    return (10 - total % 10) % 10 == int(match.group(2))


def dates_measured(expression) -> list[str]:
    """The facts a "within" or "before" takes as dates (the date and the date that ends the window)."""
    if isinstance(expression, list):
        return [fact for item in expression for fact in dates_measured(item)]
    if not isinstance(expression, dict) or len(expression) != 1:
        return []
    (operator, argument), = expression.items()
    if operator in ("within", "before"):
        dates = [argument[0], *argument[2:]]
        return [term["var"] for term in dates if isinstance(term, dict) and "var" in term] + dates_measured(dates)
    return dates_measured(argument)


COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")


def per_unit_problems(expression, trial: Trial, limit_allowed: bool = False):
    """Limits printed per unit ({"per_unit": {...}}) stand only on the right of a comparison
    whose left is a measured answer, in units of its question."""
    if isinstance(expression, list):
        for item in expression:
            yield from per_unit_problems(item, trial)
    if not isinstance(expression, dict) or len(expression) != 1:
        return
    (operator, argument), = expression.items()
    if operator == "per_unit":
        yield "a per_unit limit stands only on the right of a comparison with a measured answer"
    elif operator in COMPARISONS and isinstance(argument[1], dict) and "per_unit" in argument[1]:
        fact = argument[0].get("var") if isinstance(argument[0], dict) else None
        units = trial.questions.get(fact, {}).get("units", {})
        for unit in argument[1]["per_unit"]:
            if unit not in units:
                yield f"per_unit: {unit!r} is not a unit of {fact!r}" if fact else \
                    "a per_unit limit needs a measured answer on the left of its comparison"
        yield from per_unit_problems(argument[0], trial)
    elif operator == "between":
        yield from per_unit_problems(between_parts(argument), trial)
    elif operator not in ("var", "in", "within", "before"):
        yield from per_unit_problems(argument, trial)


def _check_sections(trial, properties):
    asked = [fact for section in trial.rules["sections"] for fact in section["questions"]]
    for fact in sorted({fact for fact in asked if asked.count(fact) > 1}):
        yield f"sections: {fact!r} is asked more than once"
    for fact in properties:
        if fact not in asked:
            yield f"sections: dictionary fact {fact!r} is never asked"
    for fact in asked:
        if fact not in trial.questions:
            yield f"sections: {fact!r} has no entry in questions"


EXPECTED_TYPES = {"boolean": "boolean", "integer": "integer", "number": "number"}


def _check_question(fact, question, prop):
    kind = question["type"]
    if kind == "choice":
        if list(question["choices"]) != prop.get("enum"):
            yield f"questions/{fact}/choices: must list the dictionary's values {prop.get('enum')}"
    elif kind == "quantity":
        factors = {unit: float(exact_factor(factor)) for unit, factor in question["units"].items()}
        if factors != prop.get("x-units") or question["unit"] != prop.get("x-unit"):
            yield f"questions/{fact}/units: must match the dictionary's x-unit and x-units"
        if question.get("si_unit", question["unit"]) not in question["units"]:
            yield f"questions/{fact}/si_unit: not one of its units"
    elif "units" in question and exact_factor(question["units"].get(question.get("unit"), 0)) != 1:
        yield f"questions/{fact}/units: the question's unit must be one of its units, with factor 1"
    elif kind == "date":
        if prop.get("$ref") != "#/$defs/date":
            yield f"questions/{fact}/type: the dictionary does not define a date"
    if kind in EXPECTED_TYPES and prop.get("type") != EXPECTED_TYPES[kind]:
        yield f"questions/{fact}/type: {kind!r} but the dictionary says {prop.get('type')!r}"
