"""Every act an agent does under a grant is logged "by agent X for owner Y"
and told to the owner's company — uploads and intermediary awards too, not
only submissions, revisions and problem reports; the owner's own acts are not."""
from __future__ import annotations

import io

from sqlalchemy import select

from coordinator.accounts.models import User
from coordinator.agents.models import AgentAct
from coordinator.extensions import db
from tests.agents.agent_fixtures import agents, as_user  # noqa: F401  (fixtures)
from tests.conftest import TODAY, pdf_bytes
from tests.tracking.tracking_fixtures import more_officers, project  # noqa: F401  (fixtures)


def _held_by_agent(app, agents, acts):
    owner, agent = as_user(app, "owner"), as_user(app, "agent")
    request_id = owner.post(f"/api/v1/projects/{agents['id']}/agent-requests", json={"acts": acts}).json["id"]
    assert agent.post(f"/api/v1/agent-requests/{request_id}/claim").status_code == 200
    return owner, agent


def _acts(app):
    with app.app_context():
        return [(a.act, a.agent.username, a.owner.username) for a in db.session.scalars(
            select(AgentAct).order_by(AgentAct.id))]


def test_an_agents_upload_is_logged_and_the_owners_is_not(app, agents):
    owner, agent = _held_by_agent(app, agents, ["materials", "submit"])
    item = agents["items"]["land_transfer"]
    material = owner.get(f"/api/v1/items/{item}/materials").json["materials"][0]["name"]
    for client, tag in ((owner, "owner"), (agent, "agent")):
        r = client.post(f"/api/v1/items/{item}/materials", data={
            "material": material, "file": (io.BytesIO(pdf_bytes(tag)), f"{tag}.pdf")},
            content_type="multipart/form-data")
        assert r.status_code == 201
    assert _acts(app) == [("materials", "agent", "owner")]
    page = owner.get(f"/owner/projects/{agents['id']}").get_data(as_text=True)
    assert "代 业主一 上传材料" in page and "agent.pdf" in page


def test_an_agents_award_is_logged(app, agents):
    from coordinator.intermediaries.award import engage_outside
    from coordinator.intermediaries.models import IntermediaryRequest

    _held_by_agent(app, agents, ["award"])
    with app.app_context():
        request = db.session.scalars(select(IntermediaryRequest).where(
            IntermediaryRequest.project_id == agents["id"])).first()
        assert request is not None
        engage_outside(request.id, db.session.get(User, agents["users"]["agent"]), "天津环评咨询中心", 20000, 10,
                       today=TODAY)
    assert _acts(app) == [("award", "agent", "owner")]
