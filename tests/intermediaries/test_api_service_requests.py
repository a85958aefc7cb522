"""The service-request API (the issue's Contract): agencies list and quote,
the owner awards, the awarded agency reports progress; every refusal in the
API's error shape, nothing changed by a refused call."""
from __future__ import annotations

import datetime as dt

import pytest

from coordinator.extensions import db
from coordinator.intermediaries.models import IntermediaryRequest, ServiceQuote
from tests.conftest import example_answers, login
from tests.hookups.hookup_fixtures import file_project
from tests.intermediaries.intermediary_fixtures import agency


@pytest.fixture
def offered(app, users):
    with app.app_context():
        ids = {"a": agency("agency_a", "甲环评公司"), "b": agency("agency_b", "乙咨询公司"),
               "far": agency("agency_far", "西青咨询", districts=("西青区",))}
        ids["project"] = file_project(users["owner"], example_answers("chemical_plant"), name="南港化工厂房",
                                     today=dt.date.today())
        ids["eia"] = db.session.scalar(db.select(IntermediaryRequest.id).where(
            IntermediaryRequest.project_id == ids["project"], IntermediaryRequest.service == "eia"))
        return ids


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert {"error", "message", "fields"} <= set(body)
    return body


def test_agencies_list_their_offers_owners_and_officers_may_not(client, offered):
    login(client, "agency_a")
    listed = client.get("/api/v1/service-requests").get_json()["service_requests"]
    eia = next(r for r in listed if r["id"] == offered["eia"])
    assert {"id", "project_id", "project_name", "service", "item_code", "status", "respond_by", "quotes"} <= set(eia)
    assert (eia["service"], eia["item_code"], eia["status"], eia["quotes"]) == ("eia", "eia_report_writing",
                                                                               "offered", [])
    client.post("/logout")
    login(client, "agency_far")
    assert client.get("/api/v1/service-requests").get_json() == {"service_requests": []}
    for username in ("owner", "officer"):
        client.post("/logout")
        login(client, username)
        _error(client.get("/api/v1/service-requests"), 403)


def test_quote_award_progress_through_the_api(client, offered):
    login(client, "agency_a")
    bad = _error(client.post(f"/api/v1/service-requests/{offered['eia']}/quotes",
                             json={"fee_yuan": "lots", "working_days": 0}), 400)
    assert set(bad["fields"]) == {"fee_yuan", "working_days"}
    quoted = client.post(f"/api/v1/service-requests/{offered['eia']}/quotes",
                         json={"fee_yuan": 80000, "working_days": 25, "note": "含公众参与"})
    assert quoted.status_code == 201
    assert set(quoted.get_json()) >= {"id", "fee_yuan", "working_days", "status"}
    _error(client.post(f"/api/v1/service-requests/{offered['eia']}/quotes",
                       json={"fee_yuan": 1, "working_days": 1}), 409)  # quoted already
    quote_id = quoted.get_json()["id"]
    assert client.get("/api/v1/service-requests").get_json()["service_requests"][0]["quotes"][0]["id"] == quote_id
    _error(client.post(f"/api/v1/service-requests/{offered['eia']}/award", json={"quote_id": quote_id}), 403)
    client.post("/logout")
    login(client, "agency_far")
    _error(client.post(f"/api/v1/service-requests/{offered['eia']}/quotes",
                       json={"fee_yuan": 1, "working_days": 1}), 404)
    client.post("/logout")
    login(client, "owner2")
    _error(client.post(f"/api/v1/service-requests/{offered['eia']}/award", json={"quote_id": quote_id}), 403)
    client.post("/logout")
    login(client, "owner")
    project = client.get(f"/api/v1/projects/{offered['project']}").get_json()
    listed = next(r for r in project["service_requests"] if r["id"] == offered["eia"])
    assert listed["quotes"][0]["agency"] == "甲环评公司" and listed["awarded_quote_id"] is None
    _error(client.post(f"/api/v1/service-requests/{offered['eia']}/award", json={"quote_id": 999999}), 400)
    awarded = client.post(f"/api/v1/service-requests/{offered['eia']}/award", json={"quote_id": quote_id})
    assert awarded.status_code == 200 and awarded.get_json()["awarded_quote_id"] == quote_id
    _error(client.post(f"/api/v1/service-requests/{offered['eia']}/award", json={"quote_id": quote_id}), 409)
    project = client.get(f"/api/v1/projects/{offered['project']}").get_json()
    assert next(i for i in project["plan"]["items"] if i["code"] == "eia_report_writing")["days"] == 25
    client.post("/logout")
    login(client, "agency_b")
    _error(client.post(f"/api/v1/service-requests/{offered['eia']}/quotes",
                       json={"fee_yuan": 1, "working_days": 1}), 409)  # after the award
    _error(client.post(f"/api/v1/service-requests/{offered['eia']}/progress", json={"to": "drafting"}), 404)
    client.post("/logout")
    login(client, "agency_a")
    before = _error(client.post(f"/api/v1/service-requests/{offered['eia']}/progress",
                                json={"to": "drafting", "on": "2026-03-09"}), 400)  # before the award
    assert set(before["fields"]) == {"on"}
    today = dt.date.today().isoformat()
    step = client.post(f"/api/v1/service-requests/{offered['eia']}/progress", json={"to": "drafting", "on": today})
    assert step.status_code == 200 and step.get_json()["status"] == "drafting"
    back = _error(client.post(f"/api/v1/service-requests/{offered['eia']}/progress", json={"to": "drafting"}), 409)
    assert back["fields"]["to"] == ["delivered"]
    delivered = client.post(f"/api/v1/service-requests/{offered['eia']}/progress",
                            json={"to": "delivered", "on": today, "report_title": "环境影响报告书"})
    assert delivered.get_json()["status"] == "delivered"
    client.post("/logout")
    login(client, "owner")
    assert client.post(f"/api/v1/service-requests/{offered['eia']}/rating", json={"score": 5}).status_code == 201


def test_a_refused_quote_changes_nothing(app, client, offered):
    login(client, "agency_a")
    _error(client.post(f"/api/v1/service-requests/{offered['eia']}/quotes",
                       json={"fee_yuan": -1, "working_days": 10, "note": "x" * 3000}), 400)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ServiceQuote)) == 0
        assert db.session.get(IntermediaryRequest, offered["eia"]).status == "offered"


def test_the_api_is_documented(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/service-requests", "/api/v1/service-requests/{request_id}/quotes",
                 "/api/v1/service-requests/{request_id}/award", "/api/v1/service-requests/{request_id}/progress"):
        assert path in paths
