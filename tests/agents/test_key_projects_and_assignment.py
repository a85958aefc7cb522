"""Key projects (rules/facts.yaml ``key_project``: 工程投资额 1 亿元以上) are
offered an agent without the owner asking — once; the owner may decline.
The 政务服务办 assigns an agent to a waiting request or directly to a
project, through the service, the API and the admin page; audited, and the
agent and the owner's company are told."""
from __future__ import annotations

from sqlalchemy import select

from coordinator.accounts.models import User
from coordinator.extensions import db
from coordinator.notifications.models import Notification
from tests.agents.agent_fixtures import agents, as_user  # noqa: F401  (fixtures)
from tests.conftest import TODAY, example_answers
from tests.tracking.tracking_fixtures import LAND_DATE, more_officers, project  # noqa: F401  (fixtures)

KEY = {**example_answers(), "investment_amount_10k_yuan": 20000}


def _create(app, owner_id, answers, name="重点物流园"):
    from coordinator.projects.service import create_project

    with app.app_context():
        return create_project(db.session.get(User, owner_id), name, answers, land_date=LAND_DATE, today=TODAY).id


def _requests(app, project_id):
    from coordinator.agents.models import AgentRequest

    with app.app_context():
        return [r.status for r in db.session.scalars(
            select(AgentRequest).where(AgentRequest.project_id == project_id).order_by(AgentRequest.id))]


def _kinds(app, kind):
    with app.app_context():
        return {n.recipient_user.username for n in db.session.scalars(select(Notification).where(
            Notification.kind == kind, Notification.channel == "inbox"))}


def test_a_key_project_is_offered_an_agent_without_asking(app, agents):
    owner = as_user(app, "owner")
    r = owner.post("/api/v1/projects", json={"name": "重点物流园", "answers": KEY,
                                              "land_date": LAND_DATE.isoformat()})
    assert r.status_code == 201
    pid = r.json["id"]
    assert "key_project" in [n["fact"] for n in r.json["plan"]["notices"]]
    offered = as_user(app, "agent").get("/api/v1/agent-requests").json["agent_requests"]
    assert [(a["project_id"], a["status"], a["key_project"]) for a in offered] == [(pid, "offered", True)]
    assert as_user(app, "faragent").get("/api/v1/agent-requests").json["agent_requests"] == []
    assert _kinds(app, "agent_offered_to_key_project") == {"owner"}
    page = owner.get(f"/owner/projects/{pid}").get_data(as_text=True)
    assert "本项目属于重点项目" in page and "不需要帮办代办" in page


def test_an_ordinary_project_is_not_offered_one(app, agents):
    pid = _create(app, agents["users"]["owner"], {**example_answers(), "investment_amount_10k_yuan": 9999})
    assert _requests(app, pid) == []


def test_the_owner_declines_and_a_revision_does_not_offer_again(app, agents):
    from coordinator.projects.service import revise_project

    pid = _create(app, agents["users"]["owner"], KEY)
    owner = as_user(app, "owner")
    assert as_user(app, "owner2").delete(f"/api/v1/projects/{pid}/agent-request").status_code == 404
    assert owner.delete(f"/api/v1/projects/{pid}/agent-request").status_code == 204
    assert owner.delete(f"/api/v1/projects/{pid}/agent-request").status_code == 404
    assert as_user(app, "agent").get("/api/v1/agent-requests").json["agent_requests"] == []
    with app.app_context():
        from coordinator.projects.models import Project

        project = db.session.get(Project, pid)
        revise_project(project, db.session.get(User, agents["users"]["owner"]),
                       {**KEY, "investment_amount_10k_yuan": 30000}, LAND_DATE, today=TODAY)
    assert _requests(app, pid) == ["withdrawn"]
    # the owner can still ask for help
    assert owner.post(f"/api/v1/projects/{pid}/agent-requests", json={}).status_code == 201


def test_a_revision_that_makes_a_key_project_offers_an_agent(app, agents):
    from coordinator.projects.models import Project
    from coordinator.projects.service import revise_project

    with app.app_context():
        revise_project(db.session.get(Project, agents["id"]), db.session.get(User, agents["users"]["owner"]), KEY,
                       LAND_DATE, today=TODAY)
    assert _requests(app, agents["id"]) == ["offered"]


