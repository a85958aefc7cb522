"""The demo data gives every role real work on a fresh install: an officer
for every department, projects under way (items submitted, accepted,
returned and approved; hookups offered and claimed), statistics."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from coordinator.accounts.models import Role, User
from coordinator.demo import IN_PROGRESS, officer_usernames, seed_demo
from coordinator.extensions import db
from coordinator.hookups.service import hookups_of
from coordinator.projects.models import Project
from coordinator.tracking.service import statistics_records

from .conftest import PASSWORD, login


@pytest.fixture
def demo(app):
    with app.app_context():
        seed_demo(PASSWORD)
        db.session.remove()


def _project(name: str) -> Project:
    return db.session.scalar(select(Project).where(Project.name == name))


def test_an_officer_for_every_department_of_the_rule_base(app, demo):
    with app.app_context():
        users = {u.username: u for u in db.session.scalars(select(User))}
        departments = [n.removeprefix("demo-officer-") for n in officer_usernames()]
        assert {"drc", "planning", "housing", "eco_env"} <= set(departments)
        for code in departments:
            officer = users[f"demo-officer-{code}"]
            assert officer.role == Role.officer and officer.organisation.code == code
        assert users["demo-officer"].organisation.code == "housing"


def test_the_projects_under_way_have_items_in_every_state_and_hookups_claimed(app, demo):
    with app.app_context():
        statuses = {i.status for name in (IN_PROGRESS, "南港工业区精细化工厂房")
                    for i in _project(name).current_plan.items}
        assert {"submitted", "accepted", "returned", "approved"} <= statuses
        hookups = {r.utility: r for r in hookups_of(_project(IN_PROGRESS))}
        assert hookups["power"].status == "designed" and hookups["power"].provider.code == "power_binhai"
        assert hookups["water"].status == "offered"
        records, ratings = statistics_records()
        assert any(r.status == "approved" for r in records) and ratings


@pytest.mark.parametrize("username", ["demo-officer", "demo-officer-drc", "demo-officer-planning",
                                      "demo-officer-eco_env", "demo-officer-water_affairs",
                                      "demo-officer-culture", "demo-officer-urban_mgmt"])
def test_officers_find_work_in_their_queue(client, demo, username):
    login(client, username)
    queue = client.get("/api/v1/queue").get_json()
    assert queue["total"] >= 1


def test_the_owner_reads_why_an_item_was_returned_and_what_blocks_the_others(app, client, demo):
    with app.app_context():
        plant, cold_chain = _project("南港工业区精细化工厂房").id, _project(IN_PROGRESS).id
    login(client, "demo-owner")
    page = client.get(f"/owner/projects/{plant}").get_data(as_text=True)
    assert "退回理由" in page and "环境影响报告书缺少大气环境影响预测章节" in page
    page = client.get(f"/owner/projects/{cold_chain}").get_data(as_text=True)
    # The drawing review is with 住建; the construction permit waits for it, named with its department.
    assert "待前置事项办结：施工图设计文件审查（区住房和建设委员会）" in page
    english = client.get(f"/owner/projects/{cold_chain}?lang=en").get_data(as_text=True)
    assert "Waiting for: Construction drawing review (District Housing and Construction Commission)" in english


def test_admin_statistics_are_not_empty(client, demo):
    login(client, "demo-admin")
    page = client.get("/admin/statistics").get_data(as_text=True)
    assert page.count("暂无数据") == 0
    assert "区发展和改革委员会" in page and "100%" in page  # filing approved within its limit


def test_the_plan_page_says_what_next(app, client, demo):
    with app.app_context():
        cold_chain = _project(IN_PROGRESS).id
    login(client, "demo-owner")
    page = client.get(f"/owner/projects/{cold_chain}").get_data(as_text=True)
    summary = page.split('class="what-next"')[1].split("</div>")[0]
    assert "今天可以申报：" in summary and "建设用地规划许可证" in summary
    assert "等待区住房和建设委员会办理 1 项" in summary
    assert "等待市规划和自然资源局滨海新区分局办理 1 项" in summary  # the land transfer
    english = client.get(f"/owner/projects/{cold_chain}?lang=en").get_data(as_text=True)
    assert "In progress with District Housing and Construction Commission: 1" in english


def test_officers_see_their_own_departments_figures(app, client, demo):
    """On-time rate, days used against the committed, overdue, due this week,
    ratings: the statistics' row of the officer's department, nobody else's."""
    with app.app_context():
        records, _ = statistics_records("drc")
        assert records and {r.department for r in records} == {"drc"}
    login(client, "demo-officer-drc")
    page = client.get("/officer/figures").get_data(as_text=True)
    assert "本部门统计" in page and 'data-figure="on_time_rate">100%' in page
    for figure in ("median_days", "p90_days", "overdue_now", "due_this_week", "rating"):
        assert f'data-figure="{figure}"' in page
    assert "区住房和建设委员会" not in page  # no other department's row
    english = client.get("/officer/figures?lang=en").get_data(as_text=True)
    assert "Our figures" in english and "Due this week" in english
    login(client, "demo-owner")
    assert client.get("/officer/figures").status_code == 403


def test_admin_reads_every_role_and_organisation_kind_in_words(client, demo):
    """The agent keeps their role in the users table (saving the row must not
    make them an owner), and every organisation says what kind it is."""
    login(client, "demo-admin")
    page = client.get("/admin/organisations").get_data(as_text=True)
    for username, role in (("demo-agent", "agent"), ("demo-agency", "agency")):
        row = page[page.index(f'id="user-{username}"'):]
        assert f'<option value="{role}" selected>' in row[:row.index("</tr>")]
    departments = page[page.index('class="list departments"'):page.index('class="list providers"')]
    assert "政务服务站点" in departments and ">service_station<" not in departments
    assert "天津滨海环科咨询有限公司" not in departments  # agencies have their own registry, /admin/agencies


