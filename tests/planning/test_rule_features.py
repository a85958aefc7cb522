"""The rule-base features of the December 2026 legal review: preparation items
(party, service, days from the answers), department routing, conditional
reasons, basis and materials, fact notices, and the honest totals."""
from __future__ import annotations

import datetime as dt

import pytest

from coordinator.planning.planner import PlanOptions, make_plan
from coordinator.planning.rulebase import RuleBaseError, load_bundle, read_bundle

TODAY = dt.date(2026, 3, 2)
WAREHOUSE = {
    "project_type": "warehouse", "investment": "enterprise", "land_supply": "auction", "district": "滨海新区",
    "in_park": True, "regional_assessment_done": True, "floor_area_m2": 12000, "building_height_m": 15,
    "fire_hazard_class": "C", "hazardous_chemicals": False, "eia_category": "registration",
    "annual_energy_tce": 300, "utilities": {"water": True, "power": True, "power_kva": 800, "gas": False,
                                            "heat": False},
}


@pytest.fixture(scope="module")
def seed():
    return {k: v.decode() for k, v in read_bundle().items()}


def _with_item(seed, text):
    return {**seed, "items/9_extra.yaml": "items:\n" + text}


def _errors(bundle):
    with pytest.raises(RuleBaseError) as info:
        load_bundle(bundle)
    return [str(e) for e in info.value.errors]


@pytest.mark.parametrize("body, reason", [
    ("    party: owner\n    service: eia\n", "only intermediary preparation items name a service"),
    ("    party: intermediary\n", "intermediary preparation items name their service"),
    ("", "preparation items name their party"),
    ("    party: broker\n", "Must be one of: owner, intermediary"),
    ("    party: intermediary\n    service: legal\n", "Must be one of: eia, energy"),
])
def test_preparation_items_name_party_and_service(seed, body, reason):
    item = ("  - code: x_prep\n    name: 准备\n    name_en: Prep\n    kind: preparation\n    stage: utility\n"
            + body + "    basis: [{document: 某规定}]\n")
    assert any(reason in e for e in _errors(_with_item(seed, item))), _errors(_with_item(seed, item))


def test_only_preparation_items_have_a_party(seed):
    item = ("  - code: x_ok\n    name: 审批\n    name_en: A\n    stage: utility\n    department: housing\n"
            "    party: owner\n    basis: [{document: 某规定}]\n")
    assert any("only preparation items have a party" in e for e in _errors(_with_item(seed, item)))


def test_department_if_names_known_departments_and_days_answer_a_whole_number(seed):
    item = ("  - code: x_route\n    name: 审批\n    name_en: A\n    stage: utility\n    department: housing\n"
            "    department_if: [{if: {fact: in_binhai}, department: nowhere}]\n"
            "    days_answer: floor_area_m2\n    basis: [{document: 某规定}]\n")
    errors = _errors(_with_item(seed, item))
    assert any("unknown department 'nowhere'" in e for e in errors)
    assert any("days_answer names a whole-number question" in e for e in errors)


def test_provider_districts_must_be_districts_of_the_questionnaire(seed):
    bundle = {**seed, "providers.yaml": seed["providers.yaml"].replace("districts: [滨海新区]", "districts: [滨海新]", 1)}
    assert any("'滨海新' is not a district of the questionnaire" in e for e in _errors(bundle))


def test_routing_reasons_and_preparation_in_the_plan(seed):
    rules = load_bundle(seed)
    plan = make_plan(rules, {**WAREHOUSE, "preparation_days": {"design_scheme": 7}},
                     PlanOptions(land_date=dt.date(2026, 9, 15), today=TODAY))
    data = {i["code"]: i for i in plan.to_json()["items"]}
    assert data["project_filing"]["department"] == "binhai_approval"
    assert data["design_scheme"]["days"] == 7 and data["design_scheme"]["party"] == "owner"
    assert data["survey"]["service"] == "survey" and data["survey"]["mode"] == "preparation"
    assert data["survey"]["review"] is False and data["design_scheme_review"]["review"] is True
    assert any("拿地即开工项目在取得土地当天核发" in b for b in data["planning_permit"]["because"])
    json = plan.to_json()
    assert json["saved_working_days"] == json["serial_working_days"] - json["parallel_review_working_days"]
    assert 0 <= json["government_working_days"] <= json["parallel_review_working_days"]

    ineligible = make_plan(rules, {**WAREHOUSE, "investment": "government"}, PlanOptions(today=TODAY))
    said = [t for p in ineligible.items for t in (*p.because, *p.basis)]
    assert not any("拿地即开工项目在取得土地当天" in t for t in said)


def test_notices_tell_the_owner_in_words(seed):
    rules = load_bundle(seed)
    small = {**WAREHOUSE, "floor_area_m2": 6000, "land_supply": "existing"}
    notices = make_plan(rules, small, PlanOptions(today=TODAY)).to_json()["notices"]
    assert [n["fact"] for n in notices] == ["simple_low_risk"]
    assert "一并申请" in notices[0]["text"] and "25个工作日" in notices[0]["text"] and notices[0]["basis"]
