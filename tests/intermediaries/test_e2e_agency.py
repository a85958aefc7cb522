"""End to end in headless Chromium (CSRF on), with the demo accounts:
demo-agency sees a fresh EIA offer on its portal at 390 px, quotes; the
owner awards it on the plan page; the agency reports drafting and delivery
with their actual dates; the owner's page shows the report delivered early
and the approval it feeds moved. And the admin's agency registry: register,
qualify, suspend, reinstate, each in the audit."""
from __future__ import annotations

import datetime as dt
import os

from sqlalchemy import select

from coordinator.accounts.models import User
from coordinator.extensions import db
from coordinator.intermediaries.models import IntermediaryRequest
from coordinator.intermediaries.service import submit_quote
from coordinator.projects.models import Project
from coordinator.projects.service import create_project
from tests.conftest import example_answers
from tests.owner.test_e2e_browser import (  # noqa: F401  (fixtures; skips the module without Chromium)
    PASSWORD, _new_page, browser, demo, expect, live_server,
)

SCREENSHOTS = os.environ.get("INTERMEDIARY_SCREENSHOTS")  # a directory: keep pictures of the pages
PHONE = {"width": 390, "height": 844}
PROJECT = "临港化工新材料厂房"


def _log_in(browser, base: str, username: str, lang: str = "zh", viewport: dict | None = None):
    context, page = _new_page(browser, base)
    if viewport:
        page.set_viewport_size(viewport)
    page.goto(f"/login?lang={lang}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return context, page


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("window.innerWidth"), page.url


def _shot(where, name: str) -> None:
    """A picture of a page or of one part of it (a locator)."""
    if SCREENSHOTS:
        where.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"))


def test_an_agency_quotes_is_awarded_and_its_delivery_moves_the_owners_dates(browser, demo, live_server):
    app, _ = live_server
    today = dt.date.today()
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.username == "demo-owner"))
        project = create_project(owner, PROJECT, example_answers("chemical_plant"), today=today)
        eia = db.session.scalar(select(IntermediaryRequest).where(
            IntermediaryRequest.project_id == project.id, IntermediaryRequest.service == "eia"))
        submit_quote(eia.id, db.session.scalar(select(User).where(User.username == "demo-agency-2")), 98000, 40)
        project_id, eia_id, respond_by = project.id, eia.id, eia.respond_by
        db.session.remove()

    # The agency, on a phone: the offer with its deadline, quoted in place.
    context, page = _log_in(browser, demo, "demo-agency", viewport=PHONE)
    expect(page).to_have_url(f"{demo}/agency/")
    offer = page.locator(f"#offer-{eia_id}")
    expect(offer).to_contain_text(PROJECT)
    expect(offer).to_contain_text("滨海新区")
    expect(offer).to_contain_text("环境影响评价文件编制")
    expect(offer).to_contain_text("个工作日" if respond_by > today else "今天截止")
    _fits(page)
    _shot(page.locator("main"), "agency-offers-390")
    offer.get_by_label("费用（元）").fill("120000")
    offer.get_by_label("交付工期（工作日）").fill("30")
    offer.get_by_label("说明").fill("含公众参与两轮")
    offer.get_by_role("button", name=f"提交报价 {PROJECT}").click()
    expect(page.locator("#agency-desk .flash.success")).to_contain_text("已报价：120000 元，30 个工作日")
    expect(page.locator(f"#offer-{eia_id}")).to_contain_text("已报价：120000 元，30 个工作日")
    assert page.problems == []

    # The owner compares the two quotes and awards the agency's.
    owner_ctx, owner_page = _log_in(browser, demo, "demo-owner")
    owner_page.goto(f"/owner/projects/{project_id}")
    section = owner_page.locator(f"#service-request-{eia_id}")
    expect(section).to_contain_text("渤海工程咨询有限公司")
    section.get_by_role("button", name="委托 天津滨海环科咨询有限公司").click()
    expect(owner_page.locator(".flash.success")).to_contain_text("已委托")
    section = owner_page.locator(f"#service-request-{eia_id}")
    expect(section).to_contain_text("计划交付")
    assert owner_page.problems == []

    # The agency sees the work it won and reports its actual dates.
    page.reload()
    work = page.locator(f"#engagement-{eia_id}")
    expect(work).to_contain_text(PROJECT)
    expect(work).to_contain_text("120000 元，30 个工作日")
    expect(work).to_contain_text("王工")
    work.get_by_label("进展").select_option("drafting")
    work.get_by_label("实际日期").fill(today.isoformat())
    work.get_by_role("button", name=f"登记 {PROJECT}").click()
    expect(page.locator("#agency-desk .flash.success")).to_contain_text("已登记进展：编制中")
    work = page.locator(f"#engagement-{eia_id}")
    work.get_by_label("进展").select_option("delivered")
    work.get_by_label("实际日期").fill(today.isoformat())
    work.get_by_label("报告名称（交付时）").fill("环境影响报告书（报批稿）")
    work.get_by_role("button", name=f"登记 {PROJECT}").click()
    expect(page.locator("#agency-desk .flash.success")).to_contain_text("已登记进展：已交付")
    expect(page.locator(f"#engagement-{eia_id}")).to_contain_text("环境影响报告书（报批稿）")
    _fits(page)
    _shot(page.locator("main"), "agency-delivered-390")
    page.goto("/agency/?lang=en")
    expect(page.locator("#engagements")).to_contain_text("Delivered")
    _fits(page)
    assert page.problems == []
    context.close()

    # The owner's page: delivered well before the 30 days, and what that moves.
    owner_page.reload()
    section = owner_page.locator(f"#service-request-{eia_id}")
    expect(section).to_contain_text(f"实际交付 {today.isoformat()}")
    expect(section.locator(".report-dates .badge")).to_contain_text("提前")
    expect(section.locator("ul.moved")).to_contain_text("预计办结")
    _shot(section, "owner-report-dates")
    assert owner_page.problems == []
    owner_ctx.close()
    with app.app_context():
        request = db.session.get(IntermediaryRequest, eia_id)
        assert request.status == "delivered" and request.finished_on == today
        assert next(i for i in db.session.get(Project, project_id).current_plan.items
                    if i.code == "eia_report_writing").days == 30


