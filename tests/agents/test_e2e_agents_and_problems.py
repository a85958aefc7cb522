"""End to end in headless Chromium: the owner asks for an agent on the
project page, the demo agent claims it on the workspace and submits an item
for the owner, who sees it in the agent's log; then the owner reports a
problem that goes round the whole loop — 受理, 分类, 转办 to 住建, 办结, an
unsatisfied 反馈, 办结 again, a satisfied 反馈, 核查, 备案 — and lands in the
office's ledger. Every step through the pages, CSRF on, also at 390 px."""
from __future__ import annotations

import os
import re
from pathlib import Path

from tests.owner.test_e2e_browser import (  # noqa: F401  (fixtures; skips the module without Chromium)
    PASSWORD, _new_page, browser, demo, expect, live_server,
)

SCREENSHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "")) if os.environ.get("E2E_SCREENSHOTS") else None


def _page(browser, base: str, username: str, lands_on: str, width: int | None = None):
    context, page = _new_page(browser, base)
    if width:
        page.set_viewport_size({"width": width, "height": 844})
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"**{lands_on}")
    return context, page


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _move(page, to: str, **fields) -> None:
    form = page.locator(f"form.action-{to}")
    for label, value in fields.items():
        if label == "select":
            form.locator("select").select_option(value)
        elif label == "check":
            form.get_by_label(value).check()
        else:
            form.get_by_label("办理说明").fill(value)
    form.get_by_role("button").click()
    expect(page.locator(".flash.success")).to_be_visible()


def _submittable_item(app, project_name: str) -> tuple[int, str]:
    """An item of the demo project that can be submitted today, its
    materials uploaded (the agent's upload form is tested elsewhere)."""
    from sqlalchemy import select

    from coordinator.extensions import db
    from coordinator.projects.models import Project
    from coordinator.tracking.service import progress_of
    from tests.conftest import provide_materials

    with app.app_context():
        project = db.session.scalar(select(Project).where(Project.name == project_name))
        row = next(r for r in progress_of(project, project.owner).submittable if r.item.kind == "approval")
        item_id, name = row.item.id, row.item.name
        db.session.remove()
    provide_materials(app, item_id)
    return item_id, name


def test_owner_asks_agent_submits_and_a_problem_goes_round_the_loop(browser, demo, live_server):
    base = demo
    item_id, item_name = _submittable_item(live_server[0], "南港工业区精细化工厂房")
    owner_ctx, owner = _page(browser, base, "demo-owner", "/owner/projects")
    agent_ctx, agent = _page(browser, base, "demo-agent", "/agent/", width=390)
    office_ctx, office = _page(browser, base, "demo-admin", "/admin/")
    officer_ctx, officer = _page(browser, base, "demo-officer", "/officer/queue")
    try:
        # The demo agent already holds the warehouse.
        expect(agent.locator(".in-hand")).to_contain_text("滨海新区智能物流仓库")
        # The owner asks for help on the chemical plant, granting the default acts.
        owner.get_by_role("link", name="南港工业区精细化工厂房").first.click()
        section = owner.locator("#agent")
        expect(section.get_by_label("上传材料")).to_be_checked()
        expect(section.get_by_label("选定中介服务")).not_to_be_checked()
        section.get_by_role("button", name="申请帮办代办").click()
        expect(owner.locator(".flash.success")).to_contain_text("已申请帮办代办")
        project_url = owner.url.split("#")[0]

        # The agent claims it on the workspace (390 px wide) and submits an item for the owner.
        agent.reload()
        offered = agent.locator(".offered-request", has_text="南港工业区精细化工厂房")
        assert agent.evaluate("document.documentElement.scrollWidth") <= 390
        _shot(agent, "agent-workspace-390")
        offered.get_by_role("button", name=re.compile("认领")).click()
        agent.wait_for_url(re.compile(r".*/owner/projects/\d+$"))
        expect(agent.locator(".flash.success")).to_contain_text("已认领")
        agent.locator(f"#item-{item_id}").get_by_role("button", name="申报").click()
        expect(agent.locator(".flash.success")).to_contain_text("已申报")

        # The owner sees who did it, for whom.
        owner.goto(project_url)
        expect(owner.locator("#agent")).to_contain_text("帮办代办员 滨海新区帮办代办员")
        expect(owner.locator(".agent-acts")).to_contain_text(f"代 滨海示范仓储有限公司 申报事项：申报{item_name}")
        _shot(owner, "owner-agent-section")

        # The owner reports a problem on the project.
        owner.get_by_role("link", name="反映“办不成事”").click()
        owner.get_by_label("超出清单要求材料").check()
        owner.get_by_label("问题描述").fill("窗口要求提供清单以外的房屋安全鉴定报告")
        owner.get_by_role("button", name="提交反映").click()
        expect(owner.locator("h1 .badge")).to_have_text("待受理")
        report_url = owner.url

        office.goto(report_url)
        _move(office, "accepted")
        _move(office, "classified")
        _move(office, "transferred", select="housing")
        expect(office.locator("h1 .badge")).to_have_text("已转办")

        officer.goto("/problems")
        officer.get_by_role("link", name=re.compile(r"#\d+")).first.click()
        _move(officer, "resolved", note="已要求窗口按清单受理")

        owner.goto(report_url)
        _move(owner, "feedback", check="不满意，退回重新办理", note="窗口仍要求鉴定报告")
        expect(owner.locator(".problem-path")).to_contain_text("反馈：不满意，退回部门")
        expect(owner.locator("h1 .badge")).to_have_text("已转办")

        officer.goto(report_url)
        _move(officer, "resolved", note="已取消该要求并致歉")
        owner.goto(report_url)
        _move(owner, "feedback", check="满意，已解决")
        office.goto(report_url)
        _move(office, "verified")
        _move(office, "archived")
        expect(office.locator("h1 .badge")).to_have_text("已备案")
        _shot(office, "problem-archived")

        # The ledger: the path with times per step, the outcome, statistics; the filter swaps in place.
        office.goto("/problems/ledger")
        ledger = office.locator("table.problem-ledger")
        expect(ledger).to_contain_text("退回重办后解决")
        expect(ledger.locator("ol.steps li")).to_have_count(9)
        expect(office.locator("table.problem-stats").first).to_contain_text("区住房和建设委员会")
        office.select_option("#f-category", "system_fault")
        expect(ledger).to_contain_text("暂无反映")
        assert "category=system_fault" in office.url
        _shot(office, "problem-ledger")
        for page in (owner, agent, office, officer):
            assert page.problems == [], page.problems
    finally:
        for ctx in (owner_ctx, agent_ctx, office_ctx, officer_ctx):
            ctx.close()
