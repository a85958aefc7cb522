"""Durations learned from the records: per item code (and department) how
many working days really passed from acceptance to decision. Plain Python.

A plan made with ``durations: observed`` uses the 85th percentile where an
item has at least :data:`MIN_RECORDS` decisions, its committed days otherwise.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Iterable

#: Fewer decisions than this say too little: the committed days stay.
MIN_RECORDS = 5
PERCENTILE = 85


@dataclass(frozen=True)
class Decision:
    """One decided item: its code, department and the working days it took."""

    code: str
    department: str
    working_days: int


@dataclass(frozen=True)
class Observed:
    """The recorded working days of one item code (and department)."""

    code: str
    department: str
    count: int
    median: float
    p85: int

    @property
    def enough(self) -> bool:
        return self.count >= MIN_RECORDS


def percentile(values: Iterable[int], q: int = PERCENTILE) -> int:
    """The nearest-rank ``q``-th percentile: the smallest value at least
    ``q`` % of the values do not exceed."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    return ordered[max(math.ceil(q / 100 * len(ordered)), 1) - 1]


def learn(decisions: Iterable[Decision]) -> list[Observed]:
    """Count, median and 85th percentile per (code, department), by code."""
    groups: dict[tuple[str, str], list[int]] = {}
    for d in decisions:
        groups.setdefault((d.code, d.department), []).append(d.working_days)
    return [Observed(code, department, len(days), float(statistics.median(days)), percentile(days))
            for (code, department), days in sorted(groups.items())]


def observed_days(decisions: Iterable[Decision]) -> dict[str, int]:
    """Item code → the working days a plan made with observed durations
    uses: the 85th percentile of the code's decisions, where there are enough."""
    by_code: dict[str, list[int]] = {}
    for d in decisions:
        by_code.setdefault(d.code, []).append(d.working_days)
    return {code: percentile(days) for code, days in by_code.items() if len(days) >= MIN_RECORDS}
