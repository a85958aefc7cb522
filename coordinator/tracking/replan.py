"""Re-planning from actual dates: the plan JSON plus what really happened →
projected dates of every item and of construction start. Plain Python.

A forward pass over the plan's ``requires`` on the working calendar, with
the planner's conventions: an item of ``d`` days starting on working day
``s`` finishes on ``s+d-1``; its successors start on the next working day
(0-day items enable their successors the same day); an item with a ``lag``
(the construction period) starts that many working days later. Items that
finished keep their actual dates; an item under way keeps its actual start;
nothing unfinished is projected before ``today``. A land date the owner
gave is an outside date: the land contract never moves earlier than it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

from ..planning.calendar import WorkingCalendar

LAND_CONTRACT = "land_contract"
# The land milestones: 出让合同 (auction) or 划拨决定书 (allocation).
LAND_MILESTONES = (LAND_CONTRACT, "land_allocation")
CONSTRUCTION_START = "construction_start"


@dataclass(frozen=True)
class Actual:
    start: dt.date | None = None
    finish: dt.date | None = None


@dataclass(frozen=True)
class Projected:
    code: str
    planned_start: dt.date
    planned_finish: dt.date
    start: dt.date
    finish: dt.date
    done: bool

    @property
    def moved(self) -> bool:
        return self.finish != self.planned_finish


def prerequisite_order(items: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Codes with every prerequisite before the items that need it (plan order kept otherwise)."""
    out: list[str] = []
    state: dict[str, int] = {}

    def visit(code: str) -> None:
        if state.get(code) == 2:
            return
        if state.get(code) == 1:
            raise ValueError(f"prerequisite cycle through {code}")
        state[code] = 1
        for req in items[code].get("requires", ()):
            if req in items:
                visit(req)
        state[code] = 2
        out.append(code)

    for code in items:
        visit(code)
    return out


def project_dates(
    plan: Mapping[str, Any], actuals: Mapping[str, Actual], calendar: WorkingCalendar,
    today: dt.date | None = None,
) -> dict[str, Projected]:
    """Projected dates of every item of ``plan`` given the ``actuals`` by code."""
    items = {i["code"]: i for i in plan["items"]}
    out: dict[str, Projected] = {}
    for code in prerequisite_order(items):
        entry = items[code]
        days = int(entry["days"])
        planned_start = dt.date.fromisoformat(entry["start"])
        planned_finish = dt.date.fromisoformat(entry["finish"])
        enabled = [
            calendar.shift(out[r].finish, 1) if int(items[r]["days"]) > 0 else calendar.next_workday(out[r].finish)
            for r in entry.get("requires", ()) if r in out
        ]
        earliest = max(enabled) if enabled else planned_start
        if entry.get("lag"):
            earliest = calendar.shift(earliest, int(entry["lag"]))
        if code in LAND_MILESTONES and plan.get("land_date"):
            earliest = max(earliest, planned_start)
        actual = actuals.get(code, Actual())
        if actual.finish is not None:
            start = actual.start or min(earliest, actual.finish)
            out[code] = Projected(code, planned_start, planned_finish, start, actual.finish, True)
            continue
        start = actual.start or earliest
        if actual.start is None and today is not None and start < today:
            start = calendar.next_workday(today)
        finish = calendar.shift(start, days - 1) if days > 0 else calendar.next_workday(start)
        if today is not None and finish < today:
            finish = calendar.next_workday(today)
        out[code] = Projected(code, planned_start, planned_finish, start, finish, False)
    return out


def working_days_late(calendar: WorkingCalendar, projected: Projected) -> int:
    """Working days the projected finish is after the planned one (negative: early)."""
    return calendar.count_between(projected.planned_finish, projected.finish)
