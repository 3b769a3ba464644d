"""Each criterion of the trial: its thresholds, units, three-valued logic, `missing` and reasons.

Every test starts from the all-criteria-met answers and changes only what it is about.
"""
from __future__ import annotations

import pytest


def without(answers: dict, *facts) -> dict:
    """The answers with some facts unanswered."""
    for fact in facts:
        answers.pop(fact, None)
    return answers


# Thresholds: equal, just inside, just outside

CHILD_PUGH_ITEMS = ("total_bilirubin", "albumin", "inr", "ascites", "encephalopathy")

THRESHOLDS = [
    # (criterion, changes, facts to unanswer, expected status)
    ("platelets", {"platelets": 60000}, (), "met"),
    ("platelets", {"platelets": 60001}, (), "met"),
    ("platelets", {"platelets": 59999}, (), "not_met"),
    ("anc", {"anc": 1500}, (), "met"),
    ("anc", {"anc": 1501}, (), "met"),
    ("anc", {"anc": 1499}, (), "not_met"),
    ("hemoglobin", {"hemoglobin": 8}, (), "met"),
    ("hemoglobin", {"hemoglobin": 8.1}, (), "met"),
    ("hemoglobin", {"hemoglobin": 7.9}, (), "not_met"),
    ("transaminases", {"ast": 240, "ast_uln": 40}, (), "met"),
    ("transaminases", {"ast": 239.9, "ast_uln": 40}, (), "met"),
    ("transaminases", {"ast": 240.1, "ast_uln": 40}, (), "not_met"),
    ("transaminases", {"alt": 270, "alt_uln": 45}, (), "met"),
    ("transaminases", {"alt": 269.9, "alt_uln": 45}, (), "met"),
    ("transaminases", {"alt": 270.1, "alt_uln": 45}, (), "not_met"),
    ("bilirubin", {"total_bilirubin": 4.8, "bilirubin_uln": 1.2}, (), "not_met"),  # strict
    ("bilirubin", {"total_bilirubin": 4.79, "bilirubin_uln": 1.2}, (), "met"),
    ("bilirubin", {"total_bilirubin": 4.81, "bilirubin_uln": 1.2}, (), "not_met"),
    ("creatinine_clearance", {"creatinine_clearance": 30}, ("serum_creatinine",), "met"),
    ("creatinine_clearance", {"creatinine_clearance": 30.01}, ("serum_creatinine",), "met"),
    ("creatinine_clearance", {"creatinine_clearance": 29.99}, ("serum_creatinine",), "not_met"),
    # (140 - 60) x 27 / (72 x 1) is exactly 30.
    ("creatinine_clearance", {"age_years": 60, "weight": 27, "serum_creatinine": 1}, (), "met"),
    ("creatinine_clearance", {"age_years": 60, "weight": 26.9, "serum_creatinine": 1}, (), "not_met"),
    ("intrahepatic_lesion_count", {"intrahepatic_lesion_count": 5}, (), "met"),
    ("intrahepatic_lesion_count", {"intrahepatic_lesion_count": 4}, (), "met"),
    ("intrahepatic_lesion_count", {"intrahepatic_lesion_count": 6}, (), "not_met"),
    ("intrahepatic_sum_diameter", {"intrahepatic_sum_diameter": 20}, (), "not_met"),  # strict
    ("intrahepatic_sum_diameter", {"intrahepatic_sum_diameter": 19.9}, (), "met"),
    ("intrahepatic_sum_diameter", {"intrahepatic_sum_diameter": 20.1}, (), "not_met"),
    ("age", {"age_years": 18}, (), "met"),
    ("age", {"age_years": 19}, (), "met"),
    ("age", {"age_years": 17}, (), "not_met"),
    ("age", {"date_of_birth": "2008-06-15"}, ("age_years",), "met"),  # 18th birthday today
    ("age", {"date_of_birth": "2008-06-16"}, ("age_years",), "not_met"),
    ("ecog", {"ecog": 2}, (), "met"),
    ("ecog", {"ecog": 1}, (), "met"),
    ("ecog", {"ecog": 3}, (), "not_met"),
    ("child_pugh", {"child_pugh_score": 7}, CHILD_PUGH_ITEMS, "met"),
    ("child_pugh", {"child_pugh_score": 6}, CHILD_PUGH_ITEMS, "met"),
    ("child_pugh", {"child_pugh_score": 8}, CHILD_PUGH_ITEMS, "not_met"),
    ("child_pugh", {"total_bilirubin": 2.5, "ascites": "mild"}, (), "met"),  # 2+1+1+2+1 = B7
    ("child_pugh", {"total_bilirubin": 2.5, "ascites": "mild", "inr": 1.7}, (), "not_met"),  # B8
]


@pytest.mark.parametrize("criterion_id, changes, unanswered, status", [
    pytest.param(*case, id=f"{case[0]}-{'-'.join(f'{k}={v}' for k, v in case[1].items())}")
    for case in THRESHOLDS
])
def test_threshold(full_answers, evaluate_answers, criterion, criterion_id, changes, unanswered, status):
    doc = evaluate_answers(without(full_answers(**changes), *unanswered))
    assert criterion(doc, criterion_id)["status"] == status


# Unit conversions, at the thresholds

