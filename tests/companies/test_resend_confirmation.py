"""The confirmation e-mail sent again (page and API): a new working link for
an account still awaiting confirmation, delivered by a real SMTP server; the
same answer for any address (no account enumeration); at most one message
per account in ten minutes, and throttled per address."""
from __future__ import annotations

from sqlalchemy import select

from coordinator.accounts.models import User
from coordinator.extensions import db
from tests.companies.test_registration import PASSWORD, registration
from tests.conftest import login
from tests.notifications.mail_fixtures import mailbox  # noqa: F401  (fixture)


def test_a_pending_account_gets_a_new_link_that_confirms_it(app, client, mailbox):
    assert client.post("/api/v1/registrations", json=registration()).status_code == 201
    with app.app_context():
        mailbox.deliver()
    answer = client.post("/api/v1/registrations/resend", json={"email": "wang@example.cn"})
    assert answer.status_code == 202 and answer.get_json() == {"status": "accepted"}
    with app.app_context():
        mailbox.deliver()
        assert len(mailbox.to("wang@example.cn")) == 2
        link = mailbox.link_to("wang@example.cn")
    assert link.startswith("/register/confirm/") and client.get(link).status_code == 302
    assert login(client, "binhai-wang", PASSWORD).status_code == 302


def test_the_answer_is_the_same_for_unknown_and_confirmed_addresses(app, client, mailbox):
    unknown = client.post("/api/v1/registrations/resend", json={"email": "nobody@example.cn"})
    client.post("/api/v1/registrations", json=registration())
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "binhai-wang")).awaiting_verification = False
        db.session.commit()
    confirmed = client.post("/api/v1/registrations/resend", json={"email": "wang@example.cn"})
    assert (unknown.status_code, unknown.get_json()) == (confirmed.status_code, confirmed.get_json())
    with app.app_context():
        mailbox.deliver()
        assert mailbox.to("nobody@example.cn") == [] and len(mailbox.to("wang@example.cn")) == 1  # registration only
    bad = client.post("/api/v1/registrations/resend", json={})
    assert bad.status_code == 400 and "email" in bad.get_json()["fields"]


def test_at_most_one_resend_per_account_in_ten_minutes(app, client, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "RESEND_CONFIRMATION_RATE_LIMIT", "100 per hour")
    client.post("/api/v1/registrations", json=registration())
    for _ in range(3):
        client.post("/api/v1/registrations/resend", json={"email": "wang@example.cn"})
    with app.app_context():
        mailbox.deliver()
        assert len(mailbox.to("wang@example.cn")) == 2  # the registration and one resend


def test_the_page_answers_alike_and_is_throttled_with_the_api(app, client, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "RESEND_CONFIRMATION_RATE_LIMIT", "2 per hour")
    assert "没有收到确认邮件" in client.get("/login").get_data(as_text=True)
    assert client.get("/register/resend").status_code == 200
    r = client.post("/register/resend", data={"email": "nobody@example.cn"}, follow_redirects=True)
    assert "如果该邮箱的账号尚未确认" in r.get_data(as_text=True)
    assert client.post("/api/v1/registrations/resend", json={"email": "x@example.cn"}).status_code == 202
    refused = client.post("/register/resend", data={"email": "nobody@example.cn"})
    assert refused.status_code == 429 and "请求过于频繁" in refused.get_data(as_text=True)
    assert client.post("/api/v1/registrations/resend", json={"email": "x@example.cn"}).status_code == 429
    assert client.post("/register/resend", data={"email": ""}).status_code in (400, 429)


def test_the_admins_user_forms_offer_agency_and_agent(app, users):
    from tests.agents.agent_fixtures import as_user

    page = as_user(app, "admin").get("/admin/organisations").get_data(as_text=True)
    assert 'value="agency"' in page and 'value="agent"' in page and 'value="service_station"' in page
