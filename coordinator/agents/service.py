"""帮办代办 operations shared by the pages, the JSON API and the worker: an
owner asks for an agent (a service request of kind ``agent`` on the
service-request core, offered to the service stations serving the project's
district), one agent claims it and receives the owner's grant, the owner
revokes it at any time; the agent's workspace. Each operation commits its
change with the notifications it causes."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

from flask import current_app
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from ..accounts.models import Organisation, OrganisationKind, Role, User, utcnow
from ..audit.service import record
from ..extensions import db
from ..governance.service import current_calendar
from ..notifications.inbox import inbox_of
from ..notifications.models import InboxMessage
from ..notifications.outbox import enqueue
from ..projects.access import acts_for_owner, project_audience
from ..planning import Plan
from ..projects.models import PlanItem, Project
from ..servicerequests import service as core
from ..servicerequests.models import ServiceOffer
from ..servicerequests.service import RequestConflict, RequestNotFound
from ..tracking import lifecycle
from ..tracking.lifecycle import InvalidTransition
from .acts import ACT_NAMES
from .models import ACTS, DEFAULT_ACTS, AgentAct, AgentGrant, AgentRequest

CLAIMED = "claimed"


def claim_limit_days() -> int:
    """Working days the stations have to take a request (``AGENT_CLAIM_LIMIT_DAYS``)."""
    return int(current_app.config["AGENT_CLAIM_LIMIT_DAYS"])


def stations_for(district: str) -> list[Organisation]:
    """The service stations whose agents serve ``district``."""
    rows = db.session.scalars(select(Organisation).where(
        Organisation.kind == OrganisationKind.service_station).order_by(Organisation.id)).all()
    return [o for o in rows if district in (o.districts or ())]


def request_json(request: AgentRequest) -> dict[str, Any]:
    """The API shape of an agent request."""
    return {"id": request.id, "project_id": request.project_id, "project_name": request.project.name,
            "status": request.status, "district": request.district, "acts": list(request.granted_acts or ()),
            "claim_by": request.claim_by.isoformat(), "escalated": request.escalated,
            "agent": request.agent.username if request.agent else None,
            "key_project": offered_as_key_project(request)}


NOTICES = core.Notices(
    prefix="agent", portal="/agent/",
    offered_subject="新的帮办代办申请：{project}", offered_body="建设单位申请帮办代办，请在认领期限内认领并联系建设单位。",
    unrouted_subject="无帮办代办站点服务{district}：{project}", unrouted_body="该帮办代办申请没有可推送的站点，请指派帮办代办员。",
    reminder_subject="今天是认领期限：帮办代办 {project}", reminder_body="该帮办代办申请尚未被认领，请在今天内认领。",
    escalated_subject="帮办代办认领超时：{project}", escalated_body="截至{respond_by}仍无帮办代办员认领。",
    escalated_note="认领超时，已上报政务服务办",
    title=lambda r: "帮办代办",
    describe=lambda r: (f"项目：{r.project.name}（{r.district}）\n授权：{'、'.join(ACT_NAMES[a] for a in r.granted_acts or ())}"
                        f"\n认领期限：{r.claim_by.isoformat()}"),
    payload=lambda r, today: {"agent_request": request_json(r)},
    responders=lambda r: stations_for(r.district),
)


# --- the owner's side ------------------------------------------------------------------


def live_grant(project: Project) -> AgentGrant | None:
    """The project's grant in force, if any."""
    return db.session.scalar(select(AgentGrant).where(AgentGrant.project_id == project.id,
                                                      AgentGrant.revoked_at.is_(None)))


def open_request_of(project: Project) -> AgentRequest | None:
    """The project's request still waiting for an agent."""
    return next((r for r in core.requests_of_project(project.id)
                 if isinstance(r, AgentRequest) and r.status == core.OFFERED), None)


def _owned(user: User, project_id: int) -> Project:
    """The project if ``user`` is its owner (not its agent): 404 otherwise."""
    project = db.session.get(Project, project_id)
    if project is None or user.role != Role.owner or not acts_for_owner(user, project):
        raise NotFound()
    return project


