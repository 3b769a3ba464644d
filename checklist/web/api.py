"""The JSON API: evaluate an answers document without saving anything."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, jsonify, request

from ..domain.answers import validate
from ..domain.engine import evaluate

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.post("/evaluate")
def evaluate_answers():
    """The evaluation document, or 400 with {"errors": {fact: message}}; ?trial=ID chooses among
    the trials the site serves (the first without)."""
    document = request.get_json(silent=True)
    if document is None:
        return jsonify(errors={"answers": "Send an answers document as JSON."}), 400
    trials = current_app.extensions["trials"]
    trial = trials.get(request.args.get("trial", current_app.extensions["trial"].id))
    if trial is None:
        return jsonify(errors={"trial": f"This server checks {', '.join(trials)}, not {request.args['trial']!r}."}), 400
    today = dt.date.today()
    facts, errors = validate(trial, document, today)
    if errors:
        return jsonify(errors=errors), 400
    return jsonify(evaluate(trial, facts, today))
