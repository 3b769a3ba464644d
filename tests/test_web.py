"""The checklist over HTTP: drafts, answers, fragments, refusals, the JSON views."""
from __future__ import annotations

import json
import re

import pytest
from werkzeug.datastructures import MultiDict

from checklist import create_app
from checklist.domain.view import form_fields
from support import TRIALS, Actions


def test_posting_drafts_creates_one_and_answers_303_to_its_checklist(client, actions):
    response = client.post("/drafts", data={"csrf_token": actions.token})
    assert response.status_code == 303
    assert re.fullmatch(r"/drafts/[0-9a-f]{32}", response.location)
    assert client.get(response.location).status_code == 200


def test_every_page_carries_its_csrf_token_in_a_meta_tag(client, actions):
    for path in ("/", actions.new_draft()):
        page = client.get(path).text
        assert re.search(r'<meta name="csrf-token" content="[^"]+">', page)


def test_every_fact_is_an_input_named_by_its_id_with_unit_choosers(client, actions, trial):
    page = client.get(actions.new_draft()).text
    for fact, question in trial.questions.items():
        assert f'name="{fact}"' in page, fact
        if len(question.get("units", {})) > 1:
            assert f'name="{fact}_unit"' in page, fact


def test_a_new_checklist_is_incomplete(client, actions):
    page = client.get(actions.new_draft()).text
    assert re.search(r'id="verdict"[^>]*data-verdict="incomplete"', page)


def test_an_htmx_answer_returns_the_verdict_as_a_fragment(client, actions):
    draft = actions.new_draft()
    response = actions.answer(draft, platelets="45000")
    assert response.status_code == 200
    assert "<html" not in response.text
    assert re.search(r'id="verdict"[^>]*data-verdict="ineligible"', response.text)
    assert "Platelets 45,000 cells/mm³ is below 60,000 cells/mm³." in response.text


def test_an_answer_swaps_only_the_fragments_whose_content_changed(client, actions):
    draft = actions.new_draft()
    shown = actions.answer(draft, childbearing_potential="true").text
    hidden = actions.answer(draft, childbearing_potential="false").text
    swapped = set(re.findall(r'id="(q-[a-z_]+)"[^>]*hx-swap-oob', hidden))
    assert swapped == {"q-pregnancy_test_result", "q-pregnancy_test_date"}
    assert re.search(r'id="q-pregnancy_test_result"[^>]*hidden', hidden)
    assert not re.search(r'id="q-pregnancy_test_result"[^>]*hidden', shown)


def test_a_calculated_value_appears_as_soon_as_its_last_input_is_answered(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, total_bilirubin="1.1", albumin="3.8", inr="1.2", ascites="none")
    response = actions.answer(draft, encephalopathy="none")
    swapped = re.search(r'id="(?:q|notes)-child_pugh_score"[^>]*hx-swap-oob="true".*?(?=<div id=|\Z)',
                        response.text, re.S)
    assert swapped and "5 points (bilirubin 1, albumin 1, INR 1, ascites 1, encephalopathy 1 points)" in swapped.group(0)


def test_a_calculated_value_is_shown_in_place_of_its_input(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, total_bilirubin="1.1", albumin="3.8", inr="1.2", ascites="none", encephalopathy="none")
    assert re.search(r'id="q-child_pugh_score".*?<span class="badge">Calculated</span> <span data-part="text">5 points \(bilirubin 1,',
                     client.get(draft).text, re.S)


def test_a_value_calculated_from_a_calculated_value_is_shown_once_that_one_is_calculated(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, total_bilirubin="1.1", albumin="3.8", inr="1.2", ascites="none", encephalopathy="none")
    notes = re.search(r'id="notes-child_pugh_score".*?</div>', client.get(draft).text, re.S).group(0)
    assert "Child-Pugh class: A" in notes


def test_a_score_says_its_range_so_far_only_once_one_of_its_parts_is_answered(client, actions):
    draft = actions.new_draft()
    notes = lambda: re.search(r'id="notes-child_pugh_score".*?</div>', client.get(draft).text, re.S).group(0)
    assert "Calculated so far" not in notes()
    actions.answer(draft, child_pugh_score="8")  # typed, with none of its parts: the typed value decides
    assert "Calculated so far" not in notes() and "Child-Pugh class: B" in notes()
    actions.answer(draft, child_pugh_score="", ascites="mild")
    assert "Calculated so far: between 6 and 14 points" in notes()


