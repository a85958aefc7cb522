"""Re-planning from actual dates: no actuals → the plan itself; an early or
late finish moves everything downstream and construction start."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

from coordinator.planning.planner import PlanOptions, make_plan, working_calendar
from coordinator.planning.service import rule_base
from coordinator.tracking.replan import Actual, project_dates, working_days_late
from tests.conftest import TODAY, WAREHOUSE, example_answers

RULES = rule_base(None)
CAL = working_calendar(RULES)


def plan_json(answers, land_date=None):
    return make_plan(RULES, answers, PlanOptions(land_date=land_date, today=TODAY), CAL).to_json()


PLANS = {
    "warehouse": plan_json(example_answers()),
    "warehouse_land_day": plan_json(example_answers(), dt.date(2026, 9, 15)),
    "chemical_plant": plan_json(example_answers("chemical_plant")),
    "eia_table": plan_json(WAREHOUSE),
}


@pytest.mark.parametrize("name", PLANS)
def test_without_actuals_the_projection_is_the_plan(name):
    plan = PLANS[name]
    projected = project_dates(plan, {}, CAL)
    for item in plan["items"]:
        p = projected[item["code"]]
        assert (p.start.isoformat(), p.finish.isoformat()) == (item["start"], item["finish"]), item["code"]


def _critical_approval(plan):
    return max((i for i in plan["items"] if i["critical"] and i["kind"] == "approval"), key=lambda i: i["days"])


@pytest.mark.parametrize("late", [-1, 0, 3, 12])
def test_a_critical_item_finishing_late_or_early_moves_construction_start(late):
    plan = PLANS["warehouse"]
    item = _critical_approval(plan)
    planned_finish = dt.date.fromisoformat(item["finish"])
    actual = Actual(dt.date.fromisoformat(item["start"]), CAL.shift(planned_finish, late))
    projected = project_dates(plan, {item["code"]: actual}, CAL)
    start = projected["construction_start"]
    assert CAL.count_between(start.planned_start, start.start) == late
    assert working_days_late(CAL, projected[item["code"]]) == late
    # items that do not depend on it stay put
    untouched = next(i for i in plan["items"] if not i["requires"])
    assert projected[untouched["code"]].finish.isoformat() == untouched["finish"]


def test_land_contract_never_moves_before_the_land_date():
    plan = PLANS["warehouse_land_day"]
    early = {i["code"]: Actual(dt.date.fromisoformat(i["start"]), dt.date.fromisoformat(i["start"]))
             for i in plan["items"] if i["kind"] == "approval" and "land_contract" not in i["requires"]
             and i["finish"] < plan["land_date"]}
    projected = project_dates(plan, early, CAL)
    assert projected["land_contract"].start.isoformat() == plan["land_date"]
    assert projected["construction_start"].start.isoformat() == plan["land_date"]


def test_nothing_unfinished_is_projected_before_today():
    plan = PLANS["warehouse"]
    today = dt.date.fromisoformat(plan["end_date"]) + dt.timedelta(days=10)
    projected = project_dates(plan, {}, CAL, today=today)
    assert all(p.finish >= today for p in projected.values())


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_projection_respects_every_prerequisite(data):
    plan = PLANS[data.draw(st.sampled_from(sorted(PLANS)))]
    approvals = [i for i in plan["items"] if i["kind"] == "approval"]
    chosen = data.draw(st.lists(st.sampled_from(approvals), max_size=5, unique_by=lambda i: i["code"]))
    actuals = {}
    for i in chosen:
        shift = data.draw(st.integers(-3, 15))
        start = dt.date.fromisoformat(i["start"])
        actuals[i["code"]] = Actual(start, max(start, CAL.shift(dt.date.fromisoformat(i["finish"]), shift)))
    projected = project_dates(plan, actuals, CAL)
    items = {i["code"]: i for i in plan["items"]}
    for code, p in projected.items():
        assert p.finish >= p.start
        if code in actuals:
            continue
        for req in items[code]["requires"]:
            assert p.start >= projected[req].finish
