"""Structured logs: JSON lines with the request id, through real requests."""
from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given, strategies as st

from coordinator import create_app
from coordinator.logs import SAFE_REQUEST_ID, configure_logging, request_id_from

from tests.conftest import PASSWORD, login


@pytest.fixture
def json_app(app):
    """An app on the suite's database that logs JSON lines; the suite's app
    gets its own logging back afterwards."""
    logged = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test", "LOG_FORMAT": "json", "PROPAGATE_EXCEPTIONS": False,
    })

    @logged.route("/boom")
    def boom():  # a view that fails, to see the traceback's line
        raise RuntimeError("boom")

    yield logged
    configure_logging(app.config)


def json_lines(capsys) -> list[dict]:
    """Every line written to stderr, each of which must be one JSON object."""
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]


def test_every_request_writes_one_access_line_with_its_id(json_app, capsys):
    response = json_app.test_client().get("/login", headers={"X-Request-ID": "lb-1234.abc"})
    assert response.headers["X-Request-ID"] == "lb-1234.abc"
    lines = json_lines(capsys)
    access = [line for line in lines if line["logger"] == "coordinator.request"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == "lb-1234.abc"
    assert (line["method"], line["path"], line["status"], line["level"]) == ("GET", "/login", 200, "INFO")
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["ts"].endswith("+00:00") and "user_id" not in line
    assert line["message"] == "GET /login 200"


@pytest.mark.parametrize("header", ["", "has space", "a;b=c", "x" * 65, "<script>", "ü"])
def test_an_unsafe_request_id_is_replaced(json_app, capsys, header):
    response = json_app.test_client().get("/healthz", headers={"X-Request-ID": header})
    generated = response.headers["X-Request-ID"]
    assert generated != header and SAFE_REQUEST_ID.fullmatch(generated)
    assert [line["request_id"] for line in json_lines(capsys)] == [generated]


def test_without_a_header_each_request_gets_its_own_id(json_app, capsys):
    client = json_app.test_client()
    ids = {client.get("/healthz").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3
    assert {line["request_id"] for line in json_lines(capsys)} == ids


def test_lines_written_during_a_request_carry_its_id_and_user(json_app, users, capsys):
    client = json_app.test_client()
    client.post("/login", data={"username": "owner", "password": "wrong"}, headers={"X-Request-ID": "req-failed"})
    client.post("/login", data={"username": "owner", "password": PASSWORD}, headers={"X-Request-ID": "req-ok"})
    client.get("/owner/projects", headers={"X-Request-ID": "req-page"})
    lines = json_lines(capsys)
    failed = [line for line in lines if line["request_id"] == "req-failed"]
    assert [(line["logger"], line["level"]) for line in failed] == [
        ("coordinator.accounts.service", "WARNING"), ("coordinator.request", "INFO")]
    assert failed[0]["message"] == f"failed login for user {users['owner']}"
    assert failed[0]["path"] == "/login" and failed[1]["status"] == 401
    ok = [line for line in lines if line["request_id"] == "req-ok"]
    assert ok[-1]["status"] == 302 and ok[-1]["user_id"] == users["owner"]
    page = [line for line in lines if line["request_id"] == "req-page"]
    assert [(line["path"], line["status"], line["user_id"]) for line in page] == [
        ("/owner/projects", 200, users["owner"])]
    # After a commit (a token issued) the user is expired; the line still names it.
    client.post("/owner/settings", data={"name": "ci"}, headers={"X-Request-ID": "req-token"})
    (line,) = [line for line in json_lines(capsys) if line["request_id"] == "req-token"]
    assert (line["status"], line["user_id"]) == (200, users["owner"])


def test_a_bearer_token_request_logs_the_user(json_app, users, capsys):
    client = json_app.test_client()
    token = client.post("/api/v1/tokens", json={"username": "owner", "password": PASSWORD}).get_json()["token"]
    capsys.readouterr()
    client.get("/api/v1/projects", headers={"Authorization": f"Bearer {token}"})
    (line,) = [line for line in json_lines(capsys) if line["logger"] == "coordinator.request"]
    assert line["user_id"] == users["owner"] and line["status"] == 200


def test_a_failing_view_logs_its_traceback_under_the_request_id(json_app, capsys):
    response = json_app.test_client().get("/boom", headers={"X-Request-ID": "req-boom"})
    assert response.status_code == 500 and response.headers["X-Request-ID"] == "req-boom"
    lines = json_lines(capsys)
    error = next(line for line in lines if line["level"] == "ERROR")
    assert error["request_id"] == "req-boom" and "RuntimeError: boom" in error["exc"]
    assert lines[-1]["status"] == 500 and lines[-1]["request_id"] == "req-boom"


def test_lines_outside_a_request_have_no_request_fields(json_app, capsys):
    logging.getLogger("coordinator.worker").warning("delivery %s failed", 7)
    (line,) = json_lines(capsys)
    assert line["message"] == "delivery 7 failed" and line["logger"] == "coordinator.worker"
    assert not {"request_id", "method", "path", "status", "user_id"} & set(line)


def test_text_format_names_the_request_id(app, client, capsys):
    client.get("/healthz", headers={"X-Request-ID": "plain-1"})
    err = capsys.readouterr().err
    assert "INFO [plain-1] coordinator.request: GET /healthz 200" in err


def test_production_defaults_to_json_and_a_bad_format_is_refused(app, capsys):
    production = create_app({
        "PRODUCTION": True, "SECRET_KEY": "s" * 40, "SESSION_COOKIE_SECURE": True,
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
    })
    production.test_client().get("/healthz", headers={"X-Request-ID": "prod-1"})
    line = json_lines(capsys)[-1]
    assert (line["request_id"], line["path"], line["status"]) == ("prod-1", "/healthz", 503)
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "LOG_FORMAT": "xml"})
    configure_logging(app.config)


@given(st.text(max_size=80))
def test_a_request_id_is_always_safe_to_log(header):
    request_id = request_id_from(header)
    assert SAFE_REQUEST_ID.fullmatch(request_id)
    assert request_id == header or not SAFE_REQUEST_ID.fullmatch(header)
