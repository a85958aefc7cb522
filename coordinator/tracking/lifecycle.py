"""The lifecycle of a plan item: states, who may move it where, and its
deadlines in working days. Plain Python: no web framework, no database.

States: ``not_submitted`` → ``submitted`` → ``accepted`` (受理) or
``accepted_with_gaps`` (容缺受理) or ``returned`` (补正, every missing
material listed at once) → ``approved`` (办结) or ``refused`` (不予许可).
The owner submits and resubmits; the item's department does the rest.
An approval given on commitment whose 核查 fails is ``revoked``: the owner
applies again, the standard way.

Deadlines: a submitted item must be accepted or returned within
:data:`ACCEPTANCE_WORKING_DAYS`; the committed time limit counts from the
working day after acceptance, stops while the item is returned for
correction and resumes the working day after resubmission. 告知承诺 items
are approved on acceptance and get a verification task of
:data:`VERIFICATION_WORKING_DAYS`.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from ..planning.calendar import WorkingCalendar

NOT_SUBMITTED = "not_submitted"
SUBMITTED = "submitted"
ACCEPTED = "accepted"
ACCEPTED_WITH_GAPS = "accepted_with_gaps"
RETURNED = "returned"
APPROVED = "approved"
REFUSED = "refused"
REVOKED = "revoked"

STATES = (NOT_SUBMITTED, SUBMITTED, ACCEPTED, ACCEPTED_WITH_GAPS, RETURNED, APPROVED, REFUSED, REVOKED)
#: States the department still has to act on (its queue).
OPEN_STATES = (SUBMITTED, ACCEPTED, ACCEPTED_WITH_GAPS)
FINAL_STATES = (APPROVED, REFUSED)

OWNER = "owner"
DEPARTMENT = "department"

#: state → {target: who may make that move}
TRANSITIONS: dict[str, dict[str, str]] = {
    NOT_SUBMITTED: {SUBMITTED: OWNER},
    SUBMITTED: {ACCEPTED: DEPARTMENT, ACCEPTED_WITH_GAPS: DEPARTMENT, RETURNED: DEPARTMENT, REFUSED: DEPARTMENT},
    ACCEPTED: {APPROVED: DEPARTMENT, RETURNED: DEPARTMENT, REFUSED: DEPARTMENT},
    # the materials that were allowed to follow have arrived: plain acceptance
    ACCEPTED_WITH_GAPS: {ACCEPTED: DEPARTMENT, RETURNED: DEPARTMENT, REFUSED: DEPARTMENT},
    RETURNED: {SUBMITTED: OWNER},
    APPROVED: {},
    REFUSED: {},
    # revoked by a failed 核查 (see :func:`revoke`), never by a transition
    REVOKED: {SUBMITTED: OWNER},
}

#: 行政许可法 第三十二条: accept, or list what is missing, within five days.
ACCEPTANCE_WORKING_DAYS = 5
#: The verification (核查) of a 告知承诺 approval, from its acceptance.
VERIFICATION_WORKING_DAYS = 20
COMMITMENT = "commitment"
GAPS = "gaps"


class TransitionError(Exception):
    """A transition that may not happen; ``code`` says why (and the HTTP
    status it maps to), ``fields`` names bad inputs, ``allowed`` lists the
    transitions possible from the current state."""

    status = 409

    def __init__(self, code: str, message: str, fields: Mapping[str, list[str]] | None = None,
                 allowed: Sequence[str] = ()):
        super().__init__(message)
        self.code, self.message = code, message
        self.fields = dict(fields or {})
        self.allowed = list(allowed)


class IllegalTransition(TransitionError):
    """No such move from the current state (409, with the allowed ones)."""


class NotPermitted(TransitionError):
    """The move exists but this actor may not make it (403)."""

    status = 403


class InvalidTransition(TransitionError):
    """A required input is missing or wrong (400, every bad field named)."""

    status = 400


class PrerequisitesPending(TransitionError):
    """The item may not be submitted before its prerequisites are approved (409)."""


@dataclass(frozen=True)
class Material:
    name: str
    essential: bool = True


@dataclass(frozen=True)
class TrackedItem:
    """Everything the lifecycle knows about one item."""

    status: str = NOT_SUBMITTED
    mode: str = "standard"
    modes: tuple[str, ...] = ()
    days: int = 0
    materials: tuple[Material, ...] = ()
    due_date: dt.date | None = None
    submitted_on: dt.date | None = None
    accepted_on: dt.date | None = None
    #: (returned on, resubmitted on or None while still returned), only after acceptance
    clock_pauses: tuple[tuple[dt.date, dt.date | None], ...] = ()
    missing_materials: tuple[str, ...] = ()
    gaps_materials: tuple[str, ...] = ()
    gaps_due: dt.date | None = None
    verification_due: dt.date | None = None
    actual_start: dt.date | None = None
    actual_finish: dt.date | None = None
    document_number: str | None = None

    @property
    def clock_stopped(self) -> bool:
        return bool(self.clock_pauses) and self.clock_pauses[-1][1] is None


@dataclass(frozen=True)
class TransitionRequest:
    """A request to move an item: the target, who asks, on which day, and
    the inputs some targets need."""

    to: str
    actor: str
    on: dt.date
    reason: str | None = None
    missing_materials: tuple[str, ...] = field(default=())
    gaps_due: dt.date | None = None
    document_number: str | None = None


def allowed_transitions(item: TrackedItem, actor: str | None = None) -> list[str]:
    """The targets reachable from the item's state (for ``actor`` only, when given).
    容缺受理 is offered only for items whose rules allow it."""
    out = []
    for target, who in TRANSITIONS[item.status].items():
        if target == ACCEPTED_WITH_GAPS and GAPS not in item.modes:
            continue
        if actor is None or who == actor:
            out.append(target)
    return out


def apply_transition(item: TrackedItem, request: TransitionRequest, calendar: WorkingCalendar) -> TrackedItem:
    """The item after ``request``; raises a :class:`TransitionError` when the
    move is illegal (409), not this actor's (403) or lacks inputs (400)."""
    allowed = allowed_transitions(item)
    if request.to not in allowed:
        raise IllegalTransition("illegal_transition", f"cannot go from {item.status} to {request.to}",
                                allowed=allowed)
    if TRANSITIONS[item.status][request.to] != request.actor:
        who = "the project's owner" if TRANSITIONS[item.status][request.to] == OWNER else "the item's department"
        raise NotPermitted("forbidden", f"only {who} may move this item to {request.to}",
                           allowed=allowed_transitions(item, request.actor))
    _check_inputs(item, request)
    on = request.on
    to = request.to
    if to == SUBMITTED:
        pauses = item.clock_pauses
        if item.clock_stopped:
            pauses = pauses[:-1] + ((pauses[-1][0], on),)
        changed = dataclasses.replace(item, status=SUBMITTED, clock_pauses=pauses,
                                      submitted_on=item.submitted_on or on, actual_start=item.actual_start or on)
        if item.accepted_on is None:
            return dataclasses.replace(changed, due_date=calendar.shift(on, ACCEPTANCE_WORKING_DAYS))
        return dataclasses.replace(changed, due_date=due_date(calendar, item.accepted_on, item.days, pauses))
    if to in (ACCEPTED, ACCEPTED_WITH_GAPS):
        accepted_on = item.accepted_on or on
        changed = dataclasses.replace(
            item, status=to, accepted_on=accepted_on,
            due_date=due_date(calendar, accepted_on, item.days, item.clock_pauses),
        )
        if to == ACCEPTED_WITH_GAPS:
            changed = dataclasses.replace(changed, gaps_materials=request.missing_materials, gaps_due=request.gaps_due)
        elif item.status == ACCEPTED_WITH_GAPS:
            changed = dataclasses.replace(changed, gaps_due=None)
        if item.mode == COMMITMENT and to == ACCEPTED:
            return dataclasses.replace(
                changed, status=APPROVED, actual_finish=on, document_number=request.document_number,
                verification_due=calendar.shift(on, VERIFICATION_WORKING_DAYS),
            )
        return changed
    if to == RETURNED:
        pauses = item.clock_pauses + ((on, None),) if item.accepted_on else item.clock_pauses
        return dataclasses.replace(item, status=RETURNED, clock_pauses=pauses, due_date=None,
                                   missing_materials=request.missing_materials)
    if to == APPROVED:
        return dataclasses.replace(item, status=APPROVED, actual_finish=on, document_number=request.document_number)
    return dataclasses.replace(item, status=REFUSED, actual_finish=on)


