"""The screening log as a sponsor reads it: rows chosen by date and outcome, totals, a bar chart
(drawn as SVG by the template from the geometry here) and the CSV export. Pure: no Flask, no I/O."""
from __future__ import annotations

import csv
import datetime as dt
import io

from ..persistence.screening_log import OUTCOMES

COLUMNS = ["screening_number", "date_screened", "trial", "rules_version", "verdict", "met_all_criteria",
           "criteria_not_met_ids", "criteria_not_met", "outcome", "outcome_label", "outcome_date", "note", "clinician"]
IDENTIFIED_COLUMNS = ["patient_name", "patient_mrn", "birth_date"]


def chosen(rows: list[dict], start: dt.date | None = None, end: dt.date | None = None,
           outcome: str | None = None) -> list[dict]:
    """The rows screened from `start` to `end` (both included) with that outcome (any when None)."""
    return [row for row in rows
            if (start is None or dt.date.fromisoformat(row["screened"]) >= start)
            and (end is None or dt.date.fromisoformat(row["screened"]) <= end)
            and (outcome is None or row["outcome"] == outcome)]


def totals(rows: list[dict]) -> list[tuple[str, int]]:
    """(what, how many): screened, eligible on the checklist, then each outcome."""
    counted = [("Screened", len(rows)), ("Eligible on the checklist", sum(row["verdict"] == "eligible" for row in rows))]
    return counted + [(label, sum(row["outcome"] == outcome for row in rows)) for outcome, label in OUTCOMES.items()]


def bars(counted: list[tuple[str, int]], width: int = 240) -> list[dict]:
    """Each total as a bar of the chart: its label, count, length (the largest spans `width`) and row."""
    largest = max((count for _label, count in counted), default=0) or 1
    return [{"label": label, "count": count, "length": round(width * count / largest), "row": index}
            for index, (label, count) in enumerate(counted)]


def screening_number(row: dict) -> str:
    return f"{row['number']:04d}"


def csv_text(rows: list[dict], identities: dict | None = None) -> str:
    """The rows as CSV, de-identified; with `identities` ({draft: {patient_name, patient_mrn,
    birth_date}}), the site's own identified copy."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS + (IDENTIFIED_COLUMNS if identities is not None else []))
    for row in rows:
        line = [screening_number(row), row["screened"], row["trial"], row["rules_version"], row["verdict"],
                "Y" if row["verdict"] == "eligible" else "N",
                " ".join(criterion["id"] for criterion in row["not_met"]),
                "; ".join(criterion["label"] for criterion in row["not_met"]),
                row["outcome"], OUTCOMES[row["outcome"]], row["outcome_date"], row["note"], row["clinician"]]
        if identities is not None:
            who = identities.get(row["draft"], {})
            line += [who.get(column, "") for column in IDENTIFIED_COLUMNS]
        writer.writerow([_inert(value) for value in line])
    return out.getvalue()


def _inert(value) -> str:
    """A cell a spreadsheet shows as text: one starting with = + - @ or a tab would be run as a
    formula (CSV injection), so it is prefixed with an apostrophe."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
