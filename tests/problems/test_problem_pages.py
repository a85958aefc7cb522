"""办不成事 pages through the test client: filing with errors shown and
nothing stored, the report page offering each party only its own step,
the ledger with statistics, filters (htmx and plain) and access."""
from __future__ import annotations

from tests.conftest import login
from tests.tracking.tracking_fixtures import more_officers, project  # noqa: F401  (fixtures)


def as_user(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def file_report(client, project_id, **form):
    data = {"project_id": project_id, "category": "time_exceeded", "description": "超过承诺时限仍未受理", **form}
    return client.post("/problems/new", data=data)


def test_filing_from_the_form_and_errors_shown_without_storing(app, project):
    owner = as_user(app, "owner")
    page = owner.get(f"/problems/new?project_id={project['id']}").get_data(as_text=True)
    assert "滨海仓库" in page and "超过办理时限" in page and "建筑工程施工许可证" in page
    bad = file_report(owner, project["id"], category="", description="")
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "请选择问题类别" in text and "请填写问题描述" in text
    r = file_report(owner, project["id"])
    assert r.status_code == 302 and "/problems/" in r.location
    detail = owner.get(r.location).get_data(as_text=True)
    assert "待受理" in detail and "超过承诺时限仍未受理" in detail and 'name="to"' not in detail
    assert "滨海仓库" in owner.get("/problems").get_data(as_text=True)
    assert as_user(app, "officer").get("/problems/new").status_code == 403


def test_each_party_sees_only_its_own_step_and_the_path(app, project):
    owner, office, housing = (as_user(app, u) for u in ("owner", "admin", "officer"))
    url = file_report(owner, project["id"]).location
    page = office.get(url).get_data(as_text=True)
    assert 'value="accepted"' in page and "时限 1 个工作日" in page
    for to, extra in [("accepted", {}), ("classified", {"category": "beyond_list"}),
                      ("transferred", {"department": "housing"})]:
        assert office.post(f"{url}/move", data={"to": to, **extra}).status_code == 302
    assert as_user(app, "planner").get(url).status_code == 404
    page = housing.get(url).get_data(as_text=True)
    assert 'value="resolved"' in page and "超出清单要求材料" in page
    r = housing.post(f"{url}/move", data={"to": "resolved", "note": ""})
    assert r.status_code == 400 and "请填写办理说明" in r.get_data(as_text=True)
    housing.post(f"{url}/move", data={"to": "resolved", "note": "已督促窗口受理"})
    r = owner.post(f"{url}/move", data={"to": "feedback", "satisfied": "no", "note": "仍未受理"})
    assert r.status_code == 302
    page = owner.get(url).get_data(as_text=True)
    assert "反馈：不满意，退回部门" in page and "已转办" in page
    r = owner.post(f"{url}/move", data={"to": "accepted"})
    assert r.status_code == 409 and "状态已变化" in r.get_data(as_text=True)


def test_the_ledger_shows_statistics_filters_and_is_the_office_s(app, project):
    owner, office = as_user(app, "owner"), as_user(app, "admin")
    url = file_report(owner, project["id"]).location
    file_report(owner, project["id"], category="system_fault", description="系统无法上传")
    office.post(f"{url}/move", data={"to": "accepted"})
    page = office.get("/problems/ledger").get_data(as_text=True)
    assert "按承办部门" in page and "按问题类别" in page and "系统故障" in page and "受理" in page
    part = office.get("/problems/ledger?category=system_fault", headers={"HX-Request": "true"})
    text = part.get_data(as_text=True)
    assert "<html" not in text and "系统故障" in text and "超过办理时限" not in text.split("台账")[-1]
    assert owner.get("/problems/ledger").status_code == 403
    assert as_user(app, "officer").get("/problems/ledger.csv").status_code == 403


def test_english_pages_show_no_chinese_labels(app, project):
    owner = as_user(app, "owner")
    url = file_report(owner, project["id"]).location
    page = owner.get(url + "?lang=en").get_data(as_text=True)
    assert "Waiting for acceptance" in page and "Time limit exceeded" in page
    assert "待受理" not in page and "超过办理时限" not in page
