"""Labs in from a health record: the clinician uploads a FHIR R4 Bundle (or a list of
Observations) on a checklist, sees every value it proposes for the coded questions with its source
and date, ticks those to keep, and only those are saved, each with its Observation in the history.
Nothing is saved before that; a file that cannot be read changes nothing."""
from __future__ import annotations

import datetime as dt
import json

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from ..documents import fhir
from .answering import Refused, assess_draft, current_trial, give_answers, today
from .store import get_draft

bp = Blueprint("records", __name__)


@bp.post("/drafts/<draft_id>/record")
def read_record(draft_id):
    """The values a record proposes, for review; nothing is saved."""
    draft, day = get_draft(draft_id), today()
    upload = request.files.get("record")
    try:
        if upload is None or not upload.filename:
            raise fhir.NotARecord("Choose a FHIR Bundle (JSON) exported from the health record.")
        document = json.loads(upload.read().decode("utf-8"))
        _facts, evaluation = assess_draft(draft, day)
        found, skipped = fhir.proposals(current_trial(), document, dt.date.fromisoformat(evaluation["assessment_date"]))
    except (ValueError, RecursionError) as problem:  # NotARecord and a file that is not JSON
        message = str(problem) if isinstance(problem, fhir.NotARecord) else f"The file is not a JSON document: {problem}."
        return render_template("record_review.html", draft=draft, problem=message, found=[], skipped=[]), 422
    return render_template("record_review.html", draft=draft, problem="", found=found, skipped=skipped,
                           answered=draft["answers"])


@bp.post("/drafts/<draft_id>/record/accept")
def accept_record(draft_id):
    """Save the values ticked on the review page, as answers given from their Observations."""
    draft = get_draft(draft_id)
    taken = request.form.getlist("take")
    fields, sources = MultiDict(), {}
    for fact in taken:
        try:
            entry = json.loads(request.form.get(f"value-{fact}", "null"))
        except ValueError:
            entry = None  # refused below with the fact's own message, as any unreadable value
        if isinstance(entry, dict):
            fields.add(fact, str(entry.get("value", "")))
            fields.add(f"{fact}_unit", str(entry.get("unit", "")))
        else:
            fields.add(fact, str(entry))
        sources[fact] = request.form.get(f"source-{fact}", "")[:200]
    if taken:
        try:
            give_answers(draft, fields, today(), sources=sources)
        except Refused as refused:
            messages = [f"{fact}: {message}" for fact, message in refused.errors.items()]
            return render_template("record_review.html", draft=draft, problem="Nothing was saved: " + "; ".join(messages),
                                   found=[], skipped=[]), 422
    return redirect(url_for("drafts.checklist", draft_id=draft_id), 303)

