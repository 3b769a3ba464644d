"""The rules language: small JSON expressions evaluated with three-valued logic.

An expression is a literal (number, string, boolean) or an object with one key, the operator:
{"var": "platelets"}, {">=": [a, b]}, {"*": [a, b]}, {"in": [a, [..]]}, {"all": [..]},
{"any": [..]}, {"not": a}, {"within": [a, {"days": 30}]} (or weeks, months, years; a third
argument ends the window on another date than the assessment date; "boundary": "excluded" leaves
out its first day), {"before": [a, {"months": 12}]} (at least that long before; the same options),
{"awaits": [a, "what to do"]},
{"if_answered": ["fact", a]}, {"between": [a, low, high]} (both ends included; {"above": low} or
{"below": high} excludes one).
Every operator returns an Outcome: its value (None while unknown), the words that explain it, and
the facts whose answers would move an unknown value forward.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .values import (Range, boundary_counts, compare, describe_window, first_day_in, format_compared,
                     format_number, format_value, show_unit, to_number, window_lapses, window_reached,
                     window_start)


@dataclass(frozen=True)
class Outcome:
    value: object
    text: str = ""
    missing: tuple = ()
    fact: str | None = None  # set on a bare {"var": ...}, so literals beside it speak its choices
    number: "Shown | None" = None  # how a number reads, so a comparison can word both sides


@dataclass(frozen=True)
class Shown:
    """A number and how to say it: `label` before it, `unit` and `factor` of its display unit,
    `times` for a product (6 x ULN), `note` for how a derived value was reached."""

    label: str = ""
    unit: str = ""
    factor: Fraction = Fraction(1)
    times: tuple = ()  # (multiplier, Shown of what it multiplies)
    note: str = ""


class RulesError(ValueError):
    """A rule the evaluator cannot run; the message names the operator or fact."""


def evaluate(expression, context) -> Outcome:
    """Evaluate one expression against a context that knows the answers (see engine.Context)."""
    if isinstance(expression, dict):
        (operator, argument), = expression.items()
        if operator not in OPERATIONS:
            raise RulesError(f"unknown operator {operator!r}")
        return OPERATIONS[operator](argument, context)
    if isinstance(expression, (int, float)) and not isinstance(expression, bool):
        number = to_number(expression)
        return Outcome(number, format_number(number), number=Shown())
    return Outcome(expression, format_value(expression))


def variable(fact, context) -> Outcome:
    value = context.value(fact)
    if context.is_open(value):
        return Outcome(value, context.open_text(fact), tuple(context.missing_for(fact)), fact)
    number = context.shown(fact) if not isinstance(value, (bool, str)) and value is not None else None
    return Outcome(value, context.describe(fact), (), fact, number)


def multiply(arguments, context) -> Outcome:
    terms = [evaluate(argument, context) for argument in arguments]
    missing = _missing(terms)
    if missing or any(term.value is None for term in terms):
        return Outcome(None, "", missing)
    product = Fraction(1)
    for term in terms:
        product *= term.value
    multipliers = [term for term in terms if term.fact is None]
    measured = [term for term in terms if term.fact is not None]
    if len(measured) == 1 and measured[0].number:
        multiplier = Fraction(1)
        for term in multipliers:
            multiplier *= term.value
        inner = measured[0].number
        shown = Shown(unit=inner.unit, factor=inner.factor, times=(multiplier, measured[0]))
        return Outcome(product, "", (), None, shown)
    return Outcome(product, " × ".join(term.text for term in terms), (), None, Shown())


PHRASES = {  # operator: (said when true, said when false)
    ">=": ("is at least", "is below"),
    ">": ("is above", "is not above"),
    "<=": ("is at most", "is above"),
    "<": ("is below", "is not below"),
}
NEGATED = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}


def comparison(operator):
    def compare_terms(arguments, context) -> Outcome:
        left = evaluate(arguments[0], context)
        right = limit_per_unit(arguments[1]["per_unit"], left, context) if is_per_unit(arguments[1]) \
            else evaluate(arguments[1], context)
        if left.value is None or right.value is None:
            return Outcome(None, left.text if left.value is None else "", _missing([left, right]))
        value = compare(operator, left.value, right.value)
        if value is None:
            return Outcome(None, left.text, _missing([left, right]))
        return Outcome(value, _say_comparison(operator, value, left, right, context))
    return compare_terms


def is_per_unit(expression) -> bool:
    return isinstance(expression, dict) and "per_unit" in expression


def limit_per_unit(limits: dict, beside: Outcome, context) -> Outcome:
    """{"per_unit": {"mg/dL": 1.5, "umol/L": 26}}: a limit the protocol prints in each unit (not
    always the same amount), taken in the unit the answer beside it was entered in; for another
    unit, the one printed in the question's own unit (else the first), converted."""
    if beside.fact is None:
        raise RulesError("per_unit limits need a fact on the other side of the comparison")
    entered = beside.number.unit if beside.number else None
    own = context.trial.questions[beside.fact].get("unit")
    unit = entered if entered in limits else own if own in limits else next(iter(limits))
    factor = context.factor(beside.fact, unit)
    value = to_number(limits[unit]) * factor
    return Outcome(value, f"{format_number(to_number(limits[unit]))} {show_unit(unit)}", number=Shown(unit=unit, factor=factor))


