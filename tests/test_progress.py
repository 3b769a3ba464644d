"""How far a checklist is: answers that count, what is still needed, and saying when it is done."""
from __future__ import annotations

import json

import pytest

from checklist.domain.answers import validate
from checklist.domain.engine import evaluate
from checklist.domain.view import form_fields, progress, verdict_view
from support import TODAY, VIGNETTES


def judged(trial, answers):
    facts, _errors = validate(trial, answers, TODAY)
    evaluation = evaluate(trial, facts, TODAY)
    return evaluation, progress(trial, answers, evaluation)


@pytest.mark.parametrize("vignette", sorted(path.name for path in VIGNETTES.glob("*.json")))
def test_what_is_still_needed_never_grows_as_answers_are_given_in_page_order(trial, vignette):
    answers = json.loads((VIGNETTES / vignette).read_text(encoding="utf-8"))["answers"]
    given, still = {}, []
    for fact in (fact for fact in trial.order if fact in answers):
        given[fact] = answers[fact]
        still.append(judged(trial, given)[1]["still"])
    assert still == sorted(still, reverse=True)


def test_a_complete_eligible_answer_set_needs_nothing_more(trial, full_answers):
    _evaluation, counts = judged(trial, full_answers())
    assert counts["done"] and counts["still"] == 0 and counts["answered"] == counts["total"]


def test_a_calculated_value_is_not_asked_for_while_its_inputs_are(trial):
    evaluation, _counts = judged(trial, {})
    missing = [fact for fact, _label, _awaiting in verdict_view(trial, evaluation)["missing"]]
    assert "date_of_birth" in missing and "age_years" not in missing


def test_pending_coverage_is_listed_as_awaiting_news_not_as_unanswered(trial, full_answers):
    answers = full_answers(coverage_both_arms="pending")
    evaluation, _counts = judged(trial, answers)
    missing = {fact: awaiting for fact, _label, awaiting in verdict_view(trial, evaluation, answers)["missing"]}
    assert missing["coverage_both_arms"] == "now pending; awaiting a new answer"


def test_an_answer_awaiting_a_new_one_counts_as_still_to_go_not_as_given(trial, full_answers):
    _evaluation, complete = judged(trial, full_answers())
    _evaluation, pending = judged(trial, full_answers(coverage_both_arms="pending"))
    assert pending["still"] == 1
    assert pending["answered"] == complete["answered"] - 1
    assert pending["total"] == complete["total"]


def test_a_finished_checklist_says_plainly_that_it_is_complete(client, actions, full_answers):
    draft = actions.new_draft()
    actions.answer(draft, **form_fields(full_answers()))
    assert "Complete:</strong> every answer the verdict needs is given" in client.get(draft).text


def test_after_not_eligible_the_open_questions_are_said_not_to_change_it(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, platelets="45000", platelets_unit="cells/mm3")
    page = client.get(draft).text
    assert "Not eligible: the" in page and "still open cannot change that; you may finish the record" in page
    assert "these cannot change “Not eligible”" in page


def test_a_question_that_alone_stands_for_a_calculated_one_is_listed_as_the_alternative(trial):
    evaluation, _counts = judged(trial, {})
    labels = {fact: label for fact, label, _awaiting in verdict_view(trial, evaluation)["missing"]}
    assert labels["date_of_birth"] == "Date of birth or Age"


def test_a_question_feeding_a_calculation_with_other_missing_inputs_keeps_its_own_label(trial):
    evaluation, _counts = judged(trial, {})
    labels = {fact: label for fact, label, _awaiting in verdict_view(trial, evaluation)["missing"]}
    assert labels["serum_creatinine"] == "Serum creatinine"
