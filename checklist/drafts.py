"""The checklist flow: start or resume a draft, answer it, see the verdict change."""
from __future__ import annotations

import datetime as dt

from flask import (Blueprint, current_app, jsonify, make_response, redirect, render_template,
                   request, url_for)

from .answers import validate
from .engine import evaluate
from .forms import RECORD_FIELDS, form_class, posted_changes
from .page import SYMBOLS, WORDS, QuestionView, progress, question_views, verdict_view
from .storage import get_draft, get_store
from .values import plain

bp = Blueprint("drafts", __name__)

HTMX_CONFIG = {
    "historyCacheSize": 0,  # patient data must not linger in the browser's history cache
    "refreshOnHistoryMiss": True,
    "allowEval": False,
    "includeIndicatorStyles": False,
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        {"code": "422", "swap": True},  # an invalid answer: show the message beside its question
        {"code": "[45]..", "swap": False, "error": True},
    ],
}


@bp.app_context_processor
def page_globals():
    return {"trial": current_trial(), "htmx_config": HTMX_CONFIG, "symbols": SYMBOLS, "words": WORDS}


@bp.after_app_request
def vary_on_htmx(response):
    response.vary.add("HX-Request")
    return response


def current_trial():
    return current_app.extensions["trial"]


def today() -> dt.date:
    return dt.date.today()


def default_units() -> dict:
    """The unit each quantity's chooser starts on: conventional, or SI by site configuration."""
    si = current_app.config["UNIT_SYSTEM"] == "si"
    return {fact: question.get("si_unit", question["unit"]) if si else question["unit"]
            for fact, question in current_trial().questions.items() if "units" in question}


def assess(answers: dict) -> tuple[dict, dict]:
    """(canonical facts, evaluation) of saved answers; any no longer valid are left out."""
    trial = current_trial()
    facts, errors = validate(trial, answers, today())
    facts = {fact: value for fact, value in facts.items() if fact not in errors}
    return facts, evaluate(trial, facts, today())


@bp.get("/")
def index():
    """Start a checklist, or resume a draft (newest change first)."""
    return render_template("index.html", drafts=get_store().summaries())


@bp.post("/drafts")
def create():
    draft = get_store().create(current_trial().version)
    return redirect(url_for("drafts.checklist", draft_id=draft["id"]), code=303)


@bp.get("/drafts/<draft_id>")
def checklist(draft_id):
    return render_checklist(get_draft(draft_id))


@bp.post("/drafts/<draft_id>/answers")
def answer(draft_id):
    """Save the posted answers (any subset of facts); refuse the lot with 422 if any is invalid."""
    trial, draft = current_trial(), get_draft(draft_id)
    form = form_class(trial)()
    changes, record, errors = posted_changes(trial, form, draft["answers"], default_units())
    cleared = request.form.get("clear")
    if cleared in trial.questions:
        changes[cleared] = None
    merged = {fact: value for fact, value in {**draft["answers"], **changes}.items() if value is not None}
    if not errors:
        errors = _messages(validate(trial, merged, today())[1])
    if errors:
        return refuse(draft, errors)
    facts, evaluation = assess(merged)
    saved = get_store().save(draft_id, changes, record, evaluation["verdict"])
    if not request.headers.get("HX-Request"):
        return redirect(url_for("drafts.checklist", draft_id=draft_id), code=303)
    return answers_saved(draft, saved, facts, evaluation, changed=set(changes), cleared=cleared)


def _messages(errors: dict) -> dict:
    """Messages without the fact-name prefix the command line needs (the page shows the label)."""
    return {fact: message.split(": ", 1)[-1] for fact, message in errors.items()}


def refuse(draft, errors):
    """422: each message next to its question; the saved draft is untouched."""
    if not request.headers.get("HX-Request"):
        typed = {fact: request.form.get(fact, "") for fact in errors}
        return render_checklist(draft, errors=errors, typed=typed), 422
    views = {fact: QuestionView(fact, {}, error=message) for fact, message in errors.items()}
    return render_template("partials/answers_refused.html", refused=views.items()), 422


def answers_saved(before, after, facts, evaluation, changed, cleared):
    """The verdict, the progress and the fragments whose content changed."""
    trial = current_trial()
    old_facts, old_evaluation = assess(before["answers"])
    old = question_views(trial, before["answers"], old_facts, old_evaluation, default_units=default_units())
    new = question_views(trial, after["answers"], facts, evaluation, default_units=default_units())
    whole = [new[fact] for fact in new if fact == cleared or new[fact].visible != old[fact].visible]
    notes = [(fact, new[fact]) for fact in new
             if new[fact] not in whole and (fact in changed or new[fact].state != old[fact].state)]
    return render_template("partials/answers_saved.html", verdict=verdict_view(trial, evaluation),
                           progress=progress(new), changed_questions=whole, changed_notes=notes,
                           answers_url=url_for("drafts.answer", draft_id=after["id"]))


def render_checklist(draft, errors=None, typed=None):
    trial = current_trial()
    facts, evaluation = assess(draft["answers"])
    views = question_views(trial, draft["answers"], facts, evaluation,
                           default_units=default_units(), errors=errors, typed=typed)
    permitted = {}
    for item in trial.rules.get("permitted", []):
        permitted.setdefault(item["section"], []).append(item)
    record_views = {name: QuestionView(name, {}, error=(errors or {}).get(name, ""))
                    for name in RECORD_FIELDS}
    return render_template(
        "checklist.html", draft=draft, views=views, sections=trial.rules["sections"],
        permitted=permitted, record_fields=RECORD_FIELDS, record_views=record_views,
        verdict=verdict_view(trial, evaluation), progress=progress(views),
        answers_url=url_for("drafts.answer", draft_id=draft["id"]))


@bp.get("/drafts/<draft_id>/evaluation.json")
def evaluation(draft_id):
    """The evaluation document of the saved answers, with those answers in canonical units."""
    facts, document = assess(get_draft(draft_id)["answers"])
    document["answers"] = {fact: plain(value) for fact, value in facts.items()}
    return jsonify(document)
