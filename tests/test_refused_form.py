"""Without JavaScript the checklist is one form, posted whole to /drafts/<id>/answers. When any
field is refused, nothing is saved (422) and the page comes back with every field as the
clinician left it, the errors beside their questions."""
from __future__ import annotations

import re


def post_form(client, actions, draft, **fields):
    """The no-JS "Save answers" button: a plain form post, without the HX-Request header."""
    return client.post(f"{draft}/answers", data={"csrf_token": actions.token, **fields})


def question(page: str, fact: str) -> str:
    """The HTML of one question on the page: from its div to its notes' end."""
    return re.search(rf'<div id="q-{fact}".*?id="notes-{fact}".*?</div>', page, re.S).group(0)


def refused(client, actions, draft, **fields):
    """A form post with an ambiguous hemoglobin among the `fields`: refused whole."""
    response = post_form(client, actions, draft, hemoglobin="3,5", **fields)
    assert response.status_code == 422
    assert "use a point for decimals" in question(response.text, "hemoglobin")
    return response.text


def test_a_refused_form_shows_the_text_typed_in_every_field(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, anc="1800")  # saved before: posted again unchanged, as every no-JS post does
    page = refused(client, actions, draft, platelets="150", anc="1800", assessment_date="2026-06-15")
    assert 'value="150"' in question(page, "platelets")
    assert 'value="3,5"' in question(page, "hemoglobin")
    assert 'value="1800"' in question(page, "anc")
    assert 'value="2026-06-15"' in question(page, "assessment_date")


def test_a_refused_form_keeps_the_chosen_radio_ticked(client, actions):
    page = refused(client, actions, actions.new_draft(), ecog="1", sex="female")
    assert re.search(r'id="f-ecog-1"[^>]*checked', page)
    assert not re.search(r'id="f-ecog-0"[^>]*checked', page)
    assert re.search(r'id="f-sex-female"[^>]*checked', page)


def test_a_refused_form_keeps_the_unit_chosen_for_each_value(client, actions):
    page = refused(client, actions, actions.new_draft(), platelets="150", platelets_unit="10^9/L",
                   hemoglobin_unit="g/L")
    assert re.search(r'<option value="10\^9/L" selected>', question(page, "platelets"))
    assert re.search(r'<option value="g/L" selected>', question(page, "hemoglobin"))
    assert '<option value="cells/mm3" selected>' not in question(page, "platelets")


def test_a_refused_form_keeps_the_record_fields_as_typed(client, actions):
    page = refused(client, actions, actions.new_draft(), patient_name="Ada Lovelace", patient_mrn="MRN-42",
                   site="Ward 7", notes="Seen on the ward.\nBloods repeated.")
    assert re.search(r'id="f-patient_name"[^>]*value="Ada Lovelace"', page)
    assert re.search(r'id="f-patient_mrn"[^>]*value="MRN-42"', page)
    assert re.search(r'id="f-site"[^>]*value="Ward 7"', page)
    assert re.search(r'<textarea id="f-notes"[^>]*>Seen on the ward.\nBloods repeated.</textarea>', page)


def test_a_refused_form_says_nothing_was_saved_and_leaves_the_draft_as_it_was(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, platelets="110000", ecog="0", patient_name="Before")
    before = actions.evaluation(draft)
    page = refused(client, actions, draft, platelets="150", ecog="1", patient_name="After")
    notice = re.search(r'<p[^>]*id="nothing-saved".*?</p>', page, re.S).group(0)
    assert "Nothing was saved" in notice and 'href="#q-hemoglobin"' in notice
    assert actions.evaluation(draft) == before
    assert re.search(r'id="f-patient_name"[^>]*value="Before"', client.get(draft).text)
    assert re.search(r'id="f-ecog-0"[^>]*checked', client.get(draft).text)


def test_markup_typed_in_a_refused_form_is_shown_escaped(client, actions):
    response = post_form(client, actions, actions.new_draft(), platelets="<script>alert(1)</script>",
                         notes="<script>alert(2)</script>")
    assert response.status_code == 422
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in question(response.text, "platelets")
    assert "&lt;script&gt;alert(2)&lt;/script&gt;</textarea>" in response.text
    assert "<script>alert" not in response.text
