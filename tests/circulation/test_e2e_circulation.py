"""End to end in headless Chromium: a consultation round. The 住建 officer
accepts the drawing review (人防 is consulted by rule: 联合图审), asks the
archives as well, cannot approve while opinions are missing; the 人防
officer answers from its own list with conditions; the lead approves,
recording why it goes ahead without the archives; the owner sees the opinions.

Runs on its own SQLite file, or on ``DATABASE_URL`` (emptied afterwards)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from coordinator.extensions import db

from tests.owner.test_e2e_browser import (  # noqa: F401  (fixtures; skips the module without Chromium)
    PASSWORD, browser, expect, live_server,
)
from tests.tracking.test_e2e_tracking import _page, _shot, ready_item  # noqa: F401  (fixture)


@pytest.fixture
def accepted_review(live_server, ready_item):
    """The demo warehouse's drawing review (see ``ready_item``), submitted and
    accepted by 住建, and a 人防 officer; yields (base URL, project id, item id)."""
    from coordinator.accounts.models import Organisation, Role, User
    from coordinator.accounts.service import create_user
    from coordinator.tracking.service import transition

    app, _ = live_server
    base, project_id, review = ready_item
    with app.app_context():
        defence = db.session.scalar(select(Organisation).where(Organisation.code == "civil_defence"))
        create_user("e2e-defence", PASSWORD, Role.officer, "人防审批员", defence)
        db.session.commit()
        owner = db.session.scalar(select(User).where(User.username == "demo-owner"))
        housing = db.session.scalar(select(User).where(User.username == "demo-officer"))
        transition(owner, review, "submitted")
        transition(housing, review, "accepted")
        db.session.remove()
    return base, project_id, review


def test_a_consultation_round(browser, accepted_review):
    base, project_id, item_id = accepted_review
    lead_ctx, lead = _page(browser, base, "demo-officer", "/officer/queue")
    defence_ctx, defence = _page(browser, base, "e2e-defence", "/officer/queue")
    owner_ctx, owner = _page(browser, base, "demo-owner", "/owner/projects")
    try:
        lead.goto(f"/officer/items/{item_id}")
        round_ = lead.locator("section.consultation-round")
        expect(round_.locator("table.opinions tbody tr")).to_have_count(1)
        expect(round_).to_contain_text("区人民防空办公室")
        expect(round_).to_contain_text("待答复")
        form = round_.locator("form.consult-form")
        form.get_by_label("区城市建设档案馆").check()
        form.get_by_label("答复期限（工作日）").fill("3")
        form.get_by_role("button", name="发出征求意见").click()
        expect(lead.locator(".flash.success")).to_contain_text("已发出征求意见")
        expect(lead.locator("table.opinions tbody tr")).to_have_count(2)

        approve = lead.locator("form.action-approved")
        expect(approve).to_contain_text("尚有部门未出具意见")
        approve.get_by_label("办结文号").fill("津滨住建图审〔2026〕8号")
        approve.get_by_role("button").click()
        expect(lead.locator(".flash.error")).to_contain_text("尚有部门未出具意见")
        expect(lead.locator("h1 .badge[class*=status-]")).to_have_text("已受理")

        defence.goto("/officer/consultations")
        defence.get_by_role("link", name="施工图设计文件审查").click()
        defence.get_by_label("有条件同意").check()
        defence.get_by_label("意见内容（条件或不同意的理由）").fill("人防地下室须按平战结合设计")
        _shot(defence, "consultation-answer")
        defence.get_by_role("button", name="提交意见").click()
        expect(defence.locator(".flash.success")).to_contain_text("意见已提交")
        expect(defence.locator(".empty")).to_contain_text("没有待答复的征求意见")

        lead.reload()
        expect(lead.locator("table.opinions")).to_contain_text("人防地下室须按平战结合设计")
        approve = lead.locator("form.action-approved")
        approve.get_by_label("办结文号").fill("津滨住建图审〔2026〕8号")
        approve.get_by_label("未收到全部意见即办结的理由").fill("档案馆意见不影响图审结论")
        approve.get_by_role("button").click()
        expect(lead.locator("h1 .badge[class*=status-]")).to_have_text("已办结")
        expect(lead.locator("table.opinions")).to_contain_text("未答复，已办结")
        _shot(lead, "consultation-round")

        owner.goto(f"/owner/projects/{project_id}")
        row = owner.locator(f"#item-{item_id}")
        expect(row).to_contain_text("有条件同意（人防地下室须按平战结合设计）")
    finally:
        for ctx in (lead_ctx, defence_ctx, owner_ctx):
            ctx.close()
