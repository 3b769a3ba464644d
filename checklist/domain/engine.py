"""The eligibility engine: answers in, evaluation document out. Pure: no Flask, no I/O."""
from __future__ import annotations

import datetime as dt
import itertools
import threading
from fractions import Fraction

from . import timeline
from .calculators import CARRIED_FORWARD, TURNS, Calculation, calculate, inputs_of
from .expressions import Shown, as_condition, evaluate as evaluate_expression, facts_read, term_turns
from .rules import Trial
from .values import Range, Quantity, format_number, format_value, plain, show_unit

PASSING = {"met", "not_applicable", "eligible"}
FAILING = {"not_met", "ineligible"}
MOST_COMBINATIONS = 64  # open choices tried at once to decide a criterion early; more stay open


class ReadFacts(dict):
    """Answers that note which facts are looked up, into `log` (a set) while one is given.

    Iterating over them would make a result depend on every fact: `log` then gets ALL."""

    __slots__ = ("log", "fingerprints")

    def __init__(self, facts, log=None):
        super().__init__(facts)
        self.log = log
        self.fingerprints = Fingerprints(self)

    def __getitem__(self, fact):
        if self.log is not None:
            self.log.add(fact)
        return super().__getitem__(fact)

    def __contains__(self, fact):
        if self.log is not None:
            self.log.add(fact)
        return super().__contains__(fact)

    def get(self, fact, default=None):
        if self.log is not None:
            self.log.add(fact)
        return super().get(fact, default)

    def _all_read(self):
        if self.log is not None:
            self.log.add(ALL)
        return self

    def __iter__(self):
        return dict.__iter__(self._all_read())

    def keys(self):
        return dict.keys(self._all_read())

    def items(self):
        return dict.items(self._all_read())

    def values(self):
        return dict.values(self._all_read())


class Fingerprints(dict):
    """Each fact's value exactly (type, number, unit entered: 15 g/dL and 150 g/L differ), or
    ABSENT, worked out when first asked for; looking one up is not a read. A dict, so that ReadMemo
    looks many up at once at C speed."""

    __slots__ = ("facts",)

    def __init__(self, facts):
        super().__init__()
        self.facts = facts

    def __missing__(self, fact):
        value = dict.get(self.facts, fact, ABSENT)
        found = self[fact] = value if value is ABSENT else (
            type(value), value, getattr(value, "unit", None), getattr(value, "factor", None))
        return found


ALL = object()  # in a read log: the whole of the answers was read
ABSENT = object()  # a fact's fingerprint when it has no answer


class ReadMemo:
    """Results of deterministic work on the answers, each kept with the facts it read and their
    values: the work is done again only when one of those facts has another value (or presence).

    An answer changes one fact, and most of the work (a criterion's judgement, a score, a
    warning) does not read it. What the work read is noted as it happens (ReadFacts), including
    what it recalled from this memo, so no dependency written in the rules can be missed; work
    that read the whole of the answers is not kept. Kept results are shared: never change one."""

    KEPT = 8  # results kept per key
    KEYS = 5_000  # keys kept (a key holds the day and the confirmations): all are dropped beyond

    def __init__(self):
        self._kept: dict[tuple, list] = {}  # key: [(names read, their fingerprints, result)], most recently used last
        self._lock = threading.Lock()

    def recall(self, key, facts: "ReadFacts", work):
        """work()'s result, or the one kept for `key` whose reads have the same values in `facts`."""
        fingerprint = facts.fingerprints.__getitem__
        with self._lock:
            kept = self._kept.get(key)
            if kept is None:
                if len(self._kept) >= self.KEYS:
                    self._kept.clear()
                kept = self._kept[key] = []
            for index in range(len(kept) - 1, -1, -1):
                names, values, result = kept[index]
                if tuple(map(fingerprint, names)) == values:
                    if index != len(kept) - 1:
                        kept.append(kept.pop(index))
                    if facts.log is not None:
                        facts.log.update(names)
                    return result
        outer, facts.log = facts.log, set()
        try:
            result = work()
        finally:
            log, facts.log = facts.log, outer
        if outer is not None:
            outer |= log
        if ALL not in log:
            with self._lock:
                names = tuple(sorted(log))
                kept.append((names, tuple(map(fingerprint, names)), result))
                del kept[:-self.KEPT]
        return result


