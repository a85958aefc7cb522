"""Bearer tokens through the JSON API: issued once and stored hashed,
revocable, throttled per address; and the OpenAPI document of the API."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from coordinator import create_app
from coordinator.accounts.models import ApiToken, User
from coordinator.accounts.service import issue_token
from coordinator.api.auth import DEFAULT_TOKEN_LIMIT
from coordinator.extensions import db, limiter

from tests.conftest import PASSWORD, login
from tests.api.test_api_projects import ROLES, USERNAMES, assert_error, make_project


@pytest.fixture(autouse=True)
def _fresh_limits():
    limiter.reset()
    yield
    limiter.reset()


def tokens_in_db(app) -> list[dict]:
    with app.app_context():
        return [{c.name: getattr(t, c.name) for c in ApiToken.__table__.columns}
                for t in db.session.scalars(select(ApiToken).order_by(ApiToken.id))]


def ask(client, username="owner", password=PASSWORD, **extra):
    return client.post("/api/v1/tokens", json={"username": username, "password": password, **extra})


# --- POST /api/v1/tokens ------------------------------------------------------


def test_a_token_is_returned_once_and_only_its_hash_is_stored(app, client, users):
    response = ask(client, name="ci")
    assert response.status_code == 201, response.get_json()
    payload = response.get_json()
    token = payload["token"]
    assert token.startswith("ndkg_") and len(token) > 40
    assert payload["name"] == "ci"
    rows = tokens_in_db(app)
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == payload["id"]
    assert row["user_id"] == users["owner"]
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert row["revoked_at"] is None
    for column, value in row.items():  # the clear token is in no column
        assert token not in str(value), column
    assert token[len("ndkg_"):] not in " ".join(map(str, row.values()))


def test_two_requests_give_two_different_tokens(app, client, users):
    first, second = ask(client).get_json(), ask(client).get_json()
    assert first["token"] != second["token"]
    assert first["id"] != second["id"]
    assert len(tokens_in_db(app)) == 2


@pytest.mark.parametrize("role", [r for r in ROLES if r != "culture_officer"])
def test_every_role_gets_a_working_token(app, client, users, role):
    response = ask(client, USERNAMES[role])
    assert response.status_code == 201
    token = response.get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/projects", headers=headers).status_code == 200
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.id == response.get_json()["id"]))
        assert row.user_id == users[role]
        assert row.last_used_at is not None  # the request above used it


@pytest.mark.parametrize("username, password", [
    ("owner", "wrong password"),
    ("owner", ""),
    ("nobody", PASSWORD),
    ("OWNER", PASSWORD),
])
def test_wrong_credentials_are_401_and_issue_nothing(app, client, users, username, password):
    response = ask(client, username, password)
    payload = assert_error(response, 401, "invalid_credentials")
    assert "token" not in payload
    assert tokens_in_db(app) == []


def test_a_deactivated_user_gets_no_token(app, client, users):
    with app.app_context():
        db.session.get(User, users["owner"]).active = False
        db.session.commit()
    assert_error(ask(client), 401, "invalid_credentials")
    assert tokens_in_db(app) == []


@pytest.mark.parametrize("payload, fields", [
    ({}, {"username", "password"}),
    ({"username": "owner"}, {"password"}),
    ({"password": PASSWORD}, {"username"}),
    ({"username": "owner", "password": PASSWORD, "name": ""}, {"name"}),
    ({"username": "owner", "password": PASSWORD, "name": "x" * 81}, {"name"}),
    ({"username": ["owner"], "password": PASSWORD}, {"username"}),
])
def test_a_bad_token_request_is_400(app, client, users, payload, fields):
    response = client.post("/api/v1/tokens", json=payload)
    assert set(assert_error(response, 400)["fields"]) == fields
    assert tokens_in_db(app) == []


# --- DELETE /api/v1/tokens/{id} -------------------------------------------------


def test_a_revoked_token_is_401_afterwards(app, client, users):
    project_id = make_project(app, users["owner"])
    issued = ask(client).get_json()
    headers = {"Authorization": f"Bearer {issued['token']}"}
    assert client.get(f"/api/v1/projects/{project_id}", headers=headers).status_code == 200
    response = client.delete(f"/api/v1/tokens/{issued['id']}", headers=headers)
    assert response.status_code == 204
    assert response.get_data() == b""
    assert tokens_in_db(app)[0]["revoked_at"] is not None
    for method, path in [("get", f"/api/v1/projects/{project_id}"), ("get", "/api/v1/projects"),
                         ("post", "/api/v1/projects"), ("delete", f"/api/v1/tokens/{issued['id']}")]:
        assert_error(getattr(client, method)(path, headers=headers), 401, "unauthorized")


def test_revoking_one_token_leaves_the_others(app, client, users):
    first, second = ask(client).get_json(), ask(client).get_json()
    assert client.delete(f"/api/v1/tokens/{first['id']}",
                         headers={"Authorization": f"Bearer {second['token']}"}).status_code == 204
    assert client.get("/api/v1/projects", headers={"Authorization": f"Bearer {first['token']}"}).status_code == 401
    assert client.get("/api/v1/projects", headers={"Authorization": f"Bearer {second['token']}"}).status_code == 200


def test_a_session_may_revoke_its_users_token(app, client, users):
    issued = ask(client, "officer").get_json()
    login(client, "officer")
    assert client.delete(f"/api/v1/tokens/{issued['id']}").status_code == 204
    client.post("/logout")
    assert client.get("/api/v1/projects", headers={"Authorization": f"Bearer {issued['token']}"}).status_code == 401


@pytest.mark.parametrize("role", ["other_owner", "officer", "utility", "admin"])
def test_someone_elses_token_is_404_and_stays_valid(app, client, users, role):
    victim = ask(client, "owner").get_json()
    mine = ask(client, USERNAMES[role]).get_json()
    response = client.delete(f"/api/v1/tokens/{victim['id']}", headers={"Authorization": f"Bearer {mine['token']}"})
    assert_error(response, 404, "not_found")
    assert tokens_in_db(app)[0]["revoked_at"] is None
    assert client.get("/api/v1/projects", headers={"Authorization": f"Bearer {victim['token']}"}).status_code == 200


def test_a_missing_token_is_404(app, client, users):
    mine = ask(client).get_json()
    response = client.delete(f"/api/v1/tokens/{mine['id'] + 100}", headers={"Authorization": f"Bearer {mine['token']}"})
    assert_error(response, 404, "not_found")


def test_revoking_without_login_is_401(app, client, users):
    issued = ask(client).get_json()
    assert_error(client.delete(f"/api/v1/tokens/{issued['id']}"), 401, "unauthorized")
    assert tokens_in_db(app)[0]["revoked_at"] is None


def test_a_token_revoked_in_the_database_is_refused(app, client, users):
    with app.app_context():
        token, clear = issue_token(db.session.get(User, users["admin"]))
        db.session.commit()
        token_id = token.id
    headers = {"Authorization": f"Bearer {clear}"}
    assert client.get("/api/v1/projects", headers=headers).status_code == 200
    with app.app_context():
        from coordinator.accounts.service import revoke_token
        assert revoke_token(db.session.get(User, users["admin"]), token_id)
    assert_error(client.get("/api/v1/projects", headers=headers), 401)


# --- throttling ----------------------------------------------------------------


def test_the_default_limits_come_from_config(app):
    assert app.config["RATELIMIT_TOKENS"] == DEFAULT_TOKEN_LIMIT == "10 per minute"
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_the_default_limit_allows_ten_requests_a_minute(app, client, users):
    for _ in range(10):
        assert ask(client, password="wrong").status_code == 401
    assert_error(ask(client), 429, "too_many_requests")


@pytest.fixture
def low_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_TOKENS", "3 per minute")


def test_the_token_endpoint_is_throttled_per_address(app, client, users, low_limit):
    assert ask(client).status_code == 201
    assert ask(client, password="wrong").status_code == 401
    assert ask(client, "nobody").status_code == 401
    response = ask(client)  # even the right credentials, once over the limit
    payload = assert_error(response, 429, "too_many_requests")
    assert "3 per minute" in payload["message"]
    assert int(response.headers["Retry-After"]) > 0
    assert len(tokens_in_db(app)) == 1
    # another address is not affected
    assert ask(client).status_code == 429
    other = client.post("/api/v1/tokens", json={"username": "owner", "password": PASSWORD},
                        environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert other.status_code == 201
    # other endpoints are not throttled
    headers = {"Authorization": f"Bearer {other.get_json()['token']}"}
    for _ in range(5):
        assert client.get("/api/v1/projects", headers=headers).status_code == 200


def test_invalid_requests_count_against_the_limit(app, client, users, low_limit):
    for _ in range(3):
        assert client.post("/api/v1/tokens", json={}).status_code == 400
    assert_error(ask(client), 429, "too_many_requests")


def test_a_dedicated_app_takes_its_limit_from_the_factory(app, users):
    """``create_app({"RATELIMIT_TOKENS": ...})`` sets the limit of that app."""
    other = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test", "RATELIMIT_TOKENS": "2 per hour",
    })
    try:
        client = other.test_client()
        assert other.config["RATELIMIT_STORAGE_URI"] == "memory://"
        assert ask(client).status_code == 201
        assert ask(client).status_code == 201
        assert "2 per hour" in assert_error(ask(client), 429, "too_many_requests")["message"]
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


# --- OpenAPI ----------------------------------------------------------------------

ENDPOINTS = {
    ("/api/v1/questionnaire", "get"), ("/api/v1/plans", "post"),
    ("/api/v1/projects", "post"), ("/api/v1/projects", "get"), ("/api/v1/projects/{project_id}", "get"),
    ("/api/v1/tokens", "post"), ("/api/v1/tokens/{token_id}", "delete"),
}
PROTECTED = {("/api/v1/projects", "post"), ("/api/v1/projects", "get"), ("/api/v1/projects/{project_id}", "get"),
             ("/api/v1/tokens/{token_id}", "delete")}


@pytest.fixture
def openapi(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def ref(doc, schema) -> dict:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_openapi_lists_every_endpoint(openapi):
    listed = {(path, method) for path, ops in openapi["paths"].items() for method in ops if method != "parameters"}
    assert ENDPOINTS <= listed


def test_openapi_describes_bearer_and_session_auth(openapi):
    schemes = openapi["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert schemes["sessionCookie"]["in"] == "cookie"
    for path, method in ENDPOINTS:
        operation = openapi["paths"][path][method]
        if (path, method) in PROTECTED:
            assert {"bearerAuth": []} in operation["security"], (path, method)
            assert "401" in operation["responses"], (path, method)
        else:
            assert not operation.get("security"), (path, method)
    assert "403" in openapi["paths"]["/api/v1/projects"]["post"]["responses"]


def test_openapi_has_request_and_response_schemas(openapi):
    def body_schema(path, method):
        return ref(openapi, openapi["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"])

    def response_schema(path, method, status):
        content = openapi["paths"][path][method]["responses"][status]["content"]["application/json"]
        return ref(openapi, content["schema"])

    project_request = body_schema("/api/v1/projects", "post")
    assert set(project_request["required"]) == {"name", "answers"}
    assert {"land_date", "commitment"} <= set(project_request["properties"])
    project = response_schema("/api/v1/projects", "post", "201")
    assert {"id", "name", "answers", "plan", "items", "hookups"} <= set(project["properties"])
    assert response_schema("/api/v1/projects/{project_id}", "get", "200") == project
    item = ref(openapi, project["properties"]["items"]["items"])
    assert {"id", "code", "status", "department", "due_date"} <= set(item["properties"])
    hookup = ref(openapi, project["properties"]["hookups"]["items"])
    assert {"id", "utility", "status", "provider"} <= set(hookup["properties"])
    listing = response_schema("/api/v1/projects", "get", "200")
    summary = ref(openapi, listing["properties"]["projects"]["items"])
    assert set(summary["properties"]) >= {"id", "name", "eligible", "total_working_days"}
    assert set(body_schema("/api/v1/tokens", "post")["required"]) == {"username", "password"}
    assert "token" in response_schema("/api/v1/tokens", "post", "201")["properties"]
    assert "204" in openapi["paths"]["/api/v1/tokens/{token_id}"]["delete"]["responses"]


def test_openapi_errors_have_the_api_error_shape(openapi):
    error = openapi["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"error", "message", "fields"}
    for path, method, status in [("/api/v1/projects", "post", "400"), ("/api/v1/projects/{project_id}", "get", "404"),
                                 ("/api/v1/tokens", "post", "401"), ("/api/v1/tokens", "post", "429")]:
        content = openapi["paths"][path][method]["responses"][status]["content"]["application/json"]
        assert ref(openapi, content["schema"]) == error, (path, method, status)
