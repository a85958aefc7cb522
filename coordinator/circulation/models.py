"""A request for one department's opinion on an item, and its answer."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User, utcnow
from ..extensions import db
from ..planning import limits
from ..projects.models import PlanItem, Project

REQUESTED = "requested"
ANSWERED = "answered"
#: the lead department decided without this opinion and recorded why
WAIVED = "waived"

AGREE = "agree"
AGREE_WITH_CONDITIONS = "agree_with_conditions"
DISAGREE = "disagree"
VERDICTS = (AGREE, AGREE_WITH_CONDITIONS, DISAGREE)


class Consultation(db.Model):
    """The lead department of an item asks another department for its
    opinion by a due date (working days); the consulted department answers once."""

    __tablename__ = "consultation"
    __table_args__ = (
        UniqueConstraint("item_id", "department"),
        Index("ix_consultation_open", "department", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_item.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    #: the consulted department (an organisation code)
    department: Mapped[str] = mapped_column(String(limits.CODE))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_on: Mapped[dt.date]
    due_date: Mapped[dt.date]
    #: asked because the rule base always joins this department to the item
    by_rule: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default=REQUESTED)
    verdict: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_on: Mapped[dt.date | None]
    waived_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    item: Mapped[PlanItem] = relationship()
    project: Mapped[Project] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