def read_memo(trial: Trial, name: str) -> ReadMemo:
    """The trial's ReadMemo of that name, made on first use."""
    memo = trial.memo.get(name)
    return memo if memo is not None else trial.memo.setdefault(name, ReadMemo())


class Context:
    """What expressions may ask of the answers: values (derived when needed), words, gaps.

    `confirmed` names facts whose implausible value a clinician has confirmed; `typed_first` names
    derived facts whose typed value is used even where it can be calculated (to test a typed value
    against the calculated one).
    """

    def __init__(self, trial: Trial, facts: dict, assessment_date: dt.date, *,
                 confirmed=frozenset(), typed_first=frozenset()):
        self.trial = trial
        self.facts = facts if isinstance(facts, ReadFacts) else ReadFacts(facts)
        self.assessment_date = assessment_date
        self.confirmed = confirmed
        self.typed_first = typed_first
        self._calculations: dict[str, tuple[Calculation, set]] = {}
        self._implausible: dict[str, bool] = {}

    def with_answers(self, answers: dict) -> "Context":
        """The same evaluation with some answers added (to try each answer of an open question)."""
        facts = ReadFacts(dict(dict.items(self.facts)), self.facts.log)  # dict.copy would call keys()
        dict.update(facts, answers)
        return Context(self.trial, facts, self.assessment_date, confirmed=self.confirmed, typed_first=self.typed_first)

    def _noting(self, reads) -> None:
        """Count `reads` as read now (the work cached here read them once, for whoever asked first)."""
        if self.facts.log is not None:
            self.facts.log.update(reads)

    # Values ---------------------------------------------------------------------------------

    def value(self, fact):
        """The value that decides: a calculated one wherever its inputs allow, else the answer,
        else an implied one; None while unknown (or implausible), a Range while partial."""
        if fact in self.trial.derived and fact not in self.typed_first:
            calculated = self.calculation(fact).value
            if calculated is not None and not isinstance(calculated, Range):
                return calculated
            return self.answer(fact) if fact in self.facts else calculated
        if fact in self.facts:
            return self.answer(fact)
        return self.implied(fact)

    def answer(self, fact):
        """The answer as given, unless it is implausible and not confirmed."""
        return None if self.implausible(fact) else self.facts[fact]

    def calculation(self, fact) -> Calculation:
        """The fact's calculation, worked out once per context (and recalled from earlier contexts
        whose answers it read are the same); whoever asks for it counts as having read what it read."""
        found = self._calculations.get(fact)
        if found is None:
            reads, outer = set(), self.facts.log
            self.facts.log = reads
            try:
                memo = read_memo(self.trial, "calculations")
                found = memo.recall((fact, self.assessment_date, self.confirmed, self.typed_first), self.facts,
                                    lambda: calculate(self.trial.derived[fact], self))
            finally:
                self.facts.log = outer
            found = self._calculations[fact] = (found, reads)
        calculation, reads = found
        self._noting(reads)
        return calculation

    def calculated(self, fact) -> bool:
        """Whether the fact's deciding value is calculated from its inputs (not typed)."""
        if fact not in self.trial.derived or fact in self.typed_first:
            return False
        return not self.is_open(self.calculation(fact).value)

    def implied(self, fact):
        """An unanswered question's implied value ("no childbearing potential" when the sex
        recorded at birth is male), or None."""
        implied = self.trial.questions.get(fact, {}).get("implied")
        if implied and evaluate_expression(implied["when"], self).value is True:
            return implied["value"]
        return None

    def implausible(self, fact) -> bool:
        """A number outside its question's plausible range, not confirmed: likely a unit slip."""
        self._noting((fact,))
        if fact not in self._implausible:
            bounds, value = self.trial.plausible.get(fact), self.facts.get(fact)
            self._implausible[fact] = bool(
                bounds and fact not in self.confirmed and isinstance(value, (int, Fraction))
                and not isinstance(value, bool) and not bounds[0] <= value <= bounds[1])
        return self._implausible[fact]

    def factor(self, fact, unit) -> Fraction:
        """How many canonical units one `unit` of a fact is (1 for its canonical unit or None)."""
        return self.trial.unit_factors[fact][unit] if unit else Fraction(1)

    @staticmethod
    def is_open(value) -> bool:
        return value is None or isinstance(value, Range)

    # What is still needed -------------------------------------------------------------------

    def missing_for(self, fact) -> list[str]:
        """Facts whose answers would settle this one: the fact itself (if asked) and, for a
        calculated one, its open inputs; the fact itself only while none of its inputs is known,
        so that a calculated value is never asked for when its inputs are on their way."""
        if fact in self.facts and not self.implausible(fact):
            return []
        spec = self.trial.derived.get(fact)
        if not spec:
            return [fact] if fact in self.trial.questions else []
        inputs = inputs_of(spec)
        missing = [gap for source in inputs if self.is_open(self.value(source))
                   for gap in self.missing_for(source)]
        started = any(source in self.facts or not self.is_open(self.value(source)) for source in inputs)
        if fact in self.trial.questions and not started:
            missing.append(fact)
        return missing

    def needs(self, fact) -> list[str]:
        """missing_for in words, an alternative said once: "Date of birth (or Age)"."""
        missing = self.missing_for(fact)
        if fact not in missing or fact not in self.trial.derived:
            return [self.label(gap) for gap in self.trial.in_order(missing)]
        inputs = [item for source in inputs_of(self.trial.derived[fact]) if self.is_open(self.value(source))
                  for item in self.needs(source)]
        label = self.label(fact)
        if len(inputs) == 1:
            return [f"{inputs[0]} or {label}"]
        if self.trial.questions[fact]["type"] == "boolean":
            return [f"{label} (or {' and '.join(inputs)})"]
        return inputs + [f"or {label} directly"]

    def open_text(self, fact) -> str:
        """Why an open fact is open, when that is more than "not answered yet"."""
        if fact in self.facts and self.implausible(fact):
            return self.implausible_text(fact)
        return ""

    def implausible_text(self, fact) -> str:
        question = self.trial.questions[fact]
        low, high = self.trial.plausible[fact]
        unit = show_unit(question.get("unit", ""))
        said = (f"{self.label(fact)} {format_value(self.facts[fact], question.get('unit', ''))} is outside the "
                f"plausible range ({format_number(low)} to {format_number(high)} {unit}".rstrip() + ")")
        likely = self.likely_unit(fact)
        if likely:
            return f"{said}: did you mean {format_number(self._entered(fact))} {show_unit(likely)}? Correct the unit or confirm the value"
        return f"{said}: check the value and its unit, or confirm it"

    def likely_unit(self, fact) -> str | None:
        """Another unit in which the number as typed would be plausible (75 g/dL: g/L)."""
        low, high = self.trial.plausible[fact]
        entered, unit = self._entered(fact), self._unit(fact)
        for other, factor in self.trial.unit_factors.get(fact, {}).items():
            if other != unit and low <= entered * factor <= high:
                return other
        return None

    def _entered(self, fact) -> Fraction:
        value = self.facts[fact]
        return value.entered if isinstance(value, Quantity) else Fraction(value)

    def _unit(self, fact) -> str:
        value = self.facts[fact]
        return value.unit if isinstance(value, Quantity) else self.trial.questions[fact].get("unit", "")

    # Words ----------------------------------------------------------------------------------

    def label(self, fact) -> str:
        entry = self.trial.questions.get(fact) or self.trial.derived.get(fact, {})
        return entry.get("label", fact)

    def describe(self, fact) -> str:
        """'Platelets 45,000 cells/mm³', 'Macrovascular invasion: no', with how a value was reached."""
        value, question = self.value(fact), self.trial.questions.get(fact, {})
        label = self.label(fact)
        if value is None:
            return label
        if isinstance(value, (bool, str)):
            text = f"{label}: {self.say_choice(fact, value)}"
        else:
            text = f"{label} {format_value(value, question.get('unit', ''))}"
        note = self.note(fact)
        return f"{text} ({note})" if note else text

    def note(self, fact) -> str:
        """How a value was reached: its calculation, or why it is implied."""
        if self.calculated(fact):
            return self.calculation(fact).note
        if fact not in self.facts and fact in self.trial.questions and self.implied(fact) is not None:
            return self.trial.questions[fact]["implied"]["because"]
        return ""

    def shown(self, fact) -> Shown:
        """How a number reads in a comparison: in the unit it was entered in."""
        value, question = self.value(fact), self.trial.questions.get(fact, {})
        unit, factor = question.get("unit", ""), Fraction(1)
        if isinstance(value, Quantity):
            unit, factor = value.unit, value.factor
        label = question.get("short", self.label(fact))
        return Shown(label=label, unit=unit, factor=factor, note=self.note(fact))

    def say_choice(self, fact, value) -> str:
        choices = self.trial.questions.get(fact, {}).get("choices")
        return format_value(value, choices=choices)


