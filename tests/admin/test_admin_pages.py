"""The coordinator office's pages: rule versions (draft → validate → impact →
publish → re-plan), calendar, organisations and users, audit; admins only."""
from __future__ import annotations

import datetime as dt
import html
import io
import re
import zipfile

import pytest
from sqlalchemy import select

from coordinator.accounts.models import Organisation, User
from coordinator.audit.models import AdminAuditEntry, AuditIsAppendOnly
from coordinator.extensions import db
from coordinator.notifications.models import Notification
from coordinator.governance.models import RuleBaseVersion, VersionStatus
from coordinator.planning.rulebase import read_bundle
from coordinator.projects.models import Project, ProjectPlan
from coordinator.governance.service import current_rules
from coordinator.projects.service import create_project, what_if

from tests.conftest import PASSWORD, example_answers, login

ADMIN_PAGES = ["/admin/", "/admin/rules", "/admin/rules/items", "/admin/rules/items/construction_permit",
               "/admin/calendar", "/admin/organisations", "/admin/audit"]
LIGHTNING = "lightning_protection_acceptance"


@pytest.fixture
def admin(client, users):
    assert login(client, "admin").status_code == 302
    return client


@pytest.fixture
def plant(app, users):
    """The demo chemical plant (lightning-protection acceptance applies)."""
    with app.app_context():
        owner = db.session.get(User, users["owner"])
        project = create_project(owner, "南港工业区精细化工厂房", example_answers("chemical_plant"))
        return project.id


def _item_form(client, code=LIGHTNING, **changes):
    """The item form as the page fills it in, with ``changes``."""
    page = client.get(f"/admin/rules/items/{code}").get_data(as_text=True)
    data = {m["name"]: html.unescape(m["value"]) for m in re.finditer(r'<input[^>]*name="(?P<name>\w+)"[^>]*value="(?P<value>[^"]*)"', page)}
    data.update({m["name"]: html.unescape(m["text"]).lstrip("\n")
                 for m in re.finditer(r'<textarea[^>]*name="(?P<name>\w+)"[^>]*>(?P<text>.*?)</textarea>', page, re.S)})
    data.pop("csrf_token", None)
    data.update(changes)
    return data


def other_client(client):
    return client.application.test_client()


def _fixed_fire_tests() -> str:
    text = read_bundle()["tests/fire.yaml"].decode()
    text = text.replace("total_working_days: 71", "total_working_days: 74", 1)
    text = text.replace("serial_working_days: 124", "serial_working_days: 127", 1)
    return text.replace("total_working_days: 61", "total_working_days: 64", 1)


@pytest.mark.parametrize("who", ["owner", "officer", "utility"])
def test_other_roles_get_403(client, users, who):
    login(client, {"owner": "owner", "officer": "officer", "utility": "utility"}[who])
    for page in ADMIN_PAGES:
        assert client.get(page).status_code == 403, page
    assert client.post("/admin/rules/replan").status_code == 403
    assert client.post("/admin/calendar", data={"notice": "2027-01-01 holiday"}).status_code == 403


def test_anonymous_visitors_are_sent_to_login(client, users):
    response = client.get("/admin/rules")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admins_land_on_the_admin_pages(admin):
    assert admin.get("/").headers["Location"].endswith("/admin/")
    for page in ADMIN_PAGES:
        assert admin.get(page).status_code == 200, page


