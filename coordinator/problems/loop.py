"""The closed loop of a 办不成事 problem report (滨海 measures (十五)):
受理 → 分类 → 转办 → 办结 → 反馈 → 核查 → 备案. Plain Python: states, who may
make which move, what each move needs, and the deadline of the next step.

States are named after the step just done: ``filed`` (reported, waiting for
受理) → ``accepted`` → ``classified`` → ``transferred`` (to the responsible
department, which must answer) → ``resolved`` (办结) → ``feedback`` (the
reporter is satisfied) → ``verified`` (核查) → ``archived`` (备案, closed into
the ledger). An unsatisfied 反馈 sends the report back to ``transferred``: the
department answers again. The 政务服务办 (the office) makes every move but
办结 (the department) and 反馈 (the reporter); at 核查 the office may also
send the report back to a department.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Mapping, Sequence

from ..planning.calendar import WorkingCalendar
from ..tracking.lifecycle import TransitionError

FILED = "filed"
ACCEPTED = "accepted"
CLASSIFIED = "classified"
TRANSFERRED = "transferred"
RESOLVED = "resolved"
FEEDBACK = "feedback"
VERIFIED = "verified"
ARCHIVED = "archived"

STATES = (FILED, ACCEPTED, CLASSIFIED, TRANSFERRED, RESOLVED, FEEDBACK, VERIFIED, ARCHIVED)
#: The steps of the loop in order: the state each move leads to.
STEPS = STATES[1:]

REPORTER = "reporter"
OFFICE = "office"
DEPARTMENT = "department"

#: state → {target: who may make that move}
TRANSITIONS: dict[str, dict[str, str]] = {
    FILED: {ACCEPTED: OFFICE},
    ACCEPTED: {CLASSIFIED: OFFICE},
    CLASSIFIED: {TRANSFERRED: OFFICE},
    TRANSFERRED: {RESOLVED: DEPARTMENT},
    RESOLVED: {FEEDBACK: REPORTER},
    FEEDBACK: {VERIFIED: OFFICE, TRANSFERRED: OFFICE},
    VERIFIED: {ARCHIVED: OFFICE},
    ARCHIVED: {},
}

#: Who must act next in each open state (whose step the deadline is).
NEXT_ACTOR = {state: next(iter(moves.values())) for state, moves in TRANSITIONS.items() if moves}

CATEGORIES = ("beyond_list", "time_exceeded", "refused_without_reason", "system_fault", "other")


class LoopError(TransitionError):
    """A move that may not happen; ``status`` is the HTTP status it maps to,
    ``fields`` names bad inputs, ``allowed`` lists the moves possible now."""


class IllegalMove(LoopError):
    """No such move from the current state (409, with the allowed ones)."""


class NotYourMove(LoopError):
    """The move exists but belongs to another party (403)."""

    status = 403


class InvalidMove(LoopError):
    """A required input is missing or wrong (400, every bad field named)."""

    status = 400


@dataclass(frozen=True)
class Report:
    """What the loop knows of one problem report."""

    status: str = FILED
    category: str = "other"
    department: str | None = None
    #: the day the current state was reached (the next step's clock starts there)
    since: dt.date | None = None
    due: dt.date | None = None
    #: how many times the reporter was not satisfied
    reopened: int = 0


@dataclass(frozen=True)
class Move:
    """A request to move a report: the target, who asks, on which day, and
    the inputs some targets need."""

    to: str
    actor: str
    on: dt.date
    note: str | None = None
    department: str | None = None
    category: str | None = None
    satisfied: bool | None = None


def allowed_moves(report: Report, actor: str | None = None) -> list[str]:
    """The targets reachable from the report's state (for ``actor`` only, when given)."""
    return [t for t, who in TRANSITIONS[report.status].items() if actor is None or who == actor]


def step_deadline(status: str, since: dt.date, limits: Mapping[str, int], calendar: WorkingCalendar) -> dt.date | None:
    """The day the step after ``status`` is due: its limit in working days
    counted from ``since``; ``None`` once the report is archived."""
    moves = TRANSITIONS[status]
    if not moves:
        return None
    return calendar.shift(since, limits[next(iter(moves))])


def apply_move(report: Report, move: Move, limits: Mapping[str, int], calendar: WorkingCalendar,
               departments: Sequence[str] = ()) -> Report:
    """The report after ``move``; raises :class:`IllegalMove` (409),
    :class:`NotYourMove` (403) or :class:`InvalidMove` (400).
    ``departments`` are the codes a report may be transferred to."""
    allowed = allowed_moves(report)
    if move.to not in allowed:
        raise IllegalMove("illegal_transition", f"cannot go from {report.status} to {move.to}", allowed=allowed)
    if TRANSITIONS[report.status][move.to] != move.actor:
        raise NotYourMove("forbidden", f"only the {TRANSITIONS[report.status][move.to]} may move this report to "
                          f"{move.to}", allowed=allowed_moves(report, move.actor))
    _check_inputs(report, move, departments)
    to, reopened, department, category = move.to, report.reopened, report.department, report.category
    if to == FEEDBACK and move.satisfied is False:
        to, reopened = TRANSFERRED, reopened + 1
    if move.to == TRANSFERRED:
        department = move.department or report.department
    if move.to == CLASSIFIED and move.category:
        category = move.category
    return dataclasses.replace(report, status=to, department=department, category=category, since=move.on,
                               due=step_deadline(to, move.on, limits, calendar), reopened=reopened)


def _check_inputs(report: Report, move: Move, departments: Sequence[str]) -> None:
    fields: dict[str, list[str]] = {}
    note = (move.note or "").strip()
    if move.category is not None and move.category not in CATEGORIES:
        fields["category"] = ["one of: " + ", ".join(CATEGORIES)]
    if move.to == TRANSFERRED:
        wanted = move.department or (report.department if report.status == FEEDBACK else None)
        if not wanted:
            fields["department"] = ["required"]
        elif wanted not in departments:
            fields["department"] = [f"unknown department '{wanted}'"]
        if report.status == FEEDBACK and not note:
            fields["note"] = ["required: why the verification failed"]
    if move.to == RESOLVED and not note:
        fields["note"] = ["required: the department's answer"]
    if move.to == FEEDBACK:
        if move.satisfied is None:
            fields["satisfied"] = ["required: true or false"]
        elif move.satisfied is False and not note:
            fields["note"] = ["required: what is still not solved"]
    if fields:
        raise InvalidMove("invalid", "the move is missing required inputs", fields=fields)


def is_overdue(report: Report, today: dt.date) -> bool:
    """The party whose step it is has let its deadline pass."""
    return report.due is not None and today > report.due
