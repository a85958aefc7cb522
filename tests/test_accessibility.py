"""Accessibility: axe-core in Chromium over every page (no serious or critical
violation), a label for every form field, and the questionnaire completed
with the keyboard alone.

axe-core comes from the ``axe-playwright-python`` package (``test`` extra),
which ships ``axe.min.js``; it is evaluated in the page through Playwright,
under the app's real Content-Security-Policy. Uses the live server, browser
and demo data of ``test_e2e_browser.py``."""
from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Callable

import pytest
from sqlalchemy import select

from tests.owner.test_e2e_browser import PASSWORD, _new_page, browser, demo, live_server  # noqa: F401  (fixtures)

axe_playwright = pytest.importorskip("axe_playwright_python.sync_playwright")
from playwright.sync_api import expect  # noqa: E402

from coordinator.extensions import db  # noqa: E402

#: axe impacts that fail the test.
BLOCKING = {"serious", "critical"}


def demo_project_id(app) -> int:
    from coordinator.projects.models import Project

    with app.app_context():
        project_id = db.session.scalar(select(Project.id).where(Project.name == "滨海新区智能物流仓库"))
        db.session.remove()
    return project_id


@dataclass(frozen=True)
class Page:
    """A page to check: who is logged in (``None``: nobody), where it is, and
    what to do there first (e.g. answer a question so follow-ups show)."""

    name: str
    user: str | None
    url: Callable[[object], str]
    prepare: Callable[[object], None] | None = None


def _choose_warehouse(page) -> None:
    page.select_option("#f-project_type", "warehouse")
    expect(page.locator("#f-fire_hazard_class")).to_be_visible()


#: Every page of the app; add new pages here (officer, utility, admin …).
PAGES = [
    Page("login", None, lambda app: "/login"),
    Page("login in English", None, lambda app: "/login?lang=en"),
    Page("owner's projects", "demo-owner", lambda app: "/owner/projects"),
    Page("new project questionnaire", "demo-owner", lambda app: "/owner/projects/new"),
    Page("questionnaire with follow-up questions", "demo-owner", lambda app: "/owner/projects/new?step=all",
         _choose_warehouse),
    Page("questionnaire on one page", "demo-owner", lambda app: "/owner/projects/new?step=all"),
    Page("questionnaire: check your answers", "demo-owner", lambda app: "/owner/projects/new?step=review"),
    Page("officer's own figures", "demo-officer", lambda app: "/officer/figures"),
    Page("project plan", "demo-owner", lambda app: f"/owner/projects/{demo_project_id(app)}"),
    Page("project answers", "demo-owner", lambda app: f"/owner/projects/{demo_project_id(app)}/answers"),
    Page("settings", "demo-owner", lambda app: "/owner/settings"),
    Page("officer's home", "demo-officer", lambda app: "/"),
    Page("company registration", None, lambda app: "/register"),
    Page("forgotten password", None, lambda app: "/password/forgot"),
    Page("the owner's company", "demo-owner", lambda app: "/company"),
    Page("agent's workspace", "demo-agent", lambda app: "/agent/"),
    Page("agent on the owner's project", "demo-agent", lambda app: f"/owner/projects/{demo_project_id(app)}"),
    Page("reporting a problem", "demo-owner", lambda app: "/problems/new"),
    Page("problem ledger", "demo-admin", lambda app: "/problems/ledger"),
    Page("assigning agents", "demo-admin", lambda app: "/admin/agents"),
    Page("resending the confirmation e-mail", None, lambda app: "/register/resend"),
    Page("agency portal", "demo-agency", lambda app: "/agency/"),
    Page("agency registry", "demo-admin", lambda app: "/admin/agencies"),
]


def log_in(page, username: str) -> None:
    """Log in through the login page as ``username`` (any role)."""
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def axe_violations(page) -> list[dict]:
    """axe-core's violations of the page as it is now."""
    return axe_playwright.Axe().run(page).response["violations"]


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['impact']}: {v['id']} — {v['help']} ({len(v['nodes'])}×: "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5]) + ")"
        for v in violations
    )