def test_draft_validate_impact_publish_replan(app, admin, plant):
    with app.app_context():
        before = db.session.get(Project, plant).current_plan.total_working_days
        seed_version = current_rules().version

    # Edit the committed time limit: a new draft, whose rule tests now fail.
    response = admin.post(f"/admin/rules/items/{LIGHTNING}", data=_item_form(admin, committed_days="8"))
    assert response.status_code == 302
    draft_url = response.headers["Location"]
    page = admin.get(draft_url).get_data(as_text=True)
    assert "tests/fire.yaml" in page and "cases[0]" in page and "expected 71, got 74" in page
    with app.app_context():
        draft = db.session.scalar(select(RuleBaseVersion))
        assert draft.status == VersionStatus.draft and draft.cases_failed == 2 and draft.version == seed_version
        draft_id = draft.id

    # Publishing is refused while a rule test fails.
    assert admin.post(f"/admin/rules/{draft_id}/publish").status_code == 302
    with app.app_context():
        assert db.session.get(RuleBaseVersion, draft_id).status == VersionStatus.draft
        assert current_rules().version == seed_version

    # The impact preview lists the plant: 3 more working days.
    impact = admin.get(f"/admin/rules/{draft_id}/impact", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in impact and "南港工业区精细化工厂房" in impact
    assert f"{before} → {before + 3}" in impact and f"{LIGHTNING}</code> 5 → 8" in impact

    # Fix the pinned totals in the draft's rule tests, then publish.
    assert admin.post(f"/admin/rules/{draft_id}/files/tests/fire.yaml", data={"text": _fixed_fire_tests()}).status_code == 302
    assert "校验通过" in admin.get(draft_url).get_data(as_text=True)
    assert admin.post(f"/admin/rules/{draft_id}/publish").status_code == 302
    with app.app_context():
        published = db.session.get(RuleBaseVersion, draft_id)
        assert published.status == VersionStatus.published
        assert current_rules().version == f"{seed_version}+r{published.number}"
        assert current_rules().items[LIGHTNING].committed_days == 8

    # The rules page offers to re-plan the plant; re-planning stores a new plan.
    assert "南港工业区精细化工厂房" in admin.get("/admin/rules").get_data(as_text=True)
    response = admin.post("/admin/rules/replan", follow_redirects=True)
    assert "已重新编制 1 个项目的计划" in response.get_data(as_text=True)
    with app.app_context():
        project = db.session.get(Project, plant)
        assert len(project.plans) == 2 and len(project.answer_sets) == 1
        assert project.current_plan.total_working_days == before + 3
        assert project.current_plan.rule_base_version.endswith("+r1")
        actions = [(e.entity, e.action) for e in db.session.scalars(select(AdminAuditEntry).order_by(AdminAuditEntry.id))]
    assert actions == [("rule_base_version", "create_draft"), ("rule_item", "edit"), ("rule_file", "edit"),
                       ("rule_base_version", "publish"), ("project_plan", "replan")]
    with app.app_context():
        told = db.session.scalars(select(Notification).where(Notification.kind == "plan_replanned",
                                                             Notification.channel == "inbox")).all()
        assert [n.recipient_user_id for n in told] == [project.owner_id]
        assert f"{before} → {before + 3}" in told[0].body
    # Nothing left to re-plan.
    assert "没有需要重新编制计划的项目" in admin.post("/admin/rules/replan", follow_redirects=True).get_data(as_text=True)

    # The owner's plan page shows the new total.
    owner = admin.application.test_client()
    login(owner, "owner")
    assert f"{before + 3}" in owner.get(f"/owner/projects/{plant}").get_data(as_text=True)


def test_a_second_publication_supersedes_the_first(app, admin):
    assert admin.post("/admin/rules/items/construction_permit", data=_item_form(admin, "construction_permit", committed_days="3")).status_code in (200, 302)
    upload = {"files": [(io.BytesIO(read_bundle()["rulebase.yaml"]), "rulebase.yaml")], "note": "same"}
    first = admin.post("/admin/rules/upload", data=upload, content_type="multipart/form-data")
    admin.post(first.headers["Location"].replace("/admin/rules/", "/admin/rules/") + "/publish")
    upload = {"files": [(io.BytesIO(read_bundle()["rulebase.yaml"]), "rulebase.yaml")], "note": "again"}
    second = admin.post("/admin/rules/upload", data=upload, content_type="multipart/form-data")
    admin.post(second.headers["Location"] + "/publish")
    with app.app_context():
        statuses = [v.status for v in db.session.scalars(select(RuleBaseVersion).order_by(RuleBaseVersion.number))]
    assert statuses == [VersionStatus.superseded, VersionStatus.published]


def test_item_form_rejects_bad_yaml_and_unknown_items(admin):
    response = admin.post(f"/admin/rules/items/{LIGHTNING}", data=_item_form(admin, applies_if="{answer: ["))
    assert response.status_code == 400 and "YAML" in response.get_data(as_text=True)
    assert admin.post(f"/admin/rules/items/{LIGHTNING}", data=_item_form(admin, modes="standard")).status_code == 400
    assert admin.get("/admin/rules/items/no_such_item").status_code == 404


def test_item_form_edits_materials_modes_and_condition(app, admin):
    admin.post(f"/admin/rules/items/{LIGHTNING}", data=_item_form(
        admin, materials="防雷装置竣工验收申请表\n检测报告 | 容缺 | 可后补", modes="[standard, gaps]",
        applies_if="{answer: hazardous_chemicals, is: true}"))
    form = admin.get(f"/admin/rules/items/{LIGHTNING}").get_data(as_text=True)
    assert "检测报告 | 容缺 | 可后补" in form and "gaps" in form
    with app.app_context():
        from coordinator.governance.service import open_draft, version_rules

        item = version_rules(open_draft()).items[LIGHTNING]
    assert [m.essential for m in item.materials] == [True, False] and [m.mode for m in item.modes] == ["standard", "gaps"]


def test_upload_zip_and_broken_files(app, admin):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, content in read_bundle().items():
            z.writestr(f"rules/{name}", content)
    response = admin.post("/admin/rules/upload", data={"files": [(io.BytesIO(buf.getvalue()), "rules.zip")], "note": "zip"},
                          content_type="multipart/form-data")
    assert response.status_code == 302 and "校验通过" in admin.get(response.headers["Location"]).get_data(as_text=True)

    broken = read_bundle()["items/5_utilities.yaml"].decode().replace("stage: ", "stage: nowhere_", 1)
    response = admin.post("/admin/rules/upload", data={"files": [(io.BytesIO(broken.encode()), "5_utilities.yaml")]},
                          content_type="multipart/form-data")
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "items/5_utilities.yaml" in page and re.search(r"items\[0\]\.stage", page) and "unknown stage" in page
    assert "disabled" in page

    response = admin.post("/admin/rules/upload", data={"files": [(io.BytesIO(b"x: 1"), "unknown.yaml")]},
                          content_type="multipart/form-data", follow_redirects=True)
    assert "无法读取上传的文件" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(RuleBaseVersion)) == 2


