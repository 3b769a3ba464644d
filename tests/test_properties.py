"""Properties of the evaluation over random valid answers (hypothesis).

Answer sets are drawn from the data dictionary itself: a value for every fact, then, for each
derived fact a clinician may also enter, either its inputs, the direct entry, or both (agreeing).
Comparisons at the limits are checked against an oracle of exact fractions, with the unit factors
of the clinical conventions written out here, not taken from the rules file.
"""
from __future__ import annotations

import copy
import datetime as dt
import json
from fractions import Fraction
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checklist.domain.answers import validate
from checklist.domain.engine import Context, evaluate
from checklist.domain.expressions import facts_read
from checklist.bundled import DEFAULT_RULES
from checklist.domain.rules import load_trial
from checklist.domain.values import Range, plain

ROOT = Path(__file__).resolve().parent.parent
FULL_ANSWERS = json.loads((ROOT / "helio-rt" / "vignettes" / "01-all-criteria-met.json").read_text())["answers"]

TRIAL = load_trial(DEFAULT_RULES)
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
    """What the inputs so far calculate for a fact, plausible or not: a value, a Range or None.
    (A direct entry must agree with the calculation even where the calculation is in doubt.)"""
    facts, errors = validate(TRIAL, answers, ASSESSED)
    assert errors == {}, errors
    return Context(TRIAL, facts, ASSESSED, confirmed=frozenset(facts)).calculation(fact).value


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
        elif plausible(fact, known):  # a copy of an implausible calculation would be a doubtful entry
            answers[fact] = plain(known)
    return answers


def plausible(fact, value) -> bool:
    bounds = TRIAL.questions[fact].get("plausible")
    return not bounds or Fraction(str(bounds[0])) <= value <= Fraction(str(bounds[1]))


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


def overridden_implications(subset, full) -> set[str]:
    """Facts implied by the subset's answers (no pregnancy for sex male) that the full answers
    answer otherwise: the answer counts, so a criterion passed on the implied value may fail."""
    facts, _errors = validate(TRIAL, subset, ASSESSED)
    context = Context(TRIAL, facts, ASSESSED)
    return {fact for fact, question in TRIAL.questions.items()
            if "implied" in question and fact not in subset and fact in full
            and context.implied(fact) is not None and full[fact] != context.implied(fact)}


@FEWER
@given(data=answers_and_subset())
def test_answering_more_never_fails_a_criterion_already_passed(data):
    # It may reopen only while an answer it reads is in doubt (a warning names it), and fail only
    # when an answer overrides an implied one, or contradicts another answer it reads that the
    # rules let decide (a positive pregnancy test beside "pregnant: no" counts as pregnant,
    # docs/clinical-decisions.md): a contradiction warning then names it.
    full, subset = data
    before, after = run(subset), run(full)
    overridden = overridden_implications(subset, full)
    doubted = {warning["fact"] for warning in after["warnings"]}
    contradicted = {warning["fact"] for warning in after["warnings"] if warning["kind"] == "contradiction"}
    for criterion in before["criteria"]:
        if criterion["status"] in ("met", "not_applicable") and not overridden & set(criterion["facts"]):
            status, read = statuses(after)[criterion["id"]], set(criterion["facts"])
            assert status in ("met", "not_applicable") or (status == "unknown" and doubted & read) or (
                status == "not_met" and contradicted & read), (criterion["id"], status)


def test_a_positive_pregnancy_test_fails_the_criterion_that_pregnant_no_had_met(evaluate_answers, full_answers):
    """The case Hypothesis found for the property above, kept: the test counts, the contradiction is warned."""
    met = evaluate_answers(full_answers(childbearing_potential=False, pregnant=False, nursing=False))
    positive = evaluate_answers(full_answers(childbearing_potential=False, pregnant=False, nursing=False,
                                             pregnancy_test_result="positive", pregnancy_test_date="2026-06-01"))
    assert statuses(met)["not_pregnant_or_nursing"] == "met"
    assert statuses(positive)["not_pregnant_or_nursing"] == "not_met"
    assert {"pregnant", "childbearing_potential"} <= {w["fact"] for w in positive["warnings"] if w["kind"] == "contradiction"}


@FEWER
@given(data=answers_and_subset())
def test_an_answer_overriding_an_implied_one_is_always_warned_about(data):
    full, subset = data
    warned = {warning["fact"] for warning in run(full)["warnings"] if warning["kind"] == "contradiction"}
    assert overridden_implications(subset, full) <= warned


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
def test_a_full_answer_set_decides_every_criterion_but_pending_or_doubtful_ones(answers):
    # Everything answered: only a pending test or pending coverage, or an answer in doubt (an
    # implausible value, named in the warnings), may leave a criterion open.
    doc = run(answers)
    doubted = {warning["fact"] for warning in doc["warnings"]}
    for criterion in doc["criteria"]:
        if criterion["status"] == "unknown":
            assert criterion["id"] in ("pregnancy_test", "coverage_both_arms") \
                or doubted & set(criterion["facts"]), criterion


