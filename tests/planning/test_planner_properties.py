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
    # Like with like: the same government reviews one after another and in
    # parallel; the critical path's share of them is at most their parallel span.
    assert plan.government_working_days <= plan.parallel_review_working_days <= plan.serial_working_days
    assert plan.saved_working_days == plan.serial_working_days - plan.parallel_review_working_days >= 0
    assert plan.government_working_days <= plan.total_working_days
    if plan.to_permit_working_days is not None:
        assert 0 <= plan.to_permit_working_days <= plan.total_working_days
    assert max(p.ef for p in plan.items) == plan.total_working_days
    grouped = [c for g in plan.parallel_groups for c in g]
    assert sorted(grouped) == sorted(p.code for p in plan.items if p.item.kind != "milestone")


# 住建部令第51号 第十四条, written out independently of the rule base.
ARTICLE_14_AREAS = {
    **dict.fromkeys(("stadium", "auditorium", "exhibition"), 20000),                      # （一）
    "transport_terminal": 15000,                                                         # （二）
    **dict.fromkeys(("hotel", "mall", "market"), 10000),                                 # （三）
    **dict.fromkeys(("cinema", "library_reading_room", "indoor_fitness", "hospital_outpatient",
                     "university_teaching", "labour_intensive_workshop", "religious"), 2500),  # （四）
    **dict.fromkeys(("kindergarten", "children_activity", "elderly_care", "hospital_ward",
                     "school_teaching", "school_dormitory", "workers_dormitory"), 1000),     # （五）
    "entertainment": 500,                                                                # （六）
    **dict.fromkeys(("government_office", "dispatch_telecom_broadcast", "archives_building"), 0),  # （十）
}


def special_works(a) -> bool:
    use, kind = a.get("building_use") or "other", a["project_type"]
    area, height = a["floor_area_m2"], a["building_height_m"]
    largest = a.get("largest_building_area_m2") or area
    return (
        (use in ARTICLE_14_AREAS and area > ARTICLE_14_AREAS[use])                          # （一）–（六）（十）
        or (kind == "residential" and height > 54)                                          # （七）
        or bool(a.get("major_infrastructure"))                                              # （八）
        or a.get("fire_hazard_class") in ("A", "B")                                         # （九）
        or (a["hazardous_chemicals"] and a.get("hazardous_chemicals_role") == "produce_store"
            and a.get("fire_hazard_class") is None)                                        # （九）
        or (kind in ("commercial", "public_building") and (height > 50 or largest > 40000))  # （十二）
    )


@common
@given(valid_answers(RULES))
def test_required_codes_appear_when_their_conditions_hold(answers):
    plan = plan_for(answers)
    codes = set(plan.codes)
    a = plan.answers
    special = special_works(a)
    renovation = a["works_kind"] == "renovation"
    land = a["land_supply"] != "existing" and not renovation
    cheap = a.get("investment_amount_10k_yuan") is not None and a["investment_amount_10k_yuan"] <= 30
    permit = a["floor_area_m2"] > 300 and not cheap        # 施工许可管理办法 第二条（以下含本数）
    energy = a["annual_energy_tce"] >= 1000 or (a.get("annual_electricity_10k_kwh") or 0) >= 500
    hazchem = a["hazardous_chemicals"] and a.get("hazardous_chemicals_role") == "produce_store"
    expected = {
        "project_filing": a["investment"] == "enterprise",
        "project_approval": a["investment"] == "government",
        "land_use_pre_review": a["land_supply"] == "allocation" and not renovation,
        "land_contract": a["land_supply"] == "auction" and not renovation,
        "land_allocation": a["land_supply"] == "allocation" and not renovation,
        "land_planning_permit": land,
        "property_certificate": land,
        "planning_permit": not renovation or a["renovation_changes_appearance"],
        "eia_report": a["eia_category"] == "report",
        "eia_report_writing": a["eia_category"] == "report",
        "eia_table": a["eia_category"] == "table",
        "eia_registration": a["eia_category"] == "registration",
        "energy_review": energy,
        "energy_report": energy,
        "fire_design_review": special,
        "fire_acceptance": special,
        "fire_acceptance_filing": not special,
        "quality_safety_registration": permit,
        "construction_permit": permit,
        "construction_start": True,
        "joint_acceptance": True,
        "safety_condition_review": hazchem,
        "safety_facilities_design_review": hazchem,
        "safety_pre_evaluation": hazchem,
        "water_hookup": a["utilities.water"],
        "water_permanent_connection": a["utilities.water"],
        "power_hookup": a["utilities.power"],
        "gas_hookup": a["utilities.gas"],
        "heat_hookup": a["utilities.heat"],
        "sewer_hookup": a["utilities.sewer"],
        "drainage_permit": a["utilities.sewer"] and a["project_type"] != "residential",
        "construction_drawings": True,
    }
    for code, wanted in expected.items():
        assert (code in codes) == wanted, (code, wanted)
    if "energy_review" in codes:  # 节能审查办法 第六条: 10,000 tce and more go to the municipal level
        assert (plan.item("energy_review").department == "city_drc") == (a["annual_energy_tce"] >= 10000)
    for p in plan.items:
        if p.item.kind == "preparation":
            assert p.item.party in ("owner", "intermediary")
            assert (p.item.service is not None) == (p.item.party == "intermediary")
    # No reason or basis speaks of a track the project is not on.
    if not plan.eligibility.eligible:
        said = [t for p in plan.items for t in (*p.because, *p.basis)]
        assert not any("拿地即开工项目" in t or "取得土地当天" in t for t in said), said
    if not plan.facts["simple_low_risk"]:
        assert not any("简易低风险工程" in t and "不属于" not in t for p in plan.items for t in p.because)
    if plan.construction_working_days == 0:
        assert any("施工工期" in w for w in plan.warnings)


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
