"""End to end in headless Chromium: two demo agencies quote for the demo
plant's EIA report; the owner compares the quotes on the plan page and
awards one (CSRF on), and the plan's report-writing item takes its days."""
from __future__ import annotations

import os

from sqlalchemy import select

from coordinator.accounts.models import User
from coordinator.extensions import db
from coordinator.intermediaries.models import IntermediaryRequest
from coordinator.intermediaries.service import submit_quote
from coordinator.projects.models import Project
from tests.owner.test_e2e_browser import (  # noqa: F401  (fixtures; skips the module without Chromium)
    _login, _new_page, browser, demo, expect, live_server,
)

SCREENSHOTS = os.environ.get("INTERMEDIARY_SCREENSHOTS")  # a directory: keep a picture of the comparison


def test_the_owner_compares_quotes_and_awards_one(browser, demo, live_server):
    app, _ = live_server
    with app.app_context():
        plant = db.session.scalar(select(Project).where(Project.name == "南港工业区精细化工厂房"))
        eia = db.session.scalar(select(IntermediaryRequest).where(
            IntermediaryRequest.project_id == plant.id, IntermediaryRequest.service == "eia"))
        agency = {u.username: u for u in db.session.scalars(select(User).where(
            User.username.in_(["demo-agency", "demo-agency-2"])))}
        on = eia.respond_by  # the demo plant was filed some days ago: quote on the last day allowed
        submit_quote(eia.id, agency["demo-agency"], 120000, 45, "含公众参与两轮", today=on)
        submit_quote(eia.id, agency["demo-agency-2"], 98000, 55, today=on)
        plant_id, eia_id = plant.id, eia.id
        db.session.remove()
    context, page = _new_page(browser, demo)
    page.set_viewport_size({"width": 390, "height": 844})  # works on a phone too
    _login(page)
    page.goto(f"/owner/projects/{plant_id}")
    section = page.locator("#service-requests")
    expect(section).to_contain_text("天津滨海环科咨询有限公司")
    expect(section).to_contain_text("渤海工程咨询有限公司")
    if SCREENSHOTS:
        section.screenshot(path=os.path.join(SCREENSHOTS, "owner-quotes.png"))
    page.get_by_role("button", name="委托 天津滨海环科咨询有限公司").click()
    expect(page.locator(".flash.success")).to_contain_text("已委托")
    expect(section.locator("tr", has_text="天津滨海环科咨询有限公司")).to_contain_text("已中选")
    expect(section.locator("tr", has_text="渤海工程咨询有限公司")).to_contain_text("未中选")
    if SCREENSHOTS:
        section.screenshot(path=os.path.join(SCREENSHOTS, "owner-awarded.png"))
    assert page.problems == []
    context.close()
    with app.app_context():
        request = db.session.get(IntermediaryRequest, eia_id)
        assert request.status == "awarded" and request.assignee.name == "天津滨海环科咨询有限公司"
        item = next(i for i in db.session.get(Project, plant_id).current_plan.items if i.code == "eia_report_writing")
        assert item.days == 45