def revoke(item: TrackedItem, standard_days: int) -> TrackedItem:
    """The approval given on commitment, revoked after a failed 核查: the
    item starts afresh in the standard mode with ``standard_days``."""
    return TrackedItem(status=REVOKED, mode="standard", modes=item.modes, days=standard_days,
                       materials=item.materials)


def _check_inputs(item: TrackedItem, request: TransitionRequest) -> None:
    fields: dict[str, list[str]] = {}
    to = request.to
    if to in (RETURNED, REFUSED) and not (request.reason or "").strip():
        fields["reason"] = ["required"]
    if to in (RETURNED, ACCEPTED_WITH_GAPS):
        listed = [m for m in request.missing_materials if m.strip()]
        if not listed or len(listed) != len(request.missing_materials):
            fields["missing_materials"] = ["required: a non-empty list of materials"]
        elif to == ACCEPTED_WITH_GAPS:
            essential = {m.name for m in item.materials if m.essential}
            bad = [m for m in listed if m in essential]
            if bad:
                fields["missing_materials"] = ["essential materials cannot follow later: " + "、".join(bad)]
    if to == ACCEPTED_WITH_GAPS:
        if request.gaps_due is None:
            fields["gaps_due"] = ["required"]
        elif request.gaps_due < request.on:
            fields["gaps_due"] = ["must not be in the past"]
    lands_approved = to == APPROVED or (to == ACCEPTED and item.mode == COMMITMENT)
    if lands_approved and not (request.document_number or "").strip():
        fields["document_number"] = ["required"]
    if fields:
        raise InvalidTransition("invalid", "the transition is missing required inputs", fields=fields)