def request_agent(owner: User, project_id: int, acts: Iterable[str] | None = None,
                  today: dt.date | None = None) -> AgentRequest:
    """The owner asks for help (申请帮办代办), granting ``acts`` (default:
    answers, materials, submit). 404 for anyone but the owner; 400 for acts
    that do not exist; 409 while a request is open or an agent holds the project."""
    today = today or dt.date.today()
    project = _owned(owner, project_id)
    acts = list(DEFAULT_ACTS if acts is None else acts)
    unknown = [a for a in acts if a not in ACTS]
    if unknown or not acts:
        raise InvalidTransition("invalid", "the grant names unknown acts" if unknown else "grant at least one act",
                                fields={"acts": [f"a non-empty list of: {', '.join(ACTS)}"]})
    if open_request_of(project) is not None or live_grant(project) is not None:
        raise RequestConflict("the project already has an agent or an open request", "offered")
    request = AgentRequest(project=project, service="agent", district=project.district,
                           granted_acts=[a for a in ACTS if a in acts])
    core.open_request(request, today, claim_limit_days())
    core.offer(request, stations_for(project.district), NOTICES)
    db.session.commit()
    return request


#: The rule base's fact naming a key project (重点项目), which is offered an agent without asking.
KEY_PROJECT = "key_project"
#: The note of a request's first step when it was offered because the project is a key project.
KEY_PROJECT_NOTE = "重点项目：自动提供帮办代办"


def offer_to_key_project(project: Project, plan: Plan, today: dt.date | None = None) -> AgentRequest | None:
    """A key project (the plan's fact :data:`KEY_PROJECT`, criteria in the
    rule base) is offered an agent without the owner asking — once: when it
    qualifies, has never had an agent request and no agent holds it. The
    request goes to the stations like an owner's (default grant) and the
    owner's company is told it may decline. The caller commits."""
    if not plan.facts.get(KEY_PROJECT) or live_grant(project) is not None or db.session.scalar(
            select(AgentRequest.id).where(AgentRequest.project_id == project.id).limit(1)) is not None:
        return None
    today = today or dt.date.today()
    request = AgentRequest(project=project, service="agent", district=project.district,
                           granted_acts=list(DEFAULT_ACTS))
    core.open_request(request, today, claim_limit_days())
    request.events[0].note = KEY_PROJECT_NOTE
    core.offer(request, stations_for(project.district), NOTICES)
    enqueue("agent_offered_to_key_project", f"重点项目帮办代办：{project.name}",
            f"“{project.name}”属于重点项目，已为您提供帮办代办服务：服务站点的帮办代办员认领后将代您办理"
            f"{'、'.join(ACT_NAMES[a] for a in request.granted_acts)}。如不需要，可在项目页拒绝。",
            users=project_audience(project, agent=False), link=f"/owner/projects/{project.id}",
            payload={"agent_request": request_json(request)}, key=f"agent{request.id}:key-project")
    return request


def offered_as_key_project(request: AgentRequest) -> bool:
    """The request was offered because the project is a key project, not asked for."""
    return bool(request.events) and request.events[0].note == KEY_PROJECT_NOTE


def decline(owner: User, project_id: int, today: dt.date | None = None) -> AgentRequest:
    """The owner declines (or withdraws) the project's request still waiting
    for an agent: ``withdrawn``; a key project is not offered one again. 404
    for anyone but the owner, or when no request is open."""
    project = _owned(owner, project_id)
    request = open_request_of(project)
    if request is None:
        raise NotFound()
    if not core.move(request, core.OFFERED, core.WITHDRAWN):
        raise NotFound()
    core.record(request, core.WITHDRAWN, today or dt.date.today(), f"建设单位（{owner.display_name}）不需要帮办代办",
                owner)
    db.session.commit()
    return request


def revoke(owner: User, project_id: int) -> AgentGrant:
    """The owner ends the agent's grant (at any time); the agent is told. 404
    for anyone but the owner, or when no agent holds the project."""
    project = _owned(owner, project_id)
    grant = live_grant(project)
    if grant is None:
        raise NotFound()
    grant.revoked_at = utcnow()
    enqueue("agent_revoked", f"帮办代办授权已撤销：{project.name}",
            f"{owner.display_name}已撤销您对“{project.name}”的帮办代办授权。", users=[grant.agent],
            link="/agent/", payload={"project_id": project.id}, key=f"agent-grant:{grant.id}:revoked")
    db.session.commit()
    return grant


def acts_of(project: Project) -> list[AgentAct]:
    """What agents did on the project, newest first (shown to the owner)."""
    return list(db.session.scalars(select(AgentAct).where(AgentAct.project_id == project.id)
                                   .order_by(AgentAct.id.desc())))


@dataclass
class Helper:
    """The project page's 帮办代办 section: the grant in force, the request
    waiting for an agent, and what agents did."""

    grant: AgentGrant | None
    waiting: AgentRequest | None
    acts: list[AgentAct]

    @property
    def key_project(self) -> bool:
        """The waiting request was offered because the project is a key project."""
        return self.waiting is not None and offered_as_key_project(self.waiting)


