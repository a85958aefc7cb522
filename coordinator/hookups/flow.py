"""Pure rules of hookup requests: routing to providers, the claim deadline,
the progress state machine and the overdue check (no Flask, no database)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Sequence

from ..planning.calendar import WorkingCalendar

OFFERED, CLAIMED, CONNECTED, WITHDRAWN = "offered", "claimed", "connected", "withdrawn"
#: The path of a claimed request, in order (SPEC §4.4 hookup statuses).
PROGRESS = ("claimed", "surveyed", "designed", "constructed", "connected")
#: What a provider may report with ``POST /hookups/{id}/progress``.
PROGRESS_TARGETS = PROGRESS[1:]
STATUSES = (OFFERED, *PROGRESS, WITHDRAWN)


@dataclass(frozen=True)
class ProviderArea:
    """What routing needs to know of a provider: its utility type and districts."""

    key: object
    utility: str | None
    districts: Sequence[str]


def route(utility: str, district: str, providers: Iterable[ProviderArea]) -> list[object]:
    """The keys of every provider of ``utility`` serving ``district``, in the given order."""
    return [p.key for p in providers if p.utility == utility and district in (p.districts or ())]


def claim_deadline(created: dt.date, limit_days: int, calendar: WorkingCalendar) -> dt.date:
    """The last day to claim: ``limit_days`` working days after the working
    day on or after ``created`` (a request made on a holiday starts counting
    on the next working day)."""
    return calendar.shift(created, limit_days)


def claim_overdue(claim_by: dt.date, today: dt.date) -> bool:
    """Unclaimed after the claim deadline's day: time to escalate."""
    return today > claim_by


def allowed_progress(status: str) -> list[str]:
    """The statuses a provider may report next: any later step of :data:`PROGRESS`
    (steps a connection does not need, e.g. external works, may be skipped)."""
    if status not in PROGRESS:
        return []
    return list(PROGRESS[PROGRESS.index(status) + 1:])


def target_overdue(target: dt.date | None, status: str, today: dt.date) -> bool:
    """The connected-by target has passed and the utility is not connected."""
    return target is not None and status not in (CONNECTED, WITHDRAWN) and today > target


def working_days_left(claim_by: dt.date, today: dt.date, calendar: WorkingCalendar) -> int:
    """Whole working days left to claim after today: the limit on the day the
    request is made, 0 on the deadline day and after it."""
    if today >= claim_by:
        return 0
    return calendar.count_between(today + dt.timedelta(days=1), claim_by + dt.timedelta(days=1))