def assessment_date_of(facts: dict, today: dt.date) -> dt.date:
    """The answers' assessment date, or today when none is given."""
    return facts.get("assessment_date") or today


def evaluate(trial: Trial, facts: dict, today: dt.date, confirmed=frozenset()) -> dict:
    """The evaluation document for validated, canonical facts (see answers.validate)."""
    context = Context(trial, facts, assessment_date_of(facts, today), confirmed=frozenset(confirmed))
    to_check = warnings(context)
    contradicted = {warning["fact"]: warning["message"] for warning in to_check if warning["kind"] == "contradiction"}
    judged = [_judged(criterion, context, contradicted) for criterion in trial.criteria]
    steps = step_verdicts(trial, {criterion["id"]: criterion["status"] for criterion in judged})
    missing = [fact for criterion in judged for fact in criterion.pop("_missing")]
    return {
        "trial": trial.id,
        "rules_version": trial.version,
        "assessment_date": context.assessment_date.isoformat(),
        "verdict": verdict_of(steps.values()),
        "steps": steps,
        "criteria": judged,
        "derived": dict(read_memo(trial, "derived").recall((context.assessment_date, context.confirmed), context.facts,
                                                          lambda: derived_values(context))),
        "missing": trial.in_order(missing),
        "warnings": to_check,
        "permitted": [permitted(item, context) for item in trial.rules.get("permitted", [])],
        "alternatives": _recalled(alternatives, context, judged),
        "window": _recalled(window, context, judged),
    }