def _say_comparison(operator, value, left, right, context) -> str:
    if operator in PHRASES:
        return _say_ordering(operator, value, left, right)
    expected = context.say_choice(left.fact, right.value) if left.fact else right.text
    if value:
        return left.text
    return f"{left.text} (required: {expected})" if operator == "==" else f"{left.text} (must not be {expected})"


def _say_ordering(operator, value, left, right) -> str:
    """'Total bilirubin 84 µmol/L is not below 4 × ULN 21 µmol/L = 84 µmol/L', in the unit entered."""
    phrase = PHRASES[operator][not value]
    if isinstance(left.value, Range) or not (left.number and right.number):
        return f"{left.text} {phrase} {right.text}"
    unit = next((side.number for side in (left, right) if side.number.unit), left.number)
    left_number, right_number = (side.value / unit.factor for side in (left, right))
    left_text, right_text = format_compared(left_number, operator, right_number)
    said = f"{_with_unit(left.number.label, left_text, unit.unit)} {phrase} "
    if right.number.times:
        multiplier, measured = right.number.times
        said += f"{format_number(multiplier)} × {_measured(measured)} = "
    said += _with_unit("", right_text, unit.unit)
    notes = [note for note in (left.number.note, right.number.note) if note]
    return said + (f" ({'; '.join(notes)})" if notes else "")


def _with_unit(label: str, number: str, unit: str) -> str:
    return " ".join(part for part in (label, number, show_unit(unit)) if part)


def _measured(outcome: Outcome) -> str:
    shown = outcome.number
    return _with_unit(shown.label, format_number(outcome.value / shown.factor), shown.unit)


def member(arguments, context) -> Outcome:
    term, options = evaluate(arguments[0], context), arguments[1]
    if term.value is None:
        return Outcome(None, term.text, term.missing)
    if term.value in options:
        return Outcome(True, term.text)
    allowed = ", ".join(context.say_choice(term.fact, option) for option in options)
    return Outcome(False, f"{term.text} (required: {allowed})")


def as_condition(outcome: Outcome, context) -> Outcome:
    """A bare yes-or-no answer that fails as a condition says what it needed: "Extrahepatic
    metastatic disease: no (required: yes)"."""
    if outcome.value is False and outcome.fact is not None:
        return Outcome(False, f"{outcome.text} (required: {context.say_choice(outcome.fact, True)})")
    return outcome


def every(arguments, context) -> Outcome:
    parts = [as_condition(evaluate(argument, context), context) for argument in arguments]
    if any(part.value is False for part in parts):
        return Outcome(False, _join(part for part in parts if part.value is False))
    if all(part.value is True for part in parts):
        return Outcome(True, _join(parts))
    return Outcome(None, _join(part for part in parts if part.value is not True), _missing(parts))


# The ends of a range: {"between": [x, 18, 75]} includes both; {"above": 18} or {"below": 75} excludes one.
LOWER_ENDS, UPPER_ENDS = {"at_least": ">=", "above": ">"}, {"at_most": "<=", "below": "<"}


def between(arguments, context) -> Outcome:
    """{"between": [x, low, high]}: x at or above its lower end and at or below its upper end."""
    return every(between_parts(arguments), context)


