"""The stateless planning endpoints of the JSON API, through the test client."""
import datetime as dt

import pytest


WAREHOUSE = {
    "project_type": "warehouse", "investment": "enterprise", "land_supply": "auction",
    "in_park": True, "regional_assessment_done": True, "floor_area_m2": 12000, "building_height_m": 15,
    "fire_hazard_class": "C", "hazardous_chemicals": False, "eia_category": "registration",
    "annual_energy_tce": 300, "district": "滨海新区",
    "utilities": {"water": True, "power": True, "gas": False, "heat": False, "power_kva": 800},
}


def test_questionnaire_lists_questions_in_order_with_conditions(client):
    body = client.get("/api/v1/questionnaire").get_json()
    ids = [q["id"] for q in body["questions"]]
    assert ids[:3] == ["project_type", "investment", "land_supply"]
    assert [q["order"] for q in body["questions"]] == sorted(q["order"] for q in body["questions"])
    fire = next(q for q in body["questions"] if q["id"] == "fire_hazard_class")
    assert fire["show_if"] == {"answer": "project_type", "in": ["industrial_plant", "warehouse"]}
    assert {o["value"] for o in fire["options"]} == set("ABCDE")
    for key in ("project_type", "investment", "land_supply", "in_park", "regional_assessment_done",
                "floor_area_m2", "building_height_m", "hazardous_chemicals", "eia_category",
                "annual_energy_tce", "district", "utilities.water", "utilities.power_kva"):
        assert key in ids


@pytest.mark.parametrize("wrapped", [True, False])
def test_post_plans_returns_the_plan(client, wrapped):
    body = {"answers": WAREHOUSE, "land_date": "2026-09-15", "today": "2026-03-02"} if wrapped else {
        **WAREHOUSE, "land_date": "2026-09-15", "today": "2026-03-02"}
    response = client.post("/api/v1/plans", json=body)
    assert response.status_code == 200
    plan = response.get_json()
    assert plan["land_date"] == "2026-09-15"
    assert plan["land_day_start"]["eligible"] is True
    items = {i["code"]: i for i in plan["items"]}
    assert items["construction_permit"]["finish"] == "2026-09-15"
    assert set(plan) >= {"land_day_start", "land_date", "items", "parallel_groups", "critical_path",
                         "total_working_days", "serial_working_days", "warnings"}


def test_post_plans_stores_nothing_and_is_repeatable(client):
    first = client.post("/api/v1/plans", json={"answers": WAREHOUSE, "today": "2026-03-02"}).get_json()
    second = client.post("/api/v1/plans", json={"answers": WAREHOUSE, "today": "2026-03-02"}).get_json()
    assert first == second


def test_invalid_answers_name_every_field(client):
    bad = {**WAREHOUSE, "floor_area_m2": -5, "colour": "red"}
    del bad["district"]
    response = client.post("/api/v1/plans", json={"answers": bad})
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "invalid_answers"
    assert set(body["fields"]) == {"floor_area_m2", "colour", "district"}
    assert body["message"]


@pytest.mark.parametrize("payload, field", [
    ({"answers": WAREHOUSE, "land_date": "15/09/2026"}, "land_date"),
    ({"answers": WAREHOUSE, "commitment": "maybe"}, "commitment"),
])
def test_bad_options_are_400_with_fields(client, payload, field):
    response = client.post("/api/v1/plans", json=payload)
    assert response.status_code == 400
    assert field in response.get_json()["fields"]


def test_malformed_json_is_400(client):
    response = client.post("/api/v1/plans", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"


def test_openapi_document_describes_the_endpoints(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/plans" in doc["paths"] and "/api/v1/questionnaire" in doc["paths"]
    assert "400" in doc["paths"]["/api/v1/plans"]["post"]["responses"]


def test_unknown_route_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_default_planning_date_is_today(client):
    plan = client.post("/api/v1/plans", json={"answers": WAREHOUSE}).get_json()
    assert plan["start_date"] >= dt.date.today().isoformat()
