"""Properties every plan must have, for any valid answers (hypothesis)."""
import datetime as dt

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from coordinator.planning import PlanOptions, WorkingCalendar, load_rule_base, make_plan

from tests.strategies import valid_answers

RULES = load_rule_base()
TODAY = dt.date(2026, 1, 5)
CAL = WorkingCalendar()

land_dates = st.one_of(st.none(), st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
common = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def plan_for(answers, land_date=None, commitment=True):
    return make_plan(RULES, answers, PlanOptions(land_date=land_date, today=TODAY, commitment=commitment))


@common
@given(valid_answers(RULES), land_dates, st.booleans())
def test_schedule_respects_dependencies_and_calendar(answers, land_date, commitment):
    plan = plan_for(answers, land_date, commitment)
    assert nx.is_directed_acyclic_graph(plan.graph)
    items = {p.code: p for p in plan.items}
    for p in plan.items:
        assert CAL.is_workday(p.start), (p.code, p.start)
        assert CAL.is_workday(p.finish), (p.code, p.finish)
        assert p.start <= p.finish
        assert p.slack >= 0
        for code in p.requires:
            before = items[code]
            assert p.start >= before.finish, (code, "→", p.code)
            if before.days > 0:
                assert p.start > before.finish, (code, "→", p.code)


@common
@given(valid_answers(RULES), land_dates)
def test_critical_path_spans_the_plan(answers, land_date):
    plan = plan_for(answers, land_date)
    items = {p.code: p for p in plan.items}
    path = plan.critical_path
    assert path, "a plan always has a critical path"
    assert all(items[c].critical for c in path)
    assert sum(items[c].days + items[c].lag for c in path) == plan.total_working_days
    for a, b in zip(path, path[1:]):
        assert plan.graph.has_edge(a, b)
    assert plan.serial_working_days >= plan.total_working_days
    assert max(p.ef for p in plan.items) == plan.total_working_days
    grouped = [c for g in plan.parallel_groups for c in g]
    assert sorted(grouped) == sorted(p.code for p in plan.items if p.item.kind != "milestone")


@common
@given(valid_answers(RULES))
def test_required_codes_appear_when_their_conditions_hold(answers):
    plan = plan_for(answers)
    codes = set(plan.codes)
    a = plan.answers
    kind, area, height = a["project_type"], a["floor_area_m2"], a["building_height_m"]
    special = (  # 住建部令第51号 第十四条
        a.get("fire_hazard_class") in ("A", "B")
        or a["hazardous_chemicals"]
        or (kind == "commercial" and (area > 10000 or height > 50))
        or (kind == "public_building" and (area > 20000 or height > 50))
        or (kind == "residential" and height > 54)
    )
    expected = {
        "project_filing": a["investment"] == "enterprise",
        "project_approval": a["investment"] == "government",
        "land_use_pre_review": a["land_supply"] == "allocation",
        "land_contract": a["land_supply"] != "existing",
        "land_planning_permit": a["land_supply"] != "existing",
        "property_certificate": a["land_supply"] != "existing",
        "planning_permit": True,
        "eia_report": a["eia_category"] == "report",
        "eia_table": a["eia_category"] == "table",
        "eia_registration": a["eia_category"] == "registration",
        "energy_review": a["annual_energy_tce"] >= 1000,
        "fire_design_review": special,
        "fire_acceptance": special,
        "fire_acceptance_filing": not special,
        "quality_safety_registration": a["floor_area_m2"] >= 300,
        "construction_permit": a["floor_area_m2"] >= 300,
        "construction_start": True,
        "joint_acceptance": True,
        "water_hookup": a["utilities.water"],
        "power_hookup": a["utilities.power"],
        "gas_hookup": a["utilities.gas"],
        "heat_hookup": a["utilities.heat"],
    }
    assert set(expected) <= set(RULES.required_codes) | {"planning_permit"}
    for code, wanted in expected.items():
        assert (code in codes) == wanted, (code, wanted)


@common
@given(valid_answers(RULES), st.dates(dt.date(2026, 3, 1), dt.date(2026, 12, 31)))
def test_land_day_start_issues_permits_on_the_land_date(answers, land_date):
    plan = plan_for(answers, land_date)
    if not plan.eligibility.eligible:
        assert plan.eligibility.failed and plan.eligibility.reasons == plan.eligibility.failed
        assert "construction_permit" not in plan.codes or plan.item("construction_permit").mode != "land_day"
        return
    land_day = CAL.next_workday(land_date)
    items = {p.code: p for p in plan.items}
    assert items["land_contract"].start == land_day
    for code in ("planning_permit", "quality_safety_registration", "construction_permit"):
        if code in items:
            assert items[code].finish == land_day, code
    for code in ("water_hookup", "power_hookup"):
        if code in items:
            assert items[code].finish <= land_day, code
    assert items["construction_start"].start == land_day
    assert CAL.count_between(plan.start_date, land_day) == plan.days_before_land


def test_commitment_mode_is_shorter_and_can_be_turned_off():
    answers = {
        "project_type": "industrial_plant", "investment": "enterprise", "land_supply": "existing",
        "in_park": True, "regional_assessment_done": True, "floor_area_m2": 8000, "building_height_m": 12,
        "fire_hazard_class": "D", "hazardous_chemicals": False, "eia_category": "table",
        "annual_energy_tce": 2000, "district": "滨海新区",
        "utilities": {"water": True, "power": False, "gas": False, "heat": False},
    }
    fast, slow = plan_for(answers), plan_for(answers, commitment=False)
    assert fast.item("eia_table").mode == "commitment"
    assert slow.item("eia_table").mode == "standard"
    assert fast.item("eia_table").days < slow.item("eia_table").days
    assert fast.total_working_days <= slow.total_working_days


@pytest.mark.parametrize("land_date", [dt.date(2026, 9, 12), dt.date(2026, 10, 1)])
def test_land_date_on_a_day_off_moves_to_next_working_day(land_date):
    answers = {
        "project_type": "warehouse", "investment": "enterprise", "land_supply": "auction",
        "in_park": True, "regional_assessment_done": True, "floor_area_m2": 12000, "building_height_m": 15,
        "fire_hazard_class": "C", "hazardous_chemicals": False, "eia_category": "none",
        "annual_energy_tce": 100, "district": "滨海新区",
        "utilities": {"water": True, "power": True, "gas": False, "heat": False, "power_kva": 100},
    }
    plan = plan_for(answers, land_date)
    assert plan.item("construction_permit").finish == CAL.next_workday(land_date)
    assert any("不是工作日" in w for w in plan.warnings)