def between_parts(arguments) -> list:
    """The two comparisons a "between" means."""
    value, low, high = arguments
    return [_end(value, low, LOWER_ENDS, ">="), _end(value, high, UPPER_ENDS, "<=")]


def _end(value, end, kinds: dict, included: str) -> dict:
    if isinstance(end, dict) and len(end) == 1 and next(iter(end)) in kinds:
        (kind, limit), = end.items()
        return {kinds[kind]: [value, limit]}
    return {included: [value, end]}


def some(arguments, context) -> Outcome:
    """Any one of the alternatives; when none holds, each says why: "no alternative holds: …; or …"."""
    parts = [as_condition(evaluate(argument, context), context) for argument in arguments]
    satisfied = [part for part in parts if part.value is True]
    if satisfied:
        first = satisfied[0]
        return Outcome(True, first.text, fact=first.fact if isinstance(first.value, bool) else None)
    if all(part.value is False for part in parts):
        said = list(dict.fromkeys(part.text for part in parts if part.text))
        return Outcome(False, f"no alternative holds: {'; or '.join(said)}" if len(said) > 1 else _join(parts))
    return Outcome(None, _join(part for part in parts if part.value is None), _missing(parts))


DE_MORGAN = {"any": "all", "all": "any"}


def negate(argument, context) -> Outcome:
    """Not: a comparison is turned round (not == is !=), "not any" is "all not" and "not all" is
    "any not", so that the words stay true: "Currently pregnant: no; Currently nursing: no"."""
    if isinstance(argument, dict) and len(argument) == 1:
        (operator, operands), = argument.items()
        if operator in NEGATED:
            return evaluate({NEGATED[operator]: operands}, context)
        if operator in DE_MORGAN:
            return evaluate({DE_MORGAN[operator]: [{"not": operand} for operand in operands]}, context)
        if operator == "not":
            return evaluate(operands, context)
    inner = evaluate(argument, context)
    value = None if inner.value is None else not inner.value
    if value is False and inner.fact is not None and isinstance(inner.value, bool):  # a yes that must be a no: "Currently pregnant: yes (required: no)"
        return Outcome(False, f"{inner.text} (required: {context.say_choice(inner.fact, False)})")
    return Outcome(value, inner.text, inner.missing)


def within(arguments, context) -> Outcome:
    """[date, window] or [date, window, end date]: a date inside a window that ends on the
    assessment date, or on another date ("within 30 days before the bleed"), and not after it."""
    term, window = evaluate(arguments[0], context), arguments[1]
    end, said_end, open_outcome = _window_end(term, arguments, context)
    if open_outcome:
        return open_outcome
    length = describe_window(window)
    if first_day_in(end, window) <= term.value <= end:
        near = f"within {length}" if boundary_counts(window) else f"less than {length}"
        return Outcome(True, f"{term.text} is {near} before {said_end}")
    far = "after" if term.value > end else (f"more than {length} before" if boundary_counts(window)
                                             else f"{length} or more before")
    return Outcome(False, f"{term.text} is {far} {said_end}")


def at_least_before(arguments, context) -> Outcome:
    """[date, window] or [date, window, end date]: a date at least that long before the
    assessment date, or before another date ("ended at least 12 months before the diagnosis");
    with "boundary": "excluded", more than that long before."""
    term, window = evaluate(arguments[0], context), arguments[1]
    end, said_end, open_outcome = _window_end(term, arguments, context)
    if open_outcome:
        return open_outcome
    length, start = describe_window(window), window_start(end, window)
    if term.value < start or (term.value == start and boundary_counts(window)):
        far = f"at least {length}" if boundary_counts(window) else f"more than {length}"
        return Outcome(True, f"{term.text} is {far} before {said_end}")
    near = "after" if term.value > end else (f"less than {length} before" if boundary_counts(window)
                                              else f"{length} or less before")
    return Outcome(False, f"{term.text} is {near} {said_end}")


