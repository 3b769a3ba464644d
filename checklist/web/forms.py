"""The checklist form: a WTForms class built from the rules, and typed text turned into answers.

A form post may carry any subset of facts. A field that is absent changes nothing; a field posted
empty clears that answer. Numbers are parsed strictly (no NaN, infinity, hexadecimal or exponent;
"60,000" is read as sixty thousand, "3,5" is refused as ambiguous).
"""
from __future__ import annotations

import re
from functools import lru_cache

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from ..domain.rules import Trial
from ..domain.wording import say

RECORD_FIELDS = {  # the record's own fields: never facts, never evaluated
    "patient_name": ("Patient name", 200),
    "patient_mrn": ("Medical record number", 64),
    "clinician_name": ("Clinician", 200),
    "site": ("Site", 200),
    "notes": ("Notes", 4000),
}
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)", re.ASCII)  # ASCII digits, as static/engine.js
GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", re.ASCII)
BOOLEAN_CHOICES = [SelectChoice("true", say("answer.option_yes")), SelectChoice("false", say("answer.option_no"))]


def form_class(trial: Trial, posted) -> type[FlaskForm]:
    """A FlaskForm with a field for each of the `posted` names that is a question, a unit chooser
    or a record field: an answer posts one or two fields, so only those are bound.

    CSRF is checked for every POST by CSRFProtect, so the form does not check it again.
    """
    return _form_class(trial, frozenset(posted) & _field_names(trial))


@lru_cache(maxsize=8)
def _field_names(trial: Trial) -> frozenset:
    return frozenset(_all_fields(trial))


@lru_cache(maxsize=256)
def _form_class(trial: Trial, names: frozenset) -> type[FlaskForm]:
    fields = {name: field for name, field in _all_fields(trial).items() if name in names}
    fields["Meta"] = type("Meta", (), {"csrf": False})
    return type("AnswersForm", (FlaskForm,), fields)


def _all_fields(trial: Trial) -> dict:
    """One field per question (and unit chooser), plus the record fields."""
    fields = {}
    for fact, question in trial.questions.items():
        fields[fact] = _field_for(question)
        if len(question.get("units", {})) > 1:
            fields[f"{fact}_unit"] = SelectField(choices=[SelectChoice(unit) for unit in question["units"]],
                                                   validate_choice=False)
    for name, (label, longest) in RECORD_FIELDS.items():
        kind = TextAreaField if name == "notes" else StringField
        fields[name] = kind(label, validators=[Length(max=longest)])
    return fields


def _field_for(question):
    label = question["label"]
    if question["type"] == "boolean":
        return RadioField(label, choices=BOOLEAN_CHOICES, validate_choice=False)
    if "choices" in question:
        return RadioField(label, choices=[SelectChoice(value, text) for value, text in question["choices"].items()],
                      validate_choice=False)
    return StringField(label)


def posted_changes(trial: Trial, form, saved: dict, default_units: dict) -> tuple[dict, dict, dict]:
    """(answer changes, record changes, errors) from the fields actually posted.

    An answer change maps a fact to its answers-document value, or None to clear it.
    """
    answers, record, errors = {}, {}, {}
    for fact, question in trial.questions.items():
        field, unit_field = form._fields.get(fact), form._fields.get(f"{fact}_unit")
        if not (field and field.raw_data) and not (unit_field and unit_field.raw_data):
            continue
        if _sent_twice(field, unit_field):
            errors[fact] = SENT_TWICE
            continue
        text = ((field and field.raw_data) or [_saved_text(saved.get(fact))])[0].strip()
        unit = (unit_field.data if unit_field and unit_field.raw_data else
                _saved_unit(saved.get(fact)) or default_units.get(fact))
        try:
            answers[fact] = answer_from_text(question, text, unit) if text else None
        except ValueError as problem:
            errors[fact] = str(problem)
    for name in RECORD_FIELDS:
        field = form._fields.get(name)
        if field is None:
            continue
        if _sent_twice(field):
            errors[name] = f"{field.label.text}: {SENT_TWICE}"
        elif field.raw_data:
            if field.validate(form):
                record[name] = _printable(field.data or "")
            else:
                errors[name] = f"{field.label.text}: {' '.join(field.errors)}"
    return answers, record, errors


SENT_TWICE = "This answer was sent more than once in one request; nothing was saved. Send it once."


def _sent_twice(*fields) -> bool:
    """A field repeated in one request: which value was meant cannot be known, so none is taken."""
    return any(field is not None and len(field.raw_data or ()) > 1 for field in fields)


def _saved_text(value) -> str:
    if isinstance(value, dict):
        value = value["value"]
    return "" if value is None else str(value)


def _saved_unit(value):
    return value.get("unit") if isinstance(value, dict) else None


def answer_from_text(question: dict, text: str, unit: str | None):
    """A typed answer for the answers document; ValueError says what to type instead."""
    kind = question["type"]
    if kind == "boolean":
        if text not in ("true", "false"):
            raise ValueError("Choose yes or no.")
        return text == "true"
    if kind == "choice":
        return text
    if kind == "date":
        return text
    number = parse_number(text)
    if kind == "integer":
        if number != int(number):
            raise ValueError(f"{text} is not a whole number.")
        return int(number)
    if "units" in question and unit and unit != question["unit"]:
        if unit not in question["units"]:
            raise ValueError(f"Unknown unit {unit!r}.")
        return {"value": number, "unit": unit}
    return number


def parse_number(text: str):
    """A number as typed at the bedside: digits, one decimal point, optional thousands commas."""
    if GROUPED_NUMBER.fullmatch(text):
        text = text.replace(",", "")
    elif not PLAIN_NUMBER.fullmatch(text):
        if "," in text:
            raise ValueError(f"{text!r} is not a number: use a point for decimals (3.5).")
        raise ValueError(f"{text!r} is not a number: type digits, for example 60000 or 3.5.")
    if len(text.lstrip("+-").replace(".", "")) > 12:
        raise ValueError(f"{text!r} is too long to be a measurement.")
    number = float(text)
    return int(number) if number.is_integer() and "." not in text else number


def _printable(text: str) -> str:
    """Text without control characters other than line breaks and tabs."""
    return "".join(ch for ch in text if ch in "\n\t" or ch.isprintable()).strip()
