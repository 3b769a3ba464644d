"""The checklist flow: start or resume a draft, answer it, see the verdict change."""
from __future__ import annotations

import json

from flask import (Blueprint, abort, current_app, flash, g, jsonify, make_response, redirect, render_template, request,
                   url_for)

from ..app import htmx
from ..documents import drawing, fhir
from ..domain.answers import validate
from ..domain.engine import evaluate
from ..domain.values import plain, show_unit
from ..domain.view import (QuestionView, panel_layout, progress, question_views,
                          verdict_view)
from ..domain.wording import MESSAGES, entry_words, say, yes_no
from ..persistence.screening_log import OUTCOMES
from ..persistence.storage import NAME_LIMIT
from ..persistence.transfers import read_export
from .answering import (Assessment, Given, Judgement, Refused, assess_draft, current_trial, default_units,
                        give_answers, today, who)
from .forms import RECORD_FIELDS
from .offline import trial_file_url
from .screening import OUTCOME_FIELDS, outcome_view
from .store import get_draft, get_store

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
    return {"trial": current_trial(), "htmx_config": HTMX_CONFIG}


@bp.app_template_filter("unit")
def unit_filter(unit: str) -> str:
    """A unit as printed for people: µmol/L for umol/L."""
    return show_unit(unit)


@bp.after_app_request
def vary_on_htmx(response):
    response.vary.add("HX-Request")
    return response


START_PAGE_DRAFTS = 100  # the newest; "show all" lists every draft


@bp.get("/")
def index():
    """Start a checklist, or resume a draft (newest change first)."""
    return render_index()


def render_index(import_errors=None):
    store = get_store()
    drafts = store.summaries()
    shown = drafts if request.args.get("all") else drafts[:START_PAGE_DRAFTS]
    return render_template("index.html", drafts=shown, not_shown=len(drafts) - len(shown),
                           damaged=store.damaged(), import_errors=import_errors or {},
                           trials=current_app.extensions["trials"])


@bp.post("/drafts")
def create():
    """A new draft of the trial chosen (the site's first when it serves one)."""
    choose_trial(request.form.get("trial"))
    trial = current_trial()
    draft = get_store().create(trial.version, trial=trial.id, by=who())
    return redirect(url_for("drafts.checklist", draft_id=draft["id"]), code=303)


def choose_trial(trial_id: str | None) -> None:
    """Make `trial_id` this request's trial; none named: the site's first; one not served: 400."""
    if trial_id is None:
        return
    if trial_id not in current_app.extensions["trials"]:
        abort(400, description=f"This server does not check trial {trial_id!r}.")
    g.trial = current_app.extensions["trials"][trial_id]


@bp.get("/drafts/<draft_id>")
def checklist(draft_id):
    return render_checklist(get_draft(draft_id))


@bp.post("/drafts/<draft_id>/answers")
def answer(draft_id):
    """Save the posted answers (any subset of facts); refuse the lot with 422 if any is invalid."""
    draft, day = get_draft(draft_id), today()
    try:
        given = give_answers(draft, request.form, day)
    except Refused as refusal:
        return refuse(draft, refusal.errors)
    if not htmx:
        return redirect(url_for("drafts.checklist", draft_id=draft_id), code=303)
    return answers_saved(given, day)


@bp.post("/drafts/<draft_id>/confirm")
def confirm(draft_id):
    """The clinician confirms an implausible value as entered: the verdict may then use it. The
    history records who confirmed what; a later change of the value needs a new confirmation."""
    trial, draft, day = current_trial(), get_draft(draft_id), today()
    fact = request.form.get("fact", "")
    if fact not in trial.questions or fact not in draft["answers"]:
        return refuse(draft, {fact or "answers": "There is no answer to confirm."})
    judgement = Judgement({**draft.get("confirmed", {}), fact: draft["answers"][fact]}, day)
    saved = get_store().confirm(draft_id, fact, draft["answers"][fact], verdict_of=judgement, by=who(),
                                progress_of=judgement.progress_of)
    if not htmx:
        return redirect(url_for("drafts.checklist", draft_id=draft_id, _anchor=f"q-{fact}"), code=303)
    return answers_saved(Given(draft, saved, judgement.assessment, frozenset({fact}), None), day)


