"""Who may act on a project: the one place that answers it.

Every service that lets a user act as a project's owner (submit items,
upload, award, rate, revise answers) asks ``acts_for_owner``; the accounts,
companies and 帮办代办 rules extend this module, not the callers.

A project belongs to its company (建设单位): every member of the company
acts for it, whoever created it.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, Select, false, or_, select

from ..accounts.models import Role, User
from ..agents.models import AgentGrant
from ..extensions import db
from .models import Project


def acts_for_owner(user: User, project: Project, act: str | None = None) -> bool:
    """True when ``user`` may act on ``project`` as its owner: a member of
    its company, or the agent holding the project's live 帮办代办 grant — for
    ``act`` (``answers``, ``materials``, ``submit``, ``award``) only when
    the owner granted it; without ``act``, for seeing and reporting on it."""
    if user.company_id is not None and project.company_id == user.company_id:
        return True
    if user.role != Role.agent:
        return False
    acts = db.session.scalar(select(AgentGrant.acts).where(
        AgentGrant.project_id == project.id, AgentGrant.agent_id == user.id, AgentGrant.revoked_at.is_(None)))
    return acts is not None and (act is None or act in acts)


def is_agent_for(user: User, project: Project) -> bool:
    """``user`` acts on ``project`` as its agent, not as a member of its company."""
    return project.company_id != user.company_id and acts_for_owner(user, project)


def acted_for_by(user: User) -> ColumnElement[bool]:
    """The SQL condition on :class:`Project` matching the projects ``user``
    acts for: its company's, and those it holds as an agent."""
    held = select(AgentGrant.project_id).where(AgentGrant.agent_id == user.id, AgentGrant.revoked_at.is_(None))
    own = Project.company_id == user.company_id if user.company_id is not None else false()
    return or_(own, Project.id.in_(held)) if user.role == Role.agent else own


def project_audience(project: Project, *, agent: bool = True) -> list[User]:
    """Who hears about ``project``: every member of its company with a
    confirmed, active account (the project's creator when it has no company
    yet), and — unless ``agent`` is false — the agent holding its live
    帮办代办 grant. The one answer every project notification uses."""
    members = db.session.scalars(select(User).where(
        User.company_id == project.company_id, User.active.is_(True), User.awaiting_verification.is_(False))
        .order_by(User.id)).all() if project.company_id is not None else [project.owner]
    agents = db.session.scalars(select(User).join(AgentGrant, AgentGrant.agent_id == User.id).where(
        AgentGrant.project_id == project.id, AgentGrant.revoked_at.is_(None))).all() if agent else []
    return list({u.id: u for u in [*members, *agents]}.values())


def projects_acted_for(user: User) -> Select:
    """A query of the ids of the projects ``user`` acts for (see :func:`acted_for_by`)."""
    return select(Project.id).where(acted_for_by(user))
