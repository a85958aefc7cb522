"""帮办代办: owners' requests for an agent, the grants that let an agent act
for an owner, and the append-only log of every act done under a grant."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from ..accounts.models import User, utcnow
from ..extensions import db
from ..projects.models import Project
from ..servicerequests.models import ServiceRequest

#: What an owner may let an agent do: edit the answers, upload materials,
#: submit and resubmit items, award intermediary quotes.
ACTS = ("answers", "materials", "submit", "award")
DEFAULT_ACTS = ("answers", "materials", "submit")


class AgentRequest(ServiceRequest):
    """An owner's 申请帮办代办 on a project: a service request of kind
    ``agent``, offered to the service stations serving the project's
    district until one of their agents claims it; ``granted_acts`` is what
    the owner lets the agent do."""

    granted_acts: Mapped[list[str] | None] = mapped_column(JSON)

    claim_by = synonym("respond_by")
    agent_id = synonym("assigned_by_id")
    agent = synonym("assigned_by")

    __mapper_args__ = {"polymorphic_identity": "agent"}


class AgentGrant(db.Model):
    """An agent's authority over one project, as the owner granted it; it
    ends when the owner revokes it. A project has at most one live grant."""

    __tablename__ = "agent_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("service_request.id"))
    acts: Mapped[list[str]] = mapped_column(JSON, default=list)
    granted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]

    project: Mapped[Project] = relationship()
    agent: Mapped[User] = relationship(foreign_keys=[agent_id])
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])


class AgentAct(db.Model):
    """One act an agent did for an owner ("by agent X for owner Y"); rows are only ever added."""

    __tablename__ = "agent_act"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    act: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(String(500))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    agent: Mapped[User] = relationship(foreign_keys=[agent_id])
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])


class AgentLogError(Exception):
    """The log of agents' acts is append-only."""


@event.listens_for(AgentAct, "before_update")
@event.listens_for(AgentAct, "before_delete")
def _refuse_change(mapper, connection, entry) -> None:
    raise AgentLogError(f"agent act {entry.id} cannot be changed or deleted")
