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
    pytest.param({"value": 34.1, "unit": "umol/L"}, 5, id="34.1 umol/L: 1 point"),
    pytest.param({"value": 34.2, "unit": "umol/L"}, 6, id="34.2 umol/L is 2 mg/dL: 2 points"),
    pytest.param({"value": 51.3, "unit": "umol/L"}, 6, id="51.3 umol/L is 3 mg/dL: 2 points"),
    pytest.param({"value": 51.4, "unit": "umol/L"}, 7, id="51.4 umol/L: 3 points"),
])
def test_bilirubin_in_umol_per_litre_scores_child_pugh_points_at_the_edges(
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
    doc = evaluate_answers(without(full_answers(nursing=True), "pregnant"))
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


def test_child_pugh_undecided_asks_for_its_unanswered_components_or_the_score(
        full_answers, evaluate_answers, criterion):
    answers = without(full_answers(total_bilirubin=2.5, albumin=3.0), "ascites", "encephalopathy")
    doc = evaluate_answers(answers)  # 2 + 2 + 1 + (1..3) + (1..3) = 7..11
    assert criterion(doc, "child_pugh")["status"] == "unknown"
    assert doc["missing"] == ["ascites", "encephalopathy", "child_pugh_score"]


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
    doc = evaluate_answers(full_answers(childbearing_potential=False))
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
    doc = evaluate_answers(without(full_answers(), "childbearing_potential"))
    assert doc["missing"][0] == "childbearing_potential"


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


# Immunostimulatory agents: washout derived

@pytest.mark.parametrize("last_dose, half_life, status", [
    ("2026-06-05", 1, "not_met"),    # 10 days ago, inside 4 weeks
    ("2026-05-18", 1, "not_met"),    # 28 days ago
    ("2026-05-17", 1, "met"),        # 29 days ago
    ("2026-05-06", 10, "not_met"),   # 40 days ago, inside 5 x 10 days
    ("2026-04-26", 10, "not_met"),   # 50 days ago: the last day of 5 x 10 days
    ("2026-04-25", 10, "met"),       # 51 days ago
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
    ({"platelets": 45000}, (), "platelets", "Platelets 45,000 cells/mm3 is below 60,000."),
    ({"platelets": {"value": 45, "unit": "10^9/L"}}, (), "platelets", "Platelets 45,000 cells/mm3 is below 60,000."),
    ({"platelets": 110000}, (), "platelets", "Platelets 110,000 cells/mm3 is at least 60,000."),
    ({"anc": 1200}, (), "anc", "Absolute neutrophil count (ANC) 1,200 cells/mm3 is below 1,500."),
    ({"hemoglobin": 7.5}, (), "hemoglobin", "Hemoglobin 7.5 g/dL is below 8."),
    ({"intrahepatic_sum_diameter": 20}, (), "intrahepatic_sum_diameter",
     "Summed diameter of intrahepatic HCC 20 cm is at least 20."),
    ({"ecog": 3}, (), "ecog", "ECOG performance status 3 is above 2."),
    ({"age_years": 17}, (), "age", "Age 17 years is below 18."),
    ({"creatinine_clearance": 25}, ("serum_creatinine",), "creatinine_clearance",
     "Creatinine clearance 25 mL/min is below 30."),
    ({"ast": 300}, (), "transaminases", "AST 300 U/L is above 6 x AST upper limit of normal 40 U/L."),
    ({"coverage_both_arms": "confirmed"}, (), "coverage_both_arms", "Payment coverage for both arms: confirmed."),
])
def test_reason_states_the_value_with_its_unit_and_the_limit(
        full_answers, evaluate_answers, criterion, changes, unanswered, criterion_id, reason):
    doc = evaluate_answers(without(full_answers(**changes), *unanswered))
    assert criterion(doc, criterion_id)["reason"] == reason


def test_child_pugh_reason_shows_the_score_and_its_points(full_answers, evaluate_answers, criterion):
    doc = evaluate_answers(full_answers(total_bilirubin=2.5, albumin=3.0, ascites="mild"))
    reason = criterion(doc, "child_pugh")["reason"]
    assert reason.startswith("Child-Pugh score 8 points")
    assert "bilirubin 2" in reason and "albumin 2" in reason and "ascites 2" in reason


def test_creatinine_clearance_reason_shows_the_calculation(full_answers, evaluate_answers, criterion):
    reason = criterion(evaluate_answers(full_answers()), "creatinine_clearance")["reason"]
    assert "82.33 mL/min" in reason and "78 kg" in reason and "is at least 30" in reason


@pytest.mark.parametrize("changes", [
    {}, {"platelets": 1000, "ecog": 4, "hcc_diagnosis": "neither", "coverage_both_arms": "denied"},
    {"childbearing_potential": True, "pregnancy_test_result": "positive", "planned_regimen": "other"},
])
def test_every_decided_criterion_has_a_sentence_for_a_reason(full_answers, evaluate_answers, changes):
    for entry in evaluate_answers(full_answers(**changes))["criteria"]:
        if entry["status"] != "unknown":
            assert len(entry["reason"]) > 10 and entry["reason"].endswith("."), entry