@pytest.mark.parametrize("checked", PAGES, ids=[p.name for p in PAGES])
def test_page_has_no_serious_accessibility_violation(browser, demo, live_server, checked):  # noqa: F811
    app, _ = live_server
    context, page = _new_page(browser, demo)
    try:
        if checked.user:
            log_in(page, checked.user)
        page.goto(checked.url(app))
        if checked.prepare:
            checked.prepare(page)
        violations = axe_violations(page)
        blocking = [v for v in violations if v["impact"] in BLOCKING]
        assert not blocking, f"{checked.name}:\n{describe(blocking)}"
        assert page.problems == []
    finally:
        context.close()


# --- every form field has a label -------------------------------------------

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class FormFields(HTMLParser):
    """The form controls of a page, whether each has a label: a ``<label
    for>``, an enclosing ``<label>``, ``aria-label`` or ``aria-labelledby``."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self.ids: set[str] = set()
        self._open_labels = 0
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "label":
            self._open_labels += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        elif tag in ("input", "select", "textarea") and attrs.get("type", "text") not in UNLABELLED_TYPES:
            self.controls.append({**attrs, "tag": tag, "wrapped": self._open_labels > 0})

    def handle_endtag(self, tag):
        if tag == "label":
            self._open_labels = max(0, self._open_labels - 1)

    def unlabelled(self) -> list[str]:
        missing = []
        for c in self.controls:
            labelled = (c["wrapped"] or (c.get("id") and c["id"] in self.label_for)
                        or (c.get("aria-label") or "").strip()
                        or any(i in self.ids for i in (c.get("aria-labelledby") or "").split()))
            if not labelled:
                missing.append(f"<{c['tag']} name={c.get('name')!r} id={c.get('id')!r}>")
        return missing


#: Pages reached only by a form submission (the no-JavaScript questionnaire
#: with its follow-up questions and every error shown).
SUBMITTED_PAGES = [
    ("/owner/projects/new", {"action": "preview", "project_type": "warehouse"}),
    ("/owner/projects/new", {"action": "submit", "project_type": "warehouse", "floor_area_m2": "-1"}),
]


def crawl(client, start: str = "/", limit: int = 80, per_shape: int = 3) -> dict[str, FormFields]:
    """Every page reachable by links from ``start`` (same site, no API, static
    files or downloads), parsed; at most ``per_shape`` pages of one shape
    (the same path but for its ids: one item's materials page stands for all)."""
    from collections import Counter
    from urllib.parse import urljoin, urlsplit

    seen: dict[str, FormFields] = {}
    shapes: Counter[str] = Counter()
    queue = [start]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        shape = re.sub(r"\d+", "#", url)
        if url in seen or shapes[shape] >= per_shape:
            continue
        shapes[shape] += 1
        response = client.get(url, follow_redirects=True)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        parsed = FormFields()
        parsed.feed(response.get_data(as_text=True))
        seen[url] = parsed
        for href in parsed.links:
            target = urlsplit(urljoin(url, href))
            if target.netloc or target.path.startswith(("/api/", "/static/")) or target.path.endswith(".pdf"):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return seen


@pytest.fixture
def demo_accounts(app):
    from coordinator.demo import seed_demo

    with app.app_context():
        seed_demo(PASSWORD)
        db.session.remove()


@pytest.mark.parametrize("username", [None, "demo-owner", "demo-officer", "demo-utility", "demo-admin", "demo-agent",
                                      "demo-agency"])
def test_every_form_field_has_a_label(app, client, demo_accounts, username):
    if username:
        response = client.post("/login", data={"username": username, "password": PASSWORD})
        assert response.status_code == 302
    pages = crawl(client, "/" if username else "/login")
    if username == "demo-owner":
        shapes = {re.sub(r"\d+", "#", url) for url in pages}
        assert {"/owner/projects", "/owner/projects/new", "/owner/settings",
                "/owner/projects/#", "/owner/projects/#/answers"} <= shapes
        for url, data in SUBMITTED_PAGES:
            parsed = FormFields()
            parsed.feed(client.post(url, data=data).get_data(as_text=True))
            pages[f"POST {url} {data}"] = parsed
    assert pages
    if username in (None, "demo-owner"):
        assert sum(len(p.controls) for p in pages.values()) > 0
    missing = {url: p.unlabelled() for url, p in pages.items() if p.unlabelled()}
    assert missing == {}


def test_the_label_check_can_fail():
    parsed = FormFields()
    parsed.feed('<label for="a">A</label><input id="a"><label>B <input name="b"></label>'
                '<input name="c" aria-label="C"><span id="d">D</span><select aria-labelledby="d"></select>'
                '<input name="bare"><input type="hidden" name="csrf"><textarea id="t"></textarea>')
    assert parsed.unlabelled() == ["<input name='bare' id=None>", "<textarea name=None id='t'>"]


# --- the questionnaire with the keyboard alone --------------------------------

#: The answers typed or chosen, by field name (a warehouse, as in the e2e test).
KEYBOARD_ANSWERS = {
    "name": "键盘填写的仓库",
    "project_type": "warehouse",
    "investment": "enterprise",
    "land_supply": "auction",
    "district": "滨海新区",
    "in_park": "true",
    "regional_assessment_done": "true",
    "floor_area_m2": "12000",
    "building_height_m": "15",
    "fire_hazard_class": "C",
    "hazardous_chemicals": "false",
    "eia_category": "registration",
    "annual_energy_tce": "300",
    "utilities.water": "true",
    "utilities.power": "true",
    "utilities.gas": "false",
    "utilities.heat": "false",
}

FOCUSED = """() => {
    const e = document.activeElement;
    return {tag: e.tagName.toLowerCase(), type: e.type || '', name: e.name || '', value: e.value || '',
            checked: !!e.checked, id: e.id || ''};
}"""


def test_the_questionnaire_can_be_completed_with_the_keyboard_alone(browser, demo, live_server):  # noqa: F811
    """Only Tab, Space, Enter, arrow keys and typing: every answer given, the
    follow-up questions reached as they appear, the plan created. Reading
    the page (which element has the focus) is the only other thing done."""
    context, page = _new_page(browser, demo)
    try:
        log_in(page, "demo-owner")
        page.goto("/owner/projects/new?step=all")  # every question on one page
        page.evaluate("""() => { window.__settled = 0;
            document.addEventListener('htmx:afterSettle', () => { window.__settled += 1; }); }""")

        def press(key: str, swaps: bool = False) -> None:
            """Press ``key``; when it fires a change, wait until htmx has swapped the form."""
            before = page.evaluate("window.__settled")
            page.keyboard.press(key)
            if swaps:
                page.wait_for_function("n => window.__settled > n", arg=before)

        answered: set[str] = set()
        typed_pending = False  # a typed value is sent (change event) when the focus leaves the field
        for _ in range(400):
            press("Tab", swaps=typed_pending)
            typed_pending = False
            focused = page.evaluate(FOCUSED)
            name, wanted = focused["name"], KEYBOARD_ANSWERS.get(focused["name"])
            if focused["tag"] == "button" and focused["value"] == "submit" and answered == set(KEYBOARD_ANSWERS):
                with page.expect_navigation():
                    press("Enter")
                break
            if wanted is None or name in answered:
                continue
            if focused["tag"] == "select":
                for _ in range(20):
                    if page.evaluate(FOCUSED)["value"] == wanted:
                        break
                    press("ArrowDown", swaps=True)
                assert page.evaluate(FOCUSED)["value"] == wanted, name
            elif focused["type"] == "radio":
                # Tab lands on the group's first (or checked) radio; Space checks it, an arrow moves and checks.
                press("Space" if focused["value"] == wanted else "ArrowRight", swaps=True)
                now = page.evaluate(FOCUSED)  # the focus stays on the radio across the swap
                assert (now["name"], now["value"], now["checked"]) == (name, wanted, True)
            else:
                page.keyboard.type(wanted)
                typed_pending = True
            answered.add(name)
        else:
            pytest.fail(f"the submit button was not reached with every answer given; missing "
                        f"{set(KEYBOARD_ANSWERS) - answered}")

        assert re.search(r"/owner/projects/\d+$", page.url), page.url
        expect(page.locator("h1")).to_have_text(KEYBOARD_ANSWERS["name"])
        expect(page.locator(".verdict h2")).to_contain_text("适用")
        assert page.problems == []
    finally:
        context.close()
