"""Coordinator statistics as units: timeliness, percentiles, ratings,
land-day permits, weekly completions, CSV and the SVG chart."""
from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from hypothesis import given, strategies as st

from coordinator.planning.calendar import WorkingCalendar
from coordinator.tracking.stats import (
    ItemRecord, completions_per_week, department_table, land_day_table, percentile, rating_table, to_csv,
    weekly_chart_svg,
)

D = dt.date
CAL = WorkingCalendar(covered_years=[2026])  # Monday to Friday, no holidays
TODAY = D(2026, 6, 15)  # a Monday


def rec(department="housing", status="approved", days=5, accepted=D(2026, 6, 1), finish=D(2026, 6, 5), due=D(2026, 6, 8),
        **kw):
    return ItemRecord(kw.pop("project_id", 1), kw.pop("project_name", "仓库"), department, kw.pop("code", "x"), status,
                      days, due, accepted, finish, **kw)


def test_department_table_timeliness_and_percentiles():
    records = [
        rec(finish=D(2026, 6, 5)),                      # 4 working days, on time
        rec(finish=D(2026, 6, 10)),                     # 7 working days, late
        rec(status="refused", finish=D(2026, 6, 2)),     # 1 working day, on time
        rec(status="accepted", finish=None, due=D(2026, 6, 12)),  # overdue now
        rec(department="planning", status="submitted", finish=None, accepted=None, due=D(2026, 6, 20)),
    ]
    housing, planning = department_table(records, CAL, TODAY, {"housing": "住建"})
    assert (housing.name, housing.completed, housing.on_time, housing.overdue_now) == ("住建", 3, 2, 1)
    assert housing.on_time_rate == 2 / 3
    assert housing.median_days == 4 and housing.p90_days == 7 - 0.2 * 3 and housing.median_committed == 5
    assert (planning.completed, planning.on_time_rate, planning.median_days, planning.overdue_now) == (0, None, None, 0)


def test_clock_pauses_do_not_count_as_working_days():
    paused = rec(finish=D(2026, 6, 12), clock_pauses=((D(2026, 6, 2), D(2026, 6, 9)),))
    assert department_table([paused], CAL, TODAY)[0].median_days == 1 + 3


@given(st.lists(st.integers(0, 100), min_size=1, max_size=50))
def test_percentiles_are_ordered_and_within_range(values):
    p50, p90 = percentile(values, 0.5), percentile(values, 0.9)
    assert min(values) <= p50 <= p90 <= max(values)


def test_ratings_summary():
    (housing, planning) = rating_table([("housing", 5), ("housing", 3), ("planning", 1)])
    assert (housing.count, housing.average, housing.distribution) == (2, 4.0, (0, 0, 1, 0, 1))
    assert planning.distribution == (1, 0, 0, 0, 0)


def test_land_day_permits_issued_on_the_land_day_or_not():
    land = D(2026, 6, 1)
    yes = [rec(project_id=1, code=c, finish=land, land_day_project=True, land_date=land)
           for c in ("planning_permit", "construction_permit")]
    late = [rec(project_id=2, code="planning_permit", finish=land, land_day_project=True, land_date=land),
            rec(project_id=2, code="construction_permit", finish=D(2026, 6, 3), land_day_project=True, land_date=land)]
    pending = [rec(project_id=3, code="construction_permit", status="submitted", finish=None, land_day_project=True,
                   land_date=D(2026, 7, 1))]
    missed = [rec(project_id=4, code="construction_permit", status="submitted", finish=None, land_day_project=True,
                  land_date=D(2026, 6, 1))]
    other = [rec(project_id=5, code="construction_permit")]  # not a 拿地即开工 project
    rows = land_day_table(yes + late + pending + missed + other, TODAY)
    assert [(r.project_id, r.permits, r.issued_on_land_day, r.verdict) for r in rows] == [
        (1, 2, 2, "yes"), (2, 2, 1, "no"), (3, 1, 0, "pending"), (4, 1, 0, "no")]


def test_completions_per_week_and_chart():
    records = [rec(finish=D(2026, 6, 15)), rec(finish=D(2026, 6, 19)), rec(finish=D(2026, 6, 8)),
               rec(status="accepted", finish=None), rec(finish=D(2025, 1, 1))]
    weeks = completions_per_week(records, 4, D(2026, 6, 19))
    assert weeks == [(D(2026, 5, 25), 0), (D(2026, 6, 1), 0), (D(2026, 6, 8), 1), (D(2026, 6, 15), 2)]
    svg = weekly_chart_svg(weeks, "每周办结 <数>")
    root = ET.fromstring(svg)  # well-formed, text escaped
    assert len(root.findall("{http://www.w3.org/2000/svg}rect")) == 4
    assert "&lt;数&gt;" in svg


def test_csv_has_a_header_and_one_line_per_row():
    text = to_csv(["部门", "准时率"], [["住建", 2 / 3], ["规划", None]])
    assert text.splitlines() == ["部门,准时率", "住建,0.667", "规划,"]
