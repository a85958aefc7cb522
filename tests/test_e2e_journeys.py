"""Every role's journey on a fresh install, in headless Chromium against a
real ``coordinator serve`` subprocess, using only the demo accounts: in
Chinese and English, at 1280 px and at 390 px (no sideways scrolling), with
dates typed on the keyboard.

Runs on its own SQLite file, or on a throwaway PostgreSQL database on the
server of ``DATABASE_URL``."""
from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.conftest import throwaway_database
from tests.owner.test_e2e_browser import browser, expect  # noqa: F401  (skips without Chromium)

SCRIPT = Path(sys.executable).parent / "coordinator"
ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "journey correct horse"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A fresh install: ``coordinator serve`` on an empty database of its own
    (a SQLite file, or a throwaway PostgreSQL database beside the suite's),
    as the README's first command runs it; yields its base URL."""
    with contextlib.ExitStack() as stack:
        base = os.environ.get("DATABASE_URL")
        if base:
            url = stack.enter_context(throwaway_database(base, f"journeys_{uuid.uuid4().hex[:8]}"))
        else:
            url = f"sqlite:///{tmp_path_factory.mktemp('journeys') / 'fresh.sqlite'}"
        yield stack.enter_context(_serving(url, tmp_path_factory))


@contextlib.contextmanager
def _serving(url: str, tmp_path_factory):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "COORDINATOR_DEMO_PASSWORD": PASSWORD, "DELIVERY_IN_PROCESS": "0"}
    log = tmp_path_factory.mktemp("journeys-log") / "serve.log"
    proc = subprocess.Popen([str(SCRIPT), "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/login", timeout=2):
                    break
            except OSError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


class Visit:
    """One browser context logged in as a demo account."""

    def __init__(self, browser, base: str, username: str, viewport=DESKTOP, lang: str = "zh", **options):
        self.context = browser.new_context(base_url=base, locale="zh-CN", viewport=viewport, **options)
        self.context.set_default_timeout(30_000)
        self.page = page = self.context.new_page()
        self.problems: list[str] = []
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        page.on("response", lambda r: r.status >= 400 and self.problems.append(f"{r.status} {r.url}"))
        page.goto(f"/login?lang={lang}")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_load_state()

    def no_sideways_scrolling(self) -> None:
        width = self.page.evaluate("document.documentElement.scrollWidth")
        viewport = self.page.evaluate("window.innerWidth")
        assert width <= viewport, f"{self.page.url}: {width} px wide in a {viewport} px window"

    def close(self) -> None:
        self.context.close()
        assert self.problems == []


def _settled(page, action) -> None:
    """Do ``action`` and wait until htmx has swapped its response in."""
    page.evaluate("() => { window.__settled = 0; document.addEventListener('htmx:afterSettle', "
                  "() => window.__settled++, {once: true}); }")
    action()
    page.wait_for_function("() => window.__settled > 0")


def test_owner_types_a_land_date_and_nothing_typed_is_lost(browser, served):
    visit = Visit(browser, served, "demo-owner")
    page = visit.page
    page.goto("/owner/projects/new")
    _settled(page, lambda: page.select_option("#f-project_type", "warehouse"))
    # Typed segment by segment, as a keyboard user does: month, day, year.
    page.click("#f-land_date")
    page.keyboard.type("09152027")
    expect(page.locator("#f-land_date")).to_have_value("2027-09-15")
    page.keyboard.press("Tab")  # to the field's calendar button: still inside the field
    _settled(page, lambda: page.keyboard.press("Tab"))
    expect(page.locator("#f-land_date")).to_have_value("2027-09-15")

    # A refresh that arrives while the owner types elsewhere does not overwrite it.
    page.route("**/owner/projects/new", lambda route: (time.sleep(1.5), route.continue_()))
    page.select_option("#f-investment", "enterprise")
    page.click("#f-name")
    page.keyboard.type("临港仓库")
    time.sleep(2)
    page.unroute("**/owner/projects/new")
    expect(page.locator("#f-name")).to_have_value("临港仓库")
    _settled(page, lambda: page.keyboard.press("Tab"))
    expect(page.locator("#f-name")).to_have_value("临港仓库")
    expect(page.locator("#f-investment")).to_have_value("enterprise")
    expect(page.locator("#f-land_date")).to_have_value("2027-09-15")
    visit.close()


def _both_languages_on_a_phone(browser, base: str, username: str, paths: list[str]) -> None:
    """Every page of the role's journey, in Chinese and English, at 390 px:
    no sideways scrolling, and each language speaks only itself."""
    for lang in ("zh", "en"):
        visit = Visit(browser, base, username, viewport=PHONE, lang=lang)
        for path in paths:
            visit.page.goto(path)
            visit.no_sideways_scrolling()
            html_lang = visit.page.locator("html").get_attribute("lang")
            assert html_lang == ("zh-CN" if lang == "zh" else "en")
            # What the app says (headings, column heads, labels, buttons), not what people typed,
            # nor the titles of the laws it cites (.basis), which have no English name.
            text = visit.page.evaluate("""() => [...document.querySelectorAll(
                'main :is(h2, th[scope=col], label, button, legend, .hint, .help)')].map(e => {
                    const copy = e.cloneNode(true);
                    copy.querySelectorAll('.basis').forEach(b => b.remove());
                    return copy.innerText ?? copy.textContent;
                }).join('\\n')""")
            if lang == "zh":
                assert not re.search(r"\b(the|and|of|for)\b", text), f"{path}: English on a Chinese page"
            else:
                assert "审批" not in text and "事项" not in text, f"{path}: Chinese on an English page"
        visit.close()


def test_owner_journey(browser, served):
    visit = Visit(browser, served, "demo-owner")
    page = visit.page
    expect(page.locator("main")).to_contain_text("临港冷链物流中心")
    page.get_by_role("link", name="南港工业区精细化工厂房").first.click()
    progress = page.locator("#progress")
    expect(progress).to_contain_text("退回理由：环境影响报告书缺少大气环境影响预测章节")
    page.go_back()
    page.get_by_role("link", name="临港冷链物流中心").first.click()
    expect(progress).to_contain_text("待前置事项办结：施工图设计文件审查（区住房和建设委员会）")
    expect(page.locator("#hookups")).to_contain_text("国网天津市电力公司滨海供电分公司")

    # What if the land came later: typed on the keyboard, the result is where the eye is, said to be unsaved.
    project_url = page.url
    page.focus("#what-if-date")
    page.keyboard.type("06302027")
    page.get_by_role("button", name="重新排期").click()
    note = page.locator("#plan .what-if-note")
    expect(note).to_contain_text("尚未保存")
    expect(note).to_contain_text("2027-06-30")
    expect(note).to_be_in_viewport()
    assert page.url == project_url
    visit.close()
    _both_languages_on_a_phone(browser, served, "demo-owner", ["/owner/projects", project_url.split(served)[1],
                                                              "/owner/projects/new", "/inbox"])


def test_officer_journey(browser, served):
    visit = Visit(browser, served, "demo-officer")
    page = visit.page
    expect(page).to_have_url(re.compile(r"/officer/queue$"))
    queue = page.locator("#queue")
    expect(queue).to_contain_text("临港冷链物流中心")
    queue.get_by_role("link", name="施工图设计文件审查").first.click()
    page.locator("form.action-accepted").get_by_role("button").click()
    expect(page.locator("h1 .badge[class*=status-]")).to_have_text("已受理")
    approve = page.locator("form.action-approved")
    approve.get_by_label("办结文号").fill("津滨住建审〔2026〕201号")
    # 人防 is always consulted on the drawing review and has not answered yet: say why it proceeds.
    approve.get_by_label("未收到全部意见即办结的理由").fill("人防意见已电话确认，书面意见随后补交")
    approve.get_by_role("button").click()
    expect(page.locator("h1 .badge[class*=status-]")).to_have_text("已办结")
    visit.close()
    _both_languages_on_a_phone(browser, served, "demo-officer", ["/officer/queue", "/officer/calendar",
                                                                "/officer/figures", "/inbox"])
    # Every department's officer finds work waiting on a fresh install.
    for username in ("demo-officer-planning", "demo-officer-eco_env", "demo-officer-drc"):
        visit = Visit(browser, served, username)
        assert visit.page.locator("#queue tbody tr").count() >= 1
        visit.close()


def test_utility_journey(browser, served):
    visit = Visit(browser, served, "demo-utility")
    page = visit.page
    offered = page.locator("#hookups tr", has_text="滨海新区智能物流仓库")
    expect(offered).to_contain_text("剩 2 个工作日")
    offered.get_by_role("button", name="认领").click()
    expect(page.locator("#hookups .flash.success")).to_contain_text("已认领")
    mine = page.locator("#hookups tr", has_text="滨海新区智能物流仓库")
    mine.locator("select[name=to]").select_option("connected")
    mine.locator("input[type=date]").focus()
    page.keyboard.type("12012026")
    expect(mine.locator("input[type=date]")).to_have_value("2026-12-01")
    mine.locator("input[name=note]").fill("临时用电已送电")
    mine.get_by_role("button", name="登记").click()
    expect(page.locator("#hookups .flash.success")).to_contain_text("已接通")
    visit.close()
    owner = Visit(browser, served, "demo-owner")
    owner.page.get_by_role("link", name="滨海新区智能物流仓库").first.click()
    expect(owner.page.locator("#hookups")).to_contain_text("已于 2026-12-01 接通")
    owner.close()
    _both_languages_on_a_phone(browser, served, "demo-utility", ["/utility/", "/inbox"])


def test_admin_journey(browser, served):
    visit = Visit(browser, served, "demo-admin")
    page = visit.page
    page.goto("/admin/statistics")
    expect(page.locator("main")).to_contain_text("区发展和改革委员会")
    expect(page.locator("main")).not_to_contain_text("暂无数据")
    visit.close()
    _both_languages_on_a_phone(browser, served, "demo-admin", ["/admin", "/admin/statistics", "/admin/organisations",
                                                              "/admin/agencies", "/admin/audit",
                                                              "/utility/admin/deliveries"])


#: A warehouse, answered step by step: what the owner types or picks on each step.
STEP_ANSWERS = {
    "project": {"name": "逐步填写的仓库", "project_type": "warehouse", "investment": "enterprise",
                "land_supply": "auction", "district": "滨海新区", "in_park": "true", "regional_assessment_done": "true"},
    "building": {"floor_area_m2": "12000", "building_height_m": "15"},
    "safety": {"fire_hazard_class": "C", "hazardous_chemicals": "false", "eia_category": "registration",
               "annual_energy_tce": "300"},
    "utilities": {"utilities.water": "true", "utilities.power": "true", "utilities.gas": "false",
                  "utilities.heat": "false"},
}


def _answer(page, answers: dict[str, str], js: bool) -> None:
    """Fill in one step's answers as a user does (htmx refreshes the form after each when JavaScript runs)."""
    for name, value in answers.items():
        field = page.locator(f'#questionnaire [name="{name}"]:not([type=hidden])')
        kind = field.first.evaluate("e => e.tagName === 'SELECT' ? 'select' : e.type")
        def act():
            if kind == "select":
                field.select_option(value)
            elif kind == "radio":
                page.check(f'#questionnaire input[name="{name}"][value="{value}"]')
            else:
                field.click()
                page.keyboard.type(value)
                page.keyboard.press("Tab")
        _settled(page, act) if js else act()


def _step(page) -> str:
    return page.locator("#questionnaire input[name=step]").input_value()


@pytest.mark.xfail(os.environ.get("DATABASE_URL", "").startswith("postgres"), strict=False,
                   reason="open (issue 15): on PostgreSQL under load the typed land date is sometimes gone after "
                          "going back from the review step; the javascript run then leaves its draft behind for "
                          "the no-javascript one. Passes on SQLite, and alone on PostgreSQL.")
@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
def test_owner_answers_step_by_step(browser, served, js):
    """One section a step with the progress shown; an error stays on its step;
    back and forth keeps every answer; the check of the answers; the plan."""
    visit = Visit(browser, served, "demo-owner", java_script_enabled=js)
    page = visit.page
    page.goto("/owner/projects/new")
    expect(page.locator("nav.steps [aria-current=step]")).to_contain_text("项目基本情况")
    expect(page.locator("nav.steps .step-count")).to_have_text("第 1 步，共 7 步")
    # Continuing without the answers: the errors on this step, nothing lost.
    page.fill("#f-name", "逐步填写的仓库")
    if js:  # a typed land date survives the refreshes
        _settled(page, lambda: page.select_option("#f-project_type", "warehouse"))
        page.click("#f-land_date")
        page.keyboard.type("09152027")
        page.keyboard.press("Tab")
        _settled(page, lambda: page.keyboard.press("Tab"))
        expect(page.locator("#preview")).to_contain_text("必答问题未回答")
    page.get_by_role("button", name="继续").click()
    expect(page.locator("#questionnaire .field.invalid").first).to_be_visible()
    assert _step(page) == "project"
    expect(page.locator("#f-name")).to_have_value("逐步填写的仓库")
    # The refusal (status 400, which the console reports too), as expected.
    visit.problems = [p for p in visit.problems if not p.startswith("400 ") and "status of 400" not in p]

    for step, answers in STEP_ANSWERS.items():
        assert _step(page) == step
        _answer(page, {k: v for k, v in answers.items() if k != "name"}, js)
        page.get_by_role("button", name="继续").click()
        expect(page.locator("#questionnaire .field.invalid")).to_have_count(0)
    # The preparation and contact steps ask nothing required.
    while _step(page) != "review":
        page.get_by_role("button", name="继续").click()
    expect(page.locator("#preview")).to_contain_text("个审批和报装事项")
    # Back to the building step from the check, and on again: the answers are still there.
    page.locator("#answers-building").get_by_role("button", name="修改").click()
    expect(page.locator("#f-floor_area_m2")).to_have_value("12000")
    page.get_by_role("button", name="上一步").click()
    expect(page.locator("#f-district")).to_have_value("滨海新区")
    if js:
        expect(page.locator("#f-land_date")).to_have_value("2027-09-15")
    page.goto("/owner/projects/new?step=review")  # the draft keeps them between visits too
    answers = page.locator("#answers-project")
    expect(answers).to_contain_text("普通仓库")
    expect(page.locator("#answers-building")).to_contain_text("12000 m²")
    page.get_by_role("button", name="生成审批计划").click()
    page.wait_for_url(re.compile(r"/owner/projects/\d+$"))
    expect(page.locator("h1")).to_have_text("逐步填写的仓库")
    expect(page.locator(".verdict h2")).to_contain_text("适用")
    visit.close()


def test_questionnaire_steps_fit_a_phone_in_both_languages(browser, served):
    for lang in ("zh", "en"):
        visit = Visit(browser, served, "demo-owner", viewport=PHONE, lang=lang)
        for path in ("/owner/projects/new", "/owner/projects/new?step=safety", "/owner/projects/new?step=review"):
            visit.page.goto(path)
            visit.no_sideways_scrolling()
        expect(visit.page.locator("nav.steps .step-count")).to_contain_text("第 7 步" if lang == "zh" else "Step 7 of")
        visit.close()


def _view_box(page) -> list[float]:
    return [float(n) for n in page.locator("#flowchart svg").get_attribute("viewBox").split()]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_flowchart_zooms_and_pans(browser, served, viewport):
    visit = Visit(browser, served, "demo-owner", viewport=viewport)
    page = visit.page
    page.get_by_role("link", name="临港冷链物流中心").first.click()
    chart = page.locator("#flowchart")
    chart.scroll_into_view_if_needed()
    expect(page.locator(".zoom-controls")).to_be_visible()
    # Fits the screen: the whole chart in view, the box no wider than the page.
    whole = _view_box(page)
    size = page.evaluate("() => { const b = document.querySelector('#flowchart svg').viewBox.baseVal; "
                         "return [b.width, b.height]; }")
    box = chart.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    visit.no_sideways_scrolling()
    page.get_by_role("button", name="放大").click()
    page.get_by_role("button", name="放大").click()
    zoomed = _view_box(page)
    assert zoomed[2] < whole[2] / 2 and zoomed[3] < whole[3] / 2
    # The keyboard: arrows pan, - zooms out, 0 shows the whole chart again.
    chart.focus()
    page.keyboard.press("ArrowRight")
    assert _view_box(page)[0] > zoomed[0]
    page.keyboard.press("ArrowDown")
    assert _view_box(page)[1] > zoomed[1]
    page.keyboard.press("-")
    assert _view_box(page)[2] > zoomed[2]
    page.keyboard.press("0")
    assert _view_box(page) == whole and size[0] == whole[2]
    # Dragging pans once zoomed in.
    page.keyboard.press("+")
    before = _view_box(page)
    middle = (box["x"] + box["width"] / 2, chart.bounding_box()["y"] + 100)
    page.mouse.move(*middle)
    page.mouse.down()
    page.mouse.move(middle[0] - 80, middle[1], steps=4)
    page.mouse.up()
    assert _view_box(page)[0] > before[0]
    visit.no_sideways_scrolling()
    # The chart of a "what if" re-plan, swapped in by htmx, zooms too.
    page.focus("#what-if-date")
    page.keyboard.type("06302027")
    _settled(page, lambda: page.get_by_role("button", name="重新排期").click())
    whole = _view_box(page)
    page.get_by_role("button", name="放大").click()
    assert _view_box(page)[2] < whole[2]
    visit.close()


def test_flowchart_is_whole_without_javascript(browser, served):
    visit = Visit(browser, served, "demo-owner", viewport=PHONE, java_script_enabled=False)
    page = visit.page
    page.get_by_role("link", name="临港冷链物流中心").first.click()
    expect(page.locator(".zoom-controls")).to_be_hidden()
    chart, svg = page.locator("#flowchart").bounding_box(), page.locator("#flowchart svg").bounding_box()
    assert svg["width"] <= chart["width"] and svg["height"] > 0
    visit.no_sideways_scrolling()
    visit.close()


def test_officer_sees_the_departments_own_figures(browser, served):
    visit = Visit(browser, served, "demo-officer-drc")
    page = visit.page
    page.get_by_role("link", name="本部门统计").click()
    expect(page.locator("h1")).to_contain_text("本部门统计")
    expect(page.locator("[data-figure=on_time_rate]")).to_have_text("100%")
    for figure in ("median_days", "p90_days", "overdue_now", "due_this_week", "rating"):
        expect(page.locator(f"[data-figure={figure}]")).to_be_visible()
    visit.close()
    _both_languages_on_a_phone(browser, served, "demo-officer-drc", ["/officer/figures"])


def test_agency_journey(browser, served):
    visit = Visit(browser, served, "demo-agency")
    page = visit.page
    expect(page).to_have_url(f"{served}/agency/")
    expect(page.locator("#closed")).to_contain_text("南港工业区精细化工厂房")  # its quote deadlines passed
    expect(page.locator("#closed")).to_contain_text("报价期限")
    expect(page.locator("#offers")).to_contain_text("滨海新区智能物流仓库")  # filed today: open for a quote
    expect(page.locator("#engagements")).to_contain_text("临港冷链物流中心")  # awarded, being drafted
    visit.close()
    _both_languages_on_a_phone(browser, served, "demo-agency", ["/agency/", "/inbox"])
