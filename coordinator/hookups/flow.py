"""Pure rules of hookup requests: routing to providers, the progress state
machine and the overdue check (no Flask, no database); deadlines are the
service-request core's (:mod:`coordinator.servicerequests.deadlines`)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Sequence

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


def allowed_progress(status: str) -> list[str]:
    """The statuses a provider may report next: any later step of :data:`PROGRESS`
    (steps a connection does not need, e.g. external works, may be skipped)."""
    if status not in PROGRESS:
        return []
    return list(PROGRESS[PROGRESS.index(status) + 1:])


def target_overdue(target: dt.date | None, status: str, today: dt.date) -> bool:
    """The connected-by target has passed and the utility is not connected."""
    return target is not None and status not in (CONNECTED, WITHDRAWN) and today > target