def test_calendar_days_take_precedence_and_silence_the_warning(app, admin, users):
    with app.app_context():
        owner = db.session.get(User, users["owner"])
        project = create_project(owner, "仓库", example_answers("warehouse"), today=dt.date(2026, 12, 1))
        assert any("2027" in w for w in project.current_plan.plan["warnings"])
        project_id = project.id
    response = admin.post("/admin/calendar", data={"notice": "2027-01-01 元旦 holiday\n2027-02-05..2027-02-11 春节 holiday\n"
                                                             "2027-02-14 workday"})
    assert response.status_code == 302
    page = admin.get("/admin/calendar").get_data(as_text=True)
    assert "2027-02-08" in page and "春节" in page
    with app.app_context():
        plan = what_if(db.session.get(Project, project_id), None, today=dt.date(2026, 12, 1))
        assert not any("2027" in w for w in plan.warnings)
        calendar = plan.rules.calendar
        assert dt.date(2027, 2, 8) in calendar.holidays and dt.date(2027, 2, 14) in calendar.workdays
    bad = admin.post("/admin/calendar", data={"notice": "2027-13-01 holiday"})
    assert bad.status_code == 400 and "第 1 行" in bad.get_data(as_text=True)
    assert admin.post("/admin/calendar/2027-01-01/delete").status_code == 302
    assert "2027-01-01" not in admin.get("/admin/calendar").get_data(as_text=True)
    assert admin.post("/admin/calendar/2027-01-01/delete").status_code == 404


def test_organisations_users_and_their_audit(app, admin, users):
    page = admin.get("/admin/organisations").get_data(as_text=True)
    assert "建筑工程施工许可证" in page  # the housing department handles the construction permit
    response = admin.post("/admin/organisations/new", data={
        "code": "gas_dongli", "kind": "utility", "name": "滨海燃气", "utility": "gas", "districts": "滨海新区，东丽区",
        "contacts": "李经理 022-1234"})
    assert response.status_code == 302
    with app.app_context():
        gas = db.session.scalar(select(Organisation).where(Organisation.code == "gas_dongli"))
        assert gas.districts == ["滨海新区", "东丽区"] and gas.contacts == "李经理 022-1234"
        gas_id = gas.id
    admin.post(f"/admin/organisations/{gas_id}", data={"kind": "utility", "name": "滨海燃气公司", "utility": "gas",
                                                       "districts": "滨海新区", "contacts": "王经理"})
    assert admin.get(f"/admin/organisations/{gas_id}").status_code == 200

    admin.post("/admin/users/new", data={"username": "gasman", "display_name": "燃气客户经理", "password": PASSWORD,
                                         "role": "utility", "organisation_id": str(gas_id)})
    # An officer needs a department: refused.
    refused = admin.post("/admin/users/new", data={"username": "x1", "display_name": "x", "password": PASSWORD,
                                                   "role": "officer", "organisation_id": str(gas_id)}, follow_redirects=True)
    assert "未保存" in refused.get_data(as_text=True)
    with app.app_context():
        gasman = db.session.scalar(select(User).where(User.username == "gasman"))
        assert gasman.organisation_id == gas_id and gasman.role.value == "utility"
        gasman_id = gasman.id
    admin.post(f"/admin/users/{users['owner']}", data={"role": "owner", "organisation_id": "0"})

    # Deactivation: no login, no token; the audit keeps the user's history.
    token = admin.application.test_client().post("/api/v1/tokens", json={"username": "gasman", "password": PASSWORD})
    clear = token.get_json()["token"]
    assert other_client(admin).get("/api/v1/projects", headers={"Authorization": f"Bearer {clear}"}).status_code == 200
    admin.post(f"/admin/users/{gasman_id}/active", data={"active": "0"})
    other = admin.application.test_client()
    assert login(other, "gasman").status_code == 401
    assert other.get("/api/v1/projects", headers={"Authorization": f"Bearer {clear}"}).status_code == 401
    admin.post(f"/admin/users/{users['admin']}/active", data={"active": "0"})  # not oneself
    with app.app_context():
        assert db.session.get(User, users["admin"]).active

    audit = admin.get("/admin/audit").get_data(as_text=True)
    assert "gas_dongli" in audit and "deactivate" in audit and "滨海燃气公司" in audit and "李经理 022-1234" in audit
    only_users = admin.get("/admin/audit?entity=user").get_data(as_text=True)
    assert "deactivate" in only_users and "gas_dongli</td>" not in only_users


