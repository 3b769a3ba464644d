"""When a verdict holds: the assessment dates over which the answers keep it, what opens and
closes that stretch, when an exclusion lapses, and when registration is possible.

A verdict depends on the assessment date only through the windows the rules measure back from it
("within 30 days", "at least 12 months before") and the dated calculators (an age, a date within a
window, a washout). Each changes its outcome only on certain days, its turns, which the answers fix
(the day a test stops counting, the first day clear of a washout, a birthday). Between two turns
every criterion keeps its status, so judging the dated criteria once per turn finds every change,
as far as LOOK either side of the assessment date.

This module walks the turns; the engine says what a day's statuses are (`state_on`) and what
verdict they give (`verdict_at`). Pure: no I/O.
"""
from __future__ import annotations

import datetime as dt

LOOK = dt.timedelta(days=366)  # how far before and after the assessment date the window is sought
ONE_DAY = dt.timedelta(days=1)


def window(day: dt.date, turns, earliest: dt.date | None, current: dict, state_on, verdict_at) -> dict:
    """The evaluation document's `window`.

    `current`: the dated criteria as judged on `day` ({id: judged}); `state_on(date)` judges them
    on another date; `verdict_at(state)` is the verdict with them so. `earliest`: the latest
    answered date that cannot follow the assessment date (before it the answers cannot be).
    """
    events: list[dict] = []
    start = _start(day, sorted(turns, reverse=True), earliest, current, state_on, verdict_at, events)
    until, registration = _ahead(day, sorted(turns), current, state_on, verdict_at, events)
    if registration and registration[0] == day:
        registration = (start, registration[1])
    return {
        "from": _iso(start),
        "until": _iso(until),
        "events": sorted(events, key=lambda event: event["date"]),
        "registration": {"from": _iso(registration[0]), "until": _iso(registration[1])} if registration else None,
    }


def _start(day, turns, earliest, current, state_on, verdict_at, events):
    """The first day of the stretch that holds `day`'s verdict (None: before the look-back)."""
    verdict, later = verdict_at(current), current
    for turn in turns:
        if turn > day or turn <= day - LOOK:
            continue
        if earliest and turn <= earliest:
            return earliest
        before = state_on(turn - ONE_DAY)
        if verdict_at(before) != verdict:
            events += _changes(turn, before, later)
            return turn
        later = before
    return earliest if earliest and earliest > day - LOOK else None


def _ahead(day, turns, current, state_on, verdict_at, events):
    """(last day of the stretch, (first, last) day of the first eligible stretch from `day`),
    recording what changes then, and when each criterion failing on `day` stops failing."""
    verdict, state = verdict_at(current), current
    until, opens, closes = None, (day if verdict == "eligible" else None), None
    failing = {key for key, judged in current.items() if judged["status"] == "not_met"}
    for turn in turns:
        if turn <= day or turn > day + LOOK:
            continue
        if until and not failing and (opens is None or closes):
            break
        after = state_on(turn)
        now, edge = verdict_at(after), False
        if until is None and now != verdict:
            until, edge = turn - ONE_DAY, True
        if opens is None and now == "eligible":
            opens, edge = turn, True
        elif opens and closes is None and now != "eligible":
            closes, edge = turn - ONE_DAY, True
        lapsed = {key for key in failing if after[key]["status"] != "not_met"}
        events += _changes(turn, state, after, None if edge else lapsed)
        failing -= lapsed
        state = after
    return until, ((opens, closes) if opens else None)


def _changes(turn, before: dict, after: dict, only=None) -> list[dict]:
    """The criteria whose status differs from `before` to `after` (on `turn`), or those of `only`."""
    return [{"date": turn.isoformat(), "criterion": key, "label": judged["label"], "was": before[key]["status"],
             "status": judged["status"], "reason": judged["reason"]}
            for key, judged in after.items()
            if judged["status"] != before[key]["status"] and (only is None or key in only)]


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