@pytest.mark.parametrize("bilirubin, score", [
    # Both published tables count (< 34 / 34-50 / > 50 umol/L and < 2 / 2-3 / > 3 mg/dL); where
    # they disagree the higher points count.
    pytest.param({"value": 33.9, "unit": "umol/L"}, 5, id="33.9 umol/L: 1 point"),
    pytest.param({"value": 34, "unit": "umol/L"}, 6, id="34 umol/L: 2 points"),
    pytest.param({"value": 34.1, "unit": "umol/L"}, 6, id="34.1 umol/L: 2 points"),
    pytest.param({"value": 34.2, "unit": "umol/L"}, 6, id="34.2 umol/L is 2 mg/dL: 2 points"),
    pytest.param({"value": 50, "unit": "umol/L"}, 6, id="50 umol/L: 2 points"),
    pytest.param({"value": 51, "unit": "umol/L"}, 7, id="51 umol/L: 3 points"),
    pytest.param({"value": 51.3, "unit": "umol/L"}, 7, id="51.3 umol/L is 3 mg/dL: 3 points"),
    pytest.param({"value": 51.4, "unit": "umol/L"}, 7, id="51.4 umol/L: 3 points"),
    pytest.param(1.99, 6, id="1.99 mg/dL is 34.03 umol/L: 2 points"),
    pytest.param(2.95, 7, id="2.95 mg/dL is 50.4 umol/L: 3 points"),
])
def test_bilirubin_scores_child_pugh_points_on_both_tables_at_the_edges(
        full_answers, evaluate_answers, bilirubin, score):
    doc = evaluate_answers(full_answers(total_bilirubin=bilirubin))
    assert doc["derived"]["child_pugh_score"] == score


@pytest.mark.parametrize("albumin, score", [
    pytest.param({"value": 35.1, "unit": "g/L"}, 5, id="35.1 g/L: 1 point"),
    pytest.param({"value": 35, "unit": "g/L"}, 6, id="35 g/L is 3.5 g/dL: 2 points"),
    pytest.param({"value": 28, "unit": "g/L"}, 6, id="28 g/L is 2.8 g/dL: 2 points"),
    pytest.param({"value": 27.9, "unit": "g/L"}, 7, id="27.9 g/L: 3 points"),
])
def test_albumin_in_grams_per_litre_scores_child_pugh_points_at_the_edges(
        full_answers, evaluate_answers, albumin, score):
    doc = evaluate_answers(full_answers(albumin=albumin))
    assert doc["derived"]["child_pugh_score"] == score


@pytest.mark.parametrize("criterion_id, changes, status", [
    ("platelets", {"platelets": {"value": 60, "unit": "10^9/L"}}, "met"),
    ("platelets", {"platelets": {"value": 59.9, "unit": "10^9/L"}}, "not_met"),
    ("anc", {"anc": {"value": 1.5, "unit": "10^9/L"}}, "met"),
    ("anc", {"anc": {"value": 1.49, "unit": "10^9/L"}}, "not_met"),
    ("hemoglobin", {"hemoglobin": {"value": 80, "unit": "g/L"}}, "met"),
    ("hemoglobin", {"hemoglobin": {"value": 79.9, "unit": "g/L"}}, "not_met"),
    ("intrahepatic_sum_diameter", {"intrahepatic_sum_diameter": {"value": 200, "unit": "mm"}}, "not_met"),
    ("intrahepatic_sum_diameter", {"intrahepatic_sum_diameter": {"value": 199, "unit": "mm"}}, "met"),
    ("bilirubin", {"total_bilirubin": {"value": 82.08, "unit": "umol/L"},
                   "bilirubin_uln": {"value": 20.52, "unit": "umol/L"}}, "not_met"),  # exactly 4 x ULN
    ("bilirubin", {"total_bilirubin": {"value": 82.07, "unit": "umol/L"},
                   "bilirubin_uln": {"value": 20.52, "unit": "umol/L"}}, "met"),
    ("bilirubin", {"total_bilirubin": {"value": 82.08, "unit": "umol/L"}, "bilirubin_uln": 1.2}, "not_met"),
])
def test_unit_conversion_at_threshold(full_answers, evaluate_answers, criterion, criterion_id, changes, status):
    doc = evaluate_answers(full_answers(**changes))
    assert criterion(doc, criterion_id)["status"] == status


# Three-valued logic

