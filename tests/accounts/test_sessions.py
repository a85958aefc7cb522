"""Sessions end on the server (issue 16, finding 8): a session cookie
saved before logout, a password change or a deactivation no longer works —
on any app instance, since each reads the user's session generation from
the shared database."""
from __future__ import annotations

import pytest

from coordinator import create_app
from coordinator.accounts.models import User
from coordinator.extensions import db

from tests.conftest import login


def saved_cookie(client) -> str:
    return client.get_cookie("session").value


def with_cookie(app, value: str):
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def logged_in(client) -> bool:
    return client.get("/owner/projects").status_code == 200


def test_a_cookie_saved_before_logout_no_longer_works(app, client, users):
    assert login(client, "owner").status_code == 302
    saved = saved_cookie(client)
    assert logged_in(with_cookie(app, saved))
    client.post("/logout")
    replay = with_cookie(app, saved)
    response = replay.get("/owner/projects")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert replay.get("/api/v1/projects").status_code == 401
    assert login(client, "owner").status_code == 302 and logged_in(client)  # a new login works


def test_a_new_password_ends_the_sessions_opened_with_the_old_one(app, client, users):
    assert login(client, "owner").status_code == 302
    saved = saved_cookie(client)
    with app.app_context():
        db.session.get(User, users["owner"]).set_password("a new password 2026")
        db.session.commit()
    assert not logged_in(with_cookie(app, saved))


def test_reactivation_does_not_revive_a_session_ended_by_deactivation(app, client, users):
    assert login(client, "owner").status_code == 302
    saved = saved_cookie(client)
    admin = app.test_client()
    assert login(admin, "admin").status_code == 302
    admin.post(f"/admin/users/{users['owner']}/active", data={"active": "0"})
    admin.post(f"/admin/users/{users['owner']}/active", data={"active": "1"})
    assert not logged_in(with_cookie(app, saved))


@pytest.fixture
def second_instance(app):
    """Another app object on the same database and secret: a second server."""
    other = create_app({key: app.config[key] for key in (
        "TESTING", "SQLALCHEMY_DATABASE_URI", "WTF_CSRF_ENABLED", "SECRET_KEY", "WEBHOOK_ALLOWED_NETWORKS")})
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_logout_on_one_instance_ends_the_session_on_the_other(app, second_instance, users):
    first = app.test_client()
    assert login(first, "owner").status_code == 302
    saved = saved_cookie(first)
    on_second = with_cookie(second_instance, saved)
    assert logged_in(on_second)  # the same session works on both servers
    on_second.post("/logout")
    assert not logged_in(with_cookie(app, saved))
    assert not logged_in(with_cookie(second_instance, saved))


def test_a_session_id_that_is_not_a_number_is_no_session(app, client, users):
    with client.session_transaction() as session:
        session["_user_id"] = "not-a-number.0"
    assert not logged_in(client)
