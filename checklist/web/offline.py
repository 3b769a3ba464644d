"""Working offline: the installable app's manifest, its service worker, and what the page needs
to keep answering while the server is out of reach (the rules, a liveness probe, a fresh token)."""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import (Blueprint, current_app, jsonify, render_template, request, send_file, url_for)
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import MultiDict

from ..persistence.storage import changed_after, now, parse_time
from .answering import NAMING_A_QUESTION, Refused, give_answers, give_patient_answers, today
from .store import get_draft

bp = Blueprint("offline", __name__)
SHELL = ["app.css", "checklist.js", "offline.js", "engine.js", "view.js", "signature.js", "vendor/htmx/htmx-2.0.11.min.js",
         "icon.svg", "icon-192.png", "icon-512.png", "sheet.css", "sheet.js"]
IMMUTABLE = "public, max-age=31536000, immutable"


def init_app(app) -> None:
    """Fingerprint the static files once, so their URLs change exactly when their content does."""
    folder = Path(app.static_folder)
    app.extensions["asset_versions"] = {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for path in folder.rglob("*") if path.is_file()}
    app.jinja_env.globals["asset"] = asset
    app.register_blueprint(bp)
    app.after_request(cache_versioned_assets)


def asset(filename: str) -> str:
    """The versioned URL of a static file (cache-first: a new version is a new URL)."""
    version = current_app.extensions["asset_versions"].get(filename)
    return url_for("static", filename=filename, v=version)


def cache_versioned_assets(response):
    if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
        response.headers["Cache-Control"] = IMMUTABLE
    return response


def trial_files(trial) -> dict[str, Path]:
    rules = current_app.extensions["trial_paths"][trial.id]
    return {"rules.json": rules, "answers.schema.json": rules.parent / trial.rules["answers_schema"]}


def trial_file_url(trial, name: str) -> str:
    return url_for("offline.trial_file", name=name, trial=trial.id, v=trial.version[:12])


def shell_urls() -> list[str]:
    """What the service worker pre-caches: the app shell and every trial's rules."""
    trials = current_app.extensions["trials"].values()
    return ([asset(name) for name in SHELL] +
            [trial_file_url(trial, name) for trial in trials for name in trial_files(trial)] +
            [url_for("offline.manifest")])


@bp.get("/sw.js")
def service_worker():
    """The service worker, at the root so that it controls every page of the app."""
    versions = current_app.extensions["asset_versions"]
    release = hashlib.sha256("".join(shell_urls() + list(versions.values())).encode()).hexdigest()[:12]
    body = render_template("sw.js", release=release, shell=shell_urls(),
                           retention_days=current_app.config.get("RETENTION_DAYS", 30))
    return body, 200, {"Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache",
                       "Service-Worker-Allowed": "/"}


@bp.get("/manifest.webmanifest")
def manifest():
    trial = current_app.extensions["trial"].rules["trial"]
    response = jsonify({
        "name": f"{trial['acronym']} eligibility checklist",
        "short_name": trial["acronym"],
        "description": trial["title"],
        "start_url": url_for("drafts.index"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5d6b",
        "icons": [
            {"src": asset("icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": asset("icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": asset("icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    })
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/trial/<any('rules.json', 'answers.schema.json'):name>")
def trial_file(name):
    """A trial's rules and data dictionary (?trial=ID; the site's first without), for evaluating
    in the browser while offline."""
    trial = current_app.extensions["trials"].get(request.args.get("trial"), current_app.extensions["trial"])
    response = send_file(trial_files(trial)[name], mimetype="application/json")
    if request.args.get("v") == trial.version[:12]:
        response.headers["Cache-Control"] = IMMUTABLE
    return response


@bp.get("/ping")
def ping():
    """204: the server is reachable (the page's probe while it queues answers)."""
    return "", 204


@bp.get("/token")
def token():
    """A fresh CSRF token, so a page that waited offline can still send its answers."""
    return jsonify(csrf_token=generate_csrf())


@bp.post("/drafts/<draft_id>/sync")
def sync(draft_id):
    """Answers given while the server was out of reach, in the order they were given.

    Each is saved unless the same question has since been answered later (by another tablet);
    sending the same queue twice changes nothing more. Invalid ones are reported, not saved.
    """
    get_draft(draft_id)
    entries = (request.get_json(silent=True) or {}).get("answers")
    if not isinstance(entries, list) or not all(map(_well_formed, entries)):
        return jsonify(error='Send {"answers": [{"fields": {...}, "time": "ISO 8601"}, ...]}.'), 400
    if len(entries) > MAX_SYNC_ENTRIES:
        return jsonify(error=f"Send at most {MAX_SYNC_ENTRIES} answers at a time."), 413
    refused, superseded, day = [], [], today()
    for entry in entries:
        given = given_at(entry["time"])
        draft = get_draft(draft_id)
        later = sorted(questions_of(entry["fields"]) & changed_after(draft, given))
        try:
            if "patient_path" in draft:
                give_patient_answers(draft, MultiDict(entry["fields"]), day, given_at=given)
            else:
                give_answers(draft, MultiDict(entry["fields"]), day, given_at=given)
        except Refused as refusal:
            refused.append({"fields": entry["fields"], "errors": refusal.errors})
            continue
        if later:  # answered again after it was given (on another tablet): the later answer stays
            superseded.append({"fields": entry["fields"], "kept": later})
    wholly = sum(1 for entry in superseded if set(entry["kept"]) >= questions_of(entry["fields"]))
    return jsonify(saved=len(entries) - len(refused) - wholly, superseded=superseded, refused=refused)


MAX_SYNC_ENTRIES = 100  # a tablet sends its queue in batches of 50; more is not a tablet's queue


def questions_of(fields: dict) -> set[str]:
    """The questions an entry answers: "clear" and "fixed" name theirs in their value."""
    return {fields[name] if name in NAMING_A_QUESTION else name.removesuffix("_unit") for name in fields}


def _well_formed(entry) -> bool:
    try:
        parse_time(entry["time"])
    except (TypeError, KeyError, ValueError, AttributeError):
        return False
    return isinstance(entry.get("fields"), dict) and all(
        isinstance(name, str) and isinstance(value, str) for name, value in entry["fields"].items())


def given_at(time: str) -> str:
    """When an answer was given, by the tablet's clock, but never later than now."""
    return min(parse_time(time), parse_time(now())).isoformat()
