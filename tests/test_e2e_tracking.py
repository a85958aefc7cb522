"""End to end in headless Chromium: the owner submits an item, the 住建
officer returns it with the missing materials, the owner resubmits, the
officer accepts and approves it, and the owner rates the service — every
step through the pages, with CSRF protection on.

Runs on its own SQLite file, or on ``DATABASE_URL`` (emptied afterwards)."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
_missing = None
if not CHROMIUM.exists():
    _missing = f"{CHROMIUM} is not installed"
else:
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        _missing = f"the playwright package is not installed ({exc})"
if _missing:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {_missing}", pytrace=False)
    pytest.skip(f"browser tests need Chromium: {_missing}", allow_module_level=True)

from sqlalchemy import select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from coordinator import create_app  # noqa: E402
from coordinator.database import upgrade  # noqa: E402
from coordinator.extensions import db  # noqa: E402

PASSWORD = "e2e correct horse battery"
TIMEOUT_MS = 10_000
SCREENSHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "")) if os.environ.get("E2E_SCREENSHOTS") else None


def _empty_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture(scope="module")
def live_server(request, tmp_path_factory):
    url = os.environ.get("DATABASE_URL")
    if url:
        request.getfixturevalue("app")  # the suite's database, reset and migrated once
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'e2e.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "e2e-secret", "WTF_CSRF_ENABLED": True})
    upgrade(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-tracking-http", daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        _empty_tables(app)
        with app.app_context():
            db.engine.dispose()


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
        drc = create_user("e2e-drc", PASSWORD, Role.officer, "发改审批员", org["drc"])
        planner = create_user("e2e-planner", PASSWORD, Role.officer, "规划审批员", org["planning"])
        db.session.commit()
        owner = db.session.scalar(select(User).where(User.username == "demo-owner"))
        project = db.session.scalar(select(Project).where(Project.name == "滨海新区智能物流仓库"))
        items = {i.code: i.id for i in project.current_plan.items}
        for code, officer in (("project_filing", drc), ("design_scheme_review", planner)):
            transition(owner, items[code], "submitted")
            transition(officer, items[code], "accepted")
            transition(officer, items[code], "approved", document_number=f"E2E-{code}")
        project_id, item_id = project.id, items["construction_drawing_review"]
        assert db.session.get(PlanItem, item_id).status == "not_submitted"
        db.session.remove()
    yield base, project_id, item_id
    _empty_tables(app)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            yield browser
        finally:
            browser.close()


def _page(browser, base: str, username: str, lands_on: str):
    context = browser.new_context(base_url=base, locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(f"page error: {exc}"))
    page.on("response", lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico")
            and page.problems.append(f"{r.status} {r.request.method} {r.url}"))
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


def test_submit_return_resubmit_approve_rate(browser, ready_item):
    base, project_id, item_id = ready_item
    owner_ctx, owner = _page(browser, base, "demo-owner", "/owner/projects")
    officer_ctx, officer = _page(browser, base, "demo-officer", "/officer/queue")
    try:
        row = owner.locator(f"#item-{item_id}")
        owner.goto(f"/owner/projects/{project_id}")
        expect(row).to_contain_text("未申报")
        row.get_by_role("button", name="申报").click()
        expect(owner.locator(".flash.success")).to_contain_text("已申报")
        expect(row).to_contain_text("已申报")

        # The officer finds it in the queue; the htmx filter swaps only the table.
        officer.reload()
        expect(officer.locator("#queue")).to_contain_text("施工图设计文件审查")
        expect(officer.locator('[data-count="submitted"]')).to_have_text("1")
        officer.select_option("#state", "returned")
        expect(officer.locator("#queue")).to_contain_text("没有符合条件的事项")
        assert "state=returned" in officer.url
        officer.select_option("#state", "")
        officer.locator("#queue").get_by_role("link", name="施工图设计文件审查").click()
        officer.wait_for_url(f"**/officer/items/{item_id}")
        expect(officer.locator(".checklist-materials")).to_contain_text("岩土工程勘察报告")
        form = officer.locator("form.action-returned")
        form.get_by_label("岩土工程勘察报告").check()
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
        row.get_by_role("button", name="重新申报").click()
        expect(row).to_contain_text("已申报")

        officer.reload()
        officer.locator("form.action-accepted").get_by_role("button").click()
        expect(officer.locator("h1 .badge[class*=status-]")).to_have_text("已受理")
        approve = officer.locator("form.action-approved")
        approve.get_by_label("办结文号").fill("津滨住建审〔2026〕101号")
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

