"""HL7 FHIR R4 for the checklist: a trial's rules as a Questionnaire, a draft's answers as a
QuestionnaireResponse to it, and such a response read back as an answers document.

Every resource made or read is validated by fhir.resources (its R4B models, the R4 line that
hospitals' servers speak), never by a schema of our own. The trial's codes (LOINC for labs and
vital signs) are in its rules file; what is here is FHIR's own vocabulary: UCUM units for the
unit names the rules use, and how each question type is written.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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


# Labs in: proposed answers from a record's Observations ----------------------------------------------

USABLE_STATUSES = {"final", "amended", "corrected"}  # not preliminary, registered, cancelled or entered in error


class NotARecord(ValueError):
    """A document that is not a FHIR Bundle or list of Observations; the message says why."""


@dataclass(frozen=True)
class Proposal:
    """A value for a question, read from an Observation, shown with its source before anyone accepts it."""

    fact: str
    value: object  # as an answers document holds it: {"value": n, "unit": u} where the question has units
    unit: str  # the unit it is in
    source: str  # "Observation/<id>"
    date: str  # YYYY-MM-DD, the Observation's own date
    label: str
    note: str = ""  # where the value comes from when it is not the Observation's value (a reference range)


def observations(document) -> list[dict]:
    """The Observations of a Bundle, or of a JSON list of them, each valid by fhir.resources."""
    if isinstance(document, dict) and document.get("resourceType") == "Bundle":
        _valid("bundle", "Bundle", document, NotARecord)
        resources = [entry.get("resource") for entry in document.get("entry", [])]
    elif isinstance(document, list):
        resources = document
    else:
        raise NotARecord("The file is neither a FHIR Bundle nor a list of Observations.")
    found = [resource for resource in resources if isinstance(resource, dict) and resource.get("resourceType") == "Observation"]
    for observation in found:
        _valid("observation", "Observation", observation, NotARecord)
    return found


def proposals(trial, document, assessment_date: dt.date) -> tuple[list[Proposal], list[str]]:
    """(values proposed for the trial's coded questions, what was left out and why) from a record:
    for each question, its latest usable Observation on or before the assessment date, in a unit
    the question takes (a unit that cannot be mapped is refused, never guessed); and a ULN from the
    reference range's upper limit where the rules divide that lab by its ULN."""
    by_code = {(question["code"]["system"], question["code"]["code"]): fact
               for fact, question in trial.questions.items() if "code" in question}
    latest: dict[str, tuple[str, dict]] = {}
    skipped = []
    for observation in observations(document):
        day = _observation_date(observation)
        for coding in observation.get("code", {}).get("coding", []):
            fact = by_code.get((coding.get("system"), coding.get("code")))
            if fact is None or trial.questions[fact]["type"] not in ("quantity", "number", "integer"):
                continue
            if observation.get("status") not in USABLE_STATUSES:
                skipped.append(f"{_source(observation)} ({trial.questions[fact]['label']}): status {observation.get('status')}")
            elif day is None or day > assessment_date.isoformat():
                skipped.append(f"{_source(observation)} ({trial.questions[fact]['label']}): dated "
                               f"{day or 'nowhere'}, not on or before the assessment date {assessment_date.isoformat()}")
            elif fact not in latest or day > latest[fact][0]:
                latest[fact] = (day, observation)
    found = []
    for fact in trial.in_order(latest):
        day, observation = latest[fact]
        proposal, problem = _proposal(trial, fact, observation, day)
        found += [proposal] if proposal else []
        skipped += [problem] if problem else []
    return found + _uln_proposals(trial, found, latest, skipped), skipped


def _proposal(trial, fact, observation, day):
    question, quantity = trial.questions[fact], observation.get("valueQuantity")
    label = question["label"]
    if not quantity or "value" not in quantity:
        return None, f"{_source(observation)} ({label}): no value with a unit"
    unit = _unit_of(quantity, question)
    if unit is None:
        said = quantity.get("code") or quantity.get("unit") or "no unit"
        return None, f"{_source(observation)} ({label}): the unit {said!r} cannot be mapped to {', '.join(_units(question))}"
    return Proposal(fact, _entry(question, quantity["value"], unit), unit, _source(observation), day, label), None


def _uln_proposals(trial, found: list[Proposal], latest: dict, skipped: list) -> list[Proposal]:
    """The ULN a ratio divides a lab by, from the reference range of the Observation proposed for it."""
    proposed = {proposal.fact for proposal in found}
    ulns = []
    for spec in trial.derived.values():
        if spec.get("calculator") != "ratio" or spec["inputs"]["numerator"] not in proposed:
            continue
        lab, uln = spec["inputs"]["numerator"], spec["inputs"]["denominator"]
        day, observation = latest[lab]
        high = next((limit["high"] for limit in observation.get("referenceRange", []) if "high" in limit), None)
        if high is None:
            skipped.append(f"{_source(observation)} ({trial.questions[lab]['label']}): no reference range, so no "
                           f"{trial.questions[uln]['label']}: enter it")
            continue
        unit = _unit_of(high, trial.questions[uln])
        if unit is None:
            skipped.append(f"{_source(observation)}: the reference range's unit cannot be mapped for "
                           f"{trial.questions[uln]['label']}")
            continue
        ulns.append(Proposal(uln, _entry(trial.questions[uln], high["value"], unit), unit, _source(observation), day,
                             trial.questions[uln]["label"], note="the upper limit of its reference range"))
    return ulns


def _entry(question: dict, value, unit: str):
    return {"value": value, "unit": unit} if question.get("units") else value


def _units(question) -> list[str]:
    return list(question.get("units", {})) or [question.get("unit", "")]


def _unit_of(quantity: dict, question: dict) -> str | None:
    """The question's unit a FHIR Quantity is in: by its UCUM code, else by its unit written exactly
    as one of the question's; None when neither matches."""
    if quantity.get("system") == UCUM_SYSTEM and quantity.get("code") in UNIT_OF_UCUM:
        unit = UNIT_OF_UCUM[quantity["code"]]
    else:
        unit = quantity.get("unit")
    return unit if unit in _units(question) else None


def _observation_date(observation) -> str | None:
    when = observation.get("effectiveDateTime") or observation.get("effectivePeriod", {}).get("start") \
        or observation.get("issued")
    return when[:10] if isinstance(when, str) and len(when) >= 10 else None


def _source(observation) -> str:
    return f"Observation/{observation.get('id', '(no id)')}"


def as_answers(found: list[Proposal]) -> dict:
    """The proposals as an answers document (quantities in the unit the record gave)."""
    return {proposal.fact: proposal.value for proposal in found}
