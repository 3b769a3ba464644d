"""The rules language: small JSON expressions evaluated with three-valued logic.

An expression is a literal (number, string, boolean) or an object with one key, the operator:
{"var": "platelets"}, {">=": [a, b]}, {"*": [a, b]}, {"in": [a, [..]]}, {"all": [..]},
{"any": [..]}, {"not": a}, {"within": [a, {"days": 30}]}, {"awaits": a}.
Every operator returns an Outcome: its value (None while unknown), the words that explain it, and
the facts whose answers would move an unknown value forward.
"""
from __future__ import annotations

from dataclasses import dataclass

from .values import Range, compare, describe_window, format_value, to_decimal, window_start


@dataclass(frozen=True)
class Outcome:
    value: object
    text: str = ""
    missing: tuple = ()
    fact: str | None = None  # set on a bare {"var": ...}, so literals beside it speak its choices


class RulesError(ValueError):
    """A rule the evaluator cannot run; the message names the operator or fact."""


def evaluate(expression, context) -> Outcome:
    """Evaluate one expression against a context that knows the answers (see engine.Context)."""
    if isinstance(expression, dict):
        (operator, argument), = expression.items()
        try:
            return OPERATIONS[operator](argument, context)
        except KeyError:
            if operator not in OPERATIONS:
                raise RulesError(f"unknown operator {operator!r}") from None
            raise
    if isinstance(expression, (int, float)) and not isinstance(expression, bool):
        return Outcome(to_decimal(expression), format_value(to_decimal(expression)))
    return Outcome(expression, format_value(expression))


def variable(fact, context) -> Outcome:
    value = context.value(fact)
    missing = tuple(context.missing_for(fact)) if context.is_open(value) else ()
    return Outcome(value, context.describe(fact), missing, fact)


def multiply(arguments, context) -> Outcome:
    terms = [evaluate(argument, context) for argument in arguments]
    missing = _missing(terms)
    if missing or any(term.value is None for term in terms):
        return Outcome(None, "", missing)
    product = to_decimal(1)
    for term in terms:
        product *= term.value
    return Outcome(product, " x ".join(term.text for term in terms))


PHRASES = {  # operator: (said when true, said when false)
    ">=": ("is at least", "is below"),
    ">": ("is above", "is at most"),
    "<=": ("is at most", "is above"),
    "<": ("is below", "is at least"),
}


def comparison(operator):
    def compare_terms(arguments, context) -> Outcome:
        left, right = (evaluate(argument, context) for argument in arguments)
        if left.value is None or right.value is None:
            return Outcome(None, "", _missing([left, right]))
        value = compare(operator, left.value, right.value)
        if value is None:
            return Outcome(None, left.text, _missing([left, right]))
        return Outcome(value, _say_comparison(operator, value, left, right, context))
    return compare_terms


def _say_comparison(operator, value, left, right, context) -> str:
    if operator in PHRASES:
        return f"{left.text} {PHRASES[operator][not value]} {right.text}"
    expected = context.say_choice(left.fact, right.value) if left.fact else right.text
    if value:
        return left.text
    return f"{left.text} (required: {expected})" if operator == "==" else f"{left.text} (must not be {expected})"


def member(arguments, context) -> Outcome:
    term, options = evaluate(arguments[0], context), arguments[1]
    if term.value is None:
        return Outcome(None, "", term.missing)
    if term.value in options:
        return Outcome(True, term.text)
    allowed = ", ".join(context.say_choice(term.fact, option) for option in options)
    return Outcome(False, f"{term.text} (required: {allowed})")


def every(arguments, context) -> Outcome:
    parts = [evaluate(argument, context) for argument in arguments]
    if any(part.value is False for part in parts):
        return Outcome(False, _join(part for part in parts if part.value is False))
    if all(part.value is True for part in parts):
        return Outcome(True, _join(parts))
    return Outcome(None, _join(part for part in parts if part.value is not True), _missing(parts))


def some(arguments, context) -> Outcome:
    parts = [evaluate(argument, context) for argument in arguments]
    satisfied = [part for part in parts if part.value is True]
    if satisfied:
        return Outcome(True, satisfied[0].text)
    if all(part.value is False for part in parts):
        return Outcome(False, _join(parts))
    return Outcome(None, _join(part for part in parts if part.value is None), _missing(parts))


def negate(argument, context) -> Outcome:
    inner = evaluate(argument, context)
    value = None if inner.value is None else not inner.value
    return Outcome(value, inner.text, inner.missing)


def within(arguments, context) -> Outcome:
    """A date on or after the assessment date minus the window, and not after it."""
    term, window = evaluate(arguments[0], context), arguments[1]
    if term.value is None:
        return Outcome(None, "", term.missing)
    end = context.assessment_date
    inside = window_start(end, window) <= term.value <= end
    where = "within" if inside else "not within"
    return Outcome(inside, f"{term.text} is {where} {describe_window(window)} before {end.isoformat()}")


def awaits(argument, context) -> Outcome:
    """True when its condition holds; otherwise pending (unknown), never failed.

    For what a clinician can still put right by a routine action: a test to repeat, coverage to
    confirm. A condition that is false asks for new answers to every fact it reads.
    """
    inner = evaluate(argument, context)
    if inner.value is True:
        return inner
    if inner.value is False:
        return Outcome(None, f"{inner.text}; awaiting a new answer", tuple(facts_read(argument)))
    return inner


def _missing(parts) -> tuple:
    # A partly answered score (a Range) is as open as an unanswered fact.
    return tuple(fact for part in parts if part.value is None or isinstance(part.value, Range)
                 for fact in part.missing)


def _join(parts) -> str:
    # Two parts reading one fact (coverage not denied, coverage confirmed) say it once.
    return "; ".join(dict.fromkeys(part.text for part in parts if part.text))


OPERATIONS = {
    "var": variable,
    "*": multiply,
    "==": comparison("=="),
    "!=": comparison("!="),
    "<": comparison("<"),
    "<=": comparison("<="),
    ">": comparison(">"),
    ">=": comparison(">="),
    "in": member,
    "all": every,
    "any": some,
    "not": negate,
    "within": within,
    "awaits": awaits,
}


def facts_read(expression) -> list[str]:
    """Every fact an expression names, in order of appearance, without repeats."""
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for operator, argument in node.items():
                if operator == "var":
                    found.append(argument)
                else:
                    walk(argument)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(expression)
    return list(dict.fromkeys(found))


def operators_used(expression) -> set[str]:
    """The operator names in an expression (for validating a rules file)."""
    if isinstance(expression, dict):
        names = set(expression)
        for operator, argument in expression.items():
            if operator not in ("var", "within", "in"):
                names |= operators_used(argument)
            elif operator in ("within", "in"):
                names |= operators_used(argument[0])
        return names
    if isinstance(expression, list):
        return set().union(*(operators_used(item) for item in expression)) if expression else set()
    return set()