def step_verdicts(trial: Trial, statuses: dict) -> dict:
    """{step: verdict} from each criterion's status ({id: status})."""
    return {step["id"]: verdict_of(statuses[criterion["id"]] for criterion in trial.criteria
                                   if criterion["step"] == step["id"])
            for step in trial.rules["steps"]}


def _contradicted(context: Context) -> dict:
    """{fact: message} of the answers that contradict others (a criterion reading one stays open):
    the contradiction warnings, without looking at the answers no contradiction can concern."""
    trial, memo = context.trial, read_memo(context.trial, "warnings")
    circumstances = (context.assessment_date, context.confirmed)
    found = []
    for fact in trial.in_order(fact for fact, question in trial.questions.items() if "implied" in question):
        if fact in context.facts:
            found += memo.recall((fact, *circumstances), context.facts, lambda: _answer_warnings(fact, context))
    for index, check in enumerate(trial.rules.get("contradictions", [])):
        found += memo.recall((index, *circumstances), context.facts, lambda: _check_warnings(check, context))
    return {warning["fact"]: warning["message"] for warning in found if warning["kind"] == "contradiction"}


def _recalled(work, context: Context, judged: list[dict]):
    """work(context, judged), recalled while the answers it read and the statuses it was given
    are the same. Kept results are shared: never change one."""
    key = (work.__name__, context.assessment_date, context.confirmed, tuple(c["status"] for c in judged))
    return read_memo(context.trial, "outlook").recall(key, context.facts, lambda: work(context, judged))


