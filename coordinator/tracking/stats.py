"""Coordinator statistics over tracked items: per-department timeliness,
ratings, 拿地即开工 land-day permits and completions per week, with CSV and
a server-rendered SVG chart. Plain Python: no web framework, no database."""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass
from html import escape
from typing import Iterable, Sequence

from ..planning.calendar import WorkingCalendar
from .lifecycle import APPROVED, FINAL_STATES, OPEN_STATES, is_overdue, working_days_used

#: The permits 拿地即开工 promises on the land-contract day.
LAND_DAY_PERMITS = ("land_planning_permit", "planning_permit", "quality_safety_registration", "construction_permit")


@dataclass(frozen=True)
class ItemRecord:
    """What the statistics need of one tracked item."""

    project_id: int
    project_name: str
    department: str
    code: str
    status: str
    days: int
    due_date: dt.date | None
    accepted_on: dt.date | None = None
    actual_finish: dt.date | None = None
    clock_pauses: tuple[tuple[dt.date, dt.date | None], ...] = ()
    land_day_project: bool = False
    land_date: dt.date | None = None


@dataclass(frozen=True)
class DepartmentRow:
    department: str
    name: str
    completed: int
    on_time: int
    on_time_rate: float | None
    median_days: float | None
    p90_days: float | None
    median_committed: float | None
    overdue_now: int


@dataclass(frozen=True)
class RatingRow:
    department: str
    name: str
    count: int
    average: float | None
    distribution: tuple[int, int, int, int, int]  # scores 1…5


@dataclass(frozen=True)
class LandDayRow:
    project_id: int
    project_name: str
    land_date: dt.date | None
    permits: int
    issued_on_land_day: int
    verdict: str  # "yes", "no" or "pending"


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-quantile (0–1) by linear interpolation; ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def on_time(record: ItemRecord) -> bool:
    """A decided item finished by its due date."""
    return record.actual_finish is not None and record.due_date is not None and record.actual_finish <= record.due_date


def department_table(records: Iterable[ItemRecord], calendar: WorkingCalendar, today: dt.date,
                     names: dict[str, str] | None = None) -> list[DepartmentRow]:
    """Per department: decided items, on-time rate, median and p90 working
    days from acceptance to decision against the committed days, overdue now."""
    names = names or {}
    by_department: dict[str, list[ItemRecord]] = {}
    for r in records:
        by_department.setdefault(r.department, []).append(r)
    rows = []
    for department in sorted(by_department):
        items = by_department[department]
        decided = [r for r in items if r.status in FINAL_STATES and r.actual_finish is not None]
        timely = sum(on_time(r) for r in decided)
        used = [working_days_used(calendar, r.accepted_on, r.actual_finish, r.clock_pauses)
                for r in decided if r.accepted_on is not None]
        committed = [r.days for r in decided if r.accepted_on is not None]
        rows.append(DepartmentRow(
            department, names.get(department, department), len(decided), timely,
            timely / len(decided) if decided else None, percentile(used, 0.5), percentile(used, 0.9),
            percentile(committed, 0.5), sum(is_overdue(r.status, r.due_date, today) for r in items),
        ))
    return rows


def due_this_week(records: Iterable[ItemRecord], today: dt.date) -> list[ItemRecord]:
    """Open items due from today to the week's Sunday, soonest first (the overdue are counted apart)."""
    sunday = week_of(today) + dt.timedelta(days=6)
    return sorted((r for r in records if r.status in OPEN_STATES and r.due_date is not None
                   and today <= r.due_date <= sunday), key=lambda r: (r.due_date, r.project_name))


def rating_table(ratings: Iterable[tuple[str, int]], names: dict[str, str] | None = None) -> list[RatingRow]:
    """Per department: how many ratings, their average and the count of each score."""
    names = names or {}
    by_department: dict[str, list[int]] = {}
    for department, score in ratings:
        by_department.setdefault(department, []).append(score)
    return [
        RatingRow(d, names.get(d, d), len(s), sum(s) / len(s),
                  tuple(s.count(n) for n in range(1, 6)))  # type: ignore[arg-type]
        for d, s in sorted(by_department.items())
    ]


def land_day_table(records: Iterable[ItemRecord], today: dt.date) -> list[LandDayRow]:
    """拿地即开工 projects: were their land-day permits really issued on the
    land date? ``yes`` when every one was, ``no`` once one came later (or the
    land date passed without it), ``pending`` before that."""
    projects: dict[int, list[ItemRecord]] = {}
    for r in records:
        if r.land_day_project and r.code in LAND_DAY_PERMITS:
            projects.setdefault(r.project_id, []).append(r)
    rows = []
    for project_id, permits in sorted(projects.items()):
        land = permits[0].land_date
        on_day = sum(1 for p in permits if p.status == APPROVED and p.actual_finish is not None
                     and land is not None and p.actual_finish <= land)
        if on_day == len(permits):
            verdict = "yes"
        elif land is not None and (today > land or any(
                p.actual_finish is not None and p.actual_finish > land for p in permits)):
            verdict = "no"
        else:
            verdict = "pending"
        rows.append(LandDayRow(project_id, permits[0].project_name, land, len(permits), on_day, verdict))
    return rows


def week_of(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


def completions_per_week(records: Iterable[ItemRecord], weeks: int, today: dt.date) -> list[tuple[dt.date, int]]:
    """Items decided in each of the last ``weeks`` weeks (oldest first, this week last)."""
    last = week_of(today)
    starts = [last - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    counts = {s: 0 for s in starts}
    for r in records:
        if r.status in FINAL_STATES and r.actual_finish is not None:
            monday = week_of(r.actual_finish)
            if monday in counts:
                counts[monday] += 1
    return [(s, counts[s]) for s in starts]


#: A text cell starting with one of these is read as a formula by spreadsheets (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A cell as written: floats to 3 places, ``None`` empty, and text that
    a spreadsheet would run as a formula prefixed with ``'`` (shown as text)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV table (UTF-8 text, with a header row); formula cells escaped."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue()


def weekly_chart_svg(weeks: Sequence[tuple[dt.date, int]], title: str = "") -> str:
    """A bar chart of completions per week as standalone SVG markup."""
    width, height, left, bottom, top = 720, 240, 40, 36, 24
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max((n for _, n in weeks), default=0) or 1
    bar = plot_w / max(len(weeks), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" class="weekly-chart">',
             f'<title>{escape(title)}</title>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#9aa5b1"/>',
             f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" font-size="11">{peak}</text>',
             f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" font-size="11">0</text>']
    for i, (monday, n) in enumerate(weeks):
        h = plot_h * n / peak
        x = left + i * bar + 2
        parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{max(bar - 4, 1):.1f}" height="{h:.1f}" '
                     f'fill="#0b5cad"><title>{monday.isoformat()}: {n}</title></rect>')
        if n:
            parts.append(f'<text x="{x + (bar - 4) / 2:.1f}" y="{top + plot_h - h - 3:.1f}" text-anchor="middle" '
                         f'font-size="10">{n}</text>')
        if i % max(1, len(weeks) // 8) == 0:
            parts.append(f'<text x="{x:.1f}" y="{height - bottom + 16}" font-size="10">{monday:%m-%d}</text>')
    parts.append("</svg>")
    return "".join(parts)
