"""Every role's journey on a fresh install, in headless Chromium against a
real ``coordinator serve`` subprocess, using only the demo accounts: in
Chinese and English, at 1280 px and at 390 px (no sideways scrolling), with
dates typed on the keyboard.

Runs on its own SQLite file, or on ``DATABASE_URL`` (emptied before and after)."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.owner.test_e2e_browser import _empty_tables, browser, expect  # noqa: F401  (skips without Chromium)

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
def served(request, tmp_path_factory):
    """A fresh install: ``coordinator serve`` on an empty database, as the
    README's first command runs it; yields its base URL."""
    url = os.environ.get("DATABASE_URL")
    if url:
        _empty_tables(request.getfixturevalue("app"))
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('journeys') / 'fresh.sqlite'}"
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "COORDINATOR_DEMO_PASSWORD": PASSWORD, "DELIVERY_IN_PROCESS": "0"}
    proc = subprocess.Popen([str(SCRIPT), "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/login", timeout=2):
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.communicate(timeout=20)
        if os.environ.get("DATABASE_URL"):
            _empty_tables(request.getfixturevalue("app"))


class Visit:
    """One browser context logged in as a demo account."""

    def __init__(self, browser, base: str, username: str, viewport=DESKTOP, lang: str = "zh"):
        self.context = browser.new_context(base_url=base, locale="zh-CN", viewport=viewport)
        self.context.set_default_timeout(15_000)
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
