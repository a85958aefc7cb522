"""The agency portal (``/agency/``), the owner's report dates, outside
engagement and rating on the plan page, and the admin's agency registry,
through Flask's test client: what each page shows, every refusal in words,
nothing changed by a refused form."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from coordinator.accounts.models import Organisation, User
from coordinator.audit.models import AdminAuditEntry
from coordinator.extensions import db
from coordinator.governance.service import current_calendar
from coordinator.intermediaries import service
from coordinator.intermediaries.award import award
from coordinator.intermediaries.models import AgencyQualification, IntermediaryRequest, ServiceQuote
from coordinator.notifications.models import Notification

from tests.conftest import example_answers, login
from tests.hookups.hookup_fixtures import file_project
from tests.intermediaries.intermediary_fixtures import agency

HX = {"HX-Request": "true"}


@pytest.fixture
def offered(app, users):
    """Two agencies of 滨海新区 and one of 西青区; a chemical plant filed today."""
    with app.app_context():
        ids = {"a": agency("agency_a", "甲环评公司"), "b": agency("agency_b", "乙咨询公司"),
               "far": agency("agency_far", "西青咨询", districts=("西青区",)), **users}
        ids["project"] = file_project(users["owner"], example_answers("chemical_plant"), name="南港化工厂房",
                                     today=dt.date.today())
        ids["eia"] = db.session.scalar(select(IntermediaryRequest.id).where(
            IntermediaryRequest.project_id == ids["project"], IntermediaryRequest.service == "eia"))
        db.session.remove()
        return ids


def _quotes(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(ServiceQuote.id)))


def test_agencies_land_on_their_portal_with_the_offers_and_their_deadlines(app, client, offered):
    login(client, "agency_a")
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/agency/")
    page = client.get("/agency/").get_data(as_text=True)
    assert "南港化工厂房" in page and "滨海新区" in page and "用地 80000 平方米" in page
    assert "环境影响评价文件编制" in page and "节能报告编制" in page
    with app.app_context():
        respond_by = db.session.get(IntermediaryRequest, offered["eia"]).respond_by
        left = service.working_days_left(respond_by, dt.date.today(), current_calendar())
    assert f"剩 {left} 个工作日" in page if left else "今天截止" in page
    assert f'/agency/requests/{offered["eia"]}/quote' in page
    english = client.get("/agency/?lang=en").get_data(as_text=True)
    assert "Environmental impact assessment report" in english and "Submit quote" in english
    client.post("/logout")
    login(client, "agency_far")
    assert "南港化工厂房" not in client.get("/agency/").get_data(as_text=True)


@pytest.mark.parametrize("who", ["owner", "officer", "utility", "admin"])
def test_only_agency_staff_see_the_portal(client, offered, who):
    login(client, who)
    assert client.get("/agency/").status_code == 403
    assert client.post(f"/agency/requests/{offered['eia']}/quote",
                       data={"fee_yuan": "1", "working_days": "1"}).status_code == 403


def test_quote_from_the_portal_then_the_refusals_in_words(app, client, offered):
    login(client, "agency_a")
    url = f"/agency/requests/{offered['eia']}/quote"
    bad = client.post(url, data={"fee_yuan": "很多", "working_days": "0"}, headers=HX)
    assert bad.status_code == 400 and "未报价" in bad.get_data(as_text=True) and _quotes(app) == 0
    done = client.post(url, data={"fee_yuan": "80000", "working_days": "25", "note": "含公众参与"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/agency/")
    page = client.get("/agency/").get_data(as_text=True)
    assert "已报价：80000 元，25 个工作日" in page and url not in page
    again = client.post(url, data={"fee_yuan": "1", "working_days": "1"}, headers=HX)
    assert again.status_code == 409 and "贵单位已就该需求报价" in again.get_data(as_text=True)
    assert 'id="agency-desk"' in again.get_data(as_text=True) and "<html" not in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(IntermediaryRequest, offered["eia"]).status == "quoted"
        owner = db.session.get(User, offered["owner"])
        quote = db.session.scalar(select(ServiceQuote))
        award(offered["eia"], owner, quote.id)
    client.post("/logout")
    login(client, "agency_b")
    late = client.post(url, data={"fee_yuan": "1", "working_days": "1"}, follow_redirects=True)
    assert "该需求已委托或撤回，不再接受报价" in late.get_data(as_text=True) and _quotes(app) == 1
    assert "已委托其他机构" in client.get("/agency/").get_data(as_text=True)
    assert client.post("/agency/requests/999999/quote", data={"fee_yuan": "1", "working_days": "1"}).status_code == 404


def test_a_quote_after_the_deadline_is_refused_with_the_date(app, client, offered):
    with app.app_context():
        request = db.session.get(IntermediaryRequest, offered["eia"])
        request.respond_by = dt.date.today() - dt.timedelta(days=1)
        db.session.commit()
        respond_by = request.respond_by.isoformat()
    login(client, "agency_a")
    page = client.get("/agency/").get_data(as_text=True)
    closed = page[page.index('id="closed"'):]  # let pass unquoted: among the closed requests, with the date
    assert f"报价期限（{respond_by}）已过，不能再报价" in closed and "南港化工厂房" in closed
    refused = client.post(f"/agency/requests/{offered['eia']}/quote", data={"fee_yuan": "1", "working_days": "1"},
                          headers=HX)
    assert refused.status_code == 409 and f"报价期限（{respond_by}）已过" in refused.get_data(as_text=True)
    assert _quotes(app) == 0


def test_the_awarded_agency_reports_progress_and_sees_its_figures(app, client, offered):
    with app.app_context():
        quote = service.submit_quote(offered["eia"], db.session.get(User, offered["a"]), 80000, 25)
        award(offered["eia"], db.session.get(User, offered["owner"]), quote.id)
        feeds = [i["name"] for i in db.session.get(IntermediaryRequest, offered["eia"]).project.current_plan.plan[
            "items"] if "eia_report_writing" in i.get("requires", ())]
    login(client, "agency_a")
    page = client.get("/agency/").get_data(as_text=True)
    assert "已委托的工作" in page and "80000 元，25 个工作日" in page and "王工" in page  # the owner's contact
    assert feeds and all(name in page for name in feeds)  # what the report is for
    url = f"/agency/requests/{offered['eia']}/progress"
    today = dt.date.today()
    too_early = client.post(url, data={"to": "drafting", "on": (today - dt.timedelta(days=30)).isoformat()},
                            headers=HX)
    assert too_early.status_code == 400 and "实际日期不能早于上一步的日期" in too_early.get_data(as_text=True)
    assert client.post(url, data={"to": "drafting", "on": today.isoformat(), "note": "初稿"}).status_code == 303
    back = client.post(url, data={"to": "drafting", "on": today.isoformat()}, headers=HX)
    assert back.status_code == 409 and "当前状态下不能登记该进展" in back.get_data(as_text=True)
    done = client.post(url, data={"to": "delivered", "on": today.isoformat(), "report_title": "环境影响报告书"},
                       headers=HX)
    assert done.status_code == 200 and "已登记进展：已交付" in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(IntermediaryRequest, offered["eia"]).finished_on == today
        assert db.session.scalar(select(Notification).where(Notification.kind == "service_progress")) is not None
    client.post("/logout")
    login(client, "agency_b")
    assert client.post(url, data={"to": "delivered"}).status_code == 404

    # The owner sees the delivery against the plan, and rates the agency once.
    client.post("/logout")
    login(client, "owner")
    plan_page = client.get(f"/owner/projects/{offered['project']}").get_data(as_text=True)
    assert "实际交付" in plan_page and "提前" in plan_page  # delivered the day of the award: well before 25 days
    rated = client.post(f"/owner/service-requests/{offered['eia']}/rating",
                        data={f"agency{offered['eia']}-score": "4", f"agency{offered['eia']}-comment": "按期交付"})
    assert rated.status_code == 303
    assert "您对该机构的评价：4 分" in client.get(f"/owner/projects/{offered['project']}").get_data(as_text=True)
    client.post("/logout")
    login(client, "agency_a")
    page = client.get("/agency/").get_data(as_text=True)
    assert "4 分" in page and "按期交付" in page and "100%" in page


def test_the_owner_records_an_agency_engaged_outside_the_platform(app, client, offered):
    login(client, "owner")
    url = f"/owner/service-requests/{offered['eia']}/outside-agency"
    bad = client.post(url, data={"agency": "", "fee_yuan": "x", "working_days": "3"}, follow_redirects=True)
    assert "未保存" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(IntermediaryRequest, offered["eia"]).status == "offered"
    assert client.post(url, data={"agency": "某环评公司", "fee_yuan": "50000", "working_days": "30"}).status_code == 303
    with app.app_context():
        request = db.session.get(IntermediaryRequest, offered["eia"])
        assert request.status == "awarded" and request.quotes[0].outside_agency == "某环评公司"
    client.post("/logout")
    login(client, "owner2")
    assert client.post(url, data={"agency": "x", "fee_yuan": "1", "working_days": "1"}).status_code == 403


def _agency_org(app, code: str) -> Organisation:
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.code == code))
        db.session.expunge(org)
        return org


def test_the_admin_registers_qualifies_suspends_and_reinstates_an_agency(app, client, users):
    login(client, "admin")
    assert "中介机构" in client.get("/admin/").get_data(as_text=True)
    refused = client.post("/admin/agencies", data={"name": "丙咨询", "code": "", "districts": ""}, follow_redirects=True)
    assert "未保存" in refused.get_data(as_text=True)
    assert client.post("/admin/agencies", data={"name": "丙咨询", "code": "agency_c",
                                                "districts": "滨海新区，南港工业区"}).status_code == 303
    org = _agency_org(app, "agency_c")
    assert org.districts == ["滨海新区", "南港工业区"]
    taken = client.post("/admin/agencies", data={"name": "丁咨询", "code": "agency_c", "districts": "滨海新区"},
                        follow_redirects=True)
    assert "未保存：请检查代码" in taken.get_data(as_text=True)
    url = f"/admin/agencies/{org.id}/qualifications"
    expired = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    assert client.post(url, data={"service": "eia", "certificate_name": "环评资质", "certificate_number": "HP-1",
                                  "valid_until": expired}).status_code == 303
    page = client.get("/admin/agencies").get_data(as_text=True)
    assert "HP-1" in page and "已过期" in page and "否（资质已过期）" in page
    with app.app_context():
        assert service.qualified_agencies("eia", "滨海新区", dt.date.today()) == []
    renewed = (dt.date.today() + dt.timedelta(days=365)).isoformat()
    client.post(url, data={"service": "eia", "certificate_name": "环评资质", "certificate_number": "HP-2",
                           "valid_until": renewed})
    with app.app_context():
        assert [o.code for o in service.qualified_agencies("eia", "滨海新区", dt.date.today())] == ["agency_c"]
        assert db.session.scalar(select(AgencyQualification.certificate_number)) == "HP-2"
    assert client.post(url, data={"service": "astrology", "certificate_name": "x", "certificate_number": "x",
                                  "valid_until": renewed}).status_code == 303
    client.post(f"/admin/agencies/{org.id}/suspension", data={"suspended": "1"})
    page = client.get("/admin/agencies").get_data(as_text=True)
    assert "已暂停" in page and "否（机构已暂停）" in page
    with app.app_context():
        assert service.qualified_agencies("eia", "滨海新区", dt.date.today()) == []
    client.post(f"/admin/agencies/{org.id}/suspension", data={"suspended": "0"})
    with app.app_context():
        assert [o.code for o in service.qualified_agencies("eia", "滨海新区", dt.date.today())] == ["agency_c"]
        acts = [(e.action, e.entity_id) for e in db.session.scalars(
            select(AdminAuditEntry).where(AdminAuditEntry.entity == "agency").order_by(AdminAuditEntry.id))]
        assert acts == [("create", "agency_c"), ("qualify", "agency_c"), ("qualify", "agency_c"),
                        ("suspend", "agency_c"), ("reinstate", "agency_c")]
        last = db.session.scalars(select(AdminAuditEntry).order_by(AdminAuditEntry.id.desc())).first()
        assert last.before["suspended"] is True and last.after["suspended"] is False
    assert "agency_c" in client.get("/admin/audit?entity=agency").get_data(as_text=True)
    assert client.post("/admin/agencies/999999/suspension", data={"suspended": "1"}).status_code == 404
    # An agency's staff account, added from 部门与用户.
    client.post("/admin/users/new", data={"username": "agency_c_pm", "display_name": "丙项目经理",
                                          "password": "a-long-Passw0rd", "role": "agency",
                                          "organisation_id": str(org.id)})
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "agency_c_pm")).organisation_id == org.id
    client.post("/logout")
    login(client, "owner")
    assert client.get("/admin/agencies").status_code == 403
    assert client.post("/admin/agencies", data={"name": "x", "code": "x", "districts": "x"}).status_code == 403