def test_an_invalid_value_is_refused_with_422_and_a_message_next_to_its_question(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, platelets="110000")
    response = actions.answer(draft, platelets="lots")
    assert response.status_code == 422
    assert re.search(r'id="notes-platelets".*not a number', response.text, re.S)
    assert actions.saved(draft)["platelets"] == 110000


def test_an_invalid_value_among_valid_ones_saves_none_of_them(client, actions):
    draft = actions.new_draft()
    response = actions.answer(draft, ecog="1", anc="0x10")
    assert response.status_code == 422
    assert actions.saved(draft) == {}


@pytest.mark.parametrize("typed, message", [
    ("nan", "not a number"),
    ("inf", "not a number"),
    ("0x1F", "not a number"),
    ("1e400", "not a number"),
    ("3,5", "use a point for decimals"),
    ("-5", "negative"),
    ("12345678901234", "too long"),
])
def test_numbers_are_parsed_strictly(client, actions, typed, message):
    response = actions.answer(actions.new_draft(), platelets=typed)
    assert response.status_code == 422
    assert message in response.text


def test_thousands_separators_are_understood(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, platelets="60,000")
    assert actions.saved(draft)["platelets"] == 60000


def test_an_impossible_date_is_refused(client, actions):
    response = actions.answer(actions.new_draft(), date_of_birth="2026-02-30")
    assert response.status_code == 422
    assert "not a real calendar date" in response.text


def test_a_contradicting_direct_entry_is_refused_next_to_it(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, assessment_date="2026-06-15", date_of_birth="1962-01-01")
    response = actions.answer(draft, age_years="40")
    assert response.status_code == 422
    assert re.search(r'id="notes-age_years".*contradicts', response.text, re.S)
    assert "age_years" not in actions.saved(draft)


def test_an_empty_value_clears_that_answer(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, platelets="45000", ecog="1")
    actions.answer(draft, platelets="")
    assert actions.saved(draft) == {"ecog": 1}


def test_the_clear_button_clears_a_choice(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, ecog="1")
    response = actions.answer(draft, clear="ecog")
    assert actions.saved(draft) == {}
    assert re.search(r'id="q-ecog"[^>]*hx-swap-oob', response.text)


def test_a_quantity_keeps_the_unit_it_was_entered_in(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, platelets="85", platelets_unit="10^9/L")
    page = client.get(draft).text
    assert re.search(r'<option value="10\^9/L" selected>', page)
    assert actions.evaluation(draft)["answers"]["platelets"] == 85000


def test_an_implausible_value_is_saved_with_a_warning_naming_the_likely_unit(client, actions):
    draft = actions.new_draft()
    response = actions.answer(draft, platelets="85")
    assert response.status_code == 200
    assert "did you mean 85 × 10⁹/L?" in response.text
    assert actions.saved(draft)["platelets"] == 85


def test_the_site_can_default_quantities_to_si_units(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "test", "UNIT_SYSTEM": "si"})
    client = app.test_client()
    actions = Actions(client)
    page = client.get(actions.new_draft()).text
    assert re.search(r'name="total_bilirubin_unit".*?<option value="umol/L" selected>', page, re.S)


def test_record_fields_are_saved_but_never_evaluated(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, patient_name="Ada Example", patient_mrn="MRN-1", notes="seen on ward 3")
    document = actions.evaluation(draft)
    assert document["answers"] == {}
    assert "Ada Example" in client.get(draft).text
    assert "Ada Example" in client.get("/").text


def test_record_text_is_escaped_in_the_page(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, patient_name='<script>alert(1)</script>')
    page = client.get(draft).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_state_changing_post_without_the_csrf_token_is_refused_with_400(client, actions):
    draft = actions.new_draft()
    assert client.post("/drafts").status_code == 400
    assert client.post(f"{draft}/answers", data={"ecog": "1"}, headers={"HX-Request": "true"}).status_code == 400
    assert actions.saved(draft) == {}


def test_without_javascript_the_form_posts_and_the_page_rerenders(client, actions):
    draft = actions.new_draft()
    response = client.post(f"{draft}/answers", data={"csrf_token": actions.token, "ecog": "1", "platelets": "45000",
                                                      "platelets_unit": "cells/mm3"})
    assert response.status_code == 303 and response.location == draft
    assert 'data-verdict="ineligible"' in client.get(draft).text