def test_the_admin_keeps_the_agency_registry(browser, demo, live_server):
    context, page = _log_in(browser, demo, "demo-admin")
    page.goto("/admin/")
    page.get_by_role("link", name="中介机构").click()
    expect(page.locator("#agency-agency_binhai_eco")).to_contain_text("天津滨海环科咨询有限公司")
    form = page.locator("#register-agency")
    form.get_by_label("机构名称").fill("津南环评技术有限公司")
    form.get_by_label("代码").fill("agency_jinnan")
    form.get_by_label("服务区域（以逗号分隔）").fill("滨海新区，津南区")
    form.get_by_role("button", name="登记").click()
    expect(page.locator(".flash.success")).to_contain_text("已登记中介机构")
    card = page.locator("#agency-agency_jinnan")
    expect(card).to_contain_text("滨海新区、津南区")
    expect(card).to_contain_text("尚未登记资质")
    card.get_by_text("新增或续期资质").click()
    card.get_by_label("服务").select_option("eia")
    card.get_by_label("资质证书名称").fill("环境影响评价资质")
    card.get_by_label("证书编号").fill("HP-2026-001")
    card.get_by_label("有效期至").fill((dt.date.today() + dt.timedelta(days=365)).isoformat())
    card.get_by_role("button", name="保存资质 津南环评技术有限公司").click()
    expect(page.locator(".flash.success")).to_contain_text("已保存资质")
    card = page.locator("#agency-agency_jinnan")
    expect(card.locator("table.qualifications")).to_contain_text("HP-2026-001")
    expect(card.locator("table.qualifications")).to_contain_text("是")
    card.get_by_role("button", name="暂停 津南环评技术有限公司").click()
    card = page.locator("#agency-agency_jinnan")
    expect(card).to_contain_text("已暂停")
    expect(card.locator("table.qualifications")).to_contain_text("否（机构已暂停）")
    _shot(card, "admin-agency")
    card.get_by_role("button", name="恢复 津南环评技术有限公司").click()
    expect(page.locator("#agency-agency_jinnan h2")).to_contain_text("正常")
    page.set_viewport_size(PHONE)
    _fits(page)
    page.goto("/admin/audit?entity=agency")
    expect(page.locator("main")).to_contain_text("agency_jinnan")
    expect(page.locator("main")).to_contain_text("reinstate")
    assert page.problems == []
    context.close()
