"""The officer pages and the owner's tracking section through the test client."""
from __future__ import annotations

import datetime as dt

from tests.conftest import login, provide_materials
from tests.tracking.tracking_fixtures import approve, more_officers, move, project  # noqa: F401


def as_user(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def page(client, url, status=200):
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code)
    return r.get_data(as_text=True)


def test_officers_land_on_their_queue(app, project):
    r = as_user(app, "planner").get("/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/officer/queue")


def test_queue_page_filters_and_counts(app, project):
    owner = as_user(app, "owner")
    provide_materials(app, project['items']['land_transfer'])
    owner.post(f"/owner/items/{project['items']['land_transfer']}/submit")
    move(app, project["users"]["owner"], project["items"]["eia_registration"], "submitted",
         today=dt.date.today() - dt.timedelta(days=30))
    planner = as_user(app, "planner")
    html = page(planner, "/officer/queue")
    assert "国有建设用地使用权招拍挂出让" in html and f"/officer/items/{project['items']['land_transfer']}" in html
    assert 'data-count="submitted">1<' in html and 'data-count="overdue">0<' in html
    assert 'for="state"' in html and 'for="project_type"' in html and 'for="overdue"' in html
    assert page(planner, "/officer/queue?project_type=residential").count("<tr") == 0
    fragment = planner.get("/officer/queue?state=returned", headers={"HX-Request": "true", "HX-Target": "queue"})
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    counts = page(planner, "/officer/queue/counts")
    assert counts.startswith('{#') is False and 'id="queue-counts"' in counts and "<html" not in counts
    eco = page(as_user(app, "eco"), "/officer/queue?overdue=y")
    assert 'data-count="overdue">1<' in eco and "deadline-overdue" in eco
    assert as_user(app, "owner").get("/officer/queue").status_code == 403


def test_item_page_actions_materials_and_audit_log(app, project):
    item = project["items"]["construction_drawing_review"]
    approve(app, project, "project_filing", "drc_officer")
    approve(app, project, "design_scheme_review", "planning_officer")
    owner, officer = as_user(app, "owner"), as_user(app, "officer")
    provide_materials(app, item)
    assert owner.post(f"/owner/items/{item}/submit").status_code == 303
    html = page(officer, f"/officer/items/{item}")
    assert "施工图设计文件（含消防、人防、节能专篇）" in html  # the materials checklist
    for target in ("accepted", "accepted_with_gaps", "returned", "refused"):
        assert f'value="{target}"' in html
    # returning without a reason: 400, nothing changes
    r = officer.post(f"/officer/items/{item}/transition", data={"to": "returned"})
    assert r.status_code == 400
    r = officer.post(f"/officer/items/{item}/transition", data={
        "to": "returned", "returned-reason": "图纸缺审查章", "returned-materials": ["岩土工程勘察报告"],
        "returned-other_materials": "建设单位授权书\n"})
    assert r.status_code == 303
    html = page(officer, f"/officer/items/{item}")
    assert "图纸缺审查章" in html and "建设单位授权书" in html and "退回补正" in html
    mine = page(owner, f"/owner/projects/{project['id']}")
    assert "需补正的材料" in mine and "岩土工程勘察报告" in mine and "重新申报" in mine
    provide_materials(app, item)
    assert owner.post(f"/owner/items/{item}/submit").status_code == 303
    r = officer.post(f"/officer/items/{item}/transition", data={"to": "accepted"})
    assert r.status_code == 303
    r = officer.post(f"/officer/items/{item}/transition", data={"to": "approved", "approved-document_number": "津滨审〔2026〕5号", "approved-override_reason": "人防意见已在方案审查时出具"})
    assert r.status_code == 303
    mine = page(owner, f"/owner/projects/{project['id']}")
    assert "津滨审〔2026〕5号" in mine and "提交评价" in mine
    assert owner.post(f"/owner/items/{item}/rating", data={f"rate{item}-score": "5", f"rate{item}-comment": "高效"}).status_code == 303
    mine = page(owner, f"/owner/projects/{project['id']}")
    assert "您的评价：5 分" in mine and "提交评价" not in mine.split(f'id="item-{item}"')[1].split("</tr>")[0]
    # a second rating is refused
    owner.post(f"/owner/items/{item}/rating", data={f"rate{item}-score": "1"})
    assert "您的评价：5 分" in page(owner, f"/owner/projects/{project['id']}")


def test_other_department_and_stale_actions(app, project):
    item = project["items"]["land_transfer"]
    provide_materials(app, item)
    as_user(app, "owner").post(f"/owner/items/{item}/submit")
    assert as_user(app, "officer").get(f"/officer/items/{item}").status_code == 403
    assert as_user(app, "officer").post(f"/officer/items/{item}/transition", data={"to": "accepted"}).status_code == 403
    planner = as_user(app, "planner")
    assert planner.post(f"/officer/items/{item}/transition", data={"to": "accepted"}).status_code == 303
    r = planner.post(f"/officer/items/{item}/transition", data={"to": "accepted"})
    assert r.status_code == 409
    assert as_user(app, "owner2").post(f"/owner/items/{item}/submit").status_code == 404


def test_owner_sees_planned_and_projected_dates(app, project):
    html = page(as_user(app, "owner"), f"/owner/projects/{project['id']}")
    assert "办理进度" in html and "预计办结" in html and "开工日期：计划" in html


def test_due_date_calendar(app, project):
    item = project["items"]["land_transfer"]
    provide_materials(app, item)
    as_user(app, "owner").post(f"/owner/items/{item}/submit")
    planner = as_user(app, "planner")
    due = dt.date.today()
    html = page(planner, "/officer/calendar")
    assert 'class="month"' in html and f"/officer/items/{item}" in html
    other = (due.replace(day=1) + dt.timedelta(days=70)).strftime("%Y-%m")
    assert f"/officer/items/{item}" not in page(planner, f"/officer/calendar?month={other}")
    assert page(planner, "/officer/calendar?month=bad").count('class="month"') == 1


def test_statistics_for_admins_only_with_csv(app, project):
    approve(app, project, "project_filing", "drc_officer")
    owner = as_user(app, "owner")
    item = project["items"]["project_filing"]
    owner.post(f"/owner/items/{item}/rating", data={f"rate{item}-score": "4"})
    admin = as_user(app, "admin")
    html = page(admin, "/admin/statistics")
    assert "各部门限时办结" in html and "<svg" in html and "拿地即开工项目" in html
    # 滨海新区's filings are handled by its 政务服务办 (行政审批), elsewhere by the 发改委
    assert "政务服务" in html or "发展" in html
    departments = admin.get("/admin/statistics/departments.csv")
    assert departments.status_code == 200 and departments.mimetype == "text/csv"
    lines = departments.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("department,name,completed,on_time")
    assert lines[1].startswith("binhai_approval,") and ",1,1,1.000," in lines[1]
    ratings = admin.get("/admin/statistics/ratings.csv").get_data(as_text=True)
    assert "binhai_approval" in ratings and ",1,4.000,0,0,0,1,0" in ratings
    land_day = admin.get("/admin/statistics/land_day.csv").get_data(as_text=True)
    assert "滨海仓库,2026-09-15,4,0,no" in land_day  # the land date passed without the permits
    assert admin.get("/admin/statistics/nothing.csv").status_code == 404
    assert as_user(app, "planner").get("/admin/statistics").status_code == 403
    assert owner.get("/admin/statistics/departments.csv").status_code == 403
