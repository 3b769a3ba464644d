"""The screening log flow: the clinician records how a pre-screening ended, on its checklist; the
coordinator reads each trial's log (/log), filters it, and takes it away as CSV or as a signed PDF
for a sponsor's monitoring visit. De-identified unless the site's own copy is asked for."""
from __future__ import annotations

import datetime as dt

from flask import (Blueprint, current_app, make_response, redirect, render_template, request, url_for)

from ..app import htmx
from ..documents import screening_report, signing
from ..persistence.screening_log import OUTCOMES, ScreeningLog, identities
from .answering import Assessment, assess_draft, current_trial, today, who
from .store import get_draft, get_store

bp = Blueprint("screening", __name__)
NOTE_LIMIT = 200
OUTCOME_FIELDS = {"outcome": 32, "outcome_date": 10, "outcome_note": NOTE_LIMIT}  # the record's fields it keeps, and their longest
SIGNING_REASON = "Screening log, unchanged since export"


def get_log() -> ScreeningLog:
    return current_app.extensions["screening_log"]


# Recording an outcome, on the checklist ---------------------------------------------------------

@bp.post("/drafts/<draft_id>/outcome")
def record_outcome(draft_id):
    """Record (or change) how the pre-screening ended: in the draft's history as record fields,
    and as the draft's row of the trial's screening log, with the verdict of the saved answers."""
    draft, day = get_draft(draft_id), today()
    posted = {name: request.form.get(name, "").strip() for name in OUTCOME_FIELDS}
    _facts, evaluation = assess_draft(draft, day)
    errors = outcome_problems(posted, evaluation["verdict"], draft, day)
    if errors:
        return outcome_reply(draft, evaluation["verdict"], posted, errors, 422)
    confirmations = draft.get("confirmed", {})
    saved = get_store().save(
        draft_id, {}, posted, rules_version=current_trial().version, by=who(),
        verdict_of=lambda answers: Assessment(answers, confirmations, day).evaluation["verdict"])
    _facts, evaluation = assess_draft(saved, day)
    get_log().record(current_trial().id, draft_id, log_row(saved, evaluation))
    if not htmx:
        return redirect(url_for("drafts.checklist", draft_id=draft_id) + "#outcome", 303)
    return outcome_reply(saved, evaluation["verdict"], {}, {}, 200, saved_now=True)


def outcome_problems(posted: dict, verdict: str, draft: dict, day: dt.date) -> dict:
    """{field: message} for an outcome that cannot be recorded as posted."""
    errors = {}
    if posted["outcome"] not in OUTCOMES:
        errors["outcome"] = "Choose how the pre-screening ended."
    elif posted["outcome"] == "not_eligible" and verdict != "ineligible":
        errors["outcome"] = "The checklist does not say “Not eligible”: choose another outcome, or answer what makes it so."
    elif posted["outcome"] in ("registered", "referred") and verdict == "ineligible":
        errors["outcome"] = "The checklist says “Not eligible”: a patient it excludes cannot be referred or registered."
    try:
        if dt.date.fromisoformat(posted["outcome_date"]) > day:
            errors["outcome_date"] = "The date cannot be in the future."
    except ValueError:
        errors["outcome_date"] = "Give the date as YYYY-MM-DD."
    note = posted["outcome_note"]
    if len(note) > NOTE_LIMIT:
        errors["outcome_note"] = f"Keep the note under {NOTE_LIMIT} characters."
    elif posted["outcome"] == "other_reason" and not note:
        errors["outcome_note"] = "Say briefly what the other outcome was."
    elif any(len(value) >= 3 and value.casefold() in note.casefold()
             for value in (draft["record"].get("patient_name", ""), draft["record"].get("patient_mrn", ""))):
        errors["outcome_note"] = "The log is de-identified: leave the patient's name and record number out of the note."
    return errors


def log_row(draft: dict, evaluation: dict) -> dict:
    """The de-identified row: the screening's dates, verdict, the criteria not met, its outcome."""
    record = draft["record"]
    return {
        "screened": evaluation["assessment_date"],
        "rules_version": draft["rules_version"],
        "verdict": evaluation["verdict"],
        "not_met": [{"id": criterion["id"], "label": criterion["label"]}
                    for criterion in evaluation["criteria"] if criterion["status"] == "not_met"],
        "outcome": record["outcome"], "outcome_date": record["outcome_date"], "note": record.get("outcome_note", ""),
        "clinician": record.get("clinician_name") or who() or "",
        "recorded": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }


