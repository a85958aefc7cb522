"""End to end in headless Chromium: the owner submits an item, the 住建
officer returns it with the missing materials, the owner resubmits, the
officer accepts and approves it, and the owner rates the service — every
step through the pages, with CSRF protection on.

Runs on its own SQLite file, or on ``DATABASE_URL`` (emptied afterwards)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from coordinator.extensions import db
from tests.conftest import provide_materials

from tests.owner.test_e2e_browser import (  # noqa: F401  (fixtures; skips the module without Chromium)
    PASSWORD, _empty_tables, _new_page, browser, expect, live_server,
)

SCREENSHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "")) if os.environ.get("E2E_SCREENSHOTS") else None


@pytest.fixture
def ready_item(live_server):
    """The demo data, with the prerequisites of the warehouse's construction
    drawing review approved by their departments; yields (base URL, project id, item id)."""
    from coordinator.accounts.models import Organisation, Role, User
    from coordinator.accounts.service import create_user
    from coordinator.demo import seed_demo
    from coordinator.projects.models import PlanItem, Project
    from coordinator.tracking.service import transition

    app, base = live_server
    _empty_tables(app)
    with app.app_context():
        seed_demo(PASSWORD)
        org = {o.code: o for o in db.session.scalars(select(Organisation))}
        owner = db.session.scalar(select(User).where(User.username == "demo-owner"))
        project = db.session.scalar(select(Project).where(Project.name == "滨海新区智能物流仓库"))
        plan = {i.code: i for i in project.current_plan.items}
        items = {code: item.id for code, item in plan.items()}
        for code in ("project_filing", "design_scheme_review"):
            department = plan[code].department  # 滨海: filing with the 政务服务办, not the 发改委
            officer = create_user(f"e2e-{department}", PASSWORD, Role.officer, "审批员", org[department])
            db.session.commit()
            provide_materials(app, items[code])
            transition(owner, items[code], "submitted")
            transition(officer, items[code], "accepted")
            transition(officer, items[code], "approved", document_number=f"E2E-{code}")
        project_id, item_id = project.id, items["construction_drawing_review"]
        assert db.session.get(PlanItem, item_id).status == "not_submitted"
        db.session.remove()
    provide_materials(app, item_id)
    yield base, project_id, item_id
    _empty_tables(app)


def _page(browser, base: str, username: str, lands_on: str):
    context, page = _new_page(browser, base)
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


def test_submit_return_resubmit_approve_rate(browser, ready_item, live_server):
    base, project_id, item_id = ready_item
    owner_ctx, owner = _page(browser, base, "demo-owner", "/owner/projects")
    officer_ctx, officer = _page(browser, base, "demo-officer", "/officer/queue")
    try:
        submitted_before = int(officer.locator('[data-count="submitted"]').inner_text())  # the demo's own work
        row = owner.locator(f"#item-{item_id}")
        owner.goto(f"/owner/projects/{project_id}")
        expect(row).to_contain_text("未申报")
        row.get_by_role("button", name="申报").click()
        expect(owner.locator(".flash.success")).to_contain_text("已申报")
        expect(row).to_contain_text("已申报")

        # The officer finds it in the queue; the htmx filter swaps only the table.
        officer.reload()
        expect(officer.locator("#queue")).to_contain_text("施工图设计文件审查")
        expect(officer.locator('[data-count="submitted"]')).to_have_text(str(submitted_before + 1))
        officer.select_option("#state", "returned")
        expect(officer.locator("#queue")).to_contain_text("没有符合条件的事项")
        assert "state=returned" in officer.url
        officer.select_option("#state", "")
        officer.locator(f'#queue a[href="/officer/items/{item_id}"]').click()
        officer.wait_for_url(f"**/officer/items/{item_id}")
        expect(officer.locator(".checklist-materials")).to_contain_text("岩土工程勘察报告")
        form = officer.locator("form.action-returned")
        form.get_by_label("岩土工程勘察报告", exact=True).check()
        form.get_by_label("其他材料（每行一项）").fill("建设单位授权委托书")
        form.get_by_label("理由").fill("勘察报告缺少审查合格书")
        _shot(officer, "officer-item")
        form.get_by_role("button").click()
        expect(officer.locator(".flash.success")).to_be_visible()
        expect(officer.locator("h1 .badge[class*=status-]")).to_have_text("退回补正")
        expect(officer.locator("table.events")).to_contain_text("勘察报告缺少审查合格书")

        owner.reload()
        expect(row).to_contain_text("需补正的材料")
        expect(row).to_contain_text("岩土工程勘察报告")
        expect(row).to_contain_text("建设单位授权委托书")
        _shot(owner, "owner-returned")
        provide_materials(live_server[0], item_id)  # the named materials (uploads: test_e2e_materials)
        row.get_by_role("button", name="重新申报").click()
        expect(row).to_contain_text("已申报")

        officer.reload()
        officer.locator("form.action-accepted").get_by_role("button").click()
        expect(officer.locator("h1 .badge[class*=status-]")).to_have_text("已受理")
        approve = officer.locator("form.action-approved")
        approve.get_by_label("办结文号").fill("津滨住建审〔2026〕101号")
        # 联合图审: 人防 was consulted on acceptance and has not answered yet
        approve.get_by_label("未收到全部意见即办结的理由").fill("人防意见已在方案审查时出具")
        approve.get_by_role("button").click()
        expect(officer.locator("h1 .badge[class*=status-]")).to_have_text("已办结")
        expect(officer.locator("table.events tbody tr")).to_have_count(5)

        owner.reload()
        expect(row).to_contain_text("津滨住建审〔2026〕101号")
        rating = row.locator("form.rating")
        rating.get_by_label("5", exact=True).check()
        rating.get_by_label("评价").fill("一次性告知，清楚高效")
        rating.get_by_role("button", name="提交评价").click()
        expect(row).to_contain_text("您的评价：5 分")
        expect(row.locator("form.rating")).to_have_count(0)
        _shot(owner, "owner-rated")
        assert owner.problems == [] and officer.problems == []
    finally:
        owner_ctx.close()
        officer_ctx.close()

