"""Answering: the one path by which posted fields become a saved, judged draft.

The answer route (clinician.py) and the offline queue's sync (offline.py) both call `give_answers`;
the confirm route judges through the same `Judgement`. `today` is read once per request and passed
down, so that a save's validation and evaluation cannot straddle midnight.

Judgements, question views and verdicts are kept for the last few answer sets: each reply compares
the page before an answer, which the previous request judged, with the page after it.
"""
from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property

from flask import current_app, g, session
from werkzeug.datastructures import MultiDict

from ..domain.answers import validate
from ..domain.patients import asks_patient
from ..domain.engine import evaluate
from ..domain.view import progress, question_views, verdict_view
from .store import get_store
from .forms import form_class, posted_changes

UNSURE = "unsure"  # a patient's "I am not sure": no answer, noted for the care team
NAMING_A_QUESTION = ("clear", "fixed")  # posted fields whose value is the question they act on
KEPT = 64  # answer sets whose judgement, views and verdict are kept
_kept_lock = threading.Lock()


def current_trial():
    """The trial of the draft this request is about (web.store.get_draft sets it), else the
    site's first trial."""
    return g.get("trial") or current_app.extensions["trial"]


def today() -> dt.date:
    return dt.date.today()


def default_units() -> dict:
    """The unit each quantity's chooser starts on: conventional, or SI by site configuration.
    Worked out once per trial and unit system: callers must not change it."""
    trial, si = current_trial(), current_app.config["UNIT_SYSTEM"] == "si"
    units = trial.memo.get(("default units", si))
    if units is None:
        units = trial.memo[("default units", si)] = {
            fact: question.get("si_unit", question["unit"]) if si else question["unit"]
            for fact, question in trial.questions.items() if "units" in question}
    return units


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


class Assessment:
    """Answers judged on a day, with the confirmations that still hold: their facts, errors and
    evaluation, their question views and their verdict panel, each kept for the last few answer
    sets under one key, itself worked out once. An answer's reply assesses the draft before and
    after it: the save's judgement made the one after, the previous reply the one before."""

    def __init__(self, answers: dict, confirmations: dict, day: dt.date):
        self.trial, self.answers, self.day = current_trial(), answers, day
        self.confirmed = confirmed_facts(confirmations, answers)
        # The answers' canonical JSON text keeps 1, 1.0 and true apart and, a string, hashes
        # once however often the key is looked up.
        self.key = self.trial.version, day, json.dumps(answers, sort_keys=True, separators=(",", ":")), self.confirmed

    @classmethod
    def of(cls, draft: dict, day: dt.date) -> Assessment:
        """A saved draft's answers, with its confirmations."""
        return cls(draft["answers"], draft.get("confirmed", {}), day)

    @cached_property
    def judged(self) -> tuple[dict, dict, dict]:
        """(valid facts, errors by fact, evaluation of the valid facts)."""
        def work():
            facts, errors = validate(self.trial, self.answers, self.day)
            facts = {fact: value for fact, value in facts.items() if fact not in errors}
            return facts, errors, evaluate(self.trial, facts, self.day, self.confirmed)
        return _kept("judgements", self.key, work)

    @property
    def evaluation(self) -> dict:
        return self.judged[2]

    def views(self, earlier=None) -> dict:
        """question_views of the answers, reusing those of `earlier` views where they fit."""
        facts, _errors, evaluation = self.judged
        units = default_units()
        return _kept("views", (self.key, tuple(units.items())),
                     lambda: question_views(self.trial, self.answers, facts, evaluation, default_units=units,
                                            confirmed=self.confirmed, earlier=earlier))

    def verdict(self) -> dict:
        """verdict_view of the answers."""
        return _kept("verdicts", self.key, lambda: verdict_view(self.trial, self.evaluation, self.answers))

    @cached_property
    def progress(self) -> dict:
        """How far the answers go (view.progress): the save keeps a part, the reply shows it."""
        return progress(self.trial, self.answers, self.evaluation)