def test_without_javascript_an_invalid_post_rerenders_the_page_with_its_message(client, actions):
    draft = actions.new_draft()
    response = client.post(f"{draft}/answers", data={"csrf_token": actions.token, "platelets": "lots"})
    assert response.status_code == 422
    assert "<html" in response.text and "not a number" in response.text
    assert 'value="lots"' in response.text


def test_an_unknown_draft_is_not_found(client):
    assert client.get("/drafts/" + "0" * 32).status_code == 404
    assert client.get("/drafts/../../etc/passwd").status_code == 404


def test_pages_vary_on_the_htmx_header(client):
    assert "HX-Request" in client.get("/").headers["Vary"]


def test_the_start_page_lists_drafts_newest_first_with_their_verdict(client, actions):
    first, second = actions.new_draft(), actions.new_draft()
    actions.answer(first, patient_name="First Patient")
    actions.answer(second, patient_name="Second Patient", platelets="45000")
    page = client.get("/").text
    assert page.index("Second Patient") < page.index("First Patient")
    assert "Not eligible" in page


def test_evaluation_json_is_the_contract_document_with_canonical_answers(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, hemoglobin="105", hemoglobin_unit="g/L")
    document = actions.evaluation(draft)
    assert document["trial"] == "NCT07166406"
    assert document["answers"] == {"hemoglobin": 10.5}
    assert {"verdict", "steps", "criteria", "derived", "missing", "rules_version"} <= set(document)


def test_api_evaluate_needs_no_csrf_token_and_returns_the_document(client, full_answers):
    response = client.post("/api/evaluate", json=full_answers())
    assert response.status_code == 200
    assert response.json["verdict"] == "eligible"


def test_api_evaluate_refuses_invalid_answers_with_400_naming_each_fact(client, full_answers):
    response = client.post("/api/evaluate", json=full_answers(platelets="lots", ecog=9))
    assert response.status_code == 400
    assert set(response.json["errors"]) == {"platelets", "ecog"}


def test_api_evaluate_refuses_a_body_that_is_not_json(client):
    response = client.post("/api/evaluate", data="not json", content_type="application/json")
    assert response.status_code == 400


