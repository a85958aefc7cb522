"""The plan page's charts are drawn once per distinct plan and rule base."""
from __future__ import annotations

import datetime as dt

from coordinator.owner import charts
from coordinator.planning import PlanOptions, make_plan
from coordinator.planning.planner import working_calendar
from coordinator.planning.service import rule_base
from coordinator.rendering.svg import flowchart_svg, gantt_svg

from tests.conftest import TODAY, example_answers


def _plan(land_date=None) -> dict:
    return make_plan(rule_base(None), example_answers("warehouse"), PlanOptions(land_date=land_date, today=TODAY)).to_json()


def test_the_same_plan_is_drawn_once_and_as_without_the_cache():
    rules = rule_base(None)
    plan = _plan()
    first = charts.plan_charts(plan, rules)
    again = charts.plan_charts(_plan(), rules)  # an equal plan, another object
    assert again is first
    stages = sorted(rules.stages.values(), key=lambda s: s.order)
    assert first == (gantt_svg(plan, working_calendar(rules)), flowchart_svg(plan, stages))


def test_another_plan_gets_its_own_charts_and_the_cache_stays_bounded():
    rules = rule_base(None)
    plain = charts.plan_charts(_plan(), rules)
    with_land = charts.plan_charts(_plan(dt.date(2026, 9, 15)), rules)
    assert with_land != plain and 'data-date="2026-09-15"' in with_land[0]
    for days in range(charts.CACHED_PLANS + 5):
        charts.plan_charts(_plan(dt.date(2026, 9, 15) + dt.timedelta(days=days)), rules)
    assert len(charts._cache) == charts.CACHED_PLANS


def test_the_admins_calendar_days_redraw_the_gantt_chart():
    """A holiday the admin enters keeps the rule base's digest but changes
    the calendar the Gantt chart greys: the cache must not serve the old one."""
    from coordinator.governance.bundles import CalendarDay, with_calendar_days

    rules = rule_base(None)
    plan = _plan(dt.date(2026, 9, 15))
    before = charts.plan_charts(plan, rules)
    with_holiday = with_calendar_days(rules, [CalendarDay(dt.date(2026, 6, 10), "holiday", "台风停工")])
    assert with_holiday.digest == rules.digest
    after = charts.plan_charts(plan, with_holiday)
    assert after[0] == gantt_svg(plan, working_calendar(with_holiday)) != before[0]