def confirmed_facts(confirmations: dict, answers: dict) -> frozenset:
    """The facts whose implausible value a clinician confirmed, while the value is still the one
    confirmed: a new value needs a new confirmation."""
    return frozenset(fact for fact, value in confirmations.items() if answers.get(fact) == value)


def assess_draft(draft: dict, day: dt.date) -> tuple[dict, dict]:
    """(canonical facts, evaluation) of a saved draft, with its confirmations; answers no longer
    valid are left out."""
    facts, _errors, evaluation = Assessment.of(draft, day).judged
    return facts, evaluation


class Refused(Exception):
    """Answers that do not validate: nothing is saved; `errors` holds a message per fact."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


class Judgement:
    """DraftStore.save's `verdict_of`: judges the answers about to be saved (merged with any saved
    meanwhile by another tablet), raising Refused when any is invalid, and keeps what it judged
    (`assessment`) so that the reply does not judge the same answers again."""

    assessment: Assessment

    def __init__(self, confirmations: dict, day: dt.date):
        self.confirmations, self.day = confirmations, day

    def __call__(self, answers: dict) -> str:
        self.assessment = Assessment(answers, self.confirmations, self.day)
        _facts, errors, evaluation = self.assessment.judged
        if errors:
            raise Refused({fact: message.split(": ", 1)[-1] for fact, message in errors.items()})
        return evaluation["verdict"]

    def progress_of(self, answers: dict) -> dict:
        """How complete the answers just judged are, as the start page shows it."""
        done = self.assessment.progress
        return {"answered": done["answered"], "total": done["total"]}


# Giving answers -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Given:
    """What a save did: the draft before and after, the answers after as judged, the questions changed."""

    before: dict
    after: dict
    assessment: Assessment
    changed: frozenset
    redrawn: str | None  # a question whose controls the server set (cleared, or its unit fixed)


def give_answers(draft: dict, fields, day: dt.date, *, given_at: str | None = None, sources: dict | None = None) -> Given:
    """Save the posted `fields` (a MultiDict of form fields: facts, units, record fields, "clear",
    "fixed") into the draft, as answered on `day`; `given_at` (ISO time) when they were given
    offline. "clear" and "fixed" name a question and win over what the form posts for it.
    Raises Refused, with a message per field, when any is invalid: then nothing is saved."""
    trial = current_trial()
    form = form_class(trial, frozenset(fields))(formdata=fields)
    changes, record, errors = posted_changes(trial, form, draft["answers"], default_units())
    redrawn = None
    if fields.get("clear") in trial.questions:
        redrawn = fields["clear"]
        changes[redrawn] = None
    elif fields.get("fixed") in trial.questions:
        redrawn = fields["fixed"]
        changes.pop(redrawn, None)
        changes.update(in_likely_unit(draft, redrawn, day))
    if errors:
        raise Refused(errors)
    judgement = Judgement(draft.get("confirmed", {}), day)
    saved = get_store().save(draft["id"], changes, record, verdict_of=judgement, progress_of=judgement.progress_of,
                             rules_version=trial.version, by=who(), given_at=given_at, sources=sources)
    return Given(draft, saved, judgement.assessment, frozenset(changes), redrawn)


def in_likely_unit(draft: dict, fact: str, day: dt.date) -> dict:
    """The one-tap fix of a number the app flagged as implausible ("did you mean 150 × 10⁹/L?"):
    the saved number, kept, in the unit the app suggested for it, as an answer change. The unit is
    worked out here from the saved answer, not taken from the page, so that a stale page or a
    second tap cannot change a value that is no longer flagged: then there is nothing to change."""
    likely = Assessment.of(draft, day).views()[fact].likely_unit
    if not likely:
        return {}
    saved = draft["answers"][fact]
    number = saved["value"] if isinstance(saved, dict) else saved
    canonical = likely == current_trial().questions[fact]["unit"]
    return {fact: number if canonical else {"value": number, "unit": likely}}


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