def refuse(draft, errors):
    """422: each message next to its question; the saved draft is untouched. Without JavaScript
    the whole form was posted: the page comes back with every field as the clinician left it."""
    if not htmx:
        form, questions = request.form, current_trial().questions
        typed = {fact: form[fact] for fact in questions if fact in form}
        units = {fact: form[f"{fact}_unit"] for fact, question in questions.items()
                 if form.get(f"{fact}_unit") in question.get("units", {})}
        record = {name: form[name] for name in RECORD_FIELDS if name in form}
        return render_checklist(draft, errors=errors, typed=typed, units=units, record=record), 422
    views = {fact: QuestionView(fact, {}, error=message) for fact, message in errors.items()}
    return render_template("partials/answers_refused.html", refused=views.items()), 422


def answers_saved(given: Given, day):
    """The verdict, the progress and the fragments whose content changed."""
    before, after = Assessment.of(given.before, day), given.assessment
    old_evaluation, evaluation = before.evaluation, after.evaluation
    old = before.views()
    new = after.views(earlier=old)
    whole = {fact for fact in new if fact == given.redrawn or new[fact].visible != old[fact].visible
             or new[fact].calculated != old[fact].calculated}
    notes = [(fact, new[fact]) for fact in new if fact not in whole and (  # a view reused as it was is unchanged
        fact in given.changed or new[fact] is not old[fact] and new[fact].state != old[fact].state)]
    verdict, kept = after.verdict(), unchanged_criteria(old_evaluation, evaluation)
    same_panel = panel_layout(verdict) == panel_layout(before.verdict())
    return render_template("partials/answers_saved.html", verdict=verdict, kept=kept,
                           changed_criteria=[criterion for criterion in evaluation["criteria"]
                                             if criterion["id"] not in kept] if same_panel else None,
                           progress=after.progress,
                           changed_questions=[view for fact, view in new.items() if fact in whole],
                           changed_notes=notes, saved=given.after,
                           answers_url=url_for("drafts.answer", draft_id=given.after["id"]),
                           confirm_url=url_for("drafts.confirm", draft_id=given.after["id"]))


def unchanged_criteria(before: dict, after: dict) -> set[str]:
    """Criteria whose status and reason an answer left as they were: the page keeps them (htmx's
    hx-preserve), so that the reply carries only what changed."""
    shown = {criterion["id"]: (criterion["status"], criterion["reason"]) for criterion in before["criteria"]}
    return {criterion["id"] for criterion in after["criteria"]
            if shown.get(criterion["id"]) == (criterion["status"], criterion["reason"])}


def render_checklist(draft, errors=None, typed=None, units=None, record=None):
    """The checklist page of the saved draft; after a refused post, with the entries (`typed`,
    `units`) and record fields it posted in the inputs, and a notice that nothing was saved that
    links to the first question refused."""
    trial, assessed = current_trial(), Assessment.of(draft, today())
    facts, _errors, evaluation = assessed.judged
    if errors or typed or units:
        views = question_views(trial, draft["answers"], facts, evaluation, default_units=default_units(),
                               errors=errors, typed=typed, typed_units=units, confirmed=assessed.confirmed)
    else:
        views = assessed.views()
    refused_first = next((name for name in [*RECORD_FIELDS, *trial.order] if name in (errors or {})), None)
    permitted = {}
    for item in trial.rules.get("permitted", []):
        permitted.setdefault(item["section"], []).append(item)
    record_views = {name: QuestionView(name, {}, error=(errors or {}).get(name, ""))
                    for name in RECORD_FIELDS}
    shown_draft = {**draft, "record": {**draft.get("record", {}), **(record or {})}}  # the record's inputs
    return render_template(
        "checklist.html", draft=shown_draft, views=views, sections=trial.rules["sections"],
        permitted=permitted, record_fields=RECORD_FIELDS, record_views=record_views,
        verdict=verdict_view(trial, evaluation, draft["answers"]), progress=progress(trial, draft["answers"], evaluation),
        answers_url=url_for("drafts.answer", draft_id=draft["id"]),
        confirm_url=url_for("drafts.confirm", draft_id=draft["id"]),
        rules_changed=draft["rules_version"] != trial.version, **recent_history(draft["id"]),
        name_error=(errors or {}).get("name", ""), page_model=page_model(draft),
        signature_url=signature_url(draft), outcome=outcome_view(draft, evaluation["verdict"]),
        refused_first=refused_first)


