"""Answering: the one path by which posted fields become a saved, judged draft.

The answer route (clinician.py) and the offline queue's sync (offline.py) both call `give_answers`;
the confirm route judges through the same `Judgement`. `today` is read once per request and passed
down, so that a save's validation and evaluation cannot straddle midnight.

Judgements and question views are kept for the last few answer sets: each reply compares the page
before an answer, which the previous request judged, with the page after it.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app, g, session
from werkzeug.datastructures import MultiDict

from ..domain.answers import json_key, validate
from ..domain.patients import asks_patient
from ..domain.engine import evaluate
from ..domain.view import progress, question_views
from .store import get_store
from .forms import form_class, posted_changes

UNSURE = "unsure"  # a patient's "I am not sure": no answer, noted for the care team
KEPT = 64  # answer sets whose judgement and views are kept
_kept_lock = threading.Lock()


def current_trial():
    """The trial of the draft this request is about (web.store.get_draft sets it), else the
    site's first trial."""
    return g.get("trial") or current_app.extensions["trial"]


def today() -> dt.date:
    return dt.date.today()


def default_units() -> dict:
    """The unit each quantity's chooser starts on: conventional, or SI by site configuration."""
    si = current_app.config["UNIT_SYSTEM"] == "si"
    return {fact: question.get("si_unit", question["unit"]) if si else question["unit"]
            for fact, question in current_trial().questions.items() if "units" in question}


def who():
    """Who makes a change, for the history: a user name once sign-in has them, else whether the
    change came from a session signed in with the site passcode (None when none is needed)."""
    return session.get("user") or ("signed-in user" if session.get("signed_in") else None)


# Judging, kept ------------------------------------------------------------------------------

def _kept(name: str, key, work):
    """`work()`, or what it gave for the same key in one of the last few requests. Callers must
    not change what they get."""
    kept = current_app.extensions.setdefault(name, OrderedDict())
    with _kept_lock:
        if key in kept:
            kept.move_to_end(key)
            return kept[key]
    result = work()
    with _kept_lock:
        kept[key] = result
        while len(kept) > KEPT:
            kept.popitem(last=False)
    return result


def judged(answers: dict, confirmed: frozenset, day: dt.date, key=None) -> tuple[dict, dict, dict]:
    """(valid facts, errors by fact, evaluation of the valid facts) of answers on `day`; `key`
    is _answers_key of the same, when the caller has it."""
    trial = current_trial()

    def work():
        facts, errors = validate(trial, answers, day)
        facts = {fact: value for fact, value in facts.items() if fact not in errors}
        return facts, errors, evaluate(trial, facts, day, confirmed)
    return _kept("judgements", key or _answers_key(answers, confirmed, day), work)


def _answers_key(answers: dict, confirmed: frozenset, day: dt.date) -> tuple:
    return current_trial().version, day, json_key(answers), confirmed


def views_of(answers: dict, confirmed: frozenset, day: dt.date, earlier=None) -> dict:
    """question_views of saved answers on `day`, reusing those of `earlier` views where they fit."""
    key = _answers_key(answers, confirmed, day)
    facts, _errors, evaluation = judged(answers, confirmed, day, key)
    units = default_units()
    return _kept("views", (key, tuple(units.items())),
                 lambda: question_views(current_trial(), answers, facts, evaluation, default_units=units,
                                        confirmed=confirmed, earlier=earlier))


def confirmed_facts(confirmations: dict, answers: dict) -> frozenset:
    """The facts whose implausible value a clinician confirmed, while the value is still the one
    confirmed: a new value needs a new confirmation."""
    return frozenset(fact for fact, value in confirmations.items() if answers.get(fact) == value)


def assess_draft(draft: dict, day: dt.date) -> tuple[dict, dict]:
    """(canonical facts, evaluation) of a saved draft, with its confirmations; answers no longer
    valid are left out."""
    facts, _errors, evaluation = judged(draft["answers"], confirmed_facts(draft.get("confirmed", {}), draft["answers"]), day)
    return facts, evaluation