def _window_end(term: Outcome, arguments, context) -> tuple:
    """(end date, how to say it, None), or (None, "", an open outcome) while the date or the end
    date is unknown."""
    anchor = evaluate(arguments[2], context) if len(arguments) > 2 else None
    end = context.assessment_date if anchor is None else anchor.value
    if term.value is None or end is None:
        missing = term.missing + (anchor.missing if end is None else ())
        return None, "", Outcome(None, term.text if term.value is None else anchor.text, tuple(dict.fromkeys(missing)))
    return end, end.isoformat() if anchor is None else anchor.text, None


def awaits(argument, context) -> Outcome:
    """True when its condition holds; otherwise pending (unknown), never failed.

    For what a clinician can still put right by a routine action: a test to repeat, coverage to
    confirm. {"awaits": [condition, "what to do"]}: a condition that is false asks for new answers
    to every fact it reads and says what to do, with the first day from which a new dated answer
    counts when the condition has a window ("repeat the pregnancy test: a test counts from ...").
    """
    condition, action = argument if isinstance(argument, list) else (argument, "")
    inner = evaluate(condition, context)
    if inner.value is not False:
        return inner
    since = [first_day_in(context.assessment_date, window) for window in windows_in(condition)]
    if since:
        action += f" (a test done on or after {min(since).isoformat()} counts)"
    text = f"{inner.text}: {action}" if action else f"{inner.text}: a new answer is needed"
    return Outcome(None, text, tuple(facts_read(condition)))


def if_answered(arguments, context) -> Outcome:
    """["fact", condition]: the condition, once the fact is answered; holds while it is not.

    For evidence that counts only when recorded: a positive pregnancy test fails "not pregnant",
    while no test on record asks for none.
    """
    fact, condition = arguments
    if context.value(fact) is None:
        return Outcome(True, "")
    return evaluate(condition, context)


def _missing(parts) -> tuple:
    # A partly answered score (a Range) is as open as an unanswered fact.
    return tuple(fact for part in parts if part.value is None or isinstance(part.value, Range)
                 for fact in part.missing)


def _join(parts) -> str:
    # Two parts reading one fact (coverage not denied, coverage confirmed) say it once.
    clauses = (clause for part in parts if part.text for clause in part.text.split("; "))
    return "; ".join(dict.fromkeys(clauses))


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
    "before": at_least_before,
    "awaits": awaits,
    "if_answered": if_answered,
    "between": between,
}


def facts_read(expression) -> list[str]:
    """Every fact an expression names, in order of appearance, without repeats."""
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for operator, argument in node.items():
                if operator == "var":
                    found.append(argument)
                elif operator == "if_answered":
                    found.append(argument[0])
                    walk(argument[1])
                else:
                    walk(argument)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(expression)
    return list(dict.fromkeys(found))


def windows_in(expression) -> list[dict]:
    """The windows before the assessment date an expression measures ({"days": 30}), for saying
    from when a test counts."""
    if isinstance(expression, dict):
        (operator, argument), = expression.items()
        if operator == "per_unit":  # limits, no expression
            return []
        if operator in ("within", "before"):  # [date, window, end date]: the window is no expression
            measured = [argument[1]] if operator == "within" and len(argument) == 2 else []
            return measured + windows_in([argument[0], *argument[2:]])
        return windows_in(argument)
    if isinstance(expression, list):
        return [window for item in expression for window in windows_in(item)]
    return []


def timed_terms(node) -> list[tuple]:
    """(operator, date expression, window) of every window measured back from the assessment
    date ("within" or "before" with no end date of its own) anywhere in a piece of the rules."""
    if isinstance(node, dict):
        if len(node) == 1:
            (operator, argument), = node.items()
            if operator in ("within", "before") and isinstance(argument, list) and len(argument) == 2:
                return [(operator, argument[0], argument[1])] + timed_terms(argument[0])
        return [term for value in node.values() for term in timed_terms(value)]
    if isinstance(node, list):
        return [term for item in node for term in timed_terms(item)]
    return []


def term_turns(term: tuple, context) -> list:
    """The assessment dates on which a timed term's outcome may change, for the answers as they
    stand: a date enters a "within" window when it is no longer after the assessment date and
    leaves it when the window lapses; a "before" holds from the day the window is reached."""
    operator, date, window = term
    day = evaluate(date, context).value
    if day is None:
        return []
    return [day, window_lapses(day, window)] if operator == "within" else [window_reached(day, window)]
