"""The owner's current projection of a project: the plan re-projected from
the actual dates of its items and hookups, and each item's delay cost in it
(stored on the items for the queue's impact order)."""
from __future__ import annotations

import datetime as dt

from ..hookups.service import hookups_of
from ..intermediaries.service import engagement_dates
from ..planning.calendar import WorkingCalendar
from ..projects.models import Project
from . import impact, replan
from .lifecycle import APPROVED, OPEN_STATES, RETURNED


def hookup_actuals(project: Project) -> dict[str, replan.Actual]:
    """What the utility providers reported, as actual dates of the plan's
    steps of each utility: its ``<utility>_hookup`` started when claimed;
    once connected, every step of that utility is done on the connection day."""
    steps: dict[str, list[str]] = {}
    for entry in project.current_plan.plan.get("items", []):
        if entry.get("utility"):
            steps.setdefault(entry["utility"], []).append(entry["code"])
    actuals: dict[str, replan.Actual] = {}
    for r in hookups_of(project):
        claimed = r.claimed_at.date() if r.claimed_at else None
        if r.connected_on:
            for code in steps.get(r.utility, ()):
                actuals[code] = replan.Actual(min(claimed or r.connected_on, r.connected_on), r.connected_on)
        elif claimed:
            actuals[f"{r.utility}_hookup"] = replan.Actual(claimed, None)
    return actuals


def projection_of(project: Project, cal: WorkingCalendar, today: dt.date
                  ) -> tuple[dict[str, replan.Projected], dict[str, replan.Actual]]:
    """The projected dates of the project's current plan from what happened
    so far (items, hookups, the agencies' reports), and those actual dates."""
    stored = project.current_plan
    actuals = {i.code: replan.Actual(i.actual_start, i.actual_finish) for i in stored.items
               if i.status in (APPROVED, *OPEN_STATES, RETURNED)}
    actuals.update(hookup_actuals(project))
    actuals.update({code: replan.Actual(start, finish) for code, (start, finish) in engagement_dates(project).items()})
    return replan.project_dates(stored.plan, actuals, cal, today), actuals


def refresh_delays(project: Project, cal: WorkingCalendar, today: dt.date | None = None) -> None:
    """Store each item's slack and impact in the project's current projection
    (the queue's impact order); part of the caller's transaction."""
    stored = project.current_plan
    if stored is None:
        return
    projected, actuals = projection_of(project, cal, today or dt.date.today())
    found = impact.delays(stored.plan, projected, cal, started=[c for c, a in actuals.items() if a.start])
    for item in stored.items:
        delay = found.get(item.code)
        item.slack, item.impact_days = (delay.slack, delay.impact_days) if delay else (None, None)
