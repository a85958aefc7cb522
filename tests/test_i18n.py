"""Chinese by default, English with ``?lang=en``: pages, and the catalog itself
(complete, and in sync with the sources)."""
from __future__ import annotations

import gettext
import html
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from coordinator.i18n import compile_catalogs
from coordinator.governance.service import current_rules
from coordinator.rendering.textreport import MODE_NAMES
from coordinator.projects import service

from tests.conftest import example_answers, login

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "coordinator" / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def catalog(path: Path = PO):
    with path.open("rb") as f:
        return read_po(f)


class _Texts(HTMLParser):
    """The text inside the given tags (e.g. every ``h2``), one string per element."""

    def __init__(self, tags: set[str]):
        super().__init__(convert_charrefs=True)
        self.tags, self.depth, self.found, self.buf = tags, 0, [], []

    def handle_starttag(self, tag, attrs):
        if tag in ("svg",):  # the charts are checked elsewhere (test_svg.py)
            self.depth -= 1000
        if tag in self.tags and self.depth >= 0:
            self.depth += 1
            self.buf.append("")

    def handle_endtag(self, tag):
        if tag == "svg":
            self.depth += 1000
        if tag in self.tags and self.depth > 0:
            self.depth -= 1
            self.found.append(self.buf.pop().strip())

    def handle_data(self, data):
        if self.depth > 0 and self.buf:
            self.buf[-1] += data


def texts(page: str, *tags: str) -> list[str]:
    parser = _Texts(set(tags))
    parser.feed(page)
    return parser.found


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# --- pages -------------------------------------------------------------------------------

def test_login_page_is_chinese_by_default(client):
    body = page(client.get("/login"))
    assert '<html lang="zh-CN">' in body
    assert "<h1>登录</h1>" in body and "用户名" in body and "密码" in body
    assert "Log in" not in body


def test_lang_en_switches_to_english_and_sticks_for_the_session(client):
    body = page(client.get("/login?lang=en"))
    assert '<html lang="en">' in body
    assert "<h1>Log in</h1>" in body and "Username" in body and "Password" in body
    assert "Start on land day" in body
    assert not CJK.search(" ".join(texts(body, "h1", "label", "button", "title"))), body
    # No parameter: the session remembers the choice.
    body = page(client.get("/login"))
    assert "<h1>Log in</h1>" in body and "登录" not in body.replace(">中文<", "")
    # And back.
    body = page(client.get("/login?lang=zh"))
    assert "<h1>登录</h1>" in body


def test_login_required_message_is_translated(client):
    body = page(client.get("/owner/projects", follow_redirects=True))
    assert "请登录后访问此页面。" in body
    body = page(client.get("/owner/projects?lang=en", follow_redirects=True))
    assert "Please log in to view this page." in body


def test_failed_login_message_is_translated(client, users):
    client.get("/login?lang=en")
    response = client.post("/login", data={"username": "owner", "password": "wrong"})
    assert "Incorrect username or password" in response.get_data(as_text=True)


def test_questionnaire_in_english(app, client, users):

    login(client, "owner")
    body = page(client.get("/owner/projects/new?lang=en"))
    # UI strings.
    for text in ("New project: answer the questions, get an approval plan", "Project name",
                 "Expected land date (optional)", "Preview", "Step 1 of", "Continue", "Check your answers", "My projects"):
        assert text in body, text
    # Rule-base texts: sections, questions and options in English.
    with app.app_context():
        rules = current_rules()
        first = rules.sections[0]
        question = next(q for q in sorted(rules.questions.values(), key=lambda q: q.order)
                        if q.section == first.id and q.type == "choice" and q.show_if is None)
    assert html.escape(first.title_en, quote=False) in body
    assert html.escape(question.text_en, quote=False) in body
    for option in question.options:
        assert html.escape(option.label_en, quote=False) in body
    assert html.escape(question.text, quote=False) not in body
    # No Chinese left in the headings, legends, labels, options and buttons.
    shown = texts(body, "h1", "h2", "legend", "button", "option")
    assert shown and not [t for t in shown if CJK.search(t)], shown
    assert "Settings" in body and "Log out" in body  # the navigation
    # The question labels (units may follow, in the rule base's own words).
    labels = [t for t in texts(body, "label") if t]
    assert labels and not [t for t in labels if CJK.search(t)]


def test_questionnaire_is_chinese_by_default(app, client, users):

    login(client, "owner")
    body = page(client.get("/owner/projects/new"))
    with app.app_context():
        first = current_rules().sections[0]
    assert html.escape(first.title, quote=False) in body
    assert "继续" in body and "第 1 步" in body and "Continue" not in body


@pytest.fixture
def project_id(app, users):
    from coordinator.accounts.models import User
    from coordinator.extensions import db
    from coordinator.projects import service

    with app.app_context():
        owner = db.session.get(User, users["owner"])
        return service.create_project(owner, "Warehouse", example_answers("warehouse")).id