def alternatives(context: Context, judged: list[dict]) -> dict | None:
    """The verdict for each choice of the question the rules name as alternatives (the planned
    regimen), with the criteria whose status differs between choices and the first stretch of
    assessment dates in which it allows registration; None when the rules name none."""
    trial, question = context.trial, context.trial.rules.get("alternatives")
    if not question:
        return None
    touched, choices, registrations = trial.criteria_touched_by(question), [], []
    for value in choices_of(trial.questions[question]):
        on = context.with_answers({question: value})
        contradicted = _contradicted(on)
        choices.append((value, {criterion["id"]: _judged(criterion, on, contradicted) if criterion["id"] in touched
                                else answered for criterion, answered in zip(trial.criteria, judged)}))
        registrations.append(_recalled(window, on, list(choices[-1][1].values()))["registration"])
    differing = [criterion["id"] for criterion in trial.criteria
                 if len({outcome[criterion["id"]]["status"] for _value, outcome in choices}) > 1]
    return {
        "question": question,
        "label": context.label(question),
        "answer": plain(context.facts.get(question)),
        "choices": [{"value": plain(value), "label": context.say_choice(question, value),
                     "verdict": verdict_of(step_verdicts(trial, {key: judged["status"] for key, judged in outcome.items()}).values()),
                     "criteria": [{key: outcome[criterion][key] for key in ("id", "label", "status", "reason")}
                                  for criterion in differing],
                     "registration": registration}
                    for (value, outcome), registration in zip(choices, registrations)],
    }


def window(context: Context, judged: list[dict]) -> dict:
    """When the verdict holds (see timeline): the dated criteria judged again on each day their
    outcome may change. A dated value typed without its date (an age, "a bleed within 6 months")
    is known for the assessment date only, so on other days it counts as unanswered; except that
    a typed "no" to an event within a window still holds later (CARRIED_FORWARD)."""
    trial, day = context.trial, context.assessment_date
    now = {criterion["id"]: criterion for criterion in judged}
    typed = [fact for fact in trial.in_order(trial.dated_facts) if fact in context.facts and not context.calculated(fact)]
    carried = [fact for fact in typed if context.facts[fact] is CARRIED_FORWARD.get(trial.derived[fact]["calculator"])]
    earlier, later = (_without(context.facts, typed), _without(context.facts, set(typed) - set(carried))) if typed \
        else (context.facts, context.facts)

    def state_on(other: dt.date) -> dict:
        on = Context(trial, context.facts if other == day else earlier if other < day else later, other,
                     confirmed=context.confirmed)
        contradicted = _contradicted(on)
        return {criterion["id"]: _judged(criterion, on, contradicted) for criterion in trial.dated_criteria}

    def verdict_at(state: dict) -> str:
        statuses = {key: criterion["status"] for key, criterion in now.items()}
        statuses.update((key, criterion["status"]) for key, criterion in state.items())
        return verdict_of(step_verdicts(trial, statuses).values())

    dates = [context.facts.get(fact) for fact in trial.not_after_assessment]
    earliest = max((date for date in dates if isinstance(date, dt.date)), default=None)
    found = timeline.window(day, turns(context) | ({day, day + timeline.ONE_DAY} if typed else set()), earliest,
                            {criterion["id"]: now[criterion["id"]] for criterion in trial.dated_criteria},
                            state_on, verdict_at)
    return {**found, "typed_for_the_day": [fact for fact in typed if fact not in carried]}


def _without(facts: ReadFacts, leaving) -> ReadFacts:
    """The answers without some facts, their reads noted where those of `facts` are."""
    return ReadFacts({fact: value for fact, value in dict.items(facts) if fact not in leaving}, facts.log)


def turns(context: Context) -> set[dt.date]:
    """The assessment dates on which a dated outcome may change, for the answers as they stand."""
    trial, day = context.trial, context.assessment_date
    found = {turn for term in trial.timed_terms for turn in term_turns(term, context)}
    for spec in trial.derived.values():
        if spec["calculator"] in TURNS:
            found.update(TURNS[spec["calculator"]](spec, context, day - timeline.LOOK, day + timeline.LOOK))
    return found


def _judged(criterion: dict, context: Context, contradicted: dict) -> dict:
    """judge(), recalled when what the criterion read is unchanged (a copy: the caller changes it)."""
    reads_of = context.trial.criterion_facts[criterion["id"]]
    said = tuple(sorted((fact, message) for fact, message in contradicted.items() if fact in reads_of)) \
        if contradicted else ()
    memo = read_memo(context.trial, "judgements")
    key = (criterion["id"], context.assessment_date, context.confirmed, said)
    return {**memo.recall(key, context.facts, lambda: judge(criterion, context, contradicted))}


