"""The patient's pre-screen: the same rules and the same evaluation, told to the patient.

A rules file offers the patient path when it has a top-level `patient` block (the trial in plain
words, how to take part, a glossary). Each question's `patient` block says whether a patient is
asked it (`ask`) and how it reads to them; a question not asked is one for the care team. Each
criterion's `patient` text says in plain words what the trial requires. Every text is an object
with one translation per language of `patient.languages`.

"I am not sure" is no answer: the criteria it feeds stay open, never failed, and the question is
listed for the care team. The patient's verdict never says "eligible" or "not eligible": either
nothing the patient said rules the trial out (and the care team must check what is listed), or
some answer suggests it may not fit (and why, in the trial's plain words).

static/view.js (patientView) mirrors patient_verdict for the offline page; the parity suite
compares them.
"""
from __future__ import annotations

from .rules import Trial
from .view import needed

NOTHING_RULES_OUT, MAY_NOT_FIT = "nothing_rules_out", "may_not_fit"


def in_language(words, language: str) -> str:
    """A text of the rules in `language` (English when it has no such translation)."""
    if isinstance(words, dict):
        return words.get(language) or words.get("en", "")
    return words or ""


def patient_block(trial: Trial, fact: str) -> dict:
    return trial.questions[fact].get("patient", {})


def asks_patient(trial: Trial, fact: str) -> bool:
    return bool(patient_block(trial, fact).get("ask"))


def patient_questions(trial: Trial) -> list[str]:
    """The questions a patient is asked, in checklist order."""
    return [fact for fact in trial.order if asks_patient(trial, fact)]


def patient_sections(trial: Trial) -> list[tuple[dict, list[str]]]:
    """Each section with the questions of it a patient is asked; sections with none left out."""
    sections = []
    for section in trial.rules["sections"]:
        facts = [fact for fact in section["questions"] if asks_patient(trial, fact)]
        if facts:
            sections.append((section, facts))
    return sections


def question_text(trial: Trial, fact: str, language: str) -> str:
    """The question as a patient reads it, or as the care team's item when a patient is not asked."""
    return in_language(patient_block(trial, fact).get("text"), language) or trial.questions[fact]["label"]


def short_text(trial: Trial, fact: str, language: str) -> str:
    """The question in a few words, for the one-page sheet."""
    return in_language(patient_block(trial, fact).get("short"), language) or question_text(trial, fact, language)


def by_section(trial: Trial, items: list[dict], language: str) -> list[tuple[str, list[tuple[str, bool]]]]:
    """The care team's items (patient_verdict's) as the one-page sheet lists them: by section
    (its title for patients), each in a few words, once, with whether the patient was not sure."""
    unsure = {item["fact"]: item["unsure"] for item in items}
    grouped = []
    for section in trial.rules["sections"]:
        shorts: dict[str, bool] = {}
        for fact in section["questions"]:
            if fact in unsure:
                text = short_text(trial, fact, language)
                shorts[text] = shorts.get(text, False) or unsure[fact]
        if shorts:
            grouped.append((in_language(section.get("patient", {}).get("title"), language) or section["title"],
                            list(shorts.items())))
    return grouped


def choice_text(trial: Trial, fact: str, value: str, language: str) -> str:
    question = trial.questions[fact]
    words = patient_block(trial, fact).get("choices", {}).get(value)
    return in_language(words, language) or question.get("choices", {}).get(value, value)


def patient_choices(trial: Trial, fact: str, language: str) -> list[tuple[str, str]]:
    """(value, words) of a choice question, as offered to a patient."""
    offered = patient_block(trial, fact).get("choices") or trial.questions[fact].get("choices", {})
    return [(value, choice_text(trial, fact, value, language)) for value in offered]


def patient_verdict(trial: Trial, evaluation: dict, answers: dict, unsure, language: str) -> dict:
    """What the patient is told: `kind` (NOTHING_RULES_OUT or MAY_NOT_FIT); `reasons`, one per
    criterion not met, in the trial's plain words with the patient's answers it read; `care_team`,
    the things still to check that the patient was not asked or was not sure of (one item per
    plain text). The patient's own questions still unanswered are the page's to count."""
    unsure, plain = set(unsure), {criterion["id"]: criterion.get("patient") for criterion in trial.criteria}
    reasons = [{"criterion": criterion["id"],
                "text": in_language(plain[criterion["id"]], language) or criterion["label"],
                "answers": [fact for fact in criterion["facts"] if fact in answers and asks_patient(trial, fact)]}
               for criterion in evaluation["criteria"] if criterion["status"] == "not_met"]
    care_team, seen = [], set()
    for fact in needed(trial, evaluation):
        if asks_patient(trial, fact) and fact not in unsure:
            continue
        text = question_text(trial, fact, language)
        if text not in seen:
            seen.add(text)
            care_team.append({"fact": fact, "text": text, "unsure": fact in unsure})
    return {"kind": MAY_NOT_FIT if reasons else NOTHING_RULES_OUT, "reasons": reasons,
            "care_team": care_team}


def glossary(trial: Trial, language: str) -> list[tuple[str, str]]:
    """(term, meaning) of the trial's glossary, in `language`, alphabetical."""
    entries = [(in_language(entry["term"], language), in_language(entry["meaning"], language))
               for entry in trial.rules["patient"].get("glossary", [])]
    return sorted(entries, key=lambda entry: entry[0].casefold())