def test_declining_on_the_page(app, agents):
    pid = _create(app, agents["users"]["owner"], KEY)
    owner = as_user(app, "owner")
    r = owner.post(f"/owner/projects/{pid}/agent-requests/decline")
    assert r.status_code == 303
    page = owner.get(f"/owner/projects/{pid}").get_data(as_text=True)
    assert "申请帮办代办" in page and "本项目属于重点项目" not in page
    assert as_user(app, "agent").post(f"/owner/projects/{pid}/agent-requests/decline").status_code == 403


def test_the_office_assigns_a_waiting_request_on_the_admin_page(app, agents):
    from coordinator.audit.models import AdminAuditEntry

    owner, office = as_user(app, "owner"), as_user(app, "admin")
    request_id = owner.post(f"/api/v1/projects/{agents['id']}/agent-requests", json={}).json["id"]
    page = office.get("/admin/agents").get_data(as_text=True)
    assert "滨海仓库" in page and "建设单位申请" in page and 'value="agent2"' in page and 'value="faragent"' in page
    r = office.post(f"/admin/agents/requests/{request_id}/assign", data={"agent": "agent2"})
    assert r.status_code == 303
    assert "已指派" in office.get(r.location).get_data(as_text=True)
    assert as_user(app, "agent2").get(f"/api/v1/projects/{agents['id']}").json["agent"]["username"] == "agent2"
    assert _kinds(app, "agent_assigned") == {"agent2"} and "owner" in _kinds(app, "agent_claimed")
    with app.app_context():
        entry = db.session.scalar(select(AdminAuditEntry).where(AdminAuditEntry.entity == "agent_request"))
        assert entry.actor.username == "admin" and entry.action == "assign" and entry.after["agent"] == "agent2"
    # taken now: a second assignment is refused and changes nothing
    r = office.post(f"/admin/agents/requests/{request_id}/assign", data={"agent": "agent"}, follow_redirects=True)
    assert "未指派" in r.get_data(as_text=True)
    assert office.post("/admin/agents/requests/999999/assign", data={"agent": "agent"}).status_code == 404


def test_the_office_assigns_an_agent_directly_to_a_project(app, agents):
    office = as_user(app, "admin")
    r = office.post("/admin/agents/projects/assign", data={"project_id": agents["id"], "agent": "nobody"},
                    follow_redirects=True)
    assert "请选择一名帮办代办员" in r.get_data(as_text=True)
    assert _requests(app, agents["id"]) == []
    r = office.post("/admin/agents/projects/assign", data={"project_id": agents["id"], "agent": "faragent"})
    assert r.status_code == 303
    assert _requests(app, agents["id"]) == ["claimed"]
    assert as_user(app, "faragent").get(f"/owner/projects/{agents['id']}").status_code == 200
    assert "滨海仓库" not in office.get("/admin/agents").get_data(as_text=True).split("direct-heading")[1]
    # the API: held already → 409; another role → 403
    r = office.post(f"/api/v1/projects/{agents['id']}/agent", json={"agent": "agent"})
    assert r.status_code == 409
    assert as_user(app, "owner").post(f"/api/v1/projects/{agents['id']}/agent",
                                      json={"agent": "agent"}).status_code == 403
    assert office.post("/api/v1/projects/999999/agent", json={"agent": "agent"}).status_code == 404


def test_the_api_assigns_to_a_project_with_an_open_request(app, agents):
    pid = _create(app, agents["users"]["owner"], KEY)
    r = as_user(app, "admin").post(f"/api/v1/projects/{pid}/agent", json={"agent": "agent"})
    assert r.status_code == 200 and r.json["status"] == "claimed" and r.json["agent"] == "agent"
    assert r.json["key_project"] is True
    assert _requests(app, pid) == ["claimed"]


def test_only_admins_see_the_assign_page(app, agents):
    assert as_user(app, "owner").get("/admin/agents").status_code == 403
    assert as_user(app, "agent").post("/admin/agents/projects/assign",
                                      data={"project_id": agents["id"], "agent": "agent"}).status_code == 403
