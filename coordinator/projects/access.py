"""Who may act on a project: the one place that answers it.

Every service that lets a user act as a project's owner (submit items,
upload, award, rate, revise answers) asks ``acts_for_owner``; the accounts,
companies and 帮办代办 rules extend this module, not the callers.
"""
from __future__ import annotations

from sqlalchemy import Select, or_, select

from ..accounts.models import Role, User
from ..agents.models import AgentGrant
from ..extensions import db
from .models import Project


def acts_for_owner(user: User, project: Project, act: str | None = None) -> bool:
    """True when ``user`` may act on ``project`` as its owner: the owner, or
    the agent holding the project's live 帮办代办 grant — for ``act``
    (``answers``, ``materials``, ``submit``, ``award``) only when the owner
    granted it; without ``act``, for seeing and reporting on the project."""
    if project.owner_id == user.id:
        return True
    if user.role != Role.agent:
        return False
    acts = db.session.scalar(select(AgentGrant.acts).where(
        AgentGrant.project_id == project.id, AgentGrant.agent_id == user.id, AgentGrant.revoked_at.is_(None)))
    return acts is not None and (act is None or act in acts)


def is_agent_for(user: User, project: Project) -> bool:
    """``user`` acts on ``project`` as its agent, not as its owner."""
    return project.owner_id != user.id and acts_for_owner(user, project)


def projects_acted_for(user: User) -> Select:
    """A query of the ids of the projects ``user`` acts on as owner (see
    :func:`acts_for_owner`): their own, and those held as an agent."""
    held = select(AgentGrant.project_id).where(AgentGrant.agent_id == user.id, AgentGrant.revoked_at.is_(None))
    return select(Project.id).where(or_(Project.owner_id == user.id, Project.id.in_(held)))