def judge(criterion: dict, context: Context, contradicted: dict | None = None) -> dict:
    """One criterion's status, reason and the facts that would decide it.

    A criterion never passes on doubtful answers: one that reads an implausible value (a likely
    unit slip, which may hide others) or an answer contradicting another stays open until they
    are checked, even where it would pass whatever the doubtful value is.
    """
    status, reason, missing = decide(criterion, context)
    if status == "unknown":
        status, reason, missing = decide_for_every_answer(criterion, context) or (status, reason, missing)
    reads = context.trial.criterion_facts[criterion["id"]]
    doubts = {fact: context.implausible_text(fact) for fact in reads if context.implausible(fact)}
    if status == "met" or status == "not_applicable" and not doubts:
        doubts |= {fact: message for fact, message in (contradicted or {}).items() if fact in reads}
    if status in ("met", "not_applicable") and doubts:
        status, reason, missing = "unknown", "; ".join(dict.fromkeys(doubts.values())), tuple(doubts)
    if status == "not_met":
        reason = explanation(criterion, context) or reason
    return {
        "id": criterion["id"],
        "step": criterion["step"],
        "label": criterion["label"],
        "text": criterion["text"],
        "status": status,
        "facts": context.trial.criterion_facts[criterion["id"]],
        "reason": _sentence(reason),
        "_missing": missing,
    }


def decide(criterion: dict, context: Context) -> tuple[str, str, tuple]:
    """(status, reason, missing facts) from the answers as they stand."""
    applies = evaluate_expression(criterion.get("applies", True), context)
    result = as_condition(evaluate_expression(criterion["require"], context), context)
    if applies.value is False:
        return "not_applicable", not_applicable_reason(criterion, context), ()
    if result.value is True:
        return "met", result.text, ()
    if result.value is False and applies.value is True:
        return "not_met", result.text, ()
    missing = (result.missing if result.value is None else ()) + applies.missing
    reason = result.text if result.value is None else ""
    gaps = [need for fact in context.trial.in_order(missing) if fact in _roots(missing, context)
            for need in context.needs(fact)]
    if gaps:
        reason = "; ".join(filter(None, [reason, "still to answer: " + "; ".join(dict.fromkeys(gaps))]))
    return "unknown", reason, missing


def _roots(missing, context) -> set[str]:
    """The missing facts that are not merely an input of another missing fact (said through it)."""
    inputs = {source for fact in missing if fact in context.trial.derived
              for source in inputs_of(context.trial.derived[fact])}
    expanded, pending = set(), list(inputs)
    while pending:
        fact = pending.pop()
        if fact not in expanded:
            expanded.add(fact)
            pending.extend(inputs_of(context.trial.derived[fact]) if fact in context.trial.derived else [])
    return set(missing) - expanded


def decide_for_every_answer(criterion: dict, context: Context):
    """Decide an open criterion now when every answer to its open choice questions gives the same
    outcome (creatinine clearance of at least 30 whichever the sex); else None."""
    trial = context.trial
    open_facts = [fact for fact in trial.criterion_facts[criterion["id"]]
                  if trial.questions[fact]["type"] in ("choice", "boolean") and fact not in context.facts
                  and context.value(fact) is None]
    choices = [choices_of(trial.questions[fact]) for fact in open_facts]
    if not open_facts or _count(choices) > MOST_COMBINATIONS:
        return None
    outcomes, statuses = [], set()
    for combination in itertools.product(*choices):
        outcomes.append(decide(criterion, context.with_answers(dict(zip(open_facts, combination)))))
        statuses.add(outcomes[-1][0])
        if "unknown" in statuses or "not_met" in statuses and len(statuses) > 1:
            return None  # some answer leaves it open, or answers differ: no need to try the rest
    if statuses == {"not_met"} or statuses == {"not_applicable"}:
        status = statuses.pop()
    else:
        status = "met"  # met for some answers, not applicable for the others
    reasons = dict.fromkeys(_sentence(reason) for outcome_status, reason, _missing in outcomes
                            if outcome_status == status)
    labels = " and ".join(context.label(fact) for fact in open_facts)
    return status, f"whatever the answer to {labels}: " + " / ".join(reasons), ()


def choices_of(question: dict) -> list:
    return [True, False] if question["type"] == "boolean" else list(question["choices"])


