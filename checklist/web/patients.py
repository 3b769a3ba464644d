"""The patient's flow: a plain-language pre-screen of the few things a patient knows, and a page
to bring to the appointment. Built from the same rules (domain/patients.py) and saved as a draft
like any other (it carries a `patient_path`), so that the care team can open it as a checklist
and carry on with what only they can answer."""
from __future__ import annotations

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..app import htmx
from ..domain.patients import (by_section, choice_text, glossary, in_language, patient_choices, patient_sections,
                               patient_verdict, question_text, short_text)
from ..domain.wording import entry_words
from .answering import UNSURE, Assessment, Refused, assess_draft, current_trial, give_patient_answers, today, who
from .clinician import choose_trial, page_model
from .language import current_language
from .offline import asset
from .store import get_draft, get_store
from .summary import RendererMissing, paper_size, renderer

bp = Blueprint("patients", __name__)
bp.add_app_template_filter(in_language)
bp.add_app_template_global(question_text)
bp.add_app_template_global(patient_choices)
bp.add_app_template_global(short_text)


@bp.post("/patient")
def start():
    """A new pre-screen, in the language the patient is reading."""
    choose_trial(request.form.get("trial"))
    trial = current_trial()
    if not trial.offers_patients:
        abort(404, description="This trial has no pre-screen for patients yet.")
    draft = get_store().create(trial.version, trial=trial.id, by=who(), patient_language=current_language())
    return redirect(url_for("patients.pre_screen", draft_id=draft["id"]), code=303)


def patient_draft(draft_id: str) -> dict:
    draft = get_draft(draft_id)
    if "patient_path" not in draft or not current_trial().offers_patients:
        abort(404, description="This is not a patient's pre-screen.")
    return draft


@bp.get("/patient/<draft_id>")
def pre_screen(draft_id):
    return render_pre_screen(patient_draft(draft_id))


@bp.post("/patient/<draft_id>/answers")
def answer(draft_id):
    """Save the patient's answer; a value that cannot be read is refused with a plain message."""
    draft, day = patient_draft(draft_id), today()
    try:
        saved = give_patient_answers(draft, request.form, day, language=current_language())
    except Refused as refusal:
        errors = {fact: plain_error(fact) for fact in refusal.errors}
        if not htmx:
            return render_pre_screen(draft, errors=errors, typed=request.form), 422
        return render_template("partials/patient_refused.html", errors=errors), 422
    if not htmx:
        return redirect(url_for("patients.pre_screen", draft_id=draft_id), code=303)
    before, after = Assessment.of(draft, day).views(), Assessment.of(saved, day).views()
    asked = [fact for _section, facts in patient_sections(current_trial()) for fact in facts]
    posted = posted_facts(request.form)
    swapped = [fact for fact in asked if before[fact].visible != after[fact].visible]
    noted = [fact for fact in asked if fact not in swapped and (fact in posted or before[fact].state != after[fact].state)]
    return render_template("partials/patient_saved.html", swapped=swapped, noted=noted, saved=saved,
                           **patient_page(saved))


def posted_facts(fields) -> set[str]:
    return {fields.get(name) if name == UNSURE else name.removesuffix("_unit") for name in fields}


def plain_error(fact: str) -> str:
    question = current_trial().questions[fact]
    if question["type"] == "date":
        return _("Please enter a whole date (day, month and year), or choose “I am not sure”.")
    if question["type"] in ("number", "integer", "quantity"):
        return _("Please enter a number, such as 70, or choose “I am not sure”.")
    return _("Please choose one of the answers.")