def page_model(draft) -> dict:
    """What the page needs to go on evaluating while the server is out of reach (offline.js)."""
    trial = current_trial()
    return {
        "draft": draft["id"],
        "rules": trial_file_url(trial, "rules.json"),
        "dictionary": trial_file_url(trial, "answers.schema.json"),
        "rulesVersion": trial.version,
        "messages": MESSAGES,  # the wording catalogue, for static/view.js
        "kinds": {criterion: say(f"kind.{kind}") for criterion, kind in trial.kinds.items()},  # as marked
    }


@bp.get("/drafts/<draft_id>/evaluation.json")
def evaluation(draft_id):
    """The evaluation document of the saved answers, with those answers in canonical units."""
    facts, document = assess_draft(get_draft(draft_id), today())
    return jsonify({**document, "answers": {fact: plain(value) for fact, value in facts.items()}})


# The draft's lifecycle: rename, history, export, import, delete ---------------------------------

@bp.post("/drafts/<draft_id>/rename")
def rename(draft_id):
    """Give the draft a name of its own; too long a name is refused and nothing changes."""
    draft = get_draft(draft_id)
    name = " ".join("".join(ch for ch in request.form.get("name", "") if ch.isprintable()).split())
    if len(name) > NAME_LIMIT:
        return render_checklist(draft, errors={"name": f"A draft name has at most {NAME_LIMIT} characters."}), 422
    get_store().rename(draft_id, name, by=who())
    return redirect(url_for("drafts.checklist", draft_id=draft_id), code=303)


@bp.get("/drafts/<draft_id>/history")
def history(draft_id):
    """The history fragment, fetched afresh whenever the page's history section is opened; every
    change with ?all=1, else the most recent."""
    get_draft(draft_id)
    shown = None if request.args.get("all") else RECENT_CHANGES
    return render_template("partials/history.html", **recent_history(draft_id, shown))


RECENT_CHANGES = 20  # what the page shows of a history; the rest is a click (or the export) away
LONGEST_SHOWN = 300  # characters of a changed value in the table (a long note); the export holds all

CONFIRMED = "confirmed:"  # history field prefix of a confirmed implausible value
UNSURE = "unsure:"  # history field prefix of a question the patient was not sure of (patients.py)
FIELD_LABELS = {"name": "Draft name", "rules_version": "Rules version", "signature": "Clinician's signature",
                "outcome": "Screening outcome", "outcome_date": "Screening outcome date",
                "outcome_note": "Screening outcome note", "patient_language": "Language of the patient's pre-screen"}
EVENTS = {"created": "Draft started", "imported": "Draft imported"}


def recent_history(draft_id: str, shown: int | None = RECENT_CHANGES) -> dict:
    """The draft's latest `shown` changes (all when None) as people read them, newest first, and
    how many there are in all."""
    entries = get_store().history(draft_id)
    latest = entries if shown is None else entries[-shown:]
    return {"history": [history_row(entry) for entry in reversed(latest)], "history_total": len(entries),
            "history_url": url_for("drafts.history", draft_id=draft_id, all=1)}


def history_row(entry: dict) -> dict:
    row = {"at": entry["at"], "by": entry["by"] or ""}
    if "source" in entry:
        return {**_history_change(entry, row), "source": entry["source"]}
    return _history_change(entry, row)