def _count(choices) -> int:
    count = 1
    for options in choices:
        count *= len(options)
    return count


def explanation(criterion: dict, context: Context) -> str:
    """The rules' own words for why a criterion fails, where the logic alone reads poorly."""
    for case in criterion.get("explain", []):
        if evaluate_expression(case["when"], context).value is True:
            return case["say"]
    return ""


def not_applicable_reason(criterion: dict, context: Context) -> str:
    """'Does not apply: only for persons of childbearing potential (Childbearing potential: no)'."""
    answers = "; ".join(context.describe(fact) for fact in facts_read(criterion["applies"])
                        if context.value(fact) is not None)
    scope = criterion.get("applies_to")
    said = f"does not apply: only for {scope}" if scope else "does not apply here"
    return f"{said} ({answers})" if answers else said


def _sentence(text: str) -> str:
    """The text as a sentence: a capital first letter, unless its first word is written with
    capitals of its own ("eGFR" stays eGFR), and a full stop."""
    text = text.strip()
    if not text:
        return ""
    first_word = text.split(" ", 1)[0]
    if first_word == first_word.lower():
        text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def verdict_of(statuses) -> str:
    """ineligible if anything fails, eligible if everything passes, else incomplete."""
    statuses = list(statuses)
    if any(status in FAILING for status in statuses):
        return "ineligible"
    if all(status in PASSING for status in statuses):
        return "eligible"
    return "incomplete"


def derived_values(context: Context) -> dict:
    """Every derived value that is known exactly, as plain JSON data (numbers to 2 decimals)."""
    values = {}
    for name in context.trial.derived:
        value = context.value(name)
        if not context.is_open(value):
            values[name] = plain(round(value, 2) if isinstance(value, Fraction) else value)
    return values


def warnings(context: Context) -> list[dict]:
    """Values to check: implausible for their unit, typed where a calculated value decides, or
    contradicting another answer. Each names its fact; none changes a status by itself."""
    memo = read_memo(context.trial, "warnings")
    circumstances = (context.assessment_date, context.confirmed)
    found = []
    for fact in context.trial.in_order(context.facts):
        if fact not in context.trial.warned_about:
            continue
        found += memo.recall((fact, *circumstances), context.facts, lambda: _answer_warnings(fact, context))
    for index, check in enumerate(context.trial.rules.get("contradictions", [])):
        found += memo.recall((index, *circumstances), context.facts, lambda: _check_warnings(check, context))
    return found


def _answer_warnings(fact, context: Context) -> list[dict]:
    trial = context.trial
    if context.implausible(fact):
        return [_warning(fact, "implausible", _sentence(context.implausible_text(fact)))]
    if fact in trial.derived and context.calculated(fact) and context.facts[fact] != context.value(fact):
        typed = format_value(context.facts[fact], trial.questions[fact].get("unit", ""))
        calculated = format_value(context.value(fact), trial.questions[fact].get("unit", ""))
        return [_warning(fact, "calculated", f"{context.label(fact)} was entered as {typed}; the "
                         f"value calculated from its inputs, {calculated}, is the one used.")]
    if _contradicts_implied(fact, context):
        implied = trial.questions[fact]["implied"]
        return [_warning(fact, "contradiction", f"{context.describe(fact)} contradicts what is "
                         f"implied ({implied['because']}): check both answers.")]
    return []


def _check_warnings(check: dict, context: Context) -> list[dict]:
    if evaluate_expression(check["when"], context).value is True:
        return [_warning(check["fact"], "contradiction", check["say"])]
    return []


def _contradicts_implied(fact, context: Context) -> bool:
    implied = context.trial.questions.get(fact, {}).get("implied")
    if not implied or evaluate_expression(implied["when"], context).value is not True:
        return False
    return context.facts[fact] != implied["value"]


def _warning(fact, kind, message) -> dict:
    return {"fact": fact, "kind": kind, "message": message}


def permitted(item: dict, context: Context) -> dict:
    """A permitted item of the listing with what was answered: shown, never excluding."""
    return {"id": item["id"], "text": item["text"],
            "answers": {fact: plain(context.value(fact)) for fact in item["facts"]
                        if context.value(fact) is not None}}
