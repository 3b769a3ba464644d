"""Labs in from a health record: a FHIR R4 Bundle's Observations proposed as answers for the
questions coded with their LOINC codes, each with its source and date, kept only once the clinician
ticks it. Written as a record system exports them: several results per test on different days, SI
and conventional units, a result without a reference range, codes the trial does not ask, a unit
that cannot be mapped, a preliminary result, and a file that is no Bundle at all."""
from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys

import pytest

from checklist.documents.fhir import NotARecord, proposals
from support import ROOT
from test_registration_window import helio
from test_summary import Export

ASSESSED = dt.date(2026, 12, 4)


def observation(id_, loinc, value, unit, day, *, ucum=None, status="final", high=None):
    resource = {"resourceType": "Observation", "id": id_, "status": status,
                "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
                "subject": {"reference": "Patient/p1"}, "effectiveDateTime": f"{day}T08:30:00Z",
                "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org",
                                  "code": ucum or unit}}
    if high is not None:
        resource["referenceRange"] = [{"high": {"value": high, "unit": unit, "system": "http://unitsofmeasure.org",
                                                "code": ucum or unit}}]
    return resource


def bundle(*resources):
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": resource} for resource in resources]}


RECORD = bundle(
    observation("plt-old", "777-3", 95, "10*9/L", "2026-11-01"),
    observation("plt-new", "777-3", 142, "10*9/L", "2026-11-30"),
    observation("plt-later", "777-3", 40, "10*9/L", "2026-12-10"),  # after the assessment date
    observation("hb", "718-7", 118, "g/L", "2026-11-30"),
    observation("crea", "2160-0", 88, "umol/L", "2026-11-30"),
    observation("bili", "1975-2", 1.1, "mg/dL", "2026-11-30", high=1.2),
    observation("ast", "1920-8", 85, "U/L", "2026-11-30"),  # no reference range
    observation("alt", "1742-6", 70, "U/L", "2026-11-30", high=45),
    observation("wbc", "6690-2", 6.1, "10*9/L", "2026-11-30"),  # a test the trial does not ask
    observation("anc", "751-8", 2.4, "10*3/uL", "2026-11-30"),  # a unit the question does not take
    observation("inr", "6301-6", 1.2, "{INR}", "2026-11-29", status="preliminary"),
    {"resourceType": "Patient", "id": "p1"},
)


@pytest.fixture(scope="module")
def found(trial):
    values, skipped = proposals(trial, RECORD, ASSESSED)
    return {proposal.fact: proposal for proposal in values}, skipped


def test_the_latest_result_on_or_before_the_assessment_date_is_proposed(found):
    platelets = found[0]["platelets"]
    assert (platelets.value, platelets.source, platelets.date) == ({"value": 142, "unit": "10^9/L"}, "Observation/plt-new", "2026-11-30")


def test_a_result_after_the_assessment_date_is_left_out_with_the_reason(found):
    assert any("Observation/plt-later" in reason and "not on or before the assessment date 2026-12-04" in reason
               for reason in found[1])


def test_si_units_are_kept_as_given(found):
    assert found[0]["hemoglobin"].value == {"value": 118, "unit": "g/L"}
    assert found[0]["serum_creatinine"].value == {"value": 88, "unit": "umol/L"}


def test_the_upper_limit_of_the_reference_range_is_proposed_as_the_uln(found):
    uln = found[0]["alt_uln"]
    assert (uln.value, uln.source, uln.note) == (45, "Observation/alt", "the upper limit of its reference range")
    assert found[0]["bilirubin_uln"].value == {"value": 1.2, "unit": "mg/dL"}


def test_without_a_reference_range_no_uln_is_proposed_and_the_page_says_to_enter_it(found):
    assert "ast_uln" not in found[0] and found[0]["ast"].value == 85
    assert any("Observation/ast" in reason and "no reference range" in reason for reason in found[1])


def test_a_unit_that_cannot_be_mapped_is_refused_not_guessed(found):
    assert "anc" not in found[0]
    assert any("Observation/anc" in reason and "'10*3/uL' cannot be mapped" in reason for reason in found[1])


def test_a_preliminary_result_is_left_out(found):
    assert "inr" not in found[0]
    assert any("Observation/inr" in reason and "status preliminary" in reason for reason in found[1])


def test_a_code_the_trial_does_not_ask_is_ignored(found):
    assert not any("wbc" in reason for reason in found[1]) and "Observation/wbc" not in {p.source for p in found[0].values()}


@pytest.mark.parametrize("document, message", [
    ({"resourceType": "Patient", "id": "x"}, "neither a FHIR Bundle nor a list of Observations"),
    ({"resourceType": "Bundle", "type": "not-a-type", "entry": "none"}, "Not a valid FHIR Bundle"),
    ([{"resourceType": "Observation", "status": "final"}], "Not a valid FHIR Observation"),
])
def test_a_malformed_record_gets_a_clear_error(trial, document, message):
    with pytest.raises(NotARecord, match=message):
        proposals(trial, document, ASSESSED)


# Through the checklist ------------------------------------------------------------------------------------

@pytest.fixture
def site(tmp_path):
    return Export(tmp_path / "data")


