"""What a delay of each item costs the owner: its slack in the current
projection and how many working days construction start or completion move
if it slips one day. Plain Python over the plan JSON and a projection
(:func:`coordinator.tracking.replan.project_dates`).

A backward pass over the projected dates, with the forward pass's
conventions: a successor may start the working day after an item of one
day or more finishes (the same day after a 0-day item), plus its ``lag``.
Construction start and completion (the last finish) must not move; items
that are done, and successors already under way, constrain nothing.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from ..planning.calendar import WorkingCalendar
from .replan import CONSTRUCTION_START, Projected, prerequisite_order


@dataclass(frozen=True)
class Delay:
    """``slack``: working days the item can slip without moving construction
    start or completion; ``impact_days``: how far they move if it slips one."""

    slack: int
    impact_days: int


def _day_numbers(calendar: WorkingCalendar, first: dt.date, last: dt.date) -> dict[dt.date, int]:
    """Working day → its number counted from ``first`` (non-working days share the previous number)."""
    numbers, n, day = {}, 0, first
    while day <= last:
        if calendar.is_workday(day) and day != first:
            n += 1
        numbers[day] = n
        day += dt.timedelta(days=1)
    return numbers


def delays(plan: Mapping[str, Any], projected: Mapping[str, Projected], calendar: WorkingCalendar,
           started: Iterable[str] = ()) -> dict[str, Delay]:
    """The :class:`Delay` of every unfinished item of ``projected``;
    ``started`` names the items under way (their start no longer moves)."""
    items = {i["code"]: i for i in plan["items"]}
    open_codes = {c for c, p in projected.items() if not p.done}
    if not open_codes:
        return {}
    started = set(started)
    number = _day_numbers(calendar, min(p.start for p in projected.values()),
                          max(p.finish for p in projected.values()))
    start = {c: number[p.start] for c, p in projected.items()}
    finish = {c: number[p.finish] for c, p in projected.items()}
    completion = max(finish.values())
    successors: dict[str, list[str]] = {c: [] for c in items}
    for code, entry in items.items():
        for req in entry.get("requires", ()):
            if req in successors:
                successors[req].append(code)
    latest: dict[str, int] = {}
    for code in reversed(prerequisite_order(items)):
        if code not in open_codes:
            continue
        bound = completion
        if code == CONSTRUCTION_START:
            bound = min(bound, finish[code])
        gap = 1 if int(items[code]["days"]) > 0 else 0
        for succ in successors[code]:
            if succ not in open_codes or succ in started:
                continue
            latest_start = latest[succ] - (finish[succ] - start[succ])
            bound = min(bound, latest_start - int(items[succ].get("lag") or 0) - gap)
        latest[code] = bound
    out = {}
    for code in open_codes:
        slack = max(latest[code] - finish[code], 0)
        out[code] = Delay(slack, 0 if slack else 1)
    return out