def test_one_failing_transaminase_fails_while_the_other_is_unanswered(full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(without(full_answers(ast=300), "alt", "alt_uln"))
    assert criterion(doc, "transaminases")["status"] == "not_met"
    assert doc["verdict"] == "ineligible"


def test_prior_tare_fails_while_prior_systemic_therapy_is_unanswered(full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(without(full_answers(prior_tare=True), "prior_systemic_therapy_hcc"))
    assert criterion(doc, "no_prior_systemic_or_tare")["status"] == "not_met"


def test_nursing_fails_while_pregnancy_is_unanswered(full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(without(full_answers(sex="female", nursing=True), "pregnant"))
    assert criterion(doc, "not_pregnant_or_nursing")["status"] == "not_met"


def test_an_all_with_one_part_unanswered_and_none_failing_is_unknown(full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(without(full_answers(), "alt"))
    assert criterion(doc, "transaminases")["status"] == "unknown"
    assert doc["missing"] == ["alt"]


def test_pathologic_hcc_diagnosis_meets_with_prior_malignancy_unanswered(full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(without(full_answers(hcc_diagnosis="pathologic"), "prior_or_concurrent_malignancy"))
    assert criterion(doc, "hcc_diagnosis")["status"] == "met"
    assert "prior_or_concurrent_malignancy" not in doc["missing"]


def test_pathologic_hcc_diagnosis_meets_with_a_prior_malignancy(full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(full_answers(hcc_diagnosis="pathologic", prior_or_concurrent_malignancy=True))
    assert criterion(doc, "hcc_diagnosis")["status"] == "met"


def test_radiographic_hcc_diagnosis_with_a_prior_malignancy_fails(full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(full_answers(hcc_diagnosis="radiographic_aasld", prior_or_concurrent_malignancy=True))
    assert criterion(doc, "hcc_diagnosis")["status"] == "not_met"


def test_radiographic_hcc_diagnosis_waits_for_the_prior_malignancy_answer(full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(without(full_answers(), "prior_or_concurrent_malignancy"))
    assert criterion(doc, "hcc_diagnosis")["status"] == "unknown"
    assert doc["missing"] == ["prior_or_concurrent_malignancy"]


def test_neither_pathologic_nor_radiographic_diagnosis_fails(full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(full_answers(hcc_diagnosis="neither"))
    assert criterion(doc, "hcc_diagnosis")["status"] == "not_met"


def test_a_prior_malignancy_with_the_diagnosis_unanswered_still_asks_for_the_diagnosis(
        full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(without(full_answers(prior_or_concurrent_malignancy=True), "hcc_diagnosis"))
    assert criterion(doc, "hcc_diagnosis")["status"] == "unknown"
    assert doc["missing"] == ["hcc_diagnosis"]


# Child-Pugh with components unanswered

def test_child_pugh_b8_fails_even_with_ascites_unanswered(full_answers, evaluate_answers, criterion):
    # bilirubin 2 + albumin 2 + INR 2 + encephalopathy 1 = 7 already, and ascites scores at least 1.
    answers = without(full_answers(total_bilirubin=2.5, albumin=3.0, inr=1.8), "ascites")
    doc = evaluate_answers(answers)
    assert criterion(doc, "child_pugh")["status"] == "not_met"
    assert doc["verdict"] == "ineligible"


def test_child_pugh_already_failing_leaves_its_unanswered_components_out_of_missing(
        full_answers, evaluate_answers):
    answers = without(full_answers(total_bilirubin=3.5, albumin=2.5), "inr", "ascites", "encephalopathy")
    doc = evaluate_answers(answers)
    assert not {"inr", "ascites", "encephalopathy", "child_pugh_score"} & set(doc["missing"])


def test_child_pugh_meets_when_no_unanswered_component_could_reach_8(full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(without(full_answers(), "ascites"))  # 4 + at most 3 = 7
    assert criterion(doc, "child_pugh")["status"] == "met"
    assert "ascites" not in doc["missing"]


def test_child_pugh_undecided_asks_for_its_unanswered_components_not_the_score(
        full_answers, evaluate_answers, criterion):
    # With some components answered the score is on its way: it is not asked for directly.
    answers = without(full_answers(total_bilirubin=2.5, albumin=3.0), "ascites", "encephalopathy")
    doc = evaluate_answers(answers)  # 2 + 2 + 1 + (1..3) + (1..3) = 7..11
    assert criterion(doc, "child_pugh")["status"] == "unknown"
    assert doc["missing"] == ["ascites", "encephalopathy"]
    assert criterion(doc, "child_pugh")["reason"] == "Still to answer: Ascites; Hepatic encephalopathy."


def test_child_pugh_with_no_component_answered_asks_for_the_components_or_the_score(
        full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(without(full_answers(), *CHILD_PUGH_ITEMS))
    assert doc["missing"] == [*CHILD_PUGH_ITEMS, "child_pugh_score"]
    assert criterion(doc, "child_pugh")["reason"] == (
        "Still to answer: Total bilirubin; Albumin; INR; Ascites; Hepatic encephalopathy; or Child-Pugh score directly.")


def test_child_pugh_facts_name_the_score_and_every_component(full_answers, evaluate_answers, criterion):
    facts = criterion(evaluate_answers(full_answers()), "child_pugh")["facts"]
    assert set(facts) == {"total_bilirubin", "albumin", "inr", "ascites", "encephalopathy", "child_pugh_score"}


def test_creatinine_clearance_facts_include_the_inputs_of_its_inputs(full_answers, evaluate_answers, criterion):
    facts = criterion(evaluate_answers(full_answers()), "creatinine_clearance")["facts"]
    assert {"creatinine_clearance", "serum_creatinine", "weight", "sex", "age_years", "date_of_birth"} <= set(facts)


# Pregnancy test

def pregnancy(full_answers, **changes):
    return full_answers(sex="female", childbearing_potential=True, **changes)


def test_pregnancy_test_does_not_apply_without_childbearing_potential(full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(full_answers(sex="female", childbearing_potential=False))
    assert criterion(doc, "pregnancy_test")["status"] == "not_applicable"
    assert not {"pregnancy_test_result", "pregnancy_test_date"} & set(doc["missing"])
    assert doc["verdict"] == "eligible"


def test_positive_pregnancy_test_fails(full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(pregnancy(full_answers, pregnancy_test_result="positive", pregnancy_test_date="2026-06-10"))
    assert criterion(doc, "pregnancy_test")["status"] == "not_met"


@pytest.mark.parametrize("tested", ["2026-06-15", "2026-06-01", "2026-05-16"])
def test_negative_pregnancy_test_within_30_days_meets(full_answers, evaluate_answers, criterion, tested):
    doc = evaluate_answers(pregnancy(full_answers, pregnancy_test_result="negative", pregnancy_test_date=tested))
    assert criterion(doc, "pregnancy_test")["status"] == "met"
    assert doc["verdict"] == "eligible"


def test_negative_pregnancy_test_31_days_old_is_pending_and_asks_for_a_new_test(
        full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(pregnancy(full_answers, pregnancy_test_result="negative", pregnancy_test_date="2026-05-15"))
    assert criterion(doc, "pregnancy_test")["status"] == "unknown"
    assert "pregnancy_test_date" in doc["missing"]
    assert doc["verdict"] == "incomplete"


def test_pregnancy_test_not_done_is_pending(full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(pregnancy(full_answers, pregnancy_test_result="not_done"))
    assert criterion(doc, "pregnancy_test")["status"] == "unknown"
    assert "pregnancy_test_result" in doc["missing"]


def test_pregnancy_test_unanswered_asks_for_result_and_date(full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(pregnancy(full_answers))
    assert criterion(doc, "pregnancy_test")["status"] == "unknown"
    assert doc["missing"] == ["pregnancy_test_result", "pregnancy_test_date"]


def test_childbearing_potential_unanswered_is_asked_before_the_test(full_answers, evaluate_answers):
    doc = evaluate_answers(without(full_answers(sex="female"), "childbearing_potential"))
    assert doc["missing"] == ["childbearing_potential", "pregnancy_test_result", "pregnancy_test_date"]


@pytest.mark.parametrize("tested", [
    pytest.param("2026-05-15", id="31 days before"),
    pytest.param("2026-06-16", id="after the assessment date"),
])
def test_a_positive_pregnancy_test_outside_the_window_asks_for_a_new_test_and_never_fails(
        full_answers, evaluate_answers, criterion, tested):
    doc = evaluate_answers(pregnancy(full_answers, pregnancy_test_result="positive", pregnancy_test_date=tested))
    assert criterion(doc, "pregnancy_test")["status"] == "unknown"
    assert "do or repeat the pregnancy test (a test done on or after 2026-05-16 counts)" in \
        criterion(doc, "pregnancy_test")["reason"]


def test_a_negative_pregnancy_test_dated_after_the_assessment_date_is_outside_the_window(
        full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(pregnancy(full_answers, pregnancy_test_result="negative", pregnancy_test_date="2026-06-16"))
    assert criterion(doc, "pregnancy_test")["status"] == "unknown"


# Not pregnant and not nursing: applies to everyone

@pytest.mark.parametrize("changes", [
    pytest.param({"sex": "female", "childbearing_potential": False}, id="no childbearing potential"),
    pytest.param({"sex": "male"}, id="sex male"),
    pytest.param({"sex": "female", "childbearing_potential": True, "pregnant": False}, id="pregnant: no"),
])
def test_a_positive_pregnancy_test_within_30_days_fails_not_pregnant_whatever_else_is_answered(
        full_answers, evaluate_answers, criterion, changes):
    doc = evaluate_answers(full_answers(pregnancy_test_result="positive", pregnancy_test_date="2026-05-16", **changes))
    assert criterion(doc, "not_pregnant_or_nursing")["status"] == "not_met"
    assert doc["verdict"] == "ineligible"


def test_pregnant_no_with_a_positive_test_within_30_days_is_a_contradiction_warning(full_answers, evaluate_answers):
    doc = evaluate_answers(pregnancy(full_answers, pregnant=False, pregnancy_test_result="positive",
                                     pregnancy_test_date="2026-06-10"))
    assert {"fact": "pregnant", "kind": "contradiction"} in [
        {"fact": warning["fact"], "kind": warning["kind"]} for warning in doc["warnings"]]


def test_a_positive_pregnancy_test_older_than_30_days_does_not_fail_not_pregnant(
        full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(pregnancy(full_answers, pregnancy_test_result="positive", pregnancy_test_date="2026-05-15"))
    assert criterion(doc, "not_pregnant_or_nursing")["status"] == "met"


# Sex recorded at birth male: no childbearing potential, not pregnant, not nursing unless answered

PREGNANCY_QUESTIONS = ("childbearing_potential", "pregnant", "nursing")


def test_sex_male_implies_the_pregnancy_questions_are_not_needed(full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(without(full_answers(sex="male"), *PREGNANCY_QUESTIONS))
    assert criterion(doc, "not_pregnant_or_nursing")["status"] == "met"
    assert criterion(doc, "pregnancy_test")["status"] == "not_applicable"
    assert not set(PREGNANCY_QUESTIONS) & set(doc["missing"])
    assert doc["verdict"] == "eligible"
    assert doc["warnings"] == []


def test_an_implied_answer_says_why_in_the_reason(full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(without(full_answers(sex="male"), *PREGNANCY_QUESTIONS))
    assert criterion(doc, "not_pregnant_or_nursing")["reason"] == (
        "Currently pregnant: no (sex recorded at birth: male); Currently nursing: no (sex recorded at birth: male).")


@pytest.mark.parametrize("fact", ["pregnant", "nursing"])
def test_sex_male_answered_pregnant_or_nursing_yes_fails_with_a_contradiction_warning(
        full_answers, evaluate_answers, criterion, fact):
    doc = evaluate_answers(without(full_answers(sex="male", **{fact: True}), "childbearing_potential"))
    assert criterion(doc, "not_pregnant_or_nursing")["status"] == "not_met"
    assert any(w["fact"] == fact and w["kind"] == "contradiction" for w in doc["warnings"])


def test_sex_male_answered_childbearing_potential_yes_requires_the_pregnancy_test(
        full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(full_answers(sex="male", childbearing_potential=True))
    assert criterion(doc, "pregnancy_test")["status"] == "unknown"
    assert doc["missing"] == ["pregnancy_test_result", "pregnancy_test_date"]
    assert any(w["fact"] == "childbearing_potential" and w["kind"] == "contradiction" for w in doc["warnings"])


def test_sex_female_implies_nothing_about_pregnancy(full_answers, evaluate_answers):
    doc = evaluate_answers(without(full_answers(sex="female"), *PREGNANCY_QUESTIONS))
    assert set(PREGNANCY_QUESTIONS) <= set(doc["missing"])


# Childbearing potential unanswered: decided when every answer to it gives the same outcome

@pytest.mark.parametrize("unanswered", [("childbearing_potential",), ("childbearing_potential", "sex")])
def test_a_negative_test_within_30_days_meets_whatever_the_childbearing_potential(
        full_answers, evaluate_answers, criterion, unanswered):
    answers = without(full_answers(sex="female", pregnancy_test_result="negative", pregnancy_test_date="2026-06-01"),
                      *unanswered)
    doc = evaluate_answers(answers)
    assert criterion(doc, "pregnancy_test")["status"] == "met"
    assert "childbearing_potential" not in doc["missing"]


def test_a_positive_test_within_30_days_makes_the_patient_ineligible_whatever_the_childbearing_potential(
        full_answers, evaluate_answers, criterion):
    answers = without(full_answers(sex="female", pregnancy_test_result="positive", pregnancy_test_date="2026-06-01"),
                      "childbearing_potential")
    doc = evaluate_answers(answers)
    assert criterion(doc, "not_pregnant_or_nursing")["status"] == "not_met"
    assert doc["verdict"] == "ineligible"


def test_an_old_negative_test_with_childbearing_potential_unanswered_stays_open(
        full_answers, evaluate_answers, criterion):
    answers = without(full_answers(sex="female", pregnancy_test_result="negative", pregnancy_test_date="2026-05-01"),
                      "childbearing_potential")
    doc = evaluate_answers(answers)
    assert criterion(doc, "pregnancy_test")["status"] == "unknown"
    assert "childbearing_potential" in doc["missing"]


# Deciding early: when every answer to an open choice gives the same status

@pytest.mark.parametrize("weight, status", [
    pytest.param(78, "met", id="82.3 male, 70.0 female: met"),
    pytest.param(26, "not_met", id="28.9 male, 24.6 female: not met"),
    pytest.param(27, "unknown", id="30 male, 25.5 female: open"),
])
def test_creatinine_clearance_with_sex_unanswered_is_decided_when_both_sexes_agree(
        full_answers, evaluate_answers, criterion, weight, status):
    answers = without(full_answers(age_years=60, weight=weight, serum_creatinine=1), "sex")
    doc = evaluate_answers(answers)
    assert criterion(doc, "creatinine_clearance")["status"] == status
    assert ("sex" in doc["missing"]) == (status == "unknown")


def test_an_early_decision_says_it_holds_whatever_the_answer(full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(without(full_answers(), "sex"))
    assert criterion(doc, "creatinine_clearance")["reason"].startswith("Whatever the answer to Sex recorded at birth: ")


# The calculated value decides

def test_a_typed_clearance_agreeing_within_tolerance_is_accepted_but_the_calculated_one_decides(
        full_answers, evaluate_answers, criterion):
    # (140 - 60) x 27 / (72 x 1) = 30 exactly; 30.3 is within 0.5 mL/min and on the same side of 30.
    doc = evaluate_answers(full_answers(age_years=60, weight=27, serum_creatinine=1, creatinine_clearance=30.3))
    assert doc["derived"]["creatinine_clearance"] == 30
    assert criterion(doc, "creatinine_clearance")["reason"].startswith(
        "Creatinine clearance 30 mL/min is at least 30 mL/min")
    assert [w["kind"] for w in doc["warnings"] if w["fact"] == "creatinine_clearance"] == ["calculated"]


def test_a_typed_value_fills_the_gap_while_its_inputs_are_missing(full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(without(full_answers(creatinine_clearance=45), "serum_creatinine"))
    assert criterion(doc, "creatinine_clearance")["reason"] == "Creatinine clearance 45 mL/min is at least 30 mL/min."
    assert doc["warnings"] == []


@pytest.mark.parametrize("typed, status", [(7, "met"), (8, "not_met")])
def test_a_typed_child_pugh_score_within_what_its_answered_parts_allow_decides(
        full_answers, evaluate_answers, criterion, typed, status):
    answers = without(full_answers(albumin=3.0, child_pugh_score=typed), "ascites")  # parts allow 6..8
    assert criterion(evaluate_answers(answers), "child_pugh")["status"] == status


# Implausible values: likely unit slips never decide

@pytest.mark.parametrize("changes, criterion_id, likely_unit", [
    pytest.param({"hemoglobin": 75}, "hemoglobin", "g/L", id="hemoglobin 75 g/dL: g/L?"),
    pytest.param({"platelets": 110}, "platelets", "× 10⁹/L", id="platelets 110 cells/mm3: 10^9/L?"),
    pytest.param({"total_bilirubin": 60}, "bilirubin", "µmol/L", id="bilirubin 60 mg/dL: umol/L? never not met"),
    pytest.param({"albumin": 38}, "child_pugh", "g/L", id="albumin 38 g/dL: g/L?"),
])
def test_an_implausible_value_leaves_its_criteria_open_and_says_the_likely_unit(
        full_answers, evaluate_answers, criterion, changes, criterion_id, likely_unit):
    doc = evaluate_answers(full_answers(**changes))
    (fact,) = changes
    assert criterion(doc, criterion_id)["status"] == "unknown"
    assert doc["verdict"] == "incomplete"
    (warning,) = doc["warnings"]
    assert (warning["fact"], warning["kind"]) == (fact, "implausible")
    assert f"did you mean {changes[fact]} {likely_unit}?" in warning["message"]


def test_an_implausible_value_is_still_to_answer(full_answers, evaluate_answers):
    assert evaluate_answers(full_answers(hemoglobin=75))["missing"] == ["hemoglobin"]


def test_a_derived_value_is_not_calculated_from_an_implausible_input(full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(full_answers(serum_creatinine={"value": 1, "unit": "umol/L"}))
    assert "creatinine_clearance" not in doc["derived"]
    assert criterion(doc, "creatinine_clearance")["status"] == "unknown"


def test_the_all_criteria_met_answers_have_no_warnings(full_answers, evaluate_answers):
    assert evaluate_answers(full_answers())["warnings"] == []


# Bleeding, only with atezolizumab + bevacizumab

@pytest.mark.parametrize("regimen", ["durvalumab_tremelimumab", "ipilimumab_nivolumab", "other"])
def test_recent_bleed_does_not_apply_without_bevacizumab(full_answers, evaluate_answers, criterion, regimen):
    doc = evaluate_answers(full_answers(planned_regimen=regimen, significant_bleed_within_6_months=True))
    assert criterion(doc, "no_recent_bleed_with_bevacizumab")["status"] == "not_applicable"
    assert doc["verdict"] == "eligible"


def test_recent_bleed_fails_with_atezolizumab_bevacizumab(full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(full_answers(significant_bleed_within_6_months=True))
    assert criterion(doc, "no_recent_bleed_with_bevacizumab")["status"] == "not_met"


@pytest.mark.parametrize("bled, status", [
    ("2026-06-01", "not_met"), ("2025-12-15", "not_met"), ("2025-12-14", "met"), ("2024-01-01", "met"),
])
def test_bleed_within_6_months_is_derived_from_its_date(full_answers, evaluate_answers, criterion, bled, status):
    answers = without(full_answers(last_significant_bleed_date=bled), "significant_bleed_within_6_months")
    assert criterion(evaluate_answers(answers), "no_recent_bleed_with_bevacizumab")["status"] == status


def test_bleed_reason_shows_the_date_it_was_derived_from(full_answers, evaluate_answers, criterion):
    answers = without(full_answers(last_significant_bleed_date="2026-06-01"), "significant_bleed_within_6_months")
    assert "2026-06-01" in criterion(evaluate_answers(answers), "no_recent_bleed_with_bevacizumab")["reason"]


def test_bleed_with_regimen_unanswered_asks_for_the_regimen(full_answers, evaluate_answers, criterion):
    answers = without(full_answers(significant_bleed_within_6_months=True), "planned_regimen")
    doc = evaluate_answers(answers)
    assert criterion(doc, "no_recent_bleed_with_bevacizumab")["status"] == "unknown"
    assert doc["missing"] == ["planned_regimen"]


def test_bleed_questions_are_not_missing_without_bevacizumab(full_answers, evaluate_answers):
    answers = without(full_answers(planned_regimen="other"), "significant_bleed_within_6_months")
    doc = evaluate_answers(answers)
    assert doc["missing"] == []
    assert doc["verdict"] == "eligible"


def test_no_recent_bleed_meets_with_the_regimen_unanswered(full_answers, evaluate_answers, criterion):
    answers = without(full_answers(last_significant_bleed_date="2025-12-14"),
                      "planned_regimen", "significant_bleed_within_6_months")
    doc = evaluate_answers(answers)
    assert criterion(doc, "no_recent_bleed_with_bevacizumab")["status"] == "met"
    assert "planned_regimen" not in doc["missing"]


# Immunostimulatory agents: washout derived

@pytest.mark.parametrize("last_dose, half_life, status", [
    ("2026-06-05", 1, "not_met"),    # 10 days ago, inside 4 weeks
    ("2026-05-18", 1, "not_met"),    # 28 days ago
    ("2026-05-17", 1, "met"),        # 29 days ago
    ("2026-05-06", 10, "not_met"),   # 40 days ago, inside 5 x 10 days
    ("2026-04-26", 10, "not_met"),   # 50 days ago: the last day of 5 x 10 days
    ("2026-04-25", 10, "met"),       # 51 days ago
    ("2026-05-17", 5.7, "not_met"),  # 29 days ago: 5 x 5.7 = 28.5, rounded up to 29 days
    ("2026-05-16", 5.7, "met"),      # 30 days ago
    ("2026-05-16", 6, "not_met"),    # 30 days ago: 5 x 6 = 30 days
    ("2026-05-15", 6, "met"),        # 31 days ago
])
def test_immunostimulatory_agent_is_derived_from_last_dose_and_half_life(
        full_answers, evaluate_answers, criterion, last_dose, half_life, status):
    answers = without(full_answers(immunostimulatory_last_dose_date=last_dose,
                                   immunostimulatory_half_life_days=half_life),
                      "recent_immunostimulatory_agent")
    assert criterion(evaluate_answers(answers), "no_recent_immunostimulatory_agent")["status"] == status


def test_immunostimulatory_dose_after_four_weeks_asks_for_the_half_life(full_answers, evaluate_answers, criterion):
    answers = without(full_answers(immunostimulatory_last_dose_date="2026-05-06"), "recent_immunostimulatory_agent")
    doc = evaluate_answers(answers)
    assert criterion(doc, "no_recent_immunostimulatory_agent")["status"] == "unknown"
    assert "immunostimulatory_half_life_days" in doc["missing"]


# Step 2: coverage

def test_coverage_pending_leaves_step_2_incomplete(full_answers, evaluate_answers):
    doc = evaluate_answers(full_answers(coverage_both_arms="pending"))
    assert doc["steps"] == {"registration": "eligible", "randomization": "incomplete"}
    assert doc["verdict"] == "incomplete"
    assert doc["missing"] == ["coverage_both_arms"]


def test_coverage_denied_is_ineligible_at_step_2(full_answers, evaluate_answers):
    doc = evaluate_answers(full_answers(coverage_both_arms="denied"))
    assert doc["steps"] == {"registration": "eligible", "randomization": "ineligible"}
    assert doc["verdict"] == "ineligible"


# Extrahepatic disease

@pytest.mark.parametrize("extrahepatic", [True, False, None])
def test_extrahepatic_disease_never_excludes(full_answers, evaluate_answers, extrahepatic):
    answers = full_answers(extrahepatic_disease=extrahepatic)
    if extrahepatic is None:
        without(answers, "extrahepatic_disease")
    doc = evaluate_answers(answers)
    assert doc["verdict"] == "eligible"
    assert "extrahepatic_disease" not in doc["missing"]
    assert all("extrahepatic_disease" not in c["facts"] for c in doc["criteria"])


# Missing: checklist order, and only what open criteria need

def test_missing_with_nothing_answered_lists_every_question_in_checklist_order(evaluate_answers, trial):
    doc = evaluate_answers({"assessment_date": "2026-06-15"})
    asked = [fact for section in trial.rules["sections"] for fact in section["questions"]]
    assert doc["missing"] == [fact for fact in asked if fact in doc["missing"]]
    assert doc["missing"][0] == "hcc_diagnosis"
    assert doc["missing"][-1] == "coverage_both_arms"
    assert "extrahepatic_disease" not in doc["missing"]


def test_missing_keeps_checklist_order_across_criteria(full_answers, evaluate_answers):
    answers = without(full_answers(), "coverage_both_arms", "ecog", "platelets", "hcc_variant")
    assert evaluate_answers(answers)["missing"] == ["hcc_variant", "platelets", "ecog", "coverage_both_arms"]


def test_missing_leaves_out_facts_of_decided_criteria(full_answers, evaluate_answers):
    # Platelets fail; anc is still open. Neither a decided criterion's facts nor a derived one's
    # alternatives are asked for.
    answers = without(full_answers(platelets=45000), "anc")
    assert evaluate_answers(answers)["missing"] == ["anc"]


# Reasons

@pytest.mark.parametrize("changes, unanswered, criterion_id, reason", [
    ({"platelets": 45000}, (), "platelets", "Platelets 45,000 cells/mm³ is below 60,000 cells/mm³."),
    ({"platelets": 110000}, (), "platelets", "Platelets 110,000 cells/mm³ is at least 60,000 cells/mm³."),
    ({"anc": 1200}, (), "anc", "Absolute neutrophil count (ANC) 1,200 cells/mm³ is below 1,500 cells/mm³."),
    ({"hemoglobin": 7.5}, (), "hemoglobin", "Hemoglobin 7.5 g/dL is below 8 g/dL."),
    ({"intrahepatic_sum_diameter": 20}, (), "intrahepatic_sum_diameter",
     "Summed diameter of intrahepatic HCC 20 cm is not below 20 cm."),
    ({"intrahepatic_lesion_count": 6}, (), "intrahepatic_lesion_count",
     "Number of discrete intrahepatic HCC foci 6 is above 5."),
    ({"ecog": 3}, (), "ecog", "ECOG performance status 3 is above 2."),
    ({"age_years": 17}, (), "age", "Age 17 years is below 18 years."),
    ({"creatinine_clearance": 25}, ("serum_creatinine",), "creatinine_clearance",
     "Creatinine clearance 25 mL/min is below 30 mL/min."),
    ({"ast": 300}, (), "transaminases", "AST 300 U/L is above 6 × ULN 40 U/L = 240 U/L."),
    ({"ast": 240}, (), "transaminases",
     "AST 240 U/L is at most 6 × ULN 40 U/L = 240 U/L; ALT 70 U/L is at most 6 × ULN 45 U/L = 270 U/L."),
    ({"total_bilirubin": 4.8}, (), "bilirubin", "Total bilirubin 4.8 mg/dL is not below 4 × ULN 1.2 mg/dL = 4.8 mg/dL."),
    ({"coverage_both_arms": "confirmed"}, (), "coverage_both_arms", "Payment coverage for both arms: confirmed."),
])
def test_reason_states_the_value_and_the_limit_each_with_its_unit(
        full_answers, evaluate_answers, criterion, changes, unanswered, criterion_id, reason):
    doc = evaluate_answers(without(full_answers(**changes), *unanswered))
    assert criterion(doc, criterion_id)["reason"] == reason


@pytest.mark.parametrize("changes, criterion_id, reason", [
    ({"platelets": {"value": 45, "unit": "10^9/L"}}, "platelets", "Platelets 45 × 10⁹/L is below 60 × 10⁹/L."),
    ({"hemoglobin": {"value": 75, "unit": "g/L"}}, "hemoglobin", "Hemoglobin 75 g/L is below 80 g/L."),
    ({"intrahepatic_sum_diameter": {"value": 200, "unit": "mm"}}, "intrahepatic_sum_diameter",
     "Summed diameter of intrahepatic HCC 200 mm is not below 200 mm."),
    ({"total_bilirubin": {"value": 84, "unit": "umol/L"}, "bilirubin_uln": {"value": 21, "unit": "umol/L"}},
     "bilirubin", "Total bilirubin 84 µmol/L is not below 4 × ULN 21 µmol/L = 84 µmol/L."),
    # Each value in the unit it was entered in; the limit in the unit of the value it is compared with.
    ({"total_bilirubin": {"value": 84, "unit": "umol/L"}}, "bilirubin",
     "Total bilirubin 84 µmol/L is not below 4 × ULN 1.2 mg/dL = 82.08 µmol/L."),
    ({"total_bilirubin": 4.8, "bilirubin_uln": {"value": 20.52, "unit": "umol/L"}}, "bilirubin",
     "Total bilirubin 4.8 mg/dL is not below 4 × ULN 20.52 µmol/L = 4.8 mg/dL."),
])
def test_reason_speaks_in_the_unit_the_value_was_entered_in(full_answers, evaluate_answers, criterion,
                                                            changes, criterion_id, reason):
    assert criterion(evaluate_answers(full_answers(**changes)), criterion_id)["reason"] == reason


@pytest.mark.parametrize("changes, criterion_id, reason", [
    ({"sex": "female", "childbearing_potential": False}, "pregnancy_test",
     "Does not apply: only for persons of childbearing potential (Childbearing potential: no)."),
    ({"planned_regimen": "other"}, "no_recent_bleed_with_bevacizumab",
     "Does not apply: only for patients to be treated with atezolizumab + bevacizumab "
     "(Planned immunotherapy regimen: other)."),
])
def test_a_criterion_that_does_not_apply_says_for_whom_it_is_and_the_answer(
        full_answers, evaluate_answers, criterion, changes, criterion_id, reason):
    entry = criterion(evaluate_answers(full_answers(**changes)), criterion_id)
    assert (entry["status"], entry["reason"]) == ("not_applicable", reason)


@pytest.mark.parametrize("unanswered, criterion_id, reason", [
    (("age_years",), "age", "Still to answer: Date of birth or Age."),
    (("age_years", "weight", "serum_creatinine", "sex"), "creatinine_clearance",
     "Still to answer: Date of birth or Age; Weight; Serum creatinine; Sex recorded at birth; "
     "or Creatinine clearance directly."),
    (("alt",), "transaminases", "Still to answer: ALT."),
])
def test_an_open_criterion_says_what_is_still_to_answer_an_alternative_once(
        full_answers, evaluate_answers, criterion, unanswered, criterion_id, reason):
    entry = criterion(evaluate_answers(without(full_answers(), *unanswered)), criterion_id)
    assert (entry["status"], entry["reason"]) == ("unknown", reason)


def test_child_pugh_reason_shows_the_score_and_its_points(full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(full_answers(total_bilirubin=2.5, albumin=3.0, ascites="mild"))
    reason = criterion(doc, "child_pugh")["reason"]
    assert reason.startswith("Child-Pugh score 8 points")
    assert "bilirubin 2" in reason and "albumin 2" in reason and "ascites 2" in reason


def test_creatinine_clearance_reason_shows_the_calculation(full_answers, evaluate_answers, criterion):
    reason = criterion(evaluate_answers(full_answers()), "creatinine_clearance")["reason"]
    assert reason == ("Creatinine clearance 82.33 mL/min is at least 30 mL/min "
                      "(Cockcroft-Gault: (140 − 64) × 78 kg / (72 × 1 mg/dL)).")


@pytest.mark.parametrize("changes", [
    {}, {"platelets": 1000, "ecog": 4, "hcc_diagnosis": "neither", "coverage_both_arms": "denied"},
    {"childbearing_potential": True, "pregnancy_test_result": "positive", "planned_regimen": "other"},
])
def test_every_decided_criterion_has_a_sentence_for_a_reason(full_answers, evaluate_answers, changes):
    for entry in evaluate_answers(full_answers(**changes))["criteria"]:
        if entry["status"] != "unknown":
            assert len(entry["reason"]) > 10 and entry["reason"].endswith("."), entry
