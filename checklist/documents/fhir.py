"""HL7 FHIR R4 for the checklist: a trial's rules as a Questionnaire, a draft's answers as a
QuestionnaireResponse to it, and such a response read back as an answers document.

Every resource made or read is validated by fhir.resources (its R4B models, the R4 line that
hospitals' servers speak), never by a schema of our own. The trial's codes (LOINC for labs and
vital signs) are in its rules file; what is here is FHIR's own vocabulary: UCUM units for the
unit names the rules use, and how each question type is written.
"""
from __future__ import annotations

UCUM_SYSTEM = "http://unitsofmeasure.org"
UNIT_OPTION = "http://hl7.org/fhir/StructureDefinition/questionnaire-unitOption"
# The rules' unit names and their UCUM codes (https://ucum.org). A unit not here has no code: it is
# written with its name only, and an answer in it is never read back by guesswork.
UCUM = {
    "10^9/L": "10*9/L", "cells/mm3": "/mm3", "U/L": "U/L", "cm": "cm", "mm": "mm", "days": "d", "hours": "h",
    "years": "a", "g/L": "g/L", "g/dL": "g/dL", "kg": "kg", "lb": "[lb_av]", "mL/min": "mL/min",
    "mL/min/1.73m2": "mL/min/{1.73_m2}", "mg/L": "mg/L", "mg/dL": "mg/dL", "mg/g": "mg/g", "mg/mmol": "mg/mmol",
    "mmol/L": "mmol/L", "umol/L": "umol/L", "points": "{score}",
}
UNIT_OF_UCUM = {code: unit for unit, code in UCUM.items()}
ITEM_TYPES = {"boolean": "boolean", "choice": "choice", "date": "date", "integer": "integer", "number": "decimal",
              "quantity": "quantity", "text": "string"}


class NotAResponse(ValueError):
    """A document that is not a QuestionnaireResponse to this trial's Questionnaire; the message
    says why."""


def questionnaire_url(trial) -> str:
    return f"urn:checklist:questionnaire:{trial.id}"


def choice_system(trial, fact: str) -> str:
    return f"urn:checklist:{trial.id}:{fact}"


def questionnaire(trial) -> dict:
    """The trial's questions as a FHIR R4 Questionnaire: a group per section, an item per question
    (linkId: the fact's name) with its type, codes, choices and units."""
    facts = trial.rules["trial"]
    document = {
        "resourceType": "Questionnaire",
        "url": questionnaire_url(trial),
        "version": trial.version,
        "name": "".join(part for part in facts["acronym"].title() if part.isalnum()) + "Eligibility",
        "title": f"{facts['acronym']} eligibility pre-screening",
        "status": "active",
        "subjectType": ["Patient"],
        "description": facts["title"],
        "item": [{"linkId": section["id"], "type": "group", "text": section["title"],
                  "item": [_question_item(trial, fact) for fact in section["questions"]]}
                 for section in trial.rules["sections"]],
    }
    return _valid("questionnaire", "Questionnaire", document)


def _question_item(trial, fact: str) -> dict:
    question = trial.questions[fact]
    kind = "quantity" if question.get("units") else ITEM_TYPES[question["type"]]
    item = {"linkId": fact, "text": question["label"], "type": kind}
    if "code" in question:
        item["code"] = [question["code"]]
    if question["type"] == "choice":
        item["answerOption"] = [{"valueCoding": {"system": choice_system(trial, fact), "code": value, "display": label}}
                                for value, label in question["choices"].items()]
    if kind == "quantity":
        item["extension"] = [{"url": UNIT_OPTION, "valueCoding": _unit_coding(unit)} for unit in question["units"]]
    return item


def _unit_coding(unit: str) -> dict:
    return {"system": UCUM_SYSTEM, "code": UCUM[unit], "display": unit} if unit in UCUM else {"display": unit}