def patient_page(draft: dict, errors=None, typed=None) -> dict:
    """What the pre-screen and its fragments show."""
    trial, day, language = current_trial(), today(), current_language()
    _facts, evaluation = assess_draft(draft, day)
    unsure = draft["patient_path"].get("unsure", [])
    views = Assessment.of(draft, day).views()
    told = patient_verdict(trial, evaluation, draft["answers"], unsure, language)
    asked = [fact for _section, facts in patient_sections(trial) for fact in facts]
    return {"draft": draft, "views": views, "told": told, "unsure": unsure, "language": language,
            "patient_answer": lambda fact: answer_words(trial, fact, draft["answers"].get(fact), language),
            "sections": patient_sections(trial), "glossary": glossary(trial, language),
            "answered": sum(1 for fact in asked if (fact in draft["answers"] or fact in unsure) and views[fact].visible),
            "to_ask": sum(1 for fact in asked if views[fact].visible), "errors": errors or {}, "typed": typed or {},
            "answers_url": url_for("patients.answer", draft_id=draft["id"])}


def answer_words(trial, fact: str, entry, language: str) -> str:
    """A patient's answer as the patient reads it: "Yes", the choice in their words, "70 kg"."""
    if isinstance(entry, bool):
        return _("Yes") if entry else _("No")
    if trial.questions[fact].get("choices") and entry is not None:
        return choice_text(trial, fact, str(entry), language)
    return entry_words(trial.questions[fact], entry)


def render_pre_screen(draft: dict, errors=None, typed=None):
    model = {**page_model(draft), "patient": True, "language": current_language()}
    return render_template("patient.html", page_model=model, **patient_page(draft, errors, typed))


@bp.get("/patient/<draft_id>/sheet")
def sheet(draft_id):
    """The page to bring to the appointment, to print from the browser."""
    return render_template("patient_sheet.html", printing=False, stylesheet=asset("sheet.css"),
                           **sheet_contents(patient_draft(draft_id)))


@bp.get("/patient/<draft_id>/sheet.pdf")
def sheet_pdf(draft_id):
    """The same page as a PDF, unsigned: it is the patient's own account, which no one at the
    clinic has checked yet."""
    pdf = renderer()
    html = render_template("patient_sheet.html", printing=True, stylesheet=pdf.asset_url("sheet.css"),
                           **sheet_contents(patient_draft(draft_id)))
    response = make_response(pdf.render_pdf(html, max_pages=1))
    response.headers["Content-Type"] = "application/pdf"
    name = f"{current_trial().rules['trial']['acronym']}-pre-screen-{current_language()}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def fits_one_page(contents: dict) -> bool:
    """Whether the sheet fits one page of the site's paper in its usual type (WeasyPrint lays it
    out; the browser's print follows the same stylesheet)."""
    try:
        pdf = renderer()
    except RendererMissing:  # no PDF libraries on this machine: print as it comes
        return True
    return pdf.page_count(render_template("patient_sheet.html", printing=True, stylesheet=pdf.asset_url("sheet.css"),
                                          **contents)) <= 1


def sheet_contents(draft: dict) -> dict:
    """The sheet: the pre-screen's contents, with only the glossary entries its words use."""
    page = patient_page(draft)
    trial, language, told = current_trial(), page["language"], page["told"]
    plain = trial.rules["patient"]
    shown = [in_language(plain[key], language) for key in ("name", "summary")]
    shown += [short_text(trial, fact, language) for _section, facts in page["sections"] for fact in facts]
    groups = by_section(trial, told["care_team"], language)
    shown += [title for title, _shorts in groups] + [short for _title, shorts in groups for short, _unsure in shorts]
    shown += [reason["text"] for reason in told["reasons"]]
    used = [(term, meaning) for term, meaning in page["glossary"] if any(mentions(text, term) for text in shown)]
    contents = {**page, "words_used": used, "care_team_groups": groups, "paper": paper_size().lower(), "compact": False}
    return {**contents, "compact": not fits_one_page(contents)}  # a long list for the care team: smaller type


def mentions(text: str, term: str) -> bool:
    """Whether `text` uses a glossary term (its name before any bracket: "SBRT (…)" is "SBRT")."""
    return term.split(" (")[0].casefold() in text.casefold()