def helper_of(project: Project) -> Helper:
    return Helper(live_grant(project), open_request_of(project), acts_of(project))


def agent_json(project: Project) -> dict[str, Any] | None:
    """``agent`` of ``GET /projects/{id}``: ``{username, granted}`` while an agent holds it."""
    grant = live_grant(project)
    return {"username": grant.agent.username, "display_name": grant.agent.display_name,
            "granted": list(grant.acts)} if grant else None


# --- the agent's side ------------------------------------------------------------------


def _station_of(agent: User) -> Organisation | None:
    org = agent.organisation
    return org if agent.role == Role.agent and org is not None and org.kind == OrganisationKind.service_station else None


def offered_requests(agent: User) -> list[AgentRequest]:
    """The requests offered to the agent's station and still open, soonest
    deadline first, then those the agent claimed."""
    org = _station_of(agent)
    if org is None:
        return []
    offered = db.session.scalars(select(AgentRequest).join(ServiceOffer, ServiceOffer.request_id == AgentRequest.id)
                                 .where(ServiceOffer.organisation_id == org.id, AgentRequest.status == core.OFFERED)
                                 .order_by(AgentRequest.respond_by, AgentRequest.id)).all()
    claimed = db.session.scalars(select(AgentRequest).where(AgentRequest.agent_id == agent.id)
                                 .order_by(AgentRequest.id.desc())).all()
    return [*offered, *claimed]


def claim(agent: User, request_id: int, today: dt.date | None = None) -> AgentRequest:
    """An agent of a station the request was offered to takes it: a
    conditional UPDATE on the core, so of concurrent claimers exactly one
    wins (:class:`RequestConflict`, 409, for the others); the winner gets
    the owner's grant and the owner is told. 404 outside the offer."""
    today = today or dt.date.today()
    request = db.session.get(AgentRequest, request_id)
    org = _station_of(agent)
    if request is None or org is None or not core.offered_to(request, org):
        raise RequestNotFound()
    if not core.assign(request, core.OFFERED, CLAIMED, org, agent):
        raise RequestConflict("the request was already claimed", db.session.get(AgentRequest, request_id).status)
    _hand_over(request, agent, today)
    db.session.commit()
    return request


def active_agents() -> list[User]:
    """Every active agent of a service station, by station then name (whom the office may assign)."""
    return [u for u in db.session.scalars(select(User).where(User.role == Role.agent, User.active.is_(True))
                                          .order_by(User.organisation_id, User.username)) if _station_of(u)]


def waiting_requests() -> list[AgentRequest]:
    """Every request still waiting for an agent, escalated ones first, then by deadline (the office's list)."""
    return list(db.session.scalars(select(AgentRequest).where(AgentRequest.status == core.OFFERED)
                                   .order_by(AgentRequest.escalated.desc(), AgentRequest.respond_by, AgentRequest.id)))


def projects_without_agent() -> list[Project]:
    """The projects no agent holds, newest first (the office may assign one directly)."""
    held = select(AgentGrant.project_id).where(AgentGrant.revoked_at.is_(None))
    return list(db.session.scalars(select(Project).where(Project.id.not_in(held)).order_by(Project.id.desc())))


def _agent_named(username: Any) -> User:
    agent = db.session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if agent is None or _station_of(agent) is None:
        raise InvalidTransition("invalid", "no such agent", fields={"agent": ["the username of an active agent"]})
    return agent


def assign(admin: User, request_id: int, agent_username: Any, today: dt.date | None = None) -> AgentRequest:
    """The 政务服务办 assigns an open request to an agent of any station
    (e.g. after escalation): 404 for no such request, 400 for no such
    agent, 409 when it was claimed meanwhile."""
    request = db.session.get(AgentRequest, request_id)
    if request is None or admin.role != Role.admin:
        raise RequestNotFound()
    return _assign(admin, request, _agent_named(agent_username), today or dt.date.today())


def assign_to_project(admin: User, project_id: int, agent_username: Any,
                      today: dt.date | None = None) -> AgentRequest:
    """The 政务服务办 assigns an agent to a project directly: to its open
    request, or to a request opened for it on the service-request core and
    given at once (with the default grant; the owner may revoke it). 404 for
    no such project, 400 for no such agent, 409 when an agent holds it."""
    today = today or dt.date.today()
    project = db.session.get(Project, project_id)
    if project is None or admin.role != Role.admin:
        raise RequestNotFound()
    agent = _agent_named(agent_username)
    request = open_request_of(project)
    if request is None:
        if live_grant(project) is not None:
            raise RequestConflict("an agent holds the project already", CLAIMED)
        request = AgentRequest(project=project, service="agent", district=project.district,
                               granted_acts=list(DEFAULT_ACTS))
        core.open_request(request, today, claim_limit_days())
    return _assign(admin, request, agent, today)


