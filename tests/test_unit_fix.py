"""The one-tap fix of a unit slip: a number the app flags as implausible ("did you mean 150 × 10⁹/L?")
is kept, in the unit it suggested, whether the tap comes through htmx, a form without JavaScript or
the offline queue; and the page then shows the unit that was saved.
"""
from __future__ import annotations

import re

import pytest

from checklist.persistence.storage import DraftStore
from test_sync import minutes_ago, sync


def unit_slip(trial, fact: str) -> tuple[str, str] | None:
    """(a number outside the question's plausible range in its own unit, the unit in which the
    same number is plausible), or None when no number is both."""
    low, high = trial.plausible[fact]
    for unit, factor in trial.unit_factors[fact].items():
        for number in ( (2, 3, 5, 8, 15, 20, 30, 50, 80, 150, 400, 1000, 5000, 20000)):
            if not low <= number <= high and low <= number * factor <= high:
                return str(number), unit
    return None


def slips(trial) -> list:
    found = [(fact, unit_slip(trial, fact)) for fact in trial.unit_factors if fact in trial.plausible]
    return [(fact, *slip) for fact, slip in found if slip]


def fix(actions, draft, fact, headers=None):
    return actions.answer(draft, headers=headers, fixed=fact)


def store(app) -> DraftStore:
    return DraftStore(app.config["DATA_DIR"] + "/drafts")


def kept(app, draft) -> dict:
    """The draft's answers as saved: a quantity in the unit it was given in."""
    return store(app).get(draft.rsplit("/", 1)[1])["answers"]


def history(app, draft, fact) -> list:
    return [(entry.get("old"), entry["new"]) for entry in store(app).history(draft.rsplit("/", 1)[1])
            if entry.get("field") == fact]


def test_every_unit_slip_the_app_can_suggest_is_tried_here(trial):
    assert {fact for fact, _number, _unit in slips(trial)} >= {"platelets", "total_bilirubin", "hemoglobin",
                                                                "albumin", "serum_creatinine", "weight"}


def test_the_fix_keeps_the_number_in_the_unit_the_app_suggested(app, actions, trial):
    for fact, number, unit in slips(trial):
        draft = actions.new_draft()
        response = actions.answer(draft, **{fact: number})
        assert "did you mean" in response.text, fact
        fix(actions, draft, fact)
        assert kept(app, draft)[fact] == {"value": int(number), "unit": unit}, fact
        assert "did you mean" not in actions.evaluation(draft)["criteria"].__repr__(), fact


def test_the_reply_to_a_fix_redraws_the_question_with_the_new_unit_chosen(actions):
    draft = actions.new_draft()
    actions.answer(draft, platelets="150")
    reply = fix(actions, draft, "platelets").text
    question = re.search(r'<div[^>]*id="q-platelets"[^>]*hx-swap-oob.*?</select>', reply, re.S)
    assert question, "the whole question is swapped"
    assert '<option value="10^9/L" selected>' in question.group(0)
    assert 'value="150"' in question.group(0)
    assert "did you mean" not in reply


def test_after_a_fix_a_retyped_number_is_read_in_the_fixed_unit(app, actions):
    draft = actions.new_draft()
    actions.answer(draft, platelets="150")
    reply = fix(actions, draft, "platelets").text
    chosen = re.search(r'name="platelets_unit".*?<option value="([^"]+)" selected>', reply, re.S).group(1)
    actions.answer(draft, platelets="60", platelets_unit=chosen)  # the page posts what its chooser shows
    assert kept(app, draft)["platelets"] == {"value": 60, "unit": "10^9/L"}


def test_the_fix_is_one_history_entry_from_the_number_to_the_same_number_in_its_unit(app, actions):
    draft = actions.new_draft()
    actions.answer(draft, platelets="150")
    fix(actions, draft, "platelets")
    assert history(app, draft, "platelets") == [(None, 150), (150, {"value": 150, "unit": "10^9/L"})]


def test_a_second_tap_on_the_fix_changes_nothing(app, actions):
    draft = actions.new_draft()
    actions.answer(draft, platelets="150")
    fix(actions, draft, "platelets")
    assert fix(actions, draft, "platelets").status_code == 200
    assert kept(app, draft)["platelets"] == {"value": 150, "unit": "10^9/L"}
    assert len(history(app, draft, "platelets")) == 2


def test_a_fix_of_a_value_no_longer_flagged_changes_nothing(actions):
    draft = actions.new_draft()
    actions.answer(draft, platelets="150")
    actions.answer(draft, platelets="150000")  # corrected by hand (or on another tablet) first
    fix(actions, draft, "platelets")
    assert actions.saved(draft)["platelets"] == 150000


def test_a_value_confirmed_as_right_is_not_fixed(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, weight="400")
    client.post(f"{draft}/confirm", data={"fact": "weight"}, headers={"HX-Request": "true", "X-CSRFToken": actions.token})
    fix(actions, draft, "weight")
    assert actions.saved(draft)["weight"] == 400


def test_a_fix_of_an_unanswered_question_changes_nothing(actions):
    draft = actions.new_draft()
    assert fix(actions, draft, "platelets").status_code == 200
    assert actions.saved(draft) == {}


@pytest.mark.parametrize("posted_unit", ["cells/mm3", "10^9/L"])
def test_without_javascript_the_fix_wins_over_what_the_form_posts_for_its_question(app, client, actions,
                                                                                   posted_unit):
    draft = actions.new_draft()
    actions.answer(draft, platelets="150", ecog="1")
    form = {"csrf_token": actions.token, "platelets": "150", "platelets_unit": posted_unit, "ecog": "1",
            "fixed": "platelets"}  # the whole form, as the browser posts it with the button's own field
    response = client.post(f"{draft}/answers", data=form)
    assert response.status_code == 303
    assert kept(app, draft) == {"platelets": {"value": 150, "unit": "10^9/L"}, "ecog": 1}


def test_without_javascript_the_page_offers_the_fix_as_a_button_of_the_form(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, platelets="150")
    page = client.get(draft).text
    form = re.search(r'<form[^>]*id="checklist".*?</form>', page, re.S).group(0)
    assert re.search(r'<button type="submit"[^>]*name="fixed" value="platelets"', form)


def test_a_fix_queued_offline_is_saved_as_the_same_fix(app, client, actions):
    draft = actions.new_draft()
    actions.answer(draft, platelets="150")
    response = sync(client, actions, draft, ({"fixed": "platelets"}, minutes_ago(0)))
    assert response.json == {"saved": 1, "superseded": [], "refused": []}
    assert kept(app, draft)["platelets"] == {"value": 150, "unit": "10^9/L"}
