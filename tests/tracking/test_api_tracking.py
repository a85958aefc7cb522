"""The tracking endpoints of the JSON API (SPEC §4.4) through the test client:
the queue, transitions with their 400/403/404/409 answers, the item with
its audit log, ratings, and the project's items with tracking fields."""
from __future__ import annotations

import datetime as dt

import pytest

from coordinator.extensions import limiter
from tests.conftest import login
from tests.tracking.tracking_fixtures import more_officers, move, project  # noqa: F401  (fixtures)

ERROR_KEYS = {"error", "message", "fields"}


@pytest.fixture(autouse=True)
def _fresh_limits():
    limiter.reset()
    yield


def post(client, item_id, **body):
    return client.post(f"/api/v1/items/{item_id}/transition", json=body)


def as_user(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def test_owner_submits_officer_returns_owner_resubmits_officer_approves_owner_rates(app, project):
    item = project["items"]["land_transfer"]
    owner, planner = as_user(app, "owner"), as_user(app, "planner")
    r = post(owner, item, to="submitted")
    assert r.status_code == 200 and r.json["status"] == "submitted"
    assert r.json["allowed"] == [] and r.json["due_date"]
    queue = planner.get("/api/v1/queue").json
    assert [{k: i[k] for k in ("id", "project_id", "code", "status", "overdue")} for i in queue["items"]] == [
        {"id": item, "project_id": project["id"], "code": "land_transfer", "status": "submitted", "overdue": False}]
    assert set(queue["items"][0]) >= {"id", "project_id", "code", "status", "due_date", "overdue"}
    assert queue["counts"]["submitted"] == 1
    r = post(planner, item, to="returned", reason="缺少宗地图", missing_materials=["宗地图", "出让公告"])
    assert r.status_code == 200 and r.json["missing_materials"] == ["宗地图", "出让公告"]
    seen = owner.get(f"/api/v1/projects/{project['id']}").json
    mine = next(i for i in seen["items"] if i["id"] == item)
    assert mine["status"] == "returned" and mine["missing_materials"] == ["宗地图", "出让公告"]
    assert {"id", "code", "status", "department", "due_date", "planned_finish", "overdue"} <= set(mine)
    assert post(owner, item, to="submitted").json["status"] == "submitted"
    assert post(planner, item, to="accepted").json["status"] == "accepted"
    r = post(planner, item, to="approved", document_number="津滨规〔2026〕12号")
    assert r.json["status"] == "approved" and r.json["document_number"] == "津滨规〔2026〕12号"
    assert [(e["from"], e["to"]) for e in r.json["events"]] == [
        ("not_submitted", "submitted"), ("submitted", "returned"), ("returned", "submitted"),
        ("submitted", "accepted"), ("accepted", "approved")]
    assert r.json["events"][1]["reason"] == "缺少宗地图"
    rated = owner.post(f"/api/v1/items/{item}/rating", json={"score": 5, "comment": "一次性告知，很清楚"})
    assert rated.status_code == 201 and rated.json["score"] == 5
    again = owner.post(f"/api/v1/items/{item}/rating", json={"score": 1})
    assert again.status_code == 409 and again.json["error"] == "already_rated"


def test_illegal_transition_is_409_listing_the_allowed_ones(app, project):
    item = project["items"]["land_transfer"]
    owner, planner = as_user(app, "owner"), as_user(app, "planner")
    post(owner, item, to="submitted")
    r = post(planner, item, to="approved", document_number="x")
    assert r.status_code == 409
    assert set(r.json) >= ERROR_KEYS and r.json["error"] == "illegal_transition"
    assert r.json["allowed"] == ["accepted", "returned", "refused"]


def test_missing_inputs_are_400_naming_each_field(app, project):
    item = project["items"]["land_transfer"]
    owner, planner = as_user(app, "owner"), as_user(app, "planner")
    post(owner, item, to="submitted")
    r = post(planner, item, to="returned")
    assert r.status_code == 400 and set(r.json["fields"]) == {"reason", "missing_materials"}
    r = post(planner, item, to="refused")
    assert r.status_code == 400 and set(r.json["fields"]) == {"reason"}
    r = post(planner, item, to="flying")
    assert r.status_code == 400 and "to" in r.json["fields"]
    assert post(planner, item, to="refused", reason="不符合规划条件").json["status"] == "refused"


def test_who_may_move_what(app, project):
    item = project["items"]["land_transfer"]  # 规划
    owner = as_user(app, "owner")
    r = post(as_user(app, "planner"), item, to="submitted")
    assert r.status_code == 403 and set(r.json) >= ERROR_KEYS
    post(owner, item, to="submitted")
    r = post(as_user(app, "officer"), item, to="accepted")  # 住建 officer on a 规划 item
    assert r.status_code == 403 and r.json["error"] == "forbidden"
    r = post(as_user(app, "owner2"), item, to="accepted")
    assert r.status_code == 404 and set(r.json) >= ERROR_KEYS
    assert post(owner, 999_999, to="submitted").status_code == 404
    assert post(as_user(app, "admin"), item, to="accepted").status_code == 403
    assert post(owner, item, to="accepted").status_code == 403
    assert post(app.test_client(), item, to="accepted").status_code == 401
    assert as_user(app, "owner2").get(f"/api/v1/items/{item}").status_code == 404
    assert as_user(app, "officer").get(f"/api/v1/items/{item}").status_code == 403


def test_prerequisites_pending_is_409(app, project):
    r = post(as_user(app, "owner"), project["items"]["design_scheme_review"], to="submitted")
    assert r.status_code == 409 and r.json["error"] == "prerequisites_pending"
    assert r.json["fields"] == {"requires": ["project_filing"]}


def test_queue_is_for_officers_with_filters_and_limit(app, project):
    owner = as_user(app, "owner")
    for code in ("land_transfer", "eia_registration"):
        post(owner, project["items"][code], to="submitted")
    assert owner.get("/api/v1/queue").status_code == 403
    assert app.test_client().get("/api/v1/queue").status_code == 401
    planner = as_user(app, "planner")
    assert [i["code"] for i in planner.get("/api/v1/queue?project_type=warehouse").json["items"]] == ["land_transfer"]
    assert planner.get("/api/v1/queue?project_type=residential").json["items"] == []
    assert planner.get("/api/v1/queue?overdue=true").json["items"] == []
    assert planner.get("/api/v1/queue?state=returned").json["items"] == []
    assert planner.get("/api/v1/queue?limit=0").status_code == 400
    assert planner.get("/api/v1/queue?state=nonsense").status_code == 400
    assert [i["code"] for i in as_user(app, "eco").get("/api/v1/queue").json["items"]] == ["eia_registration"]


def test_overdue_flag_in_the_queue(app, project):
    """An item submitted long ago whose acceptance deadline has passed is overdue."""
    move(app, project["users"]["owner"], project["items"]["land_transfer"], "submitted",
         today=dt.date.today() - dt.timedelta(days=30))
    planner = as_user(app, "planner")
    items = planner.get("/api/v1/queue?overdue=true").json["items"]
    assert [(i["code"], i["overdue"], i["deadline"]) for i in items] == [("land_transfer", True, "overdue")]


def test_bearer_token_works_for_the_queue(app, project):
    token = app.test_client().post("/api/v1/tokens", json={"username": "planner", "password": "correct horse battery staple"}).json["token"]
    r = app.test_client().get("/api/v1/queue", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json["items"] == []


def test_openapi_documents_the_tracking_routes(client):
    spec = client.get("/api/v1/openapi.json").json
    transition = spec["paths"]["/api/v1/items/{item_id}/transition"]["post"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(transition["responses"])
    queue = spec["paths"]["/api/v1/queue"]["get"]
    assert {p["name"] for p in queue["parameters"]} >= {"state", "overdue", "project_type", "limit", "offset"}
    assert "/api/v1/items/{item_id}/rating" in spec["paths"]
