"""Fuzzing the JSON API with schemathesis, in process against the WSGI app.

Every operation of ``/api/v1/openapi.json`` is exercised — whatever routes
the document holds, so new ones are fuzzed without touching this file — with
a bounded number of generated requests each, authenticated as an owner with
projects. No request may end in a 500, and every response must be documented:
its status code, content type and body schema.

Not checked: that schema-valid requests are accepted — whether answers are
complete and consistent depends on the rule base, which JSON Schema cannot
say; such answers get the documented 400 ``invalid_answers``."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from coordinator import create_app

from tests.conftest import TODAY, example_answers

#: Generated requests per operation (and per phase); keeps the file under a minute.
EXAMPLES_PER_OPERATION = 25


@pytest.fixture
def owner(app, users):
    """The owner ``owner`` with two projects (ids the fuzzer may hit) and a
    project of another owner (which must stay invisible)."""
    from coordinator.accounts.models import User
    from coordinator.extensions import db
    from coordinator.projects.service import create_project

    with app.app_context():
        me = db.session.get(User, users["owner"])
        other = db.session.get(User, users["other_owner"])
        create_project(me, "仓库项目", example_answers("warehouse"), None, True, TODAY)
        create_project(me, "厂房项目", example_answers("warehouse"), None, False, TODAY)
        create_project(other, "别人的项目", example_answers("warehouse"), None, True, TODAY)
    return users["owner"]


def bearer_token(app, user_id: int) -> str:
    """A fresh token of the user (issued through the account service)."""
    from coordinator.accounts.models import User
    from coordinator.accounts.service import issue_token
    from coordinator.extensions import db

    with app.app_context():
        _, clear = issue_token(db.session.get(User, user_id), "fuzz")
        db.session.commit()
        return clear


def api_operations() -> list[tuple[str, str]]:
    """``(METHOD, path)`` of every operation in the OpenAPI document (read
    from an app on an empty in-memory database: the document needs none)."""
    document = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True}).test_client().get(
        "/api/v1/openapi.json").get_json()
    return [(method.upper(), path) for path, operations in document["paths"].items()
            for method in operations if method in HTTP_METHODS]


HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize(("method", "path"), api_operations())
def test_every_api_operation_answers_as_documented(app, owner, method, path, mode):
    """Valid (positive) and invalid (negative) requests: no 500, status code,
    content type, headers and body as the document says."""
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path][method]
    sent = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def fuzz(case):
        sent.append(case)
        # A fresh token per request: the fuzzer may revoke tokens (DELETE /tokens/{id}).
        case.call_and_validate(headers={"Authorization": f"Bearer {bearer_token(app, owner)}"},
                               excluded_checks=[positive_data_acceptance])

    try:
        fuzz()
    except Unsatisfiable:
        pytest.skip("the operation takes no input, so no invalid request exists")
    print(f"{method} {path} {mode.value}: {len(sent)} requests")
    assert sent


def test_an_id_beyond_any_row_is_404_not_a_database_overflow(client, owner):
    """Found by the fuzzer: ids past a 64-bit integer overflowed the database driver (a 500)."""
    from tests.conftest import login

    login(client, "owner")
    for url in ("/api/v1/projects/9223372036854775808", "/api/v1/projects/2147483648/plan.pdf",
                "/owner/projects/99999999999999999999"):
        response = client.get(url)
        assert response.status_code == 404, url
    parameter = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/projects/{project_id}"]["parameters"][0]
    assert parameter["schema"] == {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}


def test_every_documented_status_is_listed_explicitly(client):
    """No catch-all ``default`` response: the fuzz test's status check means something."""
    document = client.get("/api/v1/openapi.json").get_json()
    error = document["components"]["schemas"]["Error"]["properties"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method in HTTP_METHODS:
                assert "default" not in operation["responses"], (method, path)
                for status, response in operation["responses"].items():
                    if "$ref" in response:
                        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
                    if status.startswith("4"):
                        # every error is the Error shape, possibly with fields added
                        ref = response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
                        schema = document["components"]["schemas"][ref]
                        assert error.items() <= schema["properties"].items(), (method, path, status)
                        assert set(document["components"]["schemas"]["Error"]["required"]) <= set(schema["required"])


def test_nul_characters_are_a_400_naming_the_field(client, owner):
    """Found by the fuzzer on PostgreSQL (whose text columns cannot hold NUL): a 500 before."""
    from tests.conftest import PASSWORD, login

    response = client.post("/api/v1/tokens", json={"username": "own\x00er", "password": PASSWORD})
    assert response.status_code == 400
    assert response.get_json() == {"error": "bad_request", "message": "text must not contain NUL characters",
                                   "fields": {"username": ["must not contain NUL characters"]}}
    response = client.post("/login", data={"username": "owner\x00", "password": PASSWORD})
    assert response.status_code == 400 and response.get_json()["fields"] == {
        "username": ["must not contain NUL characters"]}
    login(client, "owner")
    response = client.post("/api/v1/projects", json={
        "name": "仓库", "answers": {**example_answers("warehouse"), "district": "滨海\x00"}})
    assert response.status_code == 400 and set(response.get_json()["fields"]) == {"answers.district"}
    assert client.get("/owner/projects?x=\x00").status_code == 400
    assert client.post("/api/v1/plans", json={"answers": {"note": "a\\u0000 is fine escaped"}}).status_code != 500
