"""Properties of the evaluation over random valid answers (hypothesis).

Answer sets are drawn from the data dictionary itself: a value for every fact, then, for each
derived fact a clinician may also enter, either its inputs, the direct entry, or both (agreeing).
"""
from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checklist.answers import validate
from checklist.engine import Context, evaluate
from checklist.expressions import facts_read
from checklist.rules import load_trial
from checklist.values import Range, plain

TRIAL = load_trial()
ASSESSED = dt.date(2026, 6, 15)
PROPERTIES = TRIAL.dictionary["properties"]
# Derived facts that are also questions, inputs before what they feed (age before clearance).
ENTERABLE_DERIVED = [fact for fact in PROPERTIES if "x-derives" in PROPERTIES[fact]]
ENTERABLE_DERIVED.sort(key=lambda fact: any(i in ENTERABLE_DERIVED for i in PROPERTIES[fact]["x-derives"]))
SETTINGS = settings(max_examples=200, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
FEWER = settings(SETTINGS, max_examples=100)  # the corollaries: keeps the file to a few seconds


def number(low, high):
    """Numbers with two decimals, as a laboratory reports them."""
    return st.integers(round(low * 100), round(high * 100)).map(lambda hundredths: hundredths / 100)


def value_strategy(fact):
    """Values a clinician could enter for one fact, from its dictionary and question entries."""
    prop, question = PROPERTIES[fact], TRIAL.questions[fact]
    if "enum" in prop:
        return st.sampled_from(prop["enum"])
    if prop.get("type") == "boolean":
        return st.booleans()
    if prop.get("$ref") == "#/$defs/date":
        recent = st.dates(ASSESSED - dt.timedelta(days=400), ASSESSED)
        return st.one_of(recent, st.dates(dt.date(1926, 1, 1), ASSESSED)).map(dt.date.isoformat)
    if prop.get("type") == "integer":
        return st.integers(prop.get("minimum", 0), prop.get("maximum", prop.get("minimum", 0) + 12))
    low, high = question.get("plausible", [0.01, 1000])
    canonical = number(max(low, 0.01), high)
    if prop.get("$ref") != "#/$defs/quantity":
        return canonical
    units = prop["x-units"]
    return st.tuples(canonical, st.sampled_from(sorted(units))).map(
        lambda pair: pair[0] if pair[1] == prop["x-unit"]
        else {"value": round(pair[0] / units[pair[1]], 4), "unit": pair[1]})


# Facts a criterion reads itself, not only through a derivation: kept beside a direct entry.
READ_BY_CRITERIA = {fact for criterion in TRIAL.criteria
                    for fact in facts_read(criterion["require"]) + facts_read(criterion.get("applies", True))}
PRIMARY = st.fixed_dictionaries({fact: value_strategy(fact) for fact in PROPERTIES
                                 if fact != "assessment_date" and fact not in ENTERABLE_DERIVED})


def derived_so_far(answers, fact):
    """What the engine derives for a fact from the answers so far: a value, a Range or None."""
    facts, errors = validate(TRIAL, answers, ASSESSED)
    assert errors == {}, errors
    return Context(TRIAL, facts, ASSESSED).value(fact)


@st.composite
def full_answer_sets(draw):
    """Every fact answered; each enterable derived fact by its inputs, directly, or both."""
    answers = {"assessment_date": ASSESSED.isoformat(), **draw(PRIMARY)}
    for fact in ENTERABLE_DERIVED:
        how = draw(st.sampled_from(["inputs", "direct", "both"]), label=f"{fact} entered by")
        if how == "inputs":
            continue
        if how == "direct":
            for source in PROPERTIES[fact]["x-derives"]:
                if source not in READ_BY_CRITERIA:
                    answers.pop(source, None)
        known = derived_so_far(answers, fact)
        if known is None:
            answers[fact] = draw(value_strategy(fact), label=fact)
        elif isinstance(known, Range):  # a direct score must lie in what its answered parts allow
            answers[fact] = draw(st.integers(int(known.low), int(known.high)), label=fact)
        else:
            answers[fact] = plain(known)
    return answers


@st.composite
def answers_and_subset(draw):
    """A full answer set and a random part of it (the assessment date always kept)."""
    answers = draw(full_answer_sets())
    kept = draw(st.lists(st.booleans(), min_size=len(answers), max_size=len(answers)), label="kept")
    subset = {fact: value for (fact, value), keep in zip(answers.items(), kept)
              if keep or fact == "assessment_date"}
    return answers, subset


def run(answers):
    facts, errors = validate(TRIAL, answers, ASSESSED)
    assert errors == {}, errors
    return evaluate(TRIAL, facts, ASSESSED)


def statuses(doc):
    return {criterion["id"]: criterion["status"] for criterion in doc["criteria"]}


@SETTINGS
@given(data=answers_and_subset(), draw=st.data())
def test_evaluation_does_not_depend_on_the_order_answers_arrive(data, draw):
    _full, subset = data
    order = draw.draw(st.permutations(list(subset)), label="order")
    assert run({fact: subset[fact] for fact in order}) == run(subset)


@SETTINGS
@given(data=answers_and_subset())
def test_answering_more_never_turns_a_not_met_criterion_into_met(data):
    full, subset = data
    before, after = statuses(run(subset)), statuses(run(full))
    for criterion_id, status in before.items():
        if status == "not_met":
            assert after[criterion_id] == "not_met", criterion_id


@FEWER
@given(data=answers_and_subset())
def test_answering_more_never_fails_a_criterion_already_passed(data):
    full, subset = data
    before, after = statuses(run(subset)), statuses(run(full))
    for criterion_id, status in before.items():
        if status in ("met", "not_applicable"):
            assert after[criterion_id] in ("met", "not_applicable"), criterion_id


@FEWER
@given(data=answers_and_subset())
def test_an_ineligible_verdict_stays_ineligible_when_more_is_answered(data):
    full, subset = data
    if run(subset)["verdict"] == "ineligible":
        assert run(full)["verdict"] == "ineligible"


@FEWER
@given(data=answers_and_subset())
def test_missing_names_only_and_enough_facts_for_the_open_criteria(data):
    _full, subset = data
    doc = run(subset)
    open_criteria = [c for c in doc["criteria"] if c["status"] == "unknown"]
    assert doc["missing"] == TRIAL.in_order(doc["missing"])
    for fact in doc["missing"]:
        assert any(fact in c["facts"] for c in open_criteria), fact
    for criterion in open_criteria:
        assert set(criterion["facts"]) & set(doc["missing"]), criterion["id"]


@FEWER
@given(answers=full_answer_sets())
def test_a_full_answer_set_decides_every_criterion_but_pending_ones(answers):
    # Everything answered: only a pending test or pending coverage may leave a criterion open.
    for criterion in run(answers)["criteria"]:
        if criterion["status"] == "unknown":
            assert criterion["id"] in ("pregnancy_test", "coverage_both_arms"), criterion