def test_audit_entries_cannot_be_changed(app, admin, users):
    admin.post("/admin/calendar", data={"notice": "2027-01-01 holiday"})
    with app.app_context():
        entry = db.session.scalar(select(AdminAuditEntry))
        assert entry.before is None and entry.after == {"kind": "holiday", "name": ""}
        entry.action = "forged"
        with pytest.raises(AuditIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.scalar(select(AdminAuditEntry)))
        with pytest.raises(AuditIsAppendOnly):
            db.session.flush()
        db.session.rollback()


def test_current_rules_are_cached_per_version(app, admin):
    with app.app_context():
        first = current_rules()
        assert current_rules() is first
    admin.post("/admin/calendar", data={"notice": "2027-01-01 holiday"})
    with app.app_context():
        changed = current_rules()
        assert changed is not first and current_rules() is changed
        assert dt.date(2027, 1, 1) in changed.calendar.holidays


def test_item_form_sets_the_dates_an_item_is_in_force(app, admin):
    admin.post(f"/admin/rules/items/{LIGHTNING}", data=_item_form(admin, valid_until="2026-06-30"))
    assert 'value="2026-06-30"' in admin.get(f"/admin/rules/items/{LIGHTNING}").get_data(as_text=True)
    with app.app_context():
        from coordinator.governance.service import open_draft, version_rules
        from coordinator.planning.planner import PlanOptions, make_plan

        rules = version_rules(open_draft())
        entry = db.session.scalar(select(AdminAuditEntry).where(AdminAuditEntry.entity == "rule_item"))
    assert rules.items[LIGHTNING].valid_until == dt.date(2026, 6, 30)
    assert "valid_until" not in entry.before and entry.after["valid_until"] == "2026-06-30"
    answers = example_answers("chemical_plant")
    assert LIGHTNING in make_plan(rules, answers, PlanOptions(today=dt.date(2026, 6, 30))).codes
    assert LIGHTNING not in make_plan(rules, answers, PlanOptions(today=dt.date(2026, 7, 1))).codes


def test_a_draft_with_an_unreadable_item_file_is_shown_not_crashed(admin):
    response = admin.post("/admin/rules/upload", data={"files": [(io.BytesIO(b"items: [\n"), "5_utilities.yaml")]},
                          content_type="multipart/form-data")
    draft_url = response.headers["Location"]
    assert "not valid YAML" in admin.get(draft_url).get_data(as_text=True)
    for page in ("/admin/rules/items", f"/admin/rules/items/{LIGHTNING}"):
        response = admin.get(page)
        assert response.status_code == 302 and response.headers["Location"].endswith(draft_url.rsplit("/admin", 1)[-1])
    assert "无法读取" in admin.get(draft_url).get_data(as_text=True)


def test_deactivation_ends_an_open_session(admin, users):
    owner = other_client(admin)
    login(owner, "owner")
    assert owner.get("/owner/projects").status_code == 200
    admin.post(f"/admin/users/{users['owner']}/active", data={"active": "0"})
    response = owner.get("/owner/projects")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    admin.post(f"/admin/users/{users['owner']}/active", data={"active": "1"})
    assert login(owner, "owner").status_code == 302


def test_the_providers_table_shows_each_providers_own_webhook(app, admin, users):
    from coordinator.hookups.models import ProviderWebhook

    with app.app_context():
        power = db.session.scalar(select(Organisation).where(Organisation.code == "power_binhai"))
        db.session.add(ProviderWebhook(organisation_id=power.id, url="https://hooks.example.test/binhai", secret="s"))
        db.session.commit()
    page = admin.get("/admin/organisations").get_data(as_text=True)
    assert "https://hooks.example.test/binhai" in page and "未登记" in page