# --- deadlines ----------------------------------------------------------------


def running_days(calendar: WorkingCalendar, accepted_on: dt.date,
                 pauses: Iterable[tuple[dt.date, dt.date | None]]):
    """The working days the clock runs on, in order: after the acceptance day,
    skipping every day after a return up to and including its resubmission.
    Endless while the clock runs; ends at an open pause."""
    pauses = list(pauses)
    day = accepted_on
    while True:
        day += dt.timedelta(days=1)
        paused = False
        for returned, resubmitted in pauses:
            if returned < day and (resubmitted is None or day <= resubmitted):
                if resubmitted is None:
                    return
                paused = True
        if not paused and calendar.is_workday(day):
            yield day


def due_date(calendar: WorkingCalendar, accepted_on: dt.date, days: int,
             pauses: Iterable[tuple[dt.date, dt.date | None]] = ()) -> dt.date | None:
    """The committed deadline: the ``days``-th working day the clock runs
    after acceptance (the acceptance day, or the first working day after it,
    for 0 days); ``None`` while the clock is stopped before reaching it."""
    pauses = list(pauses)
    if days <= 0:
        return calendar.next_workday(accepted_on)
    for n, day in enumerate(running_days(calendar, accepted_on, pauses), start=1):
        if n == days:
            return day
    return None


def working_days_used(calendar: WorkingCalendar, accepted_on: dt.date, until: dt.date,
                      pauses: Iterable[tuple[dt.date, dt.date | None]] = ()) -> int:
    """How many working days of the time limit have run from acceptance to ``until``."""
    n = 0
    for day in running_days(calendar, accepted_on, pauses):
        if day > until:
            break
        n += 1
    return n


OVERDUE = "overdue"
DUE_SOON = "due_soon"
ON_TIME = "on_time"


def deadline_flag(calendar: WorkingCalendar, status: str, due: dt.date | None, today: dt.date) -> str | None:
    """``overdue`` after the due date, ``due_soon`` when at most one working
    day is left, ``on_time`` otherwise; ``None`` for items nobody is waiting
    on (not submitted, returned, decided) or without a due date."""
    if status not in OPEN_STATES or due is None:
        return None
    if today > due:
        return OVERDUE
    if calendar.count_between(today, due) <= 1:
        return DUE_SOON
    return ON_TIME


def is_overdue(status: str, due: dt.date | None, today: dt.date) -> bool:
    """The department is late: an open item past its due date."""
    return status in OPEN_STATES and due is not None and today > due


# --- prerequisites --------------------------------------------------------------


def blocking_prerequisites(plan: Mapping[str, Any], code: str, statuses: Mapping[str, str]) -> list[str]:
    """The tracked items that must be approved before ``code`` may be
    submitted and are not yet: its ``requires`` in the plan JSON, looking
    through milestones to the items behind them. Utility steps are tracked
    by the hookup workflow and never block. On a 拿地即开工 plan the land
    contract and the items issued on the land day (mode ``land_day``) do not
    block either: they are pre-reviewed during bidding and issued together."""
    items = {i["code"]: i for i in plan.get("items", [])}
    land_day = bool(plan.get("land_day_start", {}).get("eligible"))
    blocking: list[str] = []
    seen: set[str] = set()
    stack = list(reversed(items[code]["requires"])) if code in items else []
    while stack:
        req = stack.pop()
        if req in seen or req not in items:
            continue
        seen.add(req)
        prerequisite = items[req]
        if land_day and (req == "land_contract" or prerequisite.get("mode") == "land_day"):
            continue
        if prerequisite["kind"] == "milestone":
            stack.extend(reversed(prerequisite["requires"]))
        elif prerequisite["kind"] == "approval" and statuses.get(req) != APPROVED:
            blocking.append(req)
    return blocking
