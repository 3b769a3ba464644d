"""The rules as a sheet a principal investigator compares with the protocol and signs off
(`checklist rules show`): each criterion's protocol text beside its logic in words, every question
with its units, limits and when it is asked, every calculated value with its method. One HTML
page that prints; nothing in it is fetched."""
from __future__ import annotations

import datetime as dt

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..bundled import TEMPLATES
from ..domain.calculators import inputs_of
from ..domain.rule_words import label_of, parameters_words, rule_words
from ..domain.rules import Trial
from ..domain.values import format_number, show_unit, to_number

METHODS = {"points_sum": "sum of points for", "bands": "class by bands of", "cockcroft_gault": "Cockcroft-Gault from",
           "age_in_years": "age in whole years on the assessment date, from", "date_within": "whether it is within the "
           "window before the assessment date, from", "washout": "whether the washout has not ended, from",
           "ratio": "ratio of"}


def rules_sheet(trial: Trial, rules_file: str) -> str:
    environment = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    return environment.get_template("rules_sheet.html").render(
        trial=trial, rules_file=rules_file, made=dt.date.today().isoformat(),
        steps=[(step, [criterion for criterion in trial.criteria if criterion["step"] == step["id"]])
               for step in trial.rules["steps"]],
        words=lambda expression: rule_words(expression, trial), questions=questions(trial), calculated=calculated(trial))


def questions(trial: Trial) -> list[dict]:
    """Each question as the sheet lists it, in checklist order."""
    rows = []
    for section in trial.rules["sections"]:
        for fact in section["questions"]:
            question = trial.questions[fact]
            units = [show_unit(unit) for unit in question.get("units", {})] or [show_unit(question.get("unit", ""))]
            plausible = question.get("plausible")
            rows.append({
                "fact": fact, "section": section["title"], "label": question["label"], "type": question["type"],
                "units": ", ".join(unit for unit in units if unit),
                "choices": ", ".join(question.get("choices", {}).values()),
                "plausible": f"{format_number(to_number(plausible[0]))} to {format_number(to_number(plausible[1]))} "
                             f"{show_unit(question.get('unit', ''))}".rstrip() if plausible else "",
                "asked_if": rule_words(question["ask_if"], trial) if "ask_if" in question else None,
                "implied": question.get("implied"),
                "calculated": fact in trial.derived,
            })
    return rows


def calculated(trial: Trial) -> list[dict]:
    """Each calculated value: its method in words, what it is worked out from, its other parameters."""
    return [{"name": name, "label": label_of(name, trial),
             "method": METHODS.get(spec["calculator"], spec["calculator"]),
             "inputs": ", ".join(label_of(fact, trial) for fact in inputs_of(spec)),
             "unit": show_unit(spec.get("unit", trial.questions.get(name, {}).get("unit", ""))),
             "source": spec.get("source", trial.questions.get(name, {}).get("source", "")),
             "parameters": parameters_words(spec, trial)}
            for name, spec in trial.derived.items()]