# Exact comparisons at the limits, whatever the units

BILIRUBIN = {"mg/dL": 1, "umol/L": 1 / Fraction("17.1")}
GRAMS = {"g/dL": 1, "g/L": Fraction(1, 10)}
CELLS = {"cells/mm3": 1, "10^9/L": 1000}
FACTORS = {  # the clinical conventions' unit factors, to each fact's canonical unit
    "total_bilirubin": BILIRUBIN, "bilirubin_uln": BILIRUBIN, "albumin": GRAMS, "hemoglobin": GRAMS,
    "anc": CELLS, "platelets": CELLS, "serum_creatinine": {"mg/dL": 1, "umol/L": 1 / Fraction("88.4")},
    "weight": {"kg": 1, "lb": Fraction("0.45359237")}, "intrahepatic_sum_diameter": {"cm": 1, "mm": Fraction(1, 10)},
    "creatinine_clearance": {"mL/min": 1},
}


def factor(fact, unit) -> Fraction:
    return Fraction(FACTORS.get(fact, {}).get(unit, 1))
def plain_threshold(criterion):
    """(criterion, fact, operator, limit) for a requirement {op: [{"var": fact}, number]}, else None."""
    (operator, arguments), = criterion["require"].items()
    if operator not in ("<", "<=", ">", ">="):
        return None
    left, limit = arguments
    if not (isinstance(left, dict) and set(left) == {"var"} and isinstance(limit, (int, float))):
        return None
    return criterion["id"], left["var"], operator, Fraction(str(limit))


THRESHOLDS = [threshold for threshold in map(plain_threshold, TRIAL.criteria) if threshold]
EXACT = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def base_answers(typed_fact=None) -> dict:
    """The all-criteria-met answers; to type a derived fact, without the inputs it would be
    calculated from (those other criteria read are kept: a typed value must then agree with them)."""
    answers = copy.deepcopy(FULL_ANSWERS)
    for source in PROPERTIES.get(typed_fact, {}).get("x-derives", []):
        if source not in READ_BY_CRITERIA:
            answers.pop(source, None)
    return answers


def near(draw, target: Fraction, integer: bool) -> Fraction:
    """An entry as a person would type it, at or just either side of a target."""
    if integer:
        return round(target) + draw(st.integers(-2, 2), label="steps")
    decimals = draw(st.integers(0, 3), label="decimals")
    step = Fraction(1, 10 ** decimals)
    return round(target / step) * step + draw(st.integers(-2, 2), label="steps") * step


def as_answer(fact, number: Fraction, unit):
    value = int(number) if number.denominator == 1 else float(number)
    return value if unit is None or unit == PROPERTIES[fact].get("x-unit") else {"value": value, "unit": unit}


@st.composite
def threshold_cases(draw):
    criterion_id, fact, operator, limit = draw(st.sampled_from(THRESHOLDS), label="criterion")
    units = sorted(PROPERTIES[fact].get("x-units", {None: 1}))
    unit = draw(st.sampled_from(units), label="unit")
    entered = near(draw, limit / factor(fact, unit), PROPERTIES[fact].get("type") == "integer")
    return criterion_id, fact, operator, limit, unit, entered, entered * factor(fact, unit)


@SETTINGS
@given(case=threshold_cases())
def test_every_threshold_is_compared_exactly_in_every_unit(case):
    criterion_id, fact, operator, limit, unit, entered, canonical = case
    answers = base_answers(fact if fact in TRIAL.derived else None)
    answers[fact] = as_answer(fact, entered, unit)
    facts, errors = validate(TRIAL, answers, ASSESSED)
    if errors or not plausible(fact, canonical):
        return  # out of the question's range (a typed score must lie within what its parts allow)
    expected = "met" if EXACT[operator](canonical, limit) else "not_met"
    assert statuses(evaluate(TRIAL, facts, ASSESSED))[criterion_id] == expected


@st.composite
def bilirubin_cases(draw):
    uln_unit, unit = (draw(st.sampled_from(["mg/dL", "umol/L"]), label=name) for name in ("uln unit", "unit"))
    uln = Fraction(draw(st.integers(50, 300), label="uln, hundredths of mg/dL"), 100) / BILIRUBIN[uln_unit]
    uln = round(uln, draw(st.integers(1, 2), label="uln decimals"))
    limit = 4 * uln * BILIRUBIN[uln_unit]
    entered = near(draw, limit / BILIRUBIN[unit], integer=False)
    return uln, uln_unit, entered, unit


