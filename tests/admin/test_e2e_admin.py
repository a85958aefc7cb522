"""End to end in Chromium: the admin raises the committed time limit of one
item in a draft, sees the failing rule tests and the impact preview naming a
demo project, updates the pinned totals in the draft's rule tests, publishes,
re-plans, and the owner's plan shows the new total.

Uses the live server, browser and demo fixtures of test_e2e_browser.py."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from coordinator.extensions import db
from coordinator.planning.rulebase import read_bundle
from coordinator.projects.models import Project

from tests.owner.test_e2e_browser import PASSWORD, _new_page, browser, demo, live_server  # noqa: F401  (fixtures)

PLANT = "南港工业区精细化工厂房"
ITEM = "lightning_protection_acceptance"


def _login(page, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")


def _fire_tests_for_eight_days() -> str:
    text = read_bundle()["tests/fire.yaml"].decode()
    for old, new in (("total_working_days: 71", "total_working_days: 74"),
                     ("serial_working_days: 124", "serial_working_days: 127"),
                     ("total_working_days: 61", "total_working_days: 64")):
        text = text.replace(old, new, 1)
    return text


def test_admin_changes_a_time_limit_publishes_and_replans(browser, demo, live_server, tmp_path):  # noqa: F811
    app, _ = live_server
    with app.app_context():
        project = db.session.scalar(select(Project).where(Project.name == PLANT))
        project_id, before = project.id, project.current_plan.total_working_days
        db.session.remove()

    context, page = _new_page(browser, demo)
    try:
        _login(page, "demo-admin")
        page.wait_for_url("**/admin/")

        # Edit the item's committed time limit: it goes to a new draft.
        page.goto("/admin/rules/items")
        page.click(f"#item-{ITEM} a")
        page.fill("#committed_days", "8")
        page.click("form.card button[type=submit]")
        page.wait_for_url("**/admin/rules/*")
        draft_url = page.url

        # Two rule tests pin the old totals: shown with their paths; publishing is off.
        validation = page.locator("#validation")
        expect(validation).to_contain_text("tests/fire.yaml")
        expect(validation).to_contain_text("cases[0]")
        expect(validation).to_contain_text("expected 71, got 74")
        expect(page.get_by_role("button", name="发布此版本")).to_be_disabled()

        # The impact preview (loaded in place by htmx) names the demo plant.
        impact = page.locator("#impact table.impact")
        expect(impact).to_contain_text(PLANT)
        expect(impact).to_contain_text(f"{before} → {before + 3}")
        page.screenshot(path=str(tmp_path / "admin-draft.png"), full_page=True)

        # Update the draft's rule tests; the draft now validates.
        page.click("a[href$='/files/tests/fire.yaml']")
        page.fill("#text", _fire_tests_for_eight_days())
        page.get_by_role("button", name="保存并校验").click()
        page.wait_for_url(draft_url)
        expect(page.locator("#validation")).to_contain_text("校验通过")

        # Publish, then re-plan the affected projects.
        page.get_by_role("button", name="发布此版本").click()
        page.wait_for_url("**/admin/rules")
        expect(page.locator(".flash.success")).to_contain_text("已发布")
        expect(page.locator("#replan")).to_contain_text(PLANT)
        page.get_by_role("button", name="重新编制受影响项目的计划").click()
        expect(page.locator(".flash.success")).to_contain_text("已重新编制 1 个项目的计划")
        assert page.problems == []
    finally:
        context.close()

    # The owner's plan shows the new total.
    context, page = _new_page(browser, demo)
    try:
        _login(page, "demo-owner")
        page.wait_for_url("**/owner/projects")
        page.goto(f"/owner/projects/{project_id}")
        expect(page.locator(".totals strong").first).to_have_text(str(before + 3))
        assert page.problems == []
    finally:
        context.close()
