"""End to end in a real browser: headless Chromium (Playwright) against the
app served by a real HTTP server in a background thread, CSRF protection on.

The owner logs in, answers the questionnaire (a follow-up question appears
in place through htmx), watches the live preview, submits, reads the plan
(verdict, Gantt chart, flowchart) and re-plans it for another land date in
place. A second browser context with JavaScript disabled checks that the
questionnaire still works as a plain HTML form.

Runs on its own SQLite file, or on ``DATABASE_URL`` (the suite's PostgreSQL
database, emptied again after every test here)."""
from __future__ import annotations

import os
import re
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
LAND_DATE = "2026-09-15"
WHAT_IF_DATE = "2027-03-16"
TIMEOUT_MS = 10_000


def _empty_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture(scope="module")
def live_server(request, tmp_path_factory):
    """The app (CSRF enabled) on 127.0.0.1:<free port>; yields (app, base URL)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        # Same database as the rest of the suite: let the session fixture reset
        # and migrate it once, and leave it empty behind us.
        request.getfixturevalue("app")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'e2e.sqlite'}"
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "e2e-secret",
        "WTF_CSRF_ENABLED": True,
    })
    upgrade(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-http", daemon=True)
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
def demo(live_server):
    """Fresh demo accounts and projects for each test; the tables are emptied afterwards."""
    from coordinator.demo import seed_demo

    app, base = live_server
    _empty_tables(app)
    with app.app_context():
        seed_demo(PASSWORD)
        db.session.remove()
    yield base
    _empty_tables(app)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield browser
        finally:
            browser.close()


def _new_page(browser, base: str, **context_options):
    context = browser.new_context(base_url=base, locale="zh-CN", viewport={"width": 1280, "height": 900},
                                  **context_options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.problems = []  # uncaught script errors and failed requests
    page.on("pageerror", lambda exc: page.problems.append(f"page error: {exc}"))
    page.on("response", lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico")
            and page.problems.append(f"{r.status} {r.request.method} {r.url}"))
    return context, page


def _login(page, username: str = "demo-owner") -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/owner/projects")


def _watch_in_place(page) -> list[str]:
    """Mark the current document and count htmx swaps; return the list that
    collects main-frame navigations (stays empty while everything happens in place)."""
    page.evaluate("""() => {
        window.__e2eMarker = 'same-document';
        window.__settled = 0;
        document.addEventListener('htmx:afterSettle', () => { window.__settled += 1; });
    }""")
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: frame == page.main_frame and navigations.append(frame.url))
    return navigations


def _swapped(page, action) -> None:
    """Do ``action`` and wait until htmx has swapped its response in."""
    before = page.evaluate("window.__settled")
    action()
    page.wait_for_function("n => window.__settled > n", arg=before)


def _still_same_document(page, url: str, navigations: list[str]) -> None:
    assert page.url == url
    assert navigations == []
    assert page.evaluate("window.__e2eMarker") == "same-document"


def test_owner_answers_the_questionnaire_and_replans_in_place(browser, demo):
    context, page = _new_page(browser, demo)
    try:
        _login(page)
        page.goto("/owner/projects/new")
        form_url = page.url
        navigations = _watch_in_place(page)

        # A follow-up question appears in place once the project type asks for it.
        expect(page.locator("#questionnaire")).to_be_visible()
        expect(page.locator("#f-fire_hazard_class")).to_have_count(0)
        expect(page.locator("#preview")).to_contain_text("必答问题未回答")
        _swapped(page, lambda: page.select_option("#f-project_type", "warehouse"))
        expect(page.locator("#f-fire_hazard_class")).to_be_visible()
        expect(page.locator("#f-project_type")).to_have_value("warehouse")
        _still_same_document(page, form_url, navigations)

        def choose(field: str, value: str) -> None:
            _swapped(page, lambda: page.select_option(f"#f-{field}", value))

        def type_in(field: str, text: str) -> None:
            def action():
                page.fill(f"#f-{field}", text)
                page.press(f"#f-{field}", "Tab")  # leaving the field fires "change"
            _swapped(page, action)

        def yes_no(question: str, answer: bool) -> None:
            _swapped(page, lambda: page.check(f'input[name="{question}"][value="{str(answer).lower()}"]'))

        choose("investment", "enterprise")
        choose("land_supply", "auction")
        type_in("district", "滨海新区")
        yes_no("in_park", True)
        yes_no("regional_assessment_done", True)
        type_in("floor_area_m2", "12000")
        type_in("building_height_m", "15")
        choose("fire_hazard_class", "C")
        yes_no("hazardous_chemicals", False)
        choose("eia_category", "registration")
        type_in("annual_energy_tce", "300")
        yes_no("utilities.water", True)
        yes_no("utilities.power", True)
        yes_no("utilities.gas", False)
        yes_no("utilities.heat", False)
        type_in("name", "E2E 滨海物流仓库")
        _swapped(page, lambda: page.fill("#f-land_date", LAND_DATE))  # date inputs fire "change" on fill
        _still_same_document(page, form_url, navigations)

        # Every answer survived the swaps, and the live preview counts items and working days.
        expect(page.locator("#f-district")).to_have_value("滨海新区")
        expect(page.locator("#f-floor_area_m2")).to_have_value("12000")
        expect(page.locator("#f-fire_hazard_class")).to_have_value("C")
        expect(page.locator("#f-land_date")).to_have_value(LAND_DATE)
        expect(page.locator('input[name="utilities.gas"][value="false"]')).to_be_checked()
        preview = page.locator("#preview")
        expect(preview).to_contain_text("个审批和报装事项")
        expect(preview).to_contain_text("个工作日")
        counts = [int(t.strip()) for t in preview.locator(".big strong").all_inner_texts()]
        assert len(counts) == 2 and all(n > 0 for n in counts), counts
        preview_items, preview_days = counts

        # Submit: a real form post (CSRF token included) redirecting to the plan page.
        page.click("button[name=action][value=submit]")
        page.wait_for_url(re.compile(r"/owner/projects/\d+$"))
        expect(page.locator("h1")).to_have_text("E2E 滨海物流仓库")

        verdict = page.locator(".verdict")
        expect(verdict).to_have_class(re.compile(r"\bok\b"))
        expect(verdict.locator("h2")).to_contain_text("适用")
        expect(verdict.locator("h2")).not_to_contain_text("不适用")
        expect(page.locator(".totals")).to_contain_text(LAND_DATE)
        expect(page.locator(".totals strong").first).to_have_text(str(preview_days))

        rows = page.locator("table.checklist tbody tr")
        bars = page.locator(".chart.gantt svg rect.bar")
        assert rows.count() == preview_items
        assert bars.count() == rows.count() > 0
        assert page.locator(".chart.gantt svg rect.bar.critical").count() >= 1
        expect(page.locator(f'.chart.gantt svg g.land-date[data-date="{LAND_DATE}"]')).to_have_count(1)
        expect(page.locator(".chart.flow svg")).to_be_visible()
        assert page.locator(".chart.flow svg g.nodes > g").count() > 0

        # What if the land is won on another day: #plan is re-planned in place.
        plan_url = page.url
        navigations = _watch_in_place(page)
        expect(page.locator("#what-if-date")).to_have_value(LAND_DATE)
        page.fill("#what-if-date", WHAT_IF_DATE)
        _swapped(page, lambda: page.click(".what-if button[type=submit]:not([formaction])"))
        _still_same_document(page, plan_url, navigations)
        plan = page.locator("#plan")
        expect(plan.locator(".note")).to_be_visible()
        expect(plan.locator(".totals")).to_contain_text(WHAT_IF_DATE)
        expect(plan.locator(".totals")).not_to_contain_text(LAND_DATE)
        expect(plan.locator(f'.chart.gantt svg g.land-date[data-date="{WHAT_IF_DATE}"]')).to_have_count(1)
        assert plan.locator(".chart.gantt svg rect.bar").count() == rows.count()
        expect(page.locator(".verdict h2")).to_contain_text("适用")

        assert page.problems == []
    finally:
        context.close()


def test_questionnaire_works_without_javascript(browser, demo):
    context, page = _new_page(browser, demo, java_script_enabled=False)
    try:
        _login(page)
        page.goto("/owner/projects/new")
        expect(page.locator("#f-fire_hazard_class")).to_have_count(0)
        page.select_option("#f-project_type", "warehouse")
        with page.expect_navigation():
            page.click("button[name=action][value=preview]")
        assert page.url.endswith("/owner/projects/new")
        expect(page.locator("#f-fire_hazard_class")).to_be_visible()
        expect(page.locator("#f-project_type")).to_have_value("warehouse")
        assert page.problems == []
    finally:
        context.close()


def test_demo_project_plan_page_renders(browser, demo, live_server):
    """The seeded demo warehouse opens with its charts (what the README screenshot shows)."""
    from coordinator.projects.models import Project

    app, _ = live_server
    with app.app_context():
        project_id = db.session.scalar(select(Project.id).where(Project.name == "滨海新区智能物流仓库"))
        db.session.remove()
    context, page = _new_page(browser, demo)
    try:
        _login(page)
        page.goto(f"/owner/projects/{project_id}")
        expect(page.locator(".verdict h2")).to_contain_text("适用")
        assert page.locator(".chart.gantt svg rect.bar").count() == page.locator("table.checklist tbody tr").count() > 0
        assert page.problems == []
    finally:
        context.close()