def questionnaire_response(trial, answers: dict, *, status: str, authored: str | None = None) -> dict:
    """An answers document (units as entered) as a QuestionnaireResponse to the trial's
    Questionnaire: only answered questions, in the Questionnaire's groups."""
    groups = []
    for section in trial.rules["sections"]:
        items = [{"linkId": fact, "text": trial.questions[fact]["label"], "answer": [_answer(trial, fact, answers[fact])]}
                 for fact in section["questions"] if fact in answers]
        if items:
            groups.append({"linkId": section["id"], "text": section["title"], "item": items})
    document = {"resourceType": "QuestionnaireResponse", "questionnaire": f"{questionnaire_url(trial)}|{trial.version}",
                "status": status, "item": groups}
    if authored:
        document["authored"] = authored
    return _valid("questionnaireresponse", "QuestionnaireResponse", document)


def _answer(trial, fact: str, value) -> dict:
    question = trial.questions[fact]
    if isinstance(value, dict):
        return {"valueQuantity": {"value": value["value"], "unit": value["unit"], **_ucum(value["unit"])}}
    if question.get("units"):
        return {"valueQuantity": {"value": value, "unit": question["unit"], **_ucum(question["unit"])}}
    if question["type"] == "choice":
        return {"valueCoding": {"system": choice_system(trial, fact), "code": value,
                                "display": question["choices"][value]}}
    key = {"boolean": "valueBoolean", "date": "valueDate", "integer": "valueInteger", "text": "valueString"}
    return {key.get(question["type"], "valueDecimal"): value}


def _ucum(unit: str) -> dict:
    return {"system": UCUM_SYSTEM, "code": UCUM[unit]} if unit in UCUM else {}


def answers_of(trial, document) -> dict:
    """The answers document a QuestionnaireResponse to this trial's Questionnaire holds (units as
    entered); NotAResponse names what does not fit. The answers are then validated as any are."""
    if not isinstance(document, dict) or document.get("resourceType") != "QuestionnaireResponse":
        raise NotAResponse("The file is not a FHIR QuestionnaireResponse.")
    _valid("questionnaireresponse", "QuestionnaireResponse", document, NotAResponse)
    url = str(document.get("questionnaire", "")).split("|")[0]
    if url != questionnaire_url(trial):
        raise NotAResponse(f"The QuestionnaireResponse answers {url or 'no questionnaire'}, not {questionnaire_url(trial)}.")
    answers, problems = {}, []
    for item in _leaves(document.get("item", [])):
        fact = item["linkId"]
        if fact not in trial.questions:
            problems.append(f"{fact}: not a question of {trial.rules['trial']['acronym']}")
            continue
        try:
            answers[fact] = _value(trial, fact, item.get("answer", []))
        except NotAResponse as problem:
            problems.append(f"{fact}: {problem}")
    if problems:
        raise NotAResponse("; ".join(problems) + ".")
    return answers


def _leaves(items):
    for item in items:
        if "answer" in item:
            yield item
        yield from _leaves(item.get("item", []))


def _value(trial, fact: str, answers: list):
    if len(answers) != 1:
        raise NotAResponse("one answer expected")
    (key, value), = ((key, value) for key, value in answers[0].items() if key.startswith("value"))
    question = trial.questions[fact]
    if key == "valueQuantity":
        unit = UNIT_OF_UCUM.get(value.get("code")) if value.get("system") == UCUM_SYSTEM else value.get("unit")
        if unit not in question.get("units", {question.get("unit")}):
            raise NotAResponse(f"the unit {value.get('code') or value.get('unit')!r} is not one this question takes")
        return {"value": value["value"], "unit": unit} if question.get("units") else value["value"]
    if key == "valueCoding":
        if value.get("system") != choice_system(trial, fact) or value.get("code") not in question.get("choices", {}):
            raise NotAResponse(f"the coding {value.get('system')}#{value.get('code')} is not one of its choices")
        return value["code"]
    return value


def _valid(module: str, name: str, document: dict, error=ValueError) -> dict:
    """The document, once fhir.resources' R4B model of the resource has read it without complaint."""
    import importlib

    from pydantic import ValidationError
    model = getattr(importlib.import_module(f"fhir.resources.R4B.{module}"), name)
    try:
        model.model_validate(document)
    except ValidationError as problem:
        raise error(f"Not a valid FHIR {name}: {problem.errors()[0]['msg']} at "
                    f"{'.'.join(str(part) for part in problem.errors()[0]['loc'])}.") from None
    return document