def read(site, draft, document):
    data = {"csrf_token": site.actions.token, "record": (io.BytesIO(json.dumps(document).encode()), "record.json")}
    return site.client.post(f"{draft}/record", data=data, content_type="multipart/form-data")


def started(site) -> str:
    answers = {fact: value for fact, value in helio().items()
               if fact not in ("platelets", "hemoglobin", "alt_uln", "alt", "anc")}
    return site.draft(answers)


def test_reading_a_record_shows_every_value_with_its_source_and_saves_nothing(site):
    draft = started(site)
    before = site.actions.saved(draft)
    page = read(site, draft, RECORD)
    assert page.status_code == 200
    assert "Observation/plt-new" in page.text and "2026-11-30" in page.text and "142 × 10⁹/L" in page.text
    assert "the upper limit of its reference range" in page.text
    assert site.actions.saved(draft) == before


def test_only_the_ticked_values_are_kept_each_with_its_observation_in_the_history(site):
    draft = started(site)
    accepted = site.client.post(f"{draft}/record/accept", data={
        "csrf_token": site.actions.token, "take": ["platelets", "alt_uln"],
        "value-platelets": json.dumps({"value": 142, "unit": "10^9/L"}), "source-platelets": "Observation/plt-new of 2026-11-30",
        "value-alt_uln": "45", "source-alt_uln": "Observation/alt of 2026-11-30, the upper limit of its reference range",
        "value-hemoglobin": json.dumps({"value": 118, "unit": "g/L"}), "source-hemoglobin": "Observation/hb of 2026-11-30"})
    assert accepted.status_code == 303
    saved = site.actions.saved(draft)
    assert (saved["platelets"], saved["alt_uln"]) == (142000, 45) and "hemoglobin" not in saved
    history = site.client.get(f"{draft}/history?all=1").text
    assert "imported from Observation/plt-new of 2026-11-30" in history


def test_a_malformed_record_changes_nothing_and_says_why(site):
    draft = started(site)
    before = site.actions.saved(draft)
    page = read(site, draft, {"resourceType": "Bundle", "type": "not-a-type", "entry": "none"})
    assert page.status_code == 422 and "Not a valid FHIR Bundle" in page.text and "Nothing was saved" in page.text
    assert site.actions.saved(draft) == before


def test_checklist_evaluate_fhir_fills_what_the_answers_leave_unanswered(tmp_path):
    answers = {fact: value for fact, value in helio().items() if fact not in ("platelets", "hemoglobin")}
    answers["hemoglobin"] = 13.0  # typed: the record's 118 g/L does not replace it
    (tmp_path / "answers.json").write_text(json.dumps(answers), encoding="utf-8")
    (tmp_path / "record.json").write_text(json.dumps(RECORD), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "checklist", "evaluate", "--fhir", str(tmp_path / "record.json"),
                           str(tmp_path / "answers.json")], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "from Observation/plt-new of 2026-11-30: Platelets 142 10^9/L" in done.stderr
    criteria = {c["id"]: c for c in json.loads(done.stdout)["criteria"]}
    assert criteria["platelets"]["status"] == "met" and "142" in criteria["platelets"]["reason"]
    assert "13" in criteria["hemoglobin"]["reason"]


def test_checklist_evaluate_refuses_a_malformed_record_with_exit_2(tmp_path):
    (tmp_path / "answers.json").write_text("{}", encoding="utf-8")
    (tmp_path / "record.json").write_text(json.dumps({"resourceType": "Patient"}), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "checklist", "evaluate", "--fhir", str(tmp_path / "record.json"),
                           str(tmp_path / "answers.json")], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and "neither a FHIR Bundle" in done.stderr and done.stdout == ""


def test_a_tampered_value_is_refused_and_nothing_is_saved(site):
    draft = started(site)
    before = site.actions.saved(draft)
    response = site.client.post(f"{draft}/record/accept", data={
        "csrf_token": site.actions.token, "take": ["platelets", "hemoglobin"],
        "value-platelets": "{not json", "value-hemoglobin": json.dumps({"value": 118, "unit": "g/L"})})
    assert response.status_code == 422 and "Nothing was saved" in response.text
    assert site.actions.saved(draft) == before


def test_a_result_coded_in_the_wrong_unit_is_kept_as_given_and_flagged_as_a_likely_slip(site):
    """142 coded /mm3 (it was 142 × 10⁹/L): the unit is one the question takes, so it is proposed as
    the record says; once kept, it counts for nothing until checked, as a typed slip does."""
    draft = started(site)
    slip = bundle(observation("plt-slip", "777-3", 142, "/mm3", "2026-11-30"))
    assert "142 cells/mm³" in read(site, draft, slip).text
    site.client.post(f"{draft}/record/accept", data={
        "csrf_token": site.actions.token, "take": ["platelets"],
        "value-platelets": json.dumps({"value": 142, "unit": "cells/mm3"}), "source-platelets": "Observation/plt-slip"})
    page = site.client.get(draft).text
    assert "did you mean 142 × 10⁹/L?" in page
    platelets = next(c for c in site.actions.evaluation(draft)["criteria"] if c["id"] == "platelets")
    assert platelets["status"] == "unknown"
