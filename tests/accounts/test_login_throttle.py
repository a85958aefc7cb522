"""Failed logins are throttled per address with a lock-out message; good ones are not."""
from __future__ import annotations

import pytest

from coordinator.extensions import limiter

from tests.conftest import PASSWORD


@pytest.fixture
def fresh_limits(app):
    with app.app_context():
        limiter.reset()
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    yield
    app.config.pop("LOGIN_RATE_LIMIT")
    with app.app_context():
        limiter.reset()


def test_repeated_failed_logins_lock_the_address_out(client, users, fresh_limits):
    for _ in range(3):
        assert client.post("/login", data={"username": "owner", "password": "wrong"}).status_code == 401
    locked = client.post("/login", data={"username": "owner", "password": PASSWORD})
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.get_data(as_text=True)


def test_successful_logins_do_not_count(client, users, fresh_limits):
    for _ in range(5):
        assert client.post("/login", data={"username": "owner", "password": PASSWORD}).status_code == 302
        client.post("/logout")