def test_plan_page_in_english(client, project_id):
    login(client, "owner")
    body = page(client.get(f"/owner/projects/{project_id}?lang=en"))
    for text in ("Schedule (Gantt chart)", "Approval flowchart", "Approval checklist", "Item",
                 "Department", "Handling", "Working days", "Materials to prepare", "Why it is needed",
                 "Edit answers", "Reschedule", "Save as land date"):
        assert text in body, text
    assert re.search(r"Start on land day: (not )?applicable", body)
    # Each checklist row's handling mode, translated.
    modes = {"Standard processing", "Commitment-based approval", "Issued on land day"}
    assert modes & set(texts(body, "td"))
    assert not set(MODE_NAMES.values()) & set(texts(body, "td"))
    # Headings (stages too) and column headers carry no Chinese.
    shown = texts(body, "h1", "h2", "h3", "label", "button") + re.findall(r'<th scope="col">([^<]*)</th>', body)
    assert shown and not [t for t in shown if CJK.search(t)], shown
    # Both charts speak English too: what a screen reader announces, and their text.
    labels = re.findall(r'<svg [^>]*aria-label="([^"]*)"', body)
    assert any(label.startswith("Gantt chart: ") for label in labels), labels
    assert any(label.startswith("Approval flowchart: ") for label in labels), labels
    assert not [t for t in labels + texts(body, "text") if CJK.search(t)]


def test_plan_page_is_chinese_by_default(client, project_id):
    login(client, "owner")
    body = page(client.get(f"/owner/projects/{project_id}"))
    assert "进度计划（甘特图）" in body and "审批事项清单" in body
    assert set(MODE_NAMES.values()) & set(texts(body, "td"))
    assert "Schedule (Gantt chart)" not in body
    assert 'aria-label="甘特图：' in body and 'aria-label="审批流程图：' in body


def test_projects_and_settings_pages_in_english(client, project_id):
    login(client, "owner")
    body = page(client.get("/owner/projects?lang=en"))
    assert "My projects" in body and "Total duration" in body
    body = page(client.get("/owner/settings"))
    assert "API tokens" in body and "Create token" in body and "Token name" in body
    shown = texts(body, "h1", "h2", "th", "button", "label")
    assert shown and not [t for t in shown if CJK.search(t)]


# --- the catalog ---------------------------------------------------------------------------

def test_every_message_is_translated():
    cat = catalog()
    assert cat.locale and str(cat.locale) == "en"
    messages = [m for m in cat if m.id]
    assert len(messages) > 50
    untranslated = [m.id for m in messages if not m.string]
    fuzzy = [m.id for m in messages if m.fuzzy]
    obsolete = list(cat.obsolete)
    assert not untranslated, untranslated
    assert not fuzzy, fuzzy
    assert not obsolete, obsolete
    for m in messages:  # the same placeholders on both sides
        assert set(re.findall(r"%\(\w+\)s", m.id)) == set(re.findall(r"%\(\w+\)s", m.string)), m.id
        assert not CJK.search(m.string), m.id


def test_mode_names_are_in_the_catalog():
    translated = {m.id: m.string for m in catalog() if m.id}
    for name in MODE_NAMES.values():
        assert translated.get(name), name


def test_catalog_is_in_sync_with_the_sources(tmp_path):
    """Re-extract (as in babel.cfg) and compare: every msgid in the sources is in the
    .po, and the .po holds nothing the sources no longer use."""
    pot = tmp_path / "messages.pot"
    cwd = os.getcwd()
    try:
        os.chdir(ROOT)
        CommandLineInterface().run(["pybabel", "-q", "extract", "-F", "babel.cfg", "-o", str(pot), "."])
    finally:
        os.chdir(cwd)
    extracted = {m.id for m in catalog(pot) if m.id}
    in_po = {m.id for m in catalog() if m.id}
    assert len(extracted) > 50
    assert not extracted - in_po, sorted(extracted - in_po)
    assert not in_po - extracted, sorted(in_po - extracted)


# --- compiling at start ----------------------------------------------------------------------

def test_catalogs_compile_when_missing_or_stale_and_not_otherwise(tmp_path):
    shutil.copytree(TRANSLATIONS, tmp_path / "translations", ignore=shutil.ignore_patterns("*.mo"))
    directory = tmp_path / "translations"
    mo = directory / "en" / "LC_MESSAGES" / "messages.mo"
    assert not mo.exists()  # a fresh checkout

    assert compile_catalogs(directory) == [mo]
    english = gettext.translation("messages", str(directory), languages=["en"])
    assert english.gettext("拿地即开工") == "Start on land day"
    assert english.gettext("常规办理") == "Standard processing"

    assert compile_catalogs(directory) == []  # up to date: nothing to do

    po = mo.with_suffix(".po")
    later = mo.stat().st_mtime_ns + 2_000_000_000
    os.utime(po, ns=(later, later))
    assert compile_catalogs(directory) == [mo]
    assert not list(directory.rglob("*.tmp"))


def test_app_compiles_the_catalog_at_start(app):
    mo = PO.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime_ns >= PO.stat().st_mtime_ns
    assert Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]) == TRANSLATIONS


def test_times_show_in_beijing_time():
    import datetime as dt

    from coordinator.i18n import beijing_time

    assert beijing_time(dt.datetime(2026, 12, 3, 17, 30)) == "2026-12-04 01:30"
    assert beijing_time(dt.datetime(2026, 12, 3, 1, 5, tzinfo=dt.timezone.utc), "%H:%M") == "09:05"