def _history_change(entry: dict, row: dict) -> dict:
    if "event" in entry:
        return {**row, "what": EVENTS.get(entry["event"], entry["event"])}
    field, confirmed = entry["field"], entry["field"].startswith(CONFIRMED)
    if confirmed:
        field = field.removeprefix(CONFIRMED)
    if field.startswith(UNSURE):
        question = current_trial().questions.get(field.removeprefix(UNSURE), {})
        return {**row, "what": f"{question.get('label', field)}: the patient is not sure", "changed": True,
                "old": yes_no(entry["old"]), "new": yes_no(entry["new"])}
    question = current_trial().questions.get(field, {})
    if confirmed:
        return {**row, "what": f"{question.get('label', field)}: confirmed as entered", "changed": True,
                "old": "", "new": entry_words(question, entry["new"])}
    label = question.get("label") or RECORD_FIELDS.get(field, (FIELD_LABELS.get(field, field),))[0]
    if field == "outcome":
        question = {"choices": OUTCOMES}
    return {**row, "what": label, "changed": True,
            "old": cut(entry_words(question, entry["old"])), "new": cut(entry_words(question, entry["new"]))}


def cut(text: str) -> str:
    return text if len(text) <= LONGEST_SHOWN else text[:LONGEST_SHOWN - 1] + "…"


@bp.post("/drafts/<draft_id>/export")
def export(draft_id):
    """The draft as a JSON file: its answers document, record and history (a POST: patient data
    leaves the app only by a deliberate act of someone holding the page's CSRF token)."""
    document = get_store().export(draft_id, current_trial().id)
    served = current_app.extensions["trials"].get(document["trial"])
    if served is not None:  # a draft of a trial served elsewhere goes without: its rules are not here
        g.trial = served
        document["questionnaire_response"] = response_of(get_store().get(draft_id))
    response = make_response(json.dumps(document, indent=2, ensure_ascii=False))
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = f'attachment; filename="draft-{draft_id[:8]}.json"'
    return response


@bp.get("/drafts/<draft_id>/questionnaire-response.json")
def questionnaire_response(draft_id):
    """The saved answers as a FHIR R4 QuestionnaireResponse to the trial's Questionnaire
    (`checklist rules fhir`), for a record system to load without retyping."""
    response = make_response(json.dumps(response_of(get_draft(draft_id)), indent=2, ensure_ascii=False))
    response.mimetype = "application/fhir+json"
    response.headers["Content-Disposition"] = f'attachment; filename="questionnaire-response-{draft_id[:8]}.json"'
    return response


def response_of(draft: dict) -> dict:
    """The draft's answers as a QuestionnaireResponse: completed once nothing is missing."""
    _facts, evaluation = assess_draft(draft, today())
    return fhir.questionnaire_response(current_trial(), draft["answers"], authored=draft["updated"],
                                       status="in-progress" if evaluation["missing"] else "completed")


@bp.post("/drafts/import")
def import_draft():
    """A new draft from an exported draft or an answers document (as `checklist evaluate` reads);
    anything invalid refuses the whole file, with a message for each problem."""
    choose_trial(request.form.get("trial"))
    contents, errors = read_upload(request.files.get("draft"))
    trial, day = current_trial(), today()
    if not errors:
        facts, errors = validate(trial, contents["answers"], day)
    if errors:
        return render_index(import_errors=errors), 422
    contents["verdict"] = evaluate(trial, facts, day)["verdict"]
    draft = get_store().create(trial.version, trial=trial.id, by=who(), contents=contents)
    return redirect(url_for("drafts.checklist", draft_id=draft["id"]), code=303)