def test_a_typical_answer_response_is_small_when_compressed(client, actions):
    draft = actions.new_draft()
    response = actions.answer(draft, platelets="110000", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert len(response.data) < 8 * 1024


def form_text(value):
    """An answers-document value as the form posts it: (text, unit or None)."""
    if isinstance(value, dict):
        return str(value["value"]), value["unit"]
    if isinstance(value, bool):
        return ("true" if value else "false"), None
    return str(value), None


@pytest.mark.parametrize("name, path", [pytest.param(name, path, id=f"{name}/{path.stem}")
                                        for name, (_rules, folder) in TRIALS.items()
                                        for path in sorted(folder.glob("*.json"))])
def test_every_vignette_answered_through_the_form_gives_its_expected_verdict(tmp_path, name, path):
    """For every trial in the repository, served by itself."""
    client = create_app({"DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "test",
                         "RULES_FILES": [str(TRIALS[name][0])]}).test_client()
    actions = Actions(client)
    vignette = json.loads(path.read_text(encoding="utf-8"))
    draft = actions.new_draft()
    data = {}
    for fact, value in vignette["answers"].items():
        data[fact], unit = form_text(value)
        if unit:
            data[f"{fact}_unit"] = unit
    response = actions.answer(draft, **data)
    expect = vignette["expect"]
    if expect.get("error"):
        assert response.status_code == 422
        assert f'id="notes-{expect["error_mentions"]}"' in response.text
        assert actions.saved(draft) == {}
    else:
        assert response.status_code == 200
        assert re.search(rf'id="verdict"[^>]*data-verdict="{expect["verdict"]}"', client.get(draft).text)
        assert actions.evaluation(draft)["verdict"] == expect["verdict"]


def test_an_answer_that_leaves_the_verdict_panel_as_it_was_sends_only_the_criterion_lines_it_changed(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, platelets="150000")
    reply = actions.answer(draft, platelets="160000").text
    assert 'id="verdict"' not in reply
    assert re.findall(r'<li id="criterion-([a-z_]+)"[^>]*hx-swap-oob="true"', reply) == ["platelets"]
    assert "160,000" in reply


def test_an_answer_that_changes_the_verdict_panel_sends_it_whole(client, actions):
    draft = actions.new_draft()
    reply = actions.answer(draft, platelets="45000").text
    assert re.search(r'id="verdict"[^>]*data-verdict="ineligible"', reply)


def test_an_answer_is_judged_once_with_the_page_before_it_remembered(client, actions, monkeypatch):
    from checklist.web import answering
    draft = actions.new_draft()
    actions.answer(draft, ecog="1")
    calls = []
    real = answering.evaluate
    monkeypatch.setattr(answering, "evaluate", lambda *arguments: calls.append(1) or real(*arguments))
    actions.answer(draft, headers={"HX-Request": "true"}, ecog="0")
    assert len(calls) == 1


def test_a_remembered_judgement_is_not_used_on_another_day(client, actions, monkeypatch):
    # The age and every time window count from today: a new day judges the answers anew.
    import datetime as dt

    from checklist.web import clinician
    draft = actions.new_draft()
    actions.answer(draft, date_of_birth="2008-06-16")
    monkeypatch.setattr(clinician, "today", lambda: dt.date(2026, 6, 15))
    before = {c["id"]: c["status"] for c in actions.evaluation(draft)["criteria"]}
    monkeypatch.setattr(clinician, "today", lambda: dt.date(2026, 6, 16))
    after = {c["id"]: c["status"] for c in actions.evaluation(draft)["criteria"]}
    assert (before["age"], after["age"]) == ("not_met", "met")


@pytest.mark.parametrize("typed", ["１５０٠٠٠", "٦٠٠٠٠", "60０00", "6０,000"])
def test_a_number_in_other_than_ascii_digits_is_refused_as_the_browser_engine_refuses_it(actions, typed):
    draft = actions.new_draft()
    actions.answer(draft, platelets="150000")
    response = actions.answer(draft, platelets=typed)
    assert response.status_code == 422
    assert actions.saved(draft)["platelets"] == 150000


def test_a_date_in_other_than_ascii_digits_is_refused(actions):
    draft = actions.new_draft()
    assert actions.answer(draft, date_of_birth="１９６０-０１-０１").status_code == 422
    assert "date_of_birth" not in actions.saved(draft)


@pytest.mark.parametrize("field", ["platelets", "platelets_unit", "patient_name"])
def test_a_field_sent_twice_is_refused_and_nothing_is_saved(app, client, actions, field):
    draft = actions.new_draft()
    values = {"platelets": ["150000", "45000"], "platelets_unit": ["cells/mm3", "10^9/L"],
              "patient_name": ["Ada", "Grace"]}[field]
    data = [("csrf_token", actions.token), *((field, value) for value in values)]
    if field == "platelets_unit":
        data.append(("platelets", "150"))
    response = client.post(f"{draft}/answers", data=MultiDict(data))
    assert response.status_code == 422
    assert "more than once" in response.text
    saved = app.extensions["draft_store"].get(draft.rsplit("/", 1)[-1])
    assert "platelets" not in saved["answers"] and not saved.get("record", {}).get("patient_name")


def test_the_start_page_shows_how_complete_each_draft_is_beside_its_verdict(client, actions, full_answers):
    partly, finished = actions.new_draft(), actions.new_draft()
    actions.answer(partly, ecog="1", platelets="150000")
    actions.answer(finished, **form_fields(full_answers()))
    page = client.get("/").text
    assert re.search(r"2 of \d+ needed answers given", page)
    assert "every needed answer given" in page


def test_an_answer_reads_the_date_once_so_its_judgement_cannot_straddle_midnight(client, actions, monkeypatch):
    import datetime as dt

    from checklist.web import answering, clinician
    draft = actions.new_draft()
    reads = []

    def today():
        reads.append(1)
        return dt.date(2026, 6, 15)
    monkeypatch.setattr(clinician, "today", today)
    monkeypatch.setattr(answering, "today", today)
    assert actions.answer(draft, headers={"HX-Request": "true"}, ecog="0").status_code == 200
    assert len(reads) == 1


def test_a_multiple_of_its_upper_limit_reads_the_same_beside_the_question_and_in_the_summary(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, ast="85", ast_uln="40")
    said = "AST as a multiple of its ULN: 2.12 × ULN"  # static/offline.js draws the same (tests/browser/test_offline.py)
    assert said in client.get(draft).text
    assert "<dt>AST as a multiple of its ULN</dt><dd>2.12 × ULN</dd>" in client.get(f"{draft}/summary").text


def test_the_history_says_yes_and_no_as_the_summary_does(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, macrovascular_invasion="true")
    actions.answer(draft, macrovascular_invasion="false")
    assert "yes → no" in client.get(f"{draft}/history").text