def _assign(admin: User, request: AgentRequest, agent: User, today: dt.date) -> AgentRequest:
    """Give ``request`` to ``agent`` on the office's behalf: audited, and the agent and the owner are told."""
    request_id = request.id
    if not core.assign(request, core.OFFERED, CLAIMED, agent.organisation, agent):
        raise RequestConflict("the request was already claimed", db.session.get(AgentRequest, request_id).status)
    _hand_over(request, agent, today, f"政务服务办（{admin.display_name}）指派")
    record(admin, "agent_request", request.id, "assign", None,
           {"project": request.project.name, "project_id": request.project_id, "agent": agent.username,
            "station": agent.organisation.name, "acts": list(request.granted_acts or DEFAULT_ACTS)})
    enqueue("agent_assigned", f"政务服务办指派帮办代办：{request.project.name}",
            f"您被指派为“{request.project.name}”的帮办代办员。", users=[agent], link="/agent/",
            payload={"agent_request": request_json(request)}, key=f"agent{request.id}:assigned")
    db.session.commit()
    return request


def _hand_over(request: AgentRequest, agent: User, today: dt.date, note: str = "") -> AgentGrant:
    project = request.project
    grant = AgentGrant(project_id=project.id, agent_id=agent.id, owner_id=project.owner_id, request_id=request.id,
                       acts=list(request.granted_acts or DEFAULT_ACTS))
    db.session.add(grant)
    core.record(request, CLAIMED, today, note, agent, agent.organisation)
    enqueue("agent_claimed", f"帮办代办员已认领：{project.name}",
            f"{agent.organisation.name}的帮办代办员{agent.display_name}将代您办理："
            f"{'、'.join(ACT_NAMES[a] for a in grant.acts)}。您可随时在项目页撤销授权。",
            users=project_audience(project, agent=False), link=f"/owner/projects/{project.id}",
            payload={"agent_request": request_json(request)}, key=f"agent{request.id}:claimed")
    return grant


def sweep_agent_requests(today: dt.date | None = None) -> int:
    """Remind the stations of requests due today and escalate those unclaimed after it."""
    escalated = core.sweep_unanswered(AgentRequest, NOTICES, today or dt.date.today())
    db.session.commit()
    return escalated


# --- the workspace ---------------------------------------------------------------------


@dataclass
class ProjectInHand:
    """A project the agent holds: the grant, and what it is waiting for."""

    project: Project
    grant: AgentGrant
    ready: list[PlanItem]
    with_department: list[PlanItem]
    returned: list[PlanItem]
    due_soon: list[PlanItem]
    overdue: list[PlanItem]


@dataclass
class Workspace:
    offered: list[AgentRequest]
    projects: list[ProjectInHand]
    notices: list[InboxMessage]


def projects_in_hand(agent: User) -> list[AgentGrant]:
    """The agent's live grants, newest first."""
    return list(db.session.scalars(select(AgentGrant).where(AgentGrant.agent_id == agent.id,
                                                            AgentGrant.revoked_at.is_(None))
                                   .order_by(AgentGrant.id.desc())))


def workspace(agent: User, today: dt.date | None = None) -> Workspace:
    """The agent's desk: requests to claim, each project in hand with the
    items ready to submit, with a department, returned for correction, due
    soon and overdue, and the latest notices from officers and utilities."""
    today = today or dt.date.today()
    cal = current_calendar()
    rows = []
    for grant in projects_in_hand(agent):
        plan = grant.project.current_plan
        items = [i for i in (plan.items if plan else []) if i.kind == "approval"]
        statuses = {i.code: i.status for i in items}
        flags = {i.id: lifecycle.deadline_flag(cal, i.status, i.due_date, today) for i in items}
        rows.append(ProjectInHand(
            grant.project, grant,
            ready=[i for i in items if i.status == lifecycle.NOT_SUBMITTED
                   and not lifecycle.blocking_prerequisites(plan.plan, i.code, statuses)],
            with_department=[i for i in items if i.status in lifecycle.OPEN_STATES],
            returned=[i for i in items if i.status == lifecycle.RETURNED],
            due_soon=[i for i in items if flags[i.id] == lifecycle.DUE_SOON],
            overdue=[i for i in items if flags[i.id] == lifecycle.OVERDUE]))
    offered = [r for r in offered_requests(agent) if r.status == core.OFFERED]
    return Workspace(offered, rows, inbox_of(agent, limit=10))
