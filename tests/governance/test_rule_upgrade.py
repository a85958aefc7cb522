"""The contract of the December 2026 legal review: projects stored under the
previous rule base (2026.11-tianjin-1, kept as tests/data/rules-2026.11-tianjin-1.zip)
re-plan under the new one through the governance flow — draft → impact
preview → publish → re-plan — with their old answers, and the impact preview
shows what changes for each live project."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from coordinator.accounts.models import User
from coordinator.extensions import db
from coordinator.governance import impact as governance_impact
from coordinator.governance import service as governance
from coordinator.governance.models import VersionStatus
from coordinator.governance.bundles import bundle_from_zip
from coordinator.planning.rulebase import load_bundle, read_bundle
from coordinator.projects.models import Project
from coordinator.projects.service import create_project, current_rules

OLD_RULES = Path(__file__).parent / "data" / "rules-2026.11-tianjin-1.zip"
TODAY = dt.date(2026, 3, 2)

# Answers as owners stored them under the old rule base: none of the new keys.
OLD_WAREHOUSE = {
    "project_type": "warehouse", "investment": "enterprise", "land_supply": "auction", "district": "滨海新区",
    "in_park": True, "regional_assessment_done": True, "floor_area_m2": 12000, "building_height_m": 15,
    "fire_hazard_class": "C", "hazardous_chemicals": False, "eia_category": "registration",
    "annual_energy_tce": 300, "utilities": {"water": True, "power": True, "power_kva": 800, "gas": False,
                                            "heat": False},
}
OLD_SCHOOL = {
    "project_type": "public_building", "investment": "government", "land_supply": "allocation",
    "district": "西青区", "in_park": False, "regional_assessment_done": False, "floor_area_m2": 3000,
    "building_height_m": 18, "hazardous_chemicals": False, "eia_category": "table", "annual_energy_tce": 200,
    "utilities": {"water": True, "power": True, "power_kva": 100, "gas": False, "heat": True},
}


@pytest.fixture
def old_rules_in_force(app, users):
    """The old rule base published as the version in force, as it was in production."""
    with app.app_context():
        admin = db.session.get(User, users["admin"])
        # Its rule files; its own YAML cases pinned figures of the old engine
        # (serial time counted every item) and are left out.
        old = {k: v for k, v in bundle_from_zip(OLD_RULES.read_bytes()).items() if not k.startswith("tests/")}
        assert load_bundle(old).version == "2026.11-tianjin-1"
        draft = governance.create_draft(admin, old, note="the rule base before the legal review")
        governance.publish(admin, draft)
        assert current_rules().version.startswith("2026.11-tianjin-1")
        return draft.id


def test_old_answers_validate_and_plan_under_the_new_rule_base():
    rules = load_bundle({k: v.decode() for k, v in read_bundle().items()})
    from coordinator.planning.planner import PlanOptions, make_plan
    for answers in (OLD_WAREHOUSE, OLD_SCHOOL):
        plan = make_plan(rules, answers, PlanOptions(today=TODAY))
        assert plan.total_working_days > 0
    school = make_plan(rules, OLD_SCHOOL, PlanOptions(today=TODAY))
    assert "land_allocation" in school.codes and "land_contract" not in school.codes


def test_stored_projects_replan_under_the_new_rules_through_governance(app, users, old_rules_in_force):
    with app.app_context():
        owner = db.session.get(User, users["owner"])
        admin = db.session.get(User, users["admin"])
        warehouse = create_project(owner, "旧规则下的仓库", OLD_WAREHOUSE, land_date=dt.date(2026, 9, 15), today=TODAY)
        school = create_project(owner, "旧规则下的学校", OLD_SCHOOL, today=TODAY)
        old_plans = {p.id: p.current_plan.plan for p in (warehouse, school)}
        assert old_plans[warehouse.id]["rule_base"]["version"].startswith("2026.11-tianjin-1")
        assert "survey" not in {i["code"] for i in old_plans[warehouse.id]["items"]}

        # Draft: the new rule base as the admin uploads it; its checks and rule tests pass.
        draft = governance.create_draft(admin, {k: v.decode() for k, v in read_bundle().items()},
                                        note="2026-12 legal review")
        assert draft.status == VersionStatus.draft and not draft.errors and draft.cases_failed == 0
        assert draft.version == "2026.12-tianjin-2"

        # Impact preview: both live projects change, and it says how.
        preview = {i.project.id: i.diff for i in governance_impact.preview_impact(draft, today=TODAY)}
        assert set(preview) == {warehouse.id, school.id}
        w = preview[warehouse.id]
        assert {"survey", "design_scheme", "construction_drawings"} <= set(w.added)
        assert ("project_filing", "drc", "binhai_approval") in w.departments_changed
        assert w.total_after > w.total_before
        s = preview[school.id]
        assert "land_contract" in s.removed                            # 划拨: no 出让合同
        assert ("land_allocation", 15, 0) in s.days_changed          # now the 划拨决定书 milestone
        assert ("land_planning_permit", 1, 20) in s.days_changed       # issued with the 划拨决定书 (statutory 20 WD)

        # Publish; both stored plans are now stale and re-plan with their old answers.
        governance.publish(admin, draft)
        assert current_rules().version.startswith("2026.12-tianjin-2")
        stale = {i.project.id for i in governance_impact.stale_projects(today=TODAY)}
        assert stale == {warehouse.id, school.id}
        replanned = governance_impact.replan_stale_projects(admin, today=TODAY)
        assert {i.project.id for i in replanned} == {warehouse.id, school.id}

        project = db.session.get(Project, warehouse.id)
        new_plan = project.current_plan.plan
        assert new_plan["rule_base"]["version"].startswith("2026.12-tianjin-2")
        assert project.current_answers.answers == OLD_WAREHOUSE       # the answers keep their version
        items = {i["code"]: i for i in new_plan["items"]}
        assert items["survey"]["kind"] == "preparation" and items["survey"]["party"] == "intermediary"
        assert items["survey"]["service"] == "survey" and items["design_scheme"]["party"] == "owner"
        assert items["project_filing"]["department"] == "binhai_approval"
        assert new_plan["government_working_days"] <= new_plan["total_working_days"]
        assert new_plan["to_permit_working_days"] is not None
        assert any("施工工期" in w for w in new_plan["warnings"])
        assert governance_impact.stale_projects(today=TODAY) == []


def test_replanning_under_new_rules_keeps_the_tracking_and_the_queue_order(app, users, old_rules_in_force):
    """A project under way when the rules change keeps its submitted items on
    its new plan (status, dates, audit trail), and every open item gets its
    slack and delay cost in the new projection (the officers' impact queue)."""
    from coordinator.accounts.models import Organisation, Role
    from coordinator.accounts.service import create_user
    from coordinator.projects.models import PlanItem
    from coordinator.tracking.service import transition
    from sqlalchemy import select

    from tests.conftest import provide_materials

    with app.app_context():
        owner = db.session.get(User, users["owner"])
        project = create_project(owner, "在办的仓库", OLD_WAREHOUSE, today=TODAY)
        filing = next(i for i in project.current_plan.items if i.code == "project_filing")
        filing_id, project_id, department = filing.id, project.id, filing.department
    provide_materials(app, filing_id)
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.code == department))
        officer = create_user("filing-officer", "x" * 12, Role.officer, "备案审批员", org)
        transition(db.session.get(User, users["owner"]), filing_id, "submitted", today=TODAY)
        transition(officer, filing_id, "accepted", today=TODAY)

        admin = db.session.get(User, users["admin"])
        governance.publish(admin, governance.create_draft(admin, {k: v.decode() for k, v in read_bundle().items()}))
        replanned = governance_impact.replan_stale_projects(admin, today=TODAY)
        assert [i.project.id for i in replanned] == [project_id]

        project = db.session.get(Project, project_id)
        assert project.current_plan.rule_base_version.startswith("2026.12-tianjin-2")
        kept = db.session.get(PlanItem, filing_id)
        assert kept.plan_id == project.current_plan.id and kept.status == "accepted"
        assert kept.department == "binhai_approval"  # the new rule base's department takes it over
        open_items = [i for i in project.current_plan.items if i.status != "approved"]
        assert open_items and all(i.slack is not None and i.impact_days is not None for i in open_items)
        assert any(i.impact_days == 1 for i in open_items), "the critical path costs a day per day"