def outcome_view(draft: dict, verdict: str, posted: dict | None = None, errors: dict | None = None) -> dict:
    """The outcome section of a checklist: what is recorded (or was just posted), its messages."""
    record = {**draft["record"], **(posted or {})}
    row = get_log().row_of(current_trial().id, draft["id"])
    return {"outcome": record.get("outcome", ""), "date": record.get("outcome_date") or today().isoformat(),
            "note": record.get("outcome_note", ""), "errors": errors or {}, "choices": OUTCOMES,
            "suggested": "not_eligible" if verdict == "ineligible" and not record.get("outcome") else "",
            "number": screening_report.screening_number(row) if row else "", "note_limit": NOTE_LIMIT}


def outcome_reply(draft, verdict, posted, errors, status, saved_now=False):
    return render_template("partials/outcome.html", draft=draft, saved_now=saved_now,
                           outcome=outcome_view(draft, verdict, posted, errors)), status


# The log -------------------------------------------------------------------------------------------

@bp.get("/log")
def log_page():
    trial, rows, chosen_rows, filters, problems = _chosen()
    counted = screening_report.totals(chosen_rows)
    return render_template("log.html", trial=trial, trials=current_app.extensions["trials"], rows=chosen_rows,
                           all_rows=len(rows), counted=counted, bars=screening_report.bars(counted),
                           filters=filters, problems=problems, outcomes=OUTCOMES,
                           number=screening_report.screening_number), 422 if problems else 200


@bp.get("/log.csv")
def log_csv():
    """The chosen rows as CSV: de-identified, or with the identifiers still on file when the page's
    confirmation asked for the site's own copy."""
    trial, _rows, chosen_rows, filters, problems = _chosen()
    if problems:
        return "; ".join(problems.values()), 422, {"Content-Type": "text/plain; charset=utf-8"}
    identified = request.args.get("identified") == "yes" and request.args.get("confirm") == "yes"
    text = screening_report.csv_text(chosen_rows, identities(chosen_rows, get_store(), trial.birth_date_fact) if identified else None)
    response = make_response(text)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    kind = "identified" if identified else "deidentified"
    response.headers["Content-Disposition"] = f'attachment; filename="screening-log-{trial.id}-{kind}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/log/identified")
def confirm_identified():
    """The identified copy asks first: it holds names and record numbers."""
    trial, _rows, chosen_rows, filters, _problems = _chosen()
    return render_template("log_identified.html", trial=trial, filters=filters, count=len(chosen_rows))


@bp.get("/log.pdf")
def log_pdf():
    """The chosen rows, de-identified, as a PDF signed like the summaries."""
    from .summary import RendererMissing, renderer, site_key, site_name  # summary imports clinician, which imports this
    trial, _rows, chosen_rows, filters, problems = _chosen()
    if problems:
        return "; ".join(problems.values()), 422, {"Content-Type": "text/plain; charset=utf-8"}
    try:
        pdf = renderer()
    except RendererMissing as problem:
        return str(problem), 503, {"Content-Type": "text/plain; charset=utf-8"}
    counted = screening_report.totals(chosen_rows)
    html = render_template("log_sheet.html", trial=trial, rows=chosen_rows, counted=counted,
                           bars=screening_report.bars(counted), filters=filters, outcomes=OUTCOMES,
                           number=screening_report.screening_number, stylesheet=pdf.asset_url("print.css"),
                           made=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), site=site_name())
    key = site_key()
    signed = signing.sign_pdf(pdf.render_pdf(html), key, reason=SIGNING_REASON, location=site_name())
    response = make_response(signed)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="screening-log-{trial.id}.pdf"'
    return response


def _chosen():
    """(trial, its rows, the rows the filters choose, the filters as given, problems by filter)."""
    trials = current_app.extensions["trials"]
    trial = trials.get(request.args.get("trial", ""), current_app.extensions["trial"])
    filters = {name: request.args.get(name, "").strip() for name in ("from", "to", "outcome")}
    problems, dates = {}, {}
    for name in ("from", "to"):
        try:
            dates[name] = dt.date.fromisoformat(filters[name]) if filters[name] else None
        except ValueError:
            problems[name] = f"“{filters[name]}” is not a date: give it as YYYY-MM-DD."
            dates[name] = None
    outcome = filters["outcome"] or None
    if outcome and outcome not in OUTCOMES:
        problems["outcome"], outcome = "Choose an outcome from the list.", None
    rows = get_log().rows(trial.id)
    filters["trial"] = trial.id
    return trial, rows, screening_report.chosen(rows, dates["from"], dates["to"], outcome), filters, problems

