"""End to end in headless Chromium: the power company's staff member claims
the demo warehouse's power request with htmx (in place, CSRF on), reports
progress, and the owner sees who claimed it and the progress on the
project page."""
from __future__ import annotations

import os

from tests.owner.test_e2e_browser import (  # noqa: F401  (fixtures; skips the module without Chromium)
    PASSWORD, _login, _new_page, browser, demo, expect, live_server,
)

SCREENSHOTS = os.environ.get("UTILITY_SCREENSHOTS")  # a directory: keep pictures of both pages


def test_claim_and_progress_in_place_then_the_owner_sees_it(browser, demo):
    context, page = _new_page(browser, demo)
    page.goto("/login")
    page.fill("#username", "demo-utility")
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/utility/")
    row = page.locator("#hookups tr", has_text="滨海新区智能物流仓库")
    expect(row).to_be_visible()
    page.evaluate("window.__samePage = true")
    row.locator("button", has_text="认领").click()
    expect(page.locator("#hookups .flash.success")).to_contain_text("已认领")
    expect(page.locator("#hookups")).to_contain_text("滨海示范仓储有限公司")  # the owner's contact
    page.select_option("select[name=to]", "surveyed")
    page.fill("input[name=note]", "现场勘察完成，拟由10kV线路接入")
    page.locator("#hookups button", has_text="登记").click()
    expect(page.locator("#hookups .flash.success")).to_contain_text("已勘察")
    assert page.evaluate("window.__samePage") is True  # htmx swapped the lists in place
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/utility-portal.png", full_page=True)
    assert page.problems == []
    context.close()

    owner, page = _new_page(browser, demo)
    _login(page)
    page.locator("a", has_text="滨海新区智能物流仓库").first.click()
    hookups = page.locator("#hookups")
    expect(hookups).to_contain_text("国网天津市电力公司滨海供电分公司")
    expect(hookups).to_contain_text("现场勘察完成")
    expect(hookups).to_contain_text("等待企业认领")  # the water request
    if SCREENSHOTS:
        hookups.screenshot(path=f"{SCREENSHOTS}/owner-hookups.png")
    owner.close()
