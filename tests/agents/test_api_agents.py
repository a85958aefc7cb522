"""帮办代办 through the JSON API: asking (201, 400, 404, 409), the offer to
the stations of the project's district, claiming (one wins, 409 for the
rest, 404 elsewhere), the agent using the owner's item endpoints within the
grant and seen as ``agent`` on the project, every act logged and told to
the owner, revocation, escalation of an unclaimed request."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select

from coordinator.extensions import db
from coordinator.notifications.models import Notification
from tests.agents.agent_fixtures import agents, as_user  # noqa: F401  (fixtures)
from tests.conftest import pdf_bytes
from tests.tracking.tracking_fixtures import more_officers, project  # noqa: F401  (fixtures)


def ask(client, project_id, **body):
    return client.post(f"/api/v1/projects/{project_id}/agent-requests", json=body)


def kinds(app, kind):
    with app.app_context():
        rows = db.session.scalars(select(Notification).where(Notification.kind == kind)).all()
        return sorted(n.recipient_user.username for n in rows if n.recipient_user)


def test_owner_asks_one_agent_claims_the_others_get_409(app, agents):
    owner, agent, agent2, far = (as_user(app, u) for u in ("owner", "agent", "agent2", "faragent"))
    r = ask(owner, agents["id"])
    assert r.status_code == 201
    body = r.json
    assert body["status"] == "offered" and body["project_id"] == agents["id"]
    assert body["acts"] == ["answers", "materials", "submit"] and body["claim_by"]
    assert kinds(app, "agent_offered") == ["agent", "agent2"]
    listed = agent.get("/api/v1/agent-requests").json["agent_requests"]
    assert [{k: x[k] for k in ("id", "project_id", "project_name", "status")} for x in listed] == [
        {"id": body["id"], "project_id": agents["id"], "project_name": "滨海仓库", "status": "offered"}]
    assert far.get("/api/v1/agent-requests").json == {"agent_requests": []}
    assert far.post(f"/api/v1/agent-requests/{body['id']}/claim").status_code == 404
    r = agent.post(f"/api/v1/agent-requests/{body['id']}/claim")
    assert r.status_code == 200 and r.json["status"] == "claimed" and r.json["agent"] == "agent"
    r = agent2.post(f"/api/v1/agent-requests/{body['id']}/claim")
    assert r.status_code == 409 and set(r.json) >= {"error", "message", "fields"}
    assert kinds(app, "agent_claimed") == ["owner"]
    assert ask(owner, agents["id"]).status_code == 409


@pytest.mark.parametrize("who,body,status", [
    ("owner", {"acts": ["fly"]}, 400),
    ("owner", {"acts": []}, 400),
    ("owner2", {}, 404),
    ("agent", {}, 403),
    ("officer", {}, 403),
])
def test_asking_needs_the_owner_and_real_acts(app, agents, who, body, status):
    r = ask(as_user(app, who), agents["id"], **body)
    assert r.status_code == status and set(r.json) >= {"error", "message"}
    with app.app_context():
        assert not db.session.scalars(select(Notification).where(Notification.kind == "agent_offered")).all()


def _hand_over(app, agents, acts=None):
    owner, agent = as_user(app, "owner"), as_user(app, "agent")
    rid = ask(owner, agents["id"], **({"acts": acts} if acts is not None else {})).json["id"]
    assert agent.post(f"/api/v1/agent-requests/{rid}/claim").status_code == 200
    return owner, agent


def test_the_agent_works_the_project_through_the_owners_endpoints(app, agents):
    owner, agent = _hand_over(app, agents)
    seen = agent.get(f"/api/v1/projects/{agents['id']}")
    assert seen.status_code == 200
    assert seen.json["agent"] == {"username": "agent", "display_name": "帮办员甲",
                                  "granted": ["answers", "materials", "submit"]}
    assert owner.get(f"/api/v1/projects/{agents['id']}").json["agent"]["username"] == "agent"
    assert as_user(app, "agent2").get(f"/api/v1/projects/{agents['id']}").status_code == 404
    assert as_user(app, "faragent").get(f"/api/v1/projects/{agents['id']}").status_code == 404
    item = agents["items"]["land_transfer"]
    for material in agent.get(f"/api/v1/items/{item}/materials").json["materials"]:  # the owner's endpoints
        if material["essential"] and not material["provided"]:
            r = agent.post(f"/api/v1/items/{item}/materials", content_type="multipart/form-data",
                           data={"material": material["name"], "file": (io.BytesIO(pdf_bytes(material["name"])),
                                                                        "scan.pdf")})
            assert r.status_code == 201, r.json
    r = agent.post(f"/api/v1/items/{item}/transition", json={"to": "submitted"})
    assert r.status_code == 200 and r.json["status"] == "submitted"
    assert as_user(app, "agent2").post(f"/api/v1/items/{item}/transition", json={"to": "submitted"}).status_code == 404
    uploads = sum(1 for m in agent.get(f"/api/v1/items/{item}/materials").json["materials"] if m["files"])
    assert kinds(app, "agent_act") == ["owner"] * (uploads + 1)  # every upload and the submission, told to the owner
    with app.app_context():
        notes = db.session.scalars(select(Notification).where(Notification.kind == "agent_act")).all()
        assert all("帮办员甲" in n.subject and "业主一" in n.body for n in notes)
        assert any("land_transfer" in n.body for n in notes)
    # the officer's decision reaches the agent as well as the owner
    planner = as_user(app, "planner")
    planner.post(f"/api/v1/items/{item}/transition", json={"to": "accepted"})
    assert kinds(app, "item_accepted") == ["agent", "owner"]
    # the agent files a problem report for the owner
    r = agent.post("/api/v1/problems", json={"project_id": agents["id"], "category": "other", "description": "代办反映"})
    assert r.status_code == 201
    assert [p["id"] for p in owner.get("/api/v1/problems").json["problems"]] == [r.json["id"]]


def test_acts_not_granted_are_refused(app, agents):
    _, agent = _hand_over(app, agents, acts=["answers"])
    item = agents["items"]["land_transfer"]
    assert agent.get(f"/api/v1/projects/{agents['id']}").status_code == 200
    r = agent.post(f"/api/v1/items/{item}/transition", json={"to": "submitted"})
    assert r.status_code == 403
    assert agent.get(f"/api/v1/items/{item}").json["allowed"] == []


def test_the_owner_revokes_and_the_agent_loses_the_project(app, agents):
    owner, agent = _hand_over(app, agents)
    assert agent.delete(f"/api/v1/projects/{agents['id']}/agent").status_code == 403
    assert owner.delete(f"/api/v1/projects/{agents['id']}/agent").status_code == 204
    assert agent.get(f"/api/v1/projects/{agents['id']}").status_code == 404
    item = agents["items"]["land_transfer"]
    assert agent.post(f"/api/v1/items/{item}/transition", json={"to": "submitted"}).status_code == 404
    assert owner.get(f"/api/v1/projects/{agents['id']}").json["agent"] is None
    assert kinds(app, "agent_revoked") == ["agent"]
    assert owner.delete(f"/api/v1/projects/{agents['id']}/agent").status_code == 404
    assert ask(owner, agents["id"]).status_code == 201  # a new agent may be asked for


def test_an_unclaimed_request_is_escalated_to_the_office(app, agents):
    from coordinator.agents.service import sweep_agent_requests

    owner = as_user(app, "owner")
    claim_by = dt.date.fromisoformat(ask(owner, agents["id"]).json["claim_by"])
    with app.app_context():
        assert sweep_agent_requests(claim_by) == 0
        assert sweep_agent_requests(claim_by + dt.timedelta(days=5)) == 1
    assert kinds(app, "agent_claim_reminder") == ["agent", "agent2"]
    assert kinds(app, "agent_escalated") == ["admin"]
    assert as_user(app, "agent").get("/api/v1/agent-requests").json["agent_requests"][0]["escalated"] is True


def test_the_office_assigns_an_open_request_to_an_agent(app, agents):
    owner, office = as_user(app, "owner"), as_user(app, "admin")
    rid = ask(owner, agents["id"]).json["id"]
    assert as_user(app, "agent").post(f"/api/v1/agent-requests/{rid}/assign", json={"agent": "faragent"}).status_code == 403
    r = office.post(f"/api/v1/agent-requests/{rid}/assign", json={"agent": "owner2"})
    assert r.status_code == 400 and "agent" in r.json["fields"]
    r = office.post(f"/api/v1/agent-requests/{rid}/assign", json={"agent": "faragent"})
    assert r.status_code == 200 and r.json["agent"] == "faragent" and r.json["status"] == "claimed"
    assert kinds(app, "agent_assigned") == ["faragent"]
    assert as_user(app, "faragent").get(f"/api/v1/projects/{agents['id']}").json["agent"]["username"] == "faragent"
    assert office.post(f"/api/v1/agent-requests/{rid}/assign", json={"agent": "agent"}).status_code == 409
    assert office.post("/api/v1/agent-requests/999999/assign", json={"agent": "agent"}).status_code == 404
