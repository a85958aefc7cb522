"""Single sign-on against a real OpenID Connect provider started by the
tests (oidc-provider-mock, over HTTP): people matched by subject, companies
by the USCC claim, officers by the department claim; and the whole login in
Chromium."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from oidc_provider_mock import run_server_in_thread
from sqlalchemy import func, select
from werkzeug.serving import make_server

from coordinator import create_app
from coordinator.accounts.models import User
from coordinator.companies.models import Company
from coordinator.demo import seed_organisations
from coordinator.extensions import db

CHROMIUM = Path("/usr/bin/chromium")
USCC = "91350100M000100Y43"


@pytest.fixture(scope="module")
def provider():
    """The identity platform: an OpenID provider on a free local port; yields its issuer URL."""
    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


def identity(issuer: str, sub: str, **claims) -> None:
    """Give the provider's user ``sub`` these claims (its admin API)."""
    requests.put(f"{issuer}/users/{sub}", json=claims, timeout=10).raise_for_status()


@pytest.fixture
def sso_app(app, provider):
    """The app on the suite's database with single sign-on configured."""
    sso = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "WTF_CSRF_ENABLED": False, "SECRET_KEY": "sso-test",
        "OIDC_ISSUER": provider, "OIDC_CLIENT_ID": "coordinator", "OIDC_CLIENT_SECRET": "client-secret",
    })
    with sso.app_context():
        seed_organisations()
    yield sso
    with sso.app_context():
        db.engine.dispose()


def sign_on(sso_app, sub: str):
    """Log ``sub`` in through the provider; the test client and the final response."""
    client = sso_app.test_client()
    start = client.get("/login/sso")
    assert start.status_code == 302 and start.location.startswith("http://localhost:")
    consent = requests.post(start.location, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert consent.status_code == 302, consent.text
    back = consent.headers["Location"]
    assert "/login/sso/callback?" in back
    return client, client.get(back[back.index("/login/sso/callback"):])


def test_a_company_is_matched_by_its_uscc_claim_and_people_by_subject(sso_app, provider):
    identity(provider, "zhang-3", name="张三", email="zhang@example.cn", uscc=USCC, company_name="滨海示范制造有限公司")
    identity(provider, "li-4", name="李四", uscc=USCC)
    first, done = sign_on(sso_app, "zhang-3")
    assert done.status_code == 302 and done.location.endswith("/")
    assert first.get("/owner/projects").status_code == 200
    second, done = sign_on(sso_app, "li-4")
    assert done.status_code == 302
    again, done = sign_on(sso_app, "zhang-3")  # matched by subject: no second account
    assert done.status_code == 302
    with sso_app.app_context():
        people = {u.oidc_subject: u for u in db.session.scalars(select(User))}
        assert set(people) == {"zhang-3", "li-4"}
        assert people["zhang-3"].company_id == people["li-4"].company_id
        assert people["zhang-3"].company.name == "滨海示范制造有限公司"
        assert people["zhang-3"].company_admin and not people["li-4"].company_admin
        assert people["zhang-3"].display_name == "张三" and not people["zhang-3"].awaiting_verification


def test_an_officer_is_provisioned_with_the_department_of_the_claim(sso_app, provider):
    identity(provider, "officer-7", name="王审批", department="housing")
    client, done = sign_on(sso_app, "officer-7")
    assert done.status_code == 302
    assert client.get("/officer/queue").status_code == 200
    with sso_app.app_context():
        user = db.session.scalar(select(User).where(User.oidc_subject == "officer-7"))
        assert user.role.value == "officer" and user.organisation.code == "housing"


@pytest.mark.parametrize("claims", [{}, {"department": "nowhere"}, {"uscc": "91350100M000100Y44"}])
def test_an_identity_without_a_company_or_department_here_is_refused(sso_app, provider, claims):
    identity(provider, "stranger", name="路人", **claims)
    client, done = sign_on(sso_app, "stranger")
    assert done.status_code == 403 and "统一身份认证登录未成功" in done.get_data(as_text=True)
    assert client.get("/owner/projects").status_code == 302
    with sso_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
        assert db.session.scalar(select(func.count()).select_from(Company)) == 0


def test_a_deactivated_account_cannot_sign_on(sso_app, provider):
    identity(provider, "gone", name="离职", uscc=USCC)
    sign_on(sso_app, "gone")
    with sso_app.app_context():
        db.session.scalar(select(User).where(User.oidc_subject == "gone")).active = False
        db.session.commit()
    _, done = sign_on(sso_app, "gone")
    assert done.status_code == 403


def test_without_configuration_there_is_no_single_sign_on(client):
    assert client.get("/login/sso").status_code == 404
    assert "统一身份认证" not in client.get("/login").get_data(as_text=True)


@contextmanager
def serving(app):
    """``app`` on a real HTTP server at a free local port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="sso-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_single_sign_on_in_chromium(sso_app, provider):
    from playwright.sync_api import expect, sync_playwright

    identity(provider, "chen-5", name="陈五", uscc=USCC, company_name="滨海示范制造有限公司")
    sso_app.config["WTF_CSRF_ENABLED"] = True
    with serving(sso_app) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(base_url=base, locale="zh-CN", viewport={"width": 390, "height": 844})
            page.set_default_timeout(15_000)
            page.goto("/login")
            page.get_by_role("link", name="统一身份认证登录").click()
            page.wait_for_url(f"{provider}/oauth2/authorize**")
            page.fill("input[name=sub]", "chen-5")
            page.get_by_role("button", name="Authorize").click()
            page.wait_for_url(f"{base}/owner/projects")
            expect(page.locator("header .who")).to_have_text("陈五")
            page.get_by_role("link", name="本单位").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("滨海示范制造有限公司")
            page.screenshot(path="/tmp/i20-sso-company.png", full_page=True)
        finally:
            browser.close()