def draft_views(draft: dict, day: dt.date, earlier=None) -> dict:
    return views_of(draft["answers"], confirmed_facts(draft.get("confirmed", {}), draft["answers"]), day, earlier)


class Refused(Exception):
    """Answers that do not validate: nothing is saved; `errors` holds a message per fact."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


class Judgement:
    """DraftStore.save's `verdict_of`: judges the answers about to be saved (merged with any saved
    meanwhile by another tablet), raising Refused when any is invalid, and keeps what it judged
    so that the reply does not judge the same answers again."""

    evaluation: dict

    def __init__(self, confirmations: dict, day: dt.date):
        self.confirmations, self.day = confirmations, day

    def __call__(self, answers: dict) -> str:
        _facts, errors, self.evaluation = judged(answers, confirmed_facts(self.confirmations, answers), self.day)
        if errors:
            raise Refused({fact: message.split(": ", 1)[-1] for fact, message in errors.items()})
        return self.evaluation["verdict"]

    def progress_of(self, answers: dict) -> dict:
        """How complete the answers just judged are, as the start page shows it."""
        done = progress(current_trial(), answers, self.evaluation)
        return {"answered": done["answered"], "total": done["total"]}


# Giving answers -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Given:
    """What a save did: the draft before and after, the evaluation after, the questions changed."""

    before: dict
    after: dict
    evaluation: dict
    changed: frozenset
    cleared: str | None


def give_answers(draft: dict, fields, day: dt.date, *, given_at: str | None = None, sources: dict | None = None) -> Given:
    """Save the posted `fields` (a MultiDict of form fields: facts, units, record fields, "clear")
    into the draft, as answered on `day`; `given_at` (ISO time) when they were given offline.
    Raises Refused, with a message per field, when any is invalid: then nothing is saved."""
    trial = current_trial()
    form = form_class(trial, frozenset(fields))(formdata=fields)
    changes, record, errors = posted_changes(trial, form, draft["answers"], default_units())
    cleared = fields.get("clear")
    if cleared in trial.questions:
        changes[cleared] = None
    else:
        cleared = None
    if errors:
        raise Refused(errors)
    judgement = Judgement(draft.get("confirmed", {}), day)
    saved = get_store().save(draft["id"], changes, record, verdict_of=judgement, progress_of=judgement.progress_of,
                             rules_version=trial.version, by=who(), given_at=given_at, sources=sources)
    return Given(draft, saved, judgement.evaluation, frozenset(changes), cleared)


def give_patient_answers(draft: dict, fields, day, given_at: str | None = None, language: str | None = None) -> dict:
    """Save posted patient fields (also those queued offline: offline.sync calls this), read in
    `language` (the one the pre-screen was last answered in when None). A question answered
    "unsure" (its own radio, or the "unsure" button of a typed question) is saved as no answer
    and noted as not sure; any other answer ends "not sure". Only the patient's own questions
    are taken."""
    trial = current_trial()
    unsure = {}
    kept = MultiDict()
    for name, value in fields.items(multi=True):
        fact = name.removesuffix("_unit")
        if name == UNSURE and value in trial.questions and asks_patient(trial, value):
            unsure[value] = True
            kept[value] = ""
        elif name in trial.questions and asks_patient(trial, name):
            unsure[name] = value == UNSURE
            kept.add(name, "" if value == UNSURE else value)
        elif fact in trial.questions and asks_patient(trial, fact):
            kept.add(name, value)
    given = give_answers(draft, kept, day, given_at=given_at)
    path = given.after["patient_path"]
    language = language or path["language"]
    if path["language"] != language or any(flag != (fact in path["unsure"]) for fact, flag in unsure.items()):
        return get_store().update_patient_path(draft["id"], language=language, unsure=unsure, by=who())
    return given.after
