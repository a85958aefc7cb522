"""The project endpoints of the JSON API through the test client: who may do
what (401 / 403 / 404 for every role, by session and by bearer token), the
project shape of SPEC §4.4, and nothing stored on invalid input."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coordinator.accounts.models import Organisation, Role, User
from coordinator.accounts.service import create_user, issue_token
from coordinator.extensions import db, limiter
from coordinator.projects.models import AnswerSet, PlanItem, Project, ProjectPlan
from coordinator.projects.service import create_project

from tests.conftest import PASSWORD, TODAY, example_answers, login

ROLES = ["owner", "other_owner", "officer", "planning_officer", "eco_officer", "culture_officer", "utility", "admin"]
USERNAMES = {"owner": "owner", "other_owner": "owner2", "officer": "officer", "planning_officer": "planner",
             "eco_officer": "eco", "culture_officer": "culture", "utility": "utility", "admin": "admin"}
AUTH = ["session", "bearer"]
ERROR_KEYS = {"error", "message", "fields"}
STORED = (Project, AnswerSet, ProjectPlan, PlanItem)


@pytest.fixture(autouse=True)
def _fresh_limits():
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def people(app, users):
    """The conftest users plus an officer of 文物 (culture), a department that
    has no item in a warehouse plan."""
    with app.app_context():
        culture = db.session.scalar(select(Organisation).where(Organisation.code == "culture"))
        made = create_user("culture", PASSWORD, Role.officer, "文物审批员", culture)
        db.session.commit()
        return {**users, "culture_officer": made.id}


def as_role(app, client, people, role: str, auth: str) -> dict:
    """Authenticate ``client`` as ``role``; return the headers to send."""
    if auth == "session":
        assert login(client, USERNAMES[role]).status_code == 302
        return {}
    with app.app_context():
        _, clear = issue_token(db.session.get(User, people[role]), "test")
        db.session.commit()
    return {"Authorization": f"Bearer {clear}"}


def stored_counts(app) -> dict[str, int]:
    with app.app_context():
        return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in STORED}


def make_project(app, owner_id: int, example: str = "warehouse", name: str = "滨海仓库") -> int:
    with app.app_context():
        project = create_project(db.session.get(User, owner_id), name, example_answers(example), today=TODAY)
        return project.id


def body(name="滨海智能仓库", example="warehouse", **extra) -> dict:
    return {"name": name, "answers": example_answers(example), "today": TODAY.isoformat(), **extra}


def assert_error(response, status: int, error: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    payload = response.get_json()
    assert set(payload) == ERROR_KEYS
    assert isinstance(payload["message"], str) and payload["message"]
    if error:
        assert payload["error"] == error
    return payload


# --- POST /api/v1/projects ---------------------------------------------------


def test_owner_creates_a_project_with_the_spec_shape(app, client, people):
    login(client, "owner")
    response = client.post("/api/v1/projects", json=body(land_date="2026-09-15"))
    assert response.status_code == 201, response.get_json()
    project = response.get_json()
    assert {"id", "name", "answers", "plan", "items", "hookups"} <= set(project)
    assert project["name"] == "滨海智能仓库"
    assert project["answers"] == example_answers("warehouse")
    assert project["land_date"] == "2026-09-15"
    assert [(h["utility"], h["status"], h["provider"]) for h in project["hookups"]] == [
        ("water", "offered", None), ("power", "offered", None)]
    assert {h["target_date"] for h in project["hookups"]} == {"2026-09-15"}  # 拿地即开工: by the land date
    # the stored plan is the plan POST /plans makes for the same request
    same = client.post("/api/v1/plans", json={"answers": example_answers("warehouse"), "land_date": "2026-09-15",
                                              "today": TODAY.isoformat()}).get_json()
    assert project["plan"] == same
    planned = {i["code"]: i for i in same["items"] if i["kind"] != "milestone"}
    assert [i["code"] for i in project["items"]] == list(planned)
    for item in project["items"]:
        assert {"id", "code", "status", "department", "due_date"} <= set(item)
        assert isinstance(item["id"], int)
        assert item["status"] == "not_submitted"
        assert item["department"] == planned[item["code"]]["department"]
        assert item["due_date"] == planned[item["code"]]["finish"]
    with app.app_context():
        stored = db.session.get(Project, project["id"])
        assert stored.owner_id == people["owner"]
        assert stored.current_answers.land_date.isoformat() == "2026-09-15"
        assert [i.id for i in stored.current_plan.items] == [i["id"] for i in project["items"]]


def test_name_is_stripped_and_commitment_is_kept(app, client, people):
    headers = as_role(app, client, people, "owner", "bearer")
    response = client.post("/api/v1/projects", json=body(name="  南港化工厂  ", example="chemical_plant",
                                                         commitment=False), headers=headers)
    assert response.status_code == 201
    assert response.get_json()["name"] == "南港化工厂"
    assert response.get_json()["plan"]["commitment"] is False
    with app.app_context():
        assert db.session.get(Project, response.get_json()["id"]).current_answers.commitment is False


@pytest.mark.parametrize("auth", AUTH)
@pytest.mark.parametrize("role", ROLES)
def test_only_owners_may_create_projects(app, client, people, role, auth):
    headers = as_role(app, client, people, role, auth)
    response = client.post("/api/v1/projects", json=body(), headers=headers)
    if role in ("owner", "other_owner"):
        assert response.status_code == 201
        assert stored_counts(app)["Project"] == 1
        with app.app_context():
            assert db.session.get(Project, response.get_json()["id"]).owner_id == people[role]
    else:
        assert_error(response, 403, "forbidden")
        assert stored_counts(app) == {m.__name__: 0 for m in STORED}


@pytest.mark.parametrize("payload", [body(), {"name": "", "answers": {"colour": "red"}}, {}, None])
def test_creating_without_login_is_401_json_whatever_the_body(app, client, people, payload):
    response = client.post("/api/v1/projects", json=payload)
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert stored_counts(app)["Project"] == 0


def test_invalid_answers_name_every_bad_field_and_store_nothing(app, client, people):
    login(client, "owner")
    answers = {**example_answers("warehouse"), "floor_area_m2": -5, "colour": "red"}
    del answers["district"]
    answers["utilities"] = {**answers["utilities"], "power_kva": "lots"}
    response = client.post("/api/v1/projects", json={"name": "坏答案", "answers": answers})
    payload = assert_error(response, 400, "invalid_answers")
    assert set(payload["fields"]) == {"floor_area_m2", "colour", "district", "utilities.power_kva"}
    assert all(isinstance(v, list) and v for v in payload["fields"].values())
    assert stored_counts(app) == {m.__name__: 0 for m in STORED}


def test_bad_name_and_bad_answers_are_reported_together(app, client, people):
    login(client, "owner")
    answers = {**example_answers("warehouse"), "eia_category": "maybe"}
    response = client.post("/api/v1/projects", json={"name": "  ", "answers": answers})
    payload = assert_error(response, 400, "invalid_answers")
    assert set(payload["fields"]) == {"name", "eia_category"}
    assert stored_counts(app)["Project"] == 0


@pytest.mark.parametrize("name", ["", "   ", "x" * 201, None, 42, "missing"])
def test_bad_names_are_400_on_the_name_field_and_store_nothing(app, client, people, name):
    login(client, "owner")
    payload = body()
    if name == "missing":
        del payload["name"]
    else:
        payload["name"] = name
    response = client.post("/api/v1/projects", json=payload)
    error = assert_error(response, 400)
    assert set(error["fields"]) == {"name"}
    assert stored_counts(app) == {m.__name__: 0 for m in STORED}


@pytest.mark.parametrize("change, field", [
    ({"answers": "warehouse"}, "answers"),
    ({"answers": None}, "answers"),
    ({"land_date": "15/09/2026"}, "land_date"),
    ({"commitment": "maybe"}, "commitment"),
    ({"owner_id": 1}, "owner_id"),
])
def test_bad_request_fields_are_400_and_store_nothing(app, client, people, change, field):
    login(client, "owner")
    response = client.post("/api/v1/projects", json={**body(), **change})
    assert field in assert_error(response, 400)["fields"]
    assert stored_counts(app)["Project"] == 0


def test_missing_answers_is_400(app, client, people):
    login(client, "owner")
    response = client.post("/api/v1/projects", json={"name": "无答案"})
    assert "answers" in assert_error(response, 400)["fields"]
    assert stored_counts(app)["Project"] == 0


def test_malformed_json_is_400_and_stores_nothing(app, client, people):
    login(client, "owner")
    response = client.post("/api/v1/projects", data="{not json", content_type="application/json")
    assert_error(response, 400)
    assert stored_counts(app)["Project"] == 0


# --- GET /api/v1/projects/{id} -----------------------------------------------

CAN_SEE = {"owner", "officer", "planning_officer", "eco_officer", "admin"}


def test_the_matrix_rests_on_the_departments_of_the_plan(app, people):
    """The officers' expectations below hold because of the warehouse plan's
    departments: housing, planning and eco_env have items in it, culture none."""
    project_id = make_project(app, people["owner"])
    with app.app_context():
        departments = {i.department for i in db.session.get(Project, project_id).current_plan.items}
    assert {"housing", "planning", "eco_env"} <= departments
    assert "culture" not in departments


@pytest.mark.parametrize("auth", AUTH)
@pytest.mark.parametrize("role", ROLES)
def test_who_may_see_a_project(app, client, people, role, auth):
    project_id = make_project(app, people["owner"], name="业主一的秘密仓库")
    headers = as_role(app, client, people, role, auth)
    response = client.get(f"/api/v1/projects/{project_id}", headers=headers)
    if role in CAN_SEE:
        assert response.status_code == 200, response.get_json()
        project = response.get_json()
        assert project["id"] == project_id
        assert project["name"] == "业主一的秘密仓库"
        assert project["answers"] == example_answers("warehouse")
        assert project["plan"]["items"]
        assert all({"id", "code", "status", "department", "due_date"} <= set(i) for i in project["items"])
    else:
        assert_error(response, 404, "not_found")
        text = response.get_data(as_text=True)
        assert "秘密仓库" not in text and "滨海新区" not in text


@pytest.mark.parametrize("role", ["owner", "admin", "officer"])
def test_a_missing_project_is_404_like_a_forbidden_one(app, client, people, role):
    project_id = make_project(app, people["other_owner"])
    headers = as_role(app, client, people, role, "bearer")
    missing = client.get(f"/api/v1/projects/{project_id + 1000}", headers=headers)
    assert_error(missing, 404, "not_found")
    if role == "owner":  # someone else's project looks exactly like a missing one
        forbidden = client.get(f"/api/v1/projects/{project_id}", headers=headers)
        assert forbidden.get_json() == missing.get_json()


def test_reading_a_project_without_login_is_401(app, client, people):
    project_id = make_project(app, people["owner"])
    response = client.get(f"/api/v1/projects/{project_id}")
    assert_error(response, 401, "unauthorized")
    assert "滨海" not in response.get_data(as_text=True)


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer ", "Basic b3duZXI6cGFzcw==", "ndkg_abc"])
def test_a_bad_authorization_header_is_401(app, client, people, header):
    project_id = make_project(app, people["owner"])
    response = client.get(f"/api/v1/projects/{project_id}", headers={"Authorization": header})
    assert_error(response, 401, "unauthorized")


def test_a_deactivated_users_token_is_401(app, client, people):
    project_id = make_project(app, people["owner"])
    headers = as_role(app, client, people, "owner", "bearer")
    assert client.get(f"/api/v1/projects/{project_id}", headers=headers).status_code == 200
    with app.app_context():
        db.session.get(User, people["owner"]).active = False
        db.session.commit()
    assert_error(client.get(f"/api/v1/projects/{project_id}", headers=headers), 401)


def test_the_project_read_back_equals_the_one_created(app, client, people):
    headers = as_role(app, client, people, "owner", "bearer")
    created = client.post("/api/v1/projects", json=body(), headers=headers).get_json()
    assert client.get(f"/api/v1/projects/{created['id']}", headers=headers).get_json() == created


# --- GET /api/v1/projects ----------------------------------------------------


@pytest.mark.parametrize("auth", AUTH)
@pytest.mark.parametrize("role", ROLES)
def test_the_list_holds_the_callers_own_projects_only(app, client, people, role, auth):
    mine = make_project(app, people["owner"], "warehouse", "仓库")
    plant = make_project(app, people["owner"], "chemical_plant", "化工厂")
    theirs = make_project(app, people["other_owner"], "public_school", "学校")
    headers = as_role(app, client, people, role, auth)
    response = client.get("/api/v1/projects", headers=headers)
    assert response.status_code == 200
    listed = response.get_json()["projects"]
    if role == "owner":
        assert [p["id"] for p in listed] == [plant, mine]  # newest first
        assert listed[1] == {"id": mine, "name": "仓库", "eligible": True,
                             "total_working_days": listed[1]["total_working_days"]}
        assert listed[0]["eligible"] is False
        with app.app_context():
            for row in listed:
                assert row["total_working_days"] == db.session.get(Project, row["id"]).current_plan.total_working_days
    elif role == "other_owner":
        assert [p["id"] for p in listed] == [theirs]
    else:
        assert listed == []


def test_the_list_without_login_is_401(app, client, people):
    make_project(app, people["owner"])
    assert_error(client.get("/api/v1/projects"), 401, "unauthorized")


# --- the pages keep their login redirect -------------------------------------


def test_pages_still_redirect_to_the_login_page(client, people):
    response = client.get("/owner/projects")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_an_api_401_is_json_but_never_a_redirect(client, people):
    for path in ("/api/v1/projects", "/api/v1/projects/1"):
        response = client.get(path)
        assert response.status_code == 401
        assert "Location" not in response.headers