@SETTINGS
@given(case=bilirubin_cases())
def test_bilirubin_below_4_x_uln_is_compared_exactly_in_every_unit_pair(case):
    uln, uln_unit, entered, unit = case
    bilirubin, limit = entered * BILIRUBIN[unit], 4 * uln * BILIRUBIN[uln_unit]
    if not (plausible("total_bilirubin", bilirubin) and plausible("bilirubin_uln", uln * BILIRUBIN[uln_unit])):
        return
    answers = base_answers()
    answers.update(bilirubin_uln=as_answer("bilirubin_uln", uln, uln_unit),
                   total_bilirubin=as_answer("total_bilirubin", entered, unit))
    doc = run(answers)
    assert statuses(doc)["bilirubin"] == ("met" if bilirubin < limit else "not_met")


@SETTINGS
@given(which=st.sampled_from(["ast", "alt"]), uln=st.integers(100, 1000).map(lambda tenths: Fraction(tenths, 10)),
       draw=st.data())
def test_transaminases_at_most_6_x_uln_are_compared_exactly(which, uln, draw):
    entered = near(draw.draw, 6 * uln, integer=False)
    answers = base_answers()
    answers.update({which: as_answer(which, entered, None), f"{which}_uln": as_answer(which, uln, None)})
    assert statuses(run(answers))["transaminases"] == ("met" if entered <= 6 * uln else "not_met")


# The calculated value decides

@SETTINGS
@given(age=st.integers(18, 100), weight=st.integers(2500, 15000).map(lambda hundredths: Fraction(hundredths, 100)),
       sex=st.sampled_from(["female", "male"]), target=st.integers(2800, 3200).map(lambda h: Fraction(h, 100)),
       typed_offset=st.integers(-100, 100).map(lambda hundredths: Fraction(hundredths, 100)))
def test_a_typed_creatinine_clearance_is_refused_or_decides_as_the_calculated_one(
        age, weight, sex, target, typed_offset):
    # A creatinine chosen so that the clearance falls near 30 mL/min; the typed value near it.
    female = Fraction("0.85") if sex == "female" else 1
    creatinine = round((140 - age) * weight * female / (72 * target), 2)
    if not Fraction("0.1") <= creatinine <= 20:
        return
    calculated = (140 - age) * weight * female / (72 * creatinine)
    answers = base_answers()
    answers.update(age_years=age, weight=float(weight), sex=sex, serum_creatinine=float(creatinine))
    without_entry = run(answers)
    answers["creatinine_clearance"] = float(round(calculated, 2) + typed_offset)
    facts, errors = validate(TRIAL, answers, ASSESSED)
    if errors:
        assert list(errors) == ["creatinine_clearance"]
        return
    with_entry = evaluate(TRIAL, facts, ASSESSED)
    assert statuses(with_entry)["creatinine_clearance"] == statuses(without_entry)["creatinine_clearance"]
    assert statuses(with_entry)["creatinine_clearance"] == ("met" if calculated >= 30 else "not_met")


# Implausible values: never met

PLAUSIBLE = [fact for fact, question in TRIAL.questions.items() if "plausible" in question]


@st.composite
def implausible_answers(draw):
    """The all-criteria-met answers with one number outside its plausible range, in any unit."""
    fact = draw(st.sampled_from(PLAUSIBLE), label="fact")
    low, high = (Fraction(str(bound)) for bound in TRIAL.questions[fact]["plausible"])
    above = draw(st.booleans(), label="above") or low == 0
    scale = Fraction(draw(st.integers(110, 5000) if above else st.integers(1, 90), label="percent"), 100)
    canonical = (high if above else low) * scale
    unit = draw(st.sampled_from(sorted(PROPERTIES[fact].get("x-units", {None: 1}))), label="unit")
    entered = canonical / factor(fact, unit)
    entered = round(entered) if PROPERTIES[fact].get("type") == "integer" else round(entered, 6)
    answers = base_answers(fact if fact in TRIAL.derived else None)
    answers[fact] = as_answer(fact, Fraction(entered), unit)
    return fact, answers


@SETTINGS
@given(case=implausible_answers())
def test_an_implausible_value_never_yields_met_and_is_warned_about(case):
    fact, answers = case
    facts, errors = validate(TRIAL, answers, ASSESSED)
    if errors:
        return  # beyond what the dictionary accepts at all (ecog-like limits, 10^9)
    doc = evaluate(TRIAL, facts, ASSESSED)
    reading = [criterion for criterion in doc["criteria"] if fact in criterion["facts"]]
    assert reading
    for criterion in reading:
        # The other answers all pass: the criterion is open, neither met nor failed because of it.
        assert criterion["status"] == "unknown", criterion
    assert doc["verdict"] == "incomplete"
    assert any(w["fact"] == fact and w["kind"] == "implausible" for w in doc["warnings"])
