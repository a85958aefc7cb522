"""``/api/v1/hookups``: the providers' open requests, claim and progress (SPEC §4.4)."""
from __future__ import annotations

from coordinator.extensions import db

from tests.conftest import login
from tests.hookups.hookup_fixtures import file_project, requests_of, staff


def _filed(app, users) -> dict[str, int]:
    with app.app_context():
        project_id = file_project(users["owner"])
        ids = {u: r.id for u, r in requests_of(project_id).items()}
        ids["project"] = project_id
        staff("water_tianjin", "waterman")
        staff("power_tianjin_city", "cityman")
        db.session.remove()
    return ids


def test_providers_list_the_open_requests_of_their_type_and_area(app, client, users):
    ids = _filed(app, users)
    login(client, "utility")
    body = client.get("/api/v1/hookups").get_json()
    assert [(h["id"], h["utility"], h["status"], h["district"], h["claim_by"], h["project_id"])
            for h in body["hookups"]] == [(ids["power"], "power", "offered", "滨海新区", "2026-03-04", ids["project"])]
    assert body["hookups"][0]["demand"]["power_kva"] == 800
    client.post("/logout")
    login(client, "waterman")
    assert [h["utility"] for h in client.get("/api/v1/hookups").get_json()["hookups"]] == ["water"]
    client.post("/logout")
    login(client, "cityman")  # a power company serving other districts
    assert client.get("/api/v1/hookups").get_json() == {"hookups": []}


def test_only_providers_may_use_the_hookup_api(app, client, users):
    ids = _filed(app, users)
    assert client.get("/api/v1/hookups").status_code == 401
    login(client, "owner")
    response = client.post(f"/api/v1/hookups/{ids['power']}/claim")
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"


def test_claim_once_then_409_and_the_owner_sees_the_provider(app, client, users):
    ids = _filed(app, users)
    login(client, "utility")
    response = client.post(f"/api/v1/hookups/{ids['power']}/claim")
    assert response.status_code == 200
    assert response.get_json()["status"] == "claimed" and response.get_json()["contact_name"] == "业主一"
    again = client.post(f"/api/v1/hookups/{ids['power']}/claim")
    assert again.status_code == 409
    assert set(again.get_json()) == {"error", "message", "fields"}
    assert client.get("/api/v1/hookups").get_json() == {"hookups": []}
    assert [h["id"] for h in client.get("/api/v1/hookups?scope=claimed").get_json()["hookups"]] == [ids["power"]]
    client.post("/logout")
    login(client, "owner")
    hookups = {h["utility"]: h for h in client.get(f"/api/v1/projects/{ids['project']}").get_json()["hookups"]}
    assert hookups["power"]["status"] == "claimed"
    assert hookups["power"]["provider"] == "国网天津市电力公司滨海供电分公司"
    assert hookups["water"]["provider"] is None and hookups["water"]["status"] == "offered"


def test_requests_outside_the_providers_area_are_404(app, client, users):
    ids = _filed(app, users)
    login(client, "cityman")
    assert client.post(f"/api/v1/hookups/{ids['power']}/claim").status_code == 404
    assert client.post("/api/v1/hookups/999999/claim").status_code == 404
    assert client.post(f"/api/v1/hookups/{ids['power']}/progress", json={"to": "surveyed"}).status_code == 404


def test_progress_steps_forward_with_note_and_date(app, client, users):
    ids = _filed(app, users)
    login(client, "utility")
    url = f"/api/v1/hookups/{ids['power']}/progress"
    assert client.post(url, json={"to": "surveyed", "note": "x"}).status_code == 409  # not claimed yet
    client.post(f"/api/v1/hookups/{ids['power']}/claim")
    response = client.post(url, json={"to": "surveyed", "note": "现场勘察完成", "date": "2026-03-03"})
    assert response.status_code == 200 and response.get_json()["status"] == "surveyed"
    backwards = client.post(url, json={"to": "surveyed", "note": ""})
    assert backwards.status_code == 409
    assert backwards.get_json()["fields"]["to"] == ["designed", "constructed", "connected"]
    bad = client.post(url, json={"to": "finished"})
    assert bad.status_code == 400 and "to" in bad.get_json()["fields"]
    done = client.post(url, json={"to": "connected", "note": "送电", "date": "2026-04-01"}).get_json()
    assert done["status"] == "connected" and done["connected_on"] == "2026-04-01"
    client.post("/logout")
    login(client, "owner")
    power = next(h for h in client.get(f"/api/v1/projects/{ids['project']}").get_json()["hookups"]
                 if h["utility"] == "power")
    assert power["connected_on"] == "2026-04-01"
    assert [(e["status"], e["note"]) for e in power["events"]][-2:] == [("surveyed", "现场勘察完成"), ("connected", "送电")]


def test_the_openapi_document_describes_the_hookup_routes(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/hookups", "/api/v1/hookups/{hookup_id}/claim", "/api/v1/hookups/{hookup_id}/progress"} \
        <= set(spec["paths"])
    claim = spec["paths"]["/api/v1/hookups/{hookup_id}/claim"]["post"]
    assert {"200", "401", "403", "404", "409"} <= set(claim["responses"])
    progress = spec["paths"]["/api/v1/hookups/{hookup_id}/progress"]["post"]
    assert "requestBody" in progress
