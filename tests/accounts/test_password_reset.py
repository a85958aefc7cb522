"""Password reset by e-mail: a signed, single-use, expiring link; the same
answer whether or not the address exists; the password policy; every
session and token of the user ends after a reset."""
from __future__ import annotations

import time

import pytest
from hypothesis import given, strategies as st
from itsdangerous import TimestampSigner
from sqlalchemy import select

from coordinator.accounts.models import User
from coordinator.accounts.passwords import MIN_LENGTH, password_problems
from coordinator.accounts.service import issue_token
from coordinator.extensions import db

from tests.conftest import PASSWORD, login
from tests.notifications.mail_fixtures import mailbox  # noqa: F401  (fixture)

NEW = "a brand new passphrase"


@pytest.fixture
def owner_with_email(app, users):
    with app.app_context():
        owner = db.session.get(User, users["owner"])
        owner.email = "owner@example.cn"
        db.session.commit()
        return owner.id


def test_a_reset_link_sets_the_password_once_and_ends_every_session(app, client, mailbox, owner_with_email):
    elsewhere = app.test_client()
    assert login(elsewhere, "owner").status_code == 302
    with app.app_context():
        _, token = issue_token(db.session.get(User, owner_with_email))
    bearer = {"Authorization": f"Bearer {token}"}

    known = client.post("/password/forgot", data={"email": "owner@example.cn"}, follow_redirects=True)
    unknown = client.post("/password/forgot", data={"email": "nobody@example.cn"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert "重置密码的链接已发往该邮箱" in known.get_data(as_text=True)
    assert known.get_data(as_text=True).count("已发往") == unknown.get_data(as_text=True).count("已发往")
    with app.app_context():
        mailbox.deliver()
        assert not mailbox.to("nobody@example.cn")
        link = mailbox.link_to("owner@example.cn")
    assert link.startswith("/password/reset/")

    weak = client.post(link, data={"password": "owner12345678"})
    assert weak.status_code == 400 and "密码不能包含用户名" in weak.get_data(as_text=True)
    assert client.post(link, data={"password": NEW}).status_code == 302
    assert client.post(link, data={"password": "yet another passphrase"}).status_code == 410  # single use

    assert elsewhere.get("/owner/projects").status_code == 302  # the old session ended
    assert app.test_client().get("/api/v1/projects", headers=bearer).status_code == 401  # and the token
    assert login(app.test_client(), "owner", PASSWORD).status_code == 401
    assert login(app.test_client(), "owner", NEW).status_code == 302


def test_a_reset_link_expires_after_an_hour(app, client, mailbox, owner_with_email, monkeypatch):
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 3601)
    client.post("/password/forgot", data={"email": "owner@example.cn"})
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    with app.app_context():
        mailbox.deliver()
        link = mailbox.link_to("owner@example.cn")
    assert client.get(link).status_code == 410
    assert client.post(link, data={"password": NEW}).status_code == 410
    assert login(app.test_client(), "owner", PASSWORD).status_code == 302


def test_a_link_of_another_kind_or_tampered_is_refused(app, client, mailbox, owner_with_email):
    client.post("/password/forgot", data={"email": "owner@example.cn"})
    with app.app_context():
        mailbox.deliver()
        link = mailbox.link_to("owner@example.cn")
    assert client.get(link.replace("/reset/", "/invite/")).status_code == 410
    assert client.get(link[:-2] + ("AA" if not link.endswith("AA") else "BB")).status_code == 410


def test_password_requests_are_throttled(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_RESET_RATE_LIMIT", "2 per hour")
    for _ in range(2):
        client.post("/password/forgot", data={"email": "x@example.cn"})
    assert client.post("/password/forgot", data={"email": "x@example.cn"}).status_code == 429


@given(st.text(max_size=MIN_LENGTH - 1))
def test_short_passwords_are_refused(password):
    assert password_problems(password)


@pytest.mark.parametrize("password", ["1234567890", "qwertyuiop", "aaaaaaaaaaaa", "ababababab"])
def test_common_and_repetitive_passwords_are_refused(password):
    assert password_problems(password)


def test_a_long_passphrase_is_fine_but_not_with_the_username_in_it():
    assert password_problems("correct horse battery staple") == []
    assert password_problems("correct horse battery staple", username="horse")
    assert password_problems("my-mailbox-2026-!", email="mailbox@example.cn")
