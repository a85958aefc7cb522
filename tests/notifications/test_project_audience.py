"""Who hears about a project (:func:`coordinator.projects.access.project_audience`):
every member of the owning company with a confirmed, active account, and the
agent holding the project — for item notices, hookups, intermediaries,
problems and re-plans alike; never an unconfirmed or removed colleague."""
from __future__ import annotations

from sqlalchemy import select

from coordinator.accounts.models import Role, User
from coordinator.accounts.service import create_user
from coordinator.extensions import db
from coordinator.notifications.models import Notification
from tests.agents.agent_fixtures import agents, as_user  # noqa: F401  (fixtures)
from tests.conftest import PASSWORD
from tests.tracking.tracking_fixtures import more_officers, move, project  # noqa: F401  (fixtures)


def _colleagues(app, owner_id):
    """``colleague`` (confirmed), ``invitee`` (awaiting confirmation) and ``gone`` (removed) of the owner's company."""
    with app.app_context():
        owner = db.session.get(User, owner_id)
        made = {}
        for name, pending, active in (("colleague", False, True), ("invitee", True, True), ("gone", False, False)):
            user = create_user(name, PASSWORD, Role.owner, name)
            user.company_id, user.awaiting_verification, user.active = owner.company_id, pending, active
            made[name] = user
        db.session.commit()
        return {k: u.id for k, u in made.items()}


def _told(app, kind):
    with app.app_context():
        return {n.recipient_user.username for n in db.session.scalars(select(Notification).where(
            Notification.kind == kind, Notification.channel == "inbox"))}


def test_the_audience_is_the_confirmed_members_and_the_agent(app, agents):
    from coordinator.agents.service import claim, request_agent
    from coordinator.projects.access import project_audience
    from coordinator.projects.models import Project

    _colleagues(app, agents["users"]["owner"])
    with app.app_context():
        project = db.session.get(Project, agents["id"])
        assert [u.username for u in project_audience(project)] == ["owner", "colleague"]
        request = request_agent(project.owner, project.id)
        claim(db.session.get(User, agents["users"]["agent"]), request.id)
        project = db.session.get(Project, agents["id"])
        assert [u.username for u in project_audience(project)] == ["owner", "colleague", "agent"]
        assert [u.username for u in project_audience(project, agent=False)] == ["owner", "colleague"]
        # the agent was claimed: the whole company is told
    assert _told(app, "agent_claimed") == {"owner", "colleague"}


def test_item_notices_and_problem_moves_reach_every_confirmed_colleague(app, project):
    _colleagues(app, project["users"]["owner"])
    users, item = project["users"], project["items"]["land_transfer"]
    move(app, users["owner"], item, "submitted")
    move(app, users["planning_officer"], item, "accepted")
    assert _told(app, "item_accepted") == {"owner", "colleague"}
    office = as_user(app, "admin")
    problem = as_user(app, "colleague").post("/api/v1/problems", json={
        "project_id": project["id"], "category": "other", "description": "窗口系统故障"}).json["id"]
    assert office.post(f"/api/v1/problems/{problem}/transition", json={"to": "accepted"}).status_code == 200
    told = _told(app, "problem_moved")
    assert {"owner", "colleague"} <= told and not {"invitee", "gone"} & told

