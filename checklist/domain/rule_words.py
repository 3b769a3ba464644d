"""The rules in words, for people who check them against the protocol (`checklist rules show`).

An expression of the rules language (expressions.py) becomes a tree of short statements, each
with the parts it joins: "all of" with its conditions, a comparison as "Platelets ≥ 60,000
cells/mm³" in the unit the question is asked in, a choice in the words the page shows.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .expressions import between_parts
from .rules import Trial
from .values import boundary_counts, describe_window, format_number, show_unit, to_number

SYMBOLS = {"==": "is", "!=": "is not", "<": "<", "<=": "≤", ">": ">", ">=": "≥"}


@dataclass
class Statement:
    text: str
    parts: list["Statement"] = field(default_factory=list)


def rule_words(expression, trial: Trial) -> Statement:
    """An expression as a statement (with its parts, for "all of", "any of", "not", "if")."""
    if not isinstance(expression, dict):
        return Statement(_literal(expression, None, trial))
    (operator, argument), = expression.items()
    if operator in ("all", "any"):
        return Statement("all of:" if operator == "all" else "any of:", [rule_words(part, trial) for part in argument])
    if operator == "not":
        return Statement("not:", [rule_words(argument, trial)])
    if operator == "if_answered":
        fact, condition = argument
        return Statement(f"if {label_of(fact, trial)} is answered:", [rule_words(condition, trial)])
    if operator == "awaits":
        condition, what = argument
        inner = rule_words(condition, trial)
        return Statement(f"{inner.text} (until then, open: {what})", inner.parts)
    return Statement(_term(expression, None, trial))


def _term(expression, beside: str | None, trial: Trial) -> str:
    """One side of a comparison; `beside` is the fact on the other side, whose unit and choices a
    literal is said in."""
    if not isinstance(expression, dict):
        return _literal(expression, beside, trial)
    (operator, argument), = expression.items()
    if operator == "var":
        return label_of(argument, trial)
    if operator in SYMBOLS:
        left, right = argument
        fact = _fact_of(left) or _fact_of(right)
        return f"{_term(left, fact, trial)} {SYMBOLS[operator]} {_term(right, fact, trial)}"
    if operator == "*":  # a multiple of a limit: "6 × AST upper limit of normal"
        return " × ".join(_term(part, None, trial) if isinstance(part, dict) else format_number(to_number(part))
                          for part in argument)
    if operator == "in":
        value, options = argument
        fact = _fact_of(value)
        return f"{_term(value, None, trial)} is one of: {', '.join(_literal(option, fact, trial) for option in options)}"
    if operator == "between":
        return _range(argument, trial)
    if operator == "per_unit":  # "1.5 mg/dL or 26 µmol/L", as the protocol prints it
        return " or ".join(f"{format_number(to_number(limit))} {show_unit(unit)}" for unit, limit in argument.items())
    if operator in ("within", "before"):
        return _window(operator, argument, trial)
    return rule_words(expression, trial).text


WINDOW_WORDS = {("within", True): "within", ("within", False): "less than",
                ("before", True): "at least", ("before", False): "more than"}


def _window(operator: str, arguments, trial: Trial) -> str:
    """"Last bleed is within 6 months before the assessment date (6 months before it counts)",
    "less than 6 months", "at least 12 months", "more than 12 months"."""
    value, window, *end = arguments
    included = boundary_counts(window)
    length, until = describe_window(window), _term(end[0], None, trial) if end else "the assessment date"
    said = f"{_term(value, None, trial)} is {WINDOW_WORDS[operator, included]} {length} before {until}"
    return said + (f" ({length} before it counts)" if operator == "within" and included else "")


ORDER_WORDS = {">=": "at least", ">": "above", "<=": "at most", "<": "below"}


def _range(arguments, trial: Trial) -> str:
    """"Hemoglobin is between 8 and 14 g/dL (both included)", or each end said when one is excluded
    or is itself an expression."""
    value, fact = arguments[0], _fact_of(arguments[0])
    ends = [next(iter(part.items())) for part in between_parts(arguments)]  # (operator, [value, limit])
    if [operator for operator, _operands in ends] == [">=", "<="] and not any(
            isinstance(operands[1], dict) for _operator, operands in ends):
        low, high = (format_number(to_number(operands[1])) for _operator, operands in ends)
        return f"{_term(value, None, trial)} is between {low} and " + f"{high} {_unit(fact, trial)}".rstrip() + \
            " (both included)"
    return f"{_term(value, None, trial)} is " + " and ".join(
        f"{ORDER_WORDS[operator]} {_term(operands[1], fact, trial)}" for operator, operands in ends)


def _fact_of(expression) -> str | None:
    return expression.get("var") if isinstance(expression, dict) else None


def label_of(fact: str, trial: Trial) -> str:
    entry = trial.questions.get(fact) or trial.derived.get(fact) or {}
    return entry.get("label", fact)


def _literal(value, fact: str | None, trial: Trial) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return trial.questions.get(fact or "", {}).get("choices", {}).get(value, value)
    return f"{format_number(to_number(value))} {_unit(fact, trial)}".rstrip()


def _unit(fact: str | None, trial: Trial) -> str:
    """The unit a fact is asked (or calculated) in, as printed."""
    question, derived = trial.questions.get(fact or "", {}), trial.derived.get(fact or "", {})
    return show_unit(question.get("unit", derived.get("unit", "")))


ARITHMETIC_SIGNS = {"+": " + ", "-": " − ", "*": " × ", "/": " ÷ "}


def formula_words(expression, trial: Trial, outer: bool = False) -> str:
    """A formula as a person writes it, its constants exactly as the rules give them:
    "(INR − 1) ÷ max(ECOG, 1)", "0.9938^Age"."""
    if not isinstance(expression, dict):
        return str(expression)
    (operator, argument), = expression.items()
    if operator == "var":
        return label_of(argument, trial)
    if operator in ("min", "max"):
        return f"{operator}({', '.join(formula_words(item, trial, outer=True) for item in argument)})"
    if operator == "pow":
        base, exponent = argument
        return f"{formula_words(base, trial)}^{formula_words(exponent, trial)}"
    if operator == "if":
        condition, holds, otherwise = argument
        return (f"(if {rule_words(condition, trial).text}: {formula_words(holds, trial, outer=True)}, "
                f"else {formula_words(otherwise, trial, outer=True)})")
    said = ARITHMETIC_SIGNS[operator].join(formula_words(item, trial) for item in argument)
    return said if outer else f"({said})"


BAND_LIMITS = {"below": "<", "at_most": "≤", "above": ">", "at_least": "≥"}


def bands_words(bands: list, unit: str = "") -> str:
    """Bands in order, each with what it gives: "A if ≤ 6; B if ≤ 9; C otherwise"."""
    said = []
    for band in bands:
        given = _points(band["points"]) if "points" in band else band.get("label", "")
        limits = [f"{BAND_LIMITS[key]} {format_number(to_number(band[key]))}" for key in BAND_LIMITS if key in band]
        said.append(f"{given} if {' and '.join(limits)} {show_unit(unit)}".rstrip() if limits else f"{given} otherwise")
    return "; ".join(said)


def parameters_words(spec: dict, trial: Trial) -> list[str]:
    """What a calculated value's parameters say, one line each (bands, points per part, windows)."""
    said = []
    if "bands" in spec:
        said.append(bands_words(spec["bands"]))
    for part in spec.get("parts", []):
        name = label_of(part["fact"], trial)
        if "choices" in part:
            choices = trial.questions.get(part["fact"], {}).get("choices", {})
            said.append(f"{name}: " + ", ".join(f"{choices.get(choice, choice)} {_points(points)}"
                                                for choice, points in part["choices"].items()))
        for unit, bands in part.get("tables", {}).items():
            said.append(f"{name} in {show_unit(unit)}: {bands_words(bands)}")
        if "bands" in part:
            said.append(f"{name}: {bands_words(part['bands'], trial.questions.get(part['fact'], {}).get('unit', ''))}")
    if "window" in spec:
        left_out = "" if boundary_counts(spec["window"]) else " (its first day left out)"
        said.append(f"window: {describe_window(spec['window'])} before the assessment date{left_out}")
    if "minimum_days" in spec or "half_lives" in spec:
        said.append(f"washout: the longer of {spec.get('minimum_days', 0)} days and {format_number(to_number(spec.get('half_lives', 0)))} half-lives")
    if spec["calculator"] == "cockcroft_gault":
        said.append(f"(140 − age) × weight / (72 × creatinine), × 0.85 when {label_of(spec['inputs']['sex'], trial)} "
                    f"is {spec['female']}")
    if "formula" in spec:
        said.append(f"formula: {formula_words(spec['formula'], trial, outer=True)}")
    if "tolerance" in spec:
        said.append(f"a typed value may differ from the calculated one by {format_number(to_number(spec['tolerance']))}")
    return said


def _points(points: int) -> str:
    return f"{points} point{'' if points == 1 else 's'}"
