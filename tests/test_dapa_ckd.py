"""DAPA-CKD's albuminuria criterion as a coordinator would try it: UACR 200 mg/g at the limit in
mg/g and in mg/mmol (200 mg/g is 22.62 mg/mmol), a typed UACR that disagrees with the one its
urine sample gives, and the unit a site working in SI units is offered first; in the engine and
through the checklist's form."""
from __future__ import annotations

import json

import pytest

from checklist import create_app
from checklist.domain.answers import validate
from checklist.domain.engine import evaluate
from checklist.domain.rules import load_trial
from support import TODAY, TRIALS, Actions

RULES, VIGNETTES = TRIALS["dapa-ckd"]
ELIGIBLE = json.loads((VIGNETTES / "01-all-criteria-met.json").read_text(encoding="utf-8"))["answers"]


@pytest.fixture(scope="module")
def dapa():
    return load_trial(RULES)


def judged(trial, **changes):
    answers = {fact: value for fact, value in {**ELIGIBLE, **changes}.items() if value is not None}
    facts, errors = validate(trial, answers, TODAY)
    if errors:
        return errors, None, None
    document = evaluate(trial, facts, TODAY)
    return {}, next(c for c in document["criteria"] if c["id"] == "uacr"), document


@pytest.mark.parametrize("uacr, status", [
    (200, "met"), (199.99, "not_met"), (5000, "met"), (5000.01, "not_met"),
    ({"value": 22.63, "unit": "mg/mmol"}, "met"),  # 200.05 mg/g
    ({"value": 22.62, "unit": "mg/mmol"}, "not_met"),  # 199.96 mg/g
    ({"value": 565.6, "unit": "mg/mmol"}, "met"),  # 4999.9 mg/g
    ({"value": 565.7, "unit": "mg/mmol"}, "not_met"),  # 5000.8 mg/g
])
def test_uacr_is_judged_at_both_ends_in_both_units(dapa, uacr, status):
    errors, criterion, _document = judged(dapa, uacr=uacr)
    assert not errors and criterion["status"] == status


def test_a_uacr_calculated_at_the_limit_from_its_sample_in_si_units_is_met(dapa):
    # 200 mg/g: albumin 226.24 mg/L over creatinine 10 mmol/L (1.1312 g/L)
    errors, criterion, document = judged(dapa, uacr=None, urine_albumin=226.24,
                                         urine_creatinine={"value": 10, "unit": "mmol/L"})
    assert not errors and criterion["status"] == "met" and document["derived"]["uacr"] == 200


def test_a_typed_uacr_across_the_limit_from_the_calculated_one_is_refused(dapa):
    errors, *_ = judged(dapa, uacr=190, urine_albumin=300, urine_creatinine=1.2)  # the sample gives 250
    assert "uacr" in errors


def test_a_typed_uacr_far_from_the_calculated_one_is_refused_even_on_the_same_side(dapa):
    errors, *_ = judged(dapa, uacr=900, urine_albumin=300, urine_creatinine=1.2)
    assert "contradicts the value 250 mg/g" in errors["uacr"]


def test_a_typed_uacr_within_its_tolerance_is_flagged_and_the_calculated_one_decides(dapa):
    errors, criterion, document = judged(dapa, uacr=250.5, urine_albumin=300, urine_creatinine=1.2)
    assert not errors and criterion["status"] == "met" and document["derived"]["uacr"] == 250
    assert any(warning["fact"] == "uacr" for warning in document["warnings"])


def test_a_site_in_si_units_is_offered_mg_per_mmol_first(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "test", "RULES_FILES": [str(RULES)],
                      "UNIT_SYSTEM": "si"})
    client = app.test_client()
    actions = Actions(client)
    page = client.get(actions.new_draft()).text
    assert '<option value="mg/mmol" selected' in page


def test_uacr_at_the_limit_in_mg_per_mmol_through_the_form(tmp_path):
    client = create_app({"DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "test",
                         "RULES_FILES": [str(RULES)]}).test_client()
    actions = Actions(client)
    draft = actions.new_draft()
    assert actions.answer(draft, uacr="22.62", uacr_unit="mg/mmol").status_code == 200
    uacr = next(c for c in actions.evaluation(draft)["criteria"] if c["id"] == "uacr")
    assert uacr["status"] == "not_met" and "22.62 mg/mmol" in uacr["reason"]
