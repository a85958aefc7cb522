"""End to end in headless Chromium: the power company's staff member claims
the demo warehouse's power request with htmx (in place, CSRF on), reports
progress, and the owner sees who claimed it and the progress on the
project page."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - the test extra installs it
    sync_playwright = None
if not CHROMIUM.exists() or sync_playwright is None:
    if os.environ.get("CI"):
        pytest.fail("browser tests need Chromium and playwright", pytrace=False)
    pytest.skip("browser tests need Chromium and playwright", allow_module_level=True)

from werkzeug.serving import make_server  # noqa: E402

from coordinator import create_app  # noqa: E402
from coordinator.database import upgrade  # noqa: E402
from coordinator.extensions import db  # noqa: E402

PASSWORD = "e2e correct horse battery"
SCREENSHOTS = os.environ.get("UTILITY_SCREENSHOTS")  # a directory: keep pictures of both pages


def _empty_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture(scope="module")
def demo_site(request, tmp_path_factory):
    url = os.environ.get("DATABASE_URL")
    if url:
        request.getfixturevalue("app")  # the suite's database, reset and migrated once
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'utility.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "e2e-secret", "WTF_CSRF_ENABLED": True})
    upgrade(app)
    _empty_tables(app)
    from coordinator.demo import seed_demo

    with app.app_context():
        seed_demo(PASSWORD)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        _empty_tables(app)
        with app.app_context():
            db.engine.dispose()


def test_claim_and_progress_in_place_then_the_owner_sees_it(demo_site):
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            context = browser.new_context(base_url=demo_site, locale="zh-CN", viewport={"width": 1280, "height": 900})
            context.set_default_timeout(10_000)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("response", lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico")
                    and errors.append(f"{r.status} {r.request.method} {r.url}"))
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
            assert errors == []
            context.close()

            owner = browser.new_context(base_url=demo_site, locale="zh-CN")
            page = owner.new_page()
            page.goto("/login")
            page.fill("#username", "demo-owner")
            page.fill("#password", PASSWORD)
            page.click("form button[type=submit]")
            page.wait_for_url("**/owner/projects")
            page.locator("a", has_text="滨海新区智能物流仓库").first.click()
            hookups = page.locator("#hookups")
            expect(hookups).to_contain_text("国网天津市电力公司滨海供电分公司")
            expect(hookups).to_contain_text("现场勘察完成")
            expect(hookups).to_contain_text("等待企业认领")  # the water request
            if SCREENSHOTS:
                hookups.screenshot(path=f"{SCREENSHOTS}/owner-hookups.png")
            owner.close()
        finally:
            browser.close()