def read_upload(upload) -> tuple[dict, dict]:
    """(draft contents, errors) of an uploaded file."""
    if upload is None or not upload.filename:
        return {}, {"file": "Choose an exported draft or an answers document (JSON) to import."}
    try:
        document = json.loads(upload.read().decode("utf-8"), parse_constant=_not_a_json_number)
    except ValueError as problem:
        return {}, {"file": f"The file is not a JSON document: {problem}."}
    except RecursionError:
        return {}, {"file": "The file is nested too deeply to be an exported draft."}
    if isinstance(document, dict) and document.get("resourceType") == "QuestionnaireResponse":
        return response_contents(document)
    named = document.get("trial") if isinstance(document, dict) and "answers" in document else None
    if named in current_app.extensions["trials"]:
        choose_trial(named)  # an exported draft goes to its own trial
    limits = {name: longest for name, (_label, longest) in RECORD_FIELDS.items()} | OUTCOME_FIELDS
    return read_export(document, current_trial().id, limits)


def response_contents(document: dict) -> tuple[dict, dict]:
    """(draft contents, errors) of a FHIR QuestionnaireResponse: it goes to the trial whose
    Questionnaire it answers."""
    named = str(document.get("questionnaire", "")).split("|")[0].rsplit(":", 1)[-1]
    if named in current_app.extensions["trials"]:
        choose_trial(named)
    try:
        return {"answers": fhir.answers_of(current_trial(), document)}, {}
    except fhir.NotAResponse as problem:
        return {}, {"file": str(problem)}


def _not_a_json_number(name):
    raise ValueError(f"{name} is not a number JSON allows")


# The clinician's signature, drawn on the page --------------------------------------------------

@bp.post("/drafts/<draft_id>/signature")
def save_signature(draft_id):
    """Keep the signature drawn on the page (a PNG upload, field `signature`), or replace the one
    kept. What is kept is the app's own redrawing of it; anything else is refused, nothing saved."""
    get_draft(draft_id)
    upload = request.files.get("signature")
    data = upload.read(drawing.MAX_BYTES + 1) if upload else b""
    try:
        png = drawing.redrawn(data)
    except drawing.UnusableDrawing as problem:
        status = 413 if len(data) > drawing.MAX_BYTES else 422
        return str(problem), status, {"Content-Type": "text/plain; charset=utf-8"}
    get_store().set_signature(draft_id, drawing.as_text(png), by=who())
    return signature_section(draft_id)


@bp.post("/drafts/<draft_id>/signature/delete")
def delete_signature(draft_id):
    """Remove the drawn signature (the summary then has a line to sign by hand)."""
    get_store().set_signature(draft_id, None, by=who())
    return signature_section(draft_id)


@bp.get("/drafts/<draft_id>/signature.png")
def signature_image(draft_id):
    """The drawn signature, for the page and the summary's preview (no-store, as every page)."""
    draft = get_draft(draft_id)
    if not draft.get("signature"):
        abort(404, description="No signature has been drawn for this draft.")
    response = make_response(drawing.stored_png(draft["signature"]))
    response.mimetype = "image/png"
    return response


def signature_url(draft) -> str | None:
    """Where the page shows the saved signature (a new address for each drawing), None if none."""
    if not draft.get("signature"):
        return None
    return url_for("drafts.signature_image", draft_id=draft["id"], v=drawing.digest(draft["signature"]))


def signature_section(draft_id):
    """The page's script gets the signature section back; a plain form post, the page."""
    if not htmx:
        return redirect(url_for("drafts.checklist", draft_id=draft_id, _anchor="signature"), code=303)
    draft = get_draft(draft_id)
    return render_template("partials/signature.html", draft=draft, signature_url=signature_url(draft))


@bp.get("/drafts/<draft_id>/delete")
def confirm_delete(draft_id):
    """Ask before deleting: a deleted draft is gone for good."""
    return render_template("confirm_delete.html", draft=get_draft(draft_id))


@bp.post("/drafts/<draft_id>/delete")
def delete(draft_id):
    get_draft(draft_id)
    get_store().delete(draft_id)
    flash("The draft has been deleted.")
    return redirect(url_for("drafts.index"), code=303)
